"""Benchmark: the engine's cost per step against the physical floor of a step, for every model and integrator.

Graphs: the synthetic 998-region graphs of bench/vs_tvb.py, `synthetic(998, 1.0, seed=100)` (dense, 995,006
projections) and `synthetic(998, 0.10, seed=10)`; delays from their tract lengths at 3 mm/ms, dt 0.1 ms
(delays of 33-500 steps; every run is longer than the longest delay, so no delay is held at the run's end).

a. `numpy`: the floor without delays, a loop of `np.dot(W, x, out=y)` (W the dense 998 x 998 float64 weights,
   rows scaled to sum to 1 so that x stays finite and never subnormal; the values do not change the cost).
b. `gather`: the floor with delays, hand-written numba loops summing W[t, s] * history[s, k - d[t, s]] from a
   ring of the past, in several layouts (source-major with int16 or int32 delays, target-major with a
   vectorised gather, a time-major ring); the fastest float64 layout is the floor. `src-f32` (float32 weights
   and ring) is shown for the optional float32 precision and is never the floor.
c. `models`: the engine (`prepare` + `run`, the layout `auto` chooses: dense) for every model with Euler, on the
   dense graph without and with delays.
d. `integrators`: every model x every integrator it takes, on the graph at 10 % with delays; the ratio to the
   same model's Euler. Stochastic schemes run with D = 1e-6 on the first variable.

Engine runs: coupling `raw`, deterministic unless the scheme is stochastic, seed 1, recording every 1 ms,
`a` the parity reference's (tests/reference/tvb_<model>.npz; 0.01 for the rate model) times
min(1, rho_76 / rho, s_76 / s) as in bench/vs_tvb_models.py. Each child prepares once and runs twice (the
first run loads the compiled kernel, untimed); "per step" is the time inside the compiled kernel's calls
divided by the steps (the whole `run` call is given too, per simulated second).

Every figure is a fresh child process, the sides interleaved (order rotated each repeat), the median of
`--repeats`; each child records the 1-minute load average when it ends, printed beside its figure. `--busy`:
every figure beside a busy process (one `python -c "while True: pass"` started first, as bench/threads.py
does, and killed by its pid at the end). Threads:
`1` (NUMBA_NUM_THREADS, OMP_NUM_THREADS, OPENBLAS_NUM_THREADS, MKL_NUM_THREADS = 1) and `default` (none set).
The engine is the installed package, or with `--snapshot` a `git archive HEAD` copy of connectome/ put first
on sys.path (its compiled kernels in a fresh cache folder). Prints Markdown tables. Never run by CI.

Usage: python bench/floor.py [--quick] [--only numpy --only gather --only models --only integrators]
       [--threads 1 --threads default] [--models wilson-cowan rate] [--repeats 3] [--snapshot] [--busy]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
from importlib.metadata import version
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import threads as busy_process  # noqa: E402  (the busy process beside the runs)
import vs_tvb  # noqa: E402  (the synthetic graphs, TVB's orientation of their arrays, the engine's revision)

ROOT = vs_tvb.ROOT
DT_MS, SPEED_MM_PER_MS, RECORD_MS = 0.1, 3.0, 1.0
PARTS = ("numpy", "gather", "models", "integrators")
MODELS = ("linear", "wilson-cowan", "reduced-wong-wang", "montbrio-pazo-roxin", "jansen-rit", "kuramoto", "rate")
INTEGRATORS = ("euler", "heun", "heun-tvb", "euler-maruyama", "heun-stochastic", "heun-tvb-stochastic")
RATE_INTEGRATORS = ("euler", "exponential-euler")
SINGLE = {name: "1" for name in ("NUMBA_NUM_THREADS", "OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")}

PRELUDE = r"""
import json, os, sys, time
def done(**fields):
    print(json.dumps({**fields, "load": os.getloadavg()[0]}))
"""

NUMPY_CHILD = PRELUDE + r"""
import numpy as np
p, W = json.loads(sys.argv[2]), np.load(sys.argv[1])["weights"]
W = W / W.sum(axis=1, keepdims=True)
x, y = np.linspace(0.1, 0.9, W.shape[0]), np.empty(W.shape[0])
for _ in range(50):
    np.dot(W, x, out=y)
