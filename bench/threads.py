"""`simulate` wall time per thread setting, on a quiet machine and beside a busy process, and bit-identity.

    python bench/threads.py [--repeats 1] [--scale 1] [--only tvb76 --only syn998_10] [--snapshot]

Settings: default (neither NUMBA_NUM_THREADS nor CONNECTOME_THREADS set), 1 thread and 2 threads (both
variables set to N, and `--threads N` too if `python cli.py simulate --help` lists that flag). Conditions:
quiet (nothing else started by this script) and busy (one `python -c "while True: pass"` started beside the
runs, killed by its pid afterwards). Networks, imported into a temporary SQLite store with
`topology import`: tvb-data's connectivity_76 (76 regions, its tract lengths) and seeded synthetic
998-region graphs at 10 % and 100 % density (strengths uniform in (0, 1] with six decimals, tract lengths
uniform 10-150 mm with two, weights[i, j] = j -> i as TVB's; written as a TVB folder: weights.txt,
tract_lengths.txt, centres.txt). Models: the deterministic rate model (`--deterministic --neurons 1e7`)
and wilson-cowan (`--neurons 1000 --coupling A --seed 1`, A scaled down on the synthetic graphs as in
bench/vs_tvb_models.py so nothing runs away); all with `--speed 3 --record-every 1`, durations chosen so a
run takes a few seconds on a 2-core machine (`--scale` multiplies them).

Every run is a fresh `python cli.py simulate ... --json --output run.npz` process. Reported: the wall time
the run itself reports (`wall_s` of --json: the simulation as the engine times it, without Python start-up
and imports), and the whole process's wall time. Before the timed runs, one short untimed run per case and
setting fills the engine's compiled-kernel cache (a CONNECTOME_CACHE_DIR in the temporary folder), so no
timed run compiles. Settings are interleaved, the order rotated each repeat; the median of --repeats.
All outputs of a case (every setting, condition and repeat) are compared array by array with the first:
the runs must be bit-identical. Every child has a timeout; temporary folders are removed. `--snapshot` runs
the committed engine (`git archive HEAD`) instead of the working tree. Prints Markdown tables. Never run by
CI.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import first_run  # noqa: E402  (engine snapshot, machine line, load average, set-up runner)
import vs_tvb  # noqa: E402  (tvb-data)

ROOT = vs_tvb.ROOT
SETTINGS = ("default", "1", "2")
CONDITIONS = ("quiet", "busy")
THREAD_VARS = ("NUMBA_NUM_THREADS", "CONNECTOME_THREADS")
NETWORKS = ("tvb76", "syn998_10", "syn998_100")
# network, model, simulated ms (few seconds of simulation each on this 2-core machine)
CASES = [("tvb76", "rate", 20000.0), ("tvb76", "wilson-cowan", 10000.0),
         ("syn998_10", "rate", 1000.0), ("syn998_10", "wilson-cowan", 1000.0),
         ("syn998_100", "rate", 300.0), ("syn998_100", "wilson-cowan", 100.0)]
WC_A = 0.05  # the parity reference's a for wilson-cowan on connectivity_76


@dataclass
class Case:
    """One network and model; wall times per (condition, setting)."""

    network: str
    model: str
    duration: float
    argv: list[str]
    run_s: dict[tuple[str, str], list[float]] = field(default_factory=dict)
    process_s: dict[tuple[str, str], list[float]] = field(default_factory=dict)
    outputs: list[tuple[str, Path]] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    loads: dict[str, list[float]] = field(default_factory=dict)  # condition -> load before each run


def write_synthetic(folder: Path, n: int, density: float, seed: int) -> np.ndarray:
    """A seeded n-region graph as a TVB folder (weights[i, j] = j -> i); returns the weights."""
    rng = np.random.default_rng(seed)
    mask = rng.random((n, n)) < density
    np.fill_diagonal(mask, False)
    weights = np.where(mask, np.maximum(np.round(1.0 - rng.random((n, n)), 6), 1e-6), 0.0)
    tracts = np.where(mask, np.round(rng.uniform(10.0, 150.0, (n, n)), 2), 0.0)
    folder.mkdir(parents=True)
    np.savetxt(folder / "weights.txt", weights, fmt="%.6f")
    np.savetxt(folder / "tract_lengths.txt", tracts, fmt="%.2f")
    (folder / "centres.txt").write_text("".join(f"r{i:03d} 0 0 0\n" for i in range(n)))
    return weights


def spectral_radius(weights: np.ndarray) -> float:
    """The largest |eigenvalue| of the weights."""
    return float(np.abs(np.linalg.eigvals(weights)).max())


def prepare(args: argparse.Namespace, tmp: Path, source: Path) -> tuple[list[Case], bool]:
    """Import the networks; the command line of every case; whether `simulate` takes --threads."""
    zip76 = Path(args.tvb_data) / "connectivity_76.zip"
    if not zip76.exists():
        vs_tvb.ensure_data(Path(args.tvb_data), Path(sys.executable))
    env = {**os.environ, "CONNECTOME_CACHE_DIR": str(tmp / "cache")}
    if source != ROOT:
        env["PYTHONPATH"] = str(source)
    cli = [sys.executable, str(source / "cli.py"), "--db", str(tmp / "threads.db")]
    helptext = first_run.run([*cli, "simulate", "--help"], args.timeout, env=env, cwd=tmp).stdout
    wanted = args.only or list(NETWORKS)
    with np.load(first_run.REFERENCE / "tvb_wilson-cowan.npz", allow_pickle=True) as ref:
        rho76 = spectral_radius(np.asarray(ref["weights"], dtype=float))
    a = {}
    for network in wanted:
        start = time.perf_counter()
        if network == "tvb76":
            path, a[network] = zip76, WC_A
        else:
            density, seed = {"syn998_10": (0.10, 10), "syn998_100": (1.0, 100)}[network]
            path = tmp / network
            a[network] = WC_A * min(1.0, rho76 / spectral_radius(write_synthetic(path, 998, density, seed)))
        first_run.run([*cli, "topology", "import", str(path), "--name", network, "--format", "tvb"],
                      args.timeout, env=env, cwd=tmp)
        print(f"imported {network} ({time.perf_counter() - start:.0f} s)", file=sys.stderr)
    cases = []
    for network, model, duration in CASES:
        if network not in wanted or model not in args.models:
            continue
        common = ["simulate", "--topology", network, "--duration", f"{duration * args.scale:g}", "--speed", "3",
                  "--record-every", "1", "--json"]
        extra = (["--neurons", "1e7", "--deterministic"] if model == "rate" else
                 ["--neurons", "1000", "--model", model, "--coupling", f"{a[network]:.6g}", "--seed", "1"])
        cases.append(Case(network, model, duration * args.scale, [*cli, *common, *extra]))
    return cases, "--threads" in helptext


def environment(setting: str, tmp: Path, source: Path) -> dict[str, str]:
    """The child's environment for a thread setting (default: neither variable set)."""
    env = {k: v for k, v in os.environ.items() if k not in THREAD_VARS}
    env["CONNECTOME_CACHE_DIR"] = str(tmp / "cache")
    if source != ROOT:
        env["PYTHONPATH"] = str(source)
    if setting != "default":
        env.update({var: setting for var in THREAD_VARS})
    return env


