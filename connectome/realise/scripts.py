"""Simulator scripts without edges: a runnable PyNEST or PyNN script that builds a topology at N neurons.

One population per region; per projection exactly its derived count (`connectome.counting`):

* NEST draws the synapses itself, in parallel, at any scale: rule `synapses` is `fixed_total_number`
  (multapses allowed); for rule `pairs` (no pair twice) NEST's `fixed_total_number` refuses
  `allow_multapses=False` ("Connect doesn't support the suppression of multapses in the FixedTotalNumber
  connector", NEST 3.10), so the script draws the targets' in-degrees of a uniform draw of the count's pairs
  (multivariate hypergeometric, exactly) and connects each group of targets sharing an in-degree with
  `fixed_indegree` (`allow_multapses=False`): together, a uniform draw;
* PyNN 0.13's `FixedTotalNumberConnector` ignores `with_replacement` and `allow_self_connections` (it always
  draws with repeats and autapses) and draws one synapse per Python step, so the PyNN script draws the
  connections with numpy (the same in-degrees for `pairs`, then distinct sources per target; uniform
  synapses for `synapses`) and hands each projection to `FromListConnector`;
* `autapses` becomes `allow_autapses` (NEST) or no source equal to its target (PyNN).

Weights and delays are those of `connectome.realise.synapses` (signed, pA and ms). The NEST script passes
them as they are (NEST's units: pA, mV, ms); the PyNN script divides weights by 1000 (PyNN's units: nA, mV,
ms) and makes an inhibitory projection on the inhibitory receptor. Both set the time step (`RESOLUTION_MS`)
to the coarsest one, at most 0.1 ms, of which every given delay is a whole number, and hold delays at one
step at least (what NEST and PyNN accept).
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from ..counting import count_topology
from ..errors import InputError
from ..graph import rows_of
from .synapses import resolution, synapses

if TYPE_CHECKING:
    import networkx as nx

    from ..graph import Rows

_PAIRS = '''PAIRS_EXACT_BELOW = 10**9  # numpy's multivariate hypergeometric takes populations below 1e9


def pairs_in_degrees(rng, count, targets, slots):
    """Each target's in-degree in a uniform draw of `count` of the targets x slots pairs (no pair twice)."""
    total = targets * slots
    if total < PAIRS_EXACT_BELOW:
        return rng.multivariate_hypergeometric(np.full(targets, slots), count, method="marginals")
    if 2 * count > total:  # draw the pairs left out instead
        return slots - pairs_in_degrees(rng, total - count, targets, slots)
    q = min(1.0, (count + 10.0 * count**0.5 + 10.0) / total)
    while True:  # a Bernoulli(q) subset holds a uniform K-subset; drop K - count of its pairs at random
        degrees = rng.binomial(slots, q, size=targets)
        chosen = int(degrees.sum())
        if chosen >= count:
            break
    drop = rng.choice(chosen, chosen - count, replace=False)
    owner = np.searchsorted(np.cumsum(degrees), drop, side="right")
    return degrees - np.bincount(owner, minlength=targets)
'''

_NEST = '''#!/usr/bin/env python3
"""A network for NEST, written by connectome (TITLE names it).

One population of MODEL per region; NEST draws the synapses with its own rules (rule `synapses`:
fixed_total_number; rule `pairs`: in-degrees of a uniform draw of distinct pairs, then fixed_indegree
without multapses). NEST's units: weights in pA (nS for conductance-based models), negative where
inhibitory; delays in ms, which NEST rounds to the time step (RESOLUTION_MS: every given delay is a whole
number of steps) and which are held at one step at least.
Run: python THIS_FILE [--seed S] [--threads T] [--model MODEL] [--resolution MS]
"""

import argparse

import nest
import numpy as np

TITLE = {title}
MODEL = {model}
RESOLUTION_MS = {resolution}
REGIONS = {regions}  # (name, neurons)
PROJECTIONS = {projections}  # (source, target, connections, rule, autapses, weight in pA, delay in ms)
{pairs}

