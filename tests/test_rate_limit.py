"""The deterministic rate model is the N → ∞ limit of the sampled one at every dt: both relax exactly,
a ← a + (1 − e^(−dt/τ))(σ(h) − a), the deterministic as the mean of the population's step."""

from __future__ import annotations

import numpy as np
import pytest

from connectome.engine import simulate
from connectome.formats.canonical import read_json
from conftest import EXAMPLE

STIMULUS = ["sensory_cortex=1.0@10:60"]


def test_the_sampled_mean_at_ten_to_the_seventeen_neurons_is_the_deterministic_run():
    """32 seeds at N = 10^17 (regions of 1.5–2.5 × 10^16 neurons, fluctuations of ~4e-9 per sample): their mean
    over seeds and samples equals the deterministic run's to 1e-9 per region, every sample to 1e-8; forward
    Euler's run (`integrator="euler"`, the scheme the deterministic model used before) is 7.6e-3 away."""
    g = read_json(EXAMPLE)
    exact = simulate(g, 10**17, duration_ms=100, deterministic=True, stimuli=STIMULUS, delays=False).activity
    sampled = np.array([simulate(g, 10**17, duration_ms=100, seed=s, stimuli=STIMULUS, delays=False).activity
                        for s in range(32)])
    assert np.max(np.abs(sampled.mean(axis=(0, 1)) - exact.mean(axis=0))) < 1e-9
    assert np.max(np.abs(sampled.mean(axis=0) - exact)) < 1e-8
    euler = simulate(g, 10**17, duration_ms=100, deterministic=True, integrator="euler", stimuli=STIMULUS,
                     delays=False).activity
    assert np.max(np.abs(euler - exact)) == pytest.approx(7.6e-3, rel=0.01)


def test_the_deterministic_step_is_the_exact_relaxation():
    """One region without input: a(t) = σ(−θ/w) at rest; from a given start the step is the closed form."""
    import math

    g = read_json(EXAMPLE)
    result = simulate(g, 10**4, duration_ms=2, dt_ms=0.5, deterministic=True, stimuli=["sensory_cortex=1.0"])
    a = result.activity[:, 0]
    rest, p = a[0], -math.expm1(-0.5 / 10.0)
    sigma = 0.5 + 0.5 * math.tanh(0.5 * (1.0 - 0.5) / 0.1)  # h = the stimulus (no region drives the first)
    assert a[1] == rest + p * (sigma - rest)
