"""Start-up of store commands as whole processes, against the floor `python -c "import sqlite3, json"`.

    python bench/startup.py [--runs 5]

Each figure is the median wall time of RUNS fresh processes, run in turn at the same moment, after
one warm-up run each (so Python's bytecode caches exist, as on a user's machine; the bench lets the
children write them even where PYTHONDONTWRITEBYTECODE is set). Prints a Markdown table.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _time(args: list[str], env: dict[str, str]) -> float:
    start = time.perf_counter()
    done = subprocess.run(args, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    elapsed = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(args)} failed: {done.stderr.decode()}")
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    runs = parser.parse_args().runs
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    with tempfile.TemporaryDirectory() as tmp:
        db = str(Path(tmp) / "bench.db")
        cli = [sys.executable, str(ROOT / "cli.py"), "--db", db]
        subprocess.run([*cli, "topology", "import", str(ROOT / "examples" / "multi_region.json")], check=True,
                       capture_output=True)
        commands = {
            'python -c "import sqlite3, json" (floor)': [sys.executable, "-c", "import sqlite3, json"],
            "topology stats multi_region --neurons 1e7 --json": [*cli, "topology", "stats", "multi_region",
                                                                  "--neurons", "1e7", "--json"],
            "topology list": [*cli, "topology", "list"],
            "estimate --topology multi_region --neurons 1e7": [*cli, "estimate", "--topology", "multi_region",
                                                               "--neurons", "1e7"],
        }
        for args in commands.values():
            _time(args, env)  # warm-up: bytecode caches
        samples: dict[str, list[float]] = {name: [] for name in commands}
        for _ in range(runs):
            for name, args in commands.items():
                samples[name].append(_time(args, env))
    medians = {name: statistics.median(values) for name, values in samples.items()}
    floor = next(iter(medians.values()))
    print(f"{platform.processor() or platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}, "
          f"median of {runs} fresh processes\n")
    print("| command | median wall | × floor |")
    print("| --- | --- | --- |")
    for name, median in medians.items():
        ratio = median / floor
        print(f"| `{name}` | {median * 1000:.0f} ms | {ratio:.1f} |")


if __name__ == "__main__":
    main()
