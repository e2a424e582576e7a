"""The registry of topology formats: each a `Format` record, added by `register_format`.

A format is a name, its file extensions, how to recognise its content (`sniff`) or its folders, and a plain
reader and writer as `networkx.readwrite` has them:

* ``reader(source, *, name=None, unbounded=False, **options) -> networkx.DiGraph``: `source` a path (or a
  file object where the format allows), `name` the topology's name instead of the file's, `unbounded` leaves
  the strengths' upper bounds to the caller (who rescales, then validates), `options` its `ReaderOption` s
  by keyword; a format that `scales` takes ``strength_scale`` too. It returns a validated graph and raises
  `connectome.errors.InputError` (an `OptionError` when an option is at fault) for anything wrong;
* ``writer(graph, target)``: writes a validated graph to a path (atomically, through `connectome.atomic`).

Everything else follows from the registry: `connectome.formats.read`, `write` and `detect`, and the
command line's format choices and reader options. The built-in formats are declared in
`connectome.formats.builtin`; a plugin (``CONNECTOME_PLUGINS``) registers its own on import. A reader or
writer may be given as ``"module:function"``, imported on first use, so that declaring a format costs no
import (the command line starts without networkx).

Example
-------
>>> fmt = format_named("csv")
>>> fmt.extensions, [o.keyword for o in fmt.options][:2]
(('.csv', '.tsv'), ['regions', 'source_column'])
"""

from __future__ import annotations

import importlib
import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Union

from ..errors import Mention
from .options import OptionError, ReaderOption, option_error

if TYPE_CHECKING:
    import networkx as nx

Function = Union[Callable[..., Any], str]
"""A function, or the ``"module:function"`` path of one, imported when first called."""

# keywords `connectome.formats.read` and every reader take themselves (or as their first argument), and the
# parameters the import command has of its own
RESERVED_KEYWORDS = ("name", "format", "normalise", "strength_scale", "unbounded", "path", "source", "file", "fmt",
                     "message", "dry_run", "as_json", "json", "help", "db")
_NAME = re.compile(r"[a-z0-9][a-z0-9-]*")
_EXTENSION = re.compile(r"\.[a-z0-9][a-z0-9._-]*")


def _resolved(function: Function) -> Callable[..., Any]:
    if callable(function):
        return function
    module, _, attribute = function.partition(":")
    return getattr(importlib.import_module(module), attribute)


@dataclass(frozen=True)
class Format:
    """A topology format: how files are recognised, read and written.

    Parameters
    ----------
    name : str
        What the ``format`` parameter calls it (lower-case letters, digits and ``-``).
    extensions : tuple of str
        The file extensions it claims (lower-case, with the dot); several formats may claim one, and `sniff`
        then chooses among them.
    reader, writer : callable, str or None
        The read and write functions (see the module), or ``"module:function"``; None when it cannot.
    options : tuple of ReaderOption
        The keyword options its reader takes beyond `name` and `unbounded`.
    sniff : callable or None
        ``sniff(head) -> bool``: whether a file starting with `head` (its first 512 bytes, without a UTF-8
        byte-order mark) is in this format.
    folder : callable, str or None
        ``folder(path) -> bool``: whether it reads the folder at `path`; None when it reads no folders.
    fallback : bool
        Read a file that no extension or `sniff` claims (one format at most).
    scales : bool
        Its reader takes ``strength_scale`` and applies it itself (TVB: exactly, on the numbers as written).

    Examples
    --------
    >>> Format("edges", (".edges",), reader="mymodule:read_edges").readable, Format("edges").writable
    (True, False)
    """

    name: str
    extensions: tuple[str, ...] = ()
    reader: Function | None = None
    writer: Function | None = None
    options: tuple[ReaderOption, ...] = ()
    sniff: Callable[[bytes], bool] | None = None
    folder: Function | None = None
    fallback: bool = False
    scales: bool = False

    @property
    def readable(self) -> bool:
        """Whether it has a reader."""
        return self.reader is not None

    @property
    def writable(self) -> bool:
        """Whether it has a writer."""
        return self.writer is not None

    def read_function(self) -> Callable[..., nx.DiGraph]:
        """Its reader, imported if named by path; an OptionError (``format``) when it has none."""
        if self.reader is None:
            raise option_error("", "format", f"can be written, not read (choose {', '.join(readable())})",
                               value=self.name)
        return _resolved(self.reader)

    def write_function(self) -> Callable[..., Any]:
        """Its writer, imported if named by path; an OptionError (``format``) when it has none."""
        if self.writer is None:
            raise option_error("", "format", f"can be read, not written (choose {', '.join(writable())})",
                               value=self.name)
        return _resolved(self.writer)

    def reads_folder(self, path: Path) -> bool:
        """Whether it reads the folder at `path`."""
        return self.folder is not None and bool(_resolved(self.folder)(path))


_FORMATS: dict[str, Format] = {}


