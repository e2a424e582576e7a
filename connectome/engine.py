"""The processing engine: a rate model of region activity, in constant memory and time whatever N.

State
    One number per region, ``a_t`` in [0, 1]: the fraction of the region's neurons that are active.
    When a conduction speed is given, also a ring buffer of the last ``D + 1`` sampled activities
    (``D`` = the longest delay in steps). Nothing of length N or of length #connections exists.

Sizes and weights (exact)
    ``N_s`` neurons per region by largest remainder (:func:`connectome.exact.region_neurons`).
    A neuron of region t receives on average ``K_st = N_s · strength_st / 1000`` connections from
    region s. The coupling weight of projection s → t is its share of t's input::

        w_st = K_st / Σ_s' K_s't

    computed with :class:`fractions.Fraction` from the strengths as written and only then rounded
    to a float, so identical size ratios (e.g. the example at 10^4 and at 10^10 neurons) give
    bit-identical weights, hence bit-identical deterministic dynamics. A projection with attribute
    ``sign = -1`` is inhibitory: its weight is negated (the normalisation uses |K|). A target with
    no input (Σ K = 0) gets none.

Dynamics (forward Euler, step ``dt``; ``t_k = k · dt``)
    ::

        Â_s(t)  = Binomial(N_s, a_s(t)) / N_s                      (sampled activity)
        h_t(t)  = g · Σ_s w_st · Â_s(t − d_st) + I_t(t)            (input)
        τ_t · da_t/dt = −a_t + σ((h_t − θ_t) / width),   σ(x) = 1 / (1 + e^(−x))
        a_t(t + dt) = a_t(t) + (dt / τ_t) · (σ((h_t(t) − θ_t) / width) − a_t(t))

    * ``Â_s`` is drawn from ``numpy.random.Generator(PCG64(seed))``, one binomial per region and
      step, so its fluctuations shrink like 1/√N_s. For ``N_s`` beyond the int64 range (N above
      ~9·10^18) the normal approximation ``a + √(a(1−a)/N_s) · Z`` (clipped to [0, 1]) is used.
      With ``deterministic=True``, ``Â_s = a_s`` exactly: the N → ∞ limit, identical at every N.
      A region with no neurons at this N contributes nothing (its K is 0).
    * ``I_t(t)`` is the sum of the amplitudes of the stimuli on region t that are on at ``t``
      (``start_ms ≤ t < end_ms``): a constant input while on.
    * Delays: with a conduction speed ``v`` (mm/ms), ``d_st = tract_length_st / v`` rounded to the
      nearest whole step (halves up); projections without ``tract_length``, and every projection
      when no speed is given, have no delay. Before t = 0 every region is at rest.
    * Initial (resting) state: ``a_t(0) = σ(−θ_t / width)``, the response to zero input.
    * A region is *activated* at the first time ``a_t ≥ θ_t`` (every step counts, not only the
      recorded ones); ``propagation_order`` lists activated regions by that time, ties by region
      order.

Defaults
    ``g`` (``coupling``) = 1.0, ``width`` = 0.1, region attribute ``tau_ms`` = 10 ms, region
    attribute ``threshold`` (θ) = 0.5, ``dt`` = 0.1 ms, ``duration`` = 1000 ms. Since Σ_s w_st = 1,
    the input from the network is the weighted mean of the sources' activities: a fully active
    source drives its targets hard (a → 0.99), a resting one (a ≈ 0.007) leaves them at rest. No
    region excites itself and the example's loops are weak, so activity lasts as long as the
    stimulus; with no stimulus nothing activates.

Cost
    Per step O(regions + projections) (edge index arrays and :func:`numpy.bincount`); memory for
    the recorded series (recorded steps × regions × 8 bytes), the delay buffer and O(R + P) state.
    Call :func:`estimate` and :func:`check_memory` before a long run.

Example
    >>> from connectome.formats.canonical import read_json
    >>> g = read_json("examples/multi_region.json")
    >>> r = simulate(g, 10_000, duration_ms=200, seed=1, stimuli=[parse_stimulus("sensory_cortex=1.0")])
    >>> r.propagation_order[0]
    'sensory_cortex'
"""

