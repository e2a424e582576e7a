"""Benchmark: this engine against The Virtual Brain (tvb-library 2.10) on the same connectomes, dt, duration and delays.

Connectomes: tvb-data's connectivity_76 and connectivity_192 (read with `connectome.formats.read`) and two
synthetic 998-region graphs (10 % and 100 % density, strengths uniform (0, 1], tract lengths uniform
10-150 mm, seeded). Each runs without delays and with delays at 3 mm/ms, dt 0.1 ms, recording every 1 ms.
Every measurement is a fresh child process, the simulators interleaved (order rotated), `--repeats` each;
medians of the simulation call alone, largest peak RSS (VmHWM) of the children. TVB: `sim.run()` timed,
`sim.configure()` timed apart. Engine: `simulate(...)` timed after a one-step call that pays its lazy
imports (as TVB's imports are untimed); a second one-step call afterwards estimates its per-call set-up.

TVB runs in its own virtual environment (`--tvb-python`, or one made at `--tvb-venv`); tvb-library is never
a dependency of this project. Prints Markdown tables. Never run by CI.

Usage: python bench/vs_tvb.py [--quick] [--only tvb76 --only tvb192] [--duration 1000] [--repeats 3]
"""

from __future__ import annotations

import argparse
import json
import os
import pickle
import platform
import statistics
import subprocess
import sys
import tempfile
import time
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

import networkx as nx
import numpy as np

ROOT = Path(__file__).resolve().parent.parent
TVB_REQUIREMENT = "tvb-library==2.10.*"
TVB_DATA_REQUIREMENT = "tvb-data==3.0.0"
DT_MS, RECORD_MS, SPEED_MM_PER_MS, NEURONS = 0.1, 1.0, 3.0, 10**6
NAMES = ("tvb76", "tvb192", "syn998_10", "syn998_100")

ENGINE_CHILD = r"""
import inspect, json, pickle, sys, time
def hwm():  # this process's peak RSS; ru_maxrss would report the parent's peak (kept across vfork + exec)
    return next(int(line.split()[1]) * 1024 for line in open("/proc/self/status") if line.startswith("VmHWM"))
from connectome.engine import simulate
def accepts(name):  # a keyword of simulate, or (since the rebuild: simulate(**params)) a field of RunSpec
    ps = inspect.signature(simulate).parameters
    if name in ps or not any(q.kind is q.VAR_KEYWORD for q in ps.values()):
        return name in ps
    try:
        from connectome.sim import RunSpec
    except ImportError:
        return False
    return name in inspect.signature(RunSpec).parameters
p = json.loads(sys.argv[2])
with open(sys.argv[1], "rb") as fh:
    graph = pickle.load(fh)
before = hwm()
kw = dict(dt_ms=p["dt"], deterministic=True, speed_mm_per_ms=p["speed"] or None, coupling=p["G"], **p["extra"])
if accepts("delays"):  # an engine where no speed means the default speed: no delays said outright
    kw["delays"] = bool(p["speed"])
if accepts("coupling_mode"):
    kw["coupling_mode"] = "raw"
def call(duration, record):
    start = time.perf_counter()
    result = simulate(graph, p["neurons"], duration_ms=duration, record_every_ms=record, **kw)
    return time.perf_counter() - start, result
cold_s, _ = call(p["dt"], None)  # one step: pays the engine's lazy imports, untimed below (TVB imports untimed too)
run_s, result = call(p["duration"], p["record"])
peak = hwm()
setup_s, _ = call(p["dt"], None)  # one warm step: about the per-call set-up included in run_s
print(json.dumps({"run_s": run_s, "cold_s": cold_s, "setup_s": setup_s, "steps": result.steps,
                  "mode": getattr(result, "coupling_mode", "mean-input (no coupling_mode)"),
                  "kernel": getattr(result, "kernel", "?"), "samples": len(result.time_ms),
                  "rss_before": before, "peak_rss": peak}))
"""

