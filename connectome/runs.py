"""Simulate a stored topology version and record the run: one service for the CLI and for Python.

The spec is checked, the seed drawn, the plan built and the counts taken once (`prepare`); the memory,
step-count and time verdicts are given once, before anything runs; the output is written once.
"""

from __future__ import annotations

import os
import resource
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Callable

from .errors import InputError, Mention
from .atomic import staged
from .sim import RunSpec, checked_run, prepare
from .sim.compile import ENGINE_VERSION
from .store import Store, VersionRef
from .store.runs import RUN_OUTPUT_SUFFIXES as OUTPUT_SUFFIXES


PROGRESS_DELAY_S = 2.0  # runs shorter than this draw no bar at all: a quick run prints nothing extra


def progress_delay() -> float:
    """Seconds a run waits before its progress bar (on a terminal only) first appears.

    `CONNECTOME_PROGRESS_DELAY` (a number of seconds from 0 to 86400) when set, else 2: the bar is for
    long runs, so a run that ends sooner never draws one. 0 draws it at once, as the tests do to see the
    bar on a short run. A value that is not such a number is refused (InputError), before anything runs.
    """
    from .settings import seconds

    return seconds("CONNECTOME_PROGRESS_DELAY", PROGRESS_DELAY_S)


def check_output(path: str | None) -> None:
    """Refuse an output path that cannot be written before any work is done."""
    if path is None:
        return
    target = Path(path)
    if target.suffix.lower() not in OUTPUT_SUFFIXES:
        raise InputError(Mention("output"), f": {path}: use a .npz or .csv file name")
    if not target.parent.is_dir():
        raise InputError(Mention("output"), f": {path}: folder {str(target.parent)!r} does not exist")


def check_csv(path: str | None, prepared: Any) -> None:
    """Refuse, before the run, a .csv output that cannot carry what the prepared run records (a .csv file
    holds the observed variable's trace only), naming the .npz file that can.

    Examples
    --------
    >>> import networkx as nx
    >>> from connectome.sim import make_spec, prepare
    >>> g = nx.DiGraph(); g.add_node("a", share=1.0); g.add_node("b", share=1.0); g.add_edge("a", "b", strength=1.0)
    >>> p = prepare(g, make_spec(10, model="wilson-cowan", duration_ms=10.0, bold=True, fc=True, seed=1))
    >>> check_csv("run.csv", p)
    Traceback (most recent call last):
    ...
    connectome.errors.InputError: output: run.csv: a .csv file holds the observed variable's trace only, and this run has BOLD, FC and no raw traces; use run.npz
    """
    if path is None or Path(path).suffix.lower() != ".csv":
        return
    from .sim.spec import recording

    spec, names = prepared.spec, [v.name for v in prepared.model.state_variables]
    has = [what for what, asked in (("BOLD", spec.bold), ("FC", spec.fc), ("FCD", spec.fcd_window_ms is not None),
                                    ("a spectrum", spec.spectrum)) if asked]
    has += [f"the {name} monitor" for name in spec.monitors]
    if not recording(spec):
        has.append("no raw traces")
    elif len(names) > 1 and not prepared.relaxation:
        has.append(f"{len(names)} state variables ({', '.join(names)})")
    if has:
        text = has[0] if len(has) == 1 else f"{', '.join(has[:-1])} and {has[-1]}"
        raise InputError(Mention("output"), f": {path}: a .csv file holds the observed variable's trace only, and "
                         f"this run has {text}; use {Path(path).with_suffix('.npz')}")


