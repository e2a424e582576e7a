"""The peers' side of the sweep benchmark: the same 64 points run by neurolib, TVB and vbjax, each its own best way.

    python bench/sweep_peers.py [--points 64] [--duration 2000] [--only neurolib --only tvb --only vbjax]

The points: Wilson–Cowan on tvb-data's connectivity_76 (weights and tract lengths read with
`connectome.formats.read` and given to every peer as TVB's arrays, weights[i, j] = j -> i, as
bench/vs_tvb_models.py does), `duration` ms simulated per point, dt 0.1 ms, delays at 3 mm/ms, E recorded
every 1 ms, deterministic; coupling a over `points // 4` values evenly from 0 to 0.2 × 4 seeds (a seed
changes only the initial state: E and I per region uniform in [0.05, 0.15], drawn from the seed, constant
over t <= 0). Each point is scored as connectome's sweep scores it (the FC of E against the SC: Pearson's r
of their upper triangles), inside the timed sweep.

Each peer runs in its own virtual environment, in one child process per peer:
  * neurolib 0.6.2: one `WCModel` re-used, K_gl and the initial state changed, `model.run()` in a loop.
    neurolib integrates with Euler only and has its own Wilson–Cowan parameters (a cost comparison).
  * TVB 2.10: a `Simulator` per point (WilsonCowan, coupling.Linear(a), HeunDeterministic, SubSample 1 ms),
    configured and run in a loop. If the first 16 points took longer than `tvb_budget_s` × 16 / points, the
    loop stops there and its time is scaled to all the points (said in the table).
  * vbjax: `jax.jit(jax.vmap(run))` over all the points at once, run = vbjax's delayed Heun (`make_sdde`,
    deterministic) with the delays of `make_delay_helper` (lags rounded down, as vbjax does), TVB's
    Wilson–Cowan equations, in chunks of 100 ms whose buffer is rolled on (as `make_continuation` does),
    float32 (JAX's default), on the CPU. `vbjax-pmap`: the same under `jax.pmap` over the CPU devices that
    vbjax sets up (one per core), as vbjax's README does on a CPU.

Per peer: the sweep's wall time (the loop, or the compile plus the vmapped call, timed in the child), the
whole child's wall time (imports included, timed here), points per second, the child's peak RSS (VmHWM),
the 1-minute load average before and after. `run_peers` returns the rows for bench/sweep.py. Never run by CI.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import first_run  # noqa: E402  (ensure_neurolib)
import vs_tvb  # noqa: E402  (ensure_tvb, tvb_arrays, ensure_data)

ROOT = vs_tvb.ROOT
PEERS = ("neurolib", "tvb", "vbjax", "vbjax-pmap")
DEFAULT_PEERS = ("neurolib", "tvb", "vbjax")
DT_MS, RECORD_MS, SPEED_MM_PER_MS, SEEDS, MAX_COUPLING = 0.1, 1.0, 3.0, 4, 0.2
VBJAX_REQUIREMENTS = ("jax[cpu]==0.10.2", "jaxlib==0.10.2", "vbjax", "tqdm")  # vbjax imports tqdm, undeclared
VENVS = {"tvb": "/work/tvb-venv", "neurolib": "/work/neurolib-venv", "vbjax": "/work/vbjax-venv"}
ZIPS = ("/work/tvb-data/connectivity_76.zip", "/tmp/h22/connectivity_76.zip")

PRELUDE = r"""
import json, sys, time, warnings
warnings.filterwarnings("ignore")
import numpy as np
def hwm():  # this process's peak RSS (ru_maxrss would report the parent's, kept across vfork + exec)
    return next(int(line.split()[1]) * 1024 for line in open("/proc/self/status") if line.startswith("VmHWM"))
p, data = json.loads(sys.argv[2]), np.load(sys.argv[1])
W, L = data["weights"], data["tract_lengths"]
n = W.shape[0]
iu = np.triu_indices(n, 1)
def initial(seed):
    rng = np.random.default_rng(seed)
    return rng.uniform(0.05, 0.15, n), rng.uniform(0.05, 0.15, n)