from __future__ import annotations

import csv
import math
import numbers
import os
import secrets
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Sequence

import psutil

if TYPE_CHECKING:
    import networkx as nx
    import numpy as np

from .errors import InputError, ResourceError
from .exact import MAX_STRENGTH, check_positive, derived_counts, exact, region_neurons

DEFAULT_COUPLING = 1.0
DEFAULT_WIDTH = 0.1
DEFAULT_TAU_MS = 10.0
DEFAULT_THRESHOLD = 0.5

# the names the error messages use for each parameter (the CLI's options)
OPTION_NAMES = {
    "neurons": "--neurons",
    "duration_ms": "--duration",
    "dt_ms": "--dt",
    "record_every_ms": "--record-every",
    "speed_mm_per_ms": "--speed",
    "seed": "--seed",
    "stimuli": "--stimulus",
    "coupling": "--coupling",
    "width": "--width",
    "max_steps": "--max-steps",
}

# exact binomial draws up to this region size, the normal approximation beyond
BINOMIAL_MAX = 2**63 - 1
# bytes of working state per region and per projection, for the memory estimate
STATE_BYTES_PER_REGION = 160
STATE_BYTES_PER_PROJECTION = 64
STIMULUS_SYNTAX = "REGION=AMPLITUDE[@START:END]"
# a run of more steps is refused unless max_steps is raised (--max-steps)
MAX_STEPS = 10**8
# the time estimate: a fixed cost per step and a cost per region and projection per step (measured
# on a 2-core VM: ~40 µs per step at 5 regions, ~10 ms per step at 995k projections); runs estimated
# beyond a week are refused as absurd
SECONDS_PER_STEP = 40e-6
SECONDS_PER_ELEMENT_STEP = 10e-9
MAX_RUN_SECONDS = 7 * 24 * 3600


# ---------------------------------------------------------------------------------------------
# stimuli


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
        if not _is_finite_number(value):
            return f"the {what} must be a finite number, got {value!r}"
    if s.start_ms < 0:
        return f"the start time must be ≥ 0 ms, got {s.start_ms:g}"
    if s.end_ms is not None:
        if not _is_finite_number(s.end_ms):
            return f"the end time must be a finite number, got {s.end_ms!r}"
        if s.end_ms <= s.start_ms:
            return f"the end time must be after the start time, got {s.start_ms:g}:{s.end_ms:g}"
    return None


# ---------------------------------------------------------------------------------------------
# validation and the plan of a run (everything but the dynamics)


def _is_finite_number(value: object) -> bool:
    return isinstance(value, numbers.Real) and not isinstance(value, bool) and math.isfinite(value)


def _positive(value: object, name: str) -> Fraction:
    """A finite number > 0 as the exact decimal it was written as, else InputError."""
    if not _is_finite_number(value):
        raise InputError(f"{OPTION_NAMES[name]}: must be a finite number, got {value!r}")
    if value <= 0:
        raise InputError(f"{OPTION_NAMES[name]}: must be > 0, got {value!r}")
    return exact(float(value) if isinstance(value, float) else value)


def _ms(value: Fraction) -> str:
    return f"{float(value):g} ms" if value < 10**300 else f"{Decimal(value.numerator) / value.denominator:.3E} ms"


def _whole_steps(value: Fraction) -> int:
    """The nearest whole number, halves up."""
    return math.floor(value + Fraction(1, 2))


@dataclass
class _Plan:
    regions: list[str]
    sizes: list[int]
    # plain lists: `estimate` needs no numpy, `simulate` makes the arrays
    weights: list[float]  # per projection
    src: list[int]  # per projection
    tgt: list[int]
    delays: list[int]  # per projection, whole steps
    tau: list[float]  # per region
    theta: list[float]
    dt: Fraction
    steps: int
    record_stride: int
    max_delay: int

    @property
    def recorded(self) -> int:
        return self.steps // self.record_stride + 1