def build(seed=1, threads=1, model=MODEL, resolution=RESOLUTION_MS):
    """Create the populations and connect them; return {{region: NodeCollection}}."""
    nest.ResetKernel()
    nest.SetKernelStatus({{"resolution": resolution, "rng_seed": seed, "local_num_threads": threads}})
    rng = np.random.default_rng(seed)
    populations = {{name: nest.Create(model, n) for name, n in REGIONS}}
    for source, target, count, rule, autapses, weight, delay in PROJECTIONS:
        pre, post = populations[source], populations[target]
        syn = {{"synapse_model": "static_synapse", "weight": weight, "delay": max(delay, resolution)}}
        if rule == "synapses":
            nest.Connect(pre, post, {{"rule": "fixed_total_number", "N": count, "allow_multapses": True,
                                     "allow_autapses": autapses}}, syn)
            continue
        slots = len(pre) - (source == target and not autapses)
        degrees = pairs_in_degrees(rng, count, len(post), slots)
        for degree in np.unique(degrees[degrees > 0]):
            nest.Connect(pre, post[np.flatnonzero(degrees == degree)],
                         {{"rule": "fixed_indegree", "indegree": int(degree), "allow_multapses": False,
                          "allow_autapses": autapses}}, syn)
    return populations


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=TITLE)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--model", default=MODEL)
    parser.add_argument("--resolution", type=float, default=RESOLUTION_MS, help="time step in ms")
    args = parser.parse_args()
    build(args.seed, args.threads, args.model, args.resolution)
    print(f"{{sum(n for _, n in REGIONS):,}} neurons, {{nest.num_connections:,}} connections")
'''

_PYNN = '''#!/usr/bin/env python3
"""A network for PyNN, written by connectome (TITLE names it).

One population of MODEL per region; per projection exactly its count of connections, drawn here with numpy
(rule `synapses`: uniform synapses, a pair may repeat; rule `pairs`: a uniform draw of distinct pairs; no
source is its own target where autapses are off) and made by PyNN's FromListConnector (PyNN 0.13's
FixedTotalNumberConnector ignores with_replacement and allow_self_connections).
PyNN's units: weights in nA (uS for conductance-based models), mV, ms. PROJECTIONS holds weights in pA
(nS), negative where inhibitory: they are divided by PA_PER_NA and an inhibitory projection goes to the
inhibitory receptor (with a negative weight on current-based models, a positive one on conductance-based
ones, as PyNN requires). Delays are in ms, rounded by the simulator to the time step (RESOLUTION_MS: every
given delay is a whole number of steps) and held at one step at least.
Run: python THIS_FILE [--simulator nest|neuron|brian2|mock] [--seed S] [--model MODEL] [--resolution MS]
"""

import argparse
import importlib

import numpy as np

TITLE = {title}
MODEL = {model}
RESOLUTION_MS = {resolution}
REGIONS = {regions}  # (name, neurons)
PROJECTIONS = {projections}  # (source, target, connections, rule, autapses, weight in pA, delay in ms)
PA_PER_NA = 1000.0
{pairs}

def draw(rng, count, rule, sources, targets, skip_self):
    """(source index, target index) rows of `count` connections: uniform synapses, or distinct pairs (`pairs`)."""
    slots = sources - skip_self
    if rule == "synapses":
        post = rng.integers(0, targets, count)
        pre = rng.integers(0, slots, count)
    else:
        degrees = pairs_in_degrees(rng, count, targets, slots)
        post = np.repeat(np.arange(targets), degrees)
        pre = np.concatenate([rng.choice(slots, d, replace=False) for d in degrees.tolist()])
    if skip_self:
        pre += pre >= post
    return np.column_stack([pre, post])


