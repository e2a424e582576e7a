"""The Virtual Brain (TVB) region connectivity: a zip (or a folder) of whitespace-separated text files.

The layout is the one tvb-data ships (``connectivity_76.zip``, ``connectivity_192.zip``, ...) and
tvb-library's ``Connectivity.from_file`` reads:

- ``weights.txt``: an n×n matrix. **Orientation: ``weights[i, j]`` is the connection FROM region j TO
  region i** (row = target, column = source; tvb-library's coupling sums ``W[i, :] · x`` into node i).
  Every non-zero cell becomes the projection j → i with ``strength = weight × strength_scale``;
  the diagonal gives self-loops. The product is taken on the numbers as written (0.1 × 3 is 0.3).
  A strength above 1000 (connections per 1000 neuron pairs) is refused, naming the cell and the
  ``--strength-scale`` that would bring the largest weight to 1000.
- ``tract_lengths.txt``: an n×n matrix of the same orientation (optional here; TVB itself requires it).
  A positive length becomes the projection's ``tract_length`` attribute (mm). A length of 0 means
  "none given" (TVB's diagonal is 0) and adds no attribute.
- ``centres.txt`` (or ``centers.txt``): one region a line, ``label x y z``; further columns (some
  tvb-data files carry a trailing ``None``) are ignored. Labels are kept verbatim, quotes included,
  and must be unique (so tvb-data's connectivity_998.zip, which reuses 66 labels for its 998
  regions, is refused). x, y, z become float attributes.
- ``areas.txt`` (optional): one number a line, kept as the float ``area`` attribute, and the regions'
  shares. TVB writes 0 for an unknown area (connectivity_76, _96 and _192 all have some): those
  regions get the mean of the known areas as their share (their ``area`` stays 0), and when none is
  known every region gets the equal share 1.0; either way a ConnectomeWarning says so (``topology
  import`` prints it). A negative area is an error.
- ``cortical.txt`` and ``hemispheres.txt`` (optional): 0 or 1 a line, kept as the booleans
  ``cortical`` and ``hemisphere`` (True = right hemisphere, TVB's convention).
- ``average_orientations.txt`` (optional): three numbers a line, kept as the floats
  ``orientation_x``, ``orientation_y`` and ``orientation_z``.

Any member may be ``.bz2``-compressed (``weights.txt.bz2``). The files may sit in one sub-folder of
the zip (``connectivity_76/weights.txt``); other members (``info.txt``, ``__MACOSX/``, dot files) are
ignored. Blank lines and lines starting with ``#`` are skipped, as numpy's ``loadtxt`` does. The
graph is named after the ``name`` argument, else the zip's or folder's stem.

What TVB cannot carry, and ``write_tvb`` therefore drops: the graph's name (it lives in the file
name), description and reference ``neurons``; every region or projection attribute other than
share, x/y/z, area, cortical, hemisphere, orientation_x/_y/_z, strength and tract_length; a region's
share when it differs from its ``area`` attribute (``areas.txt`` then holds the shares, which come
back as both share and area); ``cortical``/``hemisphere``/orientations set on some regions only;
the difference between a missing coordinate or tract length and 0; integer versus float values.
Labels containing whitespace, or starting with ``#``, cannot be written into ``centres.txt`` and are
refused. A graph that came from ``read_tvb`` carries nothing else, so exporting and importing it
again gives the same ``content_hash``.

Limits on hostile input (each refusal is an ``InputError`` naming the file and member or line;
nothing is written anywhere): an archive above 64 MiB, or whose central directory lists more than
64 members or takes more than 1 MiB; members with absolute paths or ``..`` components, or listed
twice; TVB files in more than one folder; a member that declares more than 256 MiB uncompressed, or
a compression ratio above 200:1 when it is over 1 MiB. Declared sizes are checked before anything
is inflated, and the bytes actually produced (zip members and ``.bz2`` streams alike) are counted
in 1 MiB chunks against the same limits (and against the size the header declares), so a bomb or a
lying header is stopped one chunk past max(1 MiB, 200 × its compressed size) at most. A legitimate
member of up to 256 MiB is read whole into memory; tvb-data's largest (998 regions) is 16 MB.

Example::

    >>> g = read_tvb("connectivity_76.zip")            # doctest: +SKIP
    >>> g.number_of_nodes(), g.number_of_edges()       # doctest: +SKIP
    (76, 1560)
    >>> g.edges["rA1", "rA2"]    # weights.txt row 2 (rA2), column 1 (rA1)     # doctest: +SKIP
    {'strength': 3.0, 'tract_length': 20.330072}
"""

