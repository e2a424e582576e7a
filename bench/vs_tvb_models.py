"""Benchmark: this engine's neural-mass models against The Virtual Brain 2.10 (and TVB's numba MPR backend, and
neurolib's numba Wilson–Cowan), per simulated second, on the same connectomes, dt, delays and initial state.

Connectomes: tvb-data's connectivity_76 and connectivity_192 (read with `connectome.formats.read`; TVB gets
the same arrays, weights[i, j] = j -> i, checked against TVB's own load of the zip) and a synthetic
998-region graph at 10 % density (`synthetic()` of bench/vs_tvb.py). dt 0.1 ms, delays at 3 mm/ms,
recording every 1 ms, deterministic, a constant initial history: for state variable v with range
[lo, hi] and region i, lo + (hi - lo) * (0.25 + 0.5 * ((i * 0.6180339887) % 1)) (the parity references'
values; on connectivity_76 they are the references' `initial`).

1. Every model against TVB's Python simulator (TVB class -> ours): Linear -> linear, WilsonCowan ->
   wilson-cowan, ReducedWongWang -> reduced-wong-wang, MontbrioPazoRoxin -> montbrio-pazo-roxin,
   JansenRit -> jansen-rit, Kuramoto -> kuramoto. Both: Heun (HeunDeterministic), coupling.Linear(a)
   (coupling.Kuramoto for kuramoto), TVB's default model parameters, every state variable recorded (TVB:
   SubSample(period=1), variables_of_interest = all). `a` is the parity reference's `coupling_a`
   (tests/reference/tvb_<model>.npz, chosen on connectivity_76), multiplied on another connectome by
   min(1, rho_76 / rho, s_76 / s) (rho: spectral radius of the weights, s: mean in-strength) so that the
   linear loops stay as far from runaway as on connectivity_76; every run's output is checked finite.
2. TVB's numba backend for Montbrió–Pazó–Roxin (`NbMPRBackend().run_sim(sim, nstep=...)`, tvb.simulator.
   backend.nb_mpr), which accepts only HeunStochastic (run with zero noise), a Raw or TemporalAverage
   monitor (Raw: every step kept), coupling.Linear. Its Heun re-evaluates the coupling for the corrector
   unless compatibility_mode=True (then it is TVB's Heun); both are measured. It exec()s and numba-compiles
   its generated source on every run_sim call: the source's compiled function is cached (patched
   eval_source) and paid by a one-step warm-up run, timed apart. Against our montbrio-pazo-roxin, Heun.
3. neurolib 0.6.2's numba Wilson–Cowan (`WCModel(Cmat=weights, Dmat=tract lengths)`, Cmat[i, j] = j -> i
   as in TVB, signalV 3 m/s, dt 0.1, sampling_dt 1 ms, sigma_ou 0, K_gl = our wilson-cowan `a`, Euler,
   `model.run()` timed after a 1 ms warm-up run that pays numba's compile) against our wilson-cowan with
   integrator="euler". Different parameterisations: a cost comparison only.

Every measurement is a fresh child process; the sides of a point are interleaved (order rotated each
repeat), `--repeats` each (`--repeats-998` on the 998-region graph); medians of the timed call, the largest
peak RSS (VmHWM) of the children. TVB: `sim.run()` timed, `sim.configure()` timed apart. Ours: one
`simulate(...)` call timed, after a one-step call in the same child that pays the imports and numba's cache
load; measured twice, with numba's default threads and with NUMBA_NUM_THREADS=1 (TVB, nb_mpr and neurolib
run on one core). `--snapshot` runs our side from a copy of HEAD's connectome/ (the working tree may change
during a long run). A final-state gap (the largest |ours - theirs| at their last sample, scaled by
max(1, |theirs|)) checks that both sides ran the same system. On the 998-region graph TVB's Python simulator
(`--tvb-998-ms`, 100) and nb_mpr (`--nb-998-ms`, 200) simulate less than `--duration` and their times are
scaled to one simulated second (their cost per step is constant; nb_mpr's per-call overhead makes the
scaled figure a slight overestimate). TVB and neurolib run in their own virtual environments (never
dependencies of this project). Prints Markdown tables. Never run by CI.

Usage: python bench/vs_tvb_models.py [--quick] [--repeats 3] [--repeats-998 2] [--only tvb76 --only tvb192]
       [--models linear jansen-rit] [--parts tvb nb neurolib] [--snapshot] [--no-single-thread]
       [--tvb-998-ms 100] [--nb-998-ms 200] [--neurolib-dense]
"""

from __future__ import annotations

import argparse
import json
import os
import pickle
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import networkx as nx
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import vs_tvb  # noqa: E402  (helpers: synthetic graphs, TVB arrays, child runner, data, machine line)