def score(e):  # e: (samples, n); the FC's upper triangle against the SC's (Pearson's r)
    return float(np.corrcoef(np.corrcoef(e.T)[iu], W[iu])[0, 1])
def report(**kw):
    print(json.dumps({**kw, "peak_rss": hwm()}))
"""

NEUROLIB_CHILD = PRELUDE + r"""
import logging
logging.disable(logging.WARNING)
from importlib.metadata import version
from neurolib.models.wc import WCModel
model = WCModel(Cmat=W, Dmat=L, seed=0)  # Cmat[i, j]: j -> i, as TVB's
model.params.update(dt=p["dt"], signalV=p["speed"], sigma_ou=0.0, sampling_dt=p["record"], duration=p["duration"])
scores, first = [], None
start, cpu0 = time.perf_counter(), time.process_time()
for a, seed in p["points"]:
    e0, i0 = initial(seed)
    model.params.update(K_gl=a, exc_init=e0[:, None], inh_init=i0[:, None])
    model.run()
    scores.append(score(np.asarray(model.outputs["exc"]).T))
    first = first or time.perf_counter() - start
sweep_s, sweep_cpu_s = time.perf_counter() - start, time.process_time() - cpu0
report(sweep_s=sweep_s, sweep_cpu_s=sweep_cpu_s, first_s=first, run=len(scores), scores=scores,
       version="neurolib " + version("neurolib"), samples=int(np.asarray(model.outputs["exc"]).shape[1]))
"""

TVB_CHILD = PRELUDE + r"""
from importlib.metadata import version
from tvb.datatypes import connectivity
from tvb.simulator import coupling, integrators, models, monitors, simulator
conn = connectivity.Connectivity(weights=W, tract_lengths=L, centres=np.zeros((n, 3)),
                                 region_labels=np.array([f"r{i}" for i in range(n)]), speed=np.array([p["speed"]]))
horizon = int(np.rint(L / p["speed"] / p["dt"]).max()) + 1
scores, first, samples = [], None, 0
start, cpu0 = time.perf_counter(), time.process_time()
for k, (a, seed) in enumerate(p["points"]):
    history = np.empty((horizon, 2, n, 1))
    history[:, 0, :, 0], history[:, 1, :, 0] = initial(seed)
    sim = simulator.Simulator(connectivity=conn, model=models.WilsonCowan(), coupling=coupling.Linear(a=np.array([a])),
                              integrator=integrators.HeunDeterministic(dt=p["dt"]), initial_conditions=history,
                              monitors=(monitors.SubSample(period=p["record"]),), simulation_length=p["duration"])
    sim.configure()
    (times, states), = sim.run()
    scores.append(score(states[:, 0, :, 0]))
    samples = len(times)
    first = first or time.perf_counter() - start
    if k + 1 == 16 < len(p["points"]) and time.perf_counter() - start > p["budget_s"] * 16 / len(p["points"]):
        break
sweep_s, sweep_cpu_s = time.perf_counter() - start, time.process_time() - cpu0
report(sweep_s=sweep_s, sweep_cpu_s=sweep_cpu_s, first_s=first, run=len(scores), scores=scores,
       version="TVB " + version("tvb-library"), samples=samples)
"""

VBJAX_CHILD = PRELUDE + r"""
import jax, jax.numpy as jp
import vbjax as vb
from importlib.metadata import version
steps, every = round(p["duration"] / p["dt"]), round(p["record"] / p["dt"])
chunk = min(steps, 1000)  # 100 ms per chunk; the buffer holds the history and one chunk
assert steps % chunk == 0 and chunk % every == 0, (steps, chunk, every)
dh = vb.make_delay_helper(weights=jp.array(W.T), lengths=jp.array(L), dt=p["dt"], v_c=p["speed"])
nh = int(dh.max_lag)
Wd = dh.Wt[:, :, 0]  # Wd[i, j] = W[i, j], the strength of j -> i
def dfun(buf, x, t, a):  # TVB's WilsonCowan (default parameters, shifted sigmoid), coupling from E
    E, I = x[0], x[1]
    c = a * (Wd * buf[t - dh.lags, 0, dh.ix_lag_from]).sum(axis=1)
    s = lambda z, g, b: 1.0 / (1.0 + jp.exp(-g * (z - b))) - 1.0 / (1.0 + jp.exp(g * b))
    se, si = s(12.0 * E - 4.0 * I + c, 1.2, 2.8), s(13.0 * E - 11.0 * I, 1.0, 4.0)
    return jp.stack([(-E + (1.0 - E) * se) / 10.0, (-I + (1.0 - I) * si) / 10.0])
