"""Realising networks of 10^6, 10^7 and 10^8 edges to SONATA: time, peak memory and disk, per rule.

    python bench/realise.py [--sizes 1e6,1e7,1e8] [--folder DIR]

Each case is `python cli.py realise` run as a whole process (its peak RSS is ru_maxrss from wait4), after one
warm-up run, on a network of 10 equal regions connected all to all (100 projections) under one rule, with N
chosen so that the derived counts add up to the size asked for (to within rounding). The circuit is written
to a folder on the disk given (default: a temporary folder), then deleted. "realise s" is the command's own
figure (from reading the topology to the rename), "process s" the whole process with its imports. Prints a Markdown table; goals: throughput ≥ 10 million edges per second, peak RSS
for 10^8 edges ≤ 1.2 × that for 10^6 and ≤ 200 MB.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

def _topology(folder: Path, rule: str) -> tuple[Path, float]:
    """A topology file of 10 equal regions connected all to all under `rule`, and its strength."""
    strength = 1.0 if rule == "pairs" else 2.0
    regions = [{"name": f"r{i}", "share": 1} for i in range(10)]
    projections = [{"source": f"r{i}", "target": f"r{j}", "strength": strength,
                    **({"rule": rule} if rule != "pairs" else {})} for i in range(10) for j in range(10)]
    path = folder / f"bench_{rule}.json"
    path.write_text(json.dumps({"name": f"bench_{rule}", "regions": regions, "projections": projections}))
    return path, strength


def _realise(db: Path, rule: str, neurons: int, target: Path) -> dict:
    """One `realise` as a whole process: its JSON, wall time and peak RSS (ru_maxrss from wait4)."""
    args = [sys.executable, str(ROOT / "cli.py"), "--db", str(db), "realise", "--topology", f"bench_{rule}",
            "--neurons", str(neurons), "--seed", "1", "-o", str(target), "--max-edges", "1e10", "--json"]
    started = time.perf_counter()
    child = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    out = child.stdout.read()
    _, status, usage = os.wait4(child.pid, 0)  # before Popen reaps it: this child's own peak
    child.returncode = os.waitstatus_to_exitcode(status)
    wall = time.perf_counter() - started
    if child.returncode:
        raise SystemExit(f"realise exited {child.returncode}: {' '.join(args)}")
    return {**json.loads(out), "process_s": wall, "peak_rss": usage.ru_maxrss * 1024}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1e6,1e7,1e8")
    parser.add_argument("--folder", help="Where to write the circuits [default: a temporary folder].")
    args = parser.parse_args()
    base = Path(args.folder or tempfile.mkdtemp(prefix="realise-bench-"))
    db = base / "bench.db"
    rows = []
    for rule in ("pairs", "synapses"):
        path, strength = _topology(base, rule)
        subprocess.run([sys.executable, str(ROOT / "cli.py"), "--db", str(db), "topology", "import", str(path)],
                       check=True, capture_output=True)
        for size in args.sizes.split(","):
            neurons = round(10 * (float(size) * 1000 / (100 * strength)) ** 0.5)
            _realise(db, rule, neurons, base / "warm")  # numba's cache and the page cache as a user has them
            shutil.rmtree(base / "warm")
            r = _realise(db, rule, neurons, base / "circuit")
            shutil.rmtree(base / "circuit")
            rows.append((rule, neurons, r["edges"], r["wall_s"], r["process_s"], r["edges"] / r["wall_s"] / 1e6,
                         r["peak_rss"] / 2**20, r["bytes"] / 1e9, r["bytes"] / r["edges"]))
            print(rows[-1], file=sys.stderr)
    if not args.folder:
        shutil.rmtree(base)
    print(f"Machine: {platform.machine()}, {platform.python_implementation()} {platform.python_version()}, "
          f"{os.cpu_count()} cores; `python cli.py realise` as a whole process, after one warm-up run\n")
    print("| rule | neurons | edges | realise s | process s | M edges/s | peak RSS MiB | disk GB | bytes/edge |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for rule, n, e, wall, process, rate, rss, disk, per in rows:
        print(f"| {rule} | {n:,} | {e:,} | {wall:.2f} | {process:.2f} | {rate:.1f} | {rss:.0f} | {disk:.2f} | {per:.1f} |")


if __name__ == "__main__":
    main()
