"""The recording stride: record_every / dt of the decimals as written, a whole number of steps or refused."""

import pytest

from connectome.errors import InputError
from connectome.sim.spec import RunSpec
from connectome.sim.timing import timing


@pytest.mark.parametrize("every, stride", [(0.1, 1), (0.3, 3), (1.0, 10), (0.7, 7), (10, 100)])
def test_the_stride_is_the_decimal_ratio(every, stride):
    """0.3 / 0.1 is 2.9999999999999996 in doubles; the decimals as written say 3."""
    assert timing(RunSpec(neurons=10, dt_ms=0.1, duration_ms=10, record_every_ms=every)).stride == stride


@pytest.mark.parametrize("dt, every, message", [
    (0.4, 1.0, "got 1 ms; the nearest are 0.8 ms and 1.2 ms"),
    (0.1, 0.15, "got 0.15 ms; the nearest are 0.1 ms and 0.2 ms"),
    (0.1, 0.14, "got 0.14 ms; the nearest are 0.1 ms and 0.2 ms"),
])
def test_a_period_that_is_no_whole_number_of_steps_is_refused_with_the_nearest(dt, every, message):
    with pytest.raises(InputError) as caught:
        timing(RunSpec(neurons=10, dt_ms=dt, duration_ms=10, record_every_ms=every))
    assert str(caught.value) == f"record_every_ms: must be a whole number of time steps ({dt:g} ms), {message}"
