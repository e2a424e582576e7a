"""Regenerate the committed TVB reference runs ``tests/reference/tvb_<model>.npz``.

Each file holds one deterministic run of The Virtual Brain (tvb-library 2.10.0) so that connectome's
engine can be checked for parity with TVB without TVB installed. Per model (TVB class -> our name:
``Linear`` -> ``linear``, ``WilsonCowan`` -> ``wilson-cowan``, ``ReducedWongWang`` ->
``reduced-wong-wang``, ``MontbrioPazoRoxin`` -> ``montbrio-pazo-roxin``, ``JansenRit`` -> ``jansen-rit``,
``Kuramoto`` -> ``kuramoto``) the run is:

* connectivity_76 from tvb-data, loaded with ``Connectivity.from_file`` (weights raw, no normalisation,
  row = target), ``conn.speed = [3.0]`` set on the connectivity (``Simulator.conduction_speed`` does
  not reach the delays in 2.10), so ``idelays = rint(tract_lengths / 3.0 / 0.1)``;
* the model with all TVB defaults (only ``variables_of_interest`` is widened to every state variable,
  since ``monitors.Raw`` records the model's variables of interest);
* ``coupling.Linear(a=A)`` (b = 0), or ``coupling.Kuramoto(a=A)`` for Kuramoto, with ``A`` chosen per
  model (see ``MODELS`` below: TVB's default strengths are flat or unstable on raw tvb-data weights);
* ``integrators.HeunDeterministic(dt=0.1)``, ``monitors.Raw()``, ``simulation_length = 300`` ms;
* an explicit initial history, constant in time, for state variable ``v`` with TVB range ``[lo, hi]``
  and region ``i``: ``lo + (hi - lo) * (f0 + fw * ((i * 0.6180339887) % 1.0))`` with
  ``(f0, fw) = (0.25, 0.5)``, shape ``(horizon, n_sv, 76, 1)``, ``horizon = max(idelays) + 1``.

TVB stamps Raw samples from ``horizon * dt`` on when initial conditions are given; they are re-based
so that the k-th output (k = 0, 1, ...) is the state at ``t = (k + 1) * dt`` (the initial state, t = 0,
is not an output). Every 10th step is kept: t = 1, 2, ..., 300 ms. The stored ``state`` is TVB's raw
output cast to float64 (TVB computes the state in float64; its history buffer and coupling sums are
float32), shape ``(300, n_sv, 76)``.

Keys of each npz: model, tvb_class, time_ms, state, state_variables, cvar, parameters_json, coupling,
coupling_a, coupling_b (Linear coupling only), weights, tract_lengths, labels, dt, speed, initial,
initial_fraction, idelays, horizon, tvb_version, numpy_version, notes.

Run it with the TVB virtualenv's interpreter only (TVB is not a dependency of connectome)::

    /work/tvb-venv/bin/python tests/reference/make_tvb_refs.py
    /work/tvb-venv/bin/python tests/reference/make_tvb_refs.py --models linear kuramoto
    /work/tvb-venv/bin/python tests/reference/make_tvb_refs.py --tvb-data /path/to/tvb-data --out /tmp/refs

Each run takes a few seconds; the script checks, before writing, that the delays, the history and the
first step are exactly what is described above and that the run stays finite.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
import zipfile
from importlib import metadata

import numpy

try:
    from tvb.datatypes import connectivity
    from tvb.simulator import coupling, integrators, models, monitors, simulator
except ImportError:  # pragma: no cover - depends on the interpreter
    sys.exit(
        "make_tvb_refs.py needs The Virtual Brain (tvb-library 2.10.0); run it with the TVB virtualenv's "
        "interpreter, e.g. /work/tvb-venv/bin/python tests/reference/make_tvb_refs.py"
    )

HERE = os.path.dirname(os.path.abspath(__file__))
DT = 0.1
SPEED = 3.0
SIMULATION_LENGTH = 300.0
KEEP_EVERY = 10
GOLDEN = 0.6180339887
DEFAULT_FRACTION = (0.25, 0.5)

# Our name -> TVB class, coupling, strength a, fraction (f0, fw) of the state-variable range used for
# the initial history, and why that strength.
MODELS = {
    "linear": dict(
        cls="Linear", coupling="linear", a=0.2, fraction=DEFAULT_FRACTION,
        why="a = 0.2: the spectral radius of connectivity_76's raw weights is 44.72, so a*rho = 8.94 < "
            "|gamma| = 10 (stable whatever the delays, since W >= 0) but close to it: activity decays "
            "slowly through the delayed loops (|x| from ~0.1 at 1 ms to ~0.005 at 300 ms, regions "
            "differing) instead of vanishing within ms as at TVB's default a = 1/256.",
    ),
    "wilson-cowan": dict(
        cls="WilsonCowan", coupling="linear", a=0.05, fraction=DEFAULT_FRACTION,
        why="a = 0.05: with TVB's default parameters a node has no limit cycle for any constant input "
            "(checked c in [-3, 8]; bistable 0 / ~0.46 for c in about (-0.6, 0.2)), so with positive "
            "coupling every region relaxes to the upper fixed point (no change > 1e-6 after ~85 ms) "
            "whatever a is. a = 0.05 puts the coupling input (a * sum_j W_ij E_j, 0 to ~1.7) where "
            "that fixed point still depends on it, so the final state differs across regions "
            "(E 0.462-0.489) and the first ~85 ms carry the delayed transient.",
    ),
    "reduced-wong-wang": dict(
        cls="ReducedWongWang", coupling="linear", a=0.01, fraction=DEFAULT_FRACTION,
        why="a = 0.01: the network splits over the whole 300 ms (tau_s = 100 ms): strongly connected "
            "regions climb to the upper state (S up to ~0.72) while weakly connected ones decay (S down "
            "to ~0.14); at TVB's default a = 1/256 every region just decays, at a >= 0.02 nearly all "
            "go up. S never reaches the [0, 1] boundaries, so clamping is not exercised.",
    ),
    "montbrio-pazo-roxin": dict(
        cls="MontbrioPazoRoxin", coupling="linear", a=0.02, fraction=DEFAULT_FRACTION,
        why="a = 0.02 (two thirds of the ~0.03 above which the conventions report blow-up on "
            "connectivity_76): with tau = 1 ms every a in 1/256..0.05 reaches fixed points within "
            "~100 ms (no sustained oscillation found); 0.02 gives a larger, region-dependent coupling "
            "term than the default: regions split between the low state (r ~ 0.08, V ~ -1.95) and "
            "the high state (r 1.03-1.25; 6 regions end low), with the delayed transient in the first "
            "~100 ms.",
    ),
    "jansen-rit": dict(
        cls="JansenRit", coupling="linear", a=0.0003, fraction=DEFAULT_FRACTION,
        why="a = 3e-4: the linear loop y1 -> coupling -> y4 has gain A*a_c*rho/a_JR = "
            "3.25*3e-4*44.72/0.1 = 0.44 < 1 (runaway above a_c ~ 6.9e-4, e.g. y1 ~ 1e8 at TVB's "
            "default 1/256), while the coupling term (a * sum_j W_ij y1_j, 0-0.9 after 200 ms) is "
            "comparable to mu = 0.22. The default initial fraction is kept (no blow-up), but TVB's "
            "ranges for the derivative variables (y3 +-6, y5 +-500) give a large transient in the "
            "first ~150 ms (y2 to +-1.86e3, y0 to +-11, where exp in the sigmoids overflows to inf "
            "and the sigmoid is exactly 0); from ~200 ms regions oscillate or sit at the upper state "
            "(y1 8-52); bounded over 1000 ms (checked).",
    ),
    "kuramoto": dict(
        cls="Kuramoto", coupling="kuramoto", a=0.01, fraction=DEFAULT_FRACTION,
        why="a = 0.01 (coupling.Kuramoto divides by n_cvar = 1, not by the 76 regions): the largest "
            "coupling term, a * max row sum = 0.71 rad/ms, stays below omega = 1 rad/ms; the delays "
            "desynchronise the initial spread (order parameter 0.73 at 1 ms, 0.13-0.21 after 100 ms), "
            "regions end 0.97-1.03 rad/ms and up to ~8.5 rad away from theta0 + omega*t. At a = 1 a "
            "step moves phases by radians; at a >= 0.05 some regions stall.",
    ),
}

# Declarative attributes of a model that are not parameters (same list as TVB's
# Model._spatialize_model_parameters).
NOT_PARAMETERS = (
    "state_variable_range", "state_variable_boundaries", "variables_of_interest", "noise", "psi_table",
    "nerf_table", "gid", "state_variable_dfuns", "parameter_names", "coupling_terms",
)


def load_connectivity(zip_path: str):
    """TVB's own loader, raw weights, speed 3 m/s set on the connectivity, configured."""
    conn = connectivity.Connectivity.from_file(zip_path)
    conn.speed = numpy.array([SPEED])
    conn.configure()
    # The loader must not have touched the weights: compare with the zip's text file.
    with zipfile.ZipFile(zip_path) as z:
        raw = numpy.loadtxt(z.open("weights.txt"))
        raw_tl = numpy.loadtxt(z.open("tract_lengths.txt"))
    assert numpy.array_equal(conn.weights, raw), "weights differ from the zip's weights.txt"
    assert numpy.array_equal(conn.tract_lengths, raw_tl), "tract lengths differ from tract_lengths.txt"
    return conn


