"""TVB's `Kuramoto` model: a phase oscillator per region."""

from __future__ import annotations

import math

from .base import BoldDrive, Model, Parameter, StateVariable


class Kuramoto(Model):
    """dθ/dt = ω + c (TVB `models.Kuramoto`, with the `kuramoto` coupling a/n_cvar · Σ W sin(θ_j(t − d) − θ_i))."""

    name = "kuramoto"
    state_variables = (StateVariable("theta", 0.0, 2 * math.pi, doc="phase (rad), not wrapped"),)
    coupled = (0,)
    observed = (0,)
    region_parameters = (Parameter("omega", 1.0, unit="rad/ms", doc="natural angular frequency"),)
    default_coupling_function = "kuramoto"
    equations = "dtheta/dt = omega + c"
    latex = (r"\frac{d\theta}{dt} = \omega + c",)
    bold = BoldDrive("sin(theta)", "", (-1.0, 1.0), doc="the oscillation, never the unwrapped phase (which only "
                     "grows): Cabral et al.'s activity r = sin θ", source="Cabral et al. (2011) NeuroImage 57:130")
    sources = ("Kuramoto (1975) Lecture Notes in Physics 39:420", "Cabral et al. (2011) NeuroImage 57:130",
               "The Virtual Brain 2.10, tvb.simulator.models.oscillator.Kuramoto")


def dfun(x, c, p, out):  # compiled into the run's kernel (connectome.sim.compose)
    """d/dt of (theta,) given the coupling c[0] and p = (omega,)."""
    for t in range(x.shape[1]):
        out[0, t] = p[0, t] + c[0, t]


def sine(x, t):  # compiled into the run's kernel (connectome.sim.compose)
    """sin θ of region t."""
    return math.sin(x[0, t])


def sines(x):
    """sin θ of every region (and sample) of the states x[variable, ...]: `sine` on arrays."""
    import numpy as np

    return np.sin(x[0, ...])


Kuramoto.kernel_dfun = staticmethod(dfun)
Kuramoto.kernel_proxy = staticmethod(sine)
Kuramoto.array_proxy = staticmethod(sines)