_, loop = vb.make_sdde(p["dt"], nh, dfun, 0.0, unroll=10)
wu = jp.array(W[iu])
def run(a, x0):
    buf = jp.zeros((nh + 1 + chunk, 2, n)).at[:nh + 1].set(x0[None])
    def step(buf, _):
        buf, xs = loop(buf, a)
        return jp.roll(buf, -chunk, axis=0), xs[every - 1::every, 0]
    _, es = jax.lax.scan(step, buf, None, length=steps // chunk)
    fc = jp.corrcoef(es.reshape(-1, n).T)
    return jp.corrcoef(fc[iu], wu)[0, 1]
a = np.array([a for a, _ in p["points"]], dtype=np.float32)
x0 = np.array([np.stack(initial(seed)) for _, seed in p["points"]], dtype=np.float32)
devices = jax.local_device_count()
if p["pmap"]:
    assert len(a) % devices == 0, (len(a), devices)
    sweep = jax.pmap(jax.vmap(run))
    a, x0 = a.reshape(devices, -1), x0.reshape(devices, -1, 2, n)
start, cpu0 = time.perf_counter(), time.process_time()
if not p["pmap"]:
    sweep = jax.jit(jax.vmap(run)).lower(a, x0).compile()
    compile_s = time.perf_counter() - start
scores = np.asarray(sweep(a, x0).block_until_ready()).ravel()
sweep_s, sweep_cpu_s = time.perf_counter() - start, time.process_time() - cpu0
report(sweep_s=sweep_s, sweep_cpu_s=sweep_cpu_s, first_s=None if p["pmap"] else compile_s, run=len(scores),
       scores=scores.tolist(), version=f"vbjax {version('vbjax')}, jax {jax.__version__}", samples=steps // every,
       devices=devices, max_lag=nh)
"""

CHILDREN = {"neurolib": NEUROLIB_CHILD, "tvb": TVB_CHILD, "vbjax": VBJAX_CHILD, "vbjax-pmap": VBJAX_CHILD}
HOW = {"neurolib": "WCModel.run() loop, one model (Euler: neurolib has no Heun)",
       "tvb": "Simulator per point, configure + run loop (Heun)",
       "vbjax": "jax.jit(jax.vmap) over the points, delayed Heun, float32, CPU",
       "vbjax-pmap": "jax.pmap over the cores of jax.vmap, delayed Heun, float32, CPU"}


def points_of(points: int) -> list[tuple[float, int]]:
    """(coupling a, seed) of every point: `points // 4` couplings evenly from 0 to 0.2, 4 seeds each."""
    if points < SEEDS or points % SEEDS:
        raise SystemExit(f"points must be a multiple of {SEEDS}, got {points}")
    return [(float(a), seed) for a in np.linspace(0.0, MAX_COUPLING, points // SEEDS) for seed in range(1, SEEDS + 1)]


def connectivity_zip(given: str | None = None) -> Path:
    """tvb-data's connectivity_76.zip: `given`, else a known copy, else fetched into /work/tvb-data."""
    for candidate in ([given] if given else list(ZIPS)):
        if Path(candidate).exists():
            return Path(candidate)
    if given:
        raise SystemExit(f"{given} does not exist")
    vs_tvb.ensure_data(Path(ZIPS[0]).parent, Path(sys.executable))
    return Path(ZIPS[0])


def write_arrays(zip_path: Path, folder: Path) -> Path:
    """The connectome's TVB arrays (weights[i, j] = j -> i, tract lengths) as an .npz every peer reads."""
    from connectome.formats import read

    path = folder / "c76.npz"
    with warnings.catch_warnings():  # the zip's two unknown areas: shares only, not the arrays used here
        warnings.simplefilter("ignore")
        graph = read(zip_path)
    np.savez(path, **vs_tvb.tvb_arrays(graph))
    return path


def ensure_vbjax(venv: str) -> Path:
    """The python of a venv with vbjax and jax on the CPU, made (once) at `venv`."""
    python = Path(venv) / "bin" / "python"
    probe = [str(python), "-c", "import vbjax, jax"]
    if python.exists() and subprocess.run(probe, capture_output=True).returncode == 0:
        return python
    print(f"creating {venv} with {', '.join(VBJAX_REQUIREMENTS)} (a few minutes)", file=sys.stderr)
    subprocess.run([sys.executable, "-m", "venv", venv], check=True)
    subprocess.run([str(python), "-m", "pip", "install", "-q", *VBJAX_REQUIREMENTS], check=True)
    subprocess.run(probe, check=True)
    return python


def python_of(peer: str) -> Path:
    """The interpreter of the peer's own venv (made if absent)."""
    if peer == "tvb":
        return vs_tvb.ensure_tvb(argparse.Namespace(tvb_python=None, tvb_venv=VENVS["tvb"]))
    if peer == "neurolib":
        return first_run.ensure_neurolib(VENVS["neurolib"], 600.0)
    return ensure_vbjax(VENVS["vbjax"])


def run_child(peer: str, npz: Path, params: dict, timeout: float) -> dict:
    """One peer's sweep in a fresh child of its venv; its report, the whole child's wall time, the load around it."""
    cmd = [str(python_of(peer)), "-c", CHILDREN[peer], str(npz), json.dumps(params)]
    load_before = os.getloadavg()[0]
    start = time.perf_counter()
    done = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT, timeout=timeout)
    wall = time.perf_counter() - start
    load_after = os.getloadavg()[0]
    if done.returncode != 0:
        return {"peer": peer, "name": f"{peer}: {HOW[peer]} (failed)", "how": HOW[peer], "sweep_s": float("nan"),
                "error": done.stderr[-2000:], "load_before": load_before, "load_after": load_after,
                "child_wall_s": wall}
    row = json.loads(done.stdout.strip().splitlines()[-1])
    row["measured_s"], row["measured_cpu_s"] = row.pop("sweep_s"), row.pop("sweep_cpu_s")
    return {"peer": peer, "how": HOW[peer], **row, "child_wall_s": wall, "load_before": load_before,
            "load_after": load_after}


