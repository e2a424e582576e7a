"""Runs found and reused: absolute outputs, `runs list` filters, a run's arrays read back, pictures from the
recorded file, and read commands that never create a database."""

import os
from datetime import datetime

import numpy as np
import pytest

from connectome import Store, read
from connectome.errors import DatabaseError, InputError, NoDatabase
from connectome.recorded import BOLD, arrays_for
from connectome.store import sweeps as stored
from conftest import EXAMPLE, assert_one_line_error

CREATES = "no such database file (nothing was created); "
WC = ("--model", "wilson-cowan", "--neurons", "1000", "--duration", "10000", "--seed", "2")


@pytest.mark.parametrize("command", [("topology", "list"), ("topology", "show", "x"), ("runs", "list"),
                                     ("runs", "show", "1"), ("plot", "run", "1", "-o", "run.png"),
                                     ("sweeps", "list"), ("db", "current"),
                                     ("simulate", "--topology", "x", "--neurons", "10")])
def test_a_read_command_on_a_missing_database_refuses_and_creates_nothing(run, db, command):
    done = run(*command)
    assert done.exit_code == 3, done.stderr
    assert done.stderr.startswith(f"error: sqlite:///{db}: {CREATES}") and "topology import FILE` " in done.stderr
    assert done.stderr.count("\n") == 1 and not db.exists() and done.stdout == ""


def test_a_mistyped_db_never_makes_an_empty_store(run, tmp_path):
    assert run("--db", tmp_path / "connectome.db", "topology", "import", EXAMPLE).exit_code == 0
    typo = tmp_path / "conectome.db"
    assert_one_line_error(run("--db", typo, "runs", "list"), f"sqlite:///{typo}: {CREATES}", code=3)
    assert not typo.exists()
    assert run("--db", typo, "db", "upgrade").exit_code == 0 and typo.exists()  # the other command that creates one


def test_a_store_opened_for_reading_is_not_created(tmp_path):
    with pytest.raises(NoDatabase, match=r"typo.db: no such database file \(nothing was created\)$") as caught:
        Store(tmp_path / "typo.db", create=False)
    assert caught.value.exit_code == 3 and isinstance(caught.value, DatabaseError)
    assert not (tmp_path / "typo.db").exists()
    Store(tmp_path / "lab.db").close()  # Python's default creates, as an import does
    with Store(tmp_path / "lab.db", create=False) as store:
        assert store.versions() == []


def test_outputs_are_recorded_absolute_and_a_moved_file_is_reported(run, tmp_path):
    run("topology", "import", EXAMPLE)
    assert run("simulate", "--topology", "multi_region", "--neurons", "1e6", "--duration", "50", "--seed", "1",
               "--output", "run.npz").exit_code == 0
    shown = run("runs", "show", "1", "--json").json()
    path = str(tmp_path / "run.npz")
    assert (shown["output"], shown["summary"]["output"], shown["output_exists"]) == (path, path, True)
    os.rename(tmp_path / "run.npz", tmp_path / "moved.npz")
    shown = run("runs", "show", "1", "--json").json()
    assert (shown["output"], shown["output_exists"]) == (path, False)
    text = run("runs", "show", "1")
    assert text.exit_code == 0
    assert f"output {path}: missing (moved or deleted since the run; `plot run` re-simulates it)" in text.stdout
    assert run("runs", "list").stdout.splitlines()[2].endswith(f"{path} (missing)")
    with pytest.raises(InputError, match=f"^run 1: its output {path} is missing \\(moved or deleted since the run\\)$"):
        Store(tmp_path / "store.db").run_arrays(1)


def _runs_for_listing(run, tmp_path):
    run("topology", "import", EXAMPLE)
    run("topology", "import", EXAMPLE, "--name", "other")
    rate = ("--neurons", "1e6", "--duration", "50", "--seed", "1")
    assert run("simulate", "--topology", "multi_region", *rate).exit_code == 0
    assert run("simulate", "--topology", "multi_region", *WC, "--monitor", "bold", "--fc", "--output",
               "wc.npz").exit_code == 0
    assert run("simulate", "--topology", "other", *rate, "--output", "other.csv").exit_code == 0
    with Store(tmp_path / "store.db") as store:  # two points of a sweep, scored by its objective
        version = store.resolve("other")
        sweep_id, _, _ = stored.create_or_find(store, version, {"grid": "x", "objective": "fc-fit"}, 7, 2)
        for point, fit in enumerate((0.25, 0.5)):
            store._record_run(version, neurons=10, parameters={"model": "linear", "duration_ms": 20.0}, seed=point,
                             summary={"fc_fit": fit}, output=None, started_at=datetime(2026, 1, 1), wall_s=0.5,
                             peak_rss_bytes=None, sweep=(sweep_id, point))
    return sweep_id


