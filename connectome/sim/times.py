"""The times of the recorded samples, as floats nearest the exact decimals."""

from __future__ import annotations

from fractions import Fraction
from typing import Any


def sample_times(count: int, stride: int, dt: Fraction) -> Any:
    """t = k · stride · dt for k < count, each the float nearest the exact decimal when it can be."""
    import numpy as np

    scaled = stride * dt.numerator
    if (count - 1) * scaled < 2**53 and dt.denominator < 2**53:
        return np.arange(count, dtype=np.float64) * float(scaled) / float(dt.denominator)
    return np.arange(count, dtype=np.float64) * float(stride * dt)
