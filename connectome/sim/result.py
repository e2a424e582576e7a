"""What a run produced: the recorded series, a summary per region, and the parameters it ran with."""

from __future__ import annotations

import csv
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import InputError
from .labelled import Labelled
from .spec import RunSpec
from .stimulus import Stimulus

if TYPE_CHECKING:
    import numpy as np


@dataclass
class SimulationResult(Labelled):
    """What a run produced: the recorded series, a per-region summary and the parameters."""

    regions: list[str]
    region_neurons: list[int] | None  # None: a run without N
    time_ms: np.ndarray
    activity: np.ndarray
    summary_regions: list[dict]
    propagation_order: list[str] | None  # None: a model without an activation level (the neural masses)
    total_connections: int | None
    neurons: int | None
    duration_ms: float
    dt_ms: float
    steps: int
    seed: int | None
    deterministic: bool
    speed_mm_per_ms: float | None  # the conduction speed of the delays; None: the run has none
    record_every_ms: float
    coupling: float
    width: float
    stimuli: list[Stimulus] = field(default_factory=list)
    model: str = "rate"
    coupling_mode: str = "mean-input"
    kernel: str = "scatter"
    spec: RunSpec | None = None
    states: dict[str, np.ndarray] = field(default_factory=dict)  # every recorded state variable, [samples, regions]
    bold: np.ndarray | None = None  # [BOLD samples, regions]
    bold_time_ms: np.ndarray | None = None
    fc: np.ndarray | None = None  # [regions, regions]
    fc_sc: dict[str, float | None] | None = None
    observed: str = "a"  # the state variable `activity` holds
    monitors: dict[str, Any] = field(default_factory=dict)  # further monitors' arrays, "NAME.KEY"
    fcd: np.ndarray | None = None  # [windows, windows] (connectome.sim.fcd), when the spec asks for it
    fcd_time_ms: np.ndarray | None = None  # the first sample's time of each FCD window
    spectrum_hz: np.ndarray | None = None  # the frequencies of spectrum_power
    spectrum_power: np.ndarray | None = None  # [frequencies, regions] (connectome.sim.spectrum)
    analyses: dict[str, Any] = field(default_factory=dict)  # their summaries: "fcd", "spectrum"
    # the series the FC, FCD and spectrum are of when the state is not recorded (`recording`): the model's
    # proxy [samples, regions] every record_every_ms; used by the analyses, never written
    signal: np.ndarray | None = None
    signal_time_ms: np.ndarray | None = None

    def parameters(self) -> dict[str, Any]:
        """The run's parameters as plain JSON-able values (stimuli in their text form)."""
        return {
            "neurons": self.neurons,
            "duration_ms": self.duration_ms,
            "dt_ms": self.dt_ms,
            "steps": self.steps,
            "seed": self.seed,
            "deterministic": self.deterministic,
            "speed_mm_per_ms": self.speed_mm_per_ms,
            "record_every_ms": self.record_every_ms,
            "coupling": self.coupling,
            "width": self.width,
            "stimuli": [s.text() for s in self.stimuli],
            "model": self.model,
            "coupling_mode": self.coupling_mode,
            "kernel": self.kernel,
        }

    def summary(self) -> dict[str, Any]:
        """The summary as plain JSON-able values (no time series), with the fields of the run's model only:
        `neurons` and `total_connections` where the run has N, `propagation_order` where the model has an
        activation level, `fc_sc` and `fc_log_sc` where it has FC, the analyses' entries where asked."""
        counts = {} if self.neurons is None else {"neurons": self.neurons, "total_connections": self.total_connections}
        order = {} if self.propagation_order is None else {"propagation_order": list(self.propagation_order)}
        return counts | {"regions": [dict(r) for r in self.summary_regions]} | order | (self.fc_sc or {}) \
            | self.analyses

    def write(self, path: str | os.PathLike, suffix: str | None = None) -> None:
        """Write the recorded series: `.npz` (time_ms and activity when the state is recorded, regions, and
        every other array the run has) or `.csv` (time_ms,<region>,…), atomically.

        `suffix` chooses the format when the path's own extension does not (a staged temporary name).
        """
        p = Path(path)
        suffix = (suffix or p.suffix).lower()
        if suffix not in (".npz", ".csv"):
            raise InputError(f"{p}: unknown output format {p.suffix or '(no extension)'!r}; use .npz or .csv")
        import numpy as np

        from ..atomic import open_output, text_stream

        with open_output(p, binary=True) as fh:
            if suffix == ".npz":
                extra = {k: v for k, v in (("bold", self.bold), ("bold_time_ms", self.bold_time_ms), ("fc", self.fc),
                                           ("fcd", self.fcd), ("fcd_time_ms", self.fcd_time_ms),
                                           ("spectrum_hz", self.spectrum_hz), ("spectrum_power", self.spectrum_power))
                         if v is not None}
                traces = {"time_ms": self.time_ms, "activity": self.activity} if len(self.time_ms) else {}
                np.savez(fh, **traces, regions=np.array(self.regions, dtype=str), **self.states, **extra,
                         **self.monitors)
            else:
                text = text_stream(fh)
                writer = csv.writer(text, lineterminator="\n")
                writer.writerow(["time_ms", *self.regions])
                for t, row in zip(self.time_ms.tolist(), self.activity.tolist()):
                    writer.writerow([repr(t), *map(repr, row)])
                text.flush()
                text.detach()