def test_runs_list_shows_model_duration_score_and_output_and_filters(run, tmp_path):
    sweep_id = _runs_for_listing(run, tmp_path)
    lines = run("runs", "list").stdout.splitlines()
    assert lines[0].split() == ["id", "ref", "model", "neurons", "duration_ms", "started_at", "wall_s", "score",
                                "output"]
    assert [line.split()[:3] for line in lines[2:]] == [["1", "multi_region@v1", "rate"],
                                                         ["2", "multi_region@v1", "wilson-cowan"],
                                                         ["3", "other@v1", "rate"], ["4", "other@v1", "linear"],
                                                         ["5", "other@v1", "linear"]]
    assert lines[3].split()[4] == "10000" and lines[3].endswith(f"fc-sc -0.287  {tmp_path / 'wc.npz'}")
    assert lines[6].endswith("fc-fit 0.500")
    listed = run("runs", "list", "--json").json()
    assert [(r["model"], r["duration_ms"], r["objective"], r["score"], r["sweep_id"], r["sweep_point"])
            for r in listed] == [("rate", 50.0, None, None, None, None),
                                 ("wilson-cowan", 10000.0, "fc-sc", listed[1]["score"], None, None),
                                 ("rate", 50.0, None, None, None, None), ("linear", 20.0, "fc-fit", 0.25, sweep_id, 0),
                                 ("linear", 20.0, "fc-fit", 0.5, sweep_id, 1)]
    assert round(listed[1]["score"], 3) == -0.287

    def ids(*options):
        done = run("runs", "list", *options, "--json")
        assert done.exit_code == 0, done.stderr
        return [r["id"] for r in done.json()]

    assert ids("--ref", "other") == [3, 4, 5] and ids("--ref", "multi_region@v1") == [1, 2]
    assert ids("--model", "rate") == [1, 3] and ids("--model", "rate", "--ref", "other") == [3]
    assert ids("--sweep", str(sweep_id)) == [4, 5] and ids("--limit", "2") == [4, 5]
    assert ids("--model", "rate", "--limit", "1") == [3] and ids("--model", "nope") == []
    assert "score" in run("runs", "list", "--ref", "multi_region", "--limit", "1").stdout
    assert_one_line_error(run("runs", "list", "--ref", "nope"), "nope: no topology named 'nope'")
    assert_one_line_error(run("runs", "list", "--sweep", "9"), "sweep 9: no such sweep")
    assert run("runs", "list", "--limit", "0").exit_code == 2
    with Store(tmp_path / "store.db") as store:  # the library takes the same filters by keyword
        assert [r["id"] for r in store.runs(ref="multi_region", model="wilson-cowan")] == [2]
        with pytest.raises(InputError, match="limit: must be a whole number ≥ 1, got 0"):
            store.runs(limit=0)


def test_run_arrays_reads_a_recorded_run_labelled(run, tmp_path):
    run("topology", "import", EXAMPLE)
    assert run("simulate", "--topology", "multi_region", *WC, "--monitor", "bold", "--fc", "--record",
               "--output", "wc.npz").exit_code == 0
    assert run("simulate", "--topology", "multi_region", "--neurons", "1e6", "--duration", "50", "--seed", "1",
               "--output", "rate.csv").exit_code == 0
    assert run("simulate", "--topology", "multi_region", "--neurons", "1e6", "--duration", "5").exit_code == 0
    regions = ["sensory_cortex", "association_cortex", "executive_cortex", "memory_hippocampus", "motor_cortex"]
    with Store(tmp_path / "store.db") as store, np.load(tmp_path / "wc.npz") as data:
        arrays = store.run_arrays(1)
        assert (arrays.run_id, arrays.path, arrays.regions, arrays.observed) == (1, str(tmp_path / "wc.npz"), regions, "E")
        assert sorted(arrays.states) == ["E", "I"] and arrays.states["E"].shape == (100_001, 5)
        assert np.array_equal(arrays.activity, data["activity"]) and np.array_equal(arrays.time_ms, data["time_ms"])
        assert arrays.bold_time_ms.tolist() == [0.0, 2000.0, 4000.0, 6000.0, 8000.0, 10000.0]
        assert np.array_equal(arrays.bold, data["bold"]) and np.array_equal(arrays.fc, data["fc"])
        assert (arrays.model, arrays.duration_ms, arrays.spec.seed) == ("wilson-cowan", 10000.0, 2)
        csv = store.run_arrays(2)
        assert (csv.regions, csv.observed, csv.activity.shape, csv.bold) == (regions, "a", (501, 5), None)
        assert csv.time_ms[:3].tolist() == [0.0, 0.1, 0.2]
        with pytest.raises(InputError, match="^run 3: recorded no output file$"):
            store.run_arrays(3)


