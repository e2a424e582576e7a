"""Where a sweep's points run: a LocalCluster on this machine, or a running Dask scheduler reached within a bound.

A local cluster is a scheduler and worker threads in this process, listening on 127.0.0.1 only, with no
dashboard unless asked; asked, the dashboard binds 127.0.0.1 too. It has at most one worker per core this
process may use. A
scheduler address is checked before any connection (`tcp://HOST:PORT`, or `tls://HOST:PORT` when Dask's
TLS settings are present), then reached within CONNECT_TIMEOUT_S, handshake included: a service that
accepts the connection but does not speak Dask's protocol is refused in one line, as one that is not there.
"""

from __future__ import annotations

import asyncio
import ipaddress
import logging
import os
import re
import threading
from typing import Any, Callable

from ..errors import InputError, Mention
from ..extras import require
from ..validation import shown

CONNECT_TIMEOUT_S = 5.0
WORKERS_TIMEOUT_S = 30.0  # a scheduler just started may wait for its workers a while
SCHEMES = ("tcp", "tls")
MAX_ADDRESS = 300
_HOSTNAME = re.compile(r"[A-Za-z0-9_](?:[A-Za-z0-9_.-]{0,251}[A-Za-z0-9_.])?")


def cores() -> int:
    """The cores this process may run on (its CPU affinity), the most workers a local cluster gets."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # platforms without affinity
        return os.cpu_count() or 1


def check_workers(workers: Any, scheduler: str | None) -> None:
    """`workers` is a whole number ≥ 1 and, for a local cluster, at most `cores()`."""
    if workers is None:
        return
    if isinstance(workers, bool) or not isinstance(workers, int) or workers < 1:
        raise InputError(Mention("workers"), f": must be a whole number ≥ 1, got {workers!r}")
    if scheduler is None and workers > cores():
        raise InputError(Mention("workers"), f": at most {cores()} on this machine (the cores this process may use), "
                         f"got {workers:,}; for more, start a Dask cluster and give ", Mention("scheduler"))


def check_options(scheduler: Any, workers: Any, dashboard: bool) -> str | None:
    """The options of where a sweep runs, checked before anything opens: the scheduler's address written in
    full (None for a local cluster)."""
    require("sweeps", "sweep")  # before the store is opened or a point planned
    address = None if scheduler is None else scheduler_address(scheduler)
    check_workers(workers, address)
    if dashboard and address is not None:
        raise InputError(Mention("dashboard"), ": only for a local cluster; a scheduler given with ",
                         Mention("scheduler"), " serves its own")
    return address


def scheduler_address(text: Any) -> str:
    """`text` checked as a Dask scheduler address and written `SCHEME://HOST:PORT` (a bare HOST:PORT is tcp)."""
    if not isinstance(text, str) or not text.strip():
        raise InputError(Mention("scheduler"), f": give an address tcp://HOST:PORT, got {text!r}")
    label = Mention("scheduler", shown(text, 60))
    if len(text) > MAX_ADDRESS:
        raise InputError(label, f": an address of {len(text):,} characters, more than {MAX_ADDRESS}")
    scheme, sep, place = text.strip().partition("://")
    if not sep:
        scheme, place = "tcp", text.strip()
    scheme = scheme.lower()
    if scheme not in SCHEMES:
        raise InputError(label, f": the scheme must be tcp:// or tls://, got {scheme + '://'!r}")
    host, colon, port = place.rpartition(":")
    if not colon or not host:
        raise InputError(label, f": expected {scheme}://HOST:PORT")
    if not (port.isascii() and port.isdigit()) or len(port) > 5 or not 1 <= int(port) <= 65535:
        raise InputError(label, f": the port must be a whole number from 1 to 65535, got {shown(port, 60)}")
    _check_host(host, label)
    if scheme == "tls" and _connection_args().get("ssl_context") is None:
        raise InputError(label, ": tls:// needs Dask's TLS settings (distributed.comm.tls.ca-file, "
                         "distributed.comm.tls.client.cert and .key)")
    return f"{scheme}://{host}:{int(port)}"


def _check_host(host: str, label: Mention) -> None:
    if host.startswith("[") and host.endswith("]"):
        try:
            ipaddress.IPv6Address(host[1:-1])
            return
        except ValueError:
            pass
    elif _HOSTNAME.fullmatch(host):
        return
    raise InputError(label, f": {shown(host, 60)} is not a host name or an IP address "
                     "(an IPv6 address goes in brackets: tcp://[::1]:8786)")


def _connection_args() -> dict[str, Any]:
    from distributed.security import Security

    return Security().get_connection_args("client")


def connect(address: str) -> Any:
    """A `distributed.Client` of the scheduler at `address` (checked by `scheduler_address`), within the bound."""
    import dask
    from distributed import Client

    _handshake(address)
    try:
        with dask.config.set({"distributed.comm.timeouts.connect": f"{CONNECT_TIMEOUT_S}s"}):
            client = Client(address, timeout=f"{CONNECT_TIMEOUT_S}s", set_as_default=False)
    except (OSError, TimeoutError, ImportError) as e:
        raise InputError(Mention("scheduler", address), f": no Dask scheduler answers there ({_reason(e)})") from None
    try:
        client.wait_for_workers(1, timeout=WORKERS_TIMEOUT_S)
    except (OSError, TimeoutError) as e:
        client.close()
        raise InputError(Mention("scheduler", address), ": the scheduler has no worker (none joined within "
                         f"{WORKERS_TIMEOUT_S:g} s): start `dask worker {address}`") from e
    return client


def _handshake(address: str) -> None:
    """Open a comm to `address` and complete Dask's handshake within CONNECT_TIMEOUT_S, or refuse in one line.

    `distributed.comm.connect` bounds the TCP connection but waits for the peer's handshake for ever;
    the whole exchange runs here in its own thread and loop, bounded as a whole.
    """
    from distributed.comm import connect as comm_connect

    _reachable(address)
    outcome: dict[str, BaseException | None] = {}

    async def exchange() -> None:
        comm = await asyncio.wait_for(comm_connect(address, timeout=CONNECT_TIMEOUT_S, **_connection_args()),
                                      CONNECT_TIMEOUT_S + 1)  # connect's own retries end first: their reason shows
        await comm.close()

    def attempt() -> None:
        try:
            asyncio.run(exchange())
            outcome["error"] = None
        except BaseException as e:  # anything a peer that is no scheduler makes the protocol raise
            outcome["error"] = e

    thread = threading.Thread(target=attempt, name="connectome-scheduler-handshake", daemon=True)
    thread.start()
    thread.join(CONNECT_TIMEOUT_S + 3)
    if "error" not in outcome:
        raise InputError(Mention("scheduler", address), ": no Dask scheduler answers there (no handshake within "
                         f"{CONNECT_TIMEOUT_S:g} s)")
    if outcome["error"] is not None:
        raise InputError(Mention("scheduler", address),
                         f": no Dask scheduler answers there ({_reason(outcome['error'])})")


def _reachable(address: str) -> None:
    """Refuse at once an address where nothing listens (Dask's own connect retries a refused port until its
    timeout); one TCP connection, bounded by CONNECT_TIMEOUT_S, closed again."""
    import socket

    host, _, port = address.partition("://")[2].rpartition(":")
    try:
        socket.create_connection((host.strip("[]"), int(port)), timeout=CONNECT_TIMEOUT_S).close()
    except ConnectionRefusedError:
        raise InputError(Mention("scheduler", address), ": no Dask scheduler answers there (the connection was "
                         "refused: nothing listens on that port)") from None
    except OSError:
        return  # unreachable, unresolvable or slow: the handshake below says why, within its own bound


def _reason(e: BaseException) -> str:
    if isinstance(e, (asyncio.TimeoutError, TimeoutError)) and not str(e):
        return f"no handshake within {CONNECT_TIMEOUT_S:g} s"
    return " ".join(f"{type(e).__name__}: {e}".split())[:200]


def local_cluster(workers: int | None, dashboard: bool,
                  on_dashboard: Callable[[str], None] | None = None) -> tuple[Any, Any]:
    """(client, cluster): a LocalCluster on 127.0.0.1 of `workers` single-threaded workers (default: one per
    core) in this process, its dashboard on 127.0.0.1 when `dashboard`, its address handed to `on_dashboard`.

    The workers are threads (Dask's LocalCluster without processes): the compiled kernels release the GIL,
    so they step their batches in parallel. The cluster starts in a fraction of a second, shares the
    topology's rows without copying them, and never runs the main program again, whatever it is (a
    script with or without ``if __name__ == "__main__":``, standard input, a notebook). Dask's memory
    limit is off: a batch is sized by the run's own memory verdict (`batches.batch_size`)."""
    from distributed import Client, LocalCluster

    cluster = LocalCluster(n_workers=workers or cores(), threads_per_worker=1, processes=False, protocol="tcp://",
                           host="127.0.0.1", dashboard_address="127.0.0.1:0", scheduler_kwargs={"dashboard": dashboard},
                           memory_limit=0, silence_logs=logging.ERROR)
    try:
        client = Client(cluster, set_as_default=False)
    except BaseException:
        cluster.close()
        raise
    if dashboard and on_dashboard is not None:
        on_dashboard(cluster.dashboard_link)
    return client, cluster