TVB_CHILD = r"""
import json, sys, time, warnings
def hwm():  # this process's peak RSS; ru_maxrss would report the parent's peak (kept across vfork + exec)
    return next(int(line.split()[1]) * 1024 for line in open("/proc/self/status") if line.startswith("VmHWM"))
warnings.filterwarnings("ignore")
import numpy as np
from importlib.metadata import version
from tvb.datatypes import connectivity
from tvb.simulator import coupling, integrators, models, monitors, simulator
p, data = json.loads(sys.argv[2]), np.load(sys.argv[1])
n = data["weights"].shape[0]
tracts = data["tract_lengths"] if p["speed"] else np.zeros((n, n))
conn = connectivity.Connectivity(weights=data["weights"], tract_lengths=tracts, centres=np.zeros((n, 3)),
                                 region_labels=np.array([f"r{i}" for i in range(n)]),
                                 speed=np.array([p["speed"] or 1.0]))
integrator = {"euler": integrators.EulerDeterministic, "heun": integrators.HeunDeterministic}[p["integrator"]]
monitor = {"subsample": monitors.SubSample, "temporal_average": monitors.TemporalAverage,
           "raw": monitors.Raw}[p["monitor"]]
sim = simulator.Simulator(connectivity=conn, model=models.Linear(), coupling=coupling.Linear(a=np.array([p["G"]])),
                          integrator=integrator(dt=p["dt"]), simulation_length=p["duration"],
                          monitors=(monitor() if p["monitor"] == "raw" else monitor(period=p["record"]),))
before = hwm()
start = time.perf_counter()
sim.configure()
configure_s = time.perf_counter() - start
start = time.perf_counter()
(times, states), = sim.run()
run_s = time.perf_counter() - start
print(json.dumps({"run_s": run_s, "configure_s": configure_s, "samples": len(times), "version": version("tvb-library"),
                  "max_delay_steps": int(conn.idelays.max()), "rss_before": before, "peak_rss": hwm()}))
"""

TVB_CHECK = r"""
import json, sys, warnings
warnings.filterwarnings("ignore")
import numpy as np
from tvb.datatypes import connectivity
ours, conn = np.load(sys.argv[1]), connectivity.Connectivity.from_file(sys.argv[2])
w, t = ours["weights"], ours["tract_lengths"]
print(json.dumps({"weights_equal": bool(np.array_equal(conn.weights, w)),
                  "tracts_equal_where_weighted": bool(np.array_equal(conn.tract_lengths[w != 0], t[w != 0])),
                  "labels_equal": [str(x) for x in conn.region_labels] == list(ours["labels"])}))
"""


@dataclass
class Connectome:
    """A named graph with its TVB arrays written to disk for the children."""

    name: str
    graph: nx.DiGraph
    max_ms: float | None
    pickle_path: Path
    npz_path: Path


