"""Peak memory and set-up per simulator on the dense 998-region graph with delays: this engine and its peers.

    python bench/vs_peers.py [--duration 100] [--tvb-duration 50] [--repeats 1] [--only connectome ...]
                             [--snapshot | --engine-src DIR] [--no-topology] [--regions 998]

The graph: `synthetic(998, 1.0, seed=100)` of bench/vs_tvb.py (every ordered pair but self-loops, 995,006
projections, strengths uniform (0, 1], tract lengths uniform 10-150 mm), delays at 3 mm/ms, dt 0.1 ms.
Every measurement is a fresh child process; its peak RSS is the whole process's VmHWM.

  * connectome, from a store: the graph is written as canonical JSON and imported into a SQLite store with
    `topology import` (peak RSS and wall measured, then `topology stats` likewise), then the CLI's `simulate`
    runs from the store, its `main` called in one child for each command line in turn, each timed
    in-process: two 1 ms runs (10 steps, one sample) of a 2-region graph (imports, its kernels: the second is
    the "0-store" baseline), two 1 ms runs of the dense graph, then a `--duration` run of it. Set-up (store
    to first step) = first dense 1 ms run − baseline − 1 ms of stepping at the measured rate (the dense
    kernels' cache load included; the second dense run gives it without); s per simulated second = (the
    `--duration` run − the second 1 ms run) / (`--duration` − 1 ms). The kernels are compiled before, by an
    untimed child, into a cache folder of this script's. Peak RSS: the child's, and after its first dense
    run. Wilson–Cowan with Euler and Montbrió–Pazó–Roxin with Heun, recording every 1 ms, coupling a = 0.001
    (every side).
  * neurolib 0.6.2: `WCModel(Cmat=weights, Dmat=tract lengths)` (Euler); set-up = load of the arrays +
    the model's construction + a 1 ms run (numba compiles its loop then); then a `--duration` run.
  * TVB 2.10: `Simulator` (WilsonCowan, coupling.Linear, EulerDeterministic, SubSample 1 ms); set-up = load +
    construction + `configure()`; then a `--tvb-duration` run (its first step included).
  * TVB's numba MPR backend (`NbMPRBackend().run_sim`, HeunStochastic with zero noise, Raw monitor, as
    bench/vs_tvb_models.py runs it, its generated source compiled once): set-up = load + `configure()` + a
    1-step run_sim (the compile); then a `--tvb-duration` run.

Peers get the graph's arrays from an .npz (TVB's orientation, weights[i, j] = j -> i), in their own virtual
environments (made if absent, as bench/sweep_peers.py makes them). Beside each wall time, the process's CPU
time over the same span (less sensitive to a busy machine). connectome runs from the working tree, or from
HEAD's connectome/ (`--snapshot`) or another folder's (`--engine-src`). The machine and the 1-minute load
average before each child are printed. Never run by CI.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import sweep_peers  # noqa: E402  (the peers' venvs, the machine line)
import vs_tvb  # noqa: E402  (synthetic, tvb_arrays, engine_revision)

ROOT = vs_tvb.ROOT
DT_MS, SPEED_MM_PER_MS, COUPLING = 0.1, 3.0, 0.001  # a small a: the dense graph's in-strengths are ~500
SIDES = ("connectome", "neurolib", "tvb", "tvb-numba")

CLI_CHILD = r"""
import json, sys, time
def hwm():  # this process's peak RSS (ru_maxrss would report the parent's, kept across vfork + exec)
    return next(int(line.split()[1]) * 1024 for line in open("/proc/self/status") if line.startswith("VmHWM"))
from connectome.cli import main
calls = []
for argv in json.loads(sys.argv[1]):  # one command line after the other, in this process
    start, cpu0 = time.perf_counter(), time.process_time()
    try:
        main(argv)
        code = 0
    except SystemExit as exc:
        code = exc.code or 0
    calls.append({"code": code, "in_process_s": time.perf_counter() - start, "cpu_s": time.process_time() - cpu0,
                  "peak_rss": hwm()})
    if code:
        break
