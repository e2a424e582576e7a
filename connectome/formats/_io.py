"""Shared plumbing of the readers and writers: path-or-file input and output, text decoding."""

from __future__ import annotations

import contextlib
import errno
import io
import math
import os
import re
import socket
import threading
import zlib
from pathlib import Path
from typing import IO, Iterator, Union

from ..errors import InputError
from ..processes import CLOCK_SLACK_S, gone, started

Source = Union[str, os.PathLike, IO[bytes], IO[str]]

INTEGER = re.compile(r"[+-]?[0-9]+")
DECIMAL = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")  # strict: no nan, inf, _ or blanks


def label(source: Source) -> str:
    """The name to show in messages for a path or file object."""
    if isinstance(source, (str, os.PathLike)):
        return os.fspath(source)
    return getattr(source, "name", None) or "<stream>"


def file_stem(source: Source) -> str | None:
    """The stem of a path (a folder's whole name) or of a file object's name; None for a nameless stream."""
    if isinstance(source, (str, os.PathLike)):
        path = Path(source)
    elif isinstance(getattr(source, "name", None), str):
        path = Path(source.name)
    else:
        return None
    return (path.name if path.is_dir() else path.stem) or None


MAX_FILE_BYTES = 2**30  # 1 GiB: ten times a million-projection JSON file; bounds what a reader holds


def read_bytes(source: Source, limit: int = MAX_FILE_BYTES) -> bytes:
    """All bytes of a path or file object; a missing file or one above `limit` is an InputError."""
    name = label(source)
    if isinstance(source, (str, os.PathLike)):
        path = Path(source)
        try:
            if path.is_dir():
                raise InputError(f"{name}: is a folder, not a file")
            if path.stat().st_size > limit:
                raise InputError(f"{name}: larger than the {limit:,}-byte limit for this format")
            return path.read_bytes()
        except FileNotFoundError:
            raise InputError(f"{name}: no such file") from None
        except PermissionError:
            raise InputError(f"{name}: permission denied") from None
    data = source.read(limit + 1)
    if len(data) > limit:
        raise InputError(f"{name}: larger than the {limit:,}-byte limit for this format")
    return data.encode("utf-8") if isinstance(data, str) else data


