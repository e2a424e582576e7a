"""`simulate`, `estimate` and `runs` through the real CLI: summaries, recorded runs, outputs, bad arguments."""

import csv
import fcntl
import os
import pty
import struct
import termios
import subprocess
import sys

import numpy as np
import pytest

from connectome.sim.compile import ENGINE_VERSION

from conftest import EXAMPLE, ROOT, assert_one_line_error, raw_sql, table_counts

SUMMARY_KEYS = {"run_id", "ref", "neurons", "duration_ms", "dt_ms", "seed", "deterministic", "total_connections",
                "regions", "propagation_order", "wall_s", "peak_rss_bytes", "output", "model", "coupling_mode", "kernel",
                "observed", "engine", "speed_mm_per_ms"}


@pytest.fixture
def imported(run):
    assert run("topology", "import", EXAMPLE).exit_code == 0


def _sim(run, *extra):
    return run("simulate", "--topology", "v1", "--neurons", "1e7", "--duration", "200", *extra)


def test_summary_json_and_recorded_run(run, imported):
    out = _sim(run, "--stimulus", "sensory_cortex=1.0@10:150", "--seed", "7", "--json")
    assert out.exit_code == 0, out.stderr
    summary = out.json()
    assert set(summary) == SUMMARY_KEYS
    assert (summary["ref"], summary["neurons"], summary["seed"], summary["deterministic"]) == ("multi_region@v1", 10**7, 7, False)
    assert summary["total_connections"] == 6_537_500_000
    assert summary["propagation_order"][0] == "sensory_cortex"
    assert summary["propagation_order"][-1] == "motor_cortex"
    regions = {r["name"]: r for r in summary["regions"]}
    assert set(regions["sensory_cortex"]) == {"name", "neurons", "peak_activity", "mean_activity", "activation_ms"}
    assert regions["sensory_cortex"]["activation_ms"] > 10
    listed = run("runs", "list", "--json").json()
    assert [r["id"] for r in listed] == [summary["run_id"]]
    shown = run("runs", "show", str(summary["run_id"]), "--json").json()
    assert shown["summary"] == summary
    assert shown["seed"] == 7 and shown["neurons"] == 10**7
    assert shown["parameters"]["stimuli"] == ["sensory_cortex=1.0@10:150"]  # the run's RunSpec, as JSON
    assert shown["parameters"]["seed"] == 7 and shown["parameters"]["neurons"] == 10**7
    assert (summary["model"], summary["coupling_mode"], summary["kernel"]) == ("rate", "mean-input", "push")
    assert "propagation" in run("runs", "show", str(summary["run_id"])).stdout


def test_no_stimulus_activates_nothing(run, imported):
    summary = _sim(run, "--deterministic", "--json").json()
    assert summary["seed"] is None  # nothing is drawn in the N → ∞ limit
    assert summary["propagation_order"] == []
    assert all(r["activation_ms"] is None for r in summary["regions"])
    assert "(no region activated)" in _sim(run, "--deterministic").stdout


def test_seed_is_drawn_and_recorded_so_the_run_repeats(run, imported, tmp_path):
    first = _sim(run, "--stimulus", "sensory_cortex=0.7", "--output", tmp_path / "a.npz", "--json").json()
    again = _sim(run, "--stimulus", "sensory_cortex=0.7", "--seed", str(first["seed"]),
                 "--output", tmp_path / "b.npz", "--json").json()
    a, b = np.load(tmp_path / "a.npz"), np.load(tmp_path / "b.npz")
    assert np.array_equal(a["activity"], b["activity"])
    assert first["regions"] == again["regions"]


def test_outputs(run, imported, tmp_path):
    npz = tmp_path / "run.npz"
    summary = _sim(run, "--record-every", "1", "--output", npz, "--json").json()
    assert summary["output"] == str(npz)
    data = np.load(npz)
    assert list(data["regions"]) == ["sensory_cortex", "association_cortex", "executive_cortex",
                                     "memory_hippocampus", "motor_cortex"]
    assert data["activity"].shape == (len(data["time_ms"]), 5)
    assert data["time_ms"][1] - data["time_ms"][0] == pytest.approx(1.0)
    table = tmp_path / "run.csv"
    assert _sim(run, "--output", table).exit_code == 0
    rows = list(csv.reader(table.open()))
    assert rows[0][0] == "time_ms" and rows[0][1:] == list(data["regions"])