start = time.perf_counter()
for _ in range(p["steps"]):
    np.dot(W, x, out=y)
    x, y = y, x
done(per_step_s=(time.perf_counter() - start) / p["steps"], finite=bool(np.isfinite(x).all()))
"""

GATHER_CHILD = PRELUDE + r"""
import numpy as np, numba
from numba import njit, prange

@njit(nogil=True, parallel=True)
def src_major(steps, W, d, hist, x, part):  # W[s, t], d[s, t]; hist[s, 2L] (each step written twice)
    R, size = x.shape[0], hist.shape[1] // 2
    chunks = numba.get_num_threads()
    for k in range(steps):
        slot = k % size
        for s in range(R):
            hist[s, slot] = hist[s, slot + size] = x[s]
        base = slot + size
        for c in prange(chunks):  # each thread its own targets, every source
            lo, hi = c * R // chunks, (c + 1) * R // chunks
            for t in range(lo, hi):
                part[t] = 0.0
            for s in range(R):
                w, dd, h = W[s], d[s], hist[s]
                for t in range(lo, hi):
                    part[t] += w[t] * h[base - dd[t]]
        for t in range(R):
            x[t] = part[t]

@njit(nogil=True, parallel=True, fastmath=True)
def tgt_major(steps, W, d, hist, x, part):  # W[t, s], d[t, s]: a row's gather vectorised (reassociated)
    R, size = x.shape[0], hist.shape[1] // 2
    for k in range(steps):
        slot = k % size
        for s in range(R):
            hist[s, slot] = hist[s, slot + size] = x[s]
        base = slot + size
        for t in prange(R):
            w, dd = W[t], d[t]
            acc = 0.0
            for s in range(R):
                acc += w[s] * hist[s, base - dd[s]]
            part[t] = acc
        for t in range(R):
            x[t] = part[t]

@njit(nogil=True, parallel=True)
def time_major(steps, W, d, hist, x, part):  # W[s, t], d[s, t]; hist[2L, s]: one contiguous row per step
    R, size = x.shape[0], hist.shape[0] // 2
    chunks = numba.get_num_threads()
    for k in range(steps):
        slot = k % size
        for s in range(R):
            hist[slot, s] = hist[slot + size, s] = x[s]
        base = slot + size
        for c in prange(chunks):
            lo, hi = c * R // chunks, (c + 1) * R // chunks
            for t in range(lo, hi):
                part[t] = 0.0
            for s in range(R):
                w, dd = W[s], d[s]
                for t in range(lo, hi):
                    part[t] += w[t] * hist[base - dd[t], s]
        for t in range(R):
            x[t] = part[t]

data, p = np.load(sys.argv[1]), json.loads(sys.argv[2])
W = data["weights"] / data["weights"].sum(axis=1, keepdims=True)  # W[t, s]
D = np.floor(data["tract_lengths"] / (p["speed"] * p["dt"]) + 0.5).astype(np.int64) * (W != 0)
n, L = W.shape[0], int(D.max()) + 1
x0 = np.linspace(0.1, 0.9, n)
ring = lambda dtype=np.float64: np.ascontiguousarray(np.broadcast_to(x0[:, None], (n, 2 * L)), dtype=dtype)
Ws, Ds = np.ascontiguousarray(W.T), np.ascontiguousarray(D.T)
layouts = {"src-int16": (src_major, (Ws, Ds.astype(np.int16), ring(), x0.copy(), np.zeros(n))),
           "src-int32": (src_major, (Ws, Ds.astype(np.int32), ring(), x0.copy(), np.zeros(n))),
           "tgt-int16": (tgt_major, (W, D.astype(np.int16), ring(), x0.copy(), np.zeros(n))),
           "time-major": (time_major, (Ws, Ds.astype(np.int16), np.ascontiguousarray(ring().T), x0.copy(),
                                       np.zeros(n))),
           "src-f32": (src_major, (Ws.astype(np.float32), Ds.astype(np.int16), ring(np.float32),
                                   x0.astype(np.float32), np.zeros(n, np.float32)))}
