"""The neural-mass models through the CLI: models list/show, simulate with every new option, rerun bit for bit."""

import numpy as np
import pytest

from conftest import EXAMPLE, assert_one_line_error


@pytest.fixture
def imported(run):
    assert run("topology", "import", EXAMPLE).exit_code == 0


def test_models_list_and_show(run):
    out = run("models", "list")
    assert out.exit_code == 0
    for name in ("rate", "linear", "wilson-cowan", "reduced-wong-wang", "montbrio-pazo-roxin", "jansen-rit", "kuramoto"):
        assert name in out.stdout
    shown = run("models", "show", "montbrio-pazo-roxin", "--json").json()
    assert [v["name"] for v in shown["state_variables"]] == ["r", "V"] and shown["coupled"] == ["r", "V"]
    params = {p["name"]: p["default"] for p in shown["parameters"]}
    assert params == {"tau": 1.0, "Delta": 1.0, "eta": -5.0, "J": 15.0, "I": 0.0, "cr": 1.0, "cv": 0.0}
    assert shown["state_variables"][0]["bounds"] == [0.0, None] and "Montbrió" in shown["sources"][0]
    text = run("models", "show", "reduced-wong-wang").stdout
    assert "w = 0.9" in text and "dS/dt" in text
    assert_one_line_error(run("models", "show", "nope"), "unknown model 'nope'")


def test_a_stochastic_heun_run_reruns_bit_for_bit_with_bold_and_fc(run, imported, tmp_path):
    first = tmp_path / "first.npz"
    out = run("simulate", "--topology", "v1", "--neurons", "1e7", "--duration", "3000", "--dt", "0.5",
              "--model", "linear", "--param", "gamma=-1", "--coupling", "0.5", "--integrator", "heun-stochastic",
              "--noise", "x=0.01", "--initial", "x=0", "--record-every", "10", "--monitor", "temporal-average",
              "--monitor", "bold", "--bold-period", "500", "--fc", "--transient", "100", "--stimulus",
              "sensory_cortex=1@100:1100", "--output", first, "--json")
    assert out.exit_code == 0, out.stderr
    summary = out.json()
    assert summary["model"] == "linear" and {"fc_sc", "fc_log_sc"} <= set(summary)  # flat, not nested
    again = run("runs", "rerun", str(summary["run_id"]), "--output", tmp_path / "again.npz", "--json").json()
    assert again["seed"] == summary["seed"] and (again["fc_sc"], again["fc_log_sc"]) == \
        (summary["fc_sc"], summary["fc_log_sc"])
    with np.load(first) as a, np.load(tmp_path / "again.npz") as b:
        assert set(a.files) == {"time_ms", "activity", "regions", "x", "bold", "bold_time_ms", "fc"}
        for name in a.files:
            assert np.array_equal(a[name], b[name]), name
        assert a["x"].shape == (301, 5) and a["bold"].shape == (7, 5) and a["fc"].shape == (5, 5)
        assert np.ptp(a["x"]) > 0.01 and np.ptp(a["bold"]) > 0
    spec = run("runs", "show", str(again["run_id"]), "--json").json()["parameters"]
    assert spec["integrator"] == "heun-stochastic" and spec["noise"] == {"x": 0.01} and spec["bold"] is True


@pytest.mark.parametrize("args,fragment", [
    (["--model", "linear", "--noise", "q=1"], "--noise q"),
    (["--model", "linear", "--integrator", "heun-stochastic"], "--integrator heun-stochastic"),
    (["--model", "kuramoto", "--initial", "random", "--initial", "theta=1"], "random stands alone"),
    (["--model", "linear", "--param", "coupling.zz=1"], "--param coupling.zz"),
    (["--model", "linear", "--dt", "0.5"], "2 / |gamma|"),
    (["--monitor", "bold"], "--monitor bold"),
    (["--model", "montbrio-pazo-roxin", "--coupling", "8", "--speed", "3", "--duration", "1000", "--initial", "r=0.1",
      "--initial", "V=-2", "--stimulus", "sensory_cortex=3@100:300"], "the run diverged: V of region"),  # V takes the stimulus (TVB's stvar)
])
def test_bad_model_options_are_one_line_errors(run, imported, args, fragment):
    out = run("simulate", "--topology", "v1", "--neurons", "1e7", "--duration", "10", *args)
    assert_one_line_error(out, fragment)
    assert "runs" not in out.stdout and run("runs", "list", "--json").json() == []