def _region_number(graph: nx.DiGraph, region: str, key: str, default: float, *, upper: float | None = None) -> float:
    value = graph.nodes[region].get(key, default)
    if not _is_finite_number(value) or value <= 0 or (upper is not None and value >= upper):
        bound = f"> 0 and < {upper:g}" if upper is not None else "> 0"
        raise InputError(f"region {region!r}.{key}: must be a finite number {bound}, got {value!r}")
    return float(value)


def _big(n: int | Fraction) -> str:
    """A count of any size for a message: 12,345 or 1.235E+616 (a float would overflow)."""
    return f"{n:,}" if n < 10**15 else f"{Decimal(int(n)):.3E}"


def _plan(graph: nx.DiGraph, neurons: object, duration_ms: object, dt_ms: object,
          record_every_ms: object, speed_mm_per_ms: object, max_steps: object = MAX_STEPS) -> _Plan:
    """Validate a run's arguments and derive everything fixed for its duration: O(R + P)."""
    import networkx as nx  # already loaded by whoever built the graph

    if not isinstance(graph, nx.DiGraph) or graph.is_multigraph():
        raise InputError(f"the topology must be a networkx DiGraph, got {type(graph).__name__}")
    if graph.number_of_nodes() == 0:
        raise InputError("the topology has no regions")
    if not isinstance(neurons, numbers.Integral) or isinstance(neurons, bool):
        raise InputError(f"--neurons: must be a whole number ≥ 1, got {neurons!r}")
    neurons = int(neurons)
    if neurons < 1:
        raise InputError(f"--neurons: must be a whole number ≥ 1, got {neurons}")
    duration = _positive(duration_ms, "duration_ms")
    dt = _positive(dt_ms, "dt_ms")
    if dt > duration:
        raise InputError(f"--dt: the time step ({_ms(dt)}) must not exceed the duration ({_ms(duration)})")
    if not isinstance(max_steps, numbers.Integral) or isinstance(max_steps, bool) or max_steps < 1:
        raise InputError(f"--max-steps: must be a whole number ≥ 1, got {max_steps!r}")
    steps = math.ceil(duration / dt)
    if steps > max_steps:
        raise ResourceError(f"--duration/--dt: {_ms(duration)} in steps of {_ms(dt)} is {_big(steps)} steps, more "
                            f"than the {_big(int(max_steps))} allowed; use a larger --dt, or raise --max-steps")
    stride = 1
    if record_every_ms is not None:
        every = _positive(record_every_ms, "record_every_ms")
        if every < dt:
            raise InputError(f"--record-every: must be ≥ the time step ({_ms(dt)}), got {_ms(every)}")
        if every > duration:
            raise InputError(f"--record-every: must be ≤ the duration ({_ms(duration)}), got {_ms(every)}")
        stride = max(1, _whole_steps(every / dt))
    speed = None
    if speed_mm_per_ms is not None:
        speed = _positive(speed_mm_per_ms, "speed_mm_per_ms")

    regions = list(graph.nodes)
    for region in regions:
        problem = check_positive(graph.nodes[region].get("share"))
        if problem:
            raise InputError(f"region {region!r}.share: {problem}")
    tau = [_region_number(graph, r, "tau_ms", DEFAULT_TAU_MS) for r in regions]
    theta = [_region_number(graph, r, "threshold", DEFAULT_THRESHOLD, upper=1.0) for r in regions]
    smallest_tau = min(tau)
    if dt > exact(smallest_tau):
        raise InputError(f"--dt: the time step ({_ms(dt)}) must be ≤ the smallest region tau_ms "
                         f"({smallest_tau:g} ms) for the Euler step to be stable")
    sizes = region_neurons(graph, neurons)
    index = {r: i for i, r in enumerate(regions)}

    src, tgt, delays, k_signed = [], [], [], []
    k_in = [Fraction(0)] * len(regions)
    for s, t, attrs in graph.edges(data=True):
        where = f"projection {s!r} -> {t!r}"
        problem = check_positive(attrs.get("strength"), maximum=MAX_STRENGTH)
        if problem:
            raise InputError(f"{where}.strength: {problem}")
        sign = attrs.get("sign", 1)
        if not _is_finite_number(sign) or sign not in (1, -1):
            raise InputError(f"{where}.sign: must be 1 (excitatory) or -1 (inhibitory), got {sign!r}")
        k = sizes[s] * exact(attrs["strength"])  # K_st · 1000: the factor cancels in w
        k_in[index[t]] += k
        k_signed.append(k if sign == 1 else -k)
        delay = 0
        if speed is not None and attrs.get("tract_length") is not None:
            length = attrs["tract_length"]
            if not _is_finite_number(length) or length < 0:
                raise InputError(f"{where}.tract_length: must be a finite number ≥ 0 (mm), got {length!r}")
            delay = _whole_steps(exact(float(length) if isinstance(length, float) else length) / (speed * dt))
            delay = min(delay, steps + 1)  # what arrives after the run ends is never read: the ring stays bounded
        src.append(index[s])
        tgt.append(index[t])
        delays.append(delay)
    weights = [float(k / k_in[t]) if k_in[t] else 0.0 for k, t in zip(k_signed, tgt)]
    return _Plan(
        regions=regions,
        sizes=[sizes[r] for r in regions],
        weights=weights,
        src=src,
        tgt=tgt,
        delays=delays,
        tau=tau,
        theta=theta,
        dt=dt,
        steps=steps,
        record_stride=stride,
        max_delay=max(delays, default=0),
    )