out = {}
for name in p["layouts"]:
    f, args = layouts[name]
    f(2, *args)  # compiles
    start = time.perf_counter()
    f(p["steps"], *args)
    out[name] = (time.perf_counter() - start) / p["steps"]
done(per_step_s=out, max_delay=int(D.max()), threads=numba.get_num_threads())
"""

ENGINE_CHILD = PRELUDE + r"""
import pickle
import numpy as np
p = json.loads(sys.argv[2])
if p["src"]:
    sys.path.insert(0, p["src"])
import connectome
from connectome.sim import make_spec, prepare, run
assert not p["src"] or connectome.__file__.startswith(p["src"]), connectome.__file__
try:  # the time inside the compiled kernel's calls: wrap the loop's kernel getter where it has one
    from connectome.sim import loop
    inner, kernel_s = loop.kernel, [0.0]
    def timed_kernel(*args, **kwargs):
        steps = inner(*args, **kwargs)
        def timed(*a):
            start = time.perf_counter()
            steps(*a)
            kernel_s[0] += time.perf_counter() - start
        return timed
    loop.kernel = timed_kernel
except (ImportError, AttributeError):
    kernel_s = None
with open(sys.argv[1], "rb") as fh:
    graph = pickle.load(fh)
from connectome.sim.models import get_model
variables = get_model(p["model"]).state_variables
first, spread = variables[0].name, 0.25 + 0.5 * ((np.arange(graph.number_of_nodes()) * 0.6180339887) % 1.0)
initial = {v.name: (v.low + (v.high - v.low) * spread).tolist() for v in variables}  # the parity references' state
kw = dict(model=p["model"], integrator=p["integrator"], coupling=p["a"], coupling_mode="raw", dt_ms=p["dt"],
          speed_mm_per_ms=p["speed"] if p["delays"] else None, delays=p["delays"], record_every_ms=p["record"], seed=1,
          deterministic=not p["noise"], noise={first: 1e-6} if p["noise"] else {},
          initial=None if p["model"] == "rate" else initial)  # the rate model starts at rest
start = time.perf_counter()
prepared = prepare(graph, make_spec(p["neurons"], duration_ms=p["duration"], **kw))
prepare_s = time.perf_counter() - start
run(prepared)  # loads (or compiles) the kernel: untimed
if kernel_s:
    kernel_s[0] = 0.0
start = time.perf_counter()
result = run(prepared)
run_s = time.perf_counter() - start
done(run_s=run_s, kernel_s=kernel_s[0] if kernel_s else None, steps=result.steps, layout=result.kernel,
     prepare_s=prepare_s, max_delay=prepared.plan.max_delay, projections=prepared.plan.projections)
"""


def machine_line(revision: str) -> str:
    """CPU model, cores, platform, versions and the engine's revision."""
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor() or platform.machine())
    return (f"Machine: {cpu}, {os.cpu_count()} cores, {platform.platform()}; Python {platform.python_version()}, "
            f"numpy {version('numpy')}, numba {version('numba')}; engine at {revision}.")


def scale(weights: np.ndarray, base: np.ndarray) -> float:
    """min(1, rho_base / rho, s_base / s): spectral radius and mean in-strength against connectivity_76's."""
    rho = lambda w: float(np.max(np.abs(np.linalg.eigvals(w))))  # noqa: E731
    s = lambda w: float(w.sum(axis=1).mean())  # noqa: E731
    return min(1.0, rho(base) / rho(weights), s(base) / s(weights))


