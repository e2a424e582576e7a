"""The region rate model: the mean field of a population of two-state neurons."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

from ...errors import InputError, Mention
from .base import Model, Parameter, StateVariable

if TYPE_CHECKING:
    import numpy as np


class RateModel(Model):
    """τ_t da_t/dt = −a_t + σ((h_t − θ_t) / width), h_t = G · Σ_s W_st · a_s(t − d_st) + I_t(t).

    a_t ∈ [0, 1] is the fraction of region t's neurons that are active. It is the mean field of N_t
    two-state neurons, each switching on at rate σ(h)/τ and off at rate (1 − σ(h))/τ: the stochastic
    Wilson–Cowan model of Buice & Cowan (2007, Phys. Rev. E 75:051919), Bressloff (2009, SIAM J. Appl.
    Math. 70:1488) and Benayoun et al. (2010, PLoS Comput. Biol. 6:e1000846). With finite N the engine
    simulates that population exactly (see `connectome.sim.noise`); `deterministic` is the N → ∞ limit.
    A linear relaxation toward σ: `target` gives σ, `dfun` the derivative (σ − a)/τ.
    """

    name = "rate"
    state_variables = (StateVariable("a", 0.0, 1.0),)
    coupled = (0,)
    observed = (0,)
    global_parameters = (Parameter("width", 0.1, 0.0, low_open=True, doc="width of the response sigmoid"),)
    region_parameters = (
        Parameter("tau_ms", 10.0, 0.0, low_open=True, unit="ms", doc="time constant τ"),
        Parameter("threshold", 0.5, 0.0, 1.0, low_open=True, high_open=True, doc="input at the sigmoid midpoint, θ"),
        Parameter("activation", 0.75, 0.0, 1.0, low_open=True, high_open=True,
                  doc="activity at which a region counts as activated (a region held at input θ sits at 1/2)"),
    )
    default_coupling_mode = "mean-input"
    stimulated = ()  # a stimulus is input: it enters h, inside the sigmoid (`take_input`)
    stimulus_from_start = True  # its documented window: on from the step at START
    default_integrator = "exponential-euler"
    integrators = ("exponential-euler", "euler")
    default_coupling_a = 1.0  # G
    equations = "tau_ms * da/dt = -a + sigma((h - threshold) / width),  h = c + I,  sigma(x) = 1 / (1 + exp(-x))"
    latex = (r"\tau \frac{da}{dt} = -a + \sigma\!\left(\frac{h - \theta}{\mathrm{width}}\right)",
             r"h = c + I, \quad \sigma(x) = \frac{1}{1 + e^{-x}}")
    sources = ("Wilson & Cowan (1972) Biophys. J. 12:1", "Buice & Cowan (2007) Phys. Rev. E 75:051919",
               "Bressloff (2009) SIAM J. Appl. Math. 70:1488", "Benayoun et al. (2010) PLoS Comput. Biol. 6:e1000846")

    def check_step(self, dt: float, params: dict[str, Any]) -> None:
        """Refuse dt > τ: forward Euler (``integrator="euler"``) is unstable there, and the input held over a
        step longer than τ misses the dynamics for every scheme."""
        smallest = float(min(params["tau_ms"]))
        if dt > smallest:
            raise InputError(Mention("dt_ms"), f": the time step ({dt:g} ms) must be ≤ the smallest region tau_ms "
                             f"({smallest:g} ms) for the Euler step to be stable")

    def initial(self, params: dict[str, Any], regions: int) -> np.ndarray:
        """Rest: the response to zero input, σ(−θ / width), computed as the kernel's `target` computes it."""
        import numpy as np

        state, c = np.empty((1, regions)), np.zeros((1, regions))
        target(state, c, self.parameter_matrix(params, regions), state)
        return state


def response(h, threshold, width):  # compiled into the run's kernel (connectome.sim.compose)
    """σ((h − θ) / width), σ(x) = 1 / (1 + e^−x) computed as (1 + tanh(x/2)) / 2 (no overflow)."""
    return 0.5 + 0.5 * math.tanh(0.5 * ((h - threshold) / width))


def target(x, c, p, out):  # compiled into the run's kernel
    """out[0] ← σ((h − θ) / width), h = c[0] (the coupling, the stimulus added); p = (width, tau_ms, threshold, activation)."""
    for t in range(x.shape[1]):
        out[0, t] = response(c[0, t], p[2, t], p[0, t])


def dfun(x, c, p, out):  # compiled into the run's kernel
    """out[0] ← (σ((h − θ) / width) − a) / τ."""
    for t in range(x.shape[1]):
        out[0, t] = (response(c[0, t], p[2, t], p[0, t]) - x[0, t]) / p[1, t]


def take_input(c, drive, row):  # compiled into the run's kernel
    """c[0] ← c[0] + I(t_row): the stimulus is part of the input h."""
    inputs = drive[0]
    if inputs.shape[0]:
        for t in range(c.shape[1]):
            c[0, t] += inputs[row, t]


RateModel.kernel_dfun = staticmethod(dfun)
RateModel.kernel_input = staticmethod(take_input)
RateModel.kernel_target = staticmethod(target)
