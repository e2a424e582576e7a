"""Monitors: what a run keeps while it steps, one module each, by name.

Each module gives `update(done, x, arrays)` (a kernel part, called after every step), `arrays(run)` (what
it holds, allocated before the first step), `bytes_needed(run)` (the same, counted before anything is
allocated: the memory verdict is the sum of the parts' figures) and `fields(run, arrays)` (what it adds
to the result). A run takes a recorder (`raw` or `temporal-average`) when it records its state
(`connectome.sim.spec.recording`), else the `signal` its analyses need, if any; the `summary` of the
observed variable and, when asked, `bold`. A new monitor is a module and a call to `register`.

In a batch (`connectome.sim.batch`) a monitor sees the points side by side as one network of regions ·
points regions: every numpy array of its `arrays` has the regions on its last axis (a batch holds its
points there), and anything else (a stride, a constant) is the same for every point of the batch.
"""

from __future__ import annotations

from dataclasses import dataclass
from types import ModuleType

from . import average, bold, raw, signal, summary


@dataclass(frozen=True)
class Monitor:
    """A monitor: its name and the module holding its parts."""

    name: str
    module: ModuleType
    doc: str
    recorder: bool = False  # records the state (one recorder per run: the `monitor` parameter)
    internal: bool = False  # chosen by the run itself, never named by a spec


MONITORS: dict[str, Monitor] = {}


def register(monitor: Monitor) -> Monitor:
    """Make `monitor` available to runs by its name."""
    MONITORS[monitor.name] = monitor
    return monitor


for _monitor in (Monitor("raw", raw, "every state variable every record_every_ms", recorder=True),
                 Monitor("temporal-average", average, "the mean over each record_every_ms window", recorder=True),
                 Monitor("summary", summary, "peak, mean and activation of the observed variable", internal=True),
                 Monitor("signal", signal, "the analyses' series when the state is not recorded", internal=True),
                 Monitor("bold", bold, "the BOLD signal of the Balloon–Windkessel model")):
    register(_monitor)


def recorders() -> tuple[str, ...]:
    """The monitors that can record a run's state (the `monitor` parameter)."""
    return tuple(name for name, m in MONITORS.items() if m.recorder)