class Setup:
    """The graphs on disk (pickle for the engine, TVB-oriented .npz for the floors), the engine's source."""

    def __init__(self, args: argparse.Namespace, tmp: Path):
        import pickle

        self.args, self.tmp, self.src, self.env = args, tmp, "", {}
        self.revision = vs_tvb.engine_revision()
        if args.snapshot:  # HEAD's connectome/, unaffected by edits to the working tree during the run
            archive = subprocess.run(["git", "archive", "HEAD", "connectome"], cwd=ROOT, capture_output=True, check=True)
            (tmp / "engine").mkdir()
            subprocess.run(["tar", "-x", "-C", str(tmp / "engine")], input=archive.stdout, check=True)
            head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True)
            self.src, self.env = str(tmp / "engine"), {"CONNECTOME_CACHE_DIR": str(tmp / "cache")}
            self.revision = f"{head.stdout.strip()} (snapshot of HEAD's connectome/, fresh kernel cache)"
        self.files: dict[str, tuple[Path, Path]] = {}
        self.weights: dict[str, np.ndarray] = {}
        for name, density, seed in (("dense", 1.0, 100), ("10%", 0.10, 10)):
            graph = vs_tvb.synthetic(998, density, seed=seed)
            paths = (tmp / f"{seed}.pickle", tmp / f"{seed}.npz")
            with open(paths[0], "wb") as fh:
                pickle.dump(graph, fh, protocol=pickle.HIGHEST_PROTOCOL)
            arrays = vs_tvb.tvb_arrays(graph)
            np.savez(paths[1], weights=arrays["weights"], tract_lengths=arrays["tract_lengths"])
            self.files[name], self.weights[name] = paths, arrays["weights"]
        self.scales: dict[str, float] = {}

    def coupling(self, model: str, graph: str) -> float:
        """The parity reference's a (0.01 for the rate model), scaled to the graph."""
        reference = ROOT / "tests" / "reference" / f"tvb_{model}.npz"
        if not reference.exists():
            return 0.01
        data = np.load(reference)
        key = f"{graph}/{model}"
        if key not in self.scales:
            self.scales[key] = scale(self.weights[graph], data["weights"])
        return float(data["coupling_a"]) * self.scales[key]

    def engine(self, graph: str, model: str, integrator: str, delays: bool, duration: float) -> list[str]:
        """An engine child's command line."""
        p = {"model": model, "integrator": integrator, "a": self.coupling(model, graph), "dt": DT_MS,
             "speed": SPEED_MM_PER_MS, "delays": delays, "record": RECORD_MS, "duration": duration,
             "neurons": 10**6 if model == "rate" else None, "src": self.src,
             "noise": integrator in ("euler-maruyama", "heun-stochastic", "heun-tvb-stochastic")}
        return [sys.executable, "-c", ENGINE_CHILD, str(self.files[graph][0]), json.dumps(p)]


def child(cmd: list[str], threads: str, extra: dict[str, str]) -> dict:
    """Run one child (one thread, or the default threads) and return its JSON line, or {"error": ...}."""
    env = {k: v for k, v in os.environ.items() if k not in SINGLE}
    env.update(extra)
    if threads == "1":
        env.update(SINGLE)
    done = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT, env=env, timeout=1800)
    if done.returncode != 0:
        return {"error": done.stderr.strip().splitlines()[-1] if done.stderr.strip() else f"exit {done.returncode}"}
    return json.loads(done.stdout.strip().splitlines()[-1])


def interleaved(sides: dict[str, tuple[list[str], str]], repeats: int, env: dict[str, str]) -> dict[str, list[dict]]:
    """Every side `repeats` times, the order rotated each repeat; progress on stderr."""
    keys, out = list(sides), {key: [] for key in sides}
    for r in range(repeats):
        for key in keys[r % len(keys):] + keys[:r % len(keys)]:
            cmd, threads = sides[key]
            out[key].append(child(cmd, threads, env))
            print(f"  {key} [{r + 1}/{repeats}]: {summary(out[key][-1])}", file=sys.stderr, flush=True)
    return out


def summary(result: dict) -> str:
    """One child's result in a few words, for the progress lines."""
    if "error" in result:
        return f"FAILED {result['error']}"
    shown = {k: v for k, v in result.items() if k in ("per_step_s", "kernel_s", "run_s", "load")}
    return json.dumps(shown)[:200]


def median(results: list[dict], key: str, sub: str | None = None) -> float:
    """The median of `key` (or `key[sub]`) over the children that did not fail (nan if none)."""
    values = [r[key][sub] if sub else r[key] for r in results if "error" not in r and r.get(key) is not None]
    return statistics.median(values) if values else float("nan")


def loads(results: list[dict]) -> str:
    """The children's load averages."""
    return "/".join(f"{r['load']:.1f}" for r in results if "load" in r) or "–"