def run_peers(points: int = 64, duration_ms: float = 2000.0, which: tuple[str, ...] | list[str] = DEFAULT_PEERS,
              zip_path: str | None = None, tvb_budget_s: float = 180.0, timeout: float = 1800.0) -> list[dict]:
    """Run the sweep in each peer of `which`, one after the other; one row per peer.

    A row: peer, name (version, how, and whether scaled: a table's label), how, version, sweep_s (seconds for
    all the points: measured_s × points / run), points_per_s, measured_s (the points actually run) and
    measured_cpu_s (the child's CPU time, all threads, over the same span), run (their number), points,
    first_s (neurolib and TVB: the first point, compile included; vbjax: the compile; None for vbjax-pmap),
    child_wall_s (the whole child, imports included), peak_rss (bytes, the child's VmHWM), load_before,
    load_after (1-minute load average), scores (each point's FC-SC r, in the order of `points_of`), finite
    (how many are finite); if the child failed: peer, name, how, sweep_s (NaN), error, the loads, child_wall_s.
    """
    grid = points_of(points)
    params = {"points": grid, "duration": duration_ms, "dt": DT_MS, "record": RECORD_MS, "speed": SPEED_MM_PER_MS,
              "budget_s": tvb_budget_s}
    rows = []
    with tempfile.TemporaryDirectory(prefix="sweep_peers_") as tmp:
        npz = write_arrays(connectivity_zip(zip_path), Path(tmp))
        for peer in which:
            row = run_child(peer, npz, {**params, "pmap": peer == "vbjax-pmap"}, timeout)
            if "error" not in row:
                row["points"] = points
                row["sweep_s"] = row["measured_s"] * points / row["run"]
                row["points_per_s"] = points / row["sweep_s"]
                row["finite"] = int(np.isfinite(row["scores"]).sum())
                scaled = "" if row["run"] == points else f", {row['run']} of {points} points run, scaled"
                row["name"] = f"{row['version']}: {HOW[peer]}{scaled}"
            rows.append(row)
            print(f"  {peer}: {row['sweep_s']:.1f} s (load {row['load_before']:.2f})"
                  + (f" FAILED\n{row['error']}" if "error" in row else ""), file=sys.stderr)
    return rows


