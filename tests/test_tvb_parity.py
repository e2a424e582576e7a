"""Parity with The Virtual Brain 2.10: every model against committed TVB runs (tests/reference/, made by
`make_tvb_refs.py` in TVB's own environment; TVB is not needed here).

connectivity_76 with raw weights, Heun at dt 0.1 ms, 3 mm/ms, a constant initial history, 300 ms, every
1 ms compared. TVB keeps its history, products and row sums in float32. In float64 (the default) this
engine agrees to within 1e-6 of each variable's scale, except where FLOOR says (the largest differences
measured are in the README). With `precision="tvb"` it sums as TVB does and agrees bit for bit, except for
Kuramoto, whose float32 sin() is numpy's SIMD one in TVB (not correctly rounded) and libm's here.
"""

from __future__ import annotations

import json
from pathlib import Path

import networkx as nx
import numpy as np
import pytest

from connectome.sim import make_spec, prepare, run

REFERENCE = Path(__file__).parent / "reference"
MODELS = ["linear", "wilson-cowan", "reduced-wong-wang", "montbrio-pazo-roxin", "jansen-rit", "kuramoto"]
# float64 floors: Montbrió–Pazó–Roxin 2.6e-6 (r) and 2.4e-6 (V) measured; Kuramoto 6.9e-5 rad (phases of ~300 rad)
FLOOR = {("montbrio-pazo-roxin", "float64"): 5e-6, ("kuramoto", "float64"): 1e-4, ("kuramoto", "tvb"): 1e-4}


def load(model: str):
    ref = np.load(REFERENCE / f"tvb_{model}.npz")
    return ref, _graph(ref)


def _graph(ref) -> nx.DiGraph:
    labels = [str(x) for x in ref["labels"]]
    g = nx.DiGraph(name="connectivity_76")
    for name in labels:
        g.add_node(name, share=1.0)
    w, lengths = ref["weights"], ref["tract_lengths"]
    for t, s in zip(*np.nonzero(w)):  # weights[t, s] is s -> t
        g.add_edge(labels[s], labels[t], strength=float(w[t, s]), tract_length=float(lengths[t, s]))
    return g


def run_like_tvb(model: str, precision: str = "float64", ref=None, stimuli=()):
    ref, g = (ref, _graph(ref)) if ref is not None else load(model)
    names = [str(v) for v in ref["state_variables"]]
    spec = make_spec(1000, model=model, duration_ms=300, dt_ms=float(ref["dt"]), speed_mm_per_ms=float(ref["speed"]),
                     record_every_ms=1.0, coupling=float(ref["coupling_a"]), coupling_function=str(ref["coupling"]),
                     integrator="heun-tvb", coupling_mode="raw",
                     initial={n: ref["initial"][i].tolist() for i, n in enumerate(names)}, precision=precision,
                     stimuli=stimuli)
    prepared = prepare(g, spec)
    return ref, prepared, run(prepared), names


@pytest.mark.parametrize("precision", ["float64", "tvb"])
@pytest.mark.parametrize("model", MODELS)
def test_the_engine_matches_tvb(model, precision):
    ref, prepared, result, names = run_like_tvb(model, precision)
    plan = prepared.plan
    assert [plan.delays[i] for i in range(plan.projections)] == \
        [int(ref["idelays"][t, s]) for s, t in zip(plan.src, plan.tgt)]  # rint(length / speed / dt), as TVB
    assert np.array_equal(result.time_ms[1:], ref["time_ms"])
    for i, name in enumerate(names):
        got, want = result.states[name][1:], ref["state"][:, i]
        scale = max(1.0, float(np.max(np.abs(want))))
        tolerance = FLOOR.get((model, precision), 1e-6 * scale if precision == "float64" else 0.0)
        assert np.max(np.abs(got - want)) <= tolerance, (name, float(np.max(np.abs(got - want))))
        assert np.ptp(want) > 1e-3  # the reference moves: the comparison means something


def test_the_references_are_what_the_script_says():
    for model in MODELS:
        ref = np.load(REFERENCE / f"tvb_{model}.npz")
        assert str(ref["model"]) == model and str(ref["tvb_version"]).startswith("2.10")
        assert ref["state"].shape[0] == 300 and np.all(np.isfinite(ref["state"]))
        defaults = json.loads(str(ref["parameters_json"]))
        from connectome.sim.models import MODELS as ours

        for p in ours[model].region_parameters:
            if p.name in defaults:
                assert defaults[p.name] == p.default, (model, p.name)


@pytest.mark.parametrize("case", ["reduced-wong-wang-pulse", "linear-pulse", "linear-sin"])
def test_a_stimulus_enters_as_in_tvb(case):
    """TVB's StimuliRegion (per-region weights × PulseTrain or Sinusoid, `make_tvb_stimulus_refs.py`): the
    stimulus adds to the derivative of the stimulated variable, on at t > onset; the same run here with one
    stimulus per weighted region (`weighted`) agrees within the float64 floor of the runs without one."""
    from connectome.sim.stimulus import weighted

    ref = np.load(REFERENCE / f"tvb_stimulus_{case}.npz")
    labels, parameters = [str(x) for x in ref["labels"]], json.loads(str(ref["stimulus_parameters"]))
    weights = {labels[int(i)]: w for i, w in json.loads(str(ref["stimulus_weights"])).items()}
    if str(ref["stimulus_equation"]) == "PulseTrain":
        course = dict(start_ms=parameters["onset"], course="pulse", args=(parameters["T"], parameters["tau"]))
    else:
        course = dict(course="sin", args=(parameters["frequency"] * 1000.0,))
    model = str(ref["model"])
    _, _, result, names = run_like_tvb(model, ref=ref, stimuli=weighted(weights, parameters["amp"], **course))
    without = np.load(REFERENCE / f"tvb_{model}.npz")["state"]
    for i, name in enumerate(names):
        got, want = result.states[name][1:], ref["state"][:, i]
        scale = max(1.0, float(np.max(np.abs(want))))
        assert np.max(np.abs(got - want)) <= 1e-6 * scale, (name, float(np.max(np.abs(got - want))))
        assert np.max(np.abs(want - without[:, i])) > 0.05  # the stimulus moves the run
