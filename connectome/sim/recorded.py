"""A run's output file read back as labelled numpy arrays: what `SimulationResult.write` wrote.

A `.npz` file holds `regions`, the raw traces (`time_ms`, `activity` and each recorded state variable by
name) when the run recorded them, and each further array the run has: `bold` with `bold_time_ms`, `fc`,
`fcd` with `fcd_time_ms`, `spectrum_hz` with `spectrum_power`, and other monitors' arrays as `NAME.KEY`.
A `.csv` file holds the observed variable only: a `time_ms` column, then one column per region.
"""

from __future__ import annotations

import csv
import os
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import InputError
from .labelled import Labelled

if TYPE_CHECKING:
    import numpy as np

    from .spec import RunSpec

# the .npz arrays that are not state variables
_ARRAYS = ("time_ms", "activity", "regions", "bold", "bold_time_ms", "fc", "fcd", "fcd_time_ms", "spectrum_hz",
           "spectrum_power")


@dataclass
class RunArrays(Labelled):
    """A recorded run's arrays, labelled: time axes in ms and region names (see `read_output`).

    Every series is [samples, regions] in the order of `regions`. It draws like a `SimulationResult`
    (`connectome.plots.plot_run`, `plot_result_fc`): `model`, `duration_ms`, `stimuli` and the others
    come from the run's `spec` and `summary` when the store gave them.

    Attributes
    ----------
    path : str
        The file read.
    regions : list of str
        The region names, the columns of every series and the rows and columns of `fc`.
    time_ms : numpy.ndarray
        The raw traces' time axis (empty when the run recorded no raw traces).
    states : dict of str to numpy.ndarray
        Each recorded state variable by name.
    observed : str or None
        The state variable the run observes (its FC's, when it has no BOLD).
    bold, bold_time_ms : numpy.ndarray or None
        The BOLD signal and its own time axis.
    fc : numpy.ndarray or None
        Functional connectivity, [regions, regions].
    fcd, fcd_time_ms, spectrum_hz, spectrum_power : numpy.ndarray or None
        FCD between windows and each window's start; the power spectrum [frequencies, regions].
    monitors : dict of str to numpy.ndarray
        Further monitors' arrays, by `NAME.KEY`.
    run_id : int or None
        The recorded run's id, when read through the store.
    spec : RunSpec or None
        The run's parameters, when read through the store.
    summary : dict
        The run's recorded summary, when read through the store.

    Examples
    --------
    >>> import os, tempfile, networkx as nx
    >>> from connectome import simulate
    >>> g = nx.DiGraph([("a", "b", {"strength": 1.0})]); nx.set_node_attributes(g, 1.0, "share")
    >>> path = os.path.join(tempfile.mkdtemp(), "run.npz")
    >>> simulate(g, 1000, duration_ms=10.0, seed=1).write(path)
    >>> run = read_output(path, observed="a")
    >>> run.regions, run.observed, run.activity.shape, run.fc, run.spec, run.model
    (['a', 'b'], 'a', (101, 2), None, None, 'rate')
    """

    path: str
    regions: list[str]
    time_ms: np.ndarray
    states: dict[str, np.ndarray] = field(default_factory=dict)
    observed: str | None = None
    bold: np.ndarray | None = None
    bold_time_ms: np.ndarray | None = None
    fc: np.ndarray | None = None
    fcd: np.ndarray | None = None
    fcd_time_ms: np.ndarray | None = None
    spectrum_hz: np.ndarray | None = None
    spectrum_power: np.ndarray | None = None
    monitors: dict[str, np.ndarray] = field(default_factory=dict)
    run_id: int | None = None
    spec: RunSpec | None = None
    summary: dict[str, Any] = field(default_factory=dict)

    @property
    def activity(self) -> np.ndarray | None:
        """The observed variable's trace, [samples, regions] (None when the raw traces were not recorded).

        Examples
        --------
        >>> import numpy as np
        >>> run = RunArrays("run.npz", ["a"], np.array([0.0, 0.1]), {"E": np.ones((2, 1))}, observed="E")
        >>> run.activity.tolist(), RunArrays("run.npz", ["a"], np.zeros(0)).activity
        ([[1.0], [1.0]], None)
        """
        return self.states.get(self.observed or "")

    @property
    def model(self) -> str:
        """The run's model: its spec's, else its summary's, else "rate".

        Examples
        --------
        >>> import numpy as np
        >>> from connectome import RunSpec
        >>> RunArrays("run.npz", ["a"], np.zeros(0), spec=RunSpec(model="kuramoto")).model
        'kuramoto'
        >>> RunArrays("run.npz", ["a"], np.zeros(0), summary={"model": "linear"}).model
        'linear'
        """
        return self.spec.model if self.spec is not None else self.summary.get("model", "rate")

    @property
    def duration_ms(self) -> float:
        """The run's duration in ms: its spec's, else its summary's, else its last sample's time.

        Examples
        --------
        >>> import numpy as np
        >>> from connectome import RunSpec
        >>> RunArrays("run.npz", ["a"], np.array([0.0, 0.5, 1.0])).duration_ms
        1.0
        >>> RunArrays("run.npz", ["a"], np.zeros(0), spec=RunSpec(duration_ms=20)).duration_ms
        20.0
        """
        if self.spec is not None:
            return float(self.spec.duration_ms)
        ends = [a[-1] for a in (self.time_ms, self.bold_time_ms) if a is not None and len(a)]
        return float(self.summary.get("duration_ms", max(ends, default=0.0)))

    @property
    def neurons(self) -> int | None:
        """The run's neuron count, where its model uses one (from its summary; else None).

        Examples
        --------
        >>> import numpy as np
        >>> with_n = RunArrays("run.npz", ["a"], np.zeros(0), summary={"neurons": 1000})
        >>> with_n.neurons, RunArrays("run.npz", ["a"], np.zeros(0)).neurons
        (1000, None)
        """
        return self.summary.get("neurons")

    @property
    def stimuli(self) -> list[Any]:
        """The run's stimuli (from its spec; none without one), as Stimulus objects.

        Examples
        --------
        >>> import numpy as np
        >>> from connectome import RunSpec
        >>> run = RunArrays("run.npz", ["a"], np.zeros(0), spec=RunSpec(stimuli=("a=1@0:5",)))
        >>> [(s.region, s.amplitude, s.start_ms, s.end_ms) for s in run.stimuli]
        [('a', 1.0, 0.0, 5.0)]
        """
        return [] if self.spec is None else self.spec.stimulus_objects()

    @property
    def summary_regions(self) -> list[dict[str, Any]]:
        """The recorded per-region summary (empty without one).

        Examples
        --------
        >>> import numpy as np
        >>> run = RunArrays("run.npz", ["a"], np.zeros(0), summary={"regions": [{"name": "a", "peak_activity": 0.4}]})
        >>> run.summary_regions, RunArrays("run.npz", ["a"], np.zeros(0)).summary_regions
        ([{'name': 'a', 'peak_activity': 0.4}], [])
        """
        return list(self.summary.get("regions") or [])

    def bold_series(self) -> "RunArrays":
        """The same run with its BOLD signal as its only series (`observed` "BOLD", on BOLD's time axis),
        for what draws one time axis.

        Returns
        -------
        RunArrays
            A copy; this one is unchanged.

        Raises
        ------
        InputError
            The run holds no BOLD signal.

        Examples
        --------
        >>> import numpy as np
        >>> run = RunArrays("x.npz", ["a"], np.zeros(0), bold=np.ones((2, 1)), bold_time_ms=np.array([0.0, 720.0]))
        >>> view = run.bold_series()
        >>> view.observed, view.activity.shape, view.time_ms.tolist()
        ('BOLD', (2, 1), [0.0, 720.0])
        >>> RunArrays("x.npz", ["a"], np.zeros(0)).bold_series()
        Traceback (most recent call last):
        ...
        connectome.errors.InputError: x.npz: holds no BOLD signal
        """
        if self.bold is None:
            raise InputError(f"{self.path}: holds no BOLD signal")
        return replace(self, time_ms=self.bold_time_ms, states={"BOLD": self.bold}, observed="BOLD")