def initial_values(model, n_regions: int, fraction) -> numpy.ndarray:
    """(n_sv, n_regions) constant initial values, spread over the middle of each TVB range."""
    f0, fw = fraction
    i = numpy.arange(n_regions)
    spread = f0 + fw * ((i * GOLDEN) % 1.0)
    rows = []
    for sv in model.state_variables:
        lo, hi = (float(v) for v in model.state_variable_range[sv])
        rows.append(lo + (hi - lo) * spread)
    return numpy.array(rows, dtype=numpy.float64)


def model_parameters(model) -> dict:
    """Every declared parameter of the model -> its (scalar) value as used."""
    out = {}
    for name in type(model).declarative_attrs:
        if name in NOT_PARAMETERS:
            continue
        value = numpy.asarray(getattr(model, name))
        assert value.size == 1, (name, value)
        out[name] = value.item()
    return out


def first_step(model, integrator, initial, weights, cfun, a, b):
    """One Heun step from the constant initial history, computed here.

    The coupling is summed as TVB does (float32 products, row sums over the non-zero weights in column
    order), so the result should equal TVB's first Raw output to the last bit.
    """
    x32 = initial[model.cvar].astype(numpy.float32)[..., None]  # history buffer (n_cvar, n, 1)
    nz = weights != 0
    rows, cols = numpy.argwhere(nz).T
    if cfun == "linear":
        pre = x32[:, cols]
    else:
        pre = numpy.sin(x32[:, cols] - x32[:, rows])  # sin(x_j(t - d) - x_i(t)), constant history
    prod = weights[nz].astype(numpy.float32).reshape((-1, 1)) * pre
    starts = numpy.flatnonzero(numpy.diff(numpy.r_[-1, rows]))
    sums = numpy.zeros_like(x32)
    sums[:, numpy.unique(rows)] = numpy.add.reduceat(prod, starts, axis=1)
    if cfun == "linear":
        c = a * sums.astype(numpy.float64) + b
    else:
        c = a / len(model.cvar) * sums.astype(numpy.float64)
    x = initial[..., None].copy()
    k1 = model.dfun(x, c, 0.0).copy()
    inter = x + DT * (k1 + 0.0)
    integrator.integration_bound_and_clamp(inter)
    out = x + (k1 + model.dfun(inter, c, 0.0)) * DT / 2.0 + DT * 0.0
    integrator.integration_bound_and_clamp(out)
    return out[..., 0]