ROOT = vs_tvb.ROOT
DT_MS, RECORD_MS, SPEED_MM_PER_MS, NEURONS = 0.1, 1.0, 3.0, 1000
GOLDEN = 0.6180339887
CONNECTOMES = ("tvb76", "tvb192", "syn998_10")
MODELS = {"linear": "Linear", "wilson-cowan": "WilsonCowan", "reduced-wong-wang": "ReducedWongWang",
          "montbrio-pazo-roxin": "MontbrioPazoRoxin", "jansen-rit": "JansenRit", "kuramoto": "Kuramoto"}
REFERENCE = ROOT / "tests" / "reference"

ENGINE_CHILD = r"""
import json, pickle, sys, time
def hwm():  # this process's peak RSS (ru_maxrss would report the parent's, kept across vfork + exec)
    return next(int(line.split()[1]) * 1024 for line in open("/proc/self/status") if line.startswith("VmHWM"))
import numpy as np
from connectome.sim import simulate
p = json.loads(sys.argv[2])
with open(sys.argv[1], "rb") as fh:
    graph = pickle.load(fh)
init = np.load(sys.argv[3])
initial = {name: init[name].tolist() for name in init.files}
before = hwm()
kw = dict(model=p["model"], coupling=p["a"], coupling_function=p["cfun"], integrator=p["integrator"],
          dt_ms=p["dt"], speed_mm_per_ms=p["speed"], coupling_mode="raw", deterministic=True, initial=initial)
def call(duration, record):
    start = time.perf_counter()
    result = simulate(graph, p["neurons"], duration_ms=duration, record_every_ms=record, **kw)
    return time.perf_counter() - start, result
cold_s, _ = call(p["dt"], p["dt"])  # one step: imports, numba cache load (untimed below, like TVB's imports)
run_s, result = call(p["duration"], p["record"])
peak = hwm()
states = {k: np.asarray(v) for k, v in result.states.items()}
final, final_t = {k: v[-1].tolist() for k, v in states.items()}, float(result.time_ms[-1])
if p.get("check_ms") and abs(p["check_ms"] - final_t) > 1e-9:  # untimed, after the peak: the state at the
    _, check = call(p["check_ms"], p["check_ms"])  # other side's last sample time, for the final-state gap
    final, final_t = {k: np.asarray(v)[-1].tolist() for k, v in check.states.items()}, float(check.time_ms[-1])
print(json.dumps({"run_s": run_s, "cold_s": cold_s, "kernel": getattr(result, "kernel", "?"),
                  "samples": len(result.time_ms), "last_t": float(result.time_ms[-1]),
                  "finite": bool(all(np.isfinite(v).all() for v in states.values())),
                  "final": final, "final_t": final_t,
                  "maxabs": max(float(np.nanmax(np.abs(v))) for v in states.values()),
                  "rss_before": before, "peak_rss": peak}))
"""

TVB_PRELUDE = r"""
import json, sys, time, warnings
def hwm():  # this process's peak RSS (ru_maxrss would report the parent's, kept across vfork + exec)
    return next(int(line.split()[1]) * 1024 for line in open("/proc/self/status") if line.startswith("VmHWM"))
warnings.filterwarnings("ignore")
import numpy as np
from importlib.metadata import version
from tvb.datatypes import connectivity
from tvb.simulator import coupling, integrators, models, monitors, noise, simulator
p, data = json.loads(sys.argv[2]), np.load(sys.argv[1])
init = np.load(sys.argv[3])
n = data["weights"].shape[0]
conn = connectivity.Connectivity(weights=data["weights"], tract_lengths=data["tract_lengths"],
                                 centres=np.zeros((n, 3)), region_labels=np.array([f"r{i}" for i in range(n)]),
                                 speed=np.array([p["speed"]]))
model = getattr(models, p["tvb_class"])()
model.variables_of_interest = tuple(model.state_variables)
initial = np.array([init[sv] for sv in model.state_variables])  # (n_sv, n)
horizon = int(np.rint(data["tract_lengths"] / p["speed"] / p["dt"]).max()) + 1
history = np.broadcast_to(initial[None, :, :, None], (horizon,) + initial.shape + (1,)).copy()
cfun = (coupling.Kuramoto if p["cfun"] == "kuramoto" else coupling.Linear)(a=np.array([p["a"]]))
"""

TVB_CHILD = TVB_PRELUDE + r"""
sim = simulator.Simulator(connectivity=conn, model=model, coupling=cfun,
                          integrator=integrators.HeunDeterministic(dt=p["dt"]), initial_conditions=history,
                          monitors=(monitors.SubSample(period=p["record"]),), simulation_length=p["duration"])
before = hwm()
start = time.perf_counter()
sim.configure()
configure_s = time.perf_counter() - start
assert sim.connectivity.horizon == horizon, (sim.connectivity.horizon, horizon)
start = time.perf_counter()
(times, states), = sim.run()
run_s = time.perf_counter() - start
peak = hwm()
states = np.asarray(states[..., 0], dtype=np.float64)  # (samples, n_sv, n)
print(json.dumps({"run_s": run_s, "configure_s": configure_s, "samples": len(times), "version": version("tvb-library"),
                  "finite": bool(np.isfinite(states).all()), "max_delay_steps": int(conn.idelays.max()),
                  "final_t": float(times[-1] - (horizon - 1) * p["dt"]),
                  "final": {sv: states[-1, i].tolist() for i, sv in enumerate(model.state_variables)},
                  "maxabs": float(np.nanmax(np.abs(states))), "rss_before": before, "peak_rss": peak}))
"""

