"""The model interface: state variables, parameters (global, or per region by a region attribute), equations."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Callable, ClassVar, Sequence

from ...errors import InputError, Mention
from ...numeric import is_finite_number

if TYPE_CHECKING:
    import numpy as np


@dataclass(frozen=True)
class Parameter:
    """A model parameter: its default, its open or closed bounds, its unit and meaning."""

    name: str
    default: float
    low: float = -math.inf
    high: float = math.inf
    low_open: bool = False
    high_open: bool = False
    unit: str = ""
    doc: str = ""

    def problem(self, value: object) -> str | None:
        """Why `value` cannot be this parameter, or None."""
        if not is_finite_number(value):
            return f"must be a finite number, got {value!r}"
        below = value <= self.low if self.low_open else value < self.low  # type: ignore[operator]
        above = value >= self.high if self.high_open else value > self.high  # type: ignore[operator]
        if below or above:
            return f"must be in {self.bounds()}, got {value!r}"
        return None

    def bounds(self) -> str:
        """The bounds as an interval, e.g. (0, 1)."""
        low = "(" if self.low_open or self.low == -math.inf else "["
        high = ")" if self.high_open or self.high == math.inf else "]"
        return f"{low}{self.low:g}, {self.high:g}{high}"


@dataclass(frozen=True)
class StateVariable:
    """A state variable: the range its values typically take (random initial states are drawn in it) and
    the bounds the integrators clamp it to (TVB's `state_variable_boundaries`; infinite where none)."""

    name: str
    low: float
    high: float
    floor: float = -math.inf
    ceiling: float = math.inf
    doc: str = ""


# Every model's default BOLD drive maps its typical range onto z ∈ [−NEAR_LINEAR_Z, NEAR_LINEAR_Z], where the
# balloon's small-signal gain stays within 0.88–1.15 of its gain at rest (±20% holds for −0.053 ≤ z ≤ 0.069).
NEAR_LINEAR_Z = 0.04


@dataclass(frozen=True)
class BoldDrive:
    """A model's neural-activity proxy: the quantity that drives its BOLD signal and gives its FC.

    The balloon is driven by z = scale · (proxy − baseline) (`connectome.sim.monitors.bold`): `baseline` is
    the proxy's level at which the balloon rests, `scale` (per `unit`) brings the `typical` range of the
    proxy (measured in runs at the model's defaults) into the balloon's near-linear range; a run changes
    both with its `bold_scale` and `bold_baseline` parameters.
    """

    quantity: str  # the proxy as the equations name it, e.g. "y1 - y2"
    unit: str
    typical: tuple[float, float]  # the range the proxy takes in runs at the model's defaults, in `unit`
    doc: str = ""
    source: str = ""

    @property
    def baseline(self) -> float:
        """The middle of the typical range (the balloon rests there)."""
        return (self.typical[0] + self.typical[1]) / 2

    @property
    def scale(self) -> float:
        """NEAR_LINEAR_Z per half-width of the typical range (per `unit`)."""
        return NEAR_LINEAR_Z / ((self.typical[1] - self.typical[0]) / 2)


def observed_variable(x, t):  # a kernel part (connectome.sim.compose): a model's proxy by default
    """The first observed variable of region t (OBSERVED, its index, is a constant of the kernel)."""
    return x[OBSERVED, t]


class Model:
    """Base of every model; a model is stateless, its parameters come in as arrays per region.

    Its equations are `kernel_dfun(x, c, p, out)`: out ← dx/dt for the state x (variables, regions), the
    coupling c (coupled variables, regions) and the parameter matrix p
    (`parameter_matrix`: global parameters, then region parameters, in declaration order), written as plain
    Python over the regions and compiled into the run's kernel (`connectome.sim.compose`). A relaxation
    model (τ dx/dt = g(c) − x) also gives `kernel_target`: out ← g(c), which its finite-size noise draws from.
    A stimulus I(t) adds to the derivative of the `stimulated` variables (as TVB adds it to `stvar`), or,
    for a model with `kernel_input(c, drive, row)`, enters the coupling input c instead.

    The equations are stated twice for readers: `equations` as plain text (`models show`) and `latex` as
    typeset display equations (the models page), one LaTeX string per equation, each on one line and
    readable by latex2mathml; both say what `kernel_dfun` computes, with the parameters' names.
    """

    name: str
    state_variables: tuple[StateVariable, ...]
    coupled: tuple[int, ...]  # the state variables the network carries between regions
    coupling_terms: int | None = None  # how many of them the derivative reads (the first ones); None: all
    observed: tuple[int, ...]  # what monitors record
    stimulated: tuple[int, ...] | None = None  # the variables a stimulus enters (TVB's stvar); None: `coupled`
    stimulus_from_start: bool = False  # on at start ≤ t < end (exact steps), not TVB's start < t < end
    global_parameters: tuple[Parameter, ...] = ()
    region_parameters: tuple[Parameter, ...] = ()  # overridable per region by an attribute of the same name
    default_coupling_mode: str = "raw"
    default_coupling_function: str = "linear"
    default_integrator: str = "heun"
    integrators: tuple[str, ...] | None = None  # None: every registered integrator
    default_coupling_a: float | None = None  # None: the coupling function's own default
    kernel_dfun: ClassVar[Callable[..., None]]
    kernel_target: ClassVar[Callable[..., None] | None] = None
    kernel_input: ClassVar[Callable[..., None] | None] = None  # where a stimulus is input, not a derivative
    # the neural-activity proxy of region t, `kernel_proxy(x, t)`, written so that t = Ellipsis gives every
    # region at once (numpy), or with `array_proxy(x)` for that; None: the first observed variable. `bold`
    # states it (None: unscaled, for plugins)
    kernel_proxy: ClassVar[Callable[..., float] | None] = None
    array_proxy: ClassVar[Callable[..., Any] | None] = None
    bold: BoldDrive | None = None
    equations: str = ""
    latex: tuple[str, ...] = ()  # the equations typeset: one display equation (one line of LaTeX) per entry
    sources: tuple[str, ...] = ()
    notes: str = ""

    def parameters(self, regions: list[tuple[str, dict[str, Any]]], given: dict[str, Any]) -> dict[str, Any]:
        """Global parameters (given or default) as floats, region parameters (attribute, given, or default) as lists.

        Lists, not arrays: checking a run needs no numpy; `arrays` makes them arrays for the steps.
        """
        known = {p.name for p in (*self.global_parameters, *self.region_parameters)}
        unknown = sorted(k for k in set(given) - known if not k.startswith("coupling."))
        if unknown:
            raise InputError(Mention("params"), f": {self.name} has no parameter {', '.join(unknown)} "
                             f"(it has: {', '.join(sorted(known)) or 'none'})")
        out: dict[str, Any] = {}
        for p in self.global_parameters:
            value = given.get(p.name, p.default)
            problem = p.problem(value)
            if problem:
                raise InputError(Mention("params", key=p.name), f": {problem}")
            out[p.name] = float(value)
        for p in self.region_parameters:
            fallback = given.get(p.name, p.default)
            fallback_problem = p.problem(fallback)  # checked once, named at the first region that takes it
            values = []
            for region, attrs in regions:
                value = attrs.get(p.name, fallback)
                problem = fallback_problem if p.name not in attrs else p.problem(value)
                if problem:
                    raise InputError(f"region {region!r}.{p.name}: {problem}")
                values.append(float(value))
            out[p.name] = values
        return out

    def check_params(self, given: dict[str, Any]) -> None:
        """Refuse given parameters this model does not have or whose values are out of range, before any
        topology is read (InputError naming the parameter): what `parameters` checks, but per region."""
        self.parameters([], given)
        for p in self.region_parameters:
            problem = p.problem(given[p.name]) if p.name in given else None
            if problem:
                raise InputError(Mention("params", key=p.name), f": {problem}")

    @staticmethod
    def arrays(params: dict[str, Any]) -> dict[str, Any]:
        """The parameters with every per-region list as a float64 array."""
        import numpy as np

        return {k: np.array(v, dtype=np.float64) if isinstance(v, list) else v for k, v in params.items()}

    def parameter_matrix(self, params: dict[str, Any], regions: int) -> np.ndarray:
        """Every parameter as one array, shape (parameters, regions): the global ones, then the region
        ones, in declaration order (for the kernel)."""
        import numpy as np

        names = [p.name for p in (*self.global_parameters, *self.region_parameters)]
        out = np.empty((max(1, len(names)), regions))
        for i, name in enumerate(names):
            out[i] = params[name]
        return out

    def terms_used(self, params: np.ndarray) -> int:
        """How many coupled variables' sums the derivative reads, given the parameter matrix."""
        return len(self.coupled) if self.coupling_terms is None else self.coupling_terms

    def describe(self) -> dict[str, Any]:
        """What `models show` prints: variables, coupled ones, parameters, equations (as text and LaTeX), sources."""
        return {
            "name": self.name, "doc": ((type(self).__doc__ or "").strip().splitlines() or [""])[0],
            "state_variables": [{"name": v.name, "range": [v.low, v.high],
                                 "bounds": [None if math.isinf(v.floor) else v.floor,
                                            None if math.isinf(v.ceiling) else v.ceiling], "doc": v.doc}
                                for v in self.state_variables],
            "coupled": self.names(self.coupled), "observed": self.names(self.observed),
            "parameters": [{"name": p.name, "default": p.default, "bounds": p.bounds(), "unit": p.unit, "doc": p.doc,
                            "per_region": p in self.region_parameters}
                           for p in (*self.global_parameters, *self.region_parameters)],
            "coupling_mode": self.default_coupling_mode, "coupling_function": self.default_coupling_function,
            "integrator": self.default_integrator, "integrators": list(self.integrators or _registered()),
            "equations": self.equations, "latex": list(self.latex), "sources": list(self.sources), "notes": self.notes,
            "bold_drive": self.bold_drive(),
        }

    def bold_drive(self) -> dict[str, Any]:
        """The proxy that drives the BOLD signal and gives the FC: quantity, unit, default scale and baseline."""
        drive = self.bold or BoldDrive(self.names(self.observed[:1])[0], "", (-NEAR_LINEAR_Z, NEAR_LINEAR_Z))
        return {"quantity": drive.quantity, "unit": drive.unit, "scale": drive.scale, "baseline": drive.baseline,
                "typical": None if self.bold is None else list(drive.typical), "doc": drive.doc,
                "source": drive.source}

    def proxy(self, x: Any) -> np.ndarray:
        """The proxy of every region (and sample) from the states x[variable, ...] (`kernel_proxy` with t = ...)."""
        if self.array_proxy is not None:
            return self.array_proxy(x)
        if self.kernel_proxy is None:
            return x[self.observed[0], ...]
        return self.kernel_proxy(x, Ellipsis)

    def check_step(self, dt: float, params: dict[str, Any]) -> None:
        """Refuse a time step the model cannot take stably (InputError); by default any."""

    def initial(self, params: dict[str, Any], regions: int) -> np.ndarray:
        """The state at t = 0, shape (state variables, regions)."""
        raise NotImplementedError

    def names(self, indices: Sequence[int]) -> list[str]:
        """The names of the state variables at `indices`."""
        return [self.state_variables[i].name for i in indices]


def _registered() -> tuple[str, ...]:
    from ..integrators import general

    return general()