def run_model(name: str, conn, spec: dict, stimulus=None) -> dict:
    """One run of `name` as the module's docstring says; `stimulus` (a StimuliRegion) is added when given
    (then the first step is not predicted here: the prediction has no stimulus)."""
    model_cls = getattr(models, spec["cls"])
    model = model_cls()
    model.variables_of_interest = tuple(model.state_variables)
    if spec["coupling"] == "linear":
        cfun = coupling.Linear(a=numpy.array([spec["a"]]))
    else:
        cfun = coupling.Kuramoto(a=numpy.array([spec["a"]]))
    integrator = integrators.HeunDeterministic(dt=DT)

    # The delays TVB will compute (checked against conn.idelays after configure).
    expected_idelays = numpy.rint(conn.tract_lengths / SPEED / DT).astype(numpy.int64)
    horizon = int(expected_idelays.max()) + 1
    n = conn.number_of_regions
    initial = initial_values(model, n, spec["fraction"])
    history = numpy.broadcast_to(initial[None, :, :, None], (horizon,) + initial.shape + (1,)).copy()

    sim = simulator.Simulator(
        connectivity=conn, model=model, coupling=cfun, integrator=integrator,
        monitors=(monitors.Raw(),), initial_conditions=history, simulation_length=SIMULATION_LENGTH,
        **({} if stimulus is None else {"stimulus": stimulus}),
    )
    sim.configure()

    # --- the run is what we think it is ---
    assert numpy.array_equal(conn.speed, [SPEED])
    assert numpy.array_equal(conn.idelays, expected_idelays), "idelays != rint(tract_lengths/3/0.1)"
    assert conn.horizon == horizon and sim.history.n_time == horizon
    assert numpy.array_equal(sim.history.buffer[..., 0], numpy.broadcast_to(
        initial[model.cvar].astype(numpy.float32), (horizon, len(model.cvar), n)))
    assert numpy.array_equal(sim.current_state[..., 0], initial), "initial state was altered (bounds?)"
    assert numpy.array_equal(sim.history.nnz_weights, conn.weights[conn.weights != 0].astype(numpy.float32))
    assert sim.current_step == horizon - 1
    params = model_parameters(model)
    fresh = model_parameters(model_cls())
    assert params == fresh, "model parameters differ from TVB defaults"
    b = float(cfun.b[0]) if spec["coupling"] == "linear" else 0.0
    predicted = first_step(model, integrator, initial, conn.weights, spec["coupling"], spec["a"], b)

    (times, data), = sim.run()
    n_steps = int(math.ceil(SIMULATION_LENGTH / DT))
    assert data.shape == (n_steps, model.nvar, n, 1), data.shape
    steps = numpy.arange(n_steps)
    # TVB's stamps: step * dt with step = horizon, horizon + 1, ...; output k is X_{k+1} at (k+1)*dt.
    assert numpy.allclose(times, (horizon + steps) * DT, rtol=0, atol=1e-9), times[:3]
    state = numpy.asarray(data[..., 0], dtype=numpy.float64)
    # Output 0 is one step after the initial state (t = dt), not the initial state nor two steps.
    if stimulus is None:
        diff0 = numpy.abs(state[0] - predicted).max()
        assert diff0 <= 1e-12 * max(1.0, numpy.abs(predicted).max()), f"first output != one Heun step ({diff0})"
        assert not numpy.array_equal(state[0], initial) and not numpy.array_equal(state[1], predicted)
    assert numpy.isfinite(state).all(), "non-finite values"

    keep = steps[(steps + 1) % KEEP_EVERY == 0]
    assert len(keep) == n_steps // KEEP_EVERY and keep[0] == KEEP_EVERY - 1
    time_ms = (keep + 1) * DT
    assert numpy.allclose(time_ms, numpy.arange(1, len(keep) + 1, dtype=numpy.float64), atol=1e-9)

    return dict(
        model=name,
        tvb_class=f"{model_cls.__module__}.{model_cls.__qualname__}",
        time_ms=numpy.arange(1, len(keep) + 1, dtype=numpy.float64),
        state=state[keep],
        state_variables=numpy.array(model.state_variables, dtype=str),
        cvar=numpy.asarray(model.cvar, dtype=numpy.int64),
        parameters_json=json.dumps(params, sort_keys=True),
        coupling=spec["coupling"],
        coupling_a=float(cfun.a[0]),
        **({"coupling_b": b} if spec["coupling"] == "linear" else {}),
        weights=numpy.asarray(conn.weights, dtype=numpy.float64),
        tract_lengths=numpy.asarray(conn.tract_lengths, dtype=numpy.float64),
        labels=numpy.array([str(s) for s in conn.region_labels], dtype=str),
        dt=DT,
        speed=SPEED,
        initial=initial,
        initial_fraction=numpy.array(spec["fraction"], dtype=numpy.float64),
        idelays=numpy.asarray(conn.idelays, dtype=numpy.int64),
        horizon=horizon,
        tvb_version=metadata.version("tvb-library"),
        numpy_version=numpy.__version__,
        notes=spec["why"],
    )


def summary(ref: dict) -> str:
    parts = []
    for i, sv in enumerate(ref["state_variables"]):
        x = ref["state"][:, i]
        parts.append(f"{sv} [{x.min():.6g}, {x.max():.6g}]")
    return ", ".join(parts)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tvb-data", default="/work/tvb-data",
                        help="folder holding connectivity_76.zip (default /work/tvb-data)")
    parser.add_argument("--out", default=HERE, help="output folder (default: this script's folder)")
    parser.add_argument("--models", nargs="+", choices=sorted(MODELS), default=list(MODELS),
                        help="subset of models to run (default: all)")
    args = parser.parse_args(argv)

    conn_path = os.path.join(args.tvb_data, "connectivity_76.zip")
    os.makedirs(args.out, exist_ok=True)
    for name in args.models:
        conn = load_connectivity(conn_path)  # fresh per model: the simulator mutates it
        ref = run_model(name, conn, MODELS[name])
        path = os.path.join(args.out, f"tvb_{name}.npz")
        numpy.savez_compressed(path, **ref)
        print(f"{path}: {os.path.getsize(path) / 1024:.0f} kB, a = {ref['coupling_a']}; {summary(ref)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