def _check_stimuli(stimuli: Sequence[Stimulus | str], regions: list[str]) -> list[Stimulus]:
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


def _sigma(x: np.ndarray) -> np.ndarray:
    """The logistic function, without overflow: σ(x) = (1 + tanh(x/2)) / 2."""
    import numpy as np

    return 0.5 + 0.5 * np.tanh(0.5 * x)


def _times(count: int, stride: int, dt: Fraction) -> np.ndarray:
    """t = k · stride · dt for k < count, each the float nearest the exact decimal when it can be."""
    import numpy as np

    scaled = stride * dt.numerator
    if (count - 1) * scaled < 2**53 and dt.denominator < 2**53:
        return np.arange(count, dtype=np.float64) * float(scaled) / float(dt.denominator)
    return np.arange(count, dtype=np.float64) * float(stride * dt)


# ---------------------------------------------------------------------------------------------
# the result


@dataclass
class SimulationResult:
    """What a run produced: the recorded series, a per-region summary and the parameters."""

    regions: list[str]
    region_neurons: list[int]
    time_ms: np.ndarray
    activity: np.ndarray
    summary_regions: list[dict]
    propagation_order: list[str]
    total_connections: int
    neurons: int
    duration_ms: float
    dt_ms: float
    steps: int
    seed: int | None
    deterministic: bool
    speed_mm_per_ms: float | None
    record_every_ms: float
    coupling: float
    width: float
    stimuli: list[Stimulus] = field(default_factory=list)

    def parameters(self) -> dict[str, Any]:
        """The run's parameters as plain JSON-able values (stimuli in their text form)."""
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
        }

    def summary(self) -> dict[str, Any]:
        """The summary as plain JSON-able values (no time series)."""
        return {
            "neurons": self.neurons,
            "total_connections": self.total_connections,
            "regions": [dict(r) for r in self.summary_regions],
            "propagation_order": list(self.propagation_order),
        }

    def write(self, path: str | os.PathLike, suffix: str | None = None) -> None:
        """Write the recorded series: `.npz` (time_ms, activity, regions) or `.csv` (time_ms,<region>,…), atomically.

        `suffix` chooses the format when the path's own extension does not (a staged temporary name).
        """
        p = Path(path)
        suffix = (suffix or p.suffix).lower()
        if suffix not in (".npz", ".csv"):
            raise InputError(f"{p}: unknown output format {p.suffix or '(no extension)'!r}; use .npz or .csv")
        import numpy as np

        from .formats._io import open_output, text_stream

        with open_output(p, binary=True) as fh:
            if suffix == ".npz":
                np.savez(fh, time_ms=self.time_ms, activity=self.activity, regions=np.array(self.regions, dtype=str))
            else:
                text = text_stream(fh)
                writer = csv.writer(text, lineterminator="\n")
                writer.writerow(["time_ms", *self.regions])
                for t, row in zip(self.time_ms.tolist(), self.activity.tolist()):
                    writer.writerow([repr(t), *map(repr, row)])
                text.flush()
                text.detach()


