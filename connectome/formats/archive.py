"""Safe access to a hostile zip archive (or a plain folder) of small text files: the TVB format's archive layer.

`members` opens a zip (a path, or a binary file object, seekable or not) or a folder and gives the files a
`role` function recognises, each as a `Member` whose bytes are read only when asked for, under these limits
(each refusal an ``InputError`` naming the file and member; nothing is written anywhere):

* the archive: at most ``MAX_ARCHIVE_BYTES`` (64 MiB); its central directory, checked from the end record
  before ``zipfile`` parses it, lists at most ``MAX_MEMBERS`` (64) members in at most
  ``MAX_DIRECTORY_BYTES`` (1 MiB);
* member names: no absolute paths, drive letters or ``..`` components, none listed twice, and the
  recognised files in one folder at most (folders, ``__MACOSX/`` and dot files are ignored);
* member sizes (`limits`): at most ``MAX_MEMBER_BYTES`` (256 MiB) and ``MAX_RATIO`` (200:1) above 1 MiB as
  declared, checked before anything is inflated; then the bytes actually produced (zip members and
  ``.bz2`` streams alike) are counted in 1 MiB chunks against the same limits and the declared size, so a
  bomb or a lying header is stopped one chunk past max(1 MiB, 200 × its compressed size) at most.

A name ending in ``.bz2`` is that file bz2-compressed (``weights.txt.bz2``), inflated under the same caps.

Example
-------
>>> import io, zipfile
>>> buffer = io.BytesIO()
>>> with zipfile.ZipFile(buffer, "w") as z:
...     z.writestr("conn/weights.txt", "0 1\\n0 0\\n")
>>> with members(buffer, "c.zip", lambda name: "weights" if name == "weights.txt" else None) as (found, folder):
...     found["weights"].label, folder, bytes(found["weights"].load())
('c.zip: conn/weights.txt', 'conn', b'0 1\\n0 0\\n')
"""

from __future__ import annotations

import bz2
import contextlib
import io
import os
import re
import struct
import zipfile
import zlib
from pathlib import Path, PurePosixPath
from typing import IO, Any, Callable, Iterator, NamedTuple

from ..errors import InputError, located
from .inputs import Source, read_bytes
from .limits import CHUNK, MAX_MEMBER_BYTES, MAX_RATIO, MIB, inflation_cap

MAX_ARCHIVE_BYTES = 64 * MIB
MAX_MEMBERS = 64
MAX_DIRECTORY_BYTES = 1 * MIB

_DRIVE = re.compile(r"^[A-Za-z]:")
_EOCD = struct.Struct("<4s4H2LH")
_EOCD64 = struct.Struct("<4sQ2H2L4Q")
_LOCATOR64 = struct.Struct("<4sLQL")
_ZIP_ERRORS = (zipfile.BadZipFile, zlib.error, EOFError, OSError, ValueError, RuntimeError, NotImplementedError,
               struct.error)

Role = Callable[[str], "str | None"]
"""From a file's base name (lower-case, without ``.bz2``) to the role it plays, or None to ignore it."""


class Member(NamedTuple):
    """One recognised file: `label` names it in messages, `name` is its base name, `load()` reads its bytes."""

    label: str
    name: str
    load: Callable[[], bytearray]


def classify(filename: str, role: Role) -> tuple[str | None, bool]:
    """The role of a member or file name (by `role`) and whether it is bz2-compressed.

    Examples
    --------
    >>> classify("conn/Weights.txt.bz2", lambda name: name)
    ('weights.txt', True)
    """
    base = PurePosixPath(filename.replace("\\", "/")).name.lower()
    if base.endswith(".bz2"):
        return role(base[: -len(".bz2")]), True
    return role(base), False


