"""Reader options, and the errors that name them: a keyword parameter in Python, a flag on the command line.

A reader takes its options as keyword parameters (``labels_key="names"``); `ReaderOption` describes one
(its keyword, type and help, and the flag the command line gives it). An error about an option is an
`OptionError`: the library spells the option by its keyword, and the command line re-spells the same
error with its flags (`OptionError.spelled`), so neither layer writes the other's names.

Example
-------
>>> error = option_error("sc.mat", "labels_key", "no variable 'names'")
>>> str(error)
"sc.mat: labels_key: no variable 'names'"
>>> error.spelled({"labels_key": "--labels-key"}.get)
"sc.mat: --labels-key: no variable 'names'"
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Union

from ..errors import InputError

OptionType = Union[type, tuple[str, ...]]
"""An option's type: ``str``, ``int``, ``float``, ``bool`` (a flag), ``pathlib.Path`` (a file), or the tuple of
the values it may take."""

TYPES = (str, int, float, bool, Path)
_KEYWORD = re.compile(r"[a-z][a-z0-9_]*")
_FLAG = re.compile(r"--[a-z][a-z0-9-]*")


def default_flag(keyword: str) -> str:
    """The command-line flag of a keyword parameter that names none of its own: ``--`` and dashes.

    Parameters
    ----------
    keyword : str

    Returns
    -------
    str

    Examples
    --------
    >>> default_flag("strength_scale")
    '--strength-scale'
    """
    return "--" + keyword.replace("_", "-")


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
        What it does, one line, for ``--help``.
    flag : str
        The command-line flag [default: `default_flag` of the keyword].
    metavar : str or None
        The placeholder ``--help`` shows for its value (``COL``, ``N``).
    minimum : int or None
        The least value of an ``int`` option.

    Examples
    --------
    >>> ReaderOption("weight_column", str, "the strength column", flag="--weight", metavar="COL").flag
    '--weight'
    >>> ReaderOption("labels_key", str, "the names").flag
    '--labels-key'
    """

    keyword: str
    type: OptionType
    help: str
    flag: str = ""
    metavar: str | None = None
    minimum: int | None = None

    def __post_init__(self) -> None:
        if not _KEYWORD.fullmatch(self.keyword):
            raise ValueError(f"reader option {self.keyword!r}: a keyword is lower-case letters, digits and _")
        if not (self.type in TYPES or (isinstance(self.type, tuple) and self.type
                                       and all(isinstance(v, str) for v in self.type))):
            raise ValueError(f"reader option {self.keyword!r}: type must be one of str, int, float, bool, "
                             f"pathlib.Path or a tuple of the values it takes, got {self.type!r}")
        if self.minimum is not None and self.type is not int:
            raise ValueError(f"reader option {self.keyword!r}: only an int option has a minimum")
        object.__setattr__(self, "flag", self.flag or default_flag(self.keyword))
        if not _FLAG.fullmatch(self.flag):
            raise ValueError(f"reader option {self.keyword!r}: a flag is -- and lower-case letters, digits and -, "
                             f"got {self.flag!r}")


@dataclass(frozen=True)
class Mention:
    """An option named inside an error's text, with the value it would take if one is suggested.

    Examples
    --------
    >>> Mention("strength_scale", "0.1").spelled(), Mention("strength_scale", "0.1").spelled("--strength-scale")
    ('strength_scale=0.1', '--strength-scale 0.1')
    """

    keyword: str
    value: str | None = None

    def spelled(self, flag: str | None = None) -> str:
        """The keyword (``keyword=value``), or with `flag` the command line's ``--flag value``."""
        if flag is None:
            return self.keyword if self.value is None else f"{self.keyword}={self.value}"
        return flag if self.value is None else f"{flag} {self.value}"


class OptionError(InputError):
    """An InputError whose one line names reader options: by keyword, or by flag through `spelled`.

    Parameters
    ----------
    *parts : str or Mention
        The text of the message, with each option it names as a `Mention`.

    Examples
    --------
    >>> error = OptionError("m.npy: holds 9 entries; raise it with ", Mention("max_projections"))
    >>> str(error), error.keywords
    ('m.npy: holds 9 entries; raise it with max_projections', ('max_projections',))
    """

    def __init__(self, *parts: str | Mention) -> None:
        self.parts = parts
        super().__init__(self.spelled())

    @property
    def keywords(self) -> tuple[str, ...]:
        """The options the message names, in order."""
        return tuple(p.keyword for p in self.parts if isinstance(p, Mention))

    def spelled(self, flag: Callable[[str], str | None] | None = None) -> str:
        """The message with each option named by ``flag(keyword)`` (by its keyword where that gives None).

        Parameters
        ----------
        flag : callable or None
            From a keyword to its command-line flag; None keeps every keyword.

        Returns
        -------
        str

        Examples
        --------
        >>> OptionError("x.csv: ", Mention("source_column"), ": bad").spelled(lambda k: "--source")
        'x.csv: --source: bad'
        """
        return "".join(p if isinstance(p, str) else p.spelled(flag(p.keyword) if flag else None) for p in self.parts)


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
        The value given, shown after the option (``format=mat``, ``--format mat``).

    Returns
    -------
    OptionError

    Examples
    --------
    >>> str(option_error("", "format", "can be read, not written", value="mat"))
    'format=mat: can be read, not written'
    """
    return OptionError(*((f"{where}: ",) if where else ()), Mention(keyword, value), ": ", *message)