def run_json(cmd: list[str]) -> tuple[dict, float]:
    """Run a child that prints one JSON line last; return it and the child's whole wall time."""
    start = time.perf_counter()
    done = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT)
    wall = time.perf_counter() - start
    if done.returncode != 0:
        sys.exit(f"child failed ({done.returncode}): {' '.join(cmd[:3])}\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1]), wall


def ensure_tvb(args: argparse.Namespace) -> Path:
    """The python of a venv with tvb-library: the one given, else made (once) at --tvb-venv."""
    if args.tvb_python:
        return Path(args.tvb_python)
    python = Path(args.tvb_venv) / "bin" / "python"
    probe = [str(python), "-c", "import tvb.simulator.simulator"]
    if python.exists() and subprocess.run(probe, capture_output=True).returncode == 0:
        return python
    print(f"creating {args.tvb_venv} with {TVB_REQUIREMENT} (a few minutes)", file=sys.stderr)
    subprocess.run([sys.executable, "-m", "venv", args.tvb_venv], check=True)
    subprocess.run([str(python), "-m", "pip", "install", "-q", "--upgrade", "pip"], check=True)
    subprocess.run([str(python), "-m", "pip", "install", "-q", TVB_REQUIREMENT], check=True)
    subprocess.run(probe, check=True)
    return python


def ensure_data(folder: Path, tvb_python: Path) -> None:
    """Put connectivity_76.zip and connectivity_192.zip in `folder`, from the tvb-data wheel if missing."""
    wanted = [f"connectivity_{n}.zip" for n in (76, 192)]
    if all((folder / name).exists() for name in wanted):
        return
    folder.mkdir(parents=True, exist_ok=True)
    subprocess.run([str(tvb_python), "-m", "pip", "download", "-q", "--no-deps", "-d", str(folder),
                    TVB_DATA_REQUIREMENT], check=True)
    with zipfile.ZipFile(next(folder.glob("tvb_data-*.whl"))) as wheel:
        for name in wanted:
            (folder / name).write_bytes(wheel.read(f"tvb_data/connectivity/{name}"))


def synthetic(n: int, density: float, seed: int) -> nx.DiGraph:
    """n regions, each ordered pair (no self-loops) joined with probability `density`."""
    rng = np.random.default_rng(seed)
    mask = rng.random((n, n)) < density
    np.fill_diagonal(mask, False)
    sources, targets = np.nonzero(mask)
    strengths = 1.0 - rng.random(len(sources))  # uniform (0, 1]
    tracts = rng.uniform(10.0, 150.0, len(sources))
    graph = nx.DiGraph()
    graph.add_nodes_from((f"r{i:03d}", {"share": 1.0}) for i in range(n))
    graph.add_edges_from((f"r{s:03d}", f"r{t:03d}", {"strength": float(w), "tract_length": float(d)})
                         for s, t, w, d in zip(sources, targets, strengths, tracts))
    return graph


def tvb_arrays(graph: nx.DiGraph) -> dict[str, np.ndarray]:
    """TVB's orientation: weights[i, j] is the strength of edge j -> i; tract lengths likewise (0 if none)."""
    index = {node: i for i, node in enumerate(graph.nodes)}
    n = len(index)
    weights, tracts = np.zeros((n, n)), np.zeros((n, n))
    for s, t, data in graph.edges(data=True):
        weights[index[t], index[s]] = data["strength"]
        tracts[index[t], index[s]] = data.get("tract_length", 0.0)
    return {"weights": weights, "tract_lengths": tracts, "labels": np.array([str(x) for x in graph.nodes])}


def load_connectomes(names: list[str], data_dir: Path, tmp: Path) -> Iterator[Connectome]:
    """Read or build each connectome in turn and write its pickle (engine child) and .npz (TVB child)."""
    from connectome.formats import read

    makers = {"tvb76": (lambda: read(data_dir / "connectivity_76.zip"), None),
              "tvb192": (lambda: read(data_dir / "connectivity_192.zip"), None),
              "syn998_10": (lambda: synthetic(998, 0.10, seed=10), None),
              "syn998_100": (lambda: synthetic(998, 1.0, seed=100), 100.0)}
    for name in names:
        make, max_ms = makers[name]
        graph = make()
        c = Connectome(name, graph, max_ms, tmp / f"{name}.pickle", tmp / f"{name}.npz")
        with open(c.pickle_path, "wb") as fh:
            pickle.dump(graph, fh, protocol=pickle.HIGHEST_PROTOCOL)
        np.savez(c.npz_path, **tvb_arrays(graph))
        yield c


def check_orientation(c: Connectome, data_dir: Path, tvb_python: Path) -> str:
    """Are the arrays we pass TVB the ones it loads from the same zip (tvb-data), or the graph's edges (synthetic)?"""
    if not c.name.startswith("tvb"):  # synthetic: every edge s -> t at weights[t, s] of the saved array, nothing else
        w, index = np.load(c.npz_path)["weights"], {node: i for i, node in enumerate(c.graph.nodes)}
        ok = all(w[index[t], index[s]] == x for s, t, x in c.graph.edges(data="strength"))
        return "ok" if ok and np.count_nonzero(w) == c.graph.number_of_edges() else "MISMATCH"
    zip_path = data_dir / f"connectivity_{c.name[3:]}.zip"
    got, _ = run_json([str(tvb_python), "-c", TVB_CHECK, str(c.npz_path), str(zip_path)])
    return "ok" if all(got.values()) else f"MISMATCH {got}"


def measure(c: Connectome, speed: float, args: argparse.Namespace, tvb_python: Path) -> dict:
    """Interleave engine, TVB Euler (and TVB Heun) runs, rotating the order each repeat; medians and peaks."""
    duration = min(args.duration, c.max_ms or args.duration)
    params = {"duration": duration, "dt": DT_MS, "record": RECORD_MS, "speed": speed, "G": args.coupling,
              "neurons": NEURONS, "monitor": args.tvb_monitor, "extra": dict(args.engine_kw or [])}
    sides = {"engine": [sys.executable, "-c", ENGINE_CHILD, str(c.pickle_path), json.dumps(params)]}
    for integrator in ("euler",) + (("heun",) if args.heun else ()):
        sides[f"tvb_{integrator}"] = [str(tvb_python), "-c", TVB_CHILD, str(c.npz_path),
                                      json.dumps({**params, "integrator": integrator})]
    runs: dict[str, list[tuple[dict, float]]] = {side: [] for side in sides}
    order = list(sides)
    for repeat in range(args.repeats):
        for side in order[repeat % len(order):] + order[:repeat % len(order)]:
            runs[side].append(run_json(sides[side]))
    steps = round(duration / DT_MS)
    row = {"name": c.name, "regions": c.graph.number_of_nodes(), "projections": c.graph.number_of_edges(),
           "speed": speed, "duration": duration, "steps": steps}
    for side, results in runs.items():
        first = results[0][0]
        medians = {k: statistics.median(r[k] for r, _ in results) for k in first if k.endswith("_s")}
        row[side] = {**first, **medians, "s_per_sim_s": medians["run_s"] * 1000.0 / duration,
                     "ns_per_proj_step": medians["run_s"] * 1e9 / (steps * row["projections"]),
                     "net_ns_per_proj_step": max(medians["run_s"] - medians.get("setup_s", 0.0), 0.0) * 1e9
                     / (steps * row["projections"]),
                     "child_wall_s": statistics.median(wall for _, wall in results),
                     "peak_rss": max(r["peak_rss"] for r, _ in results),
                     "rss_before": max(r["rss_before"] for r, _ in results)}
    return row


def mib(n: float) -> str:
    """Bytes as MiB, no decimals."""
    return f"{n / 2**20:.0f}"


def print_tables(rows: list[dict]) -> None:
    """The main comparison table, then child wall times, TVB configure and Heun."""
    print("| connectome | regions | projections | delays | sim ms | engine s/sim-s | TVB s/sim-s | TVB/engine "
          "| engine ns/proj/step | TVB ns/proj/step | engine peak MiB (inputs) | TVB peak MiB (inputs) |")
    print("| --- | ---: | ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for r in rows:
        e, t = r["engine"], r["tvb_euler"]
        delays = f"{r['speed']:g} mm/ms (max {t['max_delay_steps']} steps)" if r["speed"] else "none"
        print(f"| {r['name']} | {r['regions']} | {r['projections']:,} | {delays} | {r['duration']:g} "
              f"| {e['s_per_sim_s']:.3f} | {t['s_per_sim_s']:.3f} | {t['s_per_sim_s'] / e['s_per_sim_s']:.2f} "
              f"| {e['ns_per_proj_step']:.1f} | {t['ns_per_proj_step']:.1f} "
              f"| {mib(e['peak_rss'])} ({mib(e['rss_before'])}) | {mib(t['peak_rss'])} ({mib(t['rss_before'])}) |")
    heun = "tvb_heun" in rows[0]
    print("\nTVB/engine > 1: the engine is faster. ns/proj/step = median timed call / (steps × projections). Peak: "
          "the child's VmHWM; (inputs): before any simulation work, after imports and loading the inputs.")
    print("\n| connectome | delays | engine kernel | engine cold 1-step s | engine warm 1-step s | engine ns/proj/step "
          "less warm 1-step | TVB configure s | engine child wall s | TVB child wall s"
          + (" | TVB Heun s/sim-s | TVB Heun ns/proj/step |" if heun else " |"))
    print("| --- | --- | --- | ---: | ---: | ---: | ---: | ---: | ---:" + (" | ---: | ---: |" if heun else " |"))
    for r in rows:
        e, t = r["engine"], r["tvb_euler"]
        cells = [r["name"], f"{r['speed']:g} mm/ms" if r["speed"] else "none", e["kernel"], f"{e['cold_s']:.3f}",
                 f"{e['setup_s']:.3f}", f"{e['net_ns_per_proj_step']:.1f}", f"{t['configure_s']:.3f}",
                 f"{e['child_wall_s']:.2f}", f"{t['child_wall_s']:.2f}"]
        if heun:
            cells += [f"{r['tvb_heun']['s_per_sim_s']:.3f}", f"{r['tvb_heun']['ns_per_proj_step']:.1f}"]
        print("| " + " | ".join(cells) + " |")


def engine_revision() -> str:
    """The project's commit, and whether the engine's files differ from it (read-only git)."""
    def git(*cmd: str) -> subprocess.CompletedProcess:
        """Run one read-only git command in the repository."""
        return subprocess.run(["git", *cmd], cwd=ROOT, capture_output=True, text=True)
    head = git("rev-parse", "--short", "HEAD").stdout.strip() or "unknown"
    dirty = git("diff-index", "--quiet", "HEAD", "--", "connectome").returncode != 0 or \
        git("ls-files", "--others", "--exclude-standard", "connectome").stdout.strip()
    return head + (" + uncommitted changes to connectome/" if dirty else "")


def machine_line(tvb_python: Path, tvb_version: str) -> str:
    """Platform, CPU, Python and library versions of both sides."""
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor())
    tvb_np = subprocess.run([str(tvb_python), "-c", "import numpy, platform; print(numpy.__version__, "
                             "platform.python_version())"], capture_output=True, text=True).stdout.split()
    return (f"Machine: {platform.platform()}, {cpu}, {os.cpu_count()} CPUs; engine at {engine_revision()}, Python "
            f"{platform.python_version()}, numpy {np.__version__}; TVB: tvb-library {tvb_version}, Python "
            f"{tvb_np[1]}, numpy {tvb_np[0]}.")


def keyword(text: str) -> tuple[str, object]:
    """KEY=VALUE, the value read as JSON if it parses, else kept as text."""
    key, _, value = text.partition("=")
    try:
        return key, json.loads(value)
    except json.JSONDecodeError:
        return key, value


def parse_args() -> argparse.Namespace:
    """Command-line flags."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--tvb-python", help="a python whose venv has tvb-library (default: make one at --tvb-venv)")
    ap.add_argument("--tvb-venv", default="/work/tvb-venv", help="where to make that venv if needed")
    ap.add_argument("--tvb-data", default="/work/tvb-data", help="folder with connectivity_76.zip and _192.zip")
    ap.add_argument("--only", action="append", choices=NAMES, help="run only these connectomes (repeatable)")
    ap.add_argument("--duration", type=float, default=1000.0, help="simulated ms (syn998_100 is capped at 100)")
    ap.add_argument("--repeats", type=int, default=3, help="runs of each side per point (median)")
    ap.add_argument("--coupling", type=float, default=0.01, help="global coupling G (TVB's coupling.Linear a)")
    ap.add_argument("--tvb-monitor", default="subsample", choices=("subsample", "temporal_average", "raw"))
    ap.add_argument("--engine-kw", action="append", type=keyword, metavar="KEY=VALUE",
                    help="an extra keyword for simulate (VALUE as JSON, else text), e.g. kernel=scatter")
    ap.add_argument("--no-heun", dest="heun", action="store_false", help="skip the TVB HeunDeterministic runs")
    ap.add_argument("--no-delays-only", action="store_true", help="skip the runs with delays")
    ap.add_argument("--quick", action="store_true", help="smoke run: 20 ms, 1 repeat, no syn998_100")
    args = ap.parse_args()
    if args.quick:
        args.duration, args.repeats = 20.0, 1
        args.only = args.only or [n for n in NAMES if n != "syn998_100"]
    return args


def main() -> None:
    """Prepare TVB and the data, measure every point, print the tables."""
    args = parse_args()
    tvb_python = ensure_tvb(args)
    data_dir = Path(args.tvb_data)
    ensure_data(data_dir, tvb_python)
    rows, checks = [], []
    with tempfile.TemporaryDirectory(prefix="vs_tvb_") as tmp:
        for c in load_connectomes(args.only or list(NAMES), data_dir, Path(tmp)):
            checks.append(f"{c.name} {check_orientation(c, data_dir, tvb_python)}")
            print(f"orientation check: {checks[-1]}", file=sys.stderr)
            for speed in (0.0,) if args.no_delays_only else (0.0, SPEED_MM_PER_MS):
                rows.append(measure(c, speed, args, tvb_python))
                print(f"  {c.name} speed {speed:g}: done", file=sys.stderr)
    print(machine_line(tvb_python, rows[0]["tvb_euler"]["version"]))
    print(f"dt {DT_MS} ms, record every {RECORD_MS} ms, G = {args.coupling}, {args.repeats} repeats (median), "
          f"TVB models.Linear + coupling.Linear + EulerDeterministic, monitor {args.tvb_monitor}.")
    print(f"Engine: rate model, coupling mode {rows[0]['engine']['mode']}, deterministic, N = {NEURONS:.0e}"
          + (f", extra keywords {dict(args.engine_kw)}" if args.engine_kw else "") + ".")
    print(f"Arrays passed to TVB (weights[i, j] = j -> i) against TVB's own load of the zip / the graph: "
          f"{', '.join(checks)}.")
    print()
    print_tables(rows)


if __name__ == "__main__":
    main()
