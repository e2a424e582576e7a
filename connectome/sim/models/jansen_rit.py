"""TVB's `JansenRit` model: a cortical column of pyramidal cells and excitatory and inhibitory interneurons."""

from __future__ import annotations

import math

from .base import BoldDrive, Model, Parameter, StateVariable

P = Parameter


class JansenRit(Model):
    """Jansen–Rit neural mass (TVB `models.JansenRit`; Jansen & Rit 1995). y0–y2 are PSPs, y3–y5 their rates."""

    name = "jansen-rit"
    state_variables = (StateVariable("y0", -1.0, 1.0), StateVariable("y1", -500.0, 500.0),
                       StateVariable("y2", -50.0, 50.0), StateVariable("y3", -6.0, 6.0),
                       StateVariable("y4", -20.0, 20.0), StateVariable("y5", -500.0, 500.0))
    coupled = (1, 2)  # TVB keeps y1 and y2 in the history; with linear coupling only y1's term enters
    coupling_terms = 1  # the kernel sums only the term the equations read
    observed = (1, 2)
    region_parameters = (
        P("A", 3.25, unit="mV", doc="maximum EPSP"), P("B", 22.0, unit="mV", doc="maximum IPSP"),
        P("a", 0.1, 0.0, low_open=True, unit="1/ms", doc="reciprocal excitatory time constant"),
        P("b", 0.05, 0.0, low_open=True, unit="1/ms", doc="reciprocal inhibitory time constant"),
        P("v0", 5.52, unit="mV", doc="firing threshold"), P("nu_max", 0.0025, unit="1/ms", doc="maximum firing rate"),
        P("r", 0.56, unit="1/mV", doc="steepness of the sigmoid"), P("J", 135.0, doc="average number of synapses"),
        P("a_1", 1.0, doc="fast excitatory feedback"), P("a_2", 0.8, doc="slow excitatory feedback"),
        P("a_3", 0.25, doc="fast inhibitory feedback"), P("a_4", 0.25, doc="slow inhibitory feedback"),
        P("mu", 0.22, unit="1/ms", doc="mean input firing rate"),
    )
    equations = ("S(v) = 2 nu_max / (1 + exp(r (v0 - v)))\n"
                 "dy0 = y3;  dy1 = y4;  dy2 = y5\n"
                 "dy3 = A a S(y1 - y2) - 2 a y3 - a^2 y0\n"
                 "dy4 = A a (mu + a_2 J S(a_1 J y0) + c) - 2 a y4 - a^2 y1\n"
                 "dy5 = B b a_4 J S(a_3 J y0) - 2 b y5 - b^2 y2")
    latex = (r"S(v) = \frac{2 \nu_{\max}}{1 + e^{r (v_0 - v)}}",
             r"\frac{dy_0}{dt} = y_3, \quad \frac{dy_1}{dt} = y_4, \quad \frac{dy_2}{dt} = y_5",
             r"\frac{dy_3}{dt} = A a\, S(y_1 - y_2) - 2 a y_3 - a^2 y_0",
             r"\frac{dy_4}{dt} = A a \left(\mu + a_2 J\, S(a_1 J y_0) + c\right) - 2 a y_4 - a^2 y_1",
             r"\frac{dy_5}{dt} = B b\, a_4 J\, S(a_3 J y_0) - 2 b y_5 - b^2 y_2")
    bold = BoldDrive("y1 - y2", "mV", (0.0, 20.0), doc="the pyramidal cells' mean membrane potential, the "
                     "model's EEG output; 2–12 mV at rest, up to 19.5 coupled with noise y4 ≤ 0.001. The BOLD "
                     "signal follows the local field potential best (Logothetis et al. 2001)",
                     source="Jansen & Rit (1995) Biol. Cybern. 73:357; Logothetis et al. (2001) Nature 412:150")
    sources = ("Jansen & Rit (1995) Biol. Cybern. 73:357", "Jansen, Zouridakis & Brandt (1993) Biol. Cybern. 68:275",
               "The Virtual Brain 2.10, tvb.simulator.models.jansen_rit.JansenRit")


def dfun(x, c, p, out):  # compiled into the run's kernel (connectome.sim.compose)
    """d/dt of (y0 … y5) given the coupling c[0] (from y1) and p in `region_parameters` order."""
    for t in range(x.shape[1]):
        y0, y1, y2, y3, y4, y5 = x[0, t], x[1, t], x[2, t], x[3, t], x[4, t], x[5, t]
        A, B, a, b, v0, nu_max, r, J, a_1, a_2, a_3, a_4, mu = p[0:13, t]
        sigm_y1_y2 = 2.0 * nu_max / (1.0 + math.exp(r * (v0 - (y1 - y2))))
        sigm_y0_1 = 2.0 * nu_max / (1.0 + math.exp(r * (v0 - (a_1 * J * y0))))
        sigm_y0_3 = 2.0 * nu_max / (1.0 + math.exp(r * (v0 - (a_3 * J * y0))))
        out[0, t] = y3
        out[1, t] = y4
        out[2, t] = y5
        out[3, t] = A * a * sigm_y1_y2 - 2.0 * a * y3 - a**2 * y0
        out[4, t] = A * a * (mu + a_2 * J * sigm_y0_1 + c[0, t]) - 2.0 * a * y4 - a**2 * y1
        out[5, t] = B * b * (a_4 * J * sigm_y0_3) - 2.0 * b * y5 - b**2 * y2


def eeg(x, t):  # compiled into the run's kernel (connectome.sim.compose)
    """y1 − y2 of region t (every region for t = Ellipsis): the EEG/LFP proxy of Jansen & Rit (1995)."""
    return x[1, t] - x[2, t]


JansenRit.kernel_dfun = staticmethod(dfun)
JansenRit.kernel_proxy = staticmethod(eeg)
