"""What a run records by default: a BOLD or FC study keeps no raw traces unless asked, its FC is the same,
`estimate` counts each monitor's bytes, and a .csv output that cannot carry the run is refused."""

import warnings

import numpy as np
import pytest

from connectome.formats import read
from connectome.sim import RunSpec, estimate, simulate
from connectome.sim.spec import recording

from conftest import EXAMPLE, assert_one_line_error, input_error, table_counts

BOLD_STUDY = dict(model="wilson-cowan", duration_ms=3000, dt_ms=0.5, noise={"E": 1e-3}, seed=3, bold=True,
                  bold_period_ms=100, fc=True, transient_ms=500, delays=False)
PROXY_STUDY = dict(model="jansen-rit", duration_ms=1000, dt_ms=0.1, noise={"y4": 1e-3}, seed=3, fc=True,
                   transient_ms=200, fcd_window_ms=200, fcd_step_ms=100, spectrum=True, spectrum_window_ms=200,
                   delays=False)


@pytest.fixture(scope="module")
def graph():
    return read(EXAMPLE)


def _quiet(call):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return call()


def test_recording_follows_the_spec():
    assert [recording(RunSpec(1, **kw)) for kw in (
        {}, {"bold": True}, {"fc": True}, {"fcd_window_ms": 10.0, "fcd_step_ms": 5.0}, {"spectrum": True},
        {"bold": True, "record_every_ms": 1.0}, {"fc": True, "monitor": "temporal-average"},
        {"bold": True, "record": True}, {"record": False}, {"fc": True, "record_every_ms": 1.0, "record": False},
    )] == [True, False, False, False, True, True, True, True, False, False]


def test_a_spec_stored_before_record_existed_recorded_its_state():
    stored = RunSpec(1, bold=True).to_json()
    assert stored["record"] is None and RunSpec.from_json(stored).record is None
    del stored["record"]
    assert RunSpec.from_json(stored).record is True


def test_record_false_contradicts_the_temporal_average():
    assert input_error(lambda: simulate(read(EXAMPLE), 10, record=False, monitor="temporal-average")) == \
        "record: contradicts monitor=temporal-average; leave one out"
    assert input_error(lambda: simulate(read(EXAMPLE), 10, record="yes")) == \
        "record: must be true, false or None, got 'yes'"


def test_a_bold_study_keeps_no_raw_traces_and_gives_the_same_bold_and_fc(graph):
    lean = _quiet(lambda: simulate(graph, 1000, **BOLD_STUDY))
    full = _quiet(lambda: simulate(graph, 1000, record=True, **BOLD_STUDY))
    assert (lean.activity.shape, lean.time_ms.shape, lean.states, lean.signal) == ((0, 5), (0,), {}, None)
    assert (full.activity.shape, sorted(full.states)) == ((6001, 5), ["E", "I"])
    assert np.array_equal(lean.bold, full.bold) and np.array_equal(lean.fc, full.fc)
    assert lean.fc_sc == pytest.approx({"fc_sc": 0.21740375356641534, "fc_log_sc": -0.3544163174144625}, abs=1e-12)


def test_fc_fcd_and_spectrum_without_bold_are_of_the_kept_proxy(graph):
    lean = _quiet(lambda: simulate(graph, 1000, **PROXY_STUDY))
    full = _quiet(lambda: simulate(graph, 1000, record=True, **PROXY_STUDY))
    assert (lean.activity.shape, lean.states, lean.signal.shape, full.signal) == ((0, 5), {}, (10001, 5), None)
    assert np.array_equal(lean.signal, full.states["y1"] - full.states["y2"])  # Jansen–Rit's proxy
    for name in ("fc", "fcd", "spectrum_power"):
        assert np.array_equal(getattr(lean, name), getattr(full, name)), name
    assert lean.fc_sc == pytest.approx({"fc_sc": -0.27410851828070526, "fc_log_sc": 0.5250508498859718}, abs=1e-12)


