"""The region rate model: the mean field of a population of two-state neurons."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ...errors import InputError
from .base import Model, Parameter, StateVariable

if TYPE_CHECKING:
    import numpy as np


def sigma(x: np.ndarray) -> np.ndarray:
    """The logistic function without overflow: σ(x) = (1 + tanh(x/2)) / 2."""
    import numpy as np

    return 0.5 + 0.5 * np.tanh(0.5 * x)


class RateModel(Model):
    """τ_t da_t/dt = −a_t + σ((h_t − θ_t) / width), h_t = G · Σ_s W_st · a_s(t − d_st) + I_t(t).

    a_t ∈ [0, 1] is the fraction of region t's neurons that are active. It is the mean field of N_t
    two-state neurons, each switching on at rate σ(h)/τ and off at rate (1 − σ(h))/τ: the stochastic
    Wilson–Cowan model of Buice & Cowan (2007, Phys. Rev. E 75:051919), Bressloff (2009, SIAM J. Appl.
    Math. 70:1488) and Benayoun et al. (2010, PLoS Comput. Biol. 6:e1000846). With finite N the engine
    simulates that population exactly (see `connectome.sim.noise`); `deterministic` is the N → ∞ limit.
    A linear relaxation toward σ: `relax` gives the target, `time_constant` the τ it relaxes with.
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
    default_integrator = "euler"
    integrators = ("euler",)
    equations = "tau_ms * da/dt = -a + sigma((h - threshold) / width),  h = c + I,  sigma(x) = 1 / (1 + exp(-x))"
    sources = ("Wilson & Cowan (1972) Biophys. J. 12:1", "Buice & Cowan (2007) Phys. Rev. E 75:051919",
               "Bressloff (2009) SIAM J. Appl. Math. 70:1488", "Benayoun et al. (2010) PLoS Comput. Biol. 6:e1000846")

    def check_step(self, dt: float, params: dict[str, Any]) -> None:
        """Forward Euler on τ da/dt = −a + … is stable for dt ≤ τ: refuse a larger step."""
        smallest = float(min(params["tau_ms"]))
        if dt > smallest:
            raise InputError(f"--dt: the time step ({dt:g} ms) must be ≤ the smallest region tau_ms "
                             f"({smallest:g} ms) for the Euler step to be stable")

    def initial(self, params: dict[str, Any], regions: int) -> np.ndarray:
        """Rest: the response to zero input, σ(−θ / width), computed as the step computes it."""
        import numpy as np

        return sigma((np.zeros(regions) - params["threshold"]) / params["width"])[None, :]

    def relax(self, coupling: np.ndarray, inputs: np.ndarray, params: dict[str, Any]) -> np.ndarray:
        """The value a relaxes toward: σ((c + I − θ) / width)."""
        return sigma((coupling + inputs - params["threshold"]) / params["width"])

    def time_constant(self, params: dict[str, Any]) -> np.ndarray:
        """τ per region, in ms."""
        return params["tau_ms"]

    def dfun(self, state: np.ndarray, coupling: np.ndarray, inputs: np.ndarray, params: dict[str, Any]) -> np.ndarray:
        """(σ((c + I − θ) / width) − a) / τ."""
        return ((self.relax(coupling, inputs, params) - state[0]) / params["tau_ms"])[None, :]
