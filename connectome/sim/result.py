"""What a run produced: the recorded series, a summary per region, and the parameters it ran with."""

from __future__ import annotations

import csv
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import InputError
from .labelled import Labelled
from .spec import RunSpec
from .stimulus import Stimulus

if TYPE_CHECKING:
    import numpy as np


@dataclass
class SimulationResult(Labelled):
    """What a run produced: the recorded series, a per-region summary and the parameters.

    Every series is [samples, regions], its columns in the order of `regions`; times are in ms.

    Attributes
    ----------
    regions : list of str
        The region names.
    region_neurons : list of int or None
        Each region's neurons (None: a run without N).
    time_ms : numpy.ndarray
        The time of each recorded sample (empty when the state is not recorded).
    activity : numpy.ndarray
        The observed variable's series, [samples, regions].
    summary_regions : list of dict
        One dict per region: its name, neurons (with N), peak and mean of the observed variable, and the
        time it first reached its activation level (models that have one).
    propagation_order : list of str or None
        The regions in the order they became active (None: a model without an activation level).
    total_connections : int or None
        The derived connections of the topology at `neurons` (None: a run without N).
    neurons : int or None
        The total N (None: a run without N).
    duration_ms, dt_ms : float
        The simulated time and the step.
    steps : int
        The number of steps taken.
    seed : int or None
        The seed the random numbers were drawn from.
    deterministic : bool
        Whether the run drew no noise.
    speed_mm_per_ms : float or None
        The conduction speed of the delays (None: the run has no delays).
    record_every_ms : float
        The interval between recorded samples.
    coupling : float
        The coupling function's `a` (the rate model's G).
    width : float
        The rate model's sigmoid width.
    stimuli : list of Stimulus
        The stimuli applied.
    model, coupling_mode, kernel : str
        The model, the coupling mode and the coupling layout the run used.
    spec : RunSpec or None
        Every parameter of the run, the seed included.
    states : dict of str to numpy.ndarray
        Every recorded state variable by name, [samples, regions].
    bold, bold_time_ms : numpy.ndarray or None
        The BOLD signal [BOLD samples, regions] and its own time axis.
    fc : numpy.ndarray or None
        Functional connectivity, [regions, regions].
    fc_sc : dict or None
        Pearson correlations: ``fc_sc`` of FC and the weight matrix over the off-diagonal entries,
        ``fc_log_sc`` of FC and the log weights over the projections.
    observed : str
        The state variable `activity` holds.
    monitors : dict of str to numpy.ndarray
        Further monitors' arrays, by ``NAME.KEY``.
    fcd, fcd_time_ms : numpy.ndarray or None
        FCD between sliding windows, [windows, windows], and the time of each window's first sample.
    spectrum_hz, spectrum_power : numpy.ndarray or None
        The power spectrum's frequencies and its power, [frequencies, regions].
    analyses : dict
        The analyses' summaries (``fcd``, ``spectrum``), where the run asked for them.
    signal, signal_time_ms : numpy.ndarray or None
        The series the FC, FCD and spectrum are computed from when the state is not recorded (the model's
        proxy); used by the analyses, never written.
    run_id : int or None
        The run's id in the store that recorded it (`Store.simulate`); None when it was not recorded.

    Examples
    --------
    >>> import networkx as nx
    >>> from connectome import simulate
    >>> g = nx.DiGraph([("a", "b", {"strength": 1.0})]); nx.set_node_attributes(g, 1.0, "share")
    >>> r = simulate(g, 1000, duration_ms=10.0, seed=1)
    >>> r.regions, r.region_neurons, r.activity.shape, float(r.time_ms[-1]), r.total_connections, r.run_id
    (['a', 'b'], [500, 500], (101, 2), 10.0, 250, None)
    """

    regions: list[str]
    region_neurons: list[int] | None  # None: a run without N
    time_ms: np.ndarray
    activity: np.ndarray
    summary_regions: list[dict]
    propagation_order: list[str] | None  # None: a model without an activation level (the neural masses)
    total_connections: int | None
    neurons: int | None
    duration_ms: float
    dt_ms: float
    steps: int
    seed: int | None
    deterministic: bool
    speed_mm_per_ms: float | None  # the conduction speed of the delays; None: the run has none
    record_every_ms: float
    coupling: float
    width: float
    stimuli: list[Stimulus] = field(default_factory=list)
    model: str = "rate"
    coupling_mode: str = "mean-input"
    kernel: str = "scatter"
    spec: RunSpec | None = None
    states: dict[str, np.ndarray] = field(default_factory=dict)  # every recorded state variable, [samples, regions]
    bold: np.ndarray | None = None  # [BOLD samples, regions]
    bold_time_ms: np.ndarray | None = None
    fc: np.ndarray | None = None  # [regions, regions]
    fc_sc: dict[str, float | None] | None = None
    observed: str = "a"  # the state variable `activity` holds
    monitors: dict[str, Any] = field(default_factory=dict)  # further monitors' arrays, "NAME.KEY"
    fcd: np.ndarray | None = None  # [windows, windows] (connectome.sim.fcd), when the spec asks for it
    fcd_time_ms: np.ndarray | None = None  # the first sample's time of each FCD window
    spectrum_hz: np.ndarray | None = None  # the frequencies of spectrum_power
    spectrum_power: np.ndarray | None = None  # [frequencies, regions] (connectome.sim.spectrum)
    analyses: dict[str, Any] = field(default_factory=dict)  # their summaries: "fcd", "spectrum"
    # the series the FC, FCD and spectrum are of when the state is not recorded (`recording`): the model's
    # proxy [samples, regions] every record_every_ms; used by the analyses, never written
    signal: np.ndarray | None = None
    signal_time_ms: np.ndarray | None = None
    run_id: int | None = None  # the run's record in a store (`Store.simulate`); None: not recorded

    def parameters(self) -> dict[str, Any]:
        """The run's parameters as plain JSON-able values (stimuli in their text form).

        Returns
        -------
        dict
            neurons, duration_ms, dt_ms, steps, seed, deterministic, speed_mm_per_ms, record_every_ms,
            coupling, width, stimuli, model, coupling_mode and kernel.

        Examples
        --------
        >>> import networkx as nx
        >>> from connectome import simulate
        >>> g = nx.DiGraph([("a", "b", {"strength": 1.0})]); nx.set_node_attributes(g, 1.0, "share")
        >>> p = simulate(g, 1000, duration_ms=10.0, seed=1, stimuli="a=1@0:5").parameters()
        >>> p["steps"], p["seed"], p["stimuli"], p["model"], p["coupling_mode"]
        (100, 1, ['a=1@0:5'], 'rate', 'mean-input')
        """
        return {
            "neurons": self.neurons,
            "duration_ms": self.duration_ms,
            "dt_ms": self.dt_ms,
            "steps": self.steps,
            "seed": self.seed,
            "deterministic": self.deterministic,
            "speed_mm_per_ms": self.speed_mm_per_ms,
            "record_every_ms": self.record_every_ms,
            "coupling": self.coupling,
            "width": self.width,
            "stimuli": [s.text() for s in self.stimuli],
            "model": self.model,
            "coupling_mode": self.coupling_mode,
            "kernel": self.kernel,
        }

    def summary(self) -> dict[str, Any]:
        """The summary as plain JSON-able values (no time series), with the fields of the run's model only:
        `neurons` and `total_connections` where the run has N, `propagation_order` where the model has an
        activation level, `fc_sc` and `fc_log_sc` where it has FC, the analyses' entries where asked.

        Returns
        -------
        dict
            ``regions`` (one dict per region, as `summary_regions`) and the fields above.

        Examples
        --------
        >>> import networkx as nx
        >>> from connectome import simulate
        >>> g = nx.DiGraph([("a", "b", {"strength": 1.0})]); nx.set_node_attributes(g, 1.0, "share")
        >>> s = simulate(g, 1000, duration_ms=10.0, seed=1).summary()
        >>> list(s), s["total_connections"], sorted(s["regions"][0])
        (['neurons', 'total_connections', 'regions', 'propagation_order'], 250,
         ['activation_ms', 'mean_activity', 'name', 'neurons', 'peak_activity'])
        >>> list(simulate(g, model="kuramoto", duration_ms=10.0, seed=1, fc=True).summary())
        ['regions', 'fc_sc', 'fc_log_sc']
        """
        counts = {} if self.neurons is None else {"neurons": self.neurons, "total_connections": self.total_connections}
        order = {} if self.propagation_order is None else {"propagation_order": list(self.propagation_order)}
        return counts | {"regions": [dict(r) for r in self.summary_regions]} | order | (self.fc_sc or {}) \
            | self.analyses

    def write(self, path: str | os.PathLike, suffix: str | None = None) -> None:
        """Write the recorded series: `.npz` (time_ms and activity when the state is recorded, regions, and
        every other array the run has) or `.csv` (time_ms,<region>,…), atomically.

        `suffix` chooses the format when the path's own extension does not (a staged temporary name).

        Parameters
        ----------
        path : str or os.PathLike
            The file to write (replaced if it exists).
        suffix : {".npz", ".csv"}, optional
            The format, when not the path's extension.

        Raises
        ------
        InputError
            A format other than .npz and .csv.

        Examples
        --------
        >>> import os, tempfile, numpy as np
        >>> import networkx as nx
        >>> from connectome import simulate
        >>> g = nx.DiGraph([("a", "b", {"strength": 1.0})]); nx.set_node_attributes(g, 1.0, "share")
        >>> r, path = simulate(g, 1000, duration_ms=10.0, seed=1), os.path.join(tempfile.mkdtemp(), "run.npz")
        >>> r.write(path)
        >>> with np.load(path) as saved:
        ...     sorted(saved.files), saved["activity"].shape
        (['activity', 'regions', 'time_ms'], (101, 2))
        >>> r.write("run.txt")
        Traceback (most recent call last):
        ...
        connectome.errors.InputError: run.txt: unknown output format '.txt'; use .npz or .csv
        """
        p = Path(path)
        suffix = (suffix or p.suffix).lower()
        if suffix not in (".npz", ".csv"):
            raise InputError(f"{p}: unknown output format {p.suffix or '(no extension)'!r}; use .npz or .csv")
        import numpy as np

        from ..atomic import open_output, text_stream

        with open_output(p, binary=True) as fh:
            if suffix == ".npz":
                extra = {k: v for k, v in (("bold", self.bold), ("bold_time_ms", self.bold_time_ms), ("fc", self.fc),
                                           ("fcd", self.fcd), ("fcd_time_ms", self.fcd_time_ms),
                                           ("spectrum_hz", self.spectrum_hz), ("spectrum_power", self.spectrum_power))
                         if v is not None}
                traces = {"time_ms": self.time_ms, "activity": self.activity} if len(self.time_ms) else {}
                np.savez(fh, **traces, regions=np.array(self.regions, dtype=str), **self.states, **extra,
                         **self.monitors)
            else:
                text = text_stream(fh)
                writer = csv.writer(text, lineterminator="\n")
                writer.writerow(["time_ms", *self.regions])
                for t, row in zip(self.time_ms.tolist(), self.activity.tolist()):
                    writer.writerow([repr(t), *map(repr, row)])
                text.flush()
                text.detach()
