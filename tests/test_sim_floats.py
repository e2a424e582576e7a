"""Numbers at the edge of the floats: a run that leaves them is the one-line divergence error, never a
traceback nor numpy's RuntimeWarning with its source line; a run whose arithmetic merely saturates is silent."""

from __future__ import annotations

import json
import subprocess
import sys
import warnings

import pytest

from connectome.formats.canonical import parse_document
from connectome.sim import make_spec, prepare, run
from conftest import EXAMPLE, ROOT, input_error

DIVERGED = "; lower --coupling or --dt, or change the parameters"
DIVERGED_IN_PYTHON = "; lower coupling or dt_ms, or change the parameters"
BASE = ["simulate", "--topology", "multi_region", "--neurons", "1e4", "--duration", "50", "--seed", "1"]
ROUTES = {
    "kuramoto coupling 1e308": (["--model", "kuramoto", "--coupling", "1e308", "--no-delays"], 2,
                                "error: the run diverged: theta of region 'association_cortex' summed over the run "
                                f"is not finite by t = 4.7 ms{DIVERGED}"),
    "noise 1e308": (["--model", "wilson-cowan", "--noise", "E=1e308"], 2,
                    f"error: the run diverged: E of region 'sensory_cortex' is not finite by t = 0.1 ms{DIVERGED}"),
    "stimuli adding up past the floats": (["--stimulus", "sensory_cortex=1e308@0:20",
                                           "--stimulus", "sensory_cortex=1e308@10:30"], 2,
                                          "error: --stimulus: the amplitudes on region 'sensory_cortex' add up beyond "
                                          "the largest floating-point number at t = 10 ms"),
    "width 1e-320": (["--param", "width=1e-320"], 0, None),  # the sigmoid saturates: a step function
    "stimulus 1e308": (["--stimulus", "sensory_cortex=1e308"], 0, None),
}


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    db = tmp_path_factory.mktemp("floats") / "store.db"
    done = subprocess.run([sys.executable, str(ROOT / "cli.py"), "--db", str(db), "topology", "import", str(EXAMPLE)],
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    return db


@pytest.mark.parametrize("route", list(ROUTES))
def test_each_route_through_the_cli_is_one_line_or_silent(store, route):
    args, code, line = ROUTES[route]
    done = subprocess.run([sys.executable, str(ROOT / "cli.py"), "--db", str(store), *BASE, *args, "--json"],
                          capture_output=True, text=True, timeout=60)
    assert "Warning" not in done.stderr and "Traceback" not in done.stderr, done.stderr
    assert (done.returncode, done.stderr) == (code, "" if line is None else line + "\n")


@pytest.fixture(scope="module")
def graph():
    return parse_document(json.loads(EXAMPLE.read_text()))


def _refusal(graph, duration_ms=2, **spec):
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a RuntimeWarning fails the test
        return input_error(lambda: run(prepare(graph, make_spec(10_000, duration_ms=duration_ms, seed=1, **spec))))


def test_a_division_by_zero_in_a_compiled_model_is_the_divergence_error(graph):
    """H = y / (1 − exp(−d y)) with d = 0 divides by zero inside numba: inf/nan, then the divergence check."""
    for d in (0.0, 1e-320):
        assert _refusal(graph, model="reduced-wong-wang", params={"d": d}) == \
            f"the run diverged: S of region 'sensory_cortex' is not finite by t = 0.1 ms{DIVERGED_IN_PYTHON}"


def test_a_state_that_leaves_the_floats_names_its_variable_region_and_time(graph):
    assert _refusal(graph, 50, model="kuramoto", coupling=1e308, monitor="temporal-average", record_every_ms=1.0,
                    delays=False) == \
        f"the run diverged: theta of region 'memory_hippocampus' is not finite by t = 6 ms{DIVERGED_IN_PYTHON}"
    assert _refusal(graph, model="jansen-rit", coupling=-1e308).startswith("the run diverged: ")


@pytest.mark.parametrize("spec", [dict(coupling=1e308), dict(coupling=-1e308, deterministic=True),
                                  dict(params={"width": 1e-320}, deterministic=True),
                                  dict(model="wilson-cowan", coupling=1e308, fc=True, record=True)],
                         ids=["rate G 1e308", "rate G -1e308 deterministic", "rate width subnormal deterministic",
                              "wilson-cowan coupling 1e308 with FC"])
def test_arithmetic_that_saturates_runs_silently(graph, spec):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        result = run(prepare(graph, make_spec(10_000, duration_ms=2, seed=1, **spec)))
    assert result.activity.shape == (21, 5)