def bunzip(data: bytes | bytearray, file: str) -> bytearray:
    """The content of a (possibly multi-stream) bz2 file, inflated in chunks under the size caps.

    Parameters
    ----------
    data : bytes
        The compressed bytes.
    file : str
        The file, for messages.

    Returns
    -------
    bytearray

    Examples
    --------
    >>> bytes(bunzip(bz2.compress(b"a") + bz2.compress(b"b"), "x.bz2"))
    b'ab'
    """
    cap = inflation_cap(len(data))
    out = bytearray()
    decompressor = bz2.BZ2Decompressor()
    pending: bytes | bytearray = data
    try:
        while True:
            out += decompressor.decompress(pending, max_length=CHUNK)
            pending = b""
            if len(out) > cap:
                raise located(file, "", f"inflates past {cap:,} bytes (more than {MAX_RATIO}:1 or above the "
                                        f"{MAX_MEMBER_BYTES:,}-byte limit); refusing a likely bz2 bomb")
            if decompressor.eof:
                rest = decompressor.unused_data
                if not rest:
                    return out
                decompressor, pending = bz2.BZ2Decompressor(), rest
            elif decompressor.needs_input:
                raise located(file, "", "the bz2 stream is truncated")
    except (OSError, ValueError, EOFError) as exc:
        raise located(file, "", f"not a valid bz2 stream ({exc})") from None


def _read_zip_member(archive: zipfile.ZipFile, info: zipfile.ZipInfo, file: str) -> bytearray:
    """A member's bytes, refused on its declared sizes first, then counted as it inflates."""
    if info.file_size > MAX_MEMBER_BYTES:
        raise located(file, "", f"declares {info.file_size:,} bytes uncompressed, above the "
                                f"{MAX_MEMBER_BYTES:,}-byte limit")
    cap = inflation_cap(info.compress_size)
    if info.file_size > cap:
        ratio = info.file_size / max(info.compress_size, 1)
        raise located(file, "", f"declares a compression ratio of {ratio:,.0f}:1 ({info.file_size:,} bytes from "
                                f"{info.compress_size:,}), above the {MAX_RATIO}:1 limit; refusing a likely zip bomb")
    out = bytearray()
    try:
        with archive.open(info) as fh:
            while chunk := fh.read(CHUNK):
                out += chunk
                if len(out) > min(cap, info.file_size):
                    raise located(file, "", f"inflates past the {info.file_size:,} bytes its header declares")
    except InputError:
        raise
    except _ZIP_ERRORS as exc:
        raise located(file, "", f"cannot be read from the archive ({exc})") from None
    if len(out) != info.file_size:
        raise located(file, "", f"holds {len(out):,} bytes, but its header declares {info.file_size:,}")
    return out


def _read_plain_file(path: Path, file: str) -> bytearray:
    """A file's bytes, read in chunks and refused above the member limit."""
    out = bytearray()
    try:
        with open(path, "rb") as fh:
            while chunk := fh.read(CHUNK):
                out += chunk
                if len(out) > MAX_MEMBER_BYTES:
                    raise located(file, "", f"larger than the {MAX_MEMBER_BYTES:,}-byte limit")
    except PermissionError:
        raise located(file, "", "permission denied") from None
    except OSError as exc:
        raise located(file, "", f"cannot read: {exc.strerror or exc}") from None
    return out


