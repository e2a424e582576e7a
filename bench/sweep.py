"""Benchmark: one 64-point sweep run serially, on a LocalCluster of 2 workers, and on a separately started
scheduler with 2 worker processes on localhost; points per second and speed-up. Never run by CI.

    python bench/sweep.py [--data /work/tvb-data] [--points 64] [--memory-points 64,1024]

The sweep: tvb-data's connectivity_76, Wilson–Cowan (Heun, dt 0.1 ms), 2 s simulated per point, FC
against SC scored, coupling × 16 values × 4 seeds. Serial is the same points in one process, one after
the other, recorded in the same way. Each of the three is timed as a whole process (start, imports,
numba's cache load, the sweep); the cluster's start is inside the LocalCluster's time. The client's peak RSS is measured for a
short sweep (20 ms per point) at each size of --memory-points, in fresh processes.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RUN = ["--model", "wilson-cowan", "--duration", "2000", "--record-every", "1", "--initial", "E=0.1",
       "--initial", "I=0.1", "--speed", "3", "--stimulus", "rV1=1@0:100"]


def cli(db: Path, *args: str, timeout: float = 3600) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(ROOT / "cli.py"), "--db", str(db), *args], capture_output=True,
                          text=True, timeout=timeout)


def timed_sweep(db: Path, *extra: str, points: int) -> float:
    seeds = 4
    grid = f"coupling=0:0.2:{points // seeds}"
    start = time.perf_counter()
    out = cli(db, "sweep", "--topology", "v1", "--neurons", "1e6", *RUN, "--grid", grid, "--seeds", str(seeds),
              "--objective", "fc-sc", "--seed", "1", "--json", *extra)
    if out.returncode != 0:
        raise SystemExit(out.stderr)
    return time.perf_counter() - start


def serial(db: Path, points: int) -> float:
    code = f"""
import sys, time
from connectome import Store
from connectome.sweeps.plan import plan_sweep
from connectome.sweeps.runner import _record, run_point
from connectome.sweeps.grid import Grid
from connectome.sim import make_spec
store = Store({str(db)!r})
base = make_spec(10**6, model="wilson-cowan", duration_ms=2000, record_every_ms=1, initial={{"E": 0.1, "I": 0.1}},
                 speed_mm_per_ms=3.0, stimuli=["rV1=1@0:100"], seed=1)
plan = plan_sweep(store, "v1", base, Grid.parse(["coupling=0:0.2:{points // 4}"], 4), "fc-sc", None, None)
for i in range({points}):
    _record(store, plan, i, run_point(plan.rows, plan.spec_json(i), plan.version.ref, None))
"""
    start = time.perf_counter()  # the whole process, as the sweeps below are timed (start, imports, numba's cache)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    if out.returncode != 0:
        raise SystemExit(out.stderr)
    return time.perf_counter() - start


def external(db: Path, points: int) -> float:
    folder = Path(tempfile.mkdtemp())
    file = folder / "scheduler.json"
    procs = [subprocess.Popen([sys.executable, "-m", "distributed.cli.dask_scheduler", "--host", "127.0.0.1",
                               "--port", "0", "--no-dashboard", "--scheduler-file", str(file)],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)]
    try:
        while not (file.exists() and file.stat().st_size):
            time.sleep(0.1)
        address = json.loads(file.read_text())["address"]
        procs.append(subprocess.Popen([sys.executable, "-m", "distributed.cli.dask_worker", address, "--nworkers",
                                       "2", "--nthreads", "1", "--no-dashboard"], stdout=subprocess.DEVNULL,
                                      stderr=subprocess.DEVNULL, start_new_session=True))
        from distributed import Client

        with Client(address) as client:
            client.wait_for_workers(2, timeout=60)
        return timed_sweep(db, "--scheduler", address, points=points)
    finally:
        for p in procs:
            os.killpg(p.pid, signal.SIGTERM)
            p.wait()


def client_memory(data: Path, points: int) -> int:
    """Peak RSS of the client process (the CLI) for a short sweep of `points` points."""
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "m.db"
        cli(db, "topology", "import", str(data / "connectivity_76.zip"))
        code = ("import resource, sys\nfrom connectome.cli import main\ntry:\n    main(sys.argv[1:])\n"
                "except SystemExit:\n    pass\n"
                "print('PEAK', resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024, file=sys.stderr)")
        args = ["--db", str(db), "sweep", "--topology", "v1", "--neurons", "1e6", "--model", "wilson-cowan",
                "--duration", "20", "--initial", "E=0.1", "--initial", "I=0.1", "--grid",
                f"coupling=0:0.2:{points}", "--objective", "fc-sc", "--seed", "1", "--workers", "2", "--json"]
        out = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True)
        peak = [line for line in out.stderr.splitlines() if line.startswith("PEAK")]
        if not peak:
            raise SystemExit(out.stderr)
        return int(peak[-1].split()[1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", default="/work/tvb-data", help="folder with tvb-data's connectivity_76.zip")
    ap.add_argument("--points", type=int, default=64)
    ap.add_argument("--memory-points", default="64,1024")
    args = ap.parse_args()
    data = Path(args.data)
    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        for name, run in (("serial (1 process)", lambda db: serial(db, args.points)),
                          ("LocalCluster, 2 workers", lambda db: timed_sweep(db, "--workers", "2", points=args.points)),
                          ("scheduler + 2 workers (separate processes)", lambda db: external(db, args.points))):
            db = Path(tmp) / f"{len(results)}.db"
            cli(db, "topology", "import", str(data / "connectivity_76.zip"))
            results[name] = run(db)
    print(f"{platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}; "
          f"{args.points} points of 2 s simulated (connectivity_76, wilson-cowan, Heun, dt 0.1 ms)\n")
    print("| how | wall s | points/s | speed-up |")
    print("| --- | ---: | ---: | ---: |")
    base = results["serial (1 process)"]
    for name, wall in results.items():
        print(f"| {name} | {wall:.1f} | {args.points / wall:.2f} | {base / wall:.2f} |")
    print("\n| points | client peak RSS MiB |")
    print("| ---: | ---: |")
    for n in (int(v) for v in args.memory_points.split(",") if v):
        print(f"| {n} | {client_memory(data, n) / 2**20:.0f} |")


if __name__ == "__main__":
    main()
