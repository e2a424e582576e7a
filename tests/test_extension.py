"""Extension is one file: a model and a monitor from `tests/plugins/`, registered by importing them, run
through `simulate` from Python and from the command line, without a change to any library file."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import networkx as nx
import numpy as np
import pytest

from connectome.engine import estimate, simulate
from conftest import ROOT

PLUGINS = Path(__file__).parent / "plugins"
sys.path.insert(0, str(PLUGINS))
import leaky  # noqa: E402,F401  (registers the model)
import trough  # noqa: E402,F401  (registers the monitor)


def _pair() -> nx.DiGraph:
    g = nx.DiGraph(name="pair")
    g.add_node("a", share=1.0, tau=5.0)
    g.add_node("b", share=1.0)
    g.add_edge("a", "b", strength=0.5)
    return g


def _reference(steps: int, dt: float) -> np.ndarray:
    """The documented equations stepped in numpy: dx/dt = (−x + c + P) / τ + I, Euler, x(0) = 0, I = 1 on a
    from t > 0 (TVB's stimulus: on the derivative of the stimulated variable, after its onset)."""
    tau, x, out = np.array([5.0, 10.0]), np.zeros(2), [np.zeros(2)]
    for k in range(steps):
        c = np.array([0.0, 0.5 * x[0]])  # raw coupling a · W x with a = 1
        x = x + dt * ((-x + c + 0.0) / tau + np.array([1.0 if k > 0 else 0.0, 0.0])) + 0.0
        out.append(x)
    return np.array(out)


def test_a_model_and_a_monitor_from_files_of_their_own_run_from_python():
    result = simulate(_pair(), 1000, model="leaky", coupling=1.0, duration_ms=20, dt_ms=0.1,
                      initial={"x": 0.0}, stimuli=["a=1"], monitors=("trough",))
    want = _reference(200, 0.1)
    assert np.array_equal(result.activity, want)
    assert np.array_equal(result.monitors["trough.lowest"], want.min(axis=0))
    parts = estimate(_pair(), 1000, model="leaky", duration_ms=20, initial={"x": 0.0}, monitors=("trough",))
    assert parts["bytes_by_component"]["monitor trough"] == 2 * 8


def test_the_command_line_takes_plugins_from_connectome_plugins(tmp_path):
    env = {**os.environ, "CONNECTOME_PLUGINS": "leaky, trough",
           "PYTHONPATH": os.pathsep.join([str(PLUGINS), os.environ.get("PYTHONPATH", "")])}
    graph = tmp_path / "pair.json"
    from connectome.formats.canonical import write_json

    write_json(_pair(), graph)
    cli = [sys.executable, str(ROOT / "cli.py"), "--db", str(tmp_path / "p.db")]
    run = lambda *args: subprocess.run(cli + list(args), capture_output=True, text=True, timeout=300, env=env)  # noqa: E731
    assert run("topology", "import", str(graph)).returncode == 0
    listed = run("models", "list")
    assert listed.returncode == 0 and "leaky" in listed.stdout
    out = tmp_path / "run.npz"
    done = run("simulate", "--topology", "v1", "--neurons", "1000", "--model", "leaky", "--coupling", "1",
               "--duration", "20", "--initial", "x=0", "--stimulus", "a=1", "--monitor", "trough",
               "--output", str(out), "--json")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["model"] == "leaky"
    with np.load(out) as saved:
        assert np.array_equal(saved["activity"], _reference(200, 0.1))
        assert np.array_equal(saved["trough.lowest"], _reference(200, 0.1).min(axis=0))
    broken = subprocess.run(cli + ["models", "list"], capture_output=True, text=True, timeout=300,
                            env={**env, "CONNECTOME_PLUGINS": "no_such_plugin_module"})
    assert broken.returncode == 2 and broken.stderr.count("\n") == 1
    assert "CONNECTOME_PLUGINS: cannot import the plugin 'no_such_plugin_module'" in broken.stderr


def test_an_unknown_further_monitor_is_refused_naming_the_registered_ones():
    from connectome.errors import InputError

    with pytest.raises(InputError, match=r"monitors=nothing: not a further monitor \(registered: .*trough"):
        simulate(_pair(), 1000, model="leaky", duration_ms=1, initial={"x": 0.0}, monitors=("nothing",))


def test_a_further_monitor_named_twice_is_refused():
    from connectome.errors import InputError

    with pytest.raises(InputError, match="monitors: a monitor is named twice"):
        simulate(_pair(), 1000, model="leaky", duration_ms=1, initial={"x": 0.0}, monitors=("trough", "trough"))