print("BENCH " + json.dumps(calls), file=sys.stderr)
"""

PEER_HEAD = r"""
import time
t0 = time.perf_counter()
import json, sys, warnings
warnings.filterwarnings("ignore")
"""

PEER_PRELUDE = r"""
def hwm():
    return next(int(line.split()[1]) * 1024 for line in open("/proc/self/status") if line.startswith("VmHWM"))
import numpy as np
from importlib.metadata import version
imports_s = time.perf_counter() - t0
p = json.loads(sys.argv[2])
start = time.perf_counter()
data = np.load(sys.argv[1])
W, L = data["weights"], data["tract_lengths"]
n = W.shape[0]
load_s = time.perf_counter() - start
def report(**kw):
    print(json.dumps({"imports_s": imports_s, "load_s": load_s, **kw, "peak_rss": hwm()}))
"""

NEUROLIB_CHILD = PEER_HEAD + r"""
import logging
logging.disable(logging.WARNING)
from neurolib.models.wc import WCModel
""" + PEER_PRELUDE + r"""
start = time.perf_counter()
model = WCModel(Cmat=W, Dmat=L, seed=0)  # Cmat[i, j]: j -> i, as TVB's
model.params.update(dt=p["dt"], signalV=p["speed"], K_gl=p["a"], sigma_ou=0.0, sampling_dt=1.0, duration=1.0)
configure_s = time.perf_counter() - start
start = time.perf_counter()
model.run()  # 1 ms: numba compiles the loop
first_s = time.perf_counter() - start
model.params["duration"] = p["duration"]
start, cpu0 = time.perf_counter(), time.process_time()
model.run()
run_s, run_cpu_s = time.perf_counter() - start, time.process_time() - cpu0
report(configure_s=configure_s, first_s=first_s, run_s=run_s, run_cpu_s=run_cpu_s, duration=p["duration"],
       finite=bool(np.isfinite(model.outputs["exc"]).all()), version="neurolib " + version("neurolib"))
"""

TVB_CHILD = PEER_HEAD + r"""
from tvb.datatypes import connectivity
from tvb.simulator import coupling, integrators, models, monitors, noise, simulator
""" + PEER_PRELUDE + r"""
start = time.perf_counter()
conn = connectivity.Connectivity(weights=W, tract_lengths=L, centres=np.zeros((n, 3)),
                                 region_labels=np.array([f"r{i}" for i in range(n)]), speed=np.array([p["speed"]]))
cfun = coupling.Linear(a=np.array([p["a"]]))
if p["numba"]:
    from tvb.simulator.backend.nb_mpr import NbMPRBackend
    compiled = {}
    plain_eval = NbMPRBackend.eval_source
    def eval_source(self, source, name):  # run_sim exec()s and compiles its source on every call: once here
        if (source, name) not in compiled:
            compiled[(source, name)] = plain_eval(self, source, name)
        return compiled[(source, name)]
    NbMPRBackend.eval_source = eval_source
    integrator = integrators.HeunStochastic(dt=p["dt"], noise=noise.Additive(nsig=np.array([0.0])))
    sim = simulator.Simulator(connectivity=conn, model=models.MontbrioPazoRoxin(), coupling=cfun, integrator=integrator,
                              monitors=(monitors.Raw(),), simulation_length=p["duration"])
else:
    sim = simulator.Simulator(connectivity=conn, model=models.WilsonCowan(), coupling=cfun,
                              integrator=integrators.EulerDeterministic(dt=p["dt"]),
                              monitors=(monitors.SubSample(period=1.0),), simulation_length=p["duration"])
