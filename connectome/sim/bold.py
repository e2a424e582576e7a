"""The BOLD signal: the Balloon–Windkessel model driven by each region's observed variable.

Friston, Harrison & Penny (2003) NeuroImage 19:1273, eqs. 3–4 (after Buxton et al. 1998 and Friston et
al. 2000), with their parameters; time in seconds, z the region's observed variable:

    ds/dt = z − κ s − γ (f − 1)                      (vasodilatory signal)
    df/dt = s                                        (inflow)
    τ dv/dt = f − v^(1/α)                            (volume)
    τ dq/dt = f (1 − (1 − ρ)^(1/f)) / ρ − v^(1/α) q / v   (deoxyhaemoglobin)
    BOLD = V0 (k1 (1 − q) + k2 (1 − q/v) + k3 (1 − v)),  k1 = 7ρ, k2 = 2, k3 = 2ρ − 0.2

from rest s = 0, f = v = q = 1, integrated by Euler at the run's time step (at most 1 ms, far below the
model's time constants of about a second) and sampled every `bold_period_ms`.
"""

from __future__ import annotations

KAPPA = 0.65  # 1/s, rate of signal decay
GAMMA = 0.41  # 1/s, rate of flow-dependent elimination
TAU = 0.98  # s, haemodynamic transit time
ALPHA = 0.32  # Grubb's exponent
RHO = 0.34  # resting oxygen extraction fraction
V0 = 0.02  # resting blood volume fraction
K1, K2, K3 = 7 * RHO, 2.0, 2 * RHO - 0.2
MAX_DT_MS = 1.0
PARAMETERS = {"kappa": KAPPA, "gamma": GAMMA, "tau": TAU, "alpha": ALPHA, "rho": RHO, "V0": V0,
              "k1": K1, "k2": K2, "k3": K3}


def balloon_step(z, state, dt_s):  # compiled by numba in `connectome.sim.masses`
    """One Euler step of the balloon model for every region; state rows are s, f, v, q."""
    for t in range(z.shape[0]):
        s, f, v, q = state[0, t], state[1, t], state[2, t], state[3, t]
        v_alpha = v ** (1.0 / ALPHA)
        state[0, t] = s + dt_s * (z[t] - KAPPA * s - GAMMA * (f - 1.0))
        state[1, t] = f + dt_s * s
        state[2, t] = v + dt_s * (f - v_alpha) / TAU
        state[3, t] = q + dt_s * (f * (1.0 - (1.0 - RHO) ** (1.0 / f)) / RHO - v_alpha * q / v) / TAU


def bold_signal(state, out):  # compiled by numba in `connectome.sim.masses`
    """out[t] ← the BOLD signal of region t from its balloon state."""
    for t in range(out.shape[0]):
        v, q = state[2, t], state[3, t]
        out[t] = V0 * (K1 * (1.0 - q) + K2 * (1.0 - q / v) + K3 * (1.0 - v))
