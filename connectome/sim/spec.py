"""RunSpec: every parameter of a run in one frozen value, kept with the run so that it can be re-run bit for bit."""

from __future__ import annotations

import numbers
from dataclasses import asdict, dataclass, field, fields, replace
from typing import Any

from ..errors import InputError, Mention
from ..exact import MAX_NEURONS
from ..numeric import is_finite_number
from .stimulus import STIMULUS_SYNTAX, Stimulus, parse_stimulus
from .timing import positive

MAX_STEPS = 10**8  # a run of more steps is refused unless max_steps is raised
COUPLING_MODES = ("raw", "mean-input")

MONITORS = ("raw", "temporal-average")
PRECISIONS = ("float64", "tvb")
# TVB's default conduction speed: tvb.simulator.simulator.Simulator.conduction_speed = Float(default=3.0), in mm/ms
# (tvb-root, tvb_library/tvb/simulator/simulator.py)
DEFAULT_SPEED_MM_PER_MS = 3.0


@dataclass(frozen=True)
class RunSpec:
    """Every parameter of a run. `None` means the model's default.

    `params`: the model's parameters (e.g. width for `rate`, eta for `montbrio-pazo-roxin`) and the coupling
    function's as `coupling.NAME`; `coupling` is the coupling function's `a` (the rate model's G).
    `noise`: additive noise intensity D per state variable (stochastic integrators). `initial`: "random"
    or {variable: value, or a list of one value per region}, constant over t ≤ 0. `record`: whether the
    state is recorded every `record_every_ms` (the raw traces); None records it unless the run asks for
    BOLD, FC or FCD and gives neither `record_every_ms` nor the temporal-average monitor (`recording`).
    `neurons`: the total N, for the models that use it (the rate model, and any model in mean-input coupling,
    whose weights follow the region sizes); None takes the topology's reference scale there, and leaves N out
    everywhere else. `delays`: projections with a `tract_length` (mm) are delayed by length / speed, at
    `speed_mm_per_ms` or else DEFAULT_SPEED_MM_PER_MS; False runs without delays.
    Built directly it is not checked: `make_spec` builds one from keyword arguments and checks every number
    (`prepare` checks it again).

    Attributes
    ----------
    neurons : int or None
        The total N, for the models that use it.
    duration_ms, dt_ms : float
        The simulated time and the time step, in ms.
    model : str
        A registered model's name (`connectome.sim.models.MODELS`).
    params : dict of str to float
        The model's parameters, and the coupling function's as ``coupling.NAME``.
    coupling : float or None
        The coupling function's `a` (the rate model's G).
    coupling_mode : {"raw", "mean-input"} or None
        Raw strengths as weights, or each target's input normalised.
    coupling_function, integrator : str or None
        Registered names (`connectome.sim.coupling.FUNCTIONS`, `connectome.sim.integrators.INTEGRATORS`).
    noise : dict of str to float
        Additive noise intensity D per state variable.
    initial : dict, "random" or None
        The state on t ≤ 0.
    monitor : str
        What records the state: ``raw`` or ``temporal-average``.
    monitors : tuple of str
        Further monitors by their registered names (`connectome.sim.monitors`).
    bold : bool
        Add the BOLD signal.
    bold_period_ms : float
        The BOLD signal's sampling period.
    bold_scale, bold_baseline : float or None
        The BOLD drive z = scale · (proxy − baseline); None: the model's default.
    fc : bool
        Add the functional connectivity and its correlation with the structural connectivity.
    transient_ms : float
        Time left out at the start of the FC.
    precision : {"float64", "tvb"}
        ``tvb``: TVB's float32 history, products and row sums.
    speed_mm_per_ms : float or None
        The conduction speed of the delays.
    delays : bool
        Delay projections with a `tract_length`.
    record_every_ms : float or None
        The recording interval (None: every step).
    record : bool or None
        Record the raw traces (None: see `recording`).
    stimuli : tuple of str
        Stimuli in their text form (``REGION=AMP@START:END``).
    deterministic : bool
        The rate model's N → ∞ limit: no finite-size noise.
    seed : int or None
        The random seed (None: drawn when the run is prepared, and recorded).
    max_steps : int
        Refuse a run of more time steps than this.
    kernel : {"auto", "scatter", "push", "dense"}
        The coupling layout.
    scaling : {"probability", "indegree"} or None
        How counts and the rate model's K follow N; None: the topology's own.
    fcd_window_ms, fcd_step_ms : float or None
        The FCD's sliding window and step; None: no FCD.
    spectrum : bool
        Add the power spectrum of the recorded activity and its peak.
    spectrum_window_ms : float
        The spectrum's Welch segment.

    Examples
    --------
    >>> spec = RunSpec(1000, duration_ms=20.0, stimuli=("a=1@0:5",), seed=1)
    >>> spec.model, spec.dt_ms, spec.bold, spec.seed
    ('rate', 0.1, False, 1)
    """

    neurons: int | None = None
    duration_ms: float = 1000.0
    dt_ms: float = 0.1
    model: str = "rate"
    params: dict[str, float] = field(default_factory=dict)
    coupling: float | None = None
    coupling_mode: str | None = None
    coupling_function: str | None = None
    integrator: str | None = None
    noise: dict[str, float] = field(default_factory=dict)
    initial: dict[str, Any] | str | None = None
    monitor: str = "raw"
    monitors: tuple[str, ...] = ()  # further monitors by their registered names (connectome.sim.monitors)
    bold: bool = False
    bold_period_ms: float = 2000.0
    bold_scale: float | None = None  # the BOLD drive z = scale · (proxy − baseline); None: the model's default
    bold_baseline: float | None = None
    fc: bool = False
    transient_ms: float = 0.0
    precision: str = "float64"  # or "tvb": TVB's float32 history, products and row sums
    speed_mm_per_ms: float | None = None  # None: DEFAULT_SPEED_MM_PER_MS where the topology has tract lengths
    delays: bool = True
    record_every_ms: float | None = None
    record: bool | None = None  # the raw traces (recording); None: see `recording`
    stimuli: tuple[str, ...] = ()
    deterministic: bool = False
    seed: int | None = None
    max_steps: int = MAX_STEPS
    kernel: str = "auto"
    scaling: str | None = None  # how counts and the rate model's K follow N; None: the topology's own
    fcd_window_ms: float | None = None  # the FCD's sliding window and step (connectome.sim.fcd); None: no FCD
    fcd_step_ms: float | None = None
    spectrum: bool = False  # the power spectrum of the recorded activity and its peak (connectome.sim.spectrum)
    spectrum_window_ms: float = 1000.0  # its Welch segment

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict; `RunSpec.from_json` reads it back to an equal spec. A whole number given for a
        float field is written as a float (300000 as 300000.0), so equal specs are equal texts.

        Returns
        -------
        dict
            Every field by name; tuples as lists.

        Examples
        --------
        >>> spec = RunSpec(1000, duration_ms=300, stimuli=("a=1@0:5",))
        >>> data = spec.to_json()
        >>> data["neurons"], data["duration_ms"], data["stimuli"], data["seed"]
        (1000, 300.0, ['a=1@0:5'], None)
        >>> RunSpec.from_json(data) == spec
        True
        """
        out = asdict(self) | {"stimuli": list(self.stimuli), "params": dict(self.params), "noise": dict(self.noise),
                              "monitors": list(self.monitors)}
        for f in fields(self):
            if f.type in ("float", "float | None"):
                out[f.name] = _float_if_whole(out[f.name])
        for name in ("params", "noise", "initial"):  # numbers by name: a parameter, a variable's D or state
            if isinstance(out[name], dict):
                out[name] = {k: _float_if_whole(v) for k, v in out[name].items()}
        return out

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> "RunSpec":
        """The spec stored with a run (unknown keys refused, so a newer run is not silently misread).

        A spec stored before `record` existed recorded its state (True); one stored before `delays` existed
        has delays only where it gave a speed.

        Parameters
        ----------
        data : dict
            A spec as `to_json` wrote it.

        Returns
        -------
        RunSpec
            The spec, not checked (see `make_spec`).

        Raises
        ------
        InputError
            A key that is not a field.

        Examples
        --------
        >>> spec = RunSpec.from_json({"neurons": 10, "duration_ms": 5.0})
        >>> spec.neurons, spec.duration_ms, spec.record, spec.delays
        (10, 5.0, True, False)
        >>> RunSpec.from_json({"neurons": 10, "colour": "red"})
        Traceback (most recent call last):
        ...
        connectome.errors.InputError: run specification: unknown parameters colour
        """
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise InputError(f"run specification: unknown parameters {', '.join(unknown)}")
        data = {"record": True, **data}  # a spec stored before `record` existed recorded its state
        if "delays" not in data:  # stored before `delays` existed: delays only where a speed was given
            data["delays"] = data.get("speed_mm_per_ms") is not None
        return cls(**{**data, "stimuli": tuple(data.get("stimuli", ())), "params": dict(data.get("params", {})),
                      "noise": dict(data.get("noise", {})), "monitors": tuple(data.get("monitors", ()))})

    def with_seed(self, seed: int | None) -> "RunSpec":
        """The same spec with its seed set.

        Parameters
        ----------
        seed : int or None
            The seed (None: drawn when the run is prepared).

        Returns
        -------
        RunSpec
            A new spec; this one is unchanged (it is frozen).

        Examples
        --------
        >>> spec = RunSpec(1000, seed=1)
        >>> spec.with_seed(7).seed, spec.seed, spec.with_seed(None).seed
        (7, 1, None)
        """
        return replace(self, seed=seed)

    def stimulus_objects(self) -> list[Stimulus]:
        """The stimuli, parsed.

        Returns
        -------
        list of Stimulus
            One per text of `stimuli`, in their order.

        Raises
        ------
        InputError
            A text that is not a stimulus.

        Examples
        --------
        >>> [(s.region, s.amplitude, s.end_ms) for s in RunSpec(stimuli=("v1=0.5@10:20",)).stimulus_objects()]
        [('v1', 0.5, 20.0)]
        """
        return [parse_stimulus(s) for s in self.stimuli]


def make_spec(neurons: object = None, **params: Any) -> RunSpec:
    """A RunSpec from keyword arguments (stimuli as objects or text), every number checked (InputError).

    Examples
    --------
    >>> spec = make_spec(model="wilson-cowan", speed_mm_per_ms=6.0)  # a neural mass: no N
    >>> spec.neurons, spec.delays, spec.speed_mm_per_ms
    (None, True, 6.0)
    >>> make_spec(10, delays=False, speed_mm_per_ms=6.0)
    Traceback (most recent call last):
    ...
    connectome.errors.InputError: delays contradicts speed_mm_per_ms: without delays there is no speed; leave one out
    """
    stimuli = params.pop("stimuli", ())
    if isinstance(stimuli, (str, Stimulus)):
        stimuli = [stimuli]
    texts = tuple(s.text() if isinstance(s, Stimulus) else s for s in stimuli)
    for text in texts:
        if not isinstance(text, str):
            raise InputError(Mention("stimuli"), f": expected {STIMULUS_SYNTAX}, got {text!r}")
    if "width" in params:  # the rate model's width: a model parameter, kept as a keyword for convenience
        params["params"] = {**params.get("params", {}), "width": params.pop("width")}
    _known_fields(params)
    spec = RunSpec(neurons=neurons, stimuli=texts, **params)  # type: ignore[arg-type]
    check(spec)
    return spec


def _known_fields(params: dict[str, Any]) -> None:
    """Refuse a keyword that is no RunSpec field (InputError, with the nearest field's name when one is close)."""
    import difflib
    from dataclasses import fields

    known = [f.name for f in fields(RunSpec)]
    for name in params:
        if name not in known:
            near = difflib.get_close_matches(str(name), known, n=1)
            raise InputError(f"{name}: not a run parameter" + (f" (did you mean {near[0]}?)" if near else
                                                               " (the RunSpec fields are the run's parameters)"))


def _float_if_whole(value: Any) -> Any:
    """A whole number (not a bool) as the float it equals, where a double holds it exactly; else as it is."""
    return float(value) if type(value) is int and abs(value) < 2**53 else value


def check(spec: RunSpec) -> None:
    """Refuse a spec whose numbers are unusable, naming the parameter; step counts are checked by `timing`."""
    if spec.neurons is not None and (not isinstance(spec.neurons, numbers.Integral) or
                                     isinstance(spec.neurons, bool) or not 1 <= spec.neurons <= MAX_NEURONS):
        raise InputError(Mention("neurons"), f": must be a whole number from 1 to 1e18, got {spec.neurons!r}")
    if not isinstance(spec.delays, bool):
        raise InputError(Mention("delays"), f": must be true or false, got {spec.delays!r}")
    if not spec.delays and spec.speed_mm_per_ms is not None:
        raise InputError(Mention("delays"), " contradicts ", Mention("speed_mm_per_ms"),
                         ": without delays there is no speed; leave one out")
    for name in ("duration_ms", "dt_ms"):
        positive(getattr(spec, name), name)
    for name in ("record_every_ms", "speed_mm_per_ms"):
        if getattr(spec, name) is not None:
            positive(getattr(spec, name), name)
    if spec.coupling is not None and not is_finite_number(spec.coupling):
        raise InputError(Mention("coupling"), f": must be a finite number, got {spec.coupling!r}")
    if spec.scaling not in (None, "probability", "indegree"):
        raise InputError(Mention("scaling"), f": must be probability or indegree, got {spec.scaling!r}")
    if spec.precision not in PRECISIONS:
        raise InputError(Mention("precision"), f": must be {' or '.join(PRECISIONS)}, got {spec.precision!r}")
    if spec.monitor not in MONITORS:
        raise InputError(Mention("monitor"), f": must be one of {', '.join(MONITORS)} (and bold), got {spec.monitor!r}")
    if spec.record not in (None, True, False):
        raise InputError(Mention("record"), f": must be true, false or None, got {spec.record!r}")
    if spec.record is False and spec.monitor != "raw":
        raise InputError(Mention("record"), ": contradicts ", Mention("monitor", spec.monitor), "; leave one out")
    positive(spec.bold_period_ms, "bold_period_ms")
    if spec.bold_scale is not None:
        positive(spec.bold_scale, "bold_scale")
    if spec.bold_baseline is not None and not is_finite_number(spec.bold_baseline):
        raise InputError(Mention("bold_baseline"), f": must be a finite number, got {spec.bold_baseline!r}")
    if not is_finite_number(spec.transient_ms) or spec.transient_ms < 0:
        raise InputError(Mention("transient_ms"), f": must be a finite number ≥ 0 (ms), got {spec.transient_ms!r}")
    for name, value in spec.noise.items():
        if not is_finite_number(value) or value < 0:
            raise InputError(Mention("noise", key=name),
                             f": the intensity D must be a finite number ≥ 0, got {value!r}")
    if spec.coupling_mode is not None and spec.coupling_mode not in COUPLING_MODES:
        raise InputError(Mention("coupling_mode"),
                         f": must be one of {', '.join(COUPLING_MODES)}, got {spec.coupling_mode!r}")
    from .layouts import KERNELS, LEGACY

    if spec.kernel not in KERNELS and spec.kernel not in LEGACY:
        raise InputError(Mention("kernel"), f": must be one of {', '.join(KERNELS)}, got {spec.kernel!r}")
    if spec.seed is not None and (not isinstance(spec.seed, numbers.Integral) or isinstance(spec.seed, bool)
                                  or not 0 <= spec.seed < 2**63):
        raise InputError(Mention("seed"), f": must be a whole number from 0 to 2^63 - 1, got {spec.seed!r}")
    if not isinstance(spec.max_steps, numbers.Integral) or isinstance(spec.max_steps, bool) or spec.max_steps < 1:
        raise InputError(Mention("max_steps"), f": must be a whole number ≥ 1, got {spec.max_steps!r}")
    from .analyses import check_analyses

    check_analyses(spec)


def recording(spec: RunSpec) -> bool:
    """Whether a run records its state every `record_every_ms` (the raw traces): `record` when given;
    otherwise yes, unless the run asks for BOLD, FC or FCD and gives neither `record_every_ms` nor the
    temporal-average monitor (a BOLD study needs no raw traces; its FC is of what it needs).

    Examples
    --------
    >>> recording(RunSpec(1)), recording(RunSpec(1, bold=True)), recording(RunSpec(1, fc=True, record_every_ms=1.0))
    (True, False, True)
    >>> recording(RunSpec(1, bold=True, record=True)), recording(RunSpec(1, record=False))
    (True, False)
    """
    if spec.record is not None:
        return bool(spec.record)
    if spec.record_every_ms is not None or spec.monitor != "raw":
        return True
    return not (spec.bold or spec.fc or spec.fcd_window_ms is not None)
