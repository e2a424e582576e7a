"""Simulate a stored topology version and record the run, its summary and timings in the store."""

from __future__ import annotations

import functools
import os
import resource
import sys
import time
from dataclasses import asdict, is_dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import networkx as nx
import numpy as np
from tqdm import tqdm

from .engine import simulate
from .errors import InputError
from .formats._io import staged
from .store import Store, VersionRef

OUTPUT_SUFFIXES = (".npz", ".csv")


def check_output(path: str | None) -> None:
    """Refuse an output path that cannot be written before any work is done."""
    if path is None:
        return
    target = Path(path)
    if target.suffix.lower() not in OUTPUT_SUFFIXES:
        raise InputError(f"--output: {path}: use a .npz or .csv file name")
    if not target.parent.is_dir():
        raise InputError(f"--output: {path}: folder {str(target.parent)!r} does not exist")


def peak_rss_bytes() -> int:
    """The peak resident memory of this process so far (Linux reports KiB, macOS bytes)."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak if sys.platform == "darwin" else peak * 1024


def simulate_version(store: Store, version: VersionRef, graph: nx.DiGraph, neurons: int, *,
                     output: str | None = None, show_progress: bool = False, seed: int | None = None,
                     **params: Any) -> dict[str, Any]:
    """Run the engine on a stored version, write its activity if asked, record the run and return its summary."""
    check_output(output)
    if seed is None and not params.get("deterministic"):
        seed = int(np.random.SeedSequence().entropy % 2**63)  # drawn here so that the run can be repeated
    steps = max(1, round(params.get("duration_ms", 1000.0) / params.get("dt_ms", 0.1)))
    started = datetime.now(UTC)
    clock = time.perf_counter()
    with tqdm(total=steps, unit="step", delay=2, file=sys.stderr, disable=not show_progress, leave=False) as bar:
        result = simulate(graph, neurons, seed=seed, progress=bar.update, **params)
    wall_s = time.perf_counter() - clock
    stimuli = [asdict(s) if is_dataclass(s) else s for s in params.pop("stimuli", ())]
    summary = {
        "run_id": None,
        "ref": version.ref,
        "neurons": neurons,
        "duration_ms": result.duration_ms,
        "dt_ms": result.dt_ms,
        "seed": seed,
        "deterministic": result.deterministic,
        "total_connections": result.total_connections,
        "regions": result.summary_regions,
        "propagation_order": result.propagation_order,
        "wall_s": round(wall_s, 6),
        "peak_rss_bytes": peak_rss_bytes(),
        "output": output,
    }
    record = functools.partial(
        store.record_run, version, neurons=neurons, parameters={**params, "stimuli": stimuli}, seed=seed,
        summary=summary, output=output, started_at=started, wall_s=wall_s, peak_rss_bytes=summary["peak_rss_bytes"])
    if output is None:
        summary["run_id"] = record()
        return summary
    with staged(output) as tmp:
        # complete under a temporary name first; renamed inside the run's transaction, just before it
        # commits: a killed run leaves neither a truncated file nor a record without its file
        result.write(tmp, suffix=Path(output).suffix)
        summary["run_id"] = record(before_commit=lambda: os.replace(tmp, output))
    return summary