def test_estimate_counts_each_monitor_and_analysis(graph):
    lean = _quiet(lambda: estimate(graph, 1000, **BOLD_STUDY))
    full = _quiet(lambda: estimate(graph, 1000, record=True, **BOLD_STUDY))
    assert lean["bytes_by_component"] == {"monitor summary": 160, "monitor bold": 1688, "fc": 1840, "network": 328,
                                          "noise": 480000, "state": 1480}
    assert full["bytes_by_component"] == {"monitor raw": 6001 * (2 * 5 + 1) * 8, **lean["bytes_by_component"]}
    assert (lean["recorded_steps"], full["recorded_steps"]) == (0, 6001)
    assert lean["run_bytes"] == sum(lean["bytes_by_component"].values()) == 485496
    proxy = _quiet(lambda: estimate(graph, 1000, **PROXY_STUDY))["bytes_by_component"]
    assert proxy == {"monitor signal": 10001 * 6 * 8, "monitor summary": 160, "fc": 8 * (10001 * 5 + 3 * 25),
                     "fcd": 2072, "network": 328, "noise": 2400000, "state": 2040}


@pytest.fixture
def imported(run):
    assert run("topology", "import", EXAMPLE).exit_code == 0


WC = ("--topology", "v1", "--neurons", "1e3", "--model", "wilson-cowan", "--noise", "E=0.001", "--dt", "0.5",
      "--duration", "3000", "--seed", "3", "--no-delays")


def test_estimate_shows_each_part_and_record_every_implies_the_raw_traces(run, imported):
    lean = run("estimate", *WC, "--monitor", "bold", "--bold-period", "1000", "--fc").stdout.splitlines()
    assert lean[2:8] == ["    summary:                 160 B", "    BOLD:                    392 B",
                         "    FC:                      760 B", "    network:                 328 B",
                         "    noise:                   468.8 KiB", "    state:                   1.4 KiB"]
    for extra in (["--record"], ["--record-every", "1"]):
        shown = run("estimate", *WC, "--monitor", "bold", "--bold-period", "1000", "--fc", *extra).stdout.splitlines()
        assert shown[2].startswith("    raw traces:  ") and shown[3:9] == lean[2:8], extra
    proxy = run("estimate", *WC, "--fc", "--no-record").stdout.splitlines()
    assert proxy[2] == "    FC signal (not written): 281.3 KiB"


def test_a_bold_run_writes_no_raw_traces(run, imported, tmp_path):
    done = run("simulate", *WC, "--monitor", "bold", "--bold-period", "100", "--fc", "--output", "run.npz", "--json")
    assert done.exit_code == 0, done.stderr
    with np.load(tmp_path / "run.npz") as z:
        assert sorted(z.files) == ["bold", "bold_time_ms", "fc", "regions"]
    run("simulate", *WC, "--monitor", "bold", "--record", "--output", "full.npz")
    with np.load(tmp_path / "full.npz") as z:
        assert sorted(z.files) == ["E", "I", "activity", "bold", "bold_time_ms", "regions", "time_ms"]


RATE = ("--topology", "v1", "--neurons", "1e3", "--duration", "10", "--deterministic")


@pytest.mark.parametrize("args, has", [
    ([*WC, "--monitor", "bold", "--bold-period", "1000", "--fc"], "BOLD, FC and no raw traces"),
    ([*WC, "--monitor", "bold", "--record"], "BOLD and 2 state variables (E, I)"),
    ([*RATE, "--fc", "--record"], "FC"),
    ([*RATE, "--fc"], "FC and no raw traces"),
    ([*WC], "2 state variables (E, I)"),
])
def test_a_csv_output_that_cannot_carry_the_run_is_refused(run, imported, tmp_path, db, args, has):
    before = table_counts(db)
    outcome = run("simulate", *args, "--output", "run.csv")
    assert_one_line_error(outcome, f"--output: run.csv: a .csv file holds the observed variable's trace only, and "
                                   f"this run has {has}; use run.npz")
    assert not (tmp_path / "run.csv").exists() and table_counts(db) == before


def test_a_csv_output_of_the_observed_variable_is_written(run, imported, tmp_path):
    done = run("simulate", *RATE, "--output", "run.csv")
    assert done.exit_code == 0, done.stderr
    assert (tmp_path / "run.csv").read_text().splitlines()[0].startswith("time_ms,")
