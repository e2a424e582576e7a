"""Benchmark: one 64-point sweep, run point by point and in batches, on 1 and 2 workers, against peers. Never run by CI.

    python bench/sweep.py [--data /tmp/tvb-data] [--points 64] [--repeats 3] [--peers neurolib,tvb,vbjax]
                          [--memory-points 64,1024]

The sweep: tvb-data's connectivity_76, Wilson–Cowan (Heun, dt 0.1 ms, delays at 3 mm/ms), 2 s simulated per
point, FC against SC scored, coupling × 16 values × 4 seeds. Each way is timed as a whole process (start,
imports, numba's cache load, the sweep; a cluster's start inside it), the ways interleaved, `--repeats` times
(median shown, the load average beside it), after an untimed round of 32 points each (batches of 16, as the timed ones) that leaves every
kernel compiled in numba's cache:

* a plain Python loop over `connectome.simulate` (the points one after the other, nothing recorded);
* `sweep --workers 1 --batch 1`: every point alone, in the command's own process, each recorded;
* `sweep --workers 1`: the points in batches (one kernel stepping up to 16 points together);
* `sweep --workers 2`: batches on a LocalCluster of 2 workers (its start included);
* `sweep --workers 2 --batch 1`: the points alone on the same cluster;
* `sweep --scheduler`: batches on a scheduler and 2 workers started beforehand (not timed);
* the peers' best ways to run the same 64 points, each in its own venv (`sweep_peers.py`).

The client's peak RSS is measured for a short sweep (20 ms per point) at each size of --memory-points.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

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
    """A plain loop over `connectome.simulate`, the same points, FC and its correlation with SC computed."""
    code = f"""
import numpy as np
import connectome
from connectome import Store
store = Store({str(db)!r})
g = store.load("v1")
for i in range({points}):
    connectome.simulate(g, 10**6, model="wilson-cowan", duration_ms=2000, record_every_ms=1,
                        initial={{"E": 0.1, "I": 0.1}}, speed_mm_per_ms=3.0, stimuli=["rV1=1@0:100"], seed=1 + i % 4,
                        coupling=0.2 * (i // 4) / max(1, {points} // 4 - 1), fc=True)
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


def ways(points: int) -> dict[str, Any]:
    """Each way of running the sweep: a function of a fresh store's path giving its wall time."""
    return {
        "loop over connectome.simulate": lambda db: serial(db, points),
        "sweep, 1 worker, points alone": lambda db: timed_sweep(db, "--workers", "1", "--batch", "1", points=points),
        "sweep, 1 worker, batched": lambda db: timed_sweep(db, "--workers", "1", points=points),
        "sweep, 2 workers, points alone": lambda db: timed_sweep(db, "--workers", "2", "--batch", "1", points=points),
        "sweep, 2 workers, batched": lambda db: timed_sweep(db, "--workers", "2", points=points),
        "sweep, scheduler + 2 workers, batched": lambda db: external(db, points),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", default="/tmp/tvb-data", help="folder with tvb-data's connectivity_76.zip")
    ap.add_argument("--points", type=int, default=64)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--peers", default="neurolib,tvb,vbjax", help="peers to run (sweep_peers.py); '' for none")
    ap.add_argument("--memory-points", default="64,1024")
    args = ap.parse_args()
    data = Path(args.data)
    times: dict[str, list[float]] = {}
    loads: dict[str, list[float]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for name, run in ways(min(args.points, 32)).items():  # untimed: numba's cache holds every kernel after
            db = Path(tmp) / f"warm-{abs(hash(name))}.db"
            cli(db, "topology", "import", str(data / "connectivity_76.zip"))
            run(db)
        for repeat in range(args.repeats):
            for name, run in ways(args.points).items():
                db = Path(tmp) / f"{repeat}-{len(times.get(name, []))}-{abs(hash(name))}.db"
                cli(db, "topology", "import", str(data / "connectivity_76.zip"))
                loads.setdefault(name, []).append(os.getloadavg()[0])
                times.setdefault(name, []).append(run(db))
    rows = [(name, statistics.median(t), max(loads[name])) for name, t in times.items()]
    if args.peers:
        from sweep_peers import run_peers

        for peer in run_peers(args.points, 2000.0, args.peers.split(","), zip_path=data / "connectivity_76.zip"):
            rows.append((peer["name"], peer["sweep_s"], peer.get("load_before", float("nan"))))
    print("The peers are deterministic, their seeds changing the initial state only; connectome's points are "
          "the sweep above (a stimulus on rV1 for 100 ms, the initial state E = I = 0.1).\n")
    print(f"{machine()}; {args.points} points of 2 s simulated (connectivity_76, wilson-cowan, Heun, dt 0.1 ms, "
          f"delays at 3 mm/ms); median of {args.repeats}, whole processes\n")
    print("| how | wall s | points/s | vs the loop | load (1 min) |")
    print("| --- | ---: | ---: | ---: | ---: |")
    base = rows[0][1]
    for name, wall, load in rows:
        print(f"| {name} | {wall:.1f} | {args.points / wall:.2f} | {base / wall:.2f} | {load:.2f} |")
    print("\n| points | client peak RSS MiB |")
    print("| ---: | ---: |")
    for n in (int(v) for v in args.memory_points.split(",") if v):
        print(f"| {n} | {client_memory(data, n) / 2**20:.0f} |")


def machine() -> str:
    """The CPU's model and cores, numpy's and numba's versions."""
    import numba
    import numpy

    model = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                  if line.startswith("model name")), platform.machine())
    return (f"{model}, {os.cpu_count()} cores, Python {platform.python_version()}, numpy {numpy.__version__}, "
            f"numba {numba.__version__}")


if __name__ == "__main__":
    main()