# ---------------------------------------------------------------------------------------------
# the engine


def simulate(
    graph: nx.DiGraph,
    neurons: int,
    *,
    duration_ms: float = 1000.0,
    dt_ms: float = 0.1,
    seed: int | None = None,
    stimuli: Sequence[Stimulus | str] = (),
    deterministic: bool = False,
    speed_mm_per_ms: float | None = None,
    record_every_ms: float | None = None,
    progress: Callable[[int], None] | None = None,
    coupling: float = DEFAULT_COUPLING,
    width: float = DEFAULT_WIDTH,
    max_steps: int = MAX_STEPS,
) -> SimulationResult:
    """Run the region rate model (see the module docstring) on `graph` scaled to `neurons` neurons.

    Parameters
    ----------
    graph : the topology DiGraph (region attribute ``share``, optional ``tau_ms``, ``threshold``;
        projection attribute ``strength``, optional ``tract_length`` in mm and ``sign`` ±1).
    neurons : N, a Python int ≥ 1 (any size; cost does not depend on it).
    duration_ms, dt_ms : simulated time and Euler step; ``ceil(duration / dt)`` steps.
    seed : seed of ``Generator(PCG64(seed))``; None draws one, reported in ``result.seed``.
        Not used (and reported as given) when `deterministic`.
    stimuli : :class:`Stimulus` objects (or their text forms).
    deterministic : use the N → ∞ limit ``Â = a`` instead of binomial sampling.
    speed_mm_per_ms : conduction speed; with it, projections with ``tract_length`` are delayed.
    record_every_ms : record the state every this many ms (rounded to whole steps); default every
        step. Peaks, means and activation times always use every step.
    progress : called with the number of steps done since its last call, about every 1% of them.
    coupling, width : the global coupling g and the width of the logistic.
    max_steps : refuse (ResourceError) a run of more steps than this.

    Returns
    -------
    SimulationResult

    Raises
    ------
    InputError : a bad argument, region attribute or stimulus (one line).
    """
    import numpy as np

    plan = _plan(graph, neurons, duration_ms, dt_ms, record_every_ms, speed_mm_per_ms, max_steps)
    if not _is_finite_number(coupling):
        raise InputError(f"--coupling: must be a finite number, got {coupling!r}")
    width_exact = _positive(width, "width")
    stims = _check_stimuli(stimuli, plan.regions)
    if seed is not None and (not isinstance(seed, numbers.Integral) or isinstance(seed, bool) or seed < 0):
        raise InputError(f"--seed: must be a whole number ≥ 0, got {seed!r}")
    if seed is None and not deterministic:
        seed = secrets.randbits(63)
    if seed is not None:
        seed = int(seed)
    neurons = int(neurons)

    R = len(plan.regions)
    index = {r: i for i, r in enumerate(plan.regions)}
    g = float(coupling)
    w = float(width_exact)
    dt = float(plan.dt)
    rate = dt / np.array(plan.tau, dtype=np.float64)  # dt / τ_t
    theta = np.array(plan.theta, dtype=np.float64)
    src, tgt = np.array(plan.src, dtype=np.intp), np.array(plan.tgt, dtype=np.intp)
    weights = np.array(plan.weights, dtype=np.float64)
    has_edges = len(src) > 0

    # stimulus schedule: the input vector changes only at these steps
    events: dict[int, None] = {0: None}
    windows = []
    for s in stims:
        start = math.ceil(exact(s.start_ms) / plan.dt)
        end = plan.steps if s.end_ms is None else min(plan.steps, math.ceil(exact(s.end_ms) / plan.dt))
        windows.append((index[s.region], float(s.amplitude), start, end))
        for k in (start, end):
            if k < plan.steps:
                events[k] = None
    inputs = np.zeros(R)

    def stimulus_at(k: int) -> np.ndarray:
        vector = np.zeros(R)
        for i, amplitude, start, end in windows:
            if start <= k < end:
                vector[i] += amplitude
        return vector

    # sampling: exact binomial up to BINOMIAL_MAX neurons, normal beyond, nothing for empty regions
    sizes = plan.sizes
    rng = None if deterministic else np.random.Generator(np.random.PCG64(seed))
    empty = np.array([n == 0 for n in sizes])
    huge = np.array([n > BINOMIAL_MAX for n in sizes])
    binom_n = np.array([n if 0 < n <= BINOMIAL_MAX else 1 for n in sizes], dtype=np.int64)
    binom_f = binom_n.astype(np.float64)
    huge_f = np.array([float(n) for n in sizes])[huge]
    any_empty, any_huge = bool(empty.any()), bool(huge.any())

    # state
    a = _sigma((np.zeros(R) - theta) / w)  # rest: the response to zero input, as the step computes it
    ring = plan.max_delay + 1
    delayed = plan.max_delay > 0
    if delayed:
        buffer = np.empty((ring, R))
        buffer[:] = a  # before t = 0 every region is at rest
        read_offset = (-np.array(plan.delays, dtype=np.int64)) % ring

    stride = plan.record_stride
    activity = np.empty((plan.recorded, R), dtype=np.float64)
    activity[0] = a
    peak = a.copy()
    total = a.copy()
    activated = np.where(a >= theta, 0, -1)

    # progress: at the end of each percent of the steps (at most 100 calls)
    percent, reported = 1, 0
    next_report = -(-plan.steps // 100)

    for k in range(plan.steps):
        if k in events:
            inputs = stimulus_at(k)
        # sampled activity Â(t_k)
        if rng is None:
            sampled = a
        else:
            sampled = rng.binomial(binom_n, a) / binom_f
            if any_huge:
                p = a[huge]
                sampled[huge] = np.clip(p + np.sqrt(p * (1.0 - p) / huge_f) * rng.standard_normal(p.size), 0.0, 1.0)
            if any_empty:
                sampled[empty] = a[empty]
        # input h(t_k)
        if has_edges:
            if delayed:
                slot = k % ring
                buffer[slot] = sampled
                source = buffer[(read_offset + slot) % ring, src]
            else:
                source = sampled[src]
            h = np.bincount(tgt, weights=weights * source, minlength=R)
            if g != 1.0:
                h *= g
            h += inputs
        else:
            h = inputs
        # Euler step to t_{k+1}
        a = a + rate * (_sigma((h - theta) / w) - a)
        np.clip(a, 0.0, 1.0, out=a)
        # bookkeeping over every step
        np.maximum(peak, a, out=peak)
        total += a
        crossed = a >= theta
        if crossed.any():
            new = crossed & (activated < 0)
            if new.any():
                activated[new] = k + 1
        if (k + 1) % stride == 0:
            activity[(k + 1) // stride] = a
        if progress is not None and k + 1 == next_report:
            progress(k + 1 - reported)
            reported = k + 1
            while next_report <= reported:
                percent += 1
                next_report = -(-plan.steps * percent // 100)

    mean = total / (plan.steps + 1)
    summary = []
    for i, name in enumerate(plan.regions):
        step = int(activated[i])
        summary.append({
            "name": name,
            "neurons": sizes[i],
            "peak_activity": float(peak[i]),
            "mean_activity": float(mean[i]),
            "activation_ms": None if step < 0 else float(step * plan.dt),
        })
    order = sorted((i for i in range(R) if activated[i] >= 0), key=lambda i: (int(activated[i]), i))

    return SimulationResult(
        regions=list(plan.regions),
        region_neurons=list(sizes),
        time_ms=_times(plan.recorded, stride, plan.dt),
        activity=activity,
        summary_regions=summary,
        propagation_order=[plan.regions[i] for i in order],
        total_connections=derived_counts(graph, neurons)["total_connections"],
        neurons=neurons,
        duration_ms=float(duration_ms),
        dt_ms=float(dt_ms),
        steps=plan.steps,
        seed=seed,
        deterministic=bool(deterministic),
        speed_mm_per_ms=None if speed_mm_per_ms is None else float(speed_mm_per_ms),
        record_every_ms=float(stride * plan.dt),
        coupling=g,
        width=w,
        stimuli=stims,
    )


# ---------------------------------------------------------------------------------------------
# memory


def estimate(
    graph: nx.DiGraph,
    neurons: int,
    *,
    duration_ms: float = 1000.0,
    dt_ms: float = 0.1,
    record_every_ms: float | None = None,
    speed_mm_per_ms: float | None = None,
    max_steps: int = MAX_STEPS,
) -> dict[str, Any]:
    """What a run will take, before running it.

    Returns ``{"neurons", "total_connections", "run_bytes", "explicit_bytes", "available_bytes",
    "fits", "steps", "recorded_steps", "max_delay_steps", "time_s"}`` where ``run_bytes`` = recorded steps ×
    (regions + 1) × 8 (the series and its times) + (max delay + 1) × regions × 8 (the delay buffer)
    + O(regions + projections) working state — independent of N; ``explicit_bytes`` = 8 ×
    total_connections, what storing every connection as two int32 indices would take (a Python
    int of any size); ``fits`` = run_bytes ≤ psutil's available memory; ``time_s`` = steps ×
    (SECONDS_PER_STEP + SECONDS_PER_ELEMENT_STEP × (regions + projections)), a rough wall time.
    """
    plan = _plan(graph, neurons, duration_ms, dt_ms, record_every_ms, speed_mm_per_ms, max_steps)
    R, P = len(plan.regions), len(plan.src)
    total_connections = derived_counts(graph, int(neurons))["total_connections"]
    run_bytes = (
        plan.recorded * (R + 1) * 8
        + ((plan.max_delay + 1) * R * 8 if plan.max_delay else 0)
        + R * STATE_BYTES_PER_REGION
        + P * STATE_BYTES_PER_PROJECTION
    )
    available = int(psutil.virtual_memory().available)
    return {
        "neurons": int(neurons),
        "total_connections": total_connections,
        "run_bytes": run_bytes,
        "explicit_bytes": 8 * total_connections,
        "available_bytes": available,
        "fits": run_bytes <= available,
        "steps": plan.steps,
        "recorded_steps": plan.recorded,
        "max_delay_steps": plan.max_delay,
        "time_s": round(plan.steps * (SECONDS_PER_STEP + SECONDS_PER_ELEMENT_STEP * (R + P)), 3),
    }


def _size(n: int) -> str:
    """Bytes for people: 1.5 GB (1,500,000,000 bytes)."""
    value = float(n)
    for unit in ("bytes", "kB", "MB", "GB", "TB", "PB", "EB"):
        if value < 1000 or unit == "EB":
            break
        value /= 1000
    text = f"{n:,} bytes" if unit == "bytes" else f"{value:.3g} {unit} ({n:,} bytes)"
    return text


def check_memory(estimate_dict: dict[str, Any]) -> str | None:
    """Refuse a run that cannot fit or would take beyond a week (ResourceError, exit 2); warn above half the memory."""
    need, available = estimate_dict["run_bytes"], estimate_dict["available_bytes"]
    steps = estimate_dict.get("recorded_steps")
    detail = f" to record {steps:,} steps" if steps is not None else ""
    if need > available:
        raise ResourceError(
            f"this run needs about {_size(need)} of memory{detail}, but only {_size(available)} is available; "
            "record less often, shorten the duration or use a larger time step"
        )
    seconds = estimate_dict.get("time_s", 0)
    if seconds > MAX_RUN_SECONDS:
        raise ResourceError(f"this run would take about {seconds / 86400:,.0f} days ({estimate_dict['steps']:,} steps); "
                            "shorten the duration or use a larger time step")
    if need > available / 2:
        return (f"this run needs about {_size(need)} of memory{detail}, "
                f"more than half of the {_size(available)} available")
    return None


__all__ = [
    "Stimulus",
    "parse_stimulus",
    "simulate",
    "SimulationResult",
    "estimate",
    "check_memory",
    "DEFAULT_COUPLING",
    "DEFAULT_WIDTH",
    "DEFAULT_TAU_MS",
    "DEFAULT_THRESHOLD",
]
