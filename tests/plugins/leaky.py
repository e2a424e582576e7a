"""A model added from outside the library (a test plugin): a leaky integrator, τ dx/dt = −x + c + P.

Importing this module registers it; nothing in `connectome/` names it.
"""

from __future__ import annotations

from connectome.sim.models import Model, Parameter, register_model
from connectome.sim.models.base import StateVariable


class Leaky(Model):
    """τ dx/dt = −x + c + P: one variable relaxing toward its input."""

    name = "leaky"
    state_variables = (StateVariable("x", 0.0, 1.0, doc="activity"),)
    coupled = (0,)
    observed = (0,)
    region_parameters = (Parameter("tau", 10.0, 0.0, low_open=True, unit="ms", doc="time constant"),
                         Parameter("P", 0.0, doc="constant input"))
    default_integrator = "euler"
    equations = "tau dx/dt = -x + c + P"
    latex = (r"\tau \frac{dx}{dt} = -x + c + P",)
    sources = ("a test of the plugin mechanism",)


def dfun(x, c, p, out):
    """d/dt of (x,) given c[0] and p = (tau, P)."""
    for t in range(x.shape[1]):
        out[0, t] = (-x[0, t] + c[0, t] + p[1, t]) / p[0, t]


Leaky.kernel_dfun = staticmethod(dfun)
register_model(Leaky())
