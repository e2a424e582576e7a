"""TVB's `Linear` model: one variable relaxing at rate γ, driven by the network."""

from __future__ import annotations

from ...errors import InputError, Mention
from .base import BoldDrive, Model, Parameter, StateVariable


class Linear(Model):
    """dx/dt = γ · x + c (TVB `models.Linear`; a linear relaxation of each region, stable for γ < 0)."""

    name = "linear"
    state_variables = (StateVariable("x", -1.0, 1.0, doc="activity"),)
    coupled = (0,)
    observed = (0,)
    region_parameters = (Parameter("gamma", -10.0, high=0.0, unit="1/ms",
                                   doc="rate of decay; its magnitude should exceed the node's in-strength"),)
    equations = "dx/dt = gamma * x + c"
    latex = (r"\frac{dx}{dt} = \gamma x + c",)
    bold = BoldDrive("x", "", (-0.5, 0.5), doc="the activity itself (its units are its input's); x stays within "
                     "±0.5 with noise D ≤ 0.05 and coupling a ≤ 1 on connectomes of unit in-strength")

    def check_step(self, dt: float, params: dict) -> None:
        """Euler and Heun diverge for dt · |γ| > 2 (their stability limit on the real axis): refuse such a step."""
        fastest = max(abs(g) for g in params["gamma"])
        if dt * fastest > 2:
            raise InputError(Mention("dt_ms"), f": the time step ({dt:g} ms) must be ≤ 2 / |gamma| = "
                             f"{2 / fastest:g} ms for the integrator to be stable")

    sources = ("The Virtual Brain 2.10, tvb.simulator.models.linear.Linear",
               "Sanz Leon et al. (2013) Front. Neuroinform. 7:10")


def dfun(x, c, p, out):  # compiled into the run's kernel (connectome.sim.compose)
    """d/dt of (x,) given the coupling c[0] and the parameters p = (gamma,), per region."""
    for t in range(x.shape[1]):
        out[0, t] = p[0, t] * x[0, t] + c[0, t]


Linear.kernel_dfun = staticmethod(dfun)
