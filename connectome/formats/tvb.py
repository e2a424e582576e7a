"""The Virtual Brain (TVB) region connectivity: a zip (or a folder) of whitespace-separated text files.

The layout is the one tvb-data ships (``connectivity_76.zip``, ``connectivity_192.zip``, ...) and
tvb-library's ``Connectivity.from_file`` reads:

- ``weights.txt``: an n×n matrix. **Orientation: ``weights[i, j]`` is the connection FROM region j TO
  region i** (row = target, column = source; tvb-library's coupling sums ``W[i, :] · x`` into node i).
  Every non-zero cell becomes the projection j → i with ``strength = weight × strength_scale``;
  the diagonal gives self-loops. The product is taken on the numbers as written (0.1 × 3 is 0.3).
  A strength above 1000 (connections per 1000 neuron pairs) is refused, naming the cell and the
  ``strength_scale`` parameter that would bring the largest weight to 1000.
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

Three layers: `archive` opens the zip or folder safely (its limits on hostile input: an archive
above 64 MiB, or whose central directory lists more than 64 members or takes more than 1 MiB; unsafe or
repeated member names; TVB files in more than one folder; zip and bz2 bombs; each refusal an
``InputError`` naming the file and member, nothing written anywhere), `textmatrix` parses the text
matrices and columns (naming the line and column of anything wrong), and this module makes the topology
of them and writes it back. A legitimate member of up to 256 MiB is read whole into memory; tvb-data's
largest (998 regions) is 16 MB.

Example::

    >>> g = read_tvb("connectivity_76.zip")            # doctest: +SKIP
    >>> g.number_of_nodes(), g.number_of_edges()       # doctest: +SKIP
    (76, 1560)
    >>> g.edges["rA1", "rA2"]    # weights.txt row 2 (rA2), column 1 (rA1)     # doctest: +SKIP
    {'strength': 3.0, 'tract_length': 20.330072}
"""

from __future__ import annotations

import decimal
import io
import os
import warnings
import zipfile
from pathlib import Path
from typing import Any, Iterator, NamedTuple

import networkx as nx

from ..atomic import open_output
from ..errors import ConnectomeWarning, located
from ..numeric import check_positive, is_number
from ..graph import build_graph
from ..validation import validate
from .archive import Member, classify, members
from .inputs import Source, file_stem, label
from .options import option_error
from .textmatrix import Rows, lines, number, tract_lengths, triples, vector, weights

# file name (lower case, without .bz2) -> the role it plays
ROLES = {
    "weights.txt": "weights",
    "tract_lengths.txt": "tract_lengths",
    "centres.txt": "centres",
    "centers.txt": "centres",
    "areas.txt": "areas",
    "cortical.txt": "cortical",
    "hemispheres.txt": "hemispheres",
    "average_orientations.txt": "orientations",
}
ORIENTATION_KEYS = ("orientation_x", "orientation_y", "orientation_z")


class _Parsed(NamedTuple):
    """The parsed files of a connectivity: weights per target row, centres, and the optional columns."""

    weights: Rows
    centres: list[tuple[str, float, float, float]]
    tracts: list[list[float]] | None
    vectors: dict[str, list[float]]
    orientations: list[tuple[float, float, float]] | None


# ---------------------------------------------------------------- reading


def _centres(data: bytes | bytearray, file: str, n: int, weights_file: str) -> list[tuple[str, float, float, float]]:
    """(label, x, y, z) per region of centres.txt: unique UTF-8 labels, one a line, as many as `n`."""
    regions = []
    first_line: dict[str, int] = {}
    for line, text in lines(data, file, n):
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
        x, y, z = (number(tokens[c], file, line, c + 1) for c in (1, 2, 3))
        regions.append((name, x, y, z))
    if len(regions) != n:
        raise located(file, "", f"lists {len(regions)} regions, but {weights_file} is {n}×{n}")
    return regions


def _parse(found: dict[str, Member], where: str, container: str, scale: float, unbounded: bool) -> _Parsed:
    """Every TVB file of the connectivity parsed, weights.txt and centres.txt required."""
    for role, file_name in (("weights", "weights.txt"), ("centres", "centres.txt")):
        if role not in found:
            raise located(where, "", f"no {file_name} (or {file_name}.bz2) in the {container}")
    rows = weights(found["weights"].load(), found["weights"].label, scale, unbounded)
    n, weights_name = len(rows), found["weights"].name
    centres = _centres(found["centres"].load(), found["centres"].label, n, weights_name)
    tracts = None
    if "tract_lengths" in found:
        tracts = tract_lengths(found["tract_lengths"].load(), found["tract_lengths"].label, rows, weights_name)
    vectors = {role: vector(found[role].load(), found[role].label, n, what)
               for role, what in (("areas", "area"), ("cortical", "flag"), ("hemispheres", "flag")) if role in found}
    orientations = None
    if "orientations" in found:
        orientations = triples(found["orientations"].load(), found["orientations"].label, n)
    return _Parsed(rows, centres, tracts, vectors, orientations)


