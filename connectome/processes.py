"""Whether the process that left something behind (a temporary file, a pending run) is still there.

A process is named by its id and its start time: ids are reused, start times tell the processes apart.
"""

from __future__ import annotations

import math

CLOCK_SLACK_S = 10  # a start time is the boot time plus ticks, and the boot time moves when the clock is set


def started(pid: int) -> float | None:
    """When process `pid` started (seconds since the epoch); None if it has exited (a zombie has), NaN if unknown.

    >>> import os
    >>> started(os.getpid()) > 0
    True
    """
    import psutil

    try:
        process = psutil.Process(pid)
        return None if process.status() == psutil.STATUS_ZOMBIE else process.create_time()
    except psutil.NoSuchProcess:
        return None
    except psutil.Error:  # another user's process, not readable: alive
        return math.nan


def gone(pid: int, start: float | None) -> bool:
    """Whether process `pid`, started at `start` (None: unknown), has gone: exited, killed, or its id now names a
    process that started later.

    >>> import os
    >>> gone(os.getpid(), started(os.getpid())), gone(os.getpid(), 0.0)
    (False, True)
    """
    now = started(pid)
    if now is None:
        return True
    if start is None or math.isnan(now):
        return False
    return abs(now - start) > CLOCK_SLACK_S
