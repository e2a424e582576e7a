"""Sweeps never hang, never expose a dashboard, never print a traceback.

Real parts only: a LocalCluster of this package (one shared by the module, others where the cluster's own
start-up is what is tested), real processes racing on SQLite and PostgreSQL, a real TCP server that
accepts and says nothing. Every route that used to hang runs in a subprocess that must answer within 15 s.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from datetime import datetime
from decimal import Decimal
from fractions import Fraction

import psutil
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import EXAMPLE, ROOT, assert_one_line_error, input_error, raw_sql
from connectome import Store, read
from connectome.errors import InputError
from connectome.sim import make_spec
from connectome.sweeps import Grid, parse_axis, sweep
from connectome.sweeps.cluster import check_workers, cores, local_cluster, scheduler_address
from connectome.sweeps.grid import MAX_POINTS
from connectome.sweeps.runner import run_sweep

BASE = dict(model="linear", params={"gamma": -1.0}, noise={"x": 0.01}, initial={"x": 0.0}, duration_ms=100,
            record_every_ms=1.0, transient_ms=10)
CLI_BASE = ["--model", "linear", "--param", "gamma=-1", "--noise", "x=0.01", "--initial", "x=0", "--duration", "100",
            "--record-every", "1", "--transient", "10"]
SWEEP = ["sweep", "--topology", "v1", "--neurons", "1e6", *CLI_BASE]
ANSWER_S = 15


def _cli(*args: str, timeout: float = ANSWER_S) -> tuple[subprocess.CompletedProcess, float]:
    """`python cli.py ARGS` in a subprocess that must end within `timeout` s; (its outcome, its seconds)."""
    start = time.monotonic()
    done = subprocess.run([sys.executable, str(ROOT / "cli.py"), *args], capture_output=True, text=True,
                          timeout=timeout)
    return done, time.monotonic() - start


def _one_line(done: subprocess.CompletedProcess, *fragments: str, code: int = 2) -> str:
    assert done.returncode == code, (done.returncode, done.stdout, done.stderr)
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and "Traceback" not in done.stderr, done.stderr
    for fragment in fragments:
        assert fragment in lines[0], (fragment, lines[0])
    return lines[0]


@pytest.fixture(scope="module")
def cluster():
    """One LocalCluster of this package (2 workers, no dashboard) for the module: (client, cluster)."""
    client, local = local_cluster(2, dashboard=False)
    try:
        yield client, local
    finally:
        client.close()
        local.close()


@pytest.fixture
def store(tmp_path):
    s = Store(tmp_path / "store.db")
    s.save(read(EXAMPLE))
    return s


# ---- grids: sizes from endpoints and counts before any value is made; numbers within the float range

def test_a_grid_of_a_billion_points_is_refused_at_once(tmp_path):
    done, seconds = _cli("--db", str(tmp_path / "s.db"), *SWEEP, "--grid", "coupling=0:1:1000000000")
    _one_line(done, "--grid coupling: COUNT '1000000000' is more than the 1,000,000 points")
    assert seconds < ANSWER_S and not (tmp_path / "s.db").exists()


def test_grid_sizes_are_checked_before_values_are_made():
    for texts, message in [(["coupling=0:1:1001", "speed=1:2:1000"], "^grid: 1,001,000 points, more than"),
                           (["coupling=0:1:" + "9" * 5000], "COUNT '99999"),
                           (["coupling=0:1:0"], "COUNT must be ≥ 1, got 0"),
                           (["coupling=0:1:-3"], "COUNT must be a whole number, got '-3'")]:
        with pytest.raises(InputError, match=message):
            Grid.parse(texts)
    with pytest.raises(InputError, match="2,000,000 points"):
        Grid.parse(["coupling=0:1:1000000"], seeds=2)
    with pytest.raises(InputError, match="COUNT '1000001' is more than"):
        parse_axis("coupling=0:1:1000001")
    with pytest.raises(InputError, match="1,000,001 values"):
        parse_axis("coupling=" + ",".join(["x"] * (MAX_POINTS + 1)))  # counted, not read: x is no number
    started = time.monotonic()
    grid = Grid.parse(["coupling=0:1:1000", "speed=1:2:1000"])  # the cap itself is accepted
    assert grid.points == MAX_POINTS and time.monotonic() - started < 2


@pytest.mark.parametrize("axis", ["coupling=0:1e400:5", "coupling=-1e400:0:3", "coupling=1e400,1",
                                  "coupling=0:1.8e308:2"])
def test_numbers_beyond_the_float_range_are_one_line(run, db, axis):
    assert_one_line_error(run(*SWEEP, "--grid", axis), "--grid coupling:", "beyond the range of a float")
    assert not db.exists()


def test_huge_exponents_make_no_huge_fractions():
    """1e-999999999 is 0.0 and 1e999999999 beyond the floats, at once: no 10^999999999 is ever computed."""
    code = ("from connectome.sweeps import parse_axis\nprint(parse_axis('coupling=1e-999999999:1:3'))\n"
            "try:\n    parse_axis('coupling=0:1e999999999:2')\nexcept Exception as e:\n    print(e)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=ANSWER_S)
    assert done.stdout.splitlines() == ["('coupling', [0.0, 0.5, 1.0])", "grid['coupling']: '1e999999999' is beyond "
                                        "the range of a float (about ±1.8e308)"], done.stderr


def test_values_are_the_nearest_floats_to_the_exact_values():
    assert parse_axis("coupling=0:1:4")[1] == [0.0, 1 / 3, 2 / 3, 1.0]
    assert parse_axis("coupling=0.1:0.7:4")[1] == [0.1, 0.3, 0.5, 0.7]  # exact decimals, not 0.1 + k·0.2 in floats
    assert parse_axis("neurons=1e3:1e6:3") == ("neurons", [1000, 500500, 1000000])


DECIMALS = st.decimals(min_value=Decimal("-1e300"), max_value=Decimal("1e300"), allow_nan=False,
                       allow_infinity=False, places=None)


@settings(max_examples=200, deadline=None, derandomize=True)
@given(DECIMALS, DECIMALS, st.integers(1, 40))
def test_range_values_are_the_exact_values_rounded(start, stop, count):
    name, values = parse_axis(f"x={start}:{stop}:{count}")
    a, b = Fraction(start), Fraction(stop)
    expected = [float(a + i * (b - a) / (count - 1)) if count > 1 else float(a) for i in range(count)]
    assert values == expected


# ---- workers: at most the cores of this machine for a local cluster

def test_more_workers_than_cores_is_one_line_and_nothing_is_written(tmp_path):
    db = tmp_path / "s.db"
    done, seconds = _cli("--db", str(db), *SWEEP, "--grid", "coupling=0,1", "--workers", "100000")
    _one_line(done, f"--workers: at most {cores()} on this machine", "100,000")
    assert seconds < ANSWER_S and not db.exists()


def test_the_worker_cap_is_the_affinity_and_a_scheduler_lifts_it(store):
    assert cores() == len(os.sched_getaffinity(0))
    check_workers(cores(), None)
    check_workers(10**5, "tcp://127.0.0.1:8786")  # a remote cluster's size is not this machine's
    with pytest.raises(InputError, match=f"^workers: at most {cores()}"):
        check_workers(cores() + 1, None)
    with pytest.raises(InputError, match="^workers: at most"):
        sweep(store, "v1", 10**6, grid={"coupling": [0.0]}, workers=10**5, **BASE)
    assert store.runs() == [] and raw_sql(store.db.path, "SELECT count(*) FROM sweeps") == [(0,)]


# ---- scheduler addresses: checked before connecting, each refused in one line

BAD_ADDRESSES = [
    ("tls://127.0.0.1:1", "tls:// needs Dask's TLS settings"),
    ("inproc://x", "the scheme must be tcp:// or tls://, got 'inproc://'"),
    ("http://127.0.0.1:8786", "got 'http://'"),
    ("file:///tmp/scheduler.json", "got 'file://'"),
    ("ucx://127.0.0.1:8786", "got 'ucx://'"),
    ("tcp://127.0.0.1:x", "the port must be a whole number from 1 to 65535, got 'x'"),
    ("tcp://127.0.0.1:" + "9" * 5000, "an address of 5,016 characters, more than 300"),
    ("tcp://127.0.0.1:" + "9" * 200, "the port must be a whole number from 1 to 65535"),
    ("tcp://127.0.0.1", "expected tcp://HOST:PORT"),
    ("tcp://127.0.0.1:", "the port must be"),
    ("tcp://127.0.0.1:0", "got '0'"),
    ("tcp://127.0.0.1:65536", "got '65536'"),
    ("tcp://:8786", "expected tcp://HOST:PORT"),
    ("tcp://user@host:8786", "'user@host' is not a host name"),
    ("tcp://127.0.0.1:8786/path", "the port must be"),
    ("tcp://[::1:8786", "is not a host name"),
    ("", "--scheduler: give an address tcp://HOST:PORT, got ''"),
    ("   ", "--scheduler: give an address"),
]


@pytest.mark.parametrize("address, message", BAD_ADDRESSES, ids=[a[:30] or "empty" for a, _ in BAD_ADDRESSES])
def test_a_bad_scheduler_address_is_one_line_and_nothing_is_written(run, db, address, message):
    started = time.monotonic()
    assert_one_line_error(run(*SWEEP, "--grid", "coupling=0,1", "--scheduler", address), message)
    assert time.monotonic() - started < 5 and not db.exists()


def test_good_addresses_are_written_in_full():
    assert scheduler_address("127.0.0.1:8786") == "tcp://127.0.0.1:8786"
    assert scheduler_address("TCP://scheduler-1.lab.example:08786") == "tcp://scheduler-1.lab.example:8786"
    assert scheduler_address("tcp://[::1]:8786") == "tcp://[::1]:8786"


@pytest.fixture
def silent_server():
    """A TCP server on 127.0.0.1 that accepts every connection and never says a word: its port."""
    server = socket.create_server(("127.0.0.1", 0))
    held: list[socket.socket] = []

    def accept() -> None:
        while True:
            try:
                held.append(server.accept()[0])
            except OSError:
                return

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield server.getsockname()[1]
    server.close()
    for conn in held:
        conn.close()


def test_a_service_that_accepts_but_does_not_speak_dask_is_one_line_within_15_s(tmp_path, silent_server):
    db = tmp_path / "s.db"
    with Store(db) as store:
        store.save(read(EXAMPLE))
    address = f"tcp://127.0.0.1:{silent_server}"
    done, seconds = _cli("--db", str(db), *SWEEP, "--grid", "coupling=0,1", "--scheduler", address)
    _one_line(done, f"--scheduler {address}: no Dask scheduler answers there", "no handshake within 5 s")
    assert seconds < ANSWER_S
    assert raw_sql(db, "SELECT count(*) FROM sweeps") == [(0,)]


def test_a_port_where_nothing_listens_is_refused_at_once_in_one_line(tmp_path):
    """A refused connection is not retried until the 5 s bound (Dask's own connect would)."""
    db = tmp_path / "s.db"
    with Store(db) as store:
        store.save(read(EXAMPLE))
    closed = socket.create_server(("127.0.0.1", 0))
    port = closed.getsockname()[1]
    closed.close()
    address = f"tcp://127.0.0.1:{port}"
    done, _seconds = _cli("--db", str(db), *SWEEP, "--grid", "coupling=0,1", "--scheduler", address)
    _one_line(done, f"--scheduler {address}: no Dask scheduler answers there (the connection was refused: nothing "
              "listens on that port)")
    assert raw_sql(db, "SELECT count(*) FROM sweeps") == [(0,)]


def test_a_running_scheduler_is_reached(cluster, store):
    client, local = cluster
    out = sweep(store, "v1", 10**6, grid={"coupling": [0.0, 0.5]}, scheduler=local.scheduler_address, seed=2, **BASE)
    assert (out["points"], out["ran"], out["skipped"], out["failed"]) == (2, 2, 0, [])


# ---- the dashboard: off unless asked, then on 127.0.0.1 only

def _listening() -> set[tuple[int, str, int]]:
    """(pid, address, port) of every listening socket of this process and its children."""
    me = psutil.Process()
    found = set()
    for proc in [me, *me.children(recursive=True)]:
        try:
            found |= {(proc.pid, c.laddr.ip, c.laddr.port) for c in proc.net_connections("inet")
                      if c.status == psutil.CONN_LISTEN}
        except psutil.NoSuchProcess:
            pass
    return found


def _status(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status
    except urllib.error.HTTPError as e:
        return e.code


def test_the_module_cluster_has_no_dashboard_and_listens_on_loopback(cluster):
    client, local = cluster
    port = local.scheduler_info["services"]["dashboard"]  # Dask's HTTP server: health routes, no dashboard
    assert _status(f"http://127.0.0.1:{port}/status") == 404
    workers = set(client.run(os.getpid).values())
    sockets = {(pid, ip) for pid, ip, _ in _listening()}
    assert workers <= {pid for pid, _ in sockets}
    assert {ip for _, ip in sockets} == {"127.0.0.1"}


def test_a_local_sweep_listens_on_loopback_only_and_opens_no_dashboard(store):
    seen: list[set] = []
    links: list[str] = []
    grid = Grid.parse(["coupling=0,0.5"])
    run_sweep(store, "v1", make_spec(10**6, **BASE), grid, workers=2, batch=1, on_dashboard=links.append,
              on_point=lambda summary: seen.append(_listening()))
    assert len(seen) == 2 and links == []
    assert {pid for pid, _, _ in seen[0]} == {os.getpid()}  # the scheduler and its worker threads: this process
    assert {ip for _, ip, _ in seen[0]} == {"127.0.0.1"}


def test_the_dashboard_when_asked_is_served_on_loopback_and_its_address_given(store):
    links: list[str] = []
    answers: list[tuple[int, set]] = []
    grid = Grid.parse(["coupling=0"])
    run_sweep(store, "v1", make_spec(10**6, **BASE), grid, workers=1, dashboard=True, on_dashboard=links.append,
              on_point=lambda summary: answers.append((_status(links[0]), _listening())))
    assert len(links) == 1 and links[0].startswith("http://127.0.0.1:") and links[0].endswith("/status")
    status, sockets = answers[0]
    assert status == 200 and {ip for _, ip, _ in sockets} == {"127.0.0.1"}


def test_the_cli_prints_the_dashboard_address_only_when_asked(run):
    assert run("topology", "import", EXAMPLE).exit_code == 0
    out = run(*SWEEP, "--grid", "coupling=0", "--workers", "1", "--dashboard")
    assert out.exit_code == 0, out.stderr
    lines = out.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("dashboard: http://127.0.0.1:"), out.stderr
    assert_one_line_error(run(*SWEEP, "--grid", "coupling=0", "--scheduler", "tcp://127.0.0.1:8786", "--dashboard"),
                          "--dashboard: only for a local cluster")


# ---- the same sweep twice at once: every point recorded once, no traceback, exit 0

def _race(db: str, first: list[str], second: list[str], ready=lambda: True) -> list[dict]:
    """Run `first`, and `second` once `ready()`, as two processes; both must exit 0 with nothing on stderr."""
    cli = [sys.executable, str(ROOT / "cli.py"), "--db", db]
    procs = [subprocess.Popen([*cli, *first, "--json"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)]
    deadline = time.monotonic() + 60
    while not ready() and time.monotonic() < deadline:
        time.sleep(0.05)
    procs.append(subprocess.Popen([*cli, *second, "--json"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                  text=True))
    outs = []
    for p in procs:
        stdout, stderr = p.communicate(timeout=120)
        assert p.returncode == 0 and stderr == "", (p.returncode, stderr)
        outs.append(json.loads(stdout))
    return outs


def test_the_same_sweep_started_twice_at_once_records_each_point_once(cluster, store_url):
    client, local = cluster
    with Store(store_url) as store:
        store.save(read(EXAMPLE))
    args = [*SWEEP, "--grid", "coupling=0:1:8", "--seed", "3", "--scheduler", local.scheduler_address]
    outs = _race(store_url, args, args)
    assert {o["sweep_id"] for o in outs} == {1}  # one sweep, found by the second process
    for out in outs:
        assert out["failed"] == [] and len(out["rows"]) == 8
    assert sum(o["ran"] for o in outs) == 8  # each point run and recorded by one of them; the other skipped it
    assert raw_sql(store_url, "SELECT count(*), count(DISTINCT sweep_point) FROM runs") == [(8, 8)]
    # a resume while the sweep runs
    longer = [*SWEEP, "--grid", "coupling=0:1:12", "--seed", "4", "--duration", "10000", "--scheduler",
              local.scheduler_address]
    outs = _race(store_url, longer, ["sweep", "--resume", "2", "--scheduler", local.scheduler_address],
                 ready=lambda: raw_sql(store_url, "SELECT count(*) FROM runs WHERE sweep_id = 2")[0][0] >= 1)
    assert outs[1]["ran"] + outs[1]["skipped"] < 12  # the resume found points already recorded
    for out in outs:
        assert out["sweep_id"] == 2 and out["failed"] == [] and len(out["rows"]) == 12
    assert outs[0]["ran"] + outs[0]["skipped"] == 12 and outs[0]["ran"] + outs[1]["ran"] == 12
    assert raw_sql(store_url, "SELECT count(*), count(DISTINCT sweep_point) FROM runs WHERE sweep_id = 2") == [(12, 12)]


def test_the_same_sweep_created_at_once_is_one_row(store_url):
    """Eight threads, eight connections, released together, store the same sweep: one row, found by seven."""
    from connectome.store import sweeps as stored

    store = Store(store_url)
    store.save(read(EXAMPLE))
    version = store.resolve("v1")
    for rnd in range(10):
        barrier, found = threading.Barrier(8), []

        def create() -> None:
            barrier.wait(timeout=30)
            found.append(stored.create_or_find(store, version, {"round": rnd}, 7, 1)[:2])

        threads = [threading.Thread(target=create) for _ in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=60)
        assert len({sweep_id for sweep_id, _ in found}) == 1 and sorted(c for _, c in found) == [False] * 7 + [True]
    store.close()


def test_a_point_recorded_by_another_process_is_left_to_it(cluster, store_url):
    """Deterministic: while the first point is recorded, 'another process' records four others (two in
    flight, two not yet submitted); their runs stay, this sweep counts them as skipped and exits cleanly.
    (Batches of one point, so that the window of batches in flight is a window of points.)"""
    client, local = cluster
    store = Store(store_url)
    store.save(read(EXAMPLE))
    spec, grid = make_spec(10**6, **BASE), Grid.parse(["coupling=0:1:12"])
    theirs: dict[int, int] = {}

    def other_process(summary: dict) -> None:
        if theirs:
            return
        from connectome.store import sweeps as stored

        for point in (6, 7, 10, 11):  # the window holds 8 points: 6 and 7 run here too, 10 and 11 not yet
            if not stored.has_point(store, 1, point):
                theirs[point] = store._record_run(store.resolve("v1"), neurons=10**6, parameters={"by": "other"},
                                                 seed=None, summary={}, output=None, started_at=datetime.now(),
                                                 wall_s=0.0, peak_rss_bytes=None, sweep=(1, point))

    from distributed import get_task_stream

    with get_task_stream(client) as stream:
        out = run_sweep(store, "v1", spec, grid, scheduler=local.scheduler_address, on_point=other_process, batch=1)
    assert len(theirs) == 4
    computed = {int(str(t["key"]).split("-")[3]) for t in stream.data if str(t["key"]).startswith("connectome-sweep")}
    assert computed == set(range(10))  # 10 and 11 were recorded before their turn: never computed here
    assert (out["ran"], out["skipped"], out["failed"], len(out["rows"])) == (8, 4, [], 12)
    assert {r["point"]: r["run_id"] for r in out["rows"] if r["point"] in theirs} == theirs
    store.close()


# ---- ids beyond a signed 64-bit column

@pytest.mark.parametrize("command", [["sweeps", "show"], ["sweep", "--resume"], ["plot", "run"], ["runs", "show"]])
def test_ids_beyond_2_63_are_one_line(run, db, command):
    out = run(*command, "9223372036854775808", *(["-o", "x.png"] if command[0] == "plot" else []))
    assert_one_line_error(out, "9223372036854775808")


def test_a_million_cell_grid_is_checked_per_axis_value_and_still_finds_a_bad_value():
    """Beyond 10,000 cells each axis value is checked once (O(sum of lengths)), not every cell."""
    from connectome.sim.spec import RunSpec
    from connectome.sweeps.grid import Grid
    from connectome.sweeps.plan import _check_points

    base = RunSpec(neurons=1000, model="linear")
    _check_points(base, Grid.parse(["coupling=0:1:1000", "noise.x=0:1:1000"]))  # 10^6 cells: instant, not 43 s
    with pytest.raises(InputError, match=r"^grid=\{'coupling': 0.0, 'noise.x': -1.0\}: noise\['x'\]: the intensity D"):
        _check_points(base, Grid.parse(["coupling=0:1:1000", "noise.x=" + ",".join(["0.5"] * 999 + ["-1"])]))


def test_an_empirical_fc_is_read_by_the_checked_readers(tmp_path):
    """A .npy declaring 10^12 cells, a damaged header and a CSV cell over the field limit: one line each."""
    from connectome.sweeps.scores import read_empirical

    huge = tmp_path / "huge.npy"
    header = "{'descr': '<f8', 'fortran_order': False, 'shape': (1000000, 1000000), }"
    huge.write_bytes(b"\x93NUMPY\x01\x00" + len(header.ljust(118) + "\n").to_bytes(2, "little")
                     + (header.ljust(118) + "\n").encode())
    with pytest.raises(InputError, match=r"declares a 1000000×1000000 array \(1,000,000,000,000 cells\)"):
        read_empirical(huge, ["a", "b"])
    mangled = tmp_path / "mangled.npy"
    mangled.write_bytes(huge.read_bytes().replace(b"(1000000, 1000000)", b"(1000000, 10000(("))
    assert "not a NumPy array file" in input_error(lambda: read_empirical(mangled, ["a", "b"]))
    wide = tmp_path / "wide.csv"
    wide.write_text(",a,b\na,1," + "9" * 200_000 + "\nb,0,1\n")
    assert "field larger than field limit" in input_error(lambda: read_empirical(wide, ["a", "b"]))


def test_a_scheduler_without_workers_is_one_line(store, monkeypatch):
    """A scheduler no worker has joined is refused after a bounded wait, before anything runs."""
    from distributed import LocalCluster

    from connectome.sweeps import cluster as where

    monkeypatch.setattr(where, "WORKERS_TIMEOUT_S", 1.0)
    with LocalCluster(n_workers=0, host="127.0.0.1", dashboard_address=None) as empty:
        started = time.monotonic()
        with pytest.raises(InputError, match="the scheduler has no worker \\(none joined within 1 s\\)"):
            sweep(store, "v1", 10**6, grid={"coupling": [0.0, 0.5]}, scheduler=empty.scheduler_address, seed=2, **BASE)
        assert time.monotonic() - started < 15


# ---- what the grid and its points say before and while they run

def test_a_grid_value_outside_the_models_range_is_refused_before_anything_is_stored(run, db):
    """Every cell's model parameters are checked with the spec, not when the point runs (`_check_points`)."""
    from conftest import table_counts

    assert run("topology", "import", EXAMPLE).exit_code == 0
    out = run("sweep", "--topology", "multi_region@v1", "--model", "linear", "--duration", "10",
              "--grid", "gamma=-1,5", "--workers", "1")
    assert_one_line_error(out, "--grid gamma=5.0: --param gamma: must be in (-inf, 0], got 5.0")
    assert table_counts(db)["sweeps"] == 0 and table_counts(db)["runs"] == 0


@pytest.mark.parametrize("workers", ["1", "2"])
def test_a_warning_every_point_raises_is_one_warning_line(run, workers):
    """The step warning of a model is raised by the plan and by every point's preparation: shown once."""
    assert run("topology", "import", EXAMPLE).exit_code == 0
    out = run("sweep", "--topology", "multi_region@v1", "--model", "montbrio-pazo-roxin", "--dt", "1",
              "--duration", "2", "--grid", "coupling=0.1,0.2,0.3", "--workers", workers, "--seed", "1")
    assert out.exit_code == 0, out.stderr
    assert out.stderr.splitlines() == [
        "warning: --dt: dt·|λ| = 3.12 for montbrio-pazo-roxin (its fastest rate |λ| = 3.12/ms at its default point; "
        "the explicit schemes are unstable above 2); a step below 0.16 ms resolves it"]


def test_resume_with_anything_it_would_ignore_is_refused_from_python_and_the_command_line(run, db):
    """A resumed sweep runs its stored specification: a topology, grid or run field given with it is refused."""
    assert run("topology", "import", EXAMPLE).exit_code == 0
    with pytest.raises(InputError, match=r"^resume: a resumed sweep runs its stored specification; give no ref, "
                                         r"grid, duration_ms with it$"):
        sweep(db, "nonexistent", resume=1, grid={"coupling": [1.0]}, duration_ms=20.0)
    assert_one_line_error(run("sweep", "--resume", "1", "--neurons", "5", "--grid", "coupling=1"),
                          "--resume: a resumed sweep runs its stored specification; give no --neurons, --grid with it")


def test_a_keyword_that_is_no_run_parameter_is_one_clear_error(tmp_path):
    with pytest.raises(InputError, match=r"^duration: not a run parameter \(did you mean duration_ms\?\)$"):
        make_spec(model="linear", duration=5.0)
    with pytest.raises(InputError, match=r"^bogus: not a run parameter"):
        sweep(tmp_path / "unused.db", "pair@v1", grid={"coupling": [1.0]}, bogus=1)
    assert not (tmp_path / "unused.db").exists()  # refused before the store is opened
