"""Stimuli: an input to a region with a time course, in the `REGION=AMPLITUDE[*COURSE(ARGS)][@START:END]` form.

As in The Virtual Brain 2.10 (`StimuliRegion` with a temporal equation), a stimulus is on at the step
times t_k = k · dt (computed in float64, as TVB's time grid) with START < t_k < END, and its value at t_k
is held over the step k → k + 1. The time courses (`COURSES`, a registry) are

* ``box`` (the default): the amplitude while on;
* ``pulse(PERIOD, WIDTH)``: TVB's `PulseTrain`, the amplitude when ((t − START) mod PERIOD) < WIDTH
  (times in ms; the first pulse starts just after START, TVB's onset);
* ``sin(FREQUENCY)``: TVB's `Sinusoid`, amplitude · sin(2π · FREQUENCY · t), FREQUENCY in Hz, t since 0.

A neural mass adds it to the derivative of its stimulated variables (TVB's `stvar`); the rate model adds
it to its input h. Per-region weights are one stimulus per region (`weighted`), as TVB multiplies the
temporal pattern by its spatial weights.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Callable, Mapping, Sequence

from ..errors import InputError, Mention
from ..numeric import is_finite_number

STIMULUS_SYNTAX = "REGION=AMPLITUDE[*pulse(PERIOD,WIDTH)|*sin(HZ)][@START:END]"


@dataclass(frozen=True)
class Course:
    """A stimulus time course: its argument names and `shape(t_ms, start_ms, args)`, the value at amplitude 1
    (the window START < t < END applied by the caller)."""

    name: str
    arguments: tuple[str, ...]
    shape: Callable[..., Any]
    doc: str


def _box(t: Any, start: float, args: tuple) -> Any:
    import numpy as np

    return np.ones_like(t)


def _pulse(t: Any, start: float, args: tuple) -> Any:
    import numpy as np

    period, width = args
    return np.where(((t - start) % period) < width, 1.0, 0.0)


def _sin(t: Any, start: float, args: tuple) -> Any:
    import numpy as np

    return np.sin(6.283185307179586 * (args[0] / 1000.0) * t)


COURSES: dict[str, Course] = {}


def register_course(course: Course) -> Course:
    """Make a time course available to stimuli by its name."""
    COURSES[course.name] = course
    return course


for _course in (Course("box", (), _box, "the amplitude while on"),
                Course("pulse", ("period_ms", "width_ms"), _pulse, "TVB's PulseTrain: on for WIDTH of every PERIOD"),
                Course("sin", ("frequency_hz",), _sin, "TVB's Sinusoid: amplitude · sin(2π f t)")):
    register_course(_course)


@dataclass(frozen=True)
class Stimulus:
    """An input `amplitude` × the time course to `region` while start_ms < t < end_ms (None: to the end).

    >>> Stimulus("v1", 0.02, 30.0, None, "pulse", (42.0, 13.0)).text()
    'v1=0.02*pulse(42,13)@30:'
    """

    region: str
    amplitude: float
    start_ms: float = 0.0
    end_ms: float | None = None
    course: str = "box"
    args: tuple[float, ...] = ()

    def text(self) -> str:
        """The `REGION=AMPLITUDE[*COURSE(ARGS)][@START:END]` form that :func:`parse_stimulus` reads back."""
        window = ""
        if self.start_ms != 0 or self.end_ms is not None:
            end = "" if self.end_ms is None else _number_text(self.end_ms)
            window = f"@{_number_text(self.start_ms)}:{end}"
        course = "" if self.course == "box" else f"*{self.course}({','.join(_number_text(a) for a in self.args)})"
        return f"{self.region}={_number_text(self.amplitude)}{course}{window}"

    def values(self, t_ms: Any, on: Any = None) -> Any:
        """The input at the times `t_ms` (a float64 array): amplitude × course where `on`, 0 elsewhere;
        `on` defaults to TVB's window, start < t < end."""
        import numpy as np

        if on is None:
            on = t_ms > self.start_ms
            if self.end_ms is not None:
                on &= t_ms < self.end_ms
        return np.where(on, self.amplitude * COURSES[self.course].shape(t_ms, self.start_ms, self.args), 0.0)