def _check_directory(fh: Any, where: str) -> None:
    """Refuse archives whose central directory is too big to parse, before zipfile parses it."""
    fh.seek(0, os.SEEK_END)
    size = fh.tell()
    if size > MAX_ARCHIVE_BYTES:
        raise located(where, "", f"larger than the {MAX_ARCHIVE_BYTES:,}-byte limit for a TVB archive")
    tail_size = min(size, _EOCD.size + 0xFFFF + _LOCATOR64.size + _EOCD64.size)
    fh.seek(size - tail_size)
    tail = fh.read(tail_size)
    pos = len(tail) - _EOCD.size
    if pos < 0 or tail[pos:pos + 4] != b"PK\x05\x06":
        pos = tail.rfind(b"PK\x05\x06", 0, max(len(tail) - _EOCD.size + 1, 0))
    if pos < 0:
        raise located(where, "", "not a zip archive (a TVB connectivity is a zip of text files, or a folder of them)")
    entries, directory = _EOCD.unpack_from(tail, pos)[4:6]
    locator = pos - _LOCATOR64.size
    record = locator - _EOCD64.size
    if record >= 0 and tail[locator:locator + 4] == b"PK\x06\x07" and tail[record:record + 4] == b"PK\x06\x06":
        entries, directory = _EOCD64.unpack_from(tail, record)[7:9]
    if entries > MAX_MEMBERS:
        raise located(where, "", f"lists {entries:,} members, more than the {MAX_MEMBERS} a TVB connectivity may have")
    if directory > MAX_DIRECTORY_BYTES:
        raise located(where, "", f"its central directory takes {directory:,} bytes, above the "
                                 f"{MAX_DIRECTORY_BYTES:,}-byte limit")
    fh.seek(0)


def _unsafe(name: str) -> bool:
    path = name.replace("\\", "/")
    return path.startswith("/") or bool(_DRIVE.match(path)) or ".." in path.split("/")


def _ignored(name: str) -> bool:
    """Folders, macOS resource forks and dot files: present in real archives, never TVB data."""
    parts = name.replace("\\", "/").split("/")
    return name.endswith(("/", "\\")) or "__MACOSX" in parts or parts[-1].startswith(".")


def _pick(where: str, found: dict[str, Member], role: str, name: str, display: str, bzipped: bool,
          read: Callable[[], bytearray], noun: str = "member") -> None:
    """Add the file `name` as the one with `role`, refusing a second one."""
    if role in found:
        raise located(where, f"{noun} {name!r}", f"another {noun} ({found[role].name!r}) already gives the {role} file")
    loader = (lambda: bunzip(read(), display)) if bzipped else read
    found[role] = Member(display, name, loader)


def _short(found: dict[str, Member]) -> dict[str, Member]:
    """The members with their base names (the full member names served the duplicate check)."""
    return {role: Member(m.label, PurePosixPath(m.name.replace("\\", "/")).name, m.load) for role, m in found.items()}


@contextlib.contextmanager
def _opened(source: Source, where: str) -> Iterator[IO[bytes]]:
    """A seekable binary file of the archive: the path opened, the file object, or its bytes (bounded)."""
    if isinstance(source, (str, os.PathLike)):
        try:
            fh = open(source, "rb")
        except FileNotFoundError:
            raise located(where, "", "no such file") from None
        except PermissionError:
            raise located(where, "", "permission denied") from None
        except OSError as exc:
            raise located(where, "", f"cannot read: {exc.strerror or exc}") from None
        with fh:
            yield fh
        return
    if isinstance(source, io.TextIOBase):
        raise located(where, "", "a TVB connectivity is a zip archive: give a path or a binary file")
    seekable = getattr(source, "seekable", None)
    yield source if seekable is not None and seekable() else io.BytesIO(read_bytes(source, MAX_ARCHIVE_BYTES))


def _zip_file(fh: IO[bytes], where: str) -> zipfile.ZipFile:
    """The archive, its central directory checked before zipfile parses it."""
    try:
        _check_directory(fh, where)
        return zipfile.ZipFile(fh)
    except InputError:
        raise
    except (zipfile.LargeZipFile, UnicodeDecodeError, *_ZIP_ERRORS) as exc:
        raise located(where, "", f"not a valid zip archive ({exc})") from None