def _regions(parsed: _Parsed, shares: list[float]) -> list[tuple[str, dict[str, Any]]]:
    """(label, attributes) of each region, in centres.txt order."""
    regions = []
    areas, vectors = parsed.vectors.get("areas"), parsed.vectors
    for k, (region, x, y, z) in enumerate(parsed.centres):
        attrs: dict[str, Any] = {"share": shares[k], "x": x, "y": y, "z": z}
        if areas is not None:
            attrs["area"] = areas[k]
        if "cortical" in vectors:
            attrs["cortical"] = vectors["cortical"][k] == 1
        if "hemispheres" in vectors:
            attrs["hemisphere"] = vectors["hemispheres"][k] == 1
        if parsed.orientations is not None:
            attrs.update(zip(ORIENTATION_KEYS, parsed.orientations[k]))
        regions.append((region, attrs))
    return regions


def _projections(parsed: _Parsed) -> Iterator[tuple[str, str, dict[str, Any]]]:
    """(source, target, attributes) of each non-zero weight: weights[i, j] is the projection j → i."""
    labels = [region for region, *_ in parsed.centres]
    for target, (columns, strengths) in enumerate(parsed.weights):
        lengths = parsed.tracts[target] if parsed.tracts is not None else None
        for k, (source_index, strength) in enumerate(zip(columns, strengths)):
            attrs: dict[str, Any] = {"strength": strength}
            if lengths is not None and lengths[k] > 0:
                attrs["tract_length"] = lengths[k]
            yield labels[source_index], labels[target], attrs


def read_tvb(source: Source, *, name: str | None = None, strength_scale: float = 1.0,
             unbounded: bool = False) -> nx.DiGraph:
    """Read a TVB connectivity (zip path, binary zip file object, or folder) into a topology graph.

    Parameters
    ----------
    source : str, os.PathLike or binary file object
        The zip or folder.
    name : str or None
        The topology's name [default: the zip's or folder's stem, else the folder inside the zip].
    strength_scale : float
        Multiplies every weight into a strength (connections per 1000 neuron pairs).
    unbounded : bool
        Leave the strengths' upper bound to the caller (who rescales, then validates).

    Returns
    -------
    networkx.DiGraph
        Validated: regions in centres.txt order, projection j → i for every non-zero ``weights[i, j]``.

    Raises
    ------
    InputError
        Naming the file and line, for anything broken or hostile (an OptionError for `name` or
        `strength_scale`).

    Examples
    --------
    >>> buffer = io.BytesIO()
    >>> with zipfile.ZipFile(buffer, "w") as z:
    ...     z.writestr("weights.txt", "0 0\\n0.5 0\\n"); z.writestr("centres.txt", "A 0 0 0\\nB 1 0 0\\n")
    >>> read_tvb(buffer, name="pair", strength_scale=2).edges["A", "B"]
    {'strength': 1.0}
    """
    where = label(source)
    problem = check_positive(strength_scale)
    if problem:
        raise option_error(where, "strength_scale", problem)
    if name is not None and (not isinstance(name, str) or not name.strip()):
        raise option_error(where, "name", f"must be a non-empty string, got {name!r}")
    is_folder = isinstance(source, (str, os.PathLike)) and Path(source).is_dir()
    with members(source, where, ROLES.get) as (found, folder):
        parsed = _parse(found, where, "folder" if is_folder else "archive", strength_scale, unbounded)
    areas = parsed.vectors.get("areas")
    shares = _shares(areas, len(parsed.weights), found["areas"].label if areas is not None else where)
    topo_name = name if name is not None else file_stem(source) or folder or "connectivity"
    graph = build_graph(topo_name, _regions(parsed, shares), _projections(parsed))
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
    """True for a zip file, or a folder holding weights.txt or weights.txt.bz2 (for format detection).

    Examples
    --------
    >>> import tempfile
    >>> looks_like_tvb(tempfile.mkdtemp())
    False
    """
    p = Path(path)
    try:
        if p.is_dir():
            return any(classify(e.name, ROLES.get)[0] == "weights" and e.is_file() for e in os.scandir(p))
        return zipfile.is_zipfile(p)
    except OSError:
        return False


# ---------------------------------------------------------------- writing


def _text(value: float) -> str:
    return "0" if value == 0 else repr(float(value))


def _flag(where: str, region: str, key: str, value: Any) -> str:
    if isinstance(value, bool) or (is_number(value) and value in (0, 1)):
        return "1" if value else "0"
    raise located(where, f"region {region!r}.{key}", f"must be true/false or 0/1 for TVB, got {value!r}")