NB_CHILD = TVB_PRELUDE + r"""
from tvb.simulator.backend.nb_mpr import NbMPRBackend
compiled = {}
plain_eval = NbMPRBackend.eval_source
def eval_source(self, source, name):  # run_sim exec()s and compiles its generated source on every call: cache it
    if (source, name) not in compiled:
        compiled[(source, name)] = plain_eval(self, source, name)
    return compiled[(source, name)]
NbMPRBackend.eval_source = eval_source
integrator = integrators.HeunStochastic(dt=p["dt"], noise=noise.Additive(nsig=np.array([0.0])))
sim = simulator.Simulator(connectivity=conn, model=model, coupling=cfun, integrator=integrator,
                          initial_conditions=history, monitors=(monitors.Raw(),), simulation_length=p["duration"])
sim.configure()
backend = NbMPRBackend()
nstep = int(round(p["duration"] / p["dt"]))
before = hwm()
start = time.perf_counter()
backend.run_sim(sim, nstep=1, compatibility_mode=p["compat"])  # renders, exec()s and compiles: the warm-up
cold_s = time.perf_counter() - start
start = time.perf_counter()
(times, states), = backend.run_sim(sim, nstep=nstep, compatibility_mode=p["compat"])
run_s = time.perf_counter() - start
peak = hwm()
assert len(compiled) == 1, "the timed run compiled again"
states = np.asarray(states[..., 0], dtype=np.float64)  # (steps, n_sv, n), every step
print(json.dumps({"run_s": run_s, "cold_s": cold_s, "samples": len(times), "version": version("tvb-library"),
                  "finite": bool(np.isfinite(states).all()), "final_t": float(len(times) * p["dt"]),
                  "final": {sv: states[-1, i].tolist() for i, sv in enumerate(model.state_variables)},
                  "maxabs": float(np.nanmax(np.abs(states))), "rss_before": before, "peak_rss": peak}))
"""

NEUROLIB_CHILD = r"""
import json, logging, sys, time, warnings
def hwm():  # this process's peak RSS (ru_maxrss would report the parent's, kept across vfork + exec)
    return next(int(line.split()[1]) * 1024 for line in open("/proc/self/status") if line.startswith("VmHWM"))
warnings.filterwarnings("ignore")
logging.disable(logging.WARNING)
import numpy as np
from importlib.metadata import version
from neurolib.models.wc import WCModel
p, data = json.loads(sys.argv[2]), np.load(sys.argv[1])
init = np.load(sys.argv[3])
model = WCModel(Cmat=data["weights"], Dmat=data["tract_lengths"], seed=0)  # Cmat[i, j]: j -> i, as TVB's
model.params.update(dt=p["dt"], signalV=p["speed"], K_gl=p["a"], sigma_ou=0.0, sampling_dt=p["record"],
                    exc_init=init["E"][:, None].copy(), inh_init=init["I"][:, None].copy())
before = hwm()
model.params["duration"] = p["record"]
start = time.perf_counter()
model.run()  # 1 ms: pays numba's compile of the integration loop
cold_s = time.perf_counter() - start
model.params.update(duration=p["duration"], exc_init=init["E"][:, None].copy(), inh_init=init["I"][:, None].copy())
start = time.perf_counter()
model.run()
run_s = time.perf_counter() - start
peak = hwm()
exc = np.asarray(model.outputs["exc"])
print(json.dumps({"run_s": run_s, "cold_s": cold_s, "samples": exc.shape[1], "version": version("neurolib"),
                  "numba": version("numba"),
                  "finite": bool(np.isfinite(exc).all()), "max_delay_steps": int(model.params["Dmat_ndt"].max()),
                  "maxabs": float(np.nanmax(np.abs(exc))), "rss_before": before, "peak_rss": peak}))
"""


def spread(model: str, n: int) -> dict[str, np.ndarray]:
    """The constant initial values per state variable and region (the parity references' formula)."""
    from connectome.sim.models import MODELS as ours

    i = np.arange(n)
    f = 0.25 + 0.5 * ((i * GOLDEN) % 1.0)
    return {v.name: v.low + (v.high - v.low) * f for v in ours[model].state_variables}


def scale_of(weights: np.ndarray, base: np.ndarray) -> float:
    """min(1, rho_base / rho, s_base / s): spectral radius and mean in-strength, relative to connectivity_76."""
    rho = lambda w: float(np.max(np.abs(np.linalg.eigvals(w))))  # noqa: E731
    s = lambda w: float(w.sum(axis=1).mean())  # noqa: E731
    return min(1.0, rho(base) / rho(weights), s(base) / s(weights))