GATHER_LAYOUTS = ("src-int16", "src-int32", "tgt-int16", "time-major", "src-f32")


def floor_sides(setup: Setup, args: argparse.Namespace) -> dict[str, tuple[list[str], str]]:
    """Parts a and b: the numpy loop and the numba gathers, per thread setting."""
    sides = {}
    npz = str(setup.files["dense"][1])
    for threads in args.threads:
        if "numpy" in args.only:
            p = {"steps": 500 if args.quick else 2000}
            sides[f"numpy/{threads}"] = ([sys.executable, "-c", NUMPY_CHILD, npz, json.dumps(p)], threads)
        if "gather" in args.only:
            p = {"steps": 300 if args.quick else 1000, "speed": SPEED_MM_PER_MS, "dt": DT_MS, "layouts": GATHER_LAYOUTS}
            sides[f"gather/{threads}"] = ([sys.executable, "-c", GATHER_CHILD, npz, json.dumps(p)], threads)
    return sides


def model_sides(setup: Setup, args: argparse.Namespace) -> dict[str, tuple[list[str], str]]:
    """Part c: every model with Euler on the dense graph, without and with delays, per thread setting."""
    duration = 60.0 if args.quick else 100.0
    return {f"models/{model}/{delays}/{threads}": (setup.engine("dense", model, "euler", delays, duration), threads)
            for model in args.models for delays in (False, True) for threads in args.threads}


def integrator_sides(setup: Setup, args: argparse.Namespace) -> dict[str, tuple[list[str], str]]:
    """Part d: every model x integrator on the graph at 10 % with delays, per thread setting."""
    duration = 60.0 if args.quick else 200.0
    return {f"integrators/{model}/{integrator}/{threads}": (setup.engine("10%", model, integrator, True, duration),
                                                            threads)
            for model in args.models for integrator in (RATE_INTEGRATORS if model == "rate" else INTEGRATORS)
            for threads in args.threads}


def per_step(results: list[dict]) -> float:
    """The median time per step inside the kernel (the whole run's where the kernel could not be timed)."""
    values = [(r["kernel_s"] if r.get("kernel_s") is not None else r["run_s"]) / r["steps"]
              for r in results if "error" not in r]
    return statistics.median(values) if values else float("nan")


def us(seconds: float) -> str:
    """Seconds as microseconds, and per simulated second (at dt 0.1 ms: 10,000 steps)."""
    return f"{seconds * 1e6:.0f} | {seconds * 1000.0 / DT_MS:.2f}"


def errors(results: list[dict]) -> str:
    """The first failure of a side, if any."""
    failed = [r["error"] for r in results if "error" in r]
    return f" (failed {len(failed)}x: {failed[0][:80]})" if failed else ""


def print_floors(runs: dict[str, list[dict]], args: argparse.Namespace) -> dict[str, float]:
    """Tables a and b; returns the floors per step by name ('numpy/1', 'gather/default', ...)."""
    floors: dict[str, float] = {}
    print("\n### Floors (dense 998 x 998, per step and per simulated second at dt 0.1 ms)\n")
    print("| floor | threads | µs/step | s per simulated s | load (children) |")
    print("| --- | --- | ---: | ---: | --- |")
    for threads in args.threads:
        key = f"numpy/{threads}"
        if key in runs:
            floors[key] = median(runs[key], "per_step_s")
            print(f"| (a) numpy `W @ x`{errors(runs[key])} | {threads} | {us(floors[key])} | {loads(runs[key])} |")
        key = f"gather/{threads}"
        if key in runs:
            times = {name: median(runs[key], "per_step_s", name) for name in GATHER_LAYOUTS}
            best = min((name for name in times if name != "src-f32"), key=lambda name: times[name])
            floors[key] = times[best]
            for name, value in times.items():
                mark = " (the floor)" if name == best else " (float32, not a floor)" if name == "src-f32" else ""
                print(f"| (b) numba gather {name}{mark}{errors(runs[key])} | {threads} | {us(value)} "
                      f"| {loads(runs[key])} |")
    return floors


