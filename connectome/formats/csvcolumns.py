"""CSV/TSV tables as the edge-list and region readers see them: records, delimiter and named columns.

A table's columns are named by its header, or, without one (`no_header`), by position: ``"1"``, ``"2"``, …
The readers ask for columns by role (``source``, ``target``, ``strength``; ``name``, ``share``), each
found under one of a few names with case ignored and renamed to its role; every other column keeps its name.
A role may be optional: it is then left out when no column of its names exists, when its column already
serves another role, or (without a header) when a cell of it is not a number. The delimiter is the first
line's: a tab (TSV), else a comma, else runs of spaces (then without quoting). Line numbers count
physical lines.

Example
-------
>>> import io
>>> list(rows(io.StringIO("a,b,x\\nc,d,y\\n"), "e.csv", ("source", "target", "strength"),
...           names={"source": ("1",), "target": ("2",), "strength": ("3",)}, optional=("strength",),
...           no_header=True))
[(1, {'source': 'a', 'target': 'b', '3': 'x'}), (2, {'source': 'c', 'target': 'd', '3': 'y'})]
"""

from __future__ import annotations

import csv
import io
from typing import Callable, Iterator

from ..errors import Mention, located
from ..validation import key_problem
from .inputs import DECIMAL, Source, decode, read_bytes
from .limits import MAX_COLUMNS
from .options import OptionError

OPTION = {"source": "source_column", "target": "target_column", "strength": "weight_column"}
"""The reader option that names each role's column."""


def csv_records(text: str, where: str, delimiter: str, *, blank: bool = False) -> Iterator[tuple[int, list[str]]]:
    """(first physical line, cells) per record of RFC 4180 text (blank records only when `blank`).

    A quoted cell may span lines; a malformed record or a cell above the csv module's field limit
    (128 KiB) is a one-line InputError naming its line.

    Parameters
    ----------
    text : str
        The whole table.
    where : str
        The file, for messages.
    delimiter : str
        One character.
    blank : bool
        Yield blank records (as empty lists) too.

    Returns
    -------
    iterator of (int, list of str)

    Examples
    --------
    >>> list(csv_records('a,"b\\nc"\\n\\nd,e\\n', "f.csv", ","))
    [(1, ['a', 'b\\nc']), (4, ['d', 'e'])]
    """
    reader = csv.reader(io.StringIO(text, newline=""), strict=True, delimiter=delimiter)
    line = 1
    try:
        for row in reader:
            if row or blank:
                yield line, row
            line = reader.line_num + 1
    except csv.Error as exc:
        raise located(where, f"line {reader.line_num}", f"not valid CSV: {exc}") from None


def delimiter(text: str) -> str:
    """The first line's delimiter: a tab, else a comma, else runs of spaces (returned as " ").

    Examples
    --------
    >>> delimiter("a\\tb c\\n"), delimiter("a,b\\n"), delimiter("a  b 1\\n"), delimiter("a\\n")
    ('\\t', ',', ' ', ',')
    """
    first = text.lstrip("\ufeff").split("\n", 1)[0]
    if "\t" in first:
        return "\t"
    if "," in first or not first.strip() or len(first.split()) == 1:
        return ","
    return " "


def rows(source: Source, where: str, required: tuple[str, ...], reserved: tuple[str, ...] = (),
         names: dict[str, tuple[str, ...]] | None = None, *, optional: tuple[str, ...] = (),
         no_header: bool = False) -> Iterator[tuple[int, dict[str, str]]]:
    """(line, {column: cell}) for every non-blank data row, each checked against the columns.

    Parameters
    ----------
    source : path or file object
        The table.
    where : str
        The file, for messages.
    required : tuple of str
        The roles, in the order a header names them in messages.
    reserved : tuple of str
        Names no other column may have.
    names : dict or None
        Per role, the column names that may stand for it, in order of preference (default: the role's own).
    optional : tuple of str
        The roles that may be missing (see the module docstring).
    no_header : bool
        The first line is data; columns are named ``"1"``, ``"2"``, … by position.

    Returns
    -------
    iterator of (int, dict)

    Examples
    --------
    >>> import io
    >>> list(rows(io.StringIO("Name,share,x\\na,1,2\\n"), "r.csv", ("name", "share")))
    [(2, {'name': 'a', 'share': '1', 'x': '2'})]
    """
    text = decode(read_bytes(source), where)
    if not text.strip():
        raise located(where, "", "the file is empty")
    split = delimiter(text)
    if split == " ":  # no quoting between runs of spaces: one field per word
        text = "\n".join("\t".join(line.split()) for line in text.splitlines())
    records = csv_records(text, where, split if split != " " else "\t", blank=True)
    if no_header:
        records = [(line, row) for line, row in records if row]
        header = _positional(where, records, required, names or {}, optional)
    else:
        header = _named(where, next(records)[1], required, reserved, names or {}, optional)
    for line, row in records:
        if row:
            if len(row) != len(header):
                raise located(where, f"line {line}", f"expected {len(header)} fields, got {len(row)}")
            yield line, dict(zip(header, row))


