"""Shared plumbing of the readers and writers: path-or-file input and output, text decoding."""

from __future__ import annotations

import contextlib
import io
import os
import re
import threading
from pathlib import Path
from typing import IO, Iterator, Union

from ..errors import InputError

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


def _beside(target: str | os.PathLike) -> tuple[Path, Path]:
    """The target path and a temporary name beside it, in a folder that must exist."""
    path = Path(target)
    if not path.parent.is_dir():
        raise InputError(f"{path}: folder {str(path.parent)!r} does not exist")
    return path, path.with_name(f".{path.name}.tmp-{os.getpid()}-{threading.get_ident()}")


@contextlib.contextmanager
def staged(target: str | os.PathLike) -> Iterator[Path]:
    """A temporary name beside `target` to write in full first; it is removed unless renamed into place."""
    path, tmp = _beside(target)
    if path.is_dir():
        raise InputError(f"{path}: is a folder, not a file")
    try:
        yield tmp
    except OSError as exc:
        raise InputError(f"{path}: cannot write: {exc.strerror or exc}") from None
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
        raise InputError(f"{path}: cannot write: {exc.strerror or exc}") from None
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
