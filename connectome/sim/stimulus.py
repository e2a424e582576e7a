"""Stimuli: a constant input to a region while a time window is on, in the `REGION=AMPLITUDE[@START:END]` form."""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass
from typing import Sequence

from ..errors import InputError

STIMULUS_SYNTAX = "REGION=AMPLITUDE[@START:END]"


def is_finite_number(value: object) -> bool:
    """A real number (not a boolean) that is finite."""
    return isinstance(value, numbers.Real) and not isinstance(value, bool) and math.isfinite(value)


@dataclass(frozen=True)
class Stimulus:
    """A constant input `amplitude` added to `region`'s input while start_ms ≤ t < end_ms (None: to the end)."""

    region: str
    amplitude: float
    start_ms: float = 0.0
    end_ms: float | None = None

    def text(self) -> str:
        """The `REGION=AMPLITUDE[@START:END]` form that :func:`parse_stimulus` reads back."""
        window = ""
        if self.start_ms != 0 or self.end_ms is not None:
            end = "" if self.end_ms is None else _number_text(self.end_ms)
            window = f"@{_number_text(self.start_ms)}:{end}"
        return f"{self.region}={_number_text(self.amplitude)}{window}"


def _number_text(value: float) -> str:
    """The shortest text that reads back as `value`: 1 for 1.0, 0.1 for 0.1."""
    value = float(value)
    return str(int(value)) if value.is_integer() and abs(value) < 1e16 else repr(value)


def _stimulus_number(text: str, what: str, whole: str) -> float:
    try:
        value = float(text.strip())
    except ValueError:
        value = None
    if value is None or not text.strip() or not math.isfinite(value):
        raise InputError(f"--stimulus: {what} must be a finite number, got {text.strip()!r} in {whole!r}")
    return value


def parse_stimulus(text: str) -> Stimulus:
    """A stimulus from `REGION=AMPLITUDE[@START:END]` (times in ms; START or END may be left out).

    The text is split on its last ``=`` (region names may contain ``=`` and ``@``), then the
    amplitude part on ``@``. ``a=1`` is on from 0 to the end, ``a=1@100:200`` from 100 ms to 200 ms,
    ``a=1@100`` or ``a=1@100:`` from 100 ms on, ``a=1@:50`` from 0 to 50 ms.

    >>> parse_stimulus("sensory_cortex=1.0@10:50")
    Stimulus(region='sensory_cortex', amplitude=1.0, start_ms=10.0, end_ms=50.0)
    """
    if not isinstance(text, str) or "=" not in text:
        raise InputError(f"--stimulus: expected {STIMULUS_SYNTAX}, got {text!r}")
    region, rest = text.rsplit("=", 1)
    if not region.strip():
        raise InputError(f"--stimulus: the region name is empty in {text!r} (expected {STIMULUS_SYNTAX})")
    amplitude_text, at, window = rest.partition("@")
    amplitude = _stimulus_number(amplitude_text, "the amplitude", text)
    start, end = 0.0, None
    if at:
        start_text, _, end_text = window.partition(":")
        if not start_text.strip() and not end_text.strip():
            raise InputError(f"--stimulus: empty time window after '@' in {text!r} (expected {STIMULUS_SYNTAX})")
        if start_text.strip():
            start = _stimulus_number(start_text, "the start time", text)
        if end_text.strip():
            end = _stimulus_number(end_text, "the end time", text)
    stimulus = Stimulus(region, amplitude, start, end)
    problem = _stimulus_problem(stimulus)
    if problem:
        raise InputError(f"--stimulus: {problem} in {text!r}")
    return stimulus


def _stimulus_problem(s: Stimulus) -> str | None:
    """Why a stimulus's numbers are unusable, or None."""
    for what, value in (("amplitude", s.amplitude), ("start time", s.start_ms)):
        if not is_finite_number(value):
            return f"the {what} must be a finite number, got {value!r}"
    if s.start_ms < 0:
        return f"the start time must be ≥ 0 ms, got {s.start_ms:g}"
    if s.end_ms is not None:
        if not is_finite_number(s.end_ms):
            return f"the end time must be a finite number, got {s.end_ms!r}"
        if s.end_ms <= s.start_ms:
            return f"the end time must be after the start time, got {s.start_ms:g}:{s.end_ms:g}"
    return None


def check_stimuli(stimuli: Sequence[Stimulus | str], regions: Sequence[str]) -> list[Stimulus]:
    """Stimuli (objects or their text forms) checked against the regions of the topology."""
    if isinstance(stimuli, (str, Stimulus)):
        stimuli = [stimuli]
    known = set(regions)
    checked = []
    for s in stimuli:
        if isinstance(s, str):
            s = parse_stimulus(s)
        if not isinstance(s, Stimulus):
            raise InputError(f"--stimulus: expected {STIMULUS_SYNTAX}, got {s!r}")
        if s.region not in known:
            shown = ", ".join(repr(r) for r in regions[:10]) + (", …" if len(regions) > 10 else "")
            raise InputError(f"--stimulus: unknown region {s.region!r} (regions: {shown})")
        problem = _stimulus_problem(s)
        if problem:
            raise InputError(f"--stimulus: {problem} in {s.text()!r}")
        checked.append(s)
    return checked
