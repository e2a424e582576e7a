"""What every reader reads from: a path or a file object, bounded in size, decoded strictly as UTF-8.

Example
-------
>>> import io
>>> read_text(io.BytesIO(b"\\xef\\xbb\\xbfname,share\\n"))
'name,share\\n'
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import IO, Union

from ..errors import InputError

Source = Union[str, os.PathLike, IO[bytes], IO[str]]
"""What a reader reads: a path, or an open binary or text file object."""

INTEGER = re.compile(r"[+-]?[0-9]+")
DECIMAL = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")  # strict: no nan, inf, _ or blanks
MAX_FILE_BYTES = 2**30  # 1 GiB: ten times a million-projection JSON file; bounds what a reader holds


def label(source: Source) -> str:
    """The name to show in messages for a path or file object.

    Parameters
    ----------
    source : str, os.PathLike or file object

    Returns
    -------
    str
        The path, the file object's ``name``, else ``<stream>``.

    Examples
    --------
    >>> import io
    >>> label("a/b.csv"), label(io.BytesIO())
    ('a/b.csv', '<stream>')
    """
    if isinstance(source, (str, os.PathLike)):
        return os.fspath(source)
    return getattr(source, "name", None) or "<stream>"


def file_stem(source: Source) -> str | None:
    """The stem of a path (a folder's whole name) or of a file object's name; None for a nameless stream.

    Parameters
    ----------
    source : str, os.PathLike or file object

    Returns
    -------
    str or None

    Examples
    --------
    >>> import io
    >>> file_stem("data/edges.csv"), file_stem(io.BytesIO())
    ('edges', None)
    """
    if isinstance(source, (str, os.PathLike)):
        path = Path(source)
    elif isinstance(getattr(source, "name", None), str):
        path = Path(source.name)
    else:
        return None
    return (path.name if path.is_dir() else path.stem) or None


def read_bytes(source: Source, limit: int = MAX_FILE_BYTES) -> bytes:
    """All bytes of a path or file object; a missing file or one above `limit` is an InputError.

    Parameters
    ----------
    source : str, os.PathLike or file object
    limit : int
        The most bytes accepted (1 GiB by default).

    Returns
    -------
    bytes
        Text read from a text file object is encoded as UTF-8.

    Examples
    --------
    >>> import io
    >>> read_bytes(io.StringIO("é"))
    b'\\xc3\\xa9'
    >>> read_bytes(io.BytesIO(b"abc"), limit=2)
    Traceback (most recent call last):
    ...
    connectome.errors.InputError: <stream>: larger than the 2-byte limit for this format
    """
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
    """UTF-8 text with or without a byte-order mark; anything else is an InputError.

    Parameters
    ----------
    data : bytes
    name : str
        The file, for the message.

    Returns
    -------
    str

    Examples
    --------
    >>> decode(b"ok", "f.csv")
    'ok'
    >>> decode(b"\\xff", "f.csv")
    Traceback (most recent call last):
    ...
    connectome.errors.InputError: f.csv: not UTF-8 text (byte 0)
    """
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(f"{name}: not UTF-8 text (byte {exc.start})") from None


def read_text(source: Source) -> str:
    """The UTF-8 text of a path or file object (at most 1 GiB).

    Parameters
    ----------
    source : str, os.PathLike or file object

    Returns
    -------
    str

    Examples
    --------
    >>> import io
    >>> read_text(io.BytesIO(b"a,b\\n"))
    'a,b\\n'
    """
    return decode(read_bytes(source), label(source))