sim.configure()
configure_s = time.perf_counter() - start
first_s = 0.0
if p["numba"]:
    backend = NbMPRBackend()
    start = time.perf_counter()
    backend.run_sim(sim, nstep=1)  # renders, exec()s and compiles
    first_s = time.perf_counter() - start
    start, cpu0 = time.perf_counter(), time.process_time()
    (times, states), = backend.run_sim(sim, nstep=int(round(p["duration"] / p["dt"])))
else:
    start, cpu0 = time.perf_counter(), time.process_time()
    (times, states), = sim.run()
run_s, run_cpu_s = time.perf_counter() - start, time.process_time() - cpu0
report(configure_s=configure_s, first_s=first_s, run_s=run_s, run_cpu_s=run_cpu_s, duration=p["duration"],
       finite=bool(np.isfinite(states).all()),
       version="TVB " + version("tvb-library") + (" nb_mpr" if p["numba"] else ""))
"""


class ChildFailed(Exception):
    """A child exited with an error: its side is reported as failed, the others still run."""


def load1() -> float:
    """The 1-minute load average."""
    return os.getloadavg()[0]


def run_cli(calls: list[list[str]], env: dict[str, str], timeout: float) -> dict:
    """CLI command lines run one after the other in one fresh child, each timed in-process around `main`,
    with the process's peak RSS after each; the child's whole wall time and the load before it."""
    load = load1()
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", CLI_CHILD, json.dumps(calls)], capture_output=True, text=True,
                          cwd=env["CONNECTOME_CACHE_DIR"], env=env, timeout=timeout)  # not ROOT: PYTHONPATH wins
    wall = time.perf_counter() - start
    line = [x for x in done.stderr.splitlines() if x.startswith("BENCH ")]
    if done.returncode or not line:
        raise ChildFailed(f"{calls} failed:\n{done.stderr[-3000:]}")
    rows = json.loads(line[-1][6:])
    if len(rows) < len(calls) or rows[-1]["code"]:
        raise ChildFailed(f"{calls[len(rows) - 1]} exited {rows[-1]['code']}:\n{done.stderr[-3000:]}")
    return {"calls": rows, "in_process_s": rows[-1]["in_process_s"], "peak_rss": rows[-1]["peak_rss"],
            "wall_s": wall, "load": load}


def run_peer(python: Path, child: str, npz: Path, params: dict, timeout: float) -> dict:
    """One peer's child: its JSON report, whole wall time and the load before it."""
    load = load1()
    start = time.perf_counter()
    done = subprocess.run([str(python), "-c", child, str(npz), json.dumps(params)], capture_output=True, text=True,
                          cwd=ROOT, timeout=timeout)
    wall = time.perf_counter() - start
    if done.returncode:
        raise ChildFailed(f"peer child failed:\n{done.stderr[-3000:]}")
    return {**json.loads(done.stdout.strip().splitlines()[-1]), "wall_s": wall, "load": load}