from __future__ import annotations

import bz2
import contextlib
import decimal
import io
import math
import os
import re
import struct
import warnings
import zipfile
import zlib
from pathlib import Path, PurePosixPath
from typing import Any, Callable, Iterator

import networkx as nx
import numpy as np

from ..errors import ConnectomeWarning, InputError, located
from ..exact import MAX_STRENGTH, check_positive, is_number
from ..graph import build_graph, validate
from ._io import Source, file_stem, label, open_output, read_bytes
from .limits import CHUNK, MAX_MEMBER_BYTES, MAX_RATIO, MIB, inflation_cap

MAX_ARCHIVE_BYTES = 64 * MIB
MAX_MEMBERS = 64
MAX_DIRECTORY_BYTES = 1 * MIB

# file name without .txt / .txt.bz2 -> the role it plays
ROLES = {
    "weights": "weights",
    "tract_lengths": "tract_lengths",
    "centres": "centres",
    "centers": "centres",
    "areas": "areas",
    "cortical": "cortical",
    "hemispheres": "hemispheres",
    "average_orientations": "orientations",
}
BOM = b"\xef\xbb\xbf"
_DRIVE = re.compile(r"^[A-Za-z]:")
_EOCD = struct.Struct("<4s4H2LH")
_EOCD64 = struct.Struct("<4sQ2H2L4Q")
_LOCATOR64 = struct.Struct("<4sLQL")
_PRODUCT = decimal.Context(prec=60)


# ---------------------------------------------------------------- reading members


def _role(filename: str) -> tuple[str | None, bool]:
    """The TVB role of a member or file name and whether it is bz2-compressed."""
    base = PurePosixPath(filename.replace("\\", "/")).name.lower()
    if base.endswith(".txt.bz2"):
        return ROLES.get(base[: -len(".txt.bz2")]), True
    if base.endswith(".txt"):
        return ROLES.get(base[: -len(".txt")]), False
    return None, False


def _bunzip(data: bytes | bytearray, file: str) -> bytearray:
    """The content of a (possibly multi-stream) bz2 file, inflated in chunks under the size caps."""
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
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError, ValueError, RuntimeError,
            NotImplementedError, struct.error) as exc:
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


# role -> (file label for messages, short name for cross-references, loader)
Members = dict[str, tuple[str, str, Callable[[], bytearray]]]


def _by_role(found: dict[str, tuple[str, str, Callable[[], bytearray]]]) -> Members:
    return {role: (display, PurePosixPath(name.replace("\\", "/")).name, load)
            for role, (name, display, load) in found.items()}


def _pick(where: str, found: dict[str, tuple[str, str, Callable[[], bytearray]]], role: str, name: str,
          display: str, bzipped: bool, read: Callable[[], bytearray], noun: str = "member") -> None:
    if role in found:
        raise located(where, f"{noun} {name!r}", f"another {noun} ({found[role][0]!r}) already gives the {role} file")
    loader = (lambda: _bunzip(read(), display)) if bzipped else read
    found[role] = (name, display, loader)