def print_models(runs: dict[str, list[dict]], floors: dict[str, float], args: argparse.Namespace) -> None:
    """Table c: the engine per step against the floors."""
    print("\n### (c) Every model, Euler, dense 998-region graph (995,006 projections)\n")
    print("| model | threads | delays | µs/step | s per simulated s | whole `run` s per simulated s | floor µs/step "
          "| ratio | load (children) |")
    print("| --- | --- | --- | ---: | ---: | ---: | ---: | ---: | --- |")
    for model in args.models:
        for delays in (False, True):
            for threads in args.threads:
                results = runs[f"models/{model}/{delays}/{threads}"]
                step = per_step(results)
                whole = median(results, "run_s") / (median(results, "steps") * DT_MS) * 1000.0
                floor = floors.get(f"{'gather' if delays else 'numpy'}/{threads}", float("nan"))
                ratio = step / floor
                print(f"| {model}{errors(results)} | {threads} | {'yes' if delays else 'no'} | {us(step)} | {whole:.2f} "
                      f"| {floor * 1e6:.0f} | {ratio:.2f} | {loads(results)} |")


def print_integrators(runs: dict[str, list[dict]], args: argparse.Namespace) -> None:
    """Table d: every model x integrator, with delays, on the graph at 10 %, against the model's Euler."""
    print("\n### (d) Every model x integrator, 998-region graph at 10 % with delays\n")
    print("| model | integrator | threads | µs/step | s per simulated s | ratio to Euler | load (children) |")
    print("| --- | --- | --- | ---: | ---: | ---: | --- |")
    for model in args.models:
        for threads in args.threads:
            euler = per_step(runs[f"integrators/{model}/euler/{threads}"])
            for integrator in RATE_INTEGRATORS if model == "rate" else INTEGRATORS:
                results = runs[f"integrators/{model}/{integrator}/{threads}"]
                step = per_step(results)
                ratio = step / euler
                print(f"| {model}{errors(results)} | {integrator} | {threads} | {us(step)} | {ratio:.2f} "
                      f"| {loads(results)} |")


def parse_args() -> argparse.Namespace:
    """Command-line flags."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true", help="short durations (60 ms runs, fewer floor steps)")
    ap.add_argument("--only", action="append", choices=PARTS, help="parts to run (repeatable; default all)")
    ap.add_argument("--threads", action="append", choices=("1", "default"), help="thread settings (default both)")
    ap.add_argument("--models", nargs="+", choices=MODELS, default=list(MODELS), help="models of parts c and d")
    ap.add_argument("--repeats", type=int, default=3, help="children per figure (the median is shown)")
    ap.add_argument("--snapshot", action="store_true", help="run a `git archive HEAD` copy of connectome/")
    ap.add_argument("--busy", action="store_true", help="every figure beside a busy process")
    args = ap.parse_args()
    args.only, args.threads = args.only or list(PARTS), args.threads or ["1", "default"]
    return args


def main() -> None:
    args = parse_args()
    busy = busy_process.start_busy() if args.busy else None
    try:
        measure(args)
    finally:
        if busy is not None:
            busy_process.stop_busy(busy)


def measure(args: argparse.Namespace) -> None:
    """Every part asked for, its tables printed."""
    with tempfile.TemporaryDirectory(prefix="floor-") as folder:
        setup = Setup(args, Path(folder))
        beside = " Beside a busy process (one `python -c \"while True: pass\"`)." if args.busy else ""
        print(f"{machine_line(setup.revision)} Load at start: {os.getloadavg()[0]:.2f}.{beside}")
        sides = floor_sides(setup, args)
        if "models" in args.only:
            sides.update(model_sides(setup, args))
        runs = interleaved(sides, args.repeats, setup.env) if sides else {}
        floors = print_floors(runs, args)
        if "models" in args.only:
            if not floors:
                print("\n(the ratios of table c need the floors: add --only numpy --only gather)")
            print_models(runs, floors, args)
        if "integrators" in args.only:
            print_integrators(interleaved(integrator_sides(setup, args), args.repeats, setup.env), args)
        print(f"\nLoad at end: {os.getloadavg()[0]:.2f}.")


if __name__ == "__main__":
    main()