class Bench:
    """The graph on disk (canonical JSON, store, .npz) and the runs of every side."""

    def __init__(self, args: argparse.Namespace, tmp: Path):
        self.args, self.tmp = args, tmp
        self.env = {**os.environ, "CONNECTOME_CACHE_DIR": str(tmp / "cache")}
        (tmp / "cache").mkdir()
        self.revision = vs_tvb.engine_revision()
        source = Path(args.engine_src).resolve() if args.engine_src else None
        if args.snapshot:  # the committed engine, unaffected by edits to the working tree during the run
            source = tmp / "engine"
            source.mkdir()
            archive = subprocess.run(["git", "archive", "HEAD", "connectome"], cwd=ROOT, capture_output=True,
                                     check=True)
            subprocess.run(["tar", "-x", "-C", str(source)], input=archive.stdout, check=True)
            head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True)
            self.revision = f"{head.stdout.strip()} (snapshot of HEAD's connectome/)"
        elif source:
            self.revision = f"source at {source}"
        if source:
            self.env["PYTHONPATH"] = os.pathsep.join([str(source), *filter(None, [os.environ.get("PYTHONPATH")])])
        start = time.perf_counter()
        graph = vs_tvb.synthetic(args.regions, 1.0, seed=100)
        graph.graph["name"] = "syn998"
        self.projections = graph.number_of_edges()
        self.npz = tmp / "syn998.npz"
        np.savez(self.npz, **vs_tvb.tvb_arrays(graph))
        from connectome.formats import write

        self.json = tmp / "syn998.json"
        write(graph, self.json)
        del graph
        print(f"  graph, arrays and JSON written: {time.perf_counter() - start:.0f} s", file=sys.stderr)
        self.db, self.tiny_db = tmp / "syn998.db", tmp / "tiny.db"
        tiny = tmp / "tiny.json"
        tiny.write_text(json.dumps({"name": "tiny",
                                    "regions": [{"name": "a", "share": 1.0}, {"name": "b", "share": 1.0}],
                                    "projections": [{"source": "a", "target": "b", "strength": 1.0,
                                                     "tract_length": 30.0}]}))
        run_cli([["--db", str(self.tiny_db), "topology", "import", str(tiny)]], self.env, args.timeout)

    def cli(self, *args: str) -> dict:
        """A CLI command on the 998-region store."""
        return run_cli([["--db", str(self.db), *args]], self.env, self.args.timeout)

    def topology(self) -> dict[str, dict]:
        """`topology import` of the canonical JSON into a fresh store, then `topology stats`."""
        if self.db.exists():
            self.db.unlink()
        out = {"import": self.cli("topology", "import", str(self.json), "--name", "syn998")}
        out["stats"] = self.cli("topology", "stats", "syn998", "--json")
        return out

    def simulate(self, model: str, integrator: str) -> dict:
        """In one child: 1 ms runs of the 2-region graph (twice), of the dense graph (twice), then a --duration
        run of it; set-up, time per simulated second and peaks from their in-process times."""
        tail = ["--model", model, "--integrator", integrator, "--speed", str(SPEED_MM_PER_MS), "--dt", str(DT_MS),
                "--coupling", str(COUPLING), "--seed", "1", "--json", "--record-every", "1"]
        one = ["--duration", "1"]  # 10 steps, one sample: the smallest recorded run
        tiny = ["--db", str(self.tiny_db), "simulate", "--topology", "tiny", *tail, *one]
        dense = ["--db", str(self.db), "simulate", "--topology", "syn998", *tail]
        run_cli([[*dense, *one], tiny], self.env, self.args.timeout)  # untimed: compiles the kernels once
        out = run_cli([tiny, tiny, [*dense, *one], [*dense, *one], [*dense, "--duration", str(self.args.duration)]],
                      self.env, self.args.timeout)
        t = [c["in_process_s"] for c in out["calls"]]
        per_ms = (t[4] - t[3]) / (self.args.duration - 1.0)  # both read the store and plan; the rest is stepping
        cpu = [c["cpu_s"] for c in out["calls"]]
        return {**out, "base_s": t[1], "first_s": t[2], "s_per_sim_s": per_ms * 1000.0,
                "cpu_per_sim_s": (cpu[4] - cpu[3]) * 1000.0 / (self.args.duration - 1.0),
                "setup_s": t[2] - t[1] - per_ms,  # store to first step, the dense kernels' cache load included
                "setup_warm_s": t[3] - t[1] - per_ms,  # the same again in the process (kernels loaded)
                "peak_one": out["calls"][2]["peak_rss"], "peak_rss": out["peak_rss"]}

    def peer(self, side: str) -> dict:
        """neurolib, TVB or TVB's numba MPR backend in its own venv."""
        python = sweep_peers.python_of("neurolib" if side == "neurolib" else "tvb")
        duration = self.args.duration if side == "neurolib" else self.args.tvb_duration
        params = {"dt": DT_MS, "speed": SPEED_MM_PER_MS, "duration": duration, "a": COUPLING,
                  "numba": side == "tvb-numba"}
        child = NEUROLIB_CHILD if side == "neurolib" else TVB_CHILD
        row = run_peer(python, child, self.npz, params, self.args.timeout)
        row["setup_s"] = row["load_s"] + row["configure_s"] + row["first_s"]
        row["s_per_sim_s"] = row["run_s"] * 1000.0 / duration
        row["cpu_per_sim_s"] = row["run_cpu_s"] * 1000.0 / duration
        return row