def build(sim, seed=1, model=MODEL, resolution=RESOLUTION_MS):
    """Create the populations and projections on the PyNN backend `sim`; return {{(source, target): Projection}}."""
    sim.setup(timestep=resolution)
    rng = np.random.default_rng(seed)
    cell = getattr(sim, model)
    populations = {{name: sim.Population(n, cell(), label=name) for name, n in REGIONS}}
    projections = {{}}
    for source, target, count, rule, autapses, weight, delay in PROJECTIONS:
        pre, post = populations[source], populations[target]
        pairs = draw(rng, count, rule, pre.size, post.size, source == target and not autapses)
        pynn_weight = (abs(weight) if cell.conductance_based else weight) / PA_PER_NA
        synapse = sim.StaticSynapse(weight=pynn_weight, delay=max(delay, resolution))
        receptor = "inhibitory" if weight < 0 else "excitatory"
        projections[source, target] = sim.Projection(pre, post, sim.FromListConnector(pairs), synapse,
                                                     receptor_type=receptor, label=f"{{source}} -> {{target}}")
    return projections


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=TITLE)
    parser.add_argument("--simulator", default="nest")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--model", default=MODEL)
    parser.add_argument("--resolution", type=float, default=RESOLUTION_MS, help="time step in ms")
    args = parser.parse_args()
    sim = importlib.import_module(f"pyNN.{{args.simulator}}")
    built = build(sim, args.seed, args.model, args.resolution)
    print(f"{{sum(n for _, n in REGIONS):,}} neurons, {{sum(p.size() for p in built.values()):,}} connections")
    sim.end()
'''

SCRIPTS = {"nest": (_NEST, "iaf_psc_exp"), "pynn": (_PYNN, "IF_curr_exp")}


def simulator_script(topology: nx.DiGraph | Rows, neurons: int, simulator: str, *, model: str | None = None,
                     scaling: str | None = None, ref: str | None = None, speed: float | None = None) -> str:
    """The text of a runnable PyNEST (`nest`) or PyNN (`pynn`) script building `topology` at `neurons` neurons.

    Parameters
    ----------
    topology : networkx.DiGraph or Rows
        The topology.
    neurons : int
        Total neurons.
    simulator : {"nest", "pynn"}
        The script's simulator.
    model : str, optional
        The neuron model of every population [default: ``iaf_psc_exp`` / ``IF_curr_exp``].
    scaling : {"probability", "indegree"}, optional
        How counts follow N [default: the topology's own].
    ref : str, optional
        The topology's reference, for the script's title.
    speed : float, optional
        Conduction speed (mm/ms) for delays from `tract_length` (see `connectome.realise.synapses`).

    Returns
    -------
    str
        The script; everything taken from the topology or the caller is in it as a Python literal.
    """
    rows = rows_of(topology)
    template, default_model = SCRIPTS[simulator]
    stats = count_topology(rows, neurons, scaling=scaling)
    found = synapses(rows, speed=speed)
    made = [(p, s) for p, s in zip(stats["projections"], found) if p["connections"] > 0]
    projections = [(p["source"], p["target"], p["connections"], p.get("rule", "pairs"), p.get("autapses", True),
                    s.weight, s.delay) for p, s in made]
    title = (f"{ref or rows.name} at {neurons:,} neurons ({stats['scaling']} scaling): {len(rows.regions)} regions, "
             f"{stats['total_connections']:,} connections in {len(projections)} projections.")
    regions = [(r["name"], r["neurons"]) for r in stats["regions"] if r["neurons"] > 0]
    # everything from the topology or the caller enters the script as a literal (repr), never as code or text
    return template.format(title=repr(title), model=repr(model or default_model), projections=_literal(projections),
                           regions=_literal(regions), resolution=repr(resolution([s for _, s in made])), pairs=_PAIRS)


def _literal(items: list[tuple]) -> str:
    """A Python list literal, one item per line; every value is a str, int, bool, None or finite float."""
    for item in items:
        for value in item:
            if type(value) not in (str, int, bool, type(None)) and not (type(value) is float and math.isfinite(value)):
                raise InputError(f"cannot write {value!r} into a simulator script")
    return "[\n" + "".join(f"    {item!r},\n" for item in items) + "]"
