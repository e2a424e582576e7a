"""Edge-list rows as real files have them: a row filter, repeated pairs, padded names and signed weights.

* `where`: ``COLUMN=VALUE`` conditions (a string, a sequence of them, or a mapping of column to value or
  values); a row is read when, for every column named, its cell (without surrounding spaces) is one of
  the values given for that column. The column is found as written, else with case ignored.
* `duplicates`: what rows of one source and target become: ``error`` (refused, naming both lines),
  ``sum`` (one projection of their weights' sum, in decimal arithmetic from the numbers as written),
  ``max`` (the row of the largest absolute weight, the first on ties) or ``first`` (the first row).
  Summed rows keep the extra attributes they agree on; one that differs (a ``Type`` of chemical and
  electrical) is dropped, and a warning says so.
* Region names lose surrounding whitespace (cect's ``herm_full_edgelist.csv`` pads them), and one
  warning says how many distinct names were stripped.
* A negative weight is a projection of strength |weight| and ``sign`` -1; when the file has one, every
  other projection gets ``sign`` 1 unless a ``sign`` column gives it.

Example
-------
>>> conditions("Type=chemical", "e.csv")
{'Type': {'chemical'}}
"""

from __future__ import annotations

import decimal
import warnings
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from ..errors import ConnectomeWarning, Mention, located
from .builtin import DUPLICATE_RULES
from .options import option_error

_SUM = decimal.Context(prec=60)


def conditions(where: Any, file: str) -> dict[str, set[str]]:
    """The `where` option as {column: accepted values}; an OptionError naming ``where`` when malformed.

    Parameters
    ----------
    where : str, sequence of str, mapping or None
        ``"COLUMN=VALUE"`` text(s), or {column: value or values}.
    file : str
        The edge list, for messages.

    Returns
    -------
    dict

    Examples
    --------
    >>> conditions(["Type=chemical", "Type=electrical", "x = 1"], "e.csv") == {"Type": {"chemical", "electrical"},
    ...                                                                     "x": {"1"}}
    True
    >>> conditions("Type", "e.csv")
    Traceback (most recent call last):
    ...
    connectome.formats.options.OptionError: e.csv: where: expected COLUMN=VALUE, got 'Type'
    """
    found: dict[str, set[str]] = {}
    if where is None:
        return found
    if isinstance(where, Mapping):
        pairs = [(c, v) for c, vs in where.items() for v in ([vs] if isinstance(vs, str) else vs)]
    else:
        pairs = []
        for text in [where] if isinstance(where, str) else list(where):
            column, equals, value = str(text).partition("=")
            if not equals or not column.strip():
                raise option_error(file, "where", f"expected COLUMN=VALUE, got {text!r}")
            pairs.append((column, value))
    for column, value in pairs:
        found.setdefault(str(column).strip(), set()).add(str(value).strip())
    return found


def resolved(wanted: dict[str, set[str]], header: list[str], file: str) -> dict[str, set[str]]:
    """The conditions with each column as the header names it (as written, else with case ignored).

    Examples
    --------
    >>> resolved({"type": {"gap"}}, ["source", "Type"], "e.csv")
    {'Type': {'gap'}}
    """
    out: dict[str, set[str]] = {}
    lower = {c.lower(): c for c in reversed(header)}
    for column, values in wanted.items():
        actual = column if column in header else lower.get(column.lower())
        if actual is None:
            raise option_error(file, "where", f"no column {column!r} (columns: {', '.join(header)})")
        out.setdefault(actual, set()).update(values)
    return out


def kept(cells: dict[str, str], wanted: dict[str, set[str]]) -> bool:
    """Whether a row meets every condition.

    Examples
    --------
    >>> kept({"Type": " chemical "}, {"Type": {"chemical"}}), kept({"Type": "gap"}, {"Type": {"chemical"}})
    (True, False)
    """
    return all(cells[column].strip() in values for column, values in wanted.items())