def test_table_output(run, imported):
    text = _sim(run, "--stimulus", "sensory_cortex=1", "--seed", "1").stdout
    assert "run 1: multi_region@v1 at 10,000,000 neurons" in text
    assert "total connections (derived, never stored): 6,537,500,000" in text
    assert "propagation: sensory_cortex -> association_cortex" in text


def test_estimate_json(run, imported):
    est = run("estimate", "--topology", "v1", "--neurons", "1e7", "--json").json()
    assert {"neurons", "total_connections", "run_bytes", "explicit_bytes", "available_bytes", "fits"} <= set(est)
    assert est["explicit_bytes"] == 8 * 6_537_500_000
    assert est["fits"] is True
    big = run("estimate", "--topology", "v1", "--neurons", "1e11", "--json").json()
    assert big["run_bytes"] == est["run_bytes"]
    assert big["explicit_bytes"] == 8 * 653_750_000_000_000_000


def test_a_run_too_long_for_memory_is_refused(run, imported, db):
    before = table_counts(db)
    outcome = run("simulate", "--topology", "v1", "--neurons", "1e7", "--duration", "1e12", "--max-steps", "1e14")
    assert_one_line_error(outcome, "bytes")
    assert table_counts(db) == before


@pytest.mark.parametrize("args, fragment", [
    (["--neurons", "0"], "--neurons"),
    (["--neurons", "-5"], "--neurons"),
    (["--neurons", "2.5"], "--neurons"),
    (["--neurons", "lots"], "--neurons"),
    (["--stimulus", "thalamus=1"], "thalamus"),
    (["--stimulus", "sensory_cortex"], "--stimulus"),
    (["--dt", "0"], "--dt"),
    (["--dt", "-0.1"], "--dt"),
    (["--duration", "0"], "--duration"),
    (["--duration", "-10"], "--duration"),
    (["--duration", "1", "--dt", "2"], "--dt"),
    (["--topology", "nothing@v1"], "nothing"),
    (["--topology", "v9"], "v9"),
    (["--output", "no/such/folder/run.npz"], "does not exist"),
    (["--output", "run.txt"], ".npz or .csv"),
])
def test_bad_arguments(run, imported, db, args, fragment):
    base = {"--topology": "v1", "--neurons": "1e4", "--duration": "50"}
    for flag, value in zip(args[::2], args[1::2]):
        base[flag] = value
    before = table_counts(db)
    outcome = run("simulate", *[x for pair in base.items() for x in pair])
    assert_one_line_error(outcome, fragment)
    assert table_counts(db) == before


def _on_a_terminal(command: list[str], env: dict[str, str]) -> bytes:
    """Run `command` with its stderr on a pseudo-terminal (100 columns); everything it wrote there."""
    leader, follower = pty.openpty()
    fcntl.ioctl(follower, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 100, 0, 0))  # a new pty has 0 columns
    proc = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=follower, close_fds=True, env=env)
    os.close(follower)
    seen = b""
    while True:
        try:
            chunk = os.read(leader, 4096)
        except OSError:  # EIO: the child closed the terminal
            break
        if not chunk:
            break
        seen += chunk
    assert proc.wait(timeout=60) == 0, seen
    os.close(leader)
    return seen


def test_progress_bar_only_on_a_terminal(tmp_path):
    """A 3,000-step run with CONNECTOME_PROGRESS_DELAY=0 (the bar drawn at once, not after the 2 s a user
    waits): the bar shows on a terminal and nothing reaches a pipe; without the variable, a run that short
    draws no bar even on a terminal."""
    db = tmp_path / "tty.db"
    cli = [sys.executable, str(ROOT / "cli.py"), "--db", str(db)]
    subprocess.run(cli + ["topology", "import", str(EXAMPLE)], check=True, capture_output=True)
    short_run = cli + ["simulate", "--topology", "v1", "--neurons", "1e4", "--duration", "300", "--record-every", "10"]
    at_once = {**os.environ, "CONNECTOME_PROGRESS_DELAY": "0"}
    piped = subprocess.run(short_run, capture_output=True, text=True, timeout=60, env=at_once)
    assert piped.returncode == 0 and piped.stderr == ""
    assert "run 1:" in piped.stdout
    seen = _on_a_terminal(short_run, at_once)
    assert b"step" in seen and b"%" in seen and b"3000" in seen
    default = {k: v for k, v in os.environ.items() if k != "CONNECTOME_PROGRESS_DELAY"}
    assert _on_a_terminal(short_run, default) == b""  # the run ends before the default 2 s delay