def _float(where: str, region: str, key: str, value: Any) -> float:
    """A region's attribute as the float TVB writes, refused when it is not a number or too large."""
    if not is_number(value):
        raise located(where, f"region {region!r}.{key}", f"must be a number for TVB, got {value!r}")
    try:
        return float(value)
    except OverflowError:
        raise located(where, f"region {region!r}.{key}", f"too large for TVB, got {value!r}") from None


def _centres_text(graph: nx.DiGraph, where: str) -> str:
    """centres.txt: ``label x y z`` a line (a missing coordinate written as 0)."""
    out = []
    for region, attrs in graph.nodes(data=True):
        if any(ch.isspace() for ch in region):
            raise located(where, f"region {region!r}", "TVB's centres.txt cannot carry a label containing "
                                                       "whitespace; rename the region")
        if region.startswith("#"):
            raise located(where, f"region {region!r}", "TVB's centres.txt takes a line starting with '#' for "
                                                       "a comment; rename the region")
        coords = [0.0 if attrs.get(k) is None else _float(where, region, k, attrs[k]) for k in "xyz"]
        out.append(" ".join([region, *map(_text, coords)]) + "\n")
    return "".join(out)


def _matrices(graph: nx.DiGraph, where: str) -> tuple[str, str]:
    """weights.txt and tract_lengths.txt: row = target, column = source."""
    index = {region: k for k, region in enumerate(graph.nodes)}
    n = len(index)
    strengths = [["0"] * n for _ in range(n)]
    tracts = [["0"] * n for _ in range(n)]
    for s, t, attrs in graph.edges(data=True):
        strengths[index[t]][index[s]] = _text(attrs["strength"])
        length = attrs.get("tract_length")
        if length is not None:
            if not is_number(length) or length < 0:
                raise located(where, f"projection {s!r} -> {t!r}.tract_length",
                              f"must be a number ≥ 0 for TVB, got {length!r}")
            tracts[index[t]][index[s]] = _text(length)
    return tuple("".join(" ".join(row) + "\n" for row in rows) for rows in (strengths, tracts))


def _columns(graph: nx.DiGraph, where: str) -> list[tuple[str, str]]:
    """areas.txt (the shares, or the areas when they give the shares), cortical.txt, hemispheres.txt and
    average_orientations.txt, each when the graph has it for every region."""
    names, nodes = list(graph.nodes), graph.nodes
    shares = [_float(where, r, "share", nodes[r]["share"]) for r in names]
    areas = [nodes[r].get("area") for r in names]
    if all(is_number(a) and a >= 0 for a in areas):
        areas_f = [float(a) for a in areas]
        column = areas_f if _filled(areas_f)[0] == shares else shares
    elif all(a is None for a in areas) and all(s == 1.0 for s in shares):
        column = None
    else:
        column = shares
    members = [] if column is None else [("areas.txt", "".join(_text(a) + "\n" for a in column))]

    def present(key: str) -> bool:
        return all(nodes[r].get(key) is not None for r in names)

    for key, member in (("cortical", "cortical.txt"), ("hemisphere", "hemispheres.txt")):
        if present(key):
            members.append((member, "".join(_flag(where, r, key, nodes[r][key]) + "\n" for r in names)))
    if all(present(key) for key in ORIENTATION_KEYS):
        members.append(("average_orientations.txt", "".join(
            " ".join(_text(_float(where, r, key, nodes[r][key])) for key in ORIENTATION_KEYS) + "\n" for r in names)))
    return members


def _render(graph: nx.DiGraph, where: str) -> list[tuple[str, str]]:
    """The (member name, text) pairs of a TVB zip for a validated graph."""
    centres = _centres_text(graph, where)
    strengths, tracts = _matrices(graph, where)
    return [("weights.txt", strengths), ("tract_lengths.txt", tracts), ("centres.txt", centres),
            *_columns(graph, where)]


def write_tvb(graph: nx.DiGraph, target: Source) -> None:
    """Write a topology as a TVB connectivity zip (path, replaced atomically, or binary file object).

    ``weights[i, j]`` is the strength of the projection j → i; see the module docstring for what
    TVB cannot carry. Everything is checked before a byte is written.

    Parameters
    ----------
    graph : networkx.DiGraph
    target : str, os.PathLike or binary file object

    Examples
    --------
    >>> g = nx.DiGraph(name="pair"); g.add_nodes_from("AB", share=1.0); g.add_edge("A", "B", strength=0.5)
    >>> buffer = io.BytesIO(); write_tvb(g, buffer)
    >>> zipfile.ZipFile(buffer).read("weights.txt")
    b'0 0\\n0.5 0\\n'
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