@dataclass
class Names:
    """Region names without surrounding whitespace, counting the distinct cells that had some."""

    padded: set[str] = field(default_factory=set)

    def __call__(self, file: str, line: int, column: str, cell: str) -> str:
        """The name in `cell`, stripped; an empty one is refused.

        Examples
        --------
        >>> names = Names(); names("e.csv", 2, "source", " AVAL  "), len(names.padded)
        ('AVAL', 1)
        """
        name = cell.strip()
        if not name:
            raise located(file, f"line {line}", f"{column}: must be a non-empty region name, got {cell!r}")
        if name != cell:
            self.padded.add(cell)
        return name

    def warn(self, file: str, regions: int) -> None:
        """One warning saying how many distinct names were stripped (none when none was)."""
        if self.padded:
            count = len(self.padded)
            warnings.warn(ConnectomeWarning(
                f"{file}: stripped the surrounding spaces of {count:,} region name{'s' if count > 1 else ''} "
                f"as written ({regions:,} regions)"), stacklevel=3)


@dataclass
class Pair:
    """The rows read so far for one source and target."""

    line: int
    weight: decimal.Decimal
    attrs: dict[str, Any]
    rows: int = 1
    dropped: set[str] = field(default_factory=set)


def signed(file: str, line: int, cell: str, attrs: dict[str, Any]) -> decimal.Decimal:
    """The weight as written (a decimal, non-zero); a negative one beside a ``sign`` column is refused."""
    value = decimal.Decimal(cell)
    if value < 0 and "sign" in attrs:
        raise located(file, f"line {line}", f"strength: {cell} is negative and the row has a sign too: give one "
                                            "or the other")
    return value


def add(pairs: dict[tuple[str, str], Pair], key: tuple[str, str], row: Pair, rule: str, file: str) -> None:
    """Record `row` for `key`, combining it with an earlier row of the same pair by `rule` (`DUPLICATE_RULES`)."""
    first = pairs.get(key)
    if first is None:
        pairs[key] = row
        return
    if rule == "error":
        raise located(file, f"line {row.line}",
                      f"duplicate projection {key[0]!r} -> {key[1]!r} (first on line {first.line})")
    first.rows += 1
    if rule == "max" and abs(row.weight) > abs(first.weight):
        first.weight, first.attrs = row.weight, row.attrs
    elif rule == "sum":
        first.weight = _SUM.add(first.weight, row.weight)
        for k in [k for k in first.attrs if row.attrs.get(k, None) != first.attrs[k]] + \
                 [k for k in row.attrs if k not in first.attrs]:
            first.attrs.pop(k, None)
            first.dropped.add(k)


def projections(pairs: dict[tuple[str, str], Pair], rule: str, file: str) -> dict[tuple[str, str], dict[str, Any]]:
    """Each pair's attributes with its strength (|weight|) and, in a signed file, its sign; warns of merges."""
    signed_file = any(p.weight < 0 for p in pairs.values())
    out: dict[tuple[str, str], dict[str, Any]] = {}
    for key, pair in pairs.items():
        if pair.weight == 0:
            raise located(file, f"line {pair.line}", f"the weights of {key[0]!r} -> {key[1]!r} sum to 0")
        attrs = {"strength": float(abs(pair.weight)), **pair.attrs}
        if signed_file and "sign" not in attrs:
            attrs["sign"] = -1 if pair.weight < 0 else 1
        out[key] = attrs
    merged = [p for p in pairs.values() if p.rows > 1]
    if merged:
        how = {"sum": "the sum of their weights", "max": "the row of the largest weight", "first": "the first row"}
        dropped = sorted(set().union(*(p.dropped for p in merged)))
        note = f"; dropped {', '.join(map(repr, dropped))}, which the merged rows do not agree on" if dropped else ""
        warnings.warn(ConnectomeWarning(
            f"{file}: {sum(p.rows for p in merged):,} rows became {len(merged):,} projections by ",
            Mention("duplicates", rule), f" ({how[rule]}){note}"), stacklevel=3)
    return out
