"""TVB's `MontbrioPazoRoxin` model: the exact mean field of quadratic integrate-and-fire neurons."""

from __future__ import annotations

import math

from .base import BoldDrive, Model, Parameter, StateVariable

P = Parameter


class MontbrioPazoRoxin(Model):
    """Montbrió–Pazó–Roxin firing rate r and mean membrane potential V (TVB `models.MontbrioPazoRoxin`)."""

    name = "montbrio-pazo-roxin"
    state_variables = (StateVariable("r", 0.0, 2.0, 0.0, doc="firing rate"),
                       StateVariable("V", -2.0, 1.5, doc="mean membrane potential"))
    coupled = (0, 1)
    stimulated = (1,)  # a current enters the membrane potential V, not the rate (TVB's stvar)
    observed = (0, 1)
    region_parameters = (
        P("tau", 1.0, 0.0, low_open=True, doc="characteristic time"),
        P("Delta", 1.0, doc="half-width of the excitability distribution"),
        P("eta", -5.0, doc="mean excitability"), P("J", 15.0, doc="mean synaptic weight"),
        P("I", 0.0, doc="external current"), P("cr", 1.0, doc="weight of the coupling through r"),
        P("cv", 0.0, doc="weight of the coupling through V"),
    )
    def terms_used(self, params) -> int:
        """V's coupling enters only through cv: with cv = 0 everywhere its sum is not taken."""
        return 2 if (params[6] != 0).any() else 1

    equations = ("tau dr/dt = Delta / (pi tau) + 2 V r;  r clamped to r >= 0\n"
                 "tau dV/dt = V^2 - pi^2 tau^2 r^2 + eta + J tau r + I + cr c_r + cv c_V")
    latex = (r"\tau \frac{dr}{dt} = \frac{\Delta}{\pi \tau} + 2 V r, \quad r \text{ clamped to } r \ge 0",
             r"\tau \frac{dV}{dt} = V^2 - \pi^2 \tau^2 r^2 + \eta + J \tau r + I "
             r"+ \mathit{cr}\, c_r + \mathit{cv}\, c_V")
    bold = BoldDrive("r", "", (0.0, 2.0), doc="the population firing rate (in units of 1/tau): 0.08 at rest, "
                     "up to 1.4 coupled with noise r ≤ 0.001",
                     source="Montbrió, Pazó & Roxin (2015) Phys. Rev. X 5:021028")
    sources = ("Montbrió, Pazó & Roxin (2015) Phys. Rev. X 5:021028",
               "The Virtual Brain 2.10, tvb.simulator.models.infinite_theta.MontbrioPazoRoxin")


def dfun(x, c, p, out):  # compiled into the run's kernel (connectome.sim.compose)
    """d/dt of (r, V) given the couplings c[0] (through r), c[1] (through V), p in `region_parameters` order."""
    for t in range(x.shape[1]):
        r, V = x[0, t], x[1, t]
        tau, Delta, eta, J, I, cr, cv = p[0:7, t]
        out[0, t] = 1 / tau * (Delta / (math.pi * tau) + 2 * V * r)
        out[1, t] = 1 / tau * (V**2 - math.pi**2 * tau**2 * r**2 + eta + J * tau * r + I + cr * c[0, t] + cv * c[1, t])


MontbrioPazoRoxin.kernel_dfun = staticmethod(dfun)
