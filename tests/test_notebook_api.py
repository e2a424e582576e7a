"""The Python API from a notebook or a plain script: grids of numpy numbers, sweeps without a main guard,
results as xarray and pandas (the `notebook` extra)."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from fractions import Fraction

import networkx as nx
import numpy as np
import pytest

import connectome
from conftest import EXAMPLE
from connectome.errors import InputError
from connectome.extras import MissingExtra
from connectome.sweeps import Grid, frame
from connectome.sweeps.grid import axis_values


def test_grid_axes_take_numpy_numbers_and_arrays_exactly():
    grid = Grid.of({"coupling": np.linspace(0, .035, 8), "neurons": np.array([1e3, 2e6]), "speed": np.float32(0.1),
                    "gamma": range(-2, 0), "eta": np.array(0.5), "tau": [Fraction(1, 3), np.int8(2)]}, seeds=2)
    assert dict(grid.axes) == {"coupling": (0.0, 0.005, 0.01, 0.015, 0.02, 0.025, 0.03, 0.035),
                               "neurons": (1000, 2000000), "speed": (0.10000000149011612,), "gamma": (-2.0, -1.0),
                               "eta": (0.5,), "tau": (1 / 3, 2.0)}
    assert grid.points == 8 * 2 * 2 * 2 * 2 and json.loads(json.dumps(grid.to_json()))["axes"][2] == ["speed", [
        0.10000000149011612]]
    assert all(type(v) is float for v in dict(grid.axes)["coupling"])
    assert [type(v) for v in dict(grid.axes)["neurons"]] == [int, int]
    assert Grid.of(["coupling=0:1:3"]).axes == Grid.of({"coupling": "0:1:3"}).axes == (("coupling", (0.0, 0.5, 1.0)),)


@pytest.mark.parametrize("values, message", [
    ([0.1, np.nan], "grid['coupling']: nan is not a finite number"),
    (np.array([np.inf]), "grid['coupling']: inf is not a finite number"),
    (-np.inf, "grid['coupling']: -inf is not a finite number"),
    (np.zeros((2, 2)), "grid['coupling']: an array of shape (2, 2); give one value, or a list or 1-d array of values"),
    ([], "grid['coupling']: give at least one value"),
    ([True], "grid['coupling']: True is not a number"),
    ([None], "grid['coupling']: None is not a number"),
    (range(10**7), "grid['coupling']: 10,000,000 values, more than the 1,000,000 points a sweep takes"),
])
def test_bad_grid_values_are_one_line_naming_the_axis(values, message):
    with pytest.raises(InputError) as caught:
        Grid.of({"coupling": values})
    assert str(caught.value) == message


def test_neurons_axis_must_be_whole():
    assert axis_values("neurons", np.float64(1e6)) == [1000000]
    with pytest.raises(InputError, match=r"^grid\['neurons'\]: must be a whole number ≥ 1, got 1.5$"):
        axis_values("neurons", [1.5])


def _script(tmp_path, body: str) -> str:
    return textwrap.dedent(f"""
        import numpy as np
        import connectome
        from connectome import Store, read
        store = Store({str(tmp_path / 'lab.db')!r})
        store.save(read({str(EXAMPLE)!r}))
        out = connectome.sweep(store, "v1", 10**6, grid={{"coupling": np.linspace(0, .035, 2)}}, workers=2, seed=1,
                               model="linear", params={{"gamma": -1.0}}, noise={{"x": 0.01}}, initial={{"x": 0.0}},
                               duration_ms=50, record_every_ms=1.0)
        print(out["ran"], [r["coupling"] for r in out["rows"]])
    """) + body


@pytest.mark.slow
@pytest.mark.parametrize("how", ["file", "stdin", "-c"])
def test_a_sweep_runs_from_a_plain_script_without_a_main_guard(tmp_path, how):
    """No `if __name__ == "__main__":`: the workers start as fresh interpreters, which never run the script."""
    code = _script(tmp_path, "")
    (tmp_path / "plain.py").write_text(code)
    argv = {"file": [sys.executable, str(tmp_path / "plain.py")], "stdin": [sys.executable, "-"],
            "-c": [sys.executable, "-c", code]}[how]
    done = subprocess.run(argv, input=code if how == "stdin" else None, capture_output=True, text=True,
                          timeout=300, cwd=tmp_path)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.splitlines() == ["2 [0.0, 0.035]"]


def _pair_run(**fields):
    g = nx.DiGraph(name="pair")
    g.add_node("a", share=1.0)
    g.add_node("b", share=1.0)
    g.add_edge("a", "b", strength=1.0)
    g.add_edge("b", "a", strength=1.0)
    return connectome.simulate(g, None, model="linear", params={"gamma": -1.0}, noise={"x": 0.01}, seed=3, **fields)


def test_a_result_as_xarray_keeps_every_series_on_its_own_axis():
    pytest.importorskip("xarray")
    result = _pair_run(duration_ms=4000.0, record=True, record_every_ms=1.0, bold=True, bold_period_ms=500.0,
                       fc=True)
    data = result.to_xarray()
    assert dict(data.sizes) == {"time": len(result.time_ms), "region": 2, "bold_time": len(result.bold_time_ms),
                                "region_b": 2}
    assert list(data.data_vars) == ["x", "bold", "fc"] and data.region.values.tolist() == ["a", "b"]
    assert np.array_equal(data["x"].values, result.states["x"]) and np.array_equal(data.time.values, result.time_ms)
    assert np.array_equal(data["bold"].sel(region="b").values, result.bold[:, 1])
    assert np.array_equal(data.bold_time.values, result.bold_time_ms) and len(data.bold_time) == 9
    assert np.array_equal(data["fc"].values, result.fc) and data["fc"].dims == ("region", "region_b")
    assert (data.time.attrs, data.bold_time.attrs, data["fc"].attrs["units"]) == ({"units": "ms"}, {"units": "ms"},
                                                                                  "1")
    assert data.attrs["model"] == "linear" and json.loads(data.attrs["spec"]) == result.spec.to_json()


def test_a_result_as_dataframe_long_and_wide():
    pytest.importorskip("pandas")
    result = _pair_run(duration_ms=3.0, dt_ms=0.5, record_every_ms=1.0)
    long = result.to_dataframe()
    assert list(long.columns) == ["time_ms", "region", "x"] and len(long) == 8
    assert long["time_ms"].tolist() == [0.0, 0.0, 1.0, 1.0, 2.0, 2.0, 3.0, 3.0]
    assert long["region"].tolist() == ["a", "b"] * 4 and long["x"].tolist() == result.states["x"].reshape(-1).tolist()
    wide = result.to_dataframe(layout="wide")
    assert wide.columns.tolist() == [("x", "a"), ("x", "b")] and wide.index.name == "time_ms"
    assert wide[("x", "b")].tolist() == result.states["x"][:, 1].tolist()
    with pytest.raises(InputError, match=r"^layout: one of long, wide, got 'tall'$"):
        result.to_dataframe(layout="tall")
    with pytest.raises(InputError, match=r"^series='bold': the run has no BOLD signal \(run it with bold=True\)$"):
        result.to_dataframe(series="bold")


def test_sweep_rows_as_a_dataframe():
    pytest.importorskip("pandas")
    table = frame([{"point": 0, "coupling": 0.0, "seed": 5, "run_id": 1, "score": None},
                   {"point": 1, "coupling": 0.5, "seed": 5, "run_id": 2, "score": 0.25}])
    assert table.index.name == "point" and table.columns.tolist() == ["coupling", "seed", "run_id", "score"]
    assert table["coupling"].tolist() == [0.0, 0.5] and table.loc[1, "score"] == 0.25


def test_without_the_notebook_extra_one_line_names_it(monkeypatch):
    result = _pair_run(duration_ms=2.0)
    for module in ("xarray", "pandas"):
        monkeypatch.setitem(sys.modules, module, None)
    with pytest.raises(MissingExtra) as caught:
        result.to_xarray()
    assert str(caught.value) == ("SimulationResult.to_xarray needs the optional 'notebook' extra, which is not "
                                 "installed (import of xarray halted; None in sys.modules): "
                                 "pip install 'connectome-modeller[notebook]'")
    with pytest.raises(MissingExtra, match=r"^SimulationResult.to_dataframe needs the optional 'notebook' extra"):
        result.to_dataframe()
    with pytest.raises(MissingExtra, match=r"^SweepResult.to_dataframe needs the optional 'notebook' extra"):
        connectome.sweeps.SweepResult(rows=[]).to_dataframe()


def test_a_bold_run_without_raw_traces_gives_its_bold_and_says_what_is_missing():
    pytest.importorskip("xarray")
    result = _pair_run(duration_ms=2000.0, record_every_ms=1.0, bold=True, bold_period_ms=500.0, record=False)
    data = result.to_xarray()
    assert dict(data.sizes) == {"region": 2, "bold_time": 5} and list(data.data_vars) == ["bold"]
    bold = result.to_dataframe(series="bold")
    assert list(bold.columns) == ["time_ms", "region", "bold"] and len(bold) == 10
    assert bold["bold"].tolist() == result.bold.reshape(-1).tolist()
    with pytest.raises(InputError) as caught:
        result.to_dataframe()
    assert str(caught.value) == ("series='states': the run recorded no raw traces (run it with record=True, or take "
                                 "series='bold')")


def test_a_recorded_run_read_back_is_labelled_as_the_run_was(run, db, tmp_path):
    pytest.importorskip("xarray")
    from connectome.store import Store

    out = tmp_path / "wc.npz"
    assert run("topology", "import", EXAMPLE).exit_code == 0
    made = run("simulate", "--topology", "multi_region", "--model", "wilson-cowan", "--duration", "20",
               "--seed", "3", "--output", out, "--json")
    assert made.exit_code == 0, made.stderr
    with Store(str(db)) as store:
        arrays = store.run_arrays(made.json()["run_id"])
    data = arrays.to_xarray()
    assert dict(data.sizes) == {"time": 201, "region": 5} and list(data.data_vars) == ["E", "I"]
    np.testing.assert_array_equal(data["E"].values, np.load(out)["E"])
    assert arrays.to_dataframe().shape == (201 * 5, 4)
