"""Benchmark: peak RSS and wall time of `simulate` from 1e4 to 1e11 neurons, against explicit connection lists.

Each point runs in a fresh process, five times (median wall time, largest peak RSS). `simulate` runs through the real CLI on examples/multi_region.json
(1000 ms at dt 0.1 ms, a stimulus on sensory cortex, seed 1). The origin program's explicit storage,
`regions[source]['connections'].extend([target] * count)` per projection, is measured at small N, and
its bytes per connection are extrapolated to N = 1e7. Prints markdown tables. Never run by CI.

Usage: python bench/scale.py
"""

from __future__ import annotations

import json
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "multi_region.json"
SIMULATED = ["1e4", "1e6", "1e7", "1e9", "1e11"]
EXPLICIT = [10_000, 30_000, 100_000, 300_000]
REPEATS = 5  # per simulated point: the median wall time and the largest peak RSS are reported

EXPLICIT_PROGRAM = """
import json, resource, sys, time
from connectome import read
from connectome.exact import derived_counts
graph = read(sys.argv[1])
stats = derived_counts(graph, int(sys.argv[2]))
sizes = {r["name"]: r["neurons"] for r in stats["regions"]}
start = time.perf_counter()
regions = {name: {"neurons": n, "connections": []} for name, n in sizes.items()}
for s, t, strength in graph.edges(data="strength"):
    count = int(regions[s]["neurons"] * regions[t]["neurons"] * strength / 1000)  # the origin program's line
    regions[s]["connections"].extend([t] * count)
stored = sum(len(r["connections"]) for r in regions.values())
print(json.dumps({"connections": stored, "wall_s": time.perf_counter() - start,
                  "peak_rss_bytes": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024}))
"""

BASELINE_PROGRAM = """
import json, resource
from connectome import read
from connectome.exact import derived_counts
derived_counts(read(__import__("sys").argv[1]), 10)
print(json.dumps({"peak_rss_bytes": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024}))
"""


def _json(cmd: list[str]) -> dict:
    done = subprocess.run(cmd, capture_output=True, text=True, check=True, cwd=ROOT)
    return json.loads(done.stdout)


def simulate_points(db: Path) -> list[dict]:
    cli = [sys.executable, str(ROOT / "cli.py"), "--db", str(db)]
    subprocess.run(cli + ["topology", "import", str(EXAMPLE)], check=True, capture_output=True)
    rows = []
    for n in SIMULATED:
        runs = []
        for _ in range(REPEATS):
            start = time.perf_counter()
            summary = _json(cli + ["simulate", "--topology", "v1", "--neurons", n, "--seed", "1",
                                   "--stimulus", "sensory_cortex=1.0@100:400", "--json"])
            runs.append((summary["wall_s"], time.perf_counter() - start, summary))
        runs.sort(key=lambda r: r[0])
        simulate_s, process_s, summary = runs[len(runs) // 2]
        rows.append({"neurons": n, "process_s": process_s, "simulate_s": simulate_s,
                     "peak_rss_bytes": max(r[2]["peak_rss_bytes"] for r in runs),
                     "connections": summary["total_connections"]})
    return rows


def explicit_points() -> tuple[list[dict], int]:
    baseline = _json([sys.executable, "-c", BASELINE_PROGRAM, str(EXAMPLE)])["peak_rss_bytes"]
    rows = []
    for n in EXPLICIT:
        point = _json([sys.executable, "-c", EXPLICIT_PROGRAM, str(EXAMPLE), str(n)])
        rows.append({"neurons": n, **point, "extra_bytes": point["peak_rss_bytes"] - baseline})
    return rows, baseline


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        sim = simulate_points(Path(tmp) / "bench.db")
    explicit, baseline = explicit_points()
    mem = psutil.virtual_memory().total
    print(f"Machine: {platform.machine()}, {psutil.cpu_count()} CPUs, {mem / 2**30:.0f} GiB RAM, "
          f"Python {platform.python_version()}, {platform.system()} {platform.release()}\n")
    print("| neurons | connections (derived) | simulate wall (s) | process wall (s) | peak RSS (MiB) |")
    print("| ---: | ---: | ---: | ---: | ---: |")
    for r in sim:
        print(f"| {r['neurons']} | {r['connections']:,} | {r['simulate_s']:.2f} | {r['process_s']:.2f} | "
              f"{r['peak_rss_bytes'] / 2**20:.1f} |")
    first, last = sim[0], sim[-1]
    print(f"\nPeak RSS 1e11 vs 1e4: {100 * (last['peak_rss_bytes'] / first['peak_rss_bytes'] - 1):+.1f} %; "
          f"simulate wall time: {100 * (last['simulate_s'] / first['simulate_s'] - 1):+.1f} %\n")
    print("| neurons | explicit connections | build (s) | peak RSS (MiB) | above baseline (MiB) | bytes per connection |")
    print("| ---: | ---: | ---: | ---: | ---: | ---: |")
    for r in explicit:
        print(f"| {r['neurons']:,} | {r['connections']:,} | {r['wall_s']:.2f} | {r['peak_rss_bytes'] / 2**20:.1f} | "
              f"{r['extra_bytes'] / 2**20:.1f} | {r['extra_bytes'] / r['connections']:.2f} |")
    per_connection = explicit[-1]["extra_bytes"] / explicit[-1]["connections"]
    at_1e7 = sim[[r["neurons"] for r in sim].index("1e7")]["connections"]
    print(f"\nExplicit lists at 1e7 neurons (extrapolated, connections grow as N²): {at_1e7:,} connections × "
          f"{per_connection:.2f} bytes = {at_1e7 * per_connection / 1e9:,.1f} GB "
          f"(baseline process {baseline / 2**20:.0f} MiB)")


if __name__ == "__main__":
    main()