def from_result(result: Any, path: str = "") -> RunArrays:
    """The arrays of a `SimulationResult` in memory, labelled as `read_output` labels a file's.

    Examples
    --------
    >>> import numpy as np
    >>> from types import SimpleNamespace
    >>> result = SimpleNamespace(regions=["a", "b"], time_ms=np.array([0.0, 1.0]), activity=np.zeros((2, 2)),
    ...     states={}, observed="a", bold=None, bold_time_ms=None, fc=None, fcd=None, fcd_time_ms=None,
    ...     spectrum_hz=None, spectrum_power=None, monitors={}, spec=None, summary=lambda: {"model": "rate"})
    >>> arrays = from_result(result)
    >>> sorted(arrays.states), arrays.model
    (['a'], 'rate')
    """
    states = dict(result.states)
    if len(result.time_ms) and result.observed not in states:
        states[result.observed] = result.activity
    names = ("bold", "bold_time_ms", "fc", "fcd", "fcd_time_ms", "spectrum_hz", "spectrum_power")
    return RunArrays(path, list(result.regions), result.time_ms, states, result.observed,
                     **{n: getattr(result, n) for n in names}, monitors=dict(result.monitors), spec=result.spec,
                     summary=result.summary())


def read_output(path: str | os.PathLike, *, observed: str | None = None) -> RunArrays:
    """Read a run's output file (.npz or .csv, as `simulate` writes them) as labelled arrays.

    Parameters
    ----------
    path : str or os.PathLike
        The file.
    observed : str, optional
        The run's observed state variable (a run's summary records it); a .csv file's only series is
        named by it, and without it by "activity".

    Returns
    -------
    RunArrays
        Its regions, time axes and series.

    Examples
    --------
    >>> import os, tempfile
    >>> import numpy as np
    >>> path = os.path.join(tempfile.mkdtemp(), "run.npz")
    >>> np.savez(path, time_ms=np.array([0.0, 0.5]), activity=np.ones((2, 2)), regions=np.array(["v1", "v2"]),
    ...          E=np.ones((2, 2)), I=np.zeros((2, 2)), fc=np.eye(2))
    >>> run = read_output(path, observed="E")
    >>> run.regions, sorted(run.states), run.activity.shape, run.fc.tolist(), run.bold is None
    (['v1', 'v2'], ['E', 'I'], (2, 2), [[1.0, 0.0], [0.0, 1.0]], True)
    >>> read_output(os.path.join(os.path.dirname(path), "gone.npz"))
    Traceback (most recent call last):
    ...
    connectome.errors.InputError: .../gone.npz: no such file (moved or deleted)
    """
    where = Path(path)
    if not where.is_file():
        raise InputError(f"{where}: no such file (moved or deleted)")
    suffix = where.suffix.lower()
    if suffix not in (".npz", ".csv"):
        raise InputError(f"{where}: not a run's output file (a .npz or .csv file)")
    try:
        run = _read_npz(where, observed) if suffix == ".npz" else _read_csv(where, observed)
    except InputError:
        raise
    except (OSError, ValueError, KeyError, IndexError) as exc:  # a damaged or foreign file
        raise InputError(f"{where}: not a run's output file: {exc}") from None
    _check(run)
    return run