def test_a_bad_progress_delay_is_refused(run, imported):
    outcome = run("simulate", "--topology", "v1", "--neurons", "1e4", "--duration", "1",
                  env={"CONNECTOME_PROGRESS_DELAY": "soon"})
    assert_one_line_error(outcome, "CONNECTOME_PROGRESS_DELAY", "soon")


def test_rerun_repeats_a_run_bit_for_bit(run, imported, tmp_path):
    first = tmp_path / "first.npz"
    out = _sim(run, "--stimulus", "sensory_cortex=1.0@10:150", "--coupling", "1.5", "--param", "width=0.12",
               "--output", first, "--json").json()
    rerun = run("runs", "rerun", str(out["run_id"]), "--output", tmp_path / "again.npz", "--json")
    again = rerun.json()
    assert again["run_id"] == out["run_id"] + 1 and again["seed"] == out["seed"]
    assert rerun.stderr == "" and again["engine"] == out["engine"] == ENGINE_VERSION  # the same engine: no warning
    assert {k: v for k, v in again.items() if k not in ("run_id", "wall_s", "peak_rss_bytes", "output")} == \
        {k: v for k, v in out.items() if k not in ("run_id", "wall_s", "peak_rss_bytes", "output")}
    with np.load(first) as a, np.load(tmp_path / "again.npz") as b:
        assert np.array_equal(a["activity"], b["activity"])
    spec = run("runs", "show", str(again["run_id"]), "--json").json()["parameters"]
    assert spec["params"] == {"width": 0.12} and spec["coupling"] == 1.5 and spec["seed"] == out["seed"]


def test_a_rerun_by_another_engine_says_the_numbers_may_differ(run, imported, db):
    """A run recorded by another engine version (or before versions were kept) is rerun with a warning."""
    first = _sim(run, "--json").json()
    raw_sql(db, "INSERT INTO runs (version_id, neurons, parameters, seed, summary, started_at, wall_s) "
                "SELECT version_id, neurons, parameters, seed, json_set(summary, '$.engine', 'older'), started_at, "
                f"wall_s FROM runs WHERE id = {first['run_id']}")
    rerun = run("runs", "rerun", str(first["run_id"] + 1), "--json")
    assert rerun.exit_code == 0 and rerun.json()["engine"] == ENGINE_VERSION
    assert rerun.stderr == (f"warning: run {first['run_id'] + 1} was recorded by engine older; this is engine "
                            f"{ENGINE_VERSION}: the numbers may differ\n")


def test_precision_tvb_from_the_command_line(run, imported, tmp_path):
    """--precision tvb reaches the run (TVB's float32 history: its numbers differ from float64's) and is kept."""
    outs = {}
    for precision in ("float64", "tvb"):
        out = tmp_path / f"{precision}.npz"
        done = run("simulate", "--topology", "v1", "--neurons", "1e4", "--model", "linear", "--duration", "20",
                   "--coupling", "0.5", "--seed", "3", "--precision", precision, "--output", out, "--json")
        assert done.exit_code == 0, done.stderr
        shown = run("runs", "show", str(done.json()["run_id"]), "--json").json()
        assert shown["parameters"]["precision"] == precision
        with np.load(out) as saved:
            outs[precision] = saved["activity"]
    assert not np.array_equal(outs["float64"], outs["tvb"])
    assert np.max(np.abs(outs["float64"] - outs["tvb"])) < 1e-5
    bad = run("simulate", "--topology", "v1", "--neurons", "1e4", "--precision", "float32")
    assert bad.exit_code == 2 and "--precision" in bad.stderr