def _recognised(archive: zipfile.ZipFile, where: str, role: Role) -> list[tuple[zipfile.ZipInfo, str, bool]]:
    """(info, role, bzipped) of each member `role` recognises; every member's name checked."""
    infos = archive.infolist()
    if len(infos) > MAX_MEMBERS:
        raise located(where, "", f"has {len(infos):,} members, more than the {MAX_MEMBERS} a TVB connectivity may have")
    seen: set[str] = set()
    recognised = []
    for info in infos:
        name = info.filename
        if name in seen:
            raise located(where, f"member {name!r}", "appears twice in the archive")
        seen.add(name)
        if _unsafe(name):
            raise located(where, f"member {name!r}", "has an unsafe path (absolute or with '..')")
        kind, bzipped = classify(name, role)
        if kind is not None and not _ignored(name):
            recognised.append((info, kind, bzipped))
    return recognised


@contextlib.contextmanager
def zip_members(source: Source, where: str, role: Role) -> Iterator[tuple[dict[str, Member], str | None]]:
    """The members of a zip that `role` recognises, by role, and the folder they sit in (None: the top).

    Parameters
    ----------
    source : str, os.PathLike or binary file object
    where : str
        The archive, for messages.
    role : callable
        See `Role`.

    Yields
    ------
    (dict of str to Member, str or None)
        Readable while the block runs.

    Examples
    --------
    >>> buffer = io.BytesIO()
    >>> with zipfile.ZipFile(buffer, "w") as z:
    ...     z.writestr("../evil.txt", "")
    >>> with zip_members(buffer, "e.zip", lambda name: name) as _:
    ...     pass
    Traceback (most recent call last):
    ...
    connectome.errors.InputError: e.zip: member '../evil.txt': has an unsafe path (absolute or with '..')
    """
    with _opened(source, where) as fh, _zip_file(fh, where) as archive:
        recognised = _recognised(archive, where, role)
        folders = sorted({str(PurePosixPath(i.filename.replace("\\", "/")).parent) for i, _, _ in recognised})
        if len(folders) > 1:
            listed = ", ".join(repr(f if f != "." else "(top level)") for f in folders)
            raise located(where, "", f"TVB files sit in more than one folder ({listed}); expected one")
        folder = PurePosixPath(folders[0]).name if folders and folders[0] != "." else None
        found: dict[str, Member] = {}
        for info, kind, bzipped in recognised:
            display = f"{where}: {info.filename}"
            _pick(where, found, kind, info.filename, display, bzipped,
                  lambda info=info, display=display: _read_zip_member(archive, info, display))
        yield _short(found), folder


def folder_members(folder: Path, where: str, role: Role) -> dict[str, Member]:
    """The files of a plain folder that `role` recognises, by role (each a regular file, read when loaded).

    Examples
    --------
    >>> import tempfile
    >>> folder = Path(tempfile.mkdtemp())
    >>> _ = (folder / "weights.txt").write_text("0\\n")
    >>> list(folder_members(folder, str(folder), lambda name: name.removesuffix(".txt")))
    ['weights']
    """
    found: dict[str, Member] = {}
    try:
        entries = sorted(os.scandir(folder), key=lambda e: e.name)
    except PermissionError:
        raise located(where, "", "permission denied") from None
    except OSError as exc:
        raise located(where, "", f"cannot list the folder: {exc.strerror or exc}") from None
    for entry in entries:
        kind, bzipped = classify(entry.name, role)
        if kind is None:
            continue
        display = os.path.join(where, entry.name)
        if not entry.is_file():
            raise located(display, "", "is not a regular file")
        _pick(where, found, kind, entry.name, display, bzipped,
              lambda path=Path(entry.path), display=display: _read_plain_file(path, display), "file")
    return _short(found)


@contextlib.contextmanager
def members(source: Source, where: str, role: Role) -> Iterator[tuple[dict[str, Member], str | None]]:
    """The recognised files of a folder (`folder_members`; no folder name) or a zip (`zip_members`).

    See the module's example.
    """
    if isinstance(source, (str, os.PathLike)) and Path(source).is_dir():
        yield folder_members(Path(source), where, role), None
        return
    with zip_members(source, where, role) as found:
        yield found
