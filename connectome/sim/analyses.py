"""The analyses a run adds when its spec asks: the FCD (`fcd_window_ms`, `fcd_step_ms`) and the power
spectrum (`spectrum`, `spectrum_window_ms`), as arrays on the result and as entries of its summary.

The FCD is of the signal the FC is of (`connectome.sim.fc.fc_signal`): the BOLD signal when recorded,
else the model's neural-activity proxy (its observed variable, or e.g. Kuramoto's sin θ) as recorded; the
spectrum is of that proxy, never of the BOLD signal. Both leave out the samples before `transient_ms`, as
the FC does. Their summaries name the signal "BOLD" or "activity".
"""

from __future__ import annotations

from typing import Any

from ..errors import InputError, Mention

# the RunSpec keyword each analysis function's parameter stands for (`renamed`)
KEYWORDS = {"fcd": {"window_ms": "fcd_window_ms", "step_ms": "fcd_step_ms"},
            "spectrum": {"window_ms": "spectrum_window_ms"}}


def check_analyses(spec: Any) -> None:
    """Refuse analysis fields that cannot be used, naming them (from `spec.check`).

    Examples
    --------
    >>> from connectome.sim import make_spec
    >>> make_spec(10, fcd_window_ms=1000.0)
    Traceback (most recent call last):
    ...
    connectome.errors.InputError: fcd_window_ms and fcd_step_ms go together: give both, or neither
    """
    from .timing import positive

    if (spec.fcd_window_ms is None) != (spec.fcd_step_ms is None):
        raise InputError(Mention("fcd_window_ms"), " and ", Mention("fcd_step_ms"),
                         " go together: give both, or neither")
    if spec.fcd_window_ms is not None:
        positive(spec.fcd_window_ms, "fcd_window_ms")
        positive(spec.fcd_step_ms, "fcd_step_ms")
    if not isinstance(spec.spectrum, bool):
        raise InputError(Mention("spectrum"), f": must be true or false, got {spec.spectrum!r}")
    positive(spec.spectrum_window_ms, "spectrum_window_ms")
    _check_lengths(spec)


