"""How the coupling kernel holds the network (`kernel` in a run's spec), one module each.

* `scatter` (`pull`): edges grouped by target, each target's inputs summed in projection order — the
  reference order; with `precision="tvb"`, TVB's own sums;
* `push`: edges grouped by source (the default for sparse graphs);
* `dense`: source-major matrices, chosen by `auto` above DENSE_ABOVE density from DENSE_FROM_REGIONS regions.

Every layout sums in an order fixed by the network, so results are identical for any thread count, and
keeps its history in the one ring of `connectome.sim.history`.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from types import ModuleType
from typing import Any

from ...errors import InputError, Mention

DENSE_ABOVE = 0.25  # density (projections / regions²) above which `auto` takes the dense layout
DENSE_FROM_REGIONS = 256  # below, the sparse layouts are as fast


@dataclass(frozen=True)
class Layout:
    """A coupling layout: its module holds `couple` (the kernel part), `arrays` and `bytes_needed`; it is
    imported when a run uses it (it imports numba)."""

    name: str
    module_name: str
    doc: str

    @property
    def module(self) -> ModuleType:
        """The layout's module."""
        return importlib.import_module(self.module_name if "." in self.module_name else f"{__name__}.{self.module_name}")


LAYOUTS = {layout.name: layout for layout in (
    Layout("scatter", "pull", "edges by target, summed in projection order (the reference order)"),
    Layout("push", "push", "edges by source, summed in fixed source blocks"),
    Layout("dense", "dense", "source-major weight and delay matrices, summed in fixed source blocks"),
)}
KERNELS = ("auto", *LAYOUTS)


def register(layout: Layout) -> Layout:
    """Make `layout` available to runs by its name (the `kernel` parameter)."""
    LAYOUTS[layout.name] = layout
    return layout


LEGACY = {"numba": "auto", "csr": "scatter"}  # the names of earlier engines' kernels, in stored runs


def choose_layout(kernel: str, plan: Any, tvb: bool) -> str:
    """The layout a run uses: the one asked for, or by the network's size and density."""
    kernel = LEGACY.get(kernel, kernel)
    if tvb:
        if kernel not in ("auto", "scatter"):
            raise InputError(Mention("kernel", kernel), ": precision tvb sums as TVB does, with the scatter kernel")
        return "scatter"
    if kernel != "auto":
        return kernel
    R = len(plan.regions)
    if R >= DENSE_FROM_REGIONS and plan.projections / R**2 > DENSE_ABOVE:
        return "dense"
    return "push"
