"""Simulator scripts without edges: a runnable PyNEST or PyNN script that builds a topology at N neurons with the
simulator's own connection rules, so that the simulator draws the synapses itself, in parallel, at any scale.

One population per region; per projection exactly its derived count (`connectome.counting`):

* rule `synapses`: NEST's `fixed_total_number` (multapses allowed), PyNN's `FixedTotalNumberConnector`
  (`with_replacement=True`);
* rule `pairs` (no pair twice): PyNN's `FixedTotalNumberConnector(with_replacement=False)`. NEST's
  `fixed_total_number` refuses `allow_multapses=False` ("Connect doesn't support the suppression of
  multapses in the FixedTotalNumber connector", NEST 3.10), so the NEST script draws the targets' in-degrees
  of a uniform draw of the count's pairs (multivariate hypergeometric, exactly) and connects each group of
  targets sharing an in-degree with `fixed_indegree` (`allow_multapses=False`): together, a uniform draw;
* `autapses` becomes `allow_autapses` / `allow_self_connections`.

A projection's `weight` and `delay` attributes, when present, become the synapses' weight and delay (the
simulator's units: pA or nA, and ms).
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

from ..counting import count_topology
from ..errors import InputError
from ..graph import rows_of

if TYPE_CHECKING:
    import networkx as nx

    from ..graph import Rows

_NEST = '''#!/usr/bin/env python3
"""A network for NEST, written by connectome (TITLE names it).

One population of MODEL per region; NEST draws the synapses with its own rules (rule `synapses`:
fixed_total_number; rule `pairs`: in-degrees of a uniform draw of distinct pairs, then fixed_indegree
without multapses). Run: python THIS_FILE [--seed S] [--threads T] [--model MODEL]
"""

import argparse

import nest
import numpy as np

TITLE = {title}
MODEL = {model}
REGIONS = {regions}  # (name, neurons)
PROJECTIONS = {projections}  # (source, target, connections, rule, autapses, weight, delay)
PAIRS_EXACT_BELOW = 10**9  # numpy's multivariate hypergeometric takes populations below 1e9


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


def build(seed=1, threads=1, model=MODEL):
    """Create the populations and connect them; return {{region: NodeCollection}}."""
    nest.ResetKernel()
    nest.SetKernelStatus({{"rng_seed": seed, "local_num_threads": threads}})
    rng = np.random.default_rng(seed)
    populations = {{name: nest.Create(model, n) for name, n in REGIONS}}
    for source, target, count, rule, autapses, weight, delay in PROJECTIONS:
        pre, post = populations[source], populations[target]
        syn = {{"synapse_model": "static_synapse"}}
        if weight is not None:
            syn["weight"] = weight
        if delay is not None:
            syn["delay"] = delay
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
    args = parser.parse_args()
    build(args.seed, args.threads, args.model)
    print(f"{{sum(n for _, n in REGIONS):,}} neurons, {{nest.num_connections:,}} connections")
'''

_PYNN = '''#!/usr/bin/env python3
"""A network for PyNN, written by connectome (TITLE names it).

One population of MODEL per region; PyNN draws the synapses with FixedTotalNumberConnector
(with_replacement for rule `synapses`, without for rule `pairs`).
Run: python THIS_FILE [--simulator nest|neuron|brian2|mock] [--seed S]
"""

import argparse
import importlib

TITLE = {title}
MODEL = {model}
REGIONS = {regions}  # (name, neurons)
PROJECTIONS = {projections}  # (source, target, connections, rule, autapses, weight, delay)


def build(sim, seed=1, model=MODEL):
    """Create the populations and projections on the PyNN backend `sim`; return {{(source, target): Projection}}."""
    sim.setup(timestep=0.1)
    rng = sim.NumpyRNG(seed=seed)
    cell = getattr(sim, model)
    populations = {{name: sim.Population(n, cell(), label=name) for name, n in REGIONS}}
    projections = {{}}
    for source, target, count, rule, autapses, weight, delay in PROJECTIONS:
        connector = sim.FixedTotalNumberConnector(count, allow_self_connections=autapses,
                                                  with_replacement=rule == "synapses", rng=rng)
        synapse = sim.StaticSynapse(**{{k: v for k, v in (("weight", weight), ("delay", delay)) if v is not None}})
        receptor = "inhibitory" if weight is not None and weight < 0 else "excitatory"
        projections[source, target] = sim.Projection(populations[source], populations[target], connector, synapse,
                                                     receptor_type=receptor, label=f"{{source}} -> {{target}}")
    return projections


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=TITLE)
    parser.add_argument("--simulator", default="nest")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--model", default=MODEL)
    args = parser.parse_args()
    sim = importlib.import_module(f"pyNN.{{args.simulator}}")
    built = build(sim, args.seed, args.model)
    print(f"{{sum(n for _, n in REGIONS):,}} neurons, {{sum(p.size() for p in built.values()):,}} connections")
    sim.end()
'''

SCRIPTS = {"nest": (_NEST, "iaf_psc_exp"), "pynn": (_PYNN, "IF_curr_exp")}


def simulator_script(topology: nx.DiGraph | Rows, neurons: int, simulator: str, *, model: str | None = None,
                     scaling: str | None = None, ref: str | None = None) -> str:
    """The text of a runnable PyNEST (`nest`) or PyNN (`pynn`) script building `topology` at `neurons` neurons."""
    rows = rows_of(topology)
    template, default_model = SCRIPTS[simulator]
    stats = count_topology(rows, neurons, scaling=scaling)
    weights, delays = rows.columns("weight", "delay")
    projections = [(p["source"], p["target"], p["connections"], p.get("rule", "pairs"), p.get("autapses", True),
                    _number(w), _number(d)) for p, w, d in zip(stats["projections"], weights, delays)
                   if p["connections"] > 0]
    title = (f"{ref or rows.name} at {neurons:,} neurons ({stats['scaling']} scaling): {len(rows.regions)} regions, "
             f"{stats['total_connections']:,} connections in {len(projections)} projections.")
    regions = [(r["name"], r["neurons"]) for r in stats["regions"] if r["neurons"] > 0]
    # everything from the topology or the caller enters the script as a literal (repr), never as code or text
    return template.format(title=repr(title), model=repr(model or default_model), projections=_literal(projections),
                           regions=_literal(regions))


def _literal(items: list[tuple]) -> str:
    """A Python list literal, one item per line; every value is a str, int, bool, None or finite float."""
    for item in items:
        for value in item:
            if type(value) not in (str, int, bool, type(None)) and not (type(value) is float and math.isfinite(value)):
                raise InputError(f"cannot write {value!r} into a simulator script")
    return "[\n" + "".join(f"    {item!r},\n" for item in items) + "]"


def _number(value: Any) -> float | None:
    """A weight or delay as a plain float (None when absent or not a number)."""
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None
