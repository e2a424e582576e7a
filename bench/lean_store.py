"""Benchmark: memory and time of a large dense connectome from file to store to the first step (never run by CI).

Usage: python bench/lean_store.py [--regions 998] [--repeats 1] [--model wilson-cowan]

Builds the synthetic dense graph of bench/vs_tvb.py (`synthetic(regions, 1.0, seed=100)`: every ordered pair but
self-loops, strengths uniform in (0, 1], tract lengths uniform in 10–150 mm), writes its canonical JSON and,
each in a child process of its own, measures the peak RSS (VmHWM) and wall time of

* `topology import` of the JSON, `topology stats --neurons 1e7` (table and --json);
* store to first step: reading the version, building the plan, and the first step of `simulate` (the compiled
  kernel from numba's cache, warmed by a first run), each phase with the RSS it peaks at;
* a whole `simulate` (Euler, delays at 3 mm/ms, 10 ms) through the CLI.

Prints a markdown table with the machine (CPU model, cores) and the load average beside every figure.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent

PHASES = r"""
import json, sys, time
def hwm():
    for line in open("/proc/self/status"):
        if line.startswith("VmHWM"):
            return int(line.split()[1]) // 1024
def reset():  # the peak from here on (Linux: 5 resets VmHWM)
    with open("/proc/self/clear_refs", "w") as fh:
        fh.write("5")
out = {}
t = time.perf_counter()
from connectome import Store
from connectome.sim import prepare
from connectome.sim.loop import run
from connectome.sim.spec import RunSpec
out["imports"] = (time.perf_counter() - t, hwm()); reset()
t0 = t = time.perf_counter()
store = Store(sys.argv[1], create=False)
topology = store.columns(sys.argv[2]) if hasattr(store, "columns") else store.rows(sys.argv[2])
out["read the version"] = (time.perf_counter() - t, hwm()); reset()
t = time.perf_counter()
prepared = prepare(topology, RunSpec(model=sys.argv[3], integrator="euler", duration_ms=0.1, seed=1))
del topology
out["build the plan"] = (time.perf_counter() - t, hwm()); reset()
t = time.perf_counter()
run(prepared, threads=1)
out["first step"] = (time.perf_counter() - t, hwm())
out["store to first step"] = (time.perf_counter() - t0, None)
print(json.dumps(out))
"""


def machine() -> str:
    model = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                  if line.startswith("model name")), platform.processor())
    return f"{model}, {os.cpu_count()} cores, Python {platform.python_version()}"


def load() -> str:
    return "/".join(f"{x:.2f}" for x in os.getloadavg())


def measured(args: list[str], cwd: Path) -> tuple[float, int, str]:
    """Wall seconds, peak RSS (MB) and stdout of `args` run as the only child of a fresh interpreter, which
    reports that child's peak (RUSAGE_CHILDREN: the child's VmHWM)."""
    code = ("import resource, subprocess, sys, time; t = time.perf_counter(); "
            "p = subprocess.run(sys.argv[1:], capture_output=True, text=True); w = time.perf_counter() - t; "
            "sys.stderr.write(p.stderr); print(w, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss // 1024, "
            "p.returncode); sys.stdout.write(p.stdout[-2000:])")
    proc = subprocess.run([sys.executable, "-c", code, *args], cwd=cwd, capture_output=True, text=True)
    first, _, rest = proc.stdout.partition("\n")
    wall, peak, code_ = first.split()
    if int(code_):
        raise SystemExit(f"{' '.join(args)} failed:\n{proc.stderr}")
    return float(wall), int(peak), rest


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--regions", type=int, default=998)
    parser.add_argument("--model", default="wilson-cowan")
    parser.add_argument("--keep", type=Path, help="Work in this folder (kept) instead of a temporary one.")
    args = parser.parse_args()
    sys.path.insert(0, str(HERE))
    from vs_tvb import synthetic

    from connectome.formats.canonical import write_json

    cli = [sys.executable, "-m", "connectome", "--db", "lean.db"]
    with tempfile.TemporaryDirectory() as tmp:
        folder = args.keep or Path(tmp)
        folder.mkdir(parents=True, exist_ok=True)
        graph = synthetic(args.regions, 1.0, seed=100)
        graph.graph["name"] = "dense"
        write_json(graph, folder / "dense.json")
        projections = graph.number_of_edges()
        del graph
        (folder / "lean.db").unlink(missing_ok=True)
        print(f"machine: {machine()}; {args.regions} regions, {projections:,} projections, model {args.model}\n")
        print("| step | wall s | peak RSS MB | load (1/5/15 min) |\n|---|---:|---:|---|")
        for label, command in (("topology import", ["topology", "import", "dense.json"]),
                               ("topology stats (table)", ["topology", "stats", "dense", "--neurons", "1e7"]),
                               ("topology stats --json", ["topology", "stats", "dense", "--neurons", "1e7", "--json"])):
            wall, peak, _ = measured(cli + command, folder)
            print(f"| {label} | {wall:.2f} | {peak} | {load()} |", flush=True)
        phases = [sys.executable, "-c", PHASES, "lean.db", "dense", args.model]
        measured(phases, folder)  # numba's cache warmed
        _, _, out = measured(phases, folder)
        found = json.loads(out.strip().splitlines()[-1])
        for phase, (seconds, mb) in found.items():
            print(f"| {phase} | {seconds:.2f} | {'' if mb is None else mb} | {load()} |", flush=True)
        # the phases reset the peak as they go (so does the kernel's count of it): the process's is their largest
        print(f"| (that process: its peak) | | {max(mb for _, mb in found.values() if mb is not None)} | {load()} |")
        wall, peak, _ = measured(cli + ["simulate", "--topology", "dense", "--model", args.model, "--integrator",
                                        "euler", "--duration", "10", "--seed", "1"], folder)
        print(f"| simulate, 10 ms (CLI) | {wall:.2f} | {peak} | {load()} |")


if __name__ == "__main__":
    main()