def weighted(weights: Mapping[str, float], amplitude: float, **course: Any) -> list[Stimulus]:
    """One stimulus per region, each `amplitude` × its weight (TVB's spatial pattern × temporal pattern).

    >>> [s.text() for s in weighted({"a": 1.0, "b": 0.5}, 0.2, course="sin", args=(10.0,))]
    ['a=0.2*sin(10)', 'b=0.1*sin(10)']
    """
    return [Stimulus(region, amplitude * float(w), **course) for region, w in weights.items()]


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
        raise InputError(Mention("stimuli"), f": {what} must be a finite number, got {text.strip()!r} in {whole!r}")
    return value


def parse_stimulus(text: str) -> Stimulus:
    """A stimulus from `REGION=AMPLITUDE[@START:END]` (times in ms; START or END may be left out).

    The text is split on its last ``=`` (region names may contain ``=`` and ``@``), then the
    amplitude part on ``@``. ``a=1`` is on from 0 to the end, ``a=1@100:200`` from 100 ms to 200 ms,
    ``a=1@100`` or ``a=1@100:`` from 100 ms on, ``a=1@:50`` from 0 to 50 ms.

    >>> parse_stimulus("sensory_cortex=1.0@10:50")
    Stimulus(region='sensory_cortex', amplitude=1.0, start_ms=10.0, end_ms=50.0, course='box', args=())
    """
    if not isinstance(text, str) or "=" not in text:
        raise InputError(Mention("stimuli"), f": expected {STIMULUS_SYNTAX}, got {text!r}")
    region, rest = text.rsplit("=", 1)
    if not region.strip():
        raise InputError(Mention("stimuli"), f": the region name is empty in {text!r} (expected {STIMULUS_SYNTAX})")
    amplitude_text, at, window = rest.partition("@")
    amplitude_text, _, course_text = amplitude_text.partition("*")
    amplitude = _stimulus_number(amplitude_text, "the amplitude", text)
    course, args = _course(course_text, text) if course_text.strip() else ("box", ())
    start, end = 0.0, None
    if at:
        start_text, _, end_text = window.partition(":")
        if not start_text.strip() and not end_text.strip():
            raise InputError(Mention("stimuli"),
                             f": empty time window after '@' in {text!r} (expected {STIMULUS_SYNTAX})")
        if start_text.strip():
            start = _stimulus_number(start_text, "the start time", text)
        if end_text.strip():
            end = _stimulus_number(end_text, "the end time", text)
    stimulus = Stimulus(region, amplitude, start, end, course, args)
    problem = _stimulus_problem(stimulus)
    if problem:
        raise InputError(Mention("stimuli"), f": {problem} in {text!r}")
    return stimulus


def _course(text: str, whole: str) -> tuple[str, tuple[float, ...]]:
    """(name, arguments) of `COURSE(ARG,...)`, checked against the registry."""
    name, paren, rest = text.strip().partition("(")
    name = name.strip()
    if name not in COURSES or not paren or not rest.rstrip().endswith(")"):
        known = ", ".join(f"{c.name}({', '.join(c.arguments)})" for c in COURSES.values())
        raise InputError(Mention("stimuli"), f": unknown time course {text.strip()!r} in {whole!r} (courses: {known})")
    inner = rest.rstrip()[:-1]
    args = tuple(_stimulus_number(a, f"an argument of {name}", whole) for a in inner.split(",")) if inner.strip() else ()
    return name, args


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
    course = COURSES.get(s.course)
    if course is None:
        return f"unknown time course {s.course!r} (courses: {', '.join(COURSES)})"
    if len(s.args) != len(course.arguments) or not all(is_finite_number(a) and a > 0 for a in s.args):
        return f"{s.course} takes {len(course.arguments)} positive numbers ({', '.join(course.arguments)}), got {s.args!r}"
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
            raise InputError(Mention("stimuli"), f": expected {STIMULUS_SYNTAX}, got {s!r}")
        if s.region not in known:
            shown = ", ".join(repr(r) for r in regions[:10]) + (", …" if len(regions) > 10 else "")
            raise InputError(Mention("stimuli"), f": unknown region {s.region!r} (regions: {shown})")
        problem = _stimulus_problem(s)
        if problem:
            raise InputError(Mention("stimuli"), f": {problem} in {s.text()!r}")
        checked.append(s)
    return checked