def _read_npz(path: Path, observed: str | None) -> RunArrays:
    import numpy as np

    with np.load(path, allow_pickle=False) as data:
        arrays = {k: data[k] for k in data.files}
    regions = [str(r) for r in arrays.get("regions", np.array([], dtype=str)).tolist()]
    states = {k: v for k, v in arrays.items() if k not in _ARRAYS and "." not in k}
    activity = arrays.get("activity")
    if activity is not None and (observed is None or observed not in states):
        # the observed variable: named by the caller, else the state it duplicates, else "activity"
        same = [k for k, v in states.items() if v.shape == activity.shape and np.array_equal(v, activity)]
        observed = observed or (same[0] if len(same) == 1 else "activity")
        states.setdefault(observed, activity)
    return RunArrays(str(path), regions, arrays.get("time_ms", np.zeros(0)), states,
                     observed if activity is not None or observed in states else None,
                     **{k: arrays.get(k) for k in _ARRAYS[3:]},
                     monitors={k: v for k, v in arrays.items() if "." in k})


def _read_csv(path: Path, observed: str | None) -> RunArrays:
    import numpy as np

    with open(path, newline="", encoding="utf-8") as fh:
        rows = list(csv.reader(fh))
    if not rows or not rows[0] or rows[0][0] != "time_ms":
        raise InputError(f"{path}: not a run's output file: its first column is not time_ms")
    values = np.array([[float(v) for v in row] for row in rows[1:]], dtype=float).reshape(-1, len(rows[0]))
    name = observed or "activity"
    return RunArrays(str(path), rows[0][1:], values[:, 0], {name: values[:, 1:]}, name)


def _check(run: RunArrays) -> None:
    """Refuse arrays whose shapes do not fit their regions and time axes."""
    count = len(run.regions)
    for name, values in run.states.items():
        if values.ndim != 2 or values.shape != (len(run.time_ms), count):
            raise InputError(f"{run.path}: {name}: shape {values.shape} does not fit {len(run.time_ms)} samples "
                             f"of {count} regions")
    if run.bold is not None and (run.bold_time_ms is None or run.bold.shape != (len(run.bold_time_ms), count)):
        raise InputError(f"{run.path}: bold: shape {run.bold.shape} does not fit its time axis and {count} regions")
    if run.fc is not None and run.fc.shape != (count, count):
        raise InputError(f"{run.path}: fc: shape {run.fc.shape} does not fit {count} regions")