def decode(data: bytes, name: str) -> str:
    """UTF-8 text with or without a byte-order mark; anything else is an InputError."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(f"{name}: not UTF-8 text (byte {exc.start})") from None


def read_text(source: Source) -> str:
    """The UTF-8 text of a path or file object."""
    return decode(read_bytes(source), label(source))


_HOST = f"{zlib.crc32(socket.gethostname().encode()):08x}"
# .NAME.tmp-HOST-PID-START-THREAD: the writing process by host, id and start time (whole seconds since the epoch)
# (a thread id is an address: its many digits tell these names from a user's own hidden files)
_TEMPORARY = re.compile(r"\.(?P<name>.+)\.tmp-(?P<host>[0-9a-f]{8})-(?P<pid>[0-9]+)-(?P<start>[0-9]+)-[0-9]{6,}")
_EARLIER = re.compile(r"\.(?P<name>.+)\.tmp-(?P<pid>[0-9]+)-[0-9]{6,}")  # .NAME.tmp-PID-THREAD, before start times


def temporary_name(name: str) -> str:
    """The hidden name under which this process and thread write `name` before renaming it into place."""
    start = started(os.getpid())
    return f".{name}.tmp-{_HOST}-{os.getpid()}-{0 if not start or math.isnan(start) else int(start)}" \
           f"-{threading.get_ident()}"


def is_temporary_of(path: str | os.PathLike, target: str | os.PathLike, pid: int) -> bool:
    """Whether `path` names a temporary that process `pid` made for `target`: beside it, under its hidden name.

    >>> is_temporary_of("/d/" + temporary_name("a.npz"), "/d/a.npz", os.getpid()), is_temporary_of("/etc/x", "/d/a.npz", 1)
    (True, False)
    """
    found, wanted = Path(path), Path(target)
    match = _TEMPORARY.fullmatch(found.name)
    return match is not None and found.parent == wanted.parent and match["name"] == wanted.name \
        and int(match["pid"]) == pid


def _abandoned(entry: os.DirEntry) -> bool:
    """Whether `entry` is a temporary whose writer has gone: exited or killed, or its id now names a process
    that started later (ids are reused)."""
    if match := _TEMPORARY.fullmatch(entry.name):
        if match["host"] != _HOST:
            return False  # written from another machine sharing this folder: its processes cannot be seen
        return gone(int(match["pid"]), int(match["start"]))
    if match := _EARLIER.fullmatch(entry.name):  # no start time in the name: the process started after its mtime
        start = started(int(match["pid"]))
        try:
            return start is None or start > entry.stat(follow_symlinks=False).st_mtime + CLOCK_SLACK_S
        except OSError:
            return False
    return False


def remove_abandoned(folder: str | os.PathLike) -> list[str]:
    """Remove the temporaries in `folder` left by writers that were killed; the names removed.

    Every writer here calls this before choosing its own temporary name, so a killed `realise` or
    `simulate --output` is cleaned up by the next command that writes in the same folder, and before any free
    space is measured. Temporaries of live processes, and of other machines sharing the folder, are kept.
    """
    import shutil

    removed = []
    try:
        with os.scandir(folder) as listing:
            entries = [e for e in listing if e.name.startswith(".") and ".tmp-" in e.name]
    except OSError:
        return removed
    for entry in entries:
        if not _abandoned(entry):
            continue
        try:
            if entry.is_dir(follow_symlinks=False):
                shutil.rmtree(entry.path)
            else:
                os.unlink(entry.path)
            removed.append(entry.name)
        except OSError:  # another user's, or another cleaner's at the same moment
            continue
    return removed


def output_path(target: str | os.PathLike) -> Path:
    """`target` as a path to write, checked: it names a file or folder, in a folder that exists."""
    path = Path(target)
    if path.name in ("", ".", ".."):
        raise InputError(f"{os.fspath(target)!r}: not a file or folder name")
    if not path.parent.is_dir():
        raise InputError(f"{path}: folder {str(path.parent)!r} does not exist")
    return path


def _beside(target: str | os.PathLike) -> tuple[Path, Path]:
    """The target path and a temporary name beside it, in a folder that must exist (cleared of abandoned ones)."""
    path = output_path(target)
    remove_abandoned(path.parent)
    return path, path.with_name(temporary_name(path.name))


def cannot_write(path: str | os.PathLike, exc: OSError) -> InputError:
    """The one-line error for a failed write to `path`; a full disk is named as such."""
    if exc.errno == errno.ENOSPC:
        cause = f"the disk is full ({os.strerror(exc.errno)}); nothing was written"
    elif exc.errno == errno.EDQUOT:
        cause = f"the disk quota is used up ({os.strerror(exc.errno)}); nothing was written"
    elif exc.errno:
        cause = os.strerror(exc.errno)
    else:
        cause = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
    return InputError(f"{path}: cannot write: {cause}")


@contextlib.contextmanager
def staged(target: str | os.PathLike) -> Iterator[Path]:
    """A temporary name beside `target` to write in full first; it is removed unless renamed into place."""
    path, tmp = _beside(target)
    if path.is_dir():
        raise InputError(f"{path}: is a folder, not a file")
    try:
        yield tmp
    except OSError as exc:
        raise cannot_write(path, exc) from None
    finally:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()


@contextlib.contextmanager
def staged_folder(target: str | os.PathLike) -> Iterator[Path]:
    """A temporary folder beside `target`, renamed to it when the block ends well, removed otherwise."""
    import shutil

    path, tmp = _beside(target)
    if path.exists():
        raise InputError(f"{path}: already exists; choose a new folder (nothing is overwritten)")
    try:
        tmp.mkdir()
        yield tmp
        os.rename(tmp, path)
    except OSError as exc:
        raise cannot_write(path, exc) from None
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


@contextlib.contextmanager
def open_output(target: Source, *, binary: bool = False) -> Iterator[IO]:
    """A writable file for a path (written in full under a temporary name, then renamed) or the file object itself."""
    if not isinstance(target, (str, os.PathLike)):
        yield target
        return
    with staged(target) as tmp:
        with open(tmp, "wb" if binary else "w", **({} if binary else {"encoding": "utf-8", "newline": ""})) as fh:
            yield fh
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, target)


def write_text(target: Source, text: str) -> None:
    """Write text to a path (atomically) or to a text or binary file object."""
    with open_output(target) as fh:
        fh.write(text if isinstance(fh, io.TextIOBase) else text.encode("utf-8"))


def text_stream(handle: IO) -> IO[str]:
    """A text view of a file object that may be binary."""
    return handle if isinstance(handle, io.TextIOBase) else io.TextIOWrapper(handle, encoding="utf-8", newline="")