@contextlib.contextmanager
def _zip_members(source: Source, where: str) -> Iterator[tuple[Members, str | None]]:
    """The TVB members of a zip archive, by role, and the folder they sit in."""
    opened = None
    if isinstance(source, (str, os.PathLike)):
        try:
            opened = fh = open(source, "rb")
        except FileNotFoundError:
            raise located(where, "", "no such file") from None
        except PermissionError:
            raise located(where, "", "permission denied") from None
        except OSError as exc:
            raise located(where, "", f"cannot read: {exc.strerror or exc}") from None
    elif isinstance(source, io.TextIOBase):
        raise located(where, "", "a TVB connectivity is a zip archive: give a path or a binary file")
    else:
        seekable = getattr(source, "seekable", None)
        fh = source if seekable is not None and seekable() else io.BytesIO(read_bytes(source, MAX_ARCHIVE_BYTES))
    try:
        try:
            _check_directory(fh, where)
            archive = zipfile.ZipFile(fh)
        except InputError:
            raise
        except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, OSError, ValueError, RuntimeError,
                NotImplementedError, struct.error, UnicodeDecodeError) as exc:
            raise located(where, "", f"not a valid zip archive ({exc})") from None
        with archive:
            infos = archive.infolist()
            if len(infos) > MAX_MEMBERS:
                raise located(where, "", f"has {len(infos):,} members, more than the {MAX_MEMBERS} a TVB connectivity may have")
            seen: set[str] = set()
            tvb_files = []
            for info in infos:
                name = info.filename
                if name in seen:
                    raise located(where, f"member {name!r}", "appears twice in the archive")
                seen.add(name)
                if _unsafe(name):
                    raise located(where, f"member {name!r}", "has an unsafe path (absolute or with '..')")
                role, bzipped = _role(name)
                if role is not None and not _ignored(name):
                    tvb_files.append((info, role, bzipped))
            folders = sorted({str(PurePosixPath(i.filename.replace("\\", "/")).parent) for i, _, _ in tvb_files})
            if len(folders) > 1:
                listed = ", ".join(repr(f if f != "." else "(top level)") for f in folders)
                raise located(where, "", f"TVB files sit in more than one folder ({listed}); expected one")
            folder = PurePosixPath(folders[0]).name if folders and folders[0] != "." else None
            found: dict[str, tuple[str, str, Callable[[], bytearray]]] = {}
            for info, role, bzipped in tvb_files:
                display = f"{where}: {info.filename}"
                _pick(where, found, role, info.filename, display, bzipped,
                      lambda info=info, display=display: _read_zip_member(archive, info, display))
            yield _by_role(found), folder
    finally:
        if opened is not None:
            opened.close()


def _folder_members(folder: Path, where: str) -> Members:
    """The TVB files of a plain folder, by role."""
    found: dict[str, tuple[str, str, Callable[[], bytearray]]] = {}
    try:
        entries = sorted(os.scandir(folder), key=lambda e: e.name)
    except PermissionError:
        raise located(where, "", "permission denied") from None
    except OSError as exc:
        raise located(where, "", f"cannot list the folder: {exc.strerror or exc}") from None
    for entry in entries:
        role, bzipped = _role(entry.name)
        if role is None:
            continue
        display = os.path.join(where, entry.name)
        if not entry.is_file():
            raise located(display, "", "is not a regular file")
        _pick(where, found, role, entry.name, display, bzipped,
              lambda path=Path(entry.path), display=display: _read_plain_file(path, display), "file")
    return _by_role(found)


# ---------------------------------------------------------------- parsing text


def _lines(data: bytes | bytearray, file: str, expected: int) -> Iterator[tuple[int, bytes | bytearray]]:
    """(line number, line) of each line that is neither blank nor a `#` comment, one at a time.

    A file of `expected` rows may have a few blank or comment lines more, not millions: past
    4 × expected + 1024 lines it is refused, so a hostile file costs no more than a legitimate one.
    """
    most = 4 * expected + 1024
    size = len(data)
    start = len(BOM) if data.startswith(BOM) else 0
    number = 0
    while start < size:
        end = data.find(b"\n", start)
        if end < 0:
            end = size
        number += 1
        if number > most:
            raise located(file, "", f"has more than {most:,} lines, far more than its {expected:,} rows need")
        line = data[start:end]
        start = end + 1
        head = line.lstrip()[:1]
        if head and head != b"#":
            yield number, line


def _show(token: bytes | bytearray) -> str:
    text = bytes(token).decode("utf-8", "replace")
    return repr(text if len(text) <= 40 else text[:37] + "...")


def _number(token: bytes | bytearray, file: str, line: int, column: int) -> float:
    """A strict decimal number (ASCII, no underscores); NaN and infinities are refused."""
    try:
        if not token.isascii() or b"_" in token:
            raise ValueError
        value = float(token)
    except ValueError:
        raise located(file, f"line {line} column {column}", f"not a number: {_show(token)}") from None
    if not math.isfinite(value):
        raise located(file, f"line {line} column {column}", f"must be finite, got {_show(token)}")
    return value


def _row(text: bytes | bytearray, tokens: list, file: str, line: int) -> list[float]:
    """The numbers of one line (fast path, with a precise error for the first bad token)."""
    if text.isascii() and b"_" not in text:
        try:
            return list(map(float, tokens))
        except ValueError:
            pass
    return [_number(t, file, line, column) for column, t in enumerate(tokens, 1)]