def peak_rss_bytes() -> int:
    """The peak resident memory of this process so far (Linux reports KiB, macOS bytes)."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak if sys.platform == "darwin" else peak * 1024


def record_simulation(store: Store, version: VersionRef, spec: RunSpec, *, output: str | None = None,
                      show_progress: bool = False, warn: Callable[[str], None] | None = None,
                      plot: str | None = None, threads: int | None = None) -> tuple[dict[str, Any], Any]:
    """Run `spec` on a stored version, write its activity (and its picture) if asked and record the run: its
    summary (what the `simulate` command prints, its `run_id` set) and its `SimulationResult`.

    The progress bar (`show_progress`) appears after `progress_delay()` seconds."""
    from tqdm import tqdm

    check_output(output)
    delay = progress_delay()  # checked on every run, a bar or not
    store._reconcile_pending()
    if plot is not None:
        from .plots import check_picture
        from .plots.run import NO_TRACES
        from .sim.spec import recording

        check_picture(plot)
        if not recording(spec):
            raise InputError(Mention("plot"), f": this run {NO_TRACES}", Mention("record"))
    prepared = prepare(store.columns(version), spec)
    check_csv(output, prepared)
    started, clock = datetime.now(UTC), time.perf_counter()
    with tqdm(total=prepared.timing.steps, unit="step", delay=delay, file=sys.stderr, disable=not show_progress,
              leave=False) as bar:
        result = checked_run(prepared, bar.update, threads, warn=warn or (lambda _text: None))
    wall_s = time.perf_counter() - clock
    spec = prepared.spec  # with the seed drawn
    # recorded as an absolute path: the run is found again from any folder (written where it was typed)
    summary = run_summary(result, version.ref, spec, wall_s, None if output is None else os.path.abspath(output))

    def record(staged: Path | None = None) -> int:
        neurons = None if spec.neurons is None else int(spec.neurons)
        return store._record_run(version, neurons=neurons, parameters=spec.to_json(), seed=spec.seed, summary=summary,
                                output=summary["output"], started_at=started, wall_s=wall_s,
                                peak_rss_bytes=summary["peak_rss_bytes"], staged=None if staged is None else str(staged))

    if plot is not None:
        from .plots import plot_run

        at = "" if spec.neurons is None else f" at {int(spec.neurons):,} neurons"
        plot_run(result, plot, title=f"{version.ref}: {spec.model}{at}")
        summary["plot"] = plot
    if output is None:
        summary["run_id"] = record()
        return summary, result
    with staged(output) as tmp:
        result.write(tmp, suffix=Path(output).suffix)
        summary["run_id"] = _publish(store, record(staged=tmp), tmp, output)
    return summary, result


def _publish(store: Store, run_id: int, tmp: Path, output: str) -> int:
    """Put a pending run's complete file in place, then clear its mark (see `Store._record_run`).

    The file is complete under its temporary name before the run is committed as pending; a process
    killed after that commit leaves a pending row that the next writer settles: completed if this
    rename happened, else deleted with the temporary file. No complete file is ever left unnamed.
    """
    try:
        os.replace(tmp, output)
    except OSError:
        store._discard_run(run_id, reason="its output file could not be put in place")
        raise
    store._complete_run(run_id)
    return run_id


def run_summary(result: Any, ref: str, spec: RunSpec, wall_s: float, output: str | None) -> dict[str, Any]:
    """What a run's record and its JSON show, flat, with the fields of its model only (see `SUMMARY_FIELDS`).

    Examples
    --------
    >>> import networkx as nx
    >>> from connectome.sim import simulate
    >>> g = nx.DiGraph(); g.add_node("a", share=1.0); g.add_node("b", share=1.0)
    >>> g.add_edge("a", "b", strength=1.0, tract_length=30.0); g.add_edge("b", "a", strength=1.0, tract_length=30.0)
    >>> result = simulate(g, model="linear", duration_ms=20.0, dt_ms=0.01, fc=True)
    >>> summary = run_summary(result, "pair@v1", result.spec, 0.5, None)
    >>> [k for k in SUMMARY_FIELDS if k in summary]  # no neurons, connection counts or propagation order
    ['run_id', 'ref', 'duration_ms', 'dt_ms', 'seed', 'deterministic', 'model', 'observed', 'coupling_mode', 'kernel', 'speed_mm_per_ms', 'regions', 'wall_s', 'peak_rss_bytes', 'output', 'engine', 'fc_sc', 'fc_log_sc']
    >>> summary["speed_mm_per_ms"], sorted(summary["regions"][0])
    (3.0, ['mean_activity', 'name', 'peak_activity'])
    """
    summary = {
        "run_id": None, "ref": ref, **({} if spec.neurons is None else {"neurons": int(spec.neurons)}),
        "duration_ms": result.duration_ms, "dt_ms": result.dt_ms, "seed": spec.seed,
        "deterministic": result.deterministic, "model": spec.model, "observed": result.observed,
        "coupling_mode": result.coupling_mode, "kernel": result.kernel, "speed_mm_per_ms": result.speed_mm_per_ms,
    }
    if result.total_connections is not None:
        summary["total_connections"] = result.total_connections
    summary["regions"] = result.summary_regions
    if result.propagation_order is not None:
        summary["propagation_order"] = result.propagation_order
    summary.update({"wall_s": round(wall_s, 6), "peak_rss_bytes": peak_rss_bytes(), "output": output,
                    "engine": ENGINE_VERSION})
    summary.update(result.fc_sc or {})  # "fc_sc", "fc_log_sc": when the run has FC
    summary.update(result.analyses)  # "fcd", "spectrum": when the spec asks for them
    return summary


# A run's summary, in order: the key, and when it is there. Documented in the README ("What a run records").
SUMMARY_FIELDS = {
    "run_id": "always", "ref": "always", "neurons": "when the run has N (the rate model, mean-input coupling, "
    "or N given)", "duration_ms": "always", "dt_ms": "always", "seed": "always (None when deterministic)",
    "deterministic": "always", "model": "always", "observed": "always", "coupling_mode": "always",
    "kernel": "always", "speed_mm_per_ms": "always (None without delays)",
    "total_connections": "with neurons", "regions": "always", "propagation_order": "the rate model",
    "wall_s": "always", "peak_rss_bytes": "always", "output": "always (None without an output file)",
    "engine": "always", "fc_sc": "with FC", "fc_log_sc": "with FC", "fcd": "with an FCD",
    "spectrum": "with a spectrum",
}


def replay(store: Store, run_id: int, record: bool | None = None) -> tuple[dict[str, Any], Any]:
    """A recorded run and its result, run again in memory from its RunSpec (bit-identical), recording nothing
    in the store; `record` True keeps its raw traces (to draw them) even where the run did not record them."""
    from dataclasses import replace

    found = store.run(run_id)
    spec = spec_of_run(found)
    if record is not None:
        spec = replace(spec, record=record)
    return found, checked_run(prepare(store.columns(store.resolve(found["ref"])), spec), warn=lambda _text: None)


def engine_change(found: dict[str, Any]) -> str | None:
    """What to tell before rerunning a recorded run that another engine version ran, or None (same engine)."""
    recorded = found["summary"].get("engine")
    if recorded == ENGINE_VERSION:
        return None
    by = f"engine {recorded}" if recorded else "an engine that did not record its version"
    return f"run {found['id']} was recorded by {by}; this is engine {ENGINE_VERSION}: the numbers may differ"


def spec_of_run(found: dict[str, Any]) -> RunSpec:
    """The RunSpec a recorded run ran with (runs recorded before RunSpec existed are translated)."""
    parameters = dict(found["parameters"])
    if "neurons" in parameters:
        return RunSpec.from_json(parameters)
    width = parameters.pop("width", None)
    stimuli = [s if isinstance(s, str) else _stimulus_text(s) for s in parameters.pop("stimuli", [])]
    known = {k: parameters[k] for k in ("duration_ms", "dt_ms", "speed_mm_per_ms", "record_every_ms", "coupling",
                                        "deterministic", "max_steps") if k in parameters}
    return RunSpec(neurons=found["neurons"], seed=found["seed"], stimuli=tuple(stimuli),
                   params={} if width is None else {"width": width},
                   delays=known.get("speed_mm_per_ms") is not None, **known)


def _stimulus_text(stimulus: dict[str, Any]) -> str:
    from .sim.stimulus import Stimulus

    return Stimulus(**stimulus).text()