def argv_for(case: Case, setting: str, flag: bool, duration: float | None = None) -> list[str]:
    """The case's command line, with --threads N if the CLI takes it, and another duration if given."""
    argv = list(case.argv)
    if duration is not None:
        argv[argv.index("--duration") + 1] = f"{duration:g}"
    if flag and setting != "default":
        argv += ["--threads", setting]
    return argv


def simulate(argv: list[str], env: dict[str, str], cwd: Path, timeout: float) -> tuple[float, dict | str]:
    """One bounded run: its process wall and its --json, or the failure."""
    start = time.perf_counter()
    try:
        done = subprocess.run(argv, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:  # run() has killed the child
        return time.perf_counter() - start, f"timeout {timeout:g} s"
    wall = time.perf_counter() - start
    if done.returncode:
        return wall, f"exit {done.returncode}: {done.stderr.strip().splitlines()[-1] if done.stderr.strip() else ''}"
    try:
        return wall, json.loads(done.stdout)
    except json.JSONDecodeError:
        return wall, {}


def start_busy() -> subprocess.Popen:
    """One process that holds a core."""
    busy = subprocess.Popen([sys.executable, "-c", "while True: pass"], stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    time.sleep(1.0)
    return busy


def stop_busy(busy: subprocess.Popen) -> None:
    """Kill the busy process by its pid; bounded wait."""
    busy.kill()
    try:
        busy.wait(timeout=10)
    except subprocess.TimeoutExpired:
        print(f"busy process {busy.pid} did not exit within 10 s", file=sys.stderr)


def measure(cases: list[Case], args: argparse.Namespace, tmp: Path, source: Path, flag: bool) -> dict[str, list]:
    """Warm the cache, then every condition, case, repeat and setting; the loads before each condition."""
    for case in cases:  # untimed: compile every kernel once into the shared cache
        for setting in SETTINGS:
            _, got = simulate(argv_for(case, setting, flag, duration=1.0), environment(setting, tmp, source), tmp,
                              args.timeout)
            if isinstance(got, str):
                case.failures.append(f"warm-up {setting}: {got}")
        print(f"warmed {case.network} {case.model}", file=sys.stderr)
    loads: dict[str, list] = {}
    for condition in args.conditions:
        busy = start_busy() if condition == "busy" else None
        try:
            loads[condition] = []
            for case in cases:
                for repeat in range(args.repeats):
                    k = repeat % len(SETTINGS)
                    for setting in SETTINGS[k:] + SETTINGS[:k]:
                        out = tmp / "out" / f"{case.network}-{case.model}-{condition}-{setting}-{repeat}.npz"
                        load = first_run.load1()
                        loads[condition].append(load)
                        case.loads.setdefault(condition, []).append(load)
                        wall, got = simulate([*argv_for(case, setting, flag), "--output", str(out)],
                                             environment(setting, tmp, source), tmp, args.timeout)
                        if isinstance(got, str):
                            case.failures.append(f"{condition} {setting}: {got}")
                            print(f"  {case.network} {case.model} {condition} {setting}: FAILED {got}",
                                  file=sys.stderr)
                            continue
                        case.process_s.setdefault((condition, setting), []).append(wall)
                        case.run_s.setdefault((condition, setting), []).append(float(got.get("wall_s", wall)))
                        case.outputs.append((f"{condition}/{setting}/{repeat}", out))
                        print(f"  {case.network} {case.model} {condition} {setting}: {got.get('wall_s', '?')} s "
                              f"(process {wall:.2f} s, load {load:.2f})", file=sys.stderr)
        finally:
            if busy is not None:
                stop_busy(busy)
    return loads


def identical(case: Case) -> str:
    """Whether every output of the case equals the first, array by array (bit for bit)."""
    if len(case.outputs) < 2:
        return "not enough outputs"
    first_name, first_path = case.outputs[0]
    with np.load(first_path) as first:
        ref = {k: first[k] for k in first.files}
    differ = []
    for name, path in case.outputs[1:]:
        with np.load(path) as other:
            if set(other.files) != set(ref):
                differ.append(f"{name}: other arrays {sorted(other.files)}")
                continue
            for key in ref:
                a, b = ref[key], other[key]
                if a.shape != b.shape or a.dtype != b.dtype:
                    differ.append(f"{name}: {key} shape/dtype differ")
                elif a.dtype.kind in "fc" and not np.array_equal(a.view(np.uint8), b.view(np.uint8)):
                    gap = float(np.nanmax(np.abs(a - b))) if a.size else 0.0
                    differ.append(f"{name}: {key} differs (max |diff| {gap:.3g})")
                elif a.dtype.kind not in "fc" and not np.array_equal(a, b):
                    differ.append(f"{name}: {key} differs")
    if differ:
        return f"**NOT identical** to {first_name}: " + "; ".join(differ)
    return f"bit-identical ({len(case.outputs)} outputs: every setting and condition)"


def load_range(values: list[float]) -> str:
    """The lowest and highest load average, or a dash."""
    return f"{min(values):.2f}–{max(values):.2f}" if values else "–"


def cell(values: list[float] | None) -> str:
    """A median, or a dash."""
    return f"{statistics.median(values):.2f}" if values else "–"


def print_tables(cases: list[Case], args: argparse.Namespace, loads: dict[str, list]) -> None:
    """The run times per setting, the whole-process times, the bit-identity checks."""
    for title, attr in (("the run's own wall time (`wall_s` of `simulate --json`)", "run_s"),
                        ("whole-process wall time (Python start-up and imports included)", "process_s")):
        print(f"\n{title}, s, median of {args.repeats}:\n")
        print("| network | model | sim ms | condition | default s | 1 thread s | 2 threads s | default/1-thread "
              "| load before runs |")
        print("| --- | --- | ---: | --- | ---: | ---: | ---: | ---: | --- |")
        for c in cases:
            times = getattr(c, attr)
            for condition in args.conditions:
                d, one = times.get((condition, "default")), times.get((condition, "1"))
                ratio = f"{statistics.median(d) / statistics.median(one):.2f}" if d and one else "–"
                print(f"| {c.network} | {c.model} | {c.duration:g} | {condition} | {cell(d)} | {cell(one)} "
                      f"| {cell(times.get((condition, '2')))} | {ratio} | {load_range(c.loads.get(condition, []))} |")
    print("\nBit-identity of the outputs (`--output` .npz, every array compared byte for byte with the first):\n")
    for c in cases:
        print(f"* {c.network} {c.model}: {identical(c)}")
    for c in cases:
        if c.failures:
            print(f"* {c.network} {c.model} failures: {'; '.join(c.failures)}")
    for condition, values in loads.items():
        if values:
            print(f"\nLoad average before the {condition} runs: {min(values):.2f}–{max(values):.2f}.", end="")
    print()


def parse_args() -> argparse.Namespace:
    """Command-line flags."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter,
                                 epilog="\n".join(__doc__.splitlines()[2:]))
    ap.add_argument("--repeats", type=int, default=1, help="timed runs per setting (median)")
    ap.add_argument("--scale", type=float, default=1.0, help="multiply every simulated duration")
    ap.add_argument("--only", action="append", choices=NETWORKS, help="run only these networks (repeatable)")
    ap.add_argument("--models", nargs="+", choices=("rate", "wilson-cowan"), default=["rate", "wilson-cowan"])
    ap.add_argument("--conditions", nargs="+", choices=CONDITIONS, default=list(CONDITIONS))
    ap.add_argument("--tvb-data", default="/work/tvb-data", help="folder with connectivity_76.zip (fetched if absent)")
    ap.add_argument("--snapshot", action="store_true",
                    help="run the committed engine (git archive HEAD) instead of the working tree")
    ap.add_argument("--timeout", type=float, default=600.0, help="seconds allowed to each child process")
    return ap.parse_args()


def main() -> None:
    """Prepare, measure, print."""
    args = parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="threads_"))
    try:
        (tmp / "out").mkdir()
        source, revision = first_run.engine_source(tmp, args.snapshot, args.timeout)
        cases, flag = prepare(args, tmp, source)
        loads = measure(cases, args, tmp, source, flag)
        print(first_run.machine_line(revision))
        print(f"`--threads N` passed: {'yes' if flag else 'no (simulate --help does not list it)'}; "
              f"NUMBA_NUM_THREADS and CONNECTOME_THREADS set to N for the N-thread settings, neither for default. "
              f"Busy: one `python -c \"while True: pass\"` beside the runs.")
        print_tables(cases, args, loads)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