def _count(tokens: list, most: int) -> str:
    return f"more than {most}" if len(tokens) > most else str(len(tokens))


def _matrix(data: bytes | bytearray, file: str, what: str,
            size: int | None = None) -> Iterator[tuple[int, list, np.ndarray]]:
    """(line number, tokens, values) of each row of a square matrix of finite numbers ≥ 0.

    Lines are split with a bounded `maxsplit`, so a giant line never becomes millions of tokens:
    a square matrix of width w takes at least 2·w² - 1 bytes, which bounds w by the file's size.
    """
    widest = size if size is not None else math.isqrt(len(data) // 2) + 1
    first = width = None
    count = 0
    for line, text in _lines(data, file, widest):
        tokens = text.split(None, widest if width is None else width)
        if width is None:
            first, width = line, len(tokens)
            if width > widest:
                raise located(file, "", f"is not square: line {line} has {_count(tokens, widest)} values, more "
                                        f"than the file has room for as rows")
        elif len(tokens) != width:
            raise located(file, f"line {line}", f"has {_count(tokens, width)} values, but line {first} has "
                                                f"{width}; the matrix must be square")
        count += 1
        if count > width:
            raise located(file, "", f"is not square: more than {width} rows, but line {first} has {width} values")
        values = np.array(_row(text, tokens, file, line), dtype=float)
        bad = ~np.isfinite(values)
        if bad.any():
            column = int(np.argmax(bad))
            raise located(file, f"line {line} column {column + 1}", f"must be finite, got {_show(tokens[column])}")
        negative = values < 0
        if negative.any():
            column = int(np.argmax(negative))
            raise located(file, f"line {line} column {column + 1}", f"{what} must be ≥ 0, got {_show(tokens[column])}")
        yield line, tokens, values
    if width is None:
        raise located(file, "", "has no values")
    if count != width:
        raise located(file, "", f"is not square: {count} rows, but line {first} has {width} values")


def _suggested_scale(largest: float) -> str:
    """A short --strength-scale (3 significant digits) that maps `largest` to at most 1000."""
    scale = MAX_STRENGTH / largest
    text = f"{scale:.3g}"
    while float(text) * largest > MAX_STRENGTH:
        scale *= 0.999
        text = f"{scale:.3g}"
    return text


def _strengths(values: list[float], scale: float) -> list[float]:
    """weight × scale, as the nearest double to the product of the two numbers as written."""
    if scale == 1:
        return values
    factor = decimal.Decimal(repr(float(scale)))
    return [float(_PRODUCT.multiply(decimal.Decimal(repr(v)), factor)) for v in values]


def _weights(data: bytes | bytearray, file: str, scale: float,
             unbounded: bool = False) -> list[tuple[list[int], list[float]]]:
    """Per row (target), the source columns with a non-zero weight and their strengths."""
    rows: list[tuple[list[int], list[float]]] = []
    too_big = None
    largest = 0.0
    for line, tokens, values in _matrix(data, file, "a weight"):
        columns = np.flatnonzero(values)
        weights = values[columns].tolist()
        strengths = _strengths(weights, scale)
        if weights:
            largest = max(largest, max(weights))
            if max(strengths) > MAX_STRENGTH or min(strengths) == 0:
                for k, strength in enumerate(strengths):
                    column = int(columns[k])
                    if strength == 0:
                        raise located(file, f"line {line} column {column + 1}",
                                      f"weight {_show(tokens[column])} × strength scale {scale!r} underflows to 0")
                    if strength > MAX_STRENGTH and too_big is None and not unbounded:
                        too_big = (line, column + 1, tokens[column], strength)
        rows.append((columns.tolist(), strengths))
    if too_big is not None:
        line, column, token, strength = too_big
        raise located(file, f"line {line} column {column}",
                      f"weight {_show(token)} × strength scale {scale!r} gives strength {strength!r}, above "
                      f"{MAX_STRENGTH} connections per 1000 neuron pairs; scale the weights with --strength-scale "
                      f"(--strength-scale {_suggested_scale(largest)} maps the largest weight, {largest!r}, "
                      f"to at most {MAX_STRENGTH})")
    return rows


def _tract_lengths(data: bytes | bytearray, file: str, weights: list[tuple[list[int], list[float]]],
                   weights_file: str) -> list[list[float]]:
    """Per row, the tract lengths at the cells that carry a weight."""
    n = len(weights)
    picked: list[list[float]] = []
    for line, _, values in _matrix(data, file, "a tract length", size=max(n, math.isqrt(len(data) // 2) + 1)):
        if len(values) != n:
            raise located(file, "", f"is {len(values)}×{len(values)}, but {weights_file} is {n}×{n}")
        picked.append(values[weights[len(picked)][0]].tolist())
    return picked


def _centres(data: bytes | bytearray, file: str, n: int, weights_file: str) -> list[tuple[str, float, float, float]]:
    regions = []
    first_line: dict[str, int] = {}
    for line, text in _lines(data, file, n):
        if len(regions) == n:
            raise located(file, f"line {line}", f"one region too many: {weights_file} is {n}×{n}")
        tokens = text.split(None, 4)
        if len(tokens) < 4:
            raise located(file, f"line {line}", f"expected a label and x y z, got {len(tokens)} value(s)")
        try:
            name = bytes(tokens[0]).decode("utf-8")
        except UnicodeDecodeError as exc:
            raise located(file, f"line {line}", f"the label is not UTF-8 text (byte {exc.start + 1})") from None
        if name in first_line:
            raise located(file, f"line {line}", f"duplicate region label {name!r} (also on line {first_line[name]}); "
                                                f"region labels must be unique")
        first_line[name] = line
        x, y, z = (_number(tokens[c], file, line, c + 1) for c in (1, 2, 3))
        regions.append((name, x, y, z))
    if len(regions) != n:
        raise located(file, "", f"lists {len(regions)} regions, but {weights_file} is {n}×{n}")
    return regions


def _vector(data: bytes | bytearray, file: str, n: int, what: str) -> list[float]:
    """One number per region (one a line, or any layout with n numbers in all)."""
    values, places = [], []
    for line, text in _lines(data, file, n):
        for column, token in enumerate(text.split(None, n + 1 - len(values)), 1):
            if len(values) == n:
                raise located(file, f"line {line} column {column}", f"one value too many: expected {n} (one per region)")
            values.append(_number(token, file, line, column))
            places.append((line, column, token))
    if len(values) != n:
        raise located(file, "", f"has {len(values)} values, expected {n} (one per region)")
    for value, (line, column, token) in zip(values, places):
        if what == "flag" and value not in (0, 1):
            raise located(file, f"line {line} column {column}", f"must be 0 or 1, got {_show(token)}")
        if what == "area" and value < 0:
            raise located(file, f"line {line} column {column}", f"an area must be ≥ 0, got {_show(token)}")
    return values


def _orientations(data: bytes | bytearray, file: str, n: int) -> list[tuple[float, float, float]]:
    result = []
    for line, text in _lines(data, file, n):
        if len(result) == n:
            raise located(file, f"line {line}", f"one line too many: expected {n} (one per region)")
        tokens = text.split(None, 3)
        if len(tokens) != 3:
            raise located(file, f"line {line}", f"expected 3 numbers (x y z), got {_count(tokens, 3)}")
        result.append(tuple(_number(t, file, line, c) for c, t in enumerate(tokens, 1)))
    if len(result) != n:
        raise located(file, "", f"has {len(result)} lines, expected {n} (one per region)")
    return result


# ---------------------------------------------------------------- the reader


def read_tvb(source: Source, *, name: str | None = None, strength_scale: float = 1.0,
             unbounded: bool = False) -> nx.DiGraph:
    """Read a TVB connectivity (zip path, binary zip file object, or folder) into a topology graph.

    Parameters: `source` the zip or folder; `name` the topology's name (default: the zip's or folder's
    stem); `strength_scale` multiplies every weight into a strength (connections per 1000 neuron pairs).
    Returns a validated DiGraph: regions in centres.txt order, projection j → i for every non-zero
    ``weights[i, j]``. Raises InputError, naming the file and line, for anything broken or hostile.

    >>> g = read_tvb("connectivity_76.zip", strength_scale=10)    # doctest: +SKIP
    """
    where = label(source)
    problem = check_positive(strength_scale)
    if problem:
        raise located(where, "--strength-scale", problem)
    if name is not None and (not isinstance(name, str) or not name.strip()):
        raise located(where, "--name", f"must be a non-empty string, got {name!r}")

    folder_source = isinstance(source, (str, os.PathLike)) and Path(source).is_dir()
    if folder_source:
        context = contextlib.nullcontext((_folder_members(Path(source), where), None))
    else:
        context = _zip_members(source, where)
    with context as (members, folder):
        for role, file_name in (("weights", "weights.txt"), ("centres", "centres.txt")):
            if role not in members:
                raise located(where, "", f"no {file_name} (or {file_name}.bz2) in the {'folder' if folder_source else 'archive'}")
        weights_file, weights_name, load = members["weights"]
        weights = _weights(load(), weights_file, strength_scale, unbounded)
        n = len(weights)
        centres_file, _, load = members["centres"]
        centres = _centres(load(), centres_file, n, weights_name)
        tracts = None
        if "tract_lengths" in members:
            file, _, load = members["tract_lengths"]
            tracts = _tract_lengths(load(), file, weights, weights_name)
        vectors: dict[str, list[float]] = {}
        for role, what in (("areas", "area"), ("cortical", "flag"), ("hemispheres", "flag")):
            if role in members:
                file, _, load = members[role]
                vectors[role] = _vector(load(), file, n, what)
        orientations = None
        if "orientations" in members:
            file, _, load = members["orientations"]
            orientations = _orientations(load(), file, n)

    areas = vectors.get("areas")
    shares = _shares(areas, n, members["areas"][0] if areas is not None else where)
    regions = []
    for k, (region, x, y, z) in enumerate(centres):
        attrs: dict[str, Any] = {"share": shares[k], "x": x, "y": y, "z": z}
        if areas is not None:
            attrs["area"] = areas[k]
        if "cortical" in vectors:
            attrs["cortical"] = vectors["cortical"][k] == 1
        if "hemispheres" in vectors:
            attrs["hemisphere"] = vectors["hemispheres"][k] == 1
        if orientations is not None:
            attrs.update(zip(("orientation_x", "orientation_y", "orientation_z"), orientations[k]))
        regions.append((region, attrs))
    labels = [region for region, *_ in centres]

    def projections():
        for target, (columns, strengths) in enumerate(weights):
            lengths = tracts[target] if tracts is not None else None
            for k, (source_index, strength) in enumerate(zip(columns, strengths)):
                attrs: dict[str, Any] = {"strength": strength}
                if lengths is not None and lengths[k] > 0:
                    attrs["tract_length"] = lengths[k]
                yield labels[source_index], labels[target], attrs

    topo_name = name if name is not None else file_stem(source) or folder or "connectivity"
    graph = build_graph(topo_name, regions, projections())
    return graph if unbounded else validate(graph, where)


def _filled(areas: list[float]) -> tuple[list[float], str | None]:
    """The shares areas give: an area of 0 (TVB's "unknown") is filled with the mean of the known ones, and
    with none known every region gets 1.0; with what was filled said, or None when nothing was."""
    known = [a for a in areas if a > 0]
    if len(known) == len(areas):
        return areas, None
    if not known:
        return [1.0] * len(areas), "every area is 0 (unknown): every region gets the same share, 1.0"
    mean = float(sum(decimal.Decimal(repr(a)) for a in known) / len(known))
    return [a if a > 0 else mean for a in areas], (
        f"{len(areas) - len(known)} of {len(areas)} areas are 0 (unknown): those regions get the mean of the "
        f"{len(known)} known areas, {mean!r}, as their share (their `area` attribute stays 0)")


def _shares(areas: list[float] | None, n: int, file: str) -> list[float]:
    """The regions' shares from their areas (all 1.0 without areas), with a ConnectomeWarning for any filled."""
    if areas is None:
        return [1.0] * n
    shares, filled = _filled(areas)
    if filled:
        warnings.warn(ConnectomeWarning(f"{file}: {filled}"), stacklevel=3)
    return shares


def looks_like_tvb(path: str | os.PathLike) -> bool:
    """True for a zip file, or a folder holding weights.txt or weights.txt.bz2 (for format detection)."""
    p = Path(path)
    try:
        if p.is_dir():
            return any(_role(e.name)[0] == "weights" and e.is_file() for e in os.scandir(p))
        return zipfile.is_zipfile(p)
    except OSError:
        return False


# ---------------------------------------------------------------- the writer


def _text(value: float) -> str:
    return "0" if value == 0 else repr(float(value))


def _flag(where: str, region: str, key: str, value: Any) -> str:
    if isinstance(value, bool) or (is_number(value) and value in (0, 1)):
        return "1" if value else "0"
    raise located(where, f"region {region!r}.{key}", f"must be true/false or 0/1 for TVB, got {value!r}")


def _render(graph: nx.DiGraph, where: str) -> list[tuple[str, str]]:
    """The (member name, text) pairs of a TVB zip for a validated graph."""
    names = list(graph.nodes)
    index = {region: k for k, region in enumerate(names)}
    nodes = graph.nodes

    def number(region: str, key: str, value: Any) -> float:
        if not is_number(value):
            raise located(where, f"region {region!r}.{key}", f"must be a number for TVB, got {value!r}")
        try:
            return float(value)
        except OverflowError:
            raise located(where, f"region {region!r}.{key}", f"too large for TVB, got {value!r}") from None

    def present(key: str) -> bool:
        return all(nodes[r].get(key) is not None for r in names)

    centres = []
    for region in names:
        if any(ch.isspace() for ch in region):
            raise located(where, f"region {region!r}", "TVB's centres.txt cannot carry a label containing "
                                                       "whitespace; rename the region")
        if region.startswith("#"):
            raise located(where, f"region {region!r}", "TVB's centres.txt takes a line starting with '#' for "
                                                       "a comment; rename the region")
        coords = [0.0 if nodes[region].get(k) is None else number(region, k, nodes[region][k]) for k in "xyz"]
        centres.append(" ".join([region, *map(_text, coords)]))

    n = len(names)
    weights = [["0"] * n for _ in range(n)]
    tracts = [["0"] * n for _ in range(n)]
    for s, t, attrs in graph.edges(data=True):
        weights[index[t]][index[s]] = _text(attrs["strength"])
        length = attrs.get("tract_length")
        if length is not None:
            if not is_number(length) or length < 0:
                raise located(where, f"projection {s!r} -> {t!r}.tract_length",
                              f"must be a number ≥ 0 for TVB, got {length!r}")
            tracts[index[t]][index[s]] = _text(length)

    def matrix(rows: list[list[str]]) -> str:
        return "".join(" ".join(row) + "\n" for row in rows)

    members = [("weights.txt", matrix(weights)), ("tract_lengths.txt", matrix(tracts)),
               ("centres.txt", "".join(line + "\n" for line in centres))]

    shares = [number(r, "share", nodes[r]["share"]) for r in names]
    areas = [nodes[r].get("area") for r in names]
    if all(is_number(a) and a >= 0 for a in areas):
        areas_f = [float(a) for a in areas]
        implied = _filled(areas_f)[0]
        column = areas_f if implied == shares else shares
    elif all(a is None for a in areas) and all(s == 1.0 for s in shares):
        column = None
    else:
        column = shares
    if column is not None:
        members.append(("areas.txt", "".join(_text(a) + "\n" for a in column)))
    for key, member in (("cortical", "cortical.txt"), ("hemisphere", "hemispheres.txt")):
        if present(key):
            members.append((member, "".join(_flag(where, r, key, nodes[r][key]) + "\n" for r in names)))
    axes = ("orientation_x", "orientation_y", "orientation_z")
    if all(present(key) for key in axes):
        members.append(("average_orientations.txt", "".join(
            " ".join(_text(number(r, key, nodes[r][key])) for key in axes) + "\n" for r in names)))
    return members


def write_tvb(graph: nx.DiGraph, target: Source) -> None:
    """Write a topology as a TVB connectivity zip (path, replaced atomically, or binary file object).

    ``weights[i, j]`` is the strength of the projection j → i; see the module docstring for what
    TVB cannot carry. Everything is checked before a byte is written.
    """
    where = label(target)
    if isinstance(target, io.TextIOBase):
        raise located(where, "", "a TVB connectivity is a zip archive: give a path or a binary file")
    members = _render(validate(graph, where), where)
    with open_output(target, binary=True) as fh:
        with zipfile.ZipFile(fh, "w") as archive:
            for member, text in members:
                info = zipfile.ZipInfo(member, date_time=(1980, 1, 1, 0, 0, 0))
                info.compress_type = zipfile.ZIP_DEFLATED
                info.external_attr = 0o644 << 16
                archive.writestr(info, text.encode("utf-8"))