def _named(where: str, header: list[str], required: tuple[str, ...], reserved: tuple[str, ...],
           names: dict[str, tuple[str, ...]], optional: tuple[str, ...]) -> list[str]:
    """The header line's columns, checked, with each role's column renamed to the role."""
    if not header:
        raise located(where, "line 1", f"is blank; expected the header {','.join(required)}[,extra…]")
    _check_header(where, header)
    header = _canonical(where, header, required, names, optional)
    for column in header:
        if column in reserved:
            raise located(where, "line 1", f"column {column!r} is a reserved name and cannot be an attribute")
    return header


def _positional(where: str, records: list[tuple[int, list[str]]], required: tuple[str, ...],
                names: dict[str, tuple[str, ...]], optional: tuple[str, ...]) -> list[str]:
    """Columns named "1", "2", … by the first row's width; an optional role's column must be all numbers."""
    if not records:
        raise located(where, "", "the file is empty")
    header = [str(i) for i in range(1, len(records[0][1]) + 1)]
    _check_header(where, header)

    def numeric(i: int) -> bool:
        return all(i < len(row) and DECIMAL.fullmatch(row[i]) for _, row in records)

    return _canonical(where, header, required, names, optional, usable=numeric, positional=True)


def _check_header(where: str, header: list[str]) -> None:
    """At most MAX_COLUMNS columns, each named by the rules of names and only once (in linear time)."""
    if len(header) > MAX_COLUMNS:
        raise located(where, "line 1", f"has {len(header):,} columns, above the limit of {MAX_COLUMNS:,}")
    seen: dict[str, int] = {}
    for i, column in enumerate(header, 1):
        if not column:
            raise located(where, "line 1", f"column {i} has no name")
        problem = key_problem(column)
        if problem:
            raise located(where, "line 1", f"column {i}: {problem.replace('attribute name', 'name', 1)}")
        if column in seen:
            raise located(where, "line 1", f"column {column!r} appears twice")
        seen[column] = i


def _canonical(where: str, header: list[str], required: tuple[str, ...], names: dict[str, tuple[str, ...]],
               optional: tuple[str, ...], *, usable: Callable[[int], bool] | None = None,
               positional: bool = False) -> list[str]:
    """The header with each role's column renamed to the role (found with case ignored)."""
    lower: dict[str, int] = {}
    for i, column in enumerate(header):
        lower.setdefault(column.lower(), i)
    position = {column: i for i, column in enumerate(header)}
    taken: dict[int, str] = {}
    for column in required:
        found = next((lower[c.lower()] for c in names.get(column, (column,)) if c.lower() in lower), None)
        if column in optional and found is not None and (found in taken or (usable and not usable(found))):
            found = None
        if found is None:
            if column in optional:
                continue
            raise _missing(where, header, column, required, names, positional)
        if found in taken:
            raise located(where, "line 1", f"column {header[found]!r} cannot be both {taken[found]} and {column}")
        if column in position and position[column] != found:
            raise located(where, "line 1", f"column {column!r} would be given twice")
        taken[found] = column
    return [taken.get(i, c) for i, c in enumerate(header)]


def _missing(where: str, header: list[str], column: str, required: tuple[str, ...],
             names: dict[str, tuple[str, ...]], positional: bool) -> OptionError:
    """The error for a role whose column is not there, naming the option that named it."""
    given = names.get(column, (column,))[0]
    default = str(required.index(column) + 1) if positional else column  # no header: roles in column order
    named = column in names and given.lower() != default and column in OPTION
    hint = (" (named by ", Mention(OPTION[column]), ")") if named else ()
    if positional:
        count = len(header)
        shown = "column, named 1" if count == 1 else f"columns, named 1 to {count}"
        return OptionError(f"{where}: line 1: no column {given!r}", *hint,
                           f": the rows have {count} {shown} by position")
    return OptionError(f"{where}: line 1: no {given!r} column", *hint, f" (expected {','.join(required)}[,extra…])")