def mib(n: float) -> str:
    """Bytes as MiB."""
    return f"{n / 2**20:.0f}"


def best(rows: list[dict], key: str) -> dict:
    """The repeat whose `key` is the (lower) median."""
    value = statistics.median_low([r[key] for r in rows])
    return next(r for r in rows if r[key] == value)


def print_tables(topo: list[dict], sims: dict[str, list[dict]], peers: dict[str, list[dict]], projections: int,
                 args: argparse.Namespace) -> None:
    """The simulators' table, then the topology commands'."""
    print(f"Dense {args.regions}-region graph, {projections:,} projections, delays at {SPEED_MM_PER_MS:g} mm/ms, "
          f"dt {DT_MS} ms; "
          f"{args.repeats} repeat(s) per side (median time, largest peak).\n")
    print("| side | peak RSS MiB | set-up s (store/arrays to first step) | s per simulated s | CPU s per simulated s "
          "| simulated ms | child wall s | details | load before |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- | ---: |")
    for name, rows in sims.items():
        r, peak = best(rows, "setup_s"), max(x["peak_rss"] for x in rows)
        per = statistics.median(x["s_per_sim_s"] for x in rows)
        one = max(x["peak_one"] for x in rows)
        cpu = statistics.median(x["cpu_per_sim_s"] for x in rows)
        print(f"| connectome {name} | {mib(peak)} | {r['setup_s']:.2f} | {per:.1f} | {cpu:.1f} | {args.duration:g} "
              f"| {r['wall_s']:.1f} | peak after one dense run {mib(one)} (after the 2-region runs "
              f"{mib(r['calls'][1]['peak_rss'])}); warm 2-region 1 ms run {r['base_s']:.2f} s, first dense 1 ms "
              f"{r['first_s']:.2f} s, set-up again in-process {r['setup_warm_s']:.2f} s | {r['load']:.2f} |")
    for name, rows in peers.items():
        r, peak = best(rows, "setup_s"), max(x["peak_rss"] for x in rows)
        per = statistics.median(x["s_per_sim_s"] for x in rows)
        cpu = statistics.median(x["cpu_per_sim_s"] for x in rows)
        print(f"| {r['version']} | {mib(peak)} | {r['setup_s']:.2f} | {per:.1f} | {cpu:.1f} | {r['duration']:g} "
              f"| {r['wall_s']:.1f} "
              f"| imports {r['imports_s']:.2f} s (not in set-up), load {r['load_s']:.2f} s, configure "
              f"{r['configure_s']:.2f} s, first call {r['first_s']:.2f} s; finite {r['finite']} | {r['load']:.2f} |")
    if not topo:
        return
    print("\n| command | peak RSS MiB | in-process s | child wall s | load before |")
    print("| --- | ---: | ---: | ---: | ---: |")
    for what in ("import", "stats"):
        rows = [t[what] for t in topo]
        r, peak = best(rows, "in_process_s"), max(x["peak_rss"] for x in rows)
        label = "topology import (canonical JSON)" if what == "import" else "topology stats --json"
        print(f"| {label} | {mib(peak)} | {r['in_process_s']:.1f} | {r['wall_s']:.1f} | {r['load']:.2f} |")
    print("\nconnectome: the CLI from the store, default threads, every command line in one child after two 1 ms "
          "runs of a 2-region graph (imports, its kernels); set-up = the first dense 1 ms run − the second 2-region "
          "run − 1 ms of stepping at the measured rate (the dense kernels' cache load included); peak: the whole "
          "child (three dense runs) and after the first dense run. Peers: set-up "
          "= load of the arrays + construction/configure + first call (neurolib: a 1 ms run, its numba compile; "
          "TVB numba: a 1-step run_sim, its compile; TVB: none, its first step is in the run); their time per "
          "simulated second is their run alone. CPU s: the process's CPU time (all threads) over the same span, less "
          "sensitive to a busy machine.")


