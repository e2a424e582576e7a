"""Sweeps on real Dask clusters: a LocalCluster of 2 worker processes, and a scheduler and workers started here.

Each point is a recorded run linked to its sweep; seeds come from SeedSequence and never depend on
scheduling; a re-run resumes; a killed sweep loses no finished point; a failing point is reported.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time

import numpy as np
import pytest

from conftest import EXAMPLE, ROOT, assert_one_line_error, raw_sql
from connectome import Store
from connectome.errors import ConnectomeWarning, InputError
from connectome.sweeps import Grid, parse_axis, sweep
from connectome.sweeps.grid import seeds_of

BASE = dict(model="linear", params={"gamma": -1.0}, noise={"x": 0.01}, initial={"x": 0.0}, duration_ms=300,
            record_every_ms=1.0, transient_ms=50, delays=False)
CLI_BASE = ["--model", "linear", "--param", "gamma=-1", "--noise", "x=0.01", "--initial", "x=0", "--duration", "300",
            "--record-every", "1", "--transient", "50", "--no-delays"]


def test_axes_parse_exactly_and_refuse_nonsense():
    assert parse_axis("coupling=0:0.3:4") == ("coupling", [0.0, 0.1, 0.2, 0.3])
    assert parse_axis("eta=-5,-4.5") == ("eta", [-5.0, -4.5])
    assert parse_axis("neurons=1e3,1e6") == ("neurons", [1000, 10**6])
    grid = Grid.parse(["coupling=0:1:3", "speed=1,3"], seeds=2)
    assert grid.points == 12 and grid.cells[1] == {"coupling": 0.0, "speed": 3.0}
    for bad, message in [("coupling", "expected NAME"), ("coupling=0:1", "START:STOP:COUNT"),
                         ("coupling=0:1:x", "COUNT"), ("coupling=a,b", "not a number"), ("dt=inf", "finite")]:
        with pytest.raises(InputError, match=message):
            Grid.parse([bad])
    with pytest.raises(InputError, match="given twice"):
        Grid.parse(["coupling=1", "coupling=2"])
    assert seeds_of(7, 3) == seeds_of(7, 3) and len(set(seeds_of(7, 3))) == 3 and seeds_of(7, 2) == seeds_of(7, 3)[:2]


@pytest.fixture
def store(tmp_path):
    s = Store(tmp_path / "store.db")
    from connectome import read

    s.save(read(EXAMPLE))
    return s


def test_a_local_cluster_sweep_records_every_point_and_a_rerun_resumes(store, tmp_path):
    out = sweep(store, "v1", 10**6, grid={"coupling": [0.0, 0.8]}, seeds=2, objective="fc-sc", workers=2, seed=11, **BASE)
    assert (out["points"], out["ran"], out["failed"], out["created"]) == (4, 4, [], True)
    runs = {r["id"]: r for r in store.runs()}
    assert len(runs) == 4
    seeds = seeds_of(11, 2)
    for row in out["rows"]:
        recorded = runs[row["run_id"]]
        assert recorded["seed"] == seeds[row["point"] % 2]
        assert recorded["parameters"]["coupling"] == row["coupling"] and recorded["parameters"]["fc"] is True
        assert row["score"] == recorded["summary"]["fc_sc"]  # flat: fc_sc and fc_log_sc side by side
    scores = {r["point"]: r["score"] for r in out["rows"]}
    assert min(scores[2], scores[3]) > max(scores[0], scores[1])  # coupling makes the FC follow the structure
    again = sweep(store, "v1", 10**6, grid={"coupling": [0.0, 0.8]}, seeds=2, objective="fc-sc", workers=2, seed=11,
                  **BASE)
    assert (again["sweep_id"], again["ran"], again["created"]) == (out["sweep_id"], 0, False)
    assert len(store.runs()) == 4
    from matplotlib.image import imread

    from connectome.sweeps.plot import plot

    with pytest.warns(ConnectomeWarning, match=r"^sweep 1: the best point lies on the grid's edge \(coupling at its "
                      r"largest value 0.8\); the optimum may lie beyond the values swept$"):
        fig = plot(store, out["sweep_id"], tmp_path / "line.png")  # one axis: a line, the best point starred
    image = imread(tmp_path / "line.png")
    assert image.shape[:2] == (480, 640) and np.ptp(image[..., :3]) > 0.5
    star = fig.axes[0].lines[-1]
    best = (scores[2] + scores[3]) / 2
    assert star.get_marker() == "*" and (star.get_xdata()[0], star.get_ydata()[0]) == (0.8, best)
    assert [t.get_text() for t in fig.axes[0].get_legend().get_texts()] == [f"best: coupling=0.8 ({best:.4f})"]


def test_seeds_do_not_depend_on_scheduling(tmp_path):
    """The same sweep on 1 worker and on 2 gives the same seeds and the same scores, point by point."""
    from connectome import read

    results = []
    for workers in (1, 2):
        s = Store(tmp_path / f"w{workers}.db")
        s.save(read(EXAMPLE))
        out = sweep(s, "v1", 10**6, grid={"coupling": [0.2, 0.5, 0.9]}, objective="fc-sc", workers=workers, seed=3,
                    **BASE)
        results.append([(r["point"], r["seed"], r["score"]) for r in out["rows"]])
    assert results[0] == results[1] and len(results[0]) == 3


def test_batches_change_no_recorded_number(tmp_path):
    """Points run alone (batch 1), in one batch in this process (one worker) and in batches of 2 on a
    cluster record the same summaries and scores, bit for bit; the points differ from each other."""
    from connectome import read

    recorded = []
    for workers, batch in ((1, 1), (1, None), (2, 2)):
        s = Store(tmp_path / f"w{workers}-{batch}.db")
        s.save(read(EXAMPLE))
        out = sweep(s, "v1", 10**6, grid={"coupling": [0.2, 0.5, 0.9], "gamma": [-1.0, -2.0]},
                    objective="fc-sc", workers=workers, batch=batch, seed=3,
                    **{k: v for k, v in BASE.items() if k != "params"})
        runs = {r["id"]: r["summary"] for r in s.runs()}
        recorded.append([(r["point"], r["seed"], r["score"], [(x["peak_activity"], x["mean_activity"])
                                                             for x in runs[r["run_id"]]["regions"]])
                         for r in out["rows"]])
        s.close()
    assert recorded[0] == recorded[1] == recorded[2] and len(recorded[0]) == 6
    assert len({row[2] for row in recorded[0]}) == 6


def test_batch_must_be_a_whole_number(store):
    with pytest.raises(InputError, match=r"^batch: must be a whole number ≥ 1, got 0$"):
        sweep(store, "v1", 10**6, grid={"coupling": [0.2]}, workers=1, batch=0, **BASE)


def test_a_failing_point_is_reported_and_the_others_recorded(run, tmp_path):
    assert run("topology", "import", EXAMPLE).exit_code == 0
    out = run("sweep", "--topology", "v1", "--neurons", "1e6", "--model", "montbrio-pazo-roxin", "--speed", "3",
              "--duration", "400", "--initial", "r=0.1", "--initial", "V=-2", "--stimulus", "sensory_cortex=3@100:300",
              "--grid", "coupling=0.01,8", "--workers", "2", "--seed", "1")
    assert out.exit_code == 5
    assert "error: point 1 failed: InputError: the run diverged" in out.stderr
    assert "1 of 2 recorded" in out.stdout
    shown = run("sweeps", "show", "1", "--json").json()
    assert [r["point"] for r in shown["rows"]] == [0] and shown["recorded"] == 1


def _dask(*args: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "distributed.cli.dask_" + args[0], *args[1:]],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)


@pytest.fixture
def scheduler(tmp_path):
    """A Dask scheduler and two worker processes started here on 127.0.0.1, stopped by their pids."""
    import json

    file = tmp_path / "scheduler.json"
    procs = [_dask("scheduler", "--host", "127.0.0.1", "--port", "0", "--no-dashboard", "--scheduler-file", str(file))]
    try:
        for _ in range(300):
            if file.exists() and file.stat().st_size:
                break
            time.sleep(0.1)
        address = json.loads(file.read_text())["address"]
        procs.append(_dask("worker", address, "--nworkers", "2", "--nthreads", "1", "--no-dashboard",
                           "--host", "127.0.0.1"))
        from distributed import Client

        with Client(address, timeout="30s") as client:
            client.wait_for_workers(2, timeout=60)
        yield address
    finally:
        _stop(procs)


def _stop(procs: list[subprocess.Popen]) -> None:
    """SIGTERM to each started process's group, then SIGKILL to whatever of it (and its children, found before)
    still runs after a bounded wait: a set-up that failed half-way leaves no worker behind either."""
    import psutil

    family = []
    for p in procs:
        with contextlib.suppress(psutil.NoSuchProcess):
            family += [psutil.Process(p.pid), *psutil.Process(p.pid).children(recursive=True)]
    for p in procs:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(p.pid, signal.SIGTERM)
    _, alive = psutil.wait_procs(family, timeout=20)
    for proc in alive:
        with contextlib.suppress(psutil.NoSuchProcess):
            proc.kill()
    psutil.wait_procs(alive, timeout=10)
    for p in procs:
        p.wait(timeout=10)


def test_a_separately_started_scheduler_runs_the_sweep_on_either_store(run, scheduler, store_url, tmp_path):
    assert run("--db", store_url, "topology", "import", EXAMPLE).exit_code == 0
    out = run("--db", store_url, "sweep", "--topology", "v1", "--neurons", "1e6", *CLI_BASE, "--grid",
              "coupling=0,0.8", "--objective", "fc-sc", "--scheduler", scheduler, "--seed", "11", "--json")
    assert out.exit_code == 0, out.stderr
    result = out.json()
    assert result["ran"] == 2 and result["failed"] == []
    # the same points as on a LocalCluster: the seeds and the runs do not depend on where they ran
    local = sweep(_fresh(tmp_path), "v1", 10**6, grid={"coupling": [0.0, 0.8]}, objective="fc-sc", workers=1, seed=11,
                  **BASE)
    assert [(r["seed"], r["score"]) for r in result["rows"]] == [(r["seed"], r["score"]) for r in local["rows"]]
    listed = run("--db", store_url, "sweeps", "list", "--json").json()
    assert [(s["id"], s["recorded"], s["points"]) for s in listed] == [(1, 2, 2)]


def _fresh(tmp_path):
    from connectome import read

    s = Store(tmp_path / "local.db")
    s.save(read(EXAMPLE))
    return s


def test_an_unreachable_scheduler_and_bad_arguments_are_one_line(run):
    assert run("topology", "import", EXAMPLE).exit_code == 0
    out = run("sweep", "--topology", "v1", "--neurons", "1e6", *CLI_BASE, "--grid", "coupling=0,1",
              "--scheduler", "tcp://127.0.0.1:9")
    assert_one_line_error(out, "--scheduler tcp://127.0.0.1:9")
    assert_one_line_error(run("sweep", "--resume", "1", "--grid", "coupling=1"),
                          "--resume: a resumed sweep runs its stored specification; give no --grid with it")
    assert_one_line_error(run("sweep", "--resume", "7"), "sweep 7: no such sweep")
    assert_one_line_error(run("sweep", "--topology", "v1", "--neurons", "1e6", "--grid", "nope=1,2"),
                          "--grid nope=1.0", "no parameter nope")
    assert_one_line_error(run("sweep", "--topology", "v1"), "give --topology and at least one --grid")
    assert run("runs", "list", "--json").json() == [] and run("sweeps", "list", "--json").json() == []


def test_a_killed_sweep_loses_no_finished_point_and_resumes(tmp_path):
    db = tmp_path / "store.db"
    cli = [sys.executable, str(ROOT / "cli.py"), "--db", str(db)]
    assert subprocess.run([*cli, "topology", "import", str(EXAMPLE)], capture_output=True).returncode == 0
    args = [*cli, "sweep", "--topology", "v1", "--neurons", "1e6", *CLI_BASE, "--duration", "30000",
            "--record-every", "10", "--grid", "coupling=0:1:24", "--objective", "fc-sc", "--workers", "2", "--seed", "5",
            "--batch", "2"]  # twelve batches: the kill lands between them
    proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        deadline = time.time() + 120
        while time.time() < deadline:
            done = raw_sql(db, "SELECT count(*) FROM runs")[0][0] if db.exists() else 0
            if done >= 2:
                break
            time.sleep(0.2)
        os.killpg(proc.pid, signal.SIGKILL)  # the client and its LocalCluster, mid-sweep
    finally:
        proc.wait(timeout=30)
    before = raw_sql(db, "SELECT sweep_point, id FROM runs ORDER BY sweep_point")
    assert 2 <= len(before) < 24
    resumed = subprocess.run([*cli, "sweep", "--resume", "1", "--workers", "2", "--json"], capture_output=True, text=True)
    assert resumed.returncode == 0, resumed.stderr
    import json

    out = json.loads(resumed.stdout)
    assert out["ran"] == 24 - len(before) and len(out["rows"]) == 24
    after = dict(raw_sql(db, "SELECT sweep_point, id FROM runs ORDER BY sweep_point"))
    assert all(after[p] == i for p, i in before)  # finished points kept, not run again
    assert sorted(after) == list(range(24))


def test_fc_fit_matches_regions_by_label_and_the_plot_is_an_image(run, tmp_path):
    assert run("topology", "import", EXAMPLE).exit_code == 0
    regions = [r["name"] for r in run("topology", "show", "v1", "--json").json()["regions"]]
    rng = np.random.default_rng(1)
    m = rng.uniform(-1, 1, (5, 5))
    empirical = (m + m.T) / 2
    order = list(reversed(range(5)))  # the CSV lists the regions in another order
    csv = tmp_path / "fc.csv"
    csv.write_text(",".join([""] + [regions[i] for i in order]) + "\n" + "\n".join(
        ",".join([regions[i]] + [repr(float(empirical[i, j])) for j in order]) for i in order) + "\n")
    out = run("sweep", "--topology", "v1", "--neurons", "1e6", *CLI_BASE, "--grid", "coupling=0,0.5,1",
              "--grid", "gamma=-1,-2", "--objective", "fc-fit", "--empirical-fc", csv, "--workers", "2", "--json")
    assert out.exit_code == 0, out.stderr
    row = out.json()["rows"][2]  # coupling 0.5, gamma -1
    again = run("runs", "rerun", str(row["run_id"]), "--output", tmp_path / "again.npz")  # the point's FC, again
    assert again.exit_code == 0, again.stderr
    with np.load(tmp_path / "again.npz") as f:
        fc = f["fc"]
    upper = np.triu_indices(5, 1)
    assert row["score"] == pytest.approx(np.corrcoef(fc[upper], empirical[upper])[0, 1], abs=1e-12)
    wrong = tmp_path / "wrong.csv"
    wrong.write_text(csv.read_text().replace(regions[0], "nowhere"))
    bad = run("sweep", "--topology", "v1", "--neurons", "1e6", *CLI_BASE, "--grid", "coupling=0,1",
              "--objective", "fc-fit", "--empirical-fc", wrong)
    assert_one_line_error(bad, "labels do not match", "missing: " + regions[0], "nowhere")
    picture = tmp_path / "sweep.png"  # two axes: a heatmap
    plotted = run("sweeps", "plot", "1", "-o", picture)
    assert plotted.exit_code == 0 and plotted.stdout == f"sweep 1 plotted to {picture}\n"
    assert plotted.stderr.startswith("warning: sweep 1: the best point lies on the grid's edge (") and \
        "; the optimum may lie beyond the values swept\n" in plotted.stderr
    import matplotlib.image as mpimg

    image = mpimg.imread(picture)
    assert image.shape[:2] == (480, 640) and np.ptp(image[..., :3]) > 0.5
    shown = run("sweeps", "show", "1").stdout
    assert "best: coupling=" in shown


def test_a_worker_killed_mid_sweep_costs_no_point(scheduler, store):
    """SIGKILL one worker process while points run: Dask reruns its points elsewhere, every point is recorded."""
    import threading

    from distributed import Client

    with Client(scheduler, timeout="30s") as client:
        victim = sorted(client.run(os.getpid).values())[0]
    result = {}
    worker = threading.Thread(target=lambda: result.update(sweep(
        store, "v1", 10**6, grid={"coupling": [0.1 * i for i in range(8)]}, objective="fc-sc", scheduler=scheduler,
        seed=4, **{**BASE, "duration_ms": 30_000, "record_every_ms": 10.0})))
    worker.start()
    deadline = time.time() + 120
    while time.time() < deadline and len(store.runs()) < 1:
        time.sleep(0.05)
    os.kill(victim, signal.SIGKILL)
    worker.join(timeout=300)
    assert result["failed"] == [] and len(result["rows"]) == 8 and len(store.runs()) == 8


def test_batch_size_follows_the_points_the_workers_and_the_memory(monkeypatch):
    """Up to MAX_BATCH points, spread over every worker, at most what a worker's share of half the available
    memory holds (the run's own estimate per point); a finite-size population runs alone."""
    import types

    import psutil

    from connectome import read
    from connectome.sim import make_spec, prepare
    from connectome.sim.memory import estimate
    from connectome.sweeps.batches import MAX_BATCH, batch_size

    g = read(EXAMPLE)
    mass = prepare(g, make_spec(10**6, **BASE))
    assert MAX_BATCH == 16
    assert [batch_size(mass, points, workers, None) for points, workers in ((64, 1), (64, 2), (6, 4), (1, 2))] == \
        [16, 16, 2, 1]
    assert batch_size(mass, 64, 2, 5) == 5
    per_point = estimate(mass)["run_bytes"]
    monkeypatch.setattr(psutil, "virtual_memory", lambda: types.SimpleNamespace(available=2 * 2 * per_point * 3))
    assert batch_size(mass, 64, 2, None) == 3
    monkeypatch.setattr(psutil, "virtual_memory", lambda: types.SimpleNamespace(available=per_point))
    assert batch_size(mass, 64, 2, None) == 1
    sampled = prepare(g, make_spec(10**6, model="rate", duration_ms=10.0, seed=1))
    assert batch_size(sampled, 64, 1, None) == 1


def test_a_sweep_from_python_with_whole_numbers_is_the_cli_sweep(run, db):
    """`duration_ms=40` from Python and `--duration 40` from the command line are one sweep: the second finds
    the first's points recorded instead of starting a new sweep."""
    assert run("topology", "import", EXAMPLE).exit_code == 0
    out = run("sweep", "--topology", "v1", "--neurons", "1e6", "--duration", "40", "--grid", "coupling=0.1,0.2",
              "--seed", "5", "--workers", "1", "--json")
    assert out.exit_code == 0, out.stderr
    with Store(db) as store:
        again = sweep(store, "v1", 10**6, grid={"coupling": [0.1, 0.2]}, duration_ms=40, seed=5, workers=1)
    assert (again["sweep_id"], again["ran"]) == (out.json()["sweep_id"], 0)
    out = run("sweep", "--topology", "v1", "--model", "linear", "--duration", "20", "--param", "gamma=-1",
              "--initial", "x=0", "--noise", "x=1", "--grid", "coupling=0.1", "--seed", "5", "--workers", "1", "--json")
    assert out.exit_code == 0, out.stderr
    with Store(db) as store:  # parameters, initial states and noise by name: whole numbers too
        again = sweep(store, "v1", grid={"coupling": [0.1]}, model="linear", duration_ms=20, params={"gamma": -1},
                      initial={"x": 0}, noise={"x": 1}, seed=5, workers=1)
    assert (again["sweep_id"], again["ran"]) == (out.json()["sweep_id"], 0)