def median_row(results: list[tuple[dict, float]], duration: float) -> dict:
    """Medians of the timed quantities, the largest peaks, the first run's other fields."""
    first = results[0][0]
    out = {**first, **{k: statistics.median(r[k] for r, _ in results) for k in first if k.endswith("_s")}}
    out["s_per_sim_s"] = out["run_s"] * 1000.0 / duration
    out["peak_rss"] = max(r["peak_rss"] for r, _ in results)
    out["rss_before"] = max(r["rss_before"] for r, _ in results)
    out["finite"] = all(r["finite"] for r, _ in results)
    out["wall_s"] = statistics.median(w for _, w in results)
    out["runs"] = len(results)
    return out


def run_json(cmd: list[str], env: dict[str, str] | None = None) -> tuple[dict, float]:
    """Run a child that prints one JSON line last, with extra environment variables; return it and its wall time."""
    start = time.perf_counter()
    done = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT, env={**os.environ, **(env or {})})
    wall = time.perf_counter() - start
    if done.returncode != 0:
        sys.exit(f"child failed ({done.returncode}): {' '.join(cmd[:3])}\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1]), wall


def interleave(sides: dict[str, tuple[list[str], dict[str, str]]], repeats: int) -> dict[str, list[tuple[dict, float]]]:
    """Run every side (command, extra environment) `repeats` times, rotating the order each repeat."""
    runs: dict[str, list[tuple[dict, float]]] = {side: [] for side in sides}
    order = list(sides)
    for repeat in range(repeats):
        for side in order[repeat % len(order):] + order[:repeat % len(order)]:
            runs[side].append(run_json(*sides[side]))
    return runs


def tvb_last_sample_ms(tract_lengths: np.ndarray, duration: float) -> float:
    """The time (from t = 0) of TVB's last SubSample(period=1 ms) sample: it samples the absolute steps that are
    multiples of 10, counted from horizon - 1 at t = 0 when initial conditions are given."""
    horizon = int(np.rint(tract_lengths / SPEED_MM_PER_MS / DT_MS).max()) + 1
    steps, every = int(round(duration / DT_MS)), int(round(RECORD_MS / DT_MS))
    return round((((horizon - 1 + steps) // every) * every - (horizon - 1)) * DT_MS, 10)


def final_gap(a: dict, b: dict) -> float | None:
    """Largest |difference| of the last recorded state, over variables and regions, each scaled by max(1, |x|);
    None if the two states are not at the same time."""
    if abs(a["final_t"] - b["final_t"]) > 1e-6:
        return None
    gap = 0.0
    for name, x in a["final"].items():
        x, y = np.asarray(x), np.asarray(b["final"][name])
        gap = max(gap, float(np.max(np.abs(x - y)) / max(1.0, float(np.max(np.abs(y))))))
    return gap


class Bench:
    """The connectomes on disk and the interpreters; one method per part of the comparison."""

    def __init__(self, args: argparse.Namespace, tmp: Path):
        self.args, self.tmp = args, tmp
        self.tvb_python = vs_tvb.ensure_tvb(args)
        vs_tvb.ensure_data(Path(args.tvb_data), self.tvb_python)
        self.graphs: dict[str, tuple[nx.DiGraph, Path, Path, dict]] = {}
        self.checks: list[str] = []
        self.engine_src: Path | None = Path(args.engine_src).resolve() if args.engine_src else None
        self.revision = vs_tvb.engine_revision()
        if args.snapshot:  # the committed engine, unaffected by edits to the working tree during the run
            self.engine_src = tmp / "engine"
            self.engine_src.mkdir()
            archive = subprocess.run(["git", "archive", "HEAD", "connectome"], cwd=ROOT, capture_output=True,
                                     check=True)
            subprocess.run(["tar", "-x", "-C", str(self.engine_src)], input=archive.stdout, check=True)
            head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True)
            self.revision = f"{head.stdout.strip()} (snapshot of HEAD's connectome/, fresh numba cache)"
        elif self.engine_src:
            self.revision = f"source at {self.engine_src}"

    def connectome(self, name: str) -> tuple[nx.DiGraph, Path, Path, dict]:
        """The graph, its pickle (our child) and .npz (TVB and neurolib children), made once."""
        if name not in self.graphs:
            from connectome.formats import read

            data = Path(self.args.tvb_data)
            make = {"tvb76": lambda: read(data / "connectivity_76.zip"),
                    "tvb192": lambda: read(data / "connectivity_192.zip"),
                    "syn998_10": lambda: vs_tvb.synthetic(998, 0.10, seed=10),
                    "syn998_100": lambda: vs_tvb.synthetic(998, 1.0, seed=100)}[name]
            graph = make()
            pickle_path, npz_path = self.tmp / f"{name}.pickle", self.tmp / f"{name}.npz"
            with open(pickle_path, "wb") as fh:
                pickle.dump(graph, fh, protocol=pickle.HIGHEST_PROTOCOL)
            arrays = vs_tvb.tvb_arrays(graph)
            np.savez(npz_path, **arrays)
            self.graphs[name] = (graph, pickle_path, npz_path, arrays)
            if name != "syn998_100":
                c = vs_tvb.Connectome(name, graph, None, pickle_path, npz_path)
                self.checks.append(f"{name} {vs_tvb.check_orientation(c, data, self.tvb_python)}")
                print(f"orientation check: {self.checks[-1]}", file=sys.stderr)
        return self.graphs[name]

    def initial(self, model: str, name: str) -> Path:
        """The initial values written for the children; on connectivity_76 checked against the reference's."""
        path = self.tmp / f"init_{name}_{model}.npz"
        if not path.exists():
            n = self.connectome(name)[0].number_of_nodes()
            values = spread(model, n)
            if name == "tvb76":
                ref = np.load(REFERENCE / f"tvb_{model}.npz")
                want = {str(v): ref["initial"][i] for i, v in enumerate(ref["state_variables"])}
                assert all(np.array_equal(values[k], want[k]) for k in want), f"initial values != reference ({model})"
            np.savez(path, **values)
        return path

    def coupling(self, model: str, name: str) -> tuple[float, float]:
        """The reference's `a` and the `a` used on this connectome."""
        a = float(np.load(REFERENCE / f"tvb_{model}.npz")["coupling_a"])
        base = self.connectome("tvb76")[3]["weights"]
        return a, a * scale_of(self.connectome(name)[3]["weights"], base)

    def engine_cmd(self, name: str, model: str, a: float, cfun: str, integrator: str, duration: float,
                   check_ms: float | None = None) -> list[str]:
        """Our child's command line (check_ms: the time of the other side's last sample, for the gap)."""
        _, pickle_path, _, _ = self.connectome(name)
        params = {"model": model, "a": a, "cfun": cfun, "integrator": integrator, "dt": DT_MS, "record": RECORD_MS,
                  "speed": SPEED_MM_PER_MS, "duration": duration, "neurons": NEURONS, "check_ms": check_ms}
        return [sys.executable, "-c", ENGINE_CHILD, str(pickle_path), json.dumps(params),
                str(self.initial(model, name))]

    def ours(self, *args: object) -> dict[str, tuple[list[str], dict[str, str]]]:
        """Our sides: as installed (numba's default threads), and unless --no-single-thread on one thread."""
        cmd = self.engine_cmd(*args)  # type: ignore[arg-type]
        env = {"PYTHONPATH": str(self.engine_src)} if self.engine_src else {}
        sides = {"ours": (cmd, env)}
        if self.args.single_thread:  # no extra run for the final-state gap here: the "ours" side has it
            params = json.loads(cmd[4])
            cmd1 = cmd[:4] + [json.dumps({**params, "check_ms": None})] + cmd[5:]
            sides["ours1"] = (cmd1, {**env, "NUMBA_NUM_THREADS": "1"})
        return sides

    def slow_ms(self, name: str, limit: float) -> float:
        """Simulated ms of TVB's Python simulator or nb_mpr: at most `limit` on the 998-region graph."""
        return min(self.args.duration, limit) if name.startswith("syn998") else self.args.duration

    def tvb_models(self, name: str, model: str) -> dict:
        """Part 1: one model on one connectome, ours against TVB's Python simulator."""
        a_ref, a = self.coupling(model, name)
        cfun = "kuramoto" if model == "kuramoto" else "linear"
        duration = self.args.duration
        tvb_duration = self.slow_ms(name, self.args.tvb_998_ms)
        params = {"tvb_class": MODELS[model], "a": a, "cfun": cfun, "dt": DT_MS, "record": RECORD_MS,
                  "speed": SPEED_MM_PER_MS, "duration": tvb_duration}
        _, _, npz_path, arrays = self.connectome(name)
        check_ms = tvb_last_sample_ms(arrays["tract_lengths"], tvb_duration)
        sides = {**self.ours(name, model, a, cfun, "heun-tvb", duration, check_ms),
                 "tvb": ([str(self.tvb_python), "-c", TVB_CHILD, str(npz_path), json.dumps(params),
                          str(self.initial(model, name))], {})}
        runs = interleave(sides, self.repeats(name))
        row = {side: median_row(runs[side], tvb_duration if side == "tvb" else duration) for side in runs}
        return {"name": name, "model": model, "a_ref": a_ref, "a": a, **row, "gap": final_gap(row["ours"], row["tvb"]),
                "duration": duration, "tvb_duration": tvb_duration}

    def nb_mpr(self, name: str, compat: bool) -> dict:
        """Part 2: TVB's numba MPR backend against our montbrio-pazo-roxin, Heun."""
        model = "montbrio-pazo-roxin"
        a_ref, a = self.coupling(model, name)
        duration, nb_duration = self.args.duration, self.slow_ms(name, self.args.nb_998_ms)
        params = {"tvb_class": MODELS[model], "a": a, "cfun": "linear", "dt": DT_MS, "record": RECORD_MS,
                  "speed": SPEED_MM_PER_MS, "duration": nb_duration, "compat": compat}
        _, _, npz_path, _ = self.connectome(name)
        sides = {**self.ours(name, model, a, "linear", "heun-tvb", duration, nb_duration),
                 "nb": ([str(self.tvb_python), "-c", NB_CHILD, str(npz_path), json.dumps(params),
                         str(self.initial(model, name))], {})}
        runs = interleave(sides, self.repeats(name))
        row = {side: median_row(runs[side], nb_duration if side == "nb" else duration) for side in runs}
        return {"name": name, "compat": compat, "a": a, **row, "gap": final_gap(row["ours"], row["nb"]),
                "duration": duration, "nb_duration": nb_duration}

    def neurolib(self, name: str, neurolib_python: Path) -> dict:
        """Part 3: neurolib's numba Wilson–Cowan (Euler) against our wilson-cowan with Euler."""
        model = "wilson-cowan"
        _, a = self.coupling(model, name)
        duration = self.args.duration
        params = {"a": a, "dt": DT_MS, "record": RECORD_MS, "speed": SPEED_MM_PER_MS, "duration": duration}
        _, _, npz_path, _ = self.connectome(name)
        sides = {**self.ours(name, model, a, "linear", "euler", duration),
                 "neurolib": ([str(neurolib_python), "-c", NEUROLIB_CHILD, str(npz_path), json.dumps(params),
                               str(self.initial(model, name))], {})}
        runs = interleave(sides, self.repeats(name))
        return {"name": name, "a": a, **{side: median_row(runs[side], duration) for side in runs},
                "duration": duration, "projections": self.connectome(name)[0].number_of_edges()}

    def repeats(self, name: str) -> int:
        """--repeats, or --repeats-998 on the 998-region graphs."""
        return self.args.repeats_998 if name.startswith("syn998") and self.args.repeats_998 else self.args.repeats


def mib(n: float) -> str:
    """Bytes as MiB."""
    return vs_tvb.mib(n)


def gap_text(gap: float | None) -> str:
    """A gap cell."""
    return "n/a (times differ)" if gap is None else f"{gap:.1e}"


def ours_cells(r: dict, other: str) -> tuple[list[str], list[str]]:
    """The cells of our sides against `other` side: s/sim-s and ratio for ours (and ours on one thread)."""
    o, t = r["ours"], r[other]
    times = [f"{o['s_per_sim_s']:.3f}"] + ([f"{r['ours1']['s_per_sim_s']:.3f}"] if "ours1" in r else [])
    ratio = t["s_per_sim_s"] / o["s_per_sim_s"]
    ratios = [f"{ratio:.1f}"] + ([f"{t['s_per_sim_s'] / r['ours1']['s_per_sim_s']:.1f}"] if "ours1" in r else [])
    return times, ratios


def header(cells: list[tuple[str, str]]) -> None:
    """A Markdown table header from (title, alignment) pairs."""
    print("| " + " | ".join(c for c, _ in cells) + " |")
    print("| " + " | ".join("---:" if a == "r" else "---" for _, a in cells) + " |")


def print_tvb(rows: list[dict]) -> None:
    """Part 1's table."""
    one = "ours1" in rows[0]
    header([("connectome", "l"), ("model", "l"), ("a (ref a)", "r"), ("ours s/sim-s", "r")]
           + ([("ours 1-thread s/sim-s", "r")] if one else []) + [("TVB s/sim-s", "r"), ("TVB/ours", "r")]
           + ([("TVB/ours 1-thread", "r")] if one else []) + [("ours peak MiB", "r"),
           ("TVB peak MiB", "r"), ("finite", "l"), ("final-state gap", "r"),
           ("TVB configure s", "r"), ("runs", "r")])
    for r in rows:
        times, ratios = ours_cells(r, "tvb")
        o, t = r["ours"], r["tvb"]
        gap = f"{r['gap']:.1e} at {t['final_t']:g} ms" if r["gap"] is not None else "n/a (times differ)"
        finite = all(r[k]["finite"] for k in ("ours", "ours1", "tvb") if k in r)
        print("| " + " | ".join([r["name"], r["model"], f"{r['a']:.3g} ({r['a_ref']:g})", *times,
                                 f"{t['s_per_sim_s']:.3f}",
                                 *ratios, mib(max(r[k]["peak_rss"] for k in ("ours", "ours1") if k in r)),
                                 mib(t["peak_rss"]), "yes" if finite else "**NO**", gap, f"{t['configure_s']:.2f}",
                                 f"{o['runs']}/{t['runs']}"]) + " |")


def print_nb(rows: list[dict]) -> None:
    """Part 2's table."""
    one = "ours1" in rows[0]
    header([("connectome", "l"), ("nb_mpr mode", "l"), ("a", "r"), ("ours s/sim-s", "r")]
           + ([("ours 1-thread s/sim-s", "r")] if one else []) + [("nb_mpr s/sim-s", "r"), ("nb/ours", "r")]
           + ([("nb/ours 1-thread", "r")] if one else []) + [("nb_mpr compile s", "r"), ("ours peak MiB", "r"),
           ("nb_mpr peak MiB", "r"), ("finite", "l"), ("final-state gap", "r"), ("nb ms", "r"), ("runs", "r")])
    for r in rows:
        times, ratios = ours_cells(r, "nb")
        o, b = r["ours"], r["nb"]
        mode = "compatibility_mode=True (TVB's Heun)" if r["compat"] else "default (corrector re-couples)"
        finite = all(r[k]["finite"] for k in ("ours", "ours1", "nb") if k in r)
        print("| " + " | ".join([r["name"], mode, f"{r['a']:.3g}", *times, f"{b['s_per_sim_s']:.3f}", *ratios,
                                 f"{b['cold_s']:.2f}", mib(max(r[k]["peak_rss"] for k in ("ours", "ours1") if k in r)),
                                 mib(b["peak_rss"]), "yes" if finite else "**NO**", gap_text(r["gap"]),
                                 f"{r['nb_duration']:g}", f"{o['runs']}/{b['runs']}"]) + " |")


def print_neurolib(rows: list[dict]) -> None:
    """Part 3's table."""
    one = "ours1" in rows[0]
    header([("connectome", "l"), ("projections", "r"), ("a = K_gl", "r"), ("ours s/sim-s", "r")]
           + ([("ours 1-thread s/sim-s", "r")] if one else []) + [("neurolib s/sim-s", "r"), ("neurolib/ours", "r")]
           + ([("neurolib/ours 1-thread", "r")] if one else []) + [("neurolib compile s", "r"),
           ("ours peak MiB", "r"), ("neurolib peak MiB", "r"), ("finite", "l"), ("runs", "r")])
    for r in rows:
        times, ratios = ours_cells(r, "neurolib")
        o, n = r["ours"], r["neurolib"]
        finite = all(r[k]["finite"] for k in ("ours", "ours1", "neurolib") if k in r)
        print("| " + " | ".join([r["name"], f"{r['projections']:,}", f"{r['a']:.3g}", *times, f"{n['s_per_sim_s']:.3f}",
                                 *ratios, f"{n['cold_s']:.2f}",
                                 mib(max(r[k]["peak_rss"] for k in ("ours", "ours1") if k in r)), mib(n["peak_rss"]),
                                 "yes" if finite else "**NO**", f"{o['runs']}/{n['runs']}"]) + " |")


def ensure_neurolib(venv: str) -> Path:
    """The python of a venv with neurolib 0.6.2, made (once) at `venv`."""
    python = Path(venv) / "bin" / "python"
    probe = [str(python), "-c", "import neurolib.models.wc"]
    if python.exists() and subprocess.run(probe, capture_output=True).returncode == 0:
        return python
    print(f"creating {venv} with neurolib==0.6.2 (a few minutes)", file=sys.stderr)
    subprocess.run([sys.executable, "-m", "venv", venv], check=True)
    subprocess.run([str(python), "-m", "pip", "install", "-q", "neurolib==0.6.2"], check=True)
    subprocess.run(probe, check=True)
    return python


def parse_args() -> argparse.Namespace:
    """Command-line flags."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--tvb-python", help="a python whose venv has tvb-library (default: make one at --tvb-venv)")
    ap.add_argument("--tvb-venv", default="/work/tvb-venv", help="where to make that venv if needed")
    ap.add_argument("--neurolib-venv", default="/work/neurolib-venv", help="venv with neurolib 0.6.2 (made if needed)")
    ap.add_argument("--tvb-data", default="/work/tvb-data", help="folder with connectivity_76.zip and _192.zip")
    ap.add_argument("--only", action="append", choices=CONNECTOMES, help="run only these connectomes (repeatable)")
    ap.add_argument("--models", nargs="+", choices=list(MODELS), default=list(MODELS), help="part 1's models")
    ap.add_argument("--parts", nargs="+", choices=("tvb", "nb", "neurolib"), default=["tvb", "nb", "neurolib"])
    ap.add_argument("--duration", type=float, default=1000.0, help="simulated ms")
    ap.add_argument("--tvb-998-ms", type=float, default=100.0,
                    help="simulated ms of TVB's Python simulator on the 998-region graph (scaled to 1 s)")
    ap.add_argument("--nb-998-ms", type=float, default=200.0,
                    help="simulated ms of nb_mpr on the 998-region graph (scaled to 1 s)")
    ap.add_argument("--no-single-thread", dest="single_thread", action="store_false",
                    help="skip our runs on one thread (NUMBA_NUM_THREADS=1)")
    ap.add_argument("--snapshot", action="store_true",
                    help="run our side from a copy of HEAD's connectome/ (not the working tree, which may change)")
    ap.add_argument("--engine-src", help="run our side from this folder's connectome/ (put first on PYTHONPATH)")
    ap.add_argument("--repeats", type=int, default=3, help="runs of each side per point (median)")
    ap.add_argument("--repeats-998", type=int, help="repeats on the 998-region graphs (default: --repeats)")
    ap.add_argument("--nb-modes", nargs="+", choices=("default", "compat"), default=["default", "compat"],
                    help="nb_mpr's compatibility_mode False (default) and/or True (compat)")
    ap.add_argument("--neurolib-dense", action="store_true", help="also neurolib on a dense 998-region graph")
    ap.add_argument("--quick", action="store_true", help="smoke run: 20 ms, 1 repeat")
    args = ap.parse_args()
    if args.quick:
        args.duration, args.repeats, args.repeats_998 = 20.0, 1, 1
    return args


def main() -> None:
    """Measure the parts asked for and print their tables."""
    args = parse_args()
    names = args.only or list(CONNECTOMES)
    start = time.perf_counter()
    tvb_rows, nb_rows, nl_rows = [], [], []
    with tempfile.TemporaryDirectory(prefix="vs_tvb_models_") as tmp:
        bench = Bench(args, Path(tmp))
        for name in names:
            if "tvb" in args.parts:
                for model in args.models:
                    tvb_rows.append(bench.tvb_models(name, model))
                    print(f"  {name} {model}: {time.perf_counter() - start:.0f} s", file=sys.stderr)
            if "nb" in args.parts:
                for mode in args.nb_modes:
                    nb_rows.append(bench.nb_mpr(name, mode == "compat"))
                    print(f"  {name} nb_mpr {mode}: {time.perf_counter() - start:.0f} s", file=sys.stderr)
        if "neurolib" in args.parts:
            neurolib_python = ensure_neurolib(args.neurolib_venv)
            dense = ["syn998_100"] if args.neurolib_dense else []
            for name in [n for n in names if n in ("tvb76", "syn998_10")] + dense:
                nl_rows.append(bench.neurolib(name, neurolib_python))
                print(f"  {name} neurolib: {time.perf_counter() - start:.0f} s", file=sys.stderr)
        checks, tvb_python, revision = bench.checks, bench.tvb_python, bench.revision
    version = tvb_rows[0]["tvb"]["version"] if tvb_rows else nb_rows[0]["nb"]["version"] if nb_rows else "2.10"
    machine = vs_tvb.machine_line(tvb_python, version)
    machine = machine.replace(f"engine at {vs_tvb.engine_revision()}", f"engine at {revision}")
    print(machine + (f" neurolib {nl_rows[0]['neurolib']['version']} (own venv, numba "
                     f"{nl_rows[0]['neurolib'].get('numba', '?')})." if nl_rows else ""))
    slow, nb_slow = min(args.duration, args.tvb_998_ms), min(args.duration, args.nb_998_ms)
    print(f"dt {DT_MS} ms, delays at {SPEED_MM_PER_MS} mm/ms, record every {RECORD_MS} ms, {args.duration:g} ms "
          f"simulated (on syn998_10, TVB's Python simulator {slow:g} ms and nb_mpr {nb_slow:g} ms, scaled to 1 s), "
          f"{args.repeats} repeats "
          f"(median)" + (f", {args.repeats_998} on syn998_10" if args.repeats_998 else "")
          + f"; whole benchmark {time.perf_counter() - start:.0f} s. Arrays given to TVB/neurolib against TVB's own "
          f"load of the zip / the graph's edges: {', '.join(checks)}. 'ours': numba's default threads ("
          f"{os.cpu_count()}); 'ours 1-thread': NUMBA_NUM_THREADS=1. Peak MiB of ours: the larger of the two.")
    if tvb_rows:
        print("\n### Every model against TVB's Python simulator (Heun, deterministic)\n")
        print_tvb(tvb_rows)
        print("\nTVB/ours > 1: ours is faster. Peak: each child's VmHWM (largest over the runs). final-state gap: the "
              "largest |ours − TVB| over every variable and region at TVB's last sample (ours: an extra untimed run "
              "to that time if it is not one of our samples), scaled by max(1, |TVB|). On syn998_10 TVB's time over "
              f"{slow:g} ms is scaled to one simulated second.")
    if nb_rows:
        print("\n### TVB's numba backend (nb_mpr) against our montbrio-pazo-roxin (Heun)\n")
        print_nb(nb_rows)
        print("\nnb_mpr: HeunStochastic with zero noise, Raw monitor (keeps every step); its compile (one-step "
              "warm-up run, cached) is excluded from its s/sim-s. Ours records every 1 ms. On syn998_10 nb_mpr's time "
              f"over {nb_slow:g} ms is scaled to one simulated second; the gap is at nb's last step.")
    if nl_rows:
        print("\n### neurolib 0.6.2 numba Wilson–Cowan (Euler) against our wilson-cowan (Euler); a cost comparison\n")
        print_neurolib(nl_rows)
        print("\nneurolib: model.run() timed after a 1 ms warm-up run (its numba compile, excluded); its loop is dense "
              "(every region pair, zero weights included) and reads delays one step later than TVB's.")


if __name__ == "__main__":
    main()
