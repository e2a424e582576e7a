"""How many threads sum a run's coupling: never more than pay, and the same results for any number.

Every layout sums in blocks fixed by the network, so the thread count changes no bit of a run. Threads
meet at a barrier every step: on a small network that costs more than it saves, and on a shared core (a
Dask worker beside the run, a laptop, a shared node) a barrier waits for a time slice, so a parallel run
can be several times slower than one thread. The default is therefore one thread, and more only for a
network of at least PARALLEL_FROM projections, as many as the machine has idle cores at the start.
`threads=N` (`--threads N`) or `CONNECTOME_THREADS=N` sets the number.
"""

from __future__ import annotations

import contextlib
import os
from typing import Any, Iterator

from ..errors import InputError

PARALLEL_FROM = 50_000  # projections from which a step has enough work for a second thread
VARIABLE = "CONNECTOME_THREADS"


def _cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def _idle_cores() -> int:
    """The cores no other process keeps busy, from the load of the last minute (at least one)."""
    try:
        load = os.getloadavg()[0]
    except OSError:
        return 1
    return max(1, int(_cores() - load + 0.5))


def choose_threads(threads: int | None, plan: Any) -> int:
    """The threads a run uses: `threads`, else `CONNECTOME_THREADS`, else one below PARALLEL_FROM projections
    and the idle cores above (capped by numba's pool)."""
    import numba

    if threads is None and os.environ.get(VARIABLE):
        text = os.environ[VARIABLE]
        if not text.isdigit() or int(text) < 1:
            raise InputError(f"{VARIABLE}: must be a whole number ≥ 1, got {text!r}")
        threads = int(text)
    if threads is None:
        threads = 1 if plan.projections < PARALLEL_FROM else _idle_cores()
    if isinstance(threads, bool) or not isinstance(threads, int) or threads < 1:
        raise InputError(f"--threads: must be a whole number ≥ 1, got {threads!r}")
    return min(threads, numba.config.NUMBA_NUM_THREADS)


@contextlib.contextmanager
def threads_used(threads: int) -> Iterator[None]:
    """numba's thread count for this thread of the caller, restored after (numba keeps it per thread)."""
    if threads <= 1:
        yield
        return
    import numba

    before = numba.get_num_threads()
    numba.set_num_threads(threads)
    try:
        yield
    finally:
        numba.set_num_threads(before)
