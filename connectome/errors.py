"""One exception hierarchy; each error carries the exit code the CLI maps it to.

An error's text names the parameters at fault by their Python keywords (``dt_ms``); each one stands in the
message as a `Mention`, so that the command line can spell the same message with its own flags
(`connectome.cli.flags`) through `ConnectomeError.spelled`. Neither layer writes the other's names.

Example
-------
>>> error = InputError(Mention("dt_ms"), ": must be > 0, got -1")
>>> str(error)
'dt_ms: must be > 0, got -1'
>>> error.spelled(str.upper)
'DT_MS: must be > 0, got -1'
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Union

FlagOf = Callable[[str], Union[str, None]]
"""From a keyword to the command-line flag that gives it (None: the command line has none)."""


@dataclass(frozen=True)
class Mention:
    """A parameter named inside a message, with the entry (`key`) or the value it names, if any.

    Parameters
    ----------
    keyword : str
        The Python keyword (``dt_ms``, ``params``).
    value : str or None
        A value given or suggested (``max_steps=10``).
    key : str or None
        An entry of a mapping parameter (``params['tau']``).

    Examples
    --------
    >>> Mention("strength_scale", "0.1").spelled(), Mention("strength_scale", "0.1").spelled("SCALE")
    ('strength_scale=0.1', 'SCALE 0.1')
    >>> Mention("noise", "0.001", key="E").spelled(), Mention("noise", "0.001", key="E").spelled("NOISE")
    ("noise={'E': 0.001}", 'NOISE E=0.001')
    >>> Mention("params", key="tau").spelled(), Mention("params", key="tau").spelled("PARAM")
    ("params['tau']", 'PARAM tau')
    """

    keyword: str
    value: str | None = None
    key: str | None = None

    def spelled(self, flag: str | None = None) -> str:
        """Python's spelling (`flag` None), or the command line's with `flag`."""
        if flag is not None:
            entry = self.key if self.value is None else self.value if self.key is None else f"{self.key}={self.value}"
            return flag if entry is None else f"{flag} {entry}"
        if self.key is None:
            return self.keyword if self.value is None else f"{self.keyword}={self.value}"
        if self.value is None:
            return f"{self.keyword}[{self.key!r}]"
        return f"{self.keyword}={{{self.key!r}: {self.value}}}"


class Spelled:
    """A message made of text and `Mention` s (its ``args``): ``str()`` names keywords, `spelled` flags."""

    args: tuple

    def __str__(self) -> str:
        return self.spelled()

    @property
    def keywords(self) -> tuple[str, ...]:
        """The parameters the message names, in order."""
        return tuple(p.keyword for p in self.args if isinstance(p, Mention))

    def spelled(self, flag: FlagOf | None = None) -> str:
        """The message with each parameter named by ``flag(keyword)`` (by its keyword where that gives None).

        Parameters
        ----------
        flag : callable or None
            From a keyword to its command-line flag; None keeps every keyword.

        Returns
        -------
        str

        Examples
        --------
        >>> InputError("x.csv: ", Mention("source_column"), ": bad").spelled(lambda k: "SOURCE")
        'x.csv: SOURCE: bad'
        """
        return "".join(p.spelled(flag(p.keyword) if flag else None) if isinstance(p, Mention) else str(p)
                       for p in self.args)


class ConnectomeError(Spelled, Exception):
    """Base of every error the library raises on purpose; `exit_code` is the CLI's exit status.

    Its arguments are the message's parts: text, and a `Mention` for each parameter it names.

    Attributes
    ----------
    exit_code : int
        1 here (an error no subclass describes); each subclass sets its own.

    Examples
    --------
    >>> from connectome import parse_count
    >>> try:
    ...     parse_count("ten")
    ... except ConnectomeError as error:
    ...     print(type(error).__name__, error.exit_code, error)
    InputError 2 neurons: must be a whole number ≥ 1, got 'ten'
    """

    exit_code = 1


class InputError(ConnectomeError):
    """Bad input or usage: a file, a field, an argument (exit code 2).

    Attributes
    ----------
    exit_code : int
        2.

    Examples
    --------
    >>> from connectome import build_graph, validate
    >>> g = build_graph("pair", [("a", {"share": 1.0}), ("b", {"share": 1.0})], [("a", "b", {"strength": -0.2})])
    >>> validate(g, "pair.json")
    Traceback (most recent call last):
    ...
    connectome.errors.InputError: pair.json: projection 'a' -> 'b'.strength: must be > 0, got -0.2
    >>> InputError.exit_code
    2
    """

    exit_code = 2


class ReferenceNotFound(InputError):
    """A topology reference that names no version, or more than one (exit code 2).

    Raised by `connectome.store.Store.resolve`, and so by `Store.load` and the other methods that resolve one.

    Attributes
    ----------
    exit_code : int
        2, as an `InputError`.

    Examples
    --------
    >>> import os, tempfile
    >>> from connectome import Store
    >>> store = Store(os.path.join(tempfile.mkdtemp(), "demo.db"))
    >>> store.resolve("pair@v2")
    Traceback (most recent call last):
    ...
    connectome.errors.ReferenceNotFound: pair@v2: no topology named 'pair' (see `topology list`)
    >>> store.close(); ReferenceNotFound.exit_code
    2
    """


class ResourceError(InputError):
    """A run too big to start: more memory than this machine has, more steps than `max_steps`, more than a week
    of computing, or a realised circuit beyond `max_edges` or the free disk (exit code 2).

    Attributes
    ----------
    exit_code : int
        2, as an `InputError`.

    Examples
    --------
    >>> import networkx as nx
    >>> from connectome import simulate
    >>> g = nx.DiGraph(); g.add_node("a", share=1.0)
    >>> simulate(g, model="linear", duration_ms=1000.0, dt_ms=0.01, max_steps=1000)
    Traceback (most recent call last):
    ...
    connectome.errors.ResourceError: duration_ms/dt_ms: 1000 ms in steps of 0.01 ms is 100,000 steps, more than the 1,000 allowed; use a larger dt_ms, or raise max_steps
    >>> ResourceError.exit_code
    2
    """


class DatabaseError(ConnectomeError):
    """The database cannot be used as it is: schema behind, ahead or foreign (exit code 3).

    Raised when a `connectome.store.Store` opens it, or when an operation finds it unusable.

    Attributes
    ----------
    exit_code : int
        3.

    Examples
    --------
    >>> import os, sqlite3, tempfile
    >>> from connectome import Store
    >>> path = os.path.join(tempfile.mkdtemp(), "notes.db")
    >>> sqlite3.connect(path).execute("CREATE TABLE notes (text)").connection.close()
    >>> Store(path)
    Traceback (most recent call last):
    ...
    connectome.errors.DatabaseError: sqlite:///.../notes.db: not a connectome database (it has tables notes and no schema revision)
    >>> DatabaseError.exit_code
    3
    """

    exit_code = 3


class NoDatabase(DatabaseError):
    """A store opened for reading whose SQLite file does not exist; nothing was created (exit code 3)."""


class VerificationFailed(ConnectomeError):
    """Stored content no longer matches its content hash: tampered with, or written by a faulty tool (exit code 4)."""

    exit_code = 4


def located(source: object, where: str | Mention, *message: str | Mention) -> InputError:
    """Build the one-line `SOURCE: WHERE: MESSAGE` error every reader raises.

    Examples
    --------
    >>> str(located("m.csv", "line 3", "not a number"))
    'm.csv: line 3: not a number'
    >>> located("", Mention("labels_key"), "no variable 'names'").spelled(str.upper)
    "LABELS_KEY: no variable 'names'"
    """
    prefix = (f"{source}: ",) if source else ()
    return InputError(*prefix, *((where, ": ") if where else ()), *message)


class ConnectomeWarning(Spelled, UserWarning):
    """Something a reader or writer did that the user should know of (the CLI prints it as `warning: …`).

    Its arguments are text and `Mention` s, as a `ConnectomeError`'s; warn with an instance
    (``warnings.warn(ConnectomeWarning(…))``) for the command line to spell its flags.
    """