def machine_line() -> str:
    """CPU model, cores, platform and Python."""
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor() or platform.machine())
    return f"Machine: {cpu}, {os.cpu_count()} cores, {platform.platform()}; Python {platform.python_version()}."


def print_table(rows: list[dict], duration_ms: float) -> None:
    """One Markdown row per peer."""
    print("| peer | how | version | points run | sweep s (points run) | sweep s (all points) | points/s "
          "| sweep CPU s (points run) | first point or compile s | child wall s | peak RSS MiB | finite scores "
          "| load before → after |")
    print("| --- | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |")
    for r in rows:
        if "error" in r:
            print(f"| {r['peer']} | {r['how']} | **failed** | | | | | | | {r['child_wall_s']:.1f} | | | "
                  f"{r['load_before']:.2f} → {r['load_after']:.2f} |")
            continue
        scaled = "" if r["run"] == r["points"] else f" (×{r['points'] / r['run']:g}, scaled)"
        first = "–" if r["first_s"] is None else f"{r['first_s']:.2f}"
        print(f"| {r['peer']} | {r['how']} | {r['version']} | {r['run']}/{r['points']} | {r['measured_s']:.1f} "
              f"| {r['sweep_s']:.1f}{scaled} | {r['points_per_s']:.2f} | {r['measured_cpu_s']:.1f} | {first} "
              f"| {r['child_wall_s']:.1f} "
              f"| {r['peak_rss'] / 2**20:.0f} | {r['finite']}/{r['run']} | {r['load_before']:.2f} → "
              f"{r['load_after']:.2f} |")
    print(f"\nEach point: Wilson–Cowan on connectivity_76, {duration_ms:g} ms, dt {DT_MS} ms, delays at "
          f"{SPEED_MM_PER_MS:g} mm/ms, E recorded every {RECORD_MS:g} ms, FC scored against the SC; coupling a "
          f"evenly over [0, {MAX_COUPLING:g}] × {SEEDS} seeds (initial state). sweep s: the loop or the vmapped "
          "call, timed in the child (all points: scaled when TVB ran fewer); sweep CPU s: the child's CPU time (all "
          "its threads) over the same span, less sensitive to a busy machine; child wall s: the whole child, imports "
          "included. Load: 1-minute load average.")


def main() -> None:
    """Flags, the peers, the table."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--points", type=int, default=64, help="points, a multiple of 4 (points // 4 couplings × 4 seeds)")
    ap.add_argument("--duration", type=float, default=2000.0, help="simulated ms per point")
    ap.add_argument("--only", action="append", choices=PEERS, help="these peers (repeatable; default: "
                    + ", ".join(DEFAULT_PEERS) + ")")
    ap.add_argument("--data", help="connectivity_76.zip (default: " + " or ".join(ZIPS) + ")")
    ap.add_argument("--tvb-budget", type=float, default=180.0,
                    help="s: TVB stops after 16 points (and is scaled) if all would take longer")
    args = ap.parse_args()
    print(f"{machine_line()} Load before: {os.getloadavg()[0]:.2f}", file=sys.stderr)
    rows = run_peers(args.points, args.duration, args.only or DEFAULT_PEERS, args.data, args.tvb_budget)
    print(machine_line())
    print()
    print_table(rows, args.duration)


if __name__ == "__main__":
    main()
