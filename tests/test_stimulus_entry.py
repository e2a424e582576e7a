"""Where a stimulus enters: the derivative of the model's stimulated variables (TVB's stvar), or, for a model
that takes it as input (`kernel_input`), its coupling input, in every stage of every integrator."""

from __future__ import annotations

import math

import networkx as nx
import numpy as np
import pytest

from connectome.engine import simulate
from connectome.sim.models import MODELS, Model, Parameter, register_model
from connectome.sim.models.base import StateVariable
from connectome.sim.models.rate import take_input


def derivative(x, c, p, out):  # a kernel part: τ dx/dt = −x + c (named otherwise than `dfun` on purpose)
    for t in range(x.shape[1]):
        out[0, t] = (-x[0, t] + c[0, t]) / p[0, t]


class InputLeaky(Model):
    """τ dx/dt = −x + c + I: the stimulus is input, as the rate model takes it."""

    name = "test-input-leaky"
    state_variables = (StateVariable("x", 0.0, 1.0),)
    coupled = (0,)
    observed = (0,)
    stimulated = ()
    region_parameters = (Parameter("tau", 10.0, 0.0, low_open=True, unit="ms"),)


InputLeaky.kernel_dfun = staticmethod(derivative)
InputLeaky.kernel_input = staticmethod(take_input)


@pytest.fixture(scope="module")
def one() -> nx.DiGraph:
    g = nx.DiGraph(name="one")
    g.add_node("r0", share=1.0)
    return g


@pytest.mark.parametrize("integrator", ["euler", "heun", "heun-tvb"])
def test_an_input_stimulus_enters_both_heun_stages(one, integrator):
    """x → 1 − e^(−t/τ) under an input of 1 (on from t_k > 0): every scheme within dt/τ of it along the way
    and at it in the end (the textbook Heun's corrector took the coupling without the input before, and
    settled at 0.4975)."""
    register_model(InputLeaky())
    try:
        result = simulate(one, 1000, model="test-input-leaky", duration_ms=200, dt_ms=0.1, initial={"x": 0.0},
                          stimuli=["r0=1"], integrator=integrator)
    finally:
        MODELS.pop("test-input-leaky")
    want = 1 - np.exp(-result.time_ms / 10.0)
    assert np.max(np.abs(result.activity[:, 0] - want)) < 0.1 / 10.0
    assert abs(result.activity[-1, 0] - want[-1]) < 1e-6


def test_montbrio_takes_a_stimulus_in_v_only(one):
    """TVB's MontbrioPazoRoxin has stvar = [V]: r moves only through V (Euler: r after two steps unchanged)."""
    runs = [simulate(one, 1000, model="montbrio-pazo-roxin", integrator="euler", duration_ms=0.3, dt_ms=0.1,
                     initial={"r": 0.5, "V": -1.0}, stimuli=stimuli) for stimuli in ([], ["r0=1"])]
    r, V = ([run.states[name][:, 0] for run in runs] for name in ("r", "V"))
    assert np.array_equal(r[0][:3], r[1][:3]) and r[0][3] != r[1][3]
    assert V[1][1] == V[0][1] and math.isclose(V[1][2] - V[0][2], 0.1, rel_tol=1e-12)


def test_the_step_warning_reads_the_models_kernel_derivative(one):
    """A plugin whose derivative is not called `dfun` runs, and its rate (1/τ = 0.1/ms) is read from it."""
    from connectome.sim.stiffness import fastest_rate

    model = InputLeaky()
    params = model.parameter_matrix(model.arrays(model.parameters([("r0", {})], {})), 1)
    assert fastest_rate(model, params) == pytest.approx(0.1, rel=1e-6)


def test_a_sinusoid_above_the_steps_nyquist_frequency_is_refused(one):
    from connectome.errors import InputError

    with pytest.raises(InputError) as caught:
        simulate(one, 1000, model="linear", duration_ms=1, dt_ms=0.1, stimuli=["r0=1*sin(1e308)"])
    assert str(caught.value) == ("stimuli: a sinusoid of 1e+308 Hz is above the Nyquist frequency of the 0.1 ms "
                                 "step (5000 Hz) in 'r0=1*sin(1e+308)'")
    simulate(one, 1000, model="linear", duration_ms=1, dt_ms=0.1, stimuli=["r0=1*sin(5000)"])
