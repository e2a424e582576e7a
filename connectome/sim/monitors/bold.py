"""The BOLD signal: the Balloon–Windkessel model driven by each region's neural-activity proxy.

The equations of Friston, Harrison & Penny (2003) NeuroImage 19:1273 (eqs. 3–4, after Buxton et al. 1998
and Friston et al. 2000) with the revised parameters and output equation of Stephan et al. (2007)
NeuroImage 38:387 (Table 1, 1.5 T); time in seconds, z the region's scaled proxy,

    z = scale · (proxy − baseline)

where the proxy is the model's declared quantity (`Model.kernel_proxy`, the `proxy` role of the kernel:
Jansen–Rit's y1 − y2, Kuramoto's sin θ, the observed variable of the others) and scale and baseline are
the model's defaults (`Model.bold`: its typical range mapped onto z ∈ [−0.04, 0.04]) or the run's
`bold_scale` and `bold_baseline`:

    ds/dt = z − κ s − γ (f − 1)                          (vasodilatory signal)
    df/dt = s                                            (inflow)
    τ dv/dt = f − v^(1/α)                                (volume)
    τ dq/dt = f (1 − (1 − E0)^(1/f)) / E0 − v^(1/α) q / v  (deoxyhaemoglobin)
    BOLD = V0 (k1 (1 − q) + k2 (1 − q/v) + k3 (1 − v)),
    k1 = 4.3 ν0 E0 TE, k2 = ε r0 E0 TE, k3 = 1 − ε

from rest s = 0, f = v = q = 1, integrated by Euler at the run's time step (at most 1 ms, far below the
model's time constants of seconds) and sampled every `bold_period_ms`. Friston et al.'s 2003 values
(κ 0.65, γ 0.41, τ 0.98) put the peak of the response to a 1 s box 3.4 s after its onset; Stephan et
al.'s put it 4.5 s after, where measured haemodynamic responses peak.

The balloon is linear only near rest: at steady state f = 1 + z/γ, and its small-signal gain around a
constant drive z0, G(z0) = (dBOLD/dz)(z0) / (dBOLD/dz)(0), is 1.15 at z0 = −0.04, 0.88 at 0.04, 0.73 at
0.1, 0.29 at 0.5, 0.005 at 10 (within ±20% for −0.053 ≤ z0 ≤ 0.069); z ≤ −γ stops the flow (f ≤ 0).
"""

from __future__ import annotations

import math
from fractions import Fraction
from typing import Any

from ...errors import InputError, Mention

KAPPA = 0.64  # 1/s, rate of signal decay
GAMMA = 0.32  # 1/s, rate of flow-dependent elimination
TAU = 2.0  # s, haemodynamic transit time
ALPHA = 0.32  # Grubb's exponent
E0 = 0.4  # resting oxygen extraction fraction
V0 = 0.04  # resting venous blood volume fraction
NU0, R0, TE, EPSILON = 40.3, 25.0, 0.04, 1.0  # 1/s, 1/s, s, -: frequency offset, slope, echo time, ratio
K1, K2, K3 = 4.3 * NU0 * E0 * TE, EPSILON * R0 * E0 * TE, 1.0 - EPSILON
MAX_DT_MS = 1.0
PARAMETERS = {"kappa": KAPPA, "gamma": GAMMA, "tau": TAU, "alpha": ALPHA, "E0": E0, "V0": V0, "nu0": NU0, "r0": R0,
              "TE": TE, "epsilon": EPSILON}


def balloon_step(z, state, dt_s):  # a kernel part (connectome.sim.compose)
    """One Euler step of the balloon model for every region; state rows are s, f, v, q."""
    for t in range(z.shape[0]):
        s, f, v, q = state[0, t], state[1, t], state[2, t], state[3, t]
        v_alpha = v ** (1.0 / ALPHA)
        state[0, t] = s + dt_s * (z[t] - KAPPA * s - GAMMA * (f - 1.0))
        state[1, t] = f + dt_s * s
        state[2, t] = v + dt_s * (f - v_alpha) / TAU
        state[3, t] = q + dt_s * (f * (1.0 - (1.0 - E0) ** (1.0 / f)) / E0 - v_alpha * q / v) / TAU


def bold_signal(state, out):  # a kernel part (connectome.sim.compose)
    """out[t] ← the BOLD signal of region t from its balloon state."""
    for t in range(out.shape[0]):
        v, q = state[2, t], state[3, t]
        out[t] = V0 * (K1 * (1.0 - q) + K2 * (1.0 - q / v) + K3 * (1.0 - v))


def update(done, x, arrays):  # a kernel part (connectome.sim.compose)
    """After step done − 1: the balloon one step on, driven by z = scale · (proxy − baseline); the signal
    every stride."""
    balloon, series, stride, drive, dt_s = arrays
    z, scale, baseline = drive
    for t in range(z.shape[0]):
        z[t] = scale * (proxy(x, t) - baseline)
    balloon_step(z, balloon, dt_s)
    if done % stride == 0:
        bold_signal(balloon, series[done // stride])


def steps(dt: Fraction, period_ms: Any) -> int:
    """The BOLD sampling period in steps (rounded half up); the time step must be at most 1 ms."""
    from ..timing import positive

    if dt > MAX_DT_MS:
        raise InputError(Mention("dt_ms"), ": the BOLD monitor integrates the balloon model at the run's step, "
                         f"at most {MAX_DT_MS:g} ms, got {float(dt):g} ms")
    period = positive(period_ms, "bold_period_ms")
    if period < dt:
        raise InputError(Mention("bold_period_ms"), f": must be ≥ the time step ({float(dt):g} ms), got {period_ms!r}")
    return max(1, math.floor(period / dt + Fraction(1, 2)))


def samples(run: Any) -> int:
    """How many BOLD samples a run keeps (t = 0 included)."""
    return run.grid.steps // steps(run.grid.dt, run.spec.bold_period_ms) + 1


def drive_of(run: Any) -> tuple[float, float]:
    """(scale, baseline) of the run's drive: its spec's `bold_scale` and `bold_baseline`, else the model's."""
    declared = run.model.bold_drive()
    scale = declared["scale"] if run.spec.bold_scale is None else float(run.spec.bold_scale)
    baseline = declared["baseline"] if run.spec.bold_baseline is None else float(run.spec.bold_baseline)
    return scale, baseline


def arrays(run: Any) -> tuple:
    """(balloon state at rest: s = 0, f = v = q = 1; the series, 0 at t = 0; stride; (the drive z of each
    region, scale, baseline); dt in s)."""
    import numpy as np

    R = run.x.shape[1]
    balloon = np.zeros((4, R))
    balloon[1:] = 1.0
    series = np.empty((samples(run), R))
    series[0] = 0.0
    drive = (np.zeros(R), *drive_of(run))
    return balloon, series, steps(run.grid.dt, run.spec.bold_period_ms), drive, float(run.grid.dt) / 1000.0


def bytes_needed(run: Any) -> int:
    """The series, its times, the balloon's four variables and the drive."""
    R = run.shape[1]
    return samples(run) * (R + 1) * 8 + 5 * R * 8


def fields(run: Any, arrays: tuple) -> dict[str, Any]:
    """`bold` [samples, regions] and `bold_time_ms`."""
    from ..times import sample_times

    series, stride = arrays[1], arrays[2]
    return {"bold": series, "bold_time_ms": sample_times(len(series), stride, run.grid.dt)}
