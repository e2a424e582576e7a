"""Caps on hostile or huge input, shared by every reader: each is checked before anything is allocated.

* Compressed data (TVB zip members, ``.bz2`` files, ``.mat`` variables): at most ``MAX_MEMBER_BYTES``
  (256 MiB) uncompressed, and at most ``MAX_RATIO`` (200) times the compressed size once above
  ``RATIO_FLOOR`` (1 MiB); declared sizes are checked first, then the bytes produced are counted in
  ``CHUNK`` (1 MiB) steps.
* Matrices (``.npy``, ``.mat``, labelled CSV/TSV): at most ``MAX_MATRIX_CELLS`` cells as declared
  (2^25, a 5792 × 5792 matrix, 256 MiB as doubles) and at most ``MAX_PROJECTIONS`` non-zero entries
  (2,000,000, twice the densest topology the benchmarks import; the ``max_projections`` parameter raises or
  lowers it).
* CSV/TSV edge and region lists: at most ``MAX_COLUMNS`` (1000) columns.
"""

from __future__ import annotations

from ..errors import Mention, located
from .options import OptionError

MIB = 1 << 20
MAX_MEMBER_BYTES = 256 * MIB
MAX_RATIO = 200
RATIO_FLOOR = 1 * MIB
CHUNK = 1 * MIB
MAX_MATRIX_CELLS = MAX_MEMBER_BYTES // 8
MAX_PROJECTIONS = 2_000_000
MAX_COLUMNS = 1000


def inflation_cap(compressed: int) -> int:
    """The most bytes data of `compressed` bytes may inflate to."""
    return min(MAX_MEMBER_BYTES, max(RATIO_FLOOR, MAX_RATIO * compressed))


def check_inflation(where: str, declared: int, compressed: int, what: str = "") -> None:
    """Refuse a declared uncompressed size above the byte limit or the ratio limit."""
    if declared > MAX_MEMBER_BYTES:
        raise located(where, what, f"declares {declared:,} bytes uncompressed, above the {MAX_MEMBER_BYTES:,}-byte limit")
    if declared > inflation_cap(compressed):
        ratio = declared / max(compressed, 1)
        raise located(where, what, f"declares a compression ratio of {ratio:,.0f}:1 ({declared:,} bytes from "
                                   f"{compressed:,}), above the {MAX_RATIO}:1 limit; refusing a likely bomb")


def max_projections_problem(value: object) -> str | None:
    """Why `value` cannot be a projection cap (a whole number ≥ 1), or None when it can."""
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        return f"must be a whole number ≥ 1, got {value!r}"
    return None


def check_cells(where: str, shape: tuple[int, ...]) -> None:
    """Refuse a declared array shape with a negative dimension or more cells than a matrix may have."""
    if any(d < 0 for d in shape):
        raise located(where, "", f"declares the shape {shape!r}, with a negative dimension")
    cells = 1
    for d in shape:
        cells *= d
    if cells > MAX_MATRIX_CELLS:
        dims = "×".join(map(str, shape)) if len(shape) <= 4 else f"{len(shape)}-dimensional"
        raise located(where, "", f"declares a {dims} array ({cells:,} cells), above the limit of "
                                 f"{MAX_MATRIX_CELLS:,} cells for a matrix (5792 × 5792)")


def check_projections(where: str, count: int, limit: int, *, at_least: bool = False) -> None:
    """Refuse a matrix with more non-zero entries (projections) than `limit` (`at_least`: counted so far)."""
    if count > limit:
        raise OptionError(f"{where}: holds {'at least ' if at_least else ''}{count:,} non-zero entries (projections), "
                          f"above the limit of {limit:,}; raise it with ", Mention("max_projections"),
                          " if this machine can hold them")


def brief(exc: BaseException, limit: int = 160) -> str:
    """A third-party parser's error as a short single line: its first line, cut to `limit` characters."""
    text = (str(exc).strip().splitlines() or [""])[0] or type(exc).__name__
    text = text if text.isprintable() else repr(text)[1:-1]
    return text if len(text) <= limit else text[:limit] + "…"
