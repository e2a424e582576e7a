"""The BOLD signal: the Balloon–Windkessel model driven by each region's observed variable.

The equations of Friston, Harrison & Penny (2003) NeuroImage 19:1273 (eqs. 3–4, after Buxton et al. 1998
and Friston et al. 2000) with the revised parameters and output equation of Stephan et al. (2007)
NeuroImage 38:387 (Table 1, 1.5 T); time in seconds, z the region's observed variable:

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
"""

from __future__ import annotations

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


def balloon_step(z, state, dt_s):  # compiled by numba in `connectome.sim.masses`
    """One Euler step of the balloon model for every region; state rows are s, f, v, q."""
    for t in range(z.shape[0]):
        s, f, v, q = state[0, t], state[1, t], state[2, t], state[3, t]
        v_alpha = v ** (1.0 / ALPHA)
        state[0, t] = s + dt_s * (z[t] - KAPPA * s - GAMMA * (f - 1.0))
        state[1, t] = f + dt_s * s
        state[2, t] = v + dt_s * (f - v_alpha) / TAU
        state[3, t] = q + dt_s * (f * (1.0 - (1.0 - E0) ** (1.0 / f)) / E0 - v_alpha * q / v) / TAU


def bold_signal(state, out):  # compiled by numba in `connectome.sim.masses`
    """out[t] ← the BOLD signal of region t from its balloon state."""
    for t in range(out.shape[0]):
        v, q = state[2, t], state[3, t]
        out[t] = V0 * (K1 * (1.0 - q) + K2 * (1.0 - q / v) + K3 * (1.0 - v))
