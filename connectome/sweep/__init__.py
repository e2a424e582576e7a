"""Parameter sweeps on Dask: a grid of run parameters × seeds, every point a recorded run, resumable."""

from .grid import Grid, parse_axis
from .runner import sweep

__all__ = ["Grid", "parse_axis", "sweep"]