def test_pictures_read_the_recorded_output_and_resimulate_only_without_it(run, tmp_path):
    run("topology", "import", EXAMPLE)
    assert run("simulate", "--topology", "multi_region", *WC, "--monitor", "bold", "--fc", "--output",
               "wc.npz").exit_code == 0
    assert run("simulate", "--topology", "multi_region", *WC, "--fc").exit_code == 0
    for command in (("plot", "fc", "1", "-o", "fc.png"), ("plot", "run", "1", "--variable", "bold", "-o", "b.png")):
        done = run(*command)
        assert (done.exit_code, done.stderr) == (0, ""), done.stderr  # read from wc.npz: no re-simulation
        assert (tmp_path / command[-1]).stat().st_size > 0
    done = run("plot", "fc", "2", "-o", "fc2.png")
    assert done.exit_code == 0
    assert done.stderr == "run 2 recorded no output file: re-simulating it in memory (nothing is recorded)\n"
    done = run("plot", "run", "1", "-o", "raw.png")  # the file holds BOLD and FC, no raw traces
    assert done.stderr == (f"run 1's output {tmp_path / 'wc.npz'} holds no raw traces: re-simulating it in memory "
                           "(nothing is recorded)\n")
    assert_one_line_error(run("plot", "run", "2", "--variable", "bold", "-o", "b2.png"),
                          "run 2: has no BOLD signal (it ran without --monitor bold)")
    assert_one_line_error(run("plot", "run", "1", "--variable", "bold", "--variable", "E", "-o", "b.png"),
                          "--variable bold is drawn alone")
    with Store(tmp_path / "store.db") as store:  # what is drawn is the file's: a changed file is what is read
        with np.load(tmp_path / "wc.npz") as data:
            kept = {k: data[k] for k in data.files}
        np.savez(tmp_path / "wc.npz", **{**kept, "fc": np.full((5, 5), 0.5)})
        assert arrays_for(store, 1, ["fc"]).fc.tolist() == [[0.5] * 5] * 5
        assert arrays_for(store, 1, [BOLD]).bold_series().observed == "BOLD"


def test_a_resimulation_shows_its_progress_bar(run, tmp_path, capsys, monkeypatch):
    run("topology", "import", EXAMPLE)
    assert run("simulate", "--topology", "multi_region", "--neurons", "1e6", "--duration", "20").exit_code == 0
    monkeypatch.setenv("CONNECTOME_PROGRESS_DELAY", "0")
    capsys.readouterr()
    with Store(tmp_path / "store.db") as store:
        lines = []
        arrays = arrays_for(store, 1, show_progress=True, notify=lines.append)
    assert lines == ["run 1 recorded no output file: re-simulating it in memory (nothing is recorded)"]
    assert arrays.path == "" and arrays.activity.shape == (201, 5)
    err = capsys.readouterr().err
    assert "re-simulating run 1:   0%" in err and "0/200" in err


def test_a_damaged_output_file_is_one_error(tmp_path):
    from connectome.sim.recorded import read_output

    (tmp_path / "junk.npz").write_bytes(b"not a zip")
    with pytest.raises(InputError, match="junk.npz: not a run's output file"):
        read_output(tmp_path / "junk.npz")
    np.savez(tmp_path / "bad.npz", time_ms=np.zeros(3), activity=np.zeros((2, 2)), regions=np.array(["a", "b"]))
    with pytest.raises(InputError, match=r"bad.npz: activity: shape \(2, 2\) does not fit 3 samples of 2 regions"):
        read_output(tmp_path / "bad.npz")


def test_read_output_names_the_observed_variable_by_the_state_it_duplicates(tmp_path):
    from connectome.sim.recorded import read_output

    e, i = np.arange(4.0).reshape(2, 2), np.ones((2, 2))
    np.savez(tmp_path / "run.npz", time_ms=np.array([0.0, 0.1]), activity=e, regions=np.array(["a", "b"]), E=e, I=i)
    run = read_output(tmp_path / "run.npz")
    assert (run.observed, sorted(run.states), run.activity.tolist()) == ("E", ["E", "I"], [[0.0, 1.0], [2.0, 3.0]])
    np.savez(tmp_path / "rate.npz", time_ms=np.array([0.0, 0.1]), activity=e, regions=np.array(["a", "b"]))
    assert read_output(tmp_path / "rate.npz").observed == "activity"
    assert read_output(tmp_path / "rate.npz", observed="a").states.keys() == {"a"}
