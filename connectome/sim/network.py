"""The network input of every region: the history of the coupled variable and the coupling kernels.

c_t = G · Σ_s W_st · x_s(t − d_st). Kernels, chosen by `kernel` (auto: by the network):

* `scatter`: per projection, in projection order (numpy's bincount): the reference; any delays;
* `csr`: scipy's compressed sparse rows, rows = targets; no delays;
* `dense`: a dense matrix-vector product (BLAS); no delays; chosen by `auto` above DENSE_ABOVE density;
* `numba`: the deterministic rate model's whole step compiled (`connectome.sim.kernels`), any delays;
  what `auto` takes for deterministic runs.

The three agree to rounding (sums taken in another order); `scatter` is bit-identical across N.
"""

from __future__ import annotations

from typing import Any

from .plan import Plan

DENSE_ABOVE = 0.25  # density (projections / regions²) above which `auto` takes the dense product
CSR_FROM = 2048  # projections from which `auto` takes CSR over numpy's bincount (per-call overhead)
DENSE_FROM_REGIONS = 256  # the compiled kernel's dense product without delays: below, a BLAS call per step costs more
DENSE_DELAYED_FROM_REGIONS = 256  # and with delays: source-major matrices (2-3 times faster at 998 regions)
CHUNKS = 16  # source blocks of the compiled dense sum with delays (a fixed number: results independent of cores)


def choose_kernel(kernel: str, plan: Plan, compiled: bool = False) -> str:
    """The kernel a run uses: the one asked for, or by the network's size, density and delays.

    `compiled`: the run can take the fused numba kernel (the deterministic rate model), which `auto` prefers.
    """
    if kernel != "auto":
        return kernel
    if compiled:
        return "numba"
    if plan.max_delay > 0 or plan.projections == 0:
        return "scatter"
    density = plan.projections / len(plan.regions) ** 2
    if density > DENSE_ABOVE and plan.projections >= CSR_FROM:
        return "dense"
    return "csr" if plan.projections >= CSR_FROM else "scatter"


def compiled_layout(plan: Plan) -> str:
    """How the compiled kernel holds the network: none, scatter, delayed (edges by target), dense, dense-delayed."""
    R, P = len(plan.regions), plan.projections
    if P == 0:
        return "none"
    dense = P / R**2 > DENSE_ABOVE
    if plan.max_delay > 0:
        return "dense-delayed" if dense and R >= DENSE_DELAYED_FROM_REGIONS else "delayed"
    return "dense" if dense and R >= DENSE_FROM_REGIONS else "scatter"


class Network:
    """Keeps the recent past of the coupled variable and computes each region's coupling from it."""

    def __init__(self, plan: Plan, coupling: float, kernel: str, rest: Any) -> None:
        import numpy as np

        from ..errors import InputError

        self.kernel = choose_kernel(kernel, plan)
        if self.kernel in ("csr", "dense") and plan.max_delay > 0:
            raise InputError(f"--kernel {self.kernel}: takes no delays; use scatter (or auto) with --speed")
        self.R = len(plan.regions)
        self.g = float(coupling)
        self.src = np.array(plan.src, dtype=np.intp)
        self.tgt = np.array(plan.tgt, dtype=np.intp)
        self.weights = np.array(plan.weights, dtype=np.float64)
        self.ring = plan.max_delay + 1
        self.delayed = plan.max_delay > 0
        if self.delayed:
            self.buffer = np.empty((self.ring, self.R))
            self.buffer[:] = rest  # before t = 0 every region is at rest
            self.read_offset = (-np.array(plan.delays, dtype=np.int64)) % self.ring
        if self.kernel == "csr":
            from scipy.sparse import csr_matrix

            self.matrix = csr_matrix((self.weights, (self.tgt, self.src)), shape=(self.R, self.R))
        elif self.kernel == "dense":
            self.matrix = np.zeros((self.R, self.R))
            np.add.at(self.matrix, (self.tgt, self.src), self.weights)
        self.step = 0
        self.bytes = network_bytes(plan, kernel)

    def coupling(self, x: Any) -> Any:
        """Record x(t_k) and return c(t_k) = G · Σ_s W_st · x_s(t_k − d_st)."""
        import numpy as np

        k, self.step = self.step, self.step + 1
        if len(self.src) == 0:
            return np.zeros(self.R)
        if self.kernel == "scatter":
            if self.delayed:
                slot = k % self.ring
                self.buffer[slot] = x
                source = self.buffer[(self.read_offset + slot) % self.ring, self.src]
            else:
                source = x[self.src]
            c = np.bincount(self.tgt, weights=self.weights * source, minlength=self.R)
        else:
            c = self.matrix @ x
        if self.g != 1.0:
            c *= self.g
        return c


def network_bytes(plan: Plan, kernel: str) -> int:
    """What a Network for `plan` will hold, before it is built (for the memory verdict)."""
    R, P, ring = len(plan.regions), plan.projections, plan.max_delay + 1
    chosen = choose_kernel(kernel, plan)
    if chosen == "numba":
        layout = compiled_layout(plan)
        delay_bytes = 2 if ring <= 32767 else 4
        matrix = {"dense": 2 * R * R * 8, "dense-delayed": R * R * (8 + delay_bytes) + CHUNKS * R * 8}.get(layout, 0)
        history = (2 if layout == "dense-delayed" else 1) * ring * R * 8
        return history + P * 24 + matrix
    matrix = {"dense": R * R * 8, "csr": P * 12 + (R + 1) * 4}.get(chosen, 0)
    return (ring * R * 8 if plan.max_delay else 0) + P * 24 + matrix
