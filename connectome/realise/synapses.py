"""Each projection's synapse for the spiking hand-off: a signed weight and a delay, by one rule for every output.

The NEST and PyNN scripts and the SONATA circuit (`edge_types.csv`) all take them from `synapses`:

* sign: the projection's `sign` (1 excitatory, -1 inhibitory, checked as the engine checks it), else the sign of
  its `weight`, else 1; a negative `weight` with `sign: 1` is refused;
* weight: sign × |weight|, in NEST's units (pA for current-based models such as `iaf_psc_exp`, nS for
  conductance-based ones); without `weight`, sign × `DEFAULT_WEIGHT_PA`;
* delay (ms): `delay` (or `delay_ms`, the same attribute with its unit in the name); else `tract_length` (mm) /
  speed (mm/ms: the caller's, else `DEFAULT_SPEED_MM_PER_MS`); else `DEFAULT_DELAY_MS`.

Every default used is reported by one `ConnectomeWarning` per kind, naming how many projections and the first.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass
from fractions import Fraction
from typing import TYPE_CHECKING, Any

from ..errors import ConnectomeWarning, InputError, Mention
from ..exact import exact
from ..numeric import is_number

if TYPE_CHECKING:
    from ..graph import Rows

DEFAULT_WEIGHT_PA = 1.0  # NEST's static_synapse default, written out so that PyNN (whose default is 0) agrees
DEFAULT_DELAY_MS = 1.0  # NEST's static_synapse default
DEFAULT_SPEED_MM_PER_MS = 3.0  # TVB's default conduction speed
RESOLUTION_MS = 0.1  # NEST's and PyNN's default time step
TIC_MS = Fraction(1, 1000)  # NEST's default tic: every resolution is a whole number of tics


@dataclass(frozen=True)
class Synapse:
    """One projection's synapse: its sign, signed weight (pA) and delay (ms), and whether the delay was given."""

    sign: int
    weight: float
    delay: float
    delay_given: bool


def synapses(rows: Rows, *, speed: float | None = None) -> list[Synapse]:
    """The synapse of every projection of `rows`, in their order; warn (ConnectomeWarning) of each default used.

    Parameters
    ----------
    rows : Rows
        The topology.
    speed : float, optional
        Conduction speed in mm/ms for delays from `tract_length`; `DEFAULT_SPEED_MM_PER_MS` (with a warning
        when used) if None.

    Returns
    -------
    list of Synapse
    """
    if speed is not None and not (is_number(speed) and 0 < speed < math.inf):
        raise InputError(Mention("speed"), f": must be a finite number > 0 (mm/ms), got {speed!r}")
    names = [name for name, _ in rows.regions]
    columns = rows.columns("sign", "weight", "delay", "delay_ms", "tract_length")
    defaulted: dict[str, list[str]] = {"weight": [], "delay": [], "speed": []}
    out = []
    for i, (sign, weight, delay, delay_ms, length) in enumerate(zip(*columns)):
        where = f"{names[rows.sources[i]]!r} -> {names[rows.targets[i]]!r}"
        weight = _number(where, "weight", weight, "pA")
        sign = _sign(where, sign, weight)
        if weight is None:
            defaulted["weight"].append(where)
        magnitude = DEFAULT_WEIGHT_PA if weight is None else abs(weight)
        given = _delay(where, delay, delay_ms)
        if given is None and length is not None:
            length = _number(where, "tract_length", length, "mm", low=0.0)
            if speed is None:
                defaulted["speed"].append(where)
            out.append(Synapse(sign, sign * magnitude, length / float(speed or DEFAULT_SPEED_MM_PER_MS), False))
            continue
        if given is None:
            defaulted["delay"].append(where)
        out.append(Synapse(sign, sign * magnitude, DEFAULT_DELAY_MS if given is None else given, given is not None))
    _warn_defaults(defaulted)
    return out


def resolution(found: list[Synapse]) -> float:
    """The coarsest time step (ms), at most `RESOLUTION_MS`, of which every given delay is a whole number.

    A given delay that no step of whole NEST tics (1 µs) divides leaves `RESOLUTION_MS`, with a warning: the
    simulator rounds that delay to its grid. Delays from tract lengths are not considered (they are rounded).
    """
    step = Fraction(str(RESOLUTION_MS))
    for synapse in found:
        if synapse.delay_given:
            delay = exact(synapse.delay)
            step = Fraction(math.gcd(step.numerator * delay.denominator, delay.numerator * step.denominator),
                            step.denominator * delay.denominator)
    if (step / TIC_MS).denominator != 1:
        warnings.warn(ConnectomeWarning(f"some delays are not whole microseconds: the simulator rounds them to its "
                                        f"{RESOLUTION_MS} ms step"), stacklevel=2)
        return RESOLUTION_MS
    if step < Fraction(str(RESOLUTION_MS)) / 10:
        warnings.warn(ConnectomeWarning(f"the given delays make the simulators' time step {float(step):g} ms (every "
                                        "delay a whole number of steps), more than 10 times finer than "
                                        f"{RESOLUTION_MS} ms: runs take as many times longer (a script's resolution "
                                        "chooses one)"), stacklevel=2)
    return float(step)


def _sign(where: str, sign: Any, weight: float | None) -> int:
    if sign is None:
        return -1 if weight is not None and weight < 0 else 1
    if not (is_number(sign) and sign in (1, -1)):
        raise InputError(f"projection {where}.sign: must be 1 (excitatory) or -1 (inhibitory), got {sign!r}")
    if sign == 1 and weight is not None and weight < 0:
        raise InputError(f"projection {where}: weight {weight!r} is inhibitory and sign is 1; make them agree")
    return int(sign)


def _number(where: str, key: str, value: Any, unit: str, low: float | None = None) -> float | None:
    """`value` as a float, None when absent; refuse anything but a finite number (≥ `low` when given)."""
    if value is None:
        return None
    if not (is_number(value) and math.isfinite(value)) or (low is not None and value < low):
        bound = "" if low is None else f" ≥ {low:g}"
        raise InputError(f"projection {where}.{key}: must be a finite number{bound} ({unit}), got {value!r}")
    return float(value)


def _delay(where: str, delay: Any, delay_ms: Any) -> float | None:
    """The given delay in ms (`delay` or `delay_ms`), None when neither; both must agree, and be > 0."""
    values = {key: _number(where, key, value, "ms") for key, value in (("delay", delay), ("delay_ms", delay_ms))
              if value is not None}
    if len(set(values.values())) > 1:
        raise InputError(f"projection {where}: delay {delay!r} and delay_ms {delay_ms!r} disagree; keep one")
    for key, value in values.items():
        if value <= 0:
            raise InputError(f"projection {where}.{key}: must be > 0 (ms), got {value!r}")
        return value
    return None


def _warn_defaults(defaulted: dict[str, list[str]]) -> None:
    """One ConnectomeWarning per kind of default used, naming how many projections and the first."""
    texts = {"weight": ("without weight", f"{DEFAULT_WEIGHT_PA} pA, negative where sign is -1"),
             "delay": ("without delay, delay_ms or tract_length", f"{DEFAULT_DELAY_MS} ms"),
             "speed": ("without delay", f"delay = tract_length / {DEFAULT_SPEED_MM_PER_MS} mm/ms, the default "
                                       "speed (", Mention("speed"), " to choose)")}
    for kind, where in defaulted.items():
        if where:
            what, *default = texts[kind]
            who = f"{len(where):,} projections {what} (e.g. {where[0]})" if len(where) > 1 else \
                f"projection {where[0]} {what}"
            warnings.warn(ConnectomeWarning(f"{who}: ", *default), stacklevel=3)
