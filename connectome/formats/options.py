"""Reader options, and the errors that name them: a keyword parameter in Python, a flag on the command line.

A reader takes its options as keyword parameters (``labels_key="names"``); `ReaderOption` describes one
(its keyword, type and help; the command line makes a flag of it). An error about an option is an
`OptionError`, which names the option by its keyword as a `connectome.errors.Mention`: the command line
spells the same error with its flags.

Example
-------
>>> error = option_error("sc.mat", "labels_key", "no variable 'names'")
>>> str(error), error.keywords
("sc.mat: labels_key: no variable 'names'", ('labels_key',))
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Union

from ..errors import InputError, Mention

OptionType = Union[type, tuple[str, ...]]
"""An option's type: ``str``, ``int``, ``float``, ``bool`` (a flag), ``pathlib.Path`` (a file), or the tuple of
the values it may take."""

TYPES = (str, int, float, bool, Path)
_KEYWORD = re.compile(r"[a-z][a-z0-9_]*")


@dataclass(frozen=True)
class ReaderOption:
    """One keyword parameter that some readers take, as Python and the command line show it.

    Parameters
    ----------
    keyword : str
        The reader's keyword parameter (``labels_key``).
    type : type or tuple of str
        ``str``, ``int``, ``float``, ``bool`` (a flag: given or not), ``pathlib.Path`` (a file), or the values
        it may take.
    help : str
        What it does, one line.
    metavar : str or None
        The placeholder a help text shows for its value (``COL``, ``N``).
    minimum : int or None
        The least value of an ``int`` option.
    multiple : bool
        A ``str`` option that may be given more than once (a sequence of values in Python).

    Examples
    --------
    >>> ReaderOption("labels_key", str, "the variable of region names", metavar="NAME").keyword
    'labels_key'
    """

    keyword: str
    type: OptionType
    help: str
    metavar: str | None = None
    minimum: int | None = None
    multiple: bool = False

    def __post_init__(self) -> None:
        if not _KEYWORD.fullmatch(self.keyword):
            raise ValueError(f"reader option {self.keyword!r}: a keyword is lower-case letters, digits and _")
        if not (self.type in TYPES or (isinstance(self.type, tuple) and self.type
                                       and all(isinstance(v, str) for v in self.type))):
            raise ValueError(f"reader option {self.keyword!r}: type must be one of str, int, float, bool, "
                             f"pathlib.Path or a tuple of the values it takes, got {self.type!r}")
        if self.minimum is not None and self.type is not int:
            raise ValueError(f"reader option {self.keyword!r}: only an int option has a minimum")
        if self.multiple and self.type is not str:
            raise ValueError(f"reader option {self.keyword!r}: only a str option may be given more than once")


class OptionError(InputError):
    """An InputError about a reader option, naming it (and any other) by keyword as a `Mention`.

    Examples
    --------
    >>> error = OptionError("m.npy: holds 9 entries; raise it with ", Mention("max_projections"))
    >>> str(error), error.keywords
    ('m.npy: holds 9 entries; raise it with max_projections', ('max_projections',))
    """


def option_error(where: str, keyword: str, *message: str | Mention, value: str | None = None) -> OptionError:
    """The one-line ``WHERE: KEYWORD: MESSAGE`` error about a reader option (as `errors.located` builds others).

    Parameters
    ----------
    where : str
        The file (empty: none).
    keyword : str
        The option at fault.
    *message : str or Mention
        What is wrong, naming other options as `Mention` s.
    value : str or None
        The value given, shown with the option (``format=mat``).

    Returns
    -------
    OptionError

    Examples
    --------
    >>> str(option_error("", "format", "can be read, not written", value="mat"))
    'format=mat: can be read, not written'
    """
    return OptionError(*((f"{where}: ",) if where else ()), Mention(keyword, value), ": ", *message)
