"""Functional connectivity: the correlation of the regions' signals, and how it follows the structure."""

from __future__ import annotations

from typing import Any

from ..errors import InputError, Mention


def with_fc(p: Any, result: Any) -> Any:
    """The result with its functional connectivity (of the BOLD signal if recorded, else of the model's
    neural-activity proxy, `fc_signal`) and the FC–SC correlations, when the spec asks for them."""
    signals = Signals(p, result)
    if p.spec.fc:
        signal, times, what = signals.of_fc()
        result.fc = functional_connectivity(signal, times, float(p.spec.transient_ms), what)
        result.fc_sc = fc_sc(result.fc, p.plan)
    from .analyses import with_analyses

    return with_analyses(p, result, signals)


class Signals:
    """A run's series for its FC and analyses (`fc_signal`), each made once however many use it."""

    def __init__(self, p: Any, result: Any) -> None:
        self.p, self.result = p, result
        self._made: dict[bool, tuple[Any, Any, str]] = {}

    def of_fc(self) -> tuple[Any, Any, str]:
        """The FC's series: BOLD if recorded, else the model's proxy."""
        return self._series(False)

    def of_activity(self) -> tuple[Any, Any, str]:
        """The model's proxy (never BOLD), as the spectrum reads it."""
        return self._series(self.result.bold is not None)

    def _series(self, without_bold: bool) -> tuple[Any, Any, str]:
        if without_bold not in self._made:
            from dataclasses import replace

            result = replace(self.result, bold=None, bold_time_ms=None) if without_bold else self.result
            self._made[without_bold] = fc_signal(self.p, result)
        return self._made[without_bold]


def fc_signal(p: Any, result: Any) -> tuple[Any, Any, str]:
    """(series [samples, regions], times in ms, what it is) whose correlations are the FC: the BOLD signal
    if recorded, else the model's proxy (`Model.kernel_proxy`: Kuramoto's sin θ, never its unwrapped phase;
    Jansen–Rit's y1 − y2) as kept when the state is not recorded, or from the recorded states, else (a model
    without states kept) the activity."""
    if result.bold is not None:
        return result.bold, result.bold_time_ms, "BOLD"
    if result.signal is not None:  # the proxy kept in place of the state (connectome.sim.monitors.signal)
        return result.signal, result.signal_time_ms, "recorded"
    model = p.model
    if model.kernel_proxy is None or not result.states:
        return result.activity, result.time_ms, "recorded"
    return model.proxy(_Recorded(result.states, model.names(range(len(model.state_variables))))), \
        result.time_ms, "recorded"


class _Recorded:
    """The recorded states as the proxy reads a state, x[variable, t] (t = Ellipsis: every sample and region),
    without copying them."""

    def __init__(self, states: dict[str, Any], names: list[str]) -> None:
        self.states, self.names = states, names

    def __getitem__(self, key: tuple[int, Any]) -> Any:
        variable, t = key
        return self.states[self.names[variable]][t]


def too_few_samples(count: str, what: str, transient_ms: float) -> InputError:
    """The error of an FC of fewer than 3 samples (`count`: the number, or "at most N" before the run)."""
    return InputError(Mention("fc"), f": {count} {what} samples after the {transient_ms:g} ms transient; need at "
                      "least 3 (lengthen ", Mention("duration_ms"), ", shorten ", Mention("transient_ms"),
                      " or record more often)")


def functional_connectivity(series: Any, time_ms: Any, transient_ms: float, what: str) -> Any:
    """FC[i, j] = Pearson correlation of regions i and j over the samples after `transient_ms`.

    A region whose signal is constant has no correlation: its row and column are NaN.
    """
    import numpy as np

    keep = np.asarray(time_ms) >= transient_ms
    if keep.sum() < 3:
        raise too_few_samples(str(int(keep.sum())), what, transient_ms)
    x = series[keep]  # a copy, centred in place: the series and one copy at the peak
    x -= x.mean(axis=0)
    norm = np.sqrt((x * x).sum(axis=0))
    with np.errstate(invalid="ignore", divide="ignore"):
        fc = (x.T @ x) / np.outer(norm, norm)
    np.fill_diagonal(fc, np.where(norm > 0, 1.0, np.nan))
    return fc


def fc_sc(fc: Any, plan: Any) -> dict[str, float | None]:
    """Pearson correlation over the off-diagonal entries of FC and of the strength matrix (0 where no
    projection, both directions kept), and of FC and log strength over the projections only."""
    import numpy as np

    R = fc.shape[0]
    sc = np.zeros((R, R))
    sc[np.array(plan.tgt, dtype=np.intp), np.array(plan.src, dtype=np.intp)] = np.abs(plan.weights)
    off = ~np.eye(R, dtype=bool) & np.isfinite(fc)
    edges = off & (sc > 0)
    return {"fc_sc": _pearson(fc[off], sc[off]), "fc_log_sc": _pearson(fc[edges], np.log(sc[edges]))}


def _pearson(a: Any, b: Any) -> float | None:
    import numpy as np

    if a.size < 3 or np.ptp(a) == 0 or np.ptp(b) == 0:
        return None
    return float(np.corrcoef(a, b)[0, 1])
