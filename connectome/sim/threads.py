"""How many threads sum a run's coupling: never more than pay, and the same results for any number.

Every layout sums in blocks fixed by the network, so the thread count changes no bit of a run. Threads
meet at a barrier every step: on a small network that costs more than it saves, and on a shared core (a
Dask worker beside the run, a laptop, a shared node) a barrier waits for a time slice, so a parallel run
can be several times slower than one thread. So by default a network below PARALLEL_FROM projections
runs on one thread, and a larger one on the cores that other processes leave idle, measured again
before every chunk of steps (each percent of the run): a process that starts beside a run takes its
threads from the next chunk on. The `threads` parameter, or `CONNECTOME_THREADS=N`, fixes the number.
"""

from __future__ import annotations

import contextlib
import math
import os
import time
from typing import Any, Callable, Iterator

from ..errors import InputError, Mention

PARALLEL_FROM = 50_000  # projections from which a step has enough work for a second thread
VARIABLE = "CONNECTOME_THREADS"


def _cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


class Idle:
    """The cores other processes left idle since the last call; the first chunk runs on one thread (`first`)
    while the first look is taken, so that no run waits for it."""

    first = 1
    LOOK_EVERY_S = 0.1  # the kernel counts CPU time in ticks of 10 ms: a shorter look is noise

    def __init__(self, most: int) -> None:
        import psutil

        self.most, self.cores, self.me = most, _cores(), psutil.Process()
        self.me.cpu_percent(None)
        psutil.cpu_percent(None)
        self.seen, self.last = -math.inf, self.first  # the first look after the first chunk

    def _idle(self, percent: float, own: float = 0.0) -> int:
        import psutil

        others = max(0.0, percent * psutil.cpu_count() / 100 - own)  # every process's cores, less ours
        return max(1, min(self.most, int(self.cores - others + 0.5)))

    def __call__(self) -> int:
        import psutil

        if time.monotonic() - self.seen >= self.LOOK_EVERY_S:
            self.last = self._idle(psutil.cpu_percent(None), self.me.cpu_percent(None) / 100)
            self.seen = time.monotonic()
        return self.last


def choose_threads(threads: int | None, plan: Any) -> int | Idle:
    """The threads a run uses: `threads`, else `CONNECTOME_THREADS`, else one below PARALLEL_FROM projections;
    above, an `Idle` that gives the idle cores before each chunk (all capped by numba's pool)."""
    import numba

    if threads is None and os.environ.get(VARIABLE):
        text = os.environ[VARIABLE]
        if not text.isdigit() or int(text) < 1:
            raise InputError(f"{VARIABLE}: must be a whole number ≥ 1, got {text!r}")
        threads = int(text)
    if threads is None:
        most = min(_cores(), numba.config.NUMBA_NUM_THREADS)
        return 1 if plan.projections < PARALLEL_FROM or most == 1 else Idle(most)
    if isinstance(threads, bool) or not isinstance(threads, int) or threads < 1:
        raise InputError(Mention("threads"), f": must be a whole number ≥ 1, got {threads!r}")
    return min(threads, numba.config.NUMBA_NUM_THREADS)


@contextlib.contextmanager
def threads_used(threads: int | Idle) -> Iterator[Callable[[], None]]:
    """Sets numba's thread count (for this thread of the caller only: numba keeps the count per thread),
    restored after; yields a function to call between chunks, which sets it again for the next one."""
    if isinstance(threads, int) and threads == 1:
        yield lambda: None
        return
    import numba

    before = numba.get_num_threads()
    numba.set_num_threads(threads if isinstance(threads, int) else threads.first)

    def again() -> None:
        if not isinstance(threads, int) and (now := threads()) != numba.get_num_threads():
            numba.set_num_threads(now)

    try:
        yield again
    finally:
        numba.set_num_threads(before)


@contextlib.contextmanager
def blas_threads(threads: int | Idle) -> Iterator[None]:
    """The threads numpy's BLAS may use meanwhile (the analyses after a run: FC, FCD, scores): the run's own
    count. BLAS threads spin while they wait for each other, so on a busy core a small product on two threads
    can take a hundred times as long as on one (a 2,001 × 76 FC: 60 ms against 0.3 ms here)."""
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=threads if isinstance(threads, int) else threads(), user_api="blas"):
        yield