def register_format(name: str, *, extensions: tuple[str, ...] = (), reader: Function | None = None,
                    writer: Function | None = None, options: tuple[ReaderOption, ...] = (),
                    sniff: Callable[[bytes], bool] | None = None, folder: Function | None = None,
                    fallback: bool = False, scales: bool = False) -> Format:
    """Add a format to the registry (the parameters are those of `Format`); the record added.

    Parameters
    ----------
    name : str
        Its name (lower-case letters, digits and ``-``), not yet registered.
    extensions : tuple of str
        The file extensions it claims (lower-case, with the dot).
    reader, writer : callable, str or None
        Its read and write functions, or ``"module:function"``; at least one of them.
    options : tuple of ReaderOption
        The keyword options its reader takes.
    sniff : callable or None
        ``sniff(head) -> bool``: whether a file's first bytes are in this format.
    folder : callable, str or None
        ``folder(path) -> bool``: whether it reads the folder at `path`.
    fallback : bool
        Read the files no extension or `sniff` claims (one format at most).
    scales : bool
        Its reader applies ``strength_scale`` itself.

    Returns
    -------
    Format
        The record registered.

    Raises
    ------
    ValueError
        For a name taken or malformed, a format with neither reader nor writer, a second fallback, or an
        option that is reserved or registered by another format with another type, flag or help.

    Examples
    --------
    >>> fmt = register_format("doc-example", extensions=(".docx-example",), reader=lambda path, **kw: None)
    >>> "doc-example" in readable(), unregister_format("doc-example") is fmt
    (True, True)
    >>> register_format("csv", reader=lambda path, **kw: None)
    Traceback (most recent call last):
    ...
    ValueError: format 'csv': already registered
    """
    fmt = Format(name, tuple(extensions), reader, writer, tuple(options), sniff, folder, fallback, scales)
    _check(fmt)
    _FORMATS[name] = fmt
    return fmt


def _check(fmt: Format) -> None:
    if not isinstance(fmt.name, str) or not _NAME.fullmatch(fmt.name):
        raise ValueError(f"format {fmt.name!r}: a name is lower-case letters, digits and -")
    if fmt.name in _FORMATS:
        raise ValueError(f"format {fmt.name!r}: already registered")
    if not (fmt.readable or fmt.writable):
        raise ValueError(f"format {fmt.name!r}: needs a reader or a writer")
    for extension in fmt.extensions:
        if not isinstance(extension, str) or not _EXTENSION.fullmatch(extension):
            raise ValueError(f"format {fmt.name!r}: an extension is a lower-case suffix with its dot, "
                             f"got {extension!r}")
    if fmt.fallback and any(f.fallback for f in _FORMATS.values()):
        raise ValueError(f"format {fmt.name!r}: {next(f.name for f in _FORMATS.values() if f.fallback)!r} is "
                         "already the fallback")
    known = {option.keyword: option for option, _ in reader_options().values()}
    if len({getattr(o, "keyword", o) for o in fmt.options}) != len(fmt.options):
        raise ValueError(f"format {fmt.name!r}: an option is listed twice")
    for option in fmt.options:
        if not isinstance(option, ReaderOption):
            raise ValueError(f"format {fmt.name!r}: options are ReaderOption records, got {option!r}")
        if option.keyword in RESERVED_KEYWORDS:
            raise ValueError(f"format {fmt.name!r}: option {option.keyword!r} is reserved")
        other = known.get(option.keyword)
        if other is not None and other != option:
            raise ValueError(f"format {fmt.name!r}: option {option.keyword!r} differs from the one "
                             "another format registered; share that ReaderOption or choose another keyword")


def unregister_format(name: str) -> Format:
    """Remove a format from the registry (a test's own, say); the record removed.

    Examples
    --------
    >>> _ = register_format("doc-example", reader=lambda path, **kw: None)
    >>> unregister_format("doc-example").name, "doc-example" in readable()
    ('doc-example', False)
    """
    format_named(name)
    return _FORMATS.pop(name)


def formats() -> tuple[Format, ...]:
    """Every registered format, in registration order.

    Examples
    --------
    >>> [f.name for f in formats()][:3]
    ['json', 'csv', 'graphml']
    """
    return tuple(_FORMATS.values())


def format_named(name: str) -> Format:
    """The format called `name`; an OptionError (``format``) naming the registered ones otherwise.

    Examples
    --------
    >>> format_named("tvb").scales
    True
    """
    if name not in _FORMATS:
        raise option_error("", "format", f"unknown format {name!r} (choose from {', '.join(_FORMATS)})")
    return _FORMATS[name]


def readable() -> tuple[str, ...]:
    """The names of the formats that can be read (the ``format`` of `connectome.formats.read`).

    Examples
    --------
    >>> readable()[:3]
    ('json', 'csv', 'graphml')
    """
    return tuple(name for name, fmt in _FORMATS.items() if fmt.readable)


def writable() -> tuple[str, ...]:
    """The names of the formats that can be written (the ``format`` of `connectome.formats.write`).

    Examples
    --------
    >>> "mat" in writable()
    False
    """
    return tuple(name for name, fmt in _FORMATS.items() if fmt.writable)


def reader_options() -> dict[str, tuple[ReaderOption, tuple[str, ...]]]:
    """Every reader option by keyword, in order of first registration, with the formats that take it.

    Examples
    --------
    >>> option, names = reader_options()["orientation"]
    >>> option.type, names
    (('row-source', 'row-target'), ('npy', 'matrix-csv', 'mat'))
    """
    found: dict[str, tuple[ReaderOption, tuple[str, ...]]] = {}
    for fmt in _FORMATS.values():
        for option in fmt.options:
            found[option.keyword] = (option, found.get(option.keyword, (option, ()))[1] + (fmt.name,))
    return found


def check_applicable(fmt: Format, options: dict[str, Any]) -> None:
    """Refuse an option `fmt`'s reader does not take, naming the formats that do (an OptionError).

    Examples
    --------
    >>> check_applicable(format_named("json"), {"weight_column": "w"})
    Traceback (most recent call last):
    ...
    connectome.formats.options.OptionError: weight_column: applies only to csv files, not json
    """
    known = reader_options()
    for keyword in options:
        if keyword not in known:
            raise TypeError(f"read() got an unexpected keyword argument {keyword!r} (reader options: "
                            f"{', '.join(known)})")
        names = known[keyword][1]
        if fmt.name not in names:
            raise OptionError(Mention(keyword), f": applies only to {'/'.join(names)} files, not {fmt.name}")