def _check_lengths(spec: Any) -> None:
    """Refuse, before the run, an FC of fewer than 3 samples and a window longer than the most samples the run
    can record after its transient (the run's time grid refused elsewhere is left to `prepare`; the exact
    count is checked after the run)."""
    from fractions import Fraction

    from ..exact import exact
    from .timing import timing

    try:
        grid = timing(spec)
        bold = None
        if spec.bold:
            from .monitors.bold import steps

            bold = steps(grid.dt, spec.bold_period_ms) * grid.dt
    except InputError:
        return
    span = grid.steps * grid.dt - exact(spec.transient_ms)
    asked = []
    if spec.fcd_window_ms is not None:
        every, what = (bold, "BOLD") if bold else (grid.stride * grid.dt, "recorded")
        asked.append(("fcd_window_ms", spec.fcd_window_ms, every, what))
    if spec.spectrum:
        asked.append(("spectrum_window_ms", spec.spectrum_window_ms, grid.stride * grid.dt, "recorded"))
    if spec.fc:
        every, what = (bold, "BOLD") if bold else (grid.stride * grid.dt, "recorded")
        most = 0 if span < 0 else int(span // every) + 1
        if most < 3:
            from .fc import too_few_samples

            raise too_few_samples(f"at most {most}", what, spec.transient_ms)
    for keyword, window, every, what in asked:
        most = 0 if span < 0 else int(span // every) + 1
        width = int(exact(window) / every + Fraction(1, 2))
        if width > most:
            raise InputError(Mention(keyword), f": {window:g} ms ({width} samples of {float(every):g} ms) is longer "
                             f"than the {most} {what} samples after the {spec.transient_ms:g} ms transient (lengthen ",
                             Mention("duration_ms"), ", shorten ", Mention("transient_ms"), " or the window)")


MAX_FCD_BYTES = 1 << 30  # the windows' FCs and the FCD matrix of one run, at most


def check_fcd_size(spec: Any, regions: int) -> None:
    """Refuse, before the run, an FCD whose windows' FCs (windows × region pairs, held three times at the
    peak) and matrix (windows²) would pass MAX_FCD_BYTES (`fcd_bytes`)."""
    windows, needed = fcd_bytes(spec, regions)
    if needed > MAX_FCD_BYTES:
        raise InputError(Mention("fcd_window_ms"), "/", Mention("fcd_step_ms"),
                         f": {windows:,} windows of {regions:,} regions' FCs take {needed / 2**30:.1f} GiB, more "
                         f"than {MAX_FCD_BYTES / 2**30:g} GiB; use a longer ", Mention("fcd_step_ms"),
                         " or a shorter run")


def fcd_bytes(spec: Any, regions: int) -> tuple[int, int]:
    """(windows, bytes) of the FCD a spec asks for, (0, 0) when none: the windows' FCs (held three times
    at the peak) and the FCD matrix, the window count the most the run can record after its transient.

    Examples
    --------
    >>> from connectome.sim import RunSpec
    >>> fcd_bytes(RunSpec(1, duration_ms=100.0, fcd_window_ms=20.0, fcd_step_ms=10.0), 4)
    (9, 1944)
    """
    from fractions import Fraction

    from ..exact import exact
    from .timing import timing

    if spec.fcd_window_ms is None:
        return 0, 0
    grid = timing(spec)
    if spec.bold:
        from .monitors.bold import steps

        every = steps(grid.dt, spec.bold_period_ms) * grid.dt
    else:
        every = grid.stride * grid.dt
    span = grid.steps * grid.dt - exact(spec.transient_ms)
    most = 0 if span < 0 else int(span // every) + 1
    width = int(exact(spec.fcd_window_ms) / every + Fraction(1, 2))
    step = max(1, int(exact(spec.fcd_step_ms) / every + Fraction(1, 2)))
    windows = max(0, (most - width) // step + 1)
    return windows, 8 * windows * (3 * (regions * (regions - 1) // 2) + windows)  # FCs copied twice (fcd.fcd)


def with_analyses(p: Any, result: Any, signals: Any = None) -> Any:
    """`result` with the FCD and the spectrum its spec asks for (arrays, and `result.analyses` entries);
    `signals` the run's series (`connectome.sim.fc.Signals`), made here when not given."""
    from .fc import Signals

    spec = p.spec
    signals = signals or Signals(p, result)
    if spec.fcd_window_ms is not None:
        signal, times, _ = signals.of_fc()
        what = "BOLD" if result.bold is not None else "activity"
        add_fcd(result, signal, times, float(spec.transient_ms), float(spec.fcd_window_ms), float(spec.fcd_step_ms),
                what)
    if spec.spectrum:
        signal, times, _ = signals.of_activity()
        add_spectrum(result, signal, times, float(spec.transient_ms), float(spec.spectrum_window_ms))
    return result


def after_transient(series: Any, times: Any, transient_ms: float) -> tuple[Any, Any, float]:
    """(the samples at or after `transient_ms`, their times, the sampling interval in ms).

    Examples
    --------
    >>> import numpy as np
    >>> x, t, dt = after_transient(np.arange(10.0)[:, None], np.arange(10) * 0.5, 2.0)
    >>> len(x), float(t[0]), dt
    (6, 2.0, 0.5)
    """
    import numpy as np

    times = np.asarray(times, dtype=float)
    keep = times >= transient_ms
    t = times[keep]
    dt = float((t[-1] - t[0]) / (len(t) - 1)) if len(t) > 1 else float("nan")
    return np.asarray(series)[keep], t, dt


def add_fcd(result: Any, signal: Any, times: Any, transient_ms: float, window_ms: float, step_ms: float,
            what: str) -> None:
    """Set result.fcd, result.fcd_time_ms and result.analyses["fcd"] (InputError naming the parameters)."""
    from .fcd import fcd, fcd_windows, upper_stats

    x, t, dt = after_transient(signal, times, transient_ms)
    if len(t) < 3:
        raise InputError(Mention("fcd_window_ms"), f": {len(t)} {what} samples after the {transient_ms:g} ms "
                         "transient; an FCD needs a series of at least 3 samples (lengthen the run or shorten ",
                         Mention("transient_ms"), ")")
    where = f"{what} every {dt:g} ms after the {transient_ms:g} ms transient"
    try:
        starts, _ = fcd_windows(len(t), dt, window_ms, step_ms)
        result.fcd = fcd(x, dt, window_ms, step_ms)
    except InputError as e:
        raise renamed(e, KEYWORDS["fcd"], where) from None
    result.fcd_time_ms = t[starts]
    result.analyses["fcd"] = {"signal": what, "window_ms": window_ms, "step_ms": step_ms, "windows": len(starts),
                              **upper_stats(result.fcd)}


def add_spectrum(result: Any, signal: Any, times: Any, transient_ms: float, window_ms: float) -> None:
    """Set result.spectrum_hz, result.spectrum_power and result.analyses["spectrum"] (InputError naming the
    parameters)."""
    from .spectrum import peak_frequency, power_spectrum

    x, t, dt = after_transient(signal, times, transient_ms)
    if len(t) < 2:
        raise InputError(Mention("spectrum"), f": {len(t)} samples after the {transient_ms:g} ms transient; lengthen "
                         "the run or shorten ", Mention("transient_ms"))
    try:
        f, power = power_spectrum(x, dt, window_ms)
    except InputError as e:
        raise renamed(e, KEYWORDS["spectrum"], f"activity every {dt:g} ms after the {transient_ms:g} ms "
                                               "transient") from None
    result.spectrum_hz, result.spectrum_power = f, power
    peak = peak_frequency(f, power.mean(axis=1))
    result.analyses["spectrum"] = {"signal": "activity", "window_ms": window_ms,
                                   "resolution_hz": float(f[1]) if len(f) > 1 else None,
                                   "peak_hz": None if peak is None else peak[0],
                                   "peak_power": None if peak is None else peak[1]}


def renamed(error: InputError, keywords: dict[str, str], where: str) -> InputError:
    """The error of a function the run called, its parameter named by the keyword it stands for, and what
    series it was of.

    Parameters
    ----------
    error : InputError
        Its text starts with the function's parameter: ``"window_ms: too long"``.
    keywords : dict of str to str
        From the function's parameter to the keyword that gives it (`KEYWORDS`).
    where : str
        The series, added in parentheses.

    Returns
    -------
    InputError

    Examples
    --------
    >>> error = renamed(InputError("window_ms: too long"), KEYWORDS["fcd"], "BOLD every 2000 ms")
    >>> str(error), error.keywords
    ('fcd_window_ms: too long (BOLD every 2000 ms)', ('fcd_window_ms',))
    """
    name, sep, rest = str(error).partition(": ")
    if sep and name in keywords:
        return InputError(Mention(keywords[name]), f": {rest} ({where})")
    return InputError(*error.args, f" ({where})")