def parse_args() -> argparse.Namespace:
    """Command-line flags."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--duration", type=float, default=100.0, help="simulated ms of connectome's and neurolib's runs")
    ap.add_argument("--tvb-duration", type=float, default=50.0, help="simulated ms of TVB's and TVB numba's runs")
    ap.add_argument("--repeats", type=int, default=1, help="runs of each side (interleaved)")
    ap.add_argument("--only", action="append", choices=SIDES, help="these sides (repeatable; default: all)")
    ap.add_argument("--no-topology", dest="topology", action="store_false",
                    help="skip the measured topology import/stats (the store is still made)")
    ap.add_argument("--regions", type=int, default=998, help="regions of the dense graph (fewer: a smoke run)")
    ap.add_argument("--snapshot", action="store_true",
                    help="run connectome from a copy of HEAD's connectome/ (not the working tree)")
    ap.add_argument("--engine-src", help="run connectome from this folder's connectome/ (first on PYTHONPATH)")
    ap.add_argument("--timeout", type=float, default=1800.0, help="seconds allowed to each child")
    return ap.parse_args()


def main() -> None:
    """Prepare the graph, run every side --repeats times (interleaved), print the tables."""
    args = parse_args()
    sides = args.only or list(SIDES)
    print(f"{sweep_peers.machine_line()} Load before: {load1():.2f}", file=sys.stderr)
    topo, sims, peers, failed = [], {}, {}, {}
    with tempfile.TemporaryDirectory(prefix="vs_peers_") as tmp:
        bench = Bench(args, Path(tmp))
        revision = bench.revision
        for repeat in range(args.repeats):
            if args.topology or (not repeat and "connectome" in sides):
                t = bench.topology()
                if args.topology:
                    topo.append(t)
            for side in sides[repeat % len(sides):] + sides[:repeat % len(sides)]:
                run_side(bench, side, sims, peers, failed)
    print(f"{sweep_peers.machine_line()} Engine at {revision}.")
    print()
    print_tables(topo, sims, peers, bench.projections, args)
    for name in failed:
        print(f"\n**{name} failed** (last error below; the other sides ran):\n\n```\n{failed[name][-1500:]}\n```")


def run_side(bench: Bench, side: str, sims: dict[str, list[dict]], peers: dict[str, list[dict]],
             failed: dict[str, str]) -> None:
    """One repeat of one side into `sims` (connectome, per model) or `peers`; a failed child into `failed`."""
    cases = ((f"connectome {n}", n, m, i) for n, m, i in (("wilson-cowan euler", "wilson-cowan", "euler"),
                                                          ("montbrio-pazo-roxin heun", "montbrio-pazo-roxin", "heun")))
    for label, name, model, integrator in cases if side == "connectome" else [(side, side, "", "")]:
        try:
            row = bench.simulate(model, integrator) if side == "connectome" else bench.peer(side)
        except ChildFailed as exc:
            failed[label] = str(exc)
            print(f"  {label}: FAILED\n{str(exc)[-1500:]}", file=sys.stderr)
            continue
        (sims if side == "connectome" else peers).setdefault(name, []).append(row)
        print(f"  {label}: {row['setup_s']:.2f} s set-up, {mib(row['peak_rss'])} MiB", file=sys.stderr)


if __name__ == "__main__":
    main()
