"""The recording stride: record_every / dt of the decimals as written, rounded half up."""

import pytest

from connectome.sim.spec import RunSpec, timing


@pytest.mark.parametrize("every, stride", [(0.1, 1), (0.15, 2), (0.25, 3), (0.3, 3), (0.35, 4), (1.0, 10), (0.14, 1)])
def test_the_stride_is_the_decimal_ratio_rounded_half_up(every, stride):
    """0.15 / 0.1 is 1.4999999999999998 in doubles; the decimals as written say 1.5, which rounds up to 2."""
    assert timing(RunSpec(neurons=10, dt_ms=0.1, duration_ms=10, record_every_ms=every)).stride == stride
