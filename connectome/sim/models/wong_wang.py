"""TVB's `ReducedWongWang` model: the NMDA gating variable of a region's excitatory pool."""

from __future__ import annotations

import math

from .base import BoldDrive, Model, Parameter, StateVariable

P = Parameter


class ReducedWongWang(Model):
    """Reduced Wong–Wang (TVB `models.ReducedWongWang`; Wong & Wang 2006, Deco et al. 2013).

    TVB's defaults are kept: w = 0.6 and I_o = 0.33 nA. Deco et al. (2013) use w = 0.9 and I_o = 0.3 nA
    (and J_N = 0.2609 nA, as here); pass ``params={"w": 0.9, "I_o": 0.3}`` to run their values.
    """

    name = "reduced-wong-wang"
    state_variables = (StateVariable("S", 0.0, 1.0, 0.0, 1.0, doc="NMDA gating variable"),)
    coupled = (0,)
    observed = (0,)
    region_parameters = (
        P("a", 0.270, unit="n/C", doc="input gain"), P("b", 0.108, unit="kHz", doc="input shift"),
        P("d", 154.0, unit="ms", doc="fitted to numerical solutions"), P("gamma", 0.641, doc="kinetic parameter"),
        P("tau_s", 100.0, 0.0, low_open=True, unit="ms", doc="NMDA decay time constant"),
        P("w", 0.6, doc="excitatory recurrence"), P("J_N", 0.2609, unit="nA", doc="synaptic coupling"),
        P("I_o", 0.33, unit="nA", doc="effective external input"),
    )
    equations = ("x = w J_N S + I_o + J_N c;  H(x) = (a x - b) / (1 - exp(-d (a x - b)))\n"
                 "dS/dt = -S / tau_s + (1 - S) H(x) gamma;  S clamped to [0, 1]")
    latex = (r"x = w J_N S + I_o + J_N c, \quad H(x) = \frac{a x - b}{1 - e^{-d (a x - b)}}",
             r"\frac{dS}{dt} = -\frac{S}{\tau_s} + (1 - S)\, H(x)\, \gamma, \quad S \text{ clamped to } [0, 1]")
    bold = BoldDrive("S", "", (0.0, 1.0), doc="the NMDA gating variable, clamped to [0, 1]: the balloon's input in "
                     "Deco et al. (2013)", source="Deco et al. (2013) J. Neurosci. 33:11239")
    sources = ("Wong & Wang (2006) J. Neurosci. 26:1314", "Deco et al. (2013) J. Neurosci. 33:11239",
               "The Virtual Brain 2.10, tvb.simulator.models.wong_wang.ReducedWongWang")
    notes = "Deco et al. (2013) use w = 0.9 and I_o = 0.3 nA; TVB's defaults (kept) are w = 0.6, I_o = 0.33 nA."


def dfun(x, c, p, out):  # compiled into the run's kernel (connectome.sim.compose)
    """d/dt of (S,) given the coupling c[0] and p in `region_parameters` order."""
    for t in range(x.shape[1]):
        S = x[0, t]
        a, b, d, gamma, tau_s, w, J_N, I_o = p[0:8, t]
        v = w * J_N * S + I_o + J_N * c[0, t]
        y = a * v - b
        H = y / (1.0 - math.exp(-d * y))
        out[0, t] = -(S / tau_s) + (1.0 - S) * H * gamma


ReducedWongWang.kernel_dfun = staticmethod(dfun)
