"""Files are complete or absent: every file or folder the project writes goes through here.

A writer writes in full under a hidden temporary name beside its target, ``.NAME.tmp-HOST-PID-START-THREAD``,
and renames it into place when complete (`staged`, `staged_folder`, `open_output`, `write_text`). A killed
writer leaves its temporary behind; the next writer in the same folder removes every temporary whose
process has gone (`remove_abandoned`), keeping those of live processes and of other machines sharing the
folder. A failed write is one line (`cannot_write`): a full disk is named as such.

Example
-------
>>> import tempfile
>>> folder = tempfile.mkdtemp()
>>> write_text(os.path.join(folder, "out.txt"), "done\\n")
>>> sorted(os.listdir(folder)), open(os.path.join(folder, "out.txt")).read()
(['out.txt'], 'done\\n')
"""

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

from .errors import InputError
from .processes import CLOCK_SLACK_S, gone, started

Target = Union[str, os.PathLike, IO[bytes], IO[str]]
"""Where a writer writes: a path (written atomically) or an open file object (written as it is)."""

_HOST = f"{zlib.crc32(socket.gethostname().encode()):08x}"
# .NAME.tmp-HOST-PID-START-THREAD: the writing process by host, id and start time (whole seconds since the epoch)
# (a thread id is an address: its many digits tell these names from a user's own hidden files)
_TEMPORARY = re.compile(r"\.(?P<name>.+)\.tmp-(?P<host>[0-9a-f]{8})-(?P<pid>[0-9]+)-(?P<start>[0-9]+)-[0-9]{6,}")
_EARLIER = re.compile(r"\.(?P<name>.+)\.tmp-(?P<pid>[0-9]+)-[0-9]{6,}")  # .NAME.tmp-PID-THREAD, before start times


def temporary_name(name: str) -> str:
    """The hidden name under which this process and thread write `name` before renaming it into place.

    Parameters
    ----------
    name : str
        The file or folder name of the target (no folder).

    Returns
    -------
    str
        ``.NAME.tmp-HOST-PID-START-THREAD``.

    Examples
    --------
    >>> temporary_name("a.npz").startswith(".a.npz.tmp-")
    True
    """
    start = started(os.getpid())
    return f".{name}.tmp-{_HOST}-{os.getpid()}-{0 if not start or math.isnan(start) else int(start)}" \
           f"-{threading.get_ident()}"


def is_temporary_of(path: str | os.PathLike, target: str | os.PathLike, pid: int) -> bool:
    """Whether `path` names a temporary that process `pid` made for `target`: beside it, under its hidden name.

    Parameters
    ----------
    path : str or os.PathLike
        The file found.
    target : str or os.PathLike
        The file it would become.
    pid : int
        The process id of the writer.

    Returns
    -------
    bool

    Examples
    --------
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

    Every writer here calls this before choosing its own temporary name, so a killed `realise`, or a killed
    `simulate` writing an `output`, is cleaned up by the next command that writes in the same folder, and
    before any free space is measured. Temporaries of live processes, and of other machines sharing the folder,
    are kept.

    Parameters
    ----------
    folder : str or os.PathLike
        The folder to clear (one that cannot be listed is left alone).

    Returns
    -------
    list of str
        The names removed.

    Examples
    --------
    >>> import tempfile
    >>> folder = tempfile.mkdtemp()
    >>> open(os.path.join(folder, ".a.tmp-00000000-1-0-1234567"), "w").close()  # another host's: kept
    >>> remove_abandoned(folder)
    []
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
    """`target` as a path to write, checked: it names a file or folder, in a folder that exists.

    Parameters
    ----------
    target : str or os.PathLike

    Returns
    -------
    pathlib.Path

    Raises
    ------
    InputError
        When `target` names no file (``""``, ``.``, ``..``) or its folder does not exist.

    Examples
    --------
    >>> output_path("out.json").name
    'out.json'
    """
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
    """The one-line error for a failed write to `path`; a full disk is named as such.

    Parameters
    ----------
    path : str or os.PathLike
        The target that could not be written.
    exc : OSError
        What the write raised.

    Returns
    -------
    InputError

    Examples
    --------
    >>> str(cannot_write("out.npz", OSError(errno.ENOSPC, "no space")))
    'out.npz: cannot write: the disk is full (No space left on device); nothing was written'
    """
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
    """A temporary name beside `target` to write in full first; it is removed unless renamed into place.

    Parameters
    ----------
    target : str or os.PathLike
        The file to write (not a folder).

    Yields
    ------
    pathlib.Path
        The temporary path; the block renames it to `target` (``os.replace``) when complete.

    Examples
    --------
    >>> import tempfile
    >>> target = os.path.join(tempfile.mkdtemp(), "a.bin")
    >>> with staged(target) as tmp:
    ...     _ = tmp.write_bytes(b"x")
    ...     os.replace(tmp, target)
    >>> open(target, "rb").read()
    b'x'
    """
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
    """A temporary folder beside `target`, renamed to it when the block ends well, removed otherwise.

    Parameters
    ----------
    target : str or os.PathLike
        A folder that does not exist yet (nothing is overwritten).

    Yields
    ------
    pathlib.Path
        The temporary folder to fill.

    Examples
    --------
    >>> import tempfile
    >>> target = os.path.join(tempfile.mkdtemp(), "circuit")
    >>> with staged_folder(target) as tmp:
    ...     _ = (tmp / "a.txt").write_text("a")
    >>> os.listdir(target)
    ['a.txt']
    """
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
def open_output(target: Target, *, binary: bool = False) -> Iterator[IO]:
    """A writable file for a path (written in full under a temporary name, then renamed) or the file object itself.

    Parameters
    ----------
    target : str, os.PathLike or file object
        Where to write.
    binary : bool
        Open a path in binary mode (text is UTF-8 with ``newline=""``).

    Yields
    ------
    file object

    Examples
    --------
    >>> out = io.StringIO()
    >>> with open_output(out) as fh:
    ...     _ = fh.write("a")
    >>> out.getvalue()
    'a'
    """
    if not isinstance(target, (str, os.PathLike)):
        yield target
        return
    with staged(target) as tmp:
        with open(tmp, "wb" if binary else "w", **({} if binary else {"encoding": "utf-8", "newline": ""})) as fh:
            yield fh
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, target)


def write_text(target: Target, text: str) -> None:
    """Write text to a path (atomically) or to a text or binary file object.

    Parameters
    ----------
    target : str, os.PathLike or file object
    text : str
        Written as UTF-8 to a path or a binary file object.

    Examples
    --------
    >>> out = io.BytesIO()
    >>> write_text(out, "é")
    >>> out.getvalue()
    b'\\xc3\\xa9'
    """
    with open_output(target) as fh:
        fh.write(text if isinstance(fh, io.TextIOBase) else text.encode("utf-8"))


def text_stream(handle: IO) -> IO[str]:
    """A text view of a file object that may be binary.

    Parameters
    ----------
    handle : file object

    Returns
    -------
    file object
        `handle` itself when it is a text file, else a UTF-8 wrapper around it.

    Examples
    --------
    >>> text_stream(io.BytesIO()).encoding
    'utf-8'
    """
    return handle if isinstance(handle, io.TextIOBase) else io.TextIOWrapper(handle, encoding="utf-8", newline="")
