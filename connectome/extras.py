"""The optional parts of the install (extras), and the one-line error a feature gives when its extra is missing.

The base install (``pip install connectome-modeller``) stores, imports, exports, counts, simulates and
measures; each extra adds the packages of one feature:

* ``plots``: matplotlib, for ``plot …``, ``sweeps plot`` and the plots ``simulate`` draws (and scipy, which
  networkx's spring layout needs for 500 regions or more);
* ``sweeps``: Dask's ``distributed``, for ``sweep``;
* ``sonata``: h5py (and libsonata, to read or index the circuit), for ``realise``;
* ``mat``: scipy, for reading MATLAB ``.mat`` matrices;
* ``postgresql``: the psycopg 3 driver, for a ``postgresql+psycopg://`` store;
* ``notebook``: xarray and pandas, for ``SimulationResult.to_xarray``/``to_dataframe`` and sweep tables.

A feature used without its extra raises `MissingExtra`, which the CLI prints as one line naming the extra
and the command that installs it, with exit code 6.
"""

from __future__ import annotations

import importlib
from types import ModuleType

from .errors import ConnectomeError, Mention

DISTRIBUTION = "connectome-modeller"  # the name on the package index; `import connectome` is unchanged

# extra -> the modules its features import (each module is also the name of the distribution providing it)
EXTRAS: dict[str, tuple[str, ...]] = {
    "plots": ("matplotlib", "scipy"),
    "sweeps": ("distributed", "dask"),
    "sonata": ("h5py",),
    "mat": ("scipy",),
    "postgresql": ("psycopg",),
    "notebook": ("pandas", "xarray"),
}


class MissingExtra(ConnectomeError):
    """A feature whose optional dependencies are not installed: the message names the extra (exit code 6).

    Raised as the feature starts, before any work is done (`require` imports and raises; `missing` builds one).

    Attributes
    ----------
    exit_code : int
        6.

    Examples
    --------
    What ``sweep`` raises where Dask's ``distributed`` is not installed:

    >>> from connectome.extras import missing
    >>> error = missing("sweeps", "sweep", ModuleNotFoundError("No module named 'distributed'"))
    >>> print(error); error.exit_code
    sweep needs the optional 'sweeps' extra, which is not installed (No module named 'distributed'): pip install 'connectome-modeller[sweeps]'
    6
    """

    exit_code = 6


def install_command(extra: str) -> str:
    """The command that installs `extra`.

    Examples
    --------
    >>> install_command("plots")
    "pip install 'connectome-modeller[plots]'"
    """
    if extra not in EXTRAS:
        raise ValueError(f"no extra {extra!r} (extras: {', '.join(EXTRAS)})")
    return f"pip install '{DISTRIBUTION}[{extra}]'"


def missing(extra: str, feature: str | tuple[str | Mention, ...], reason: BaseException | str) -> MissingExtra:
    """The one-line error of `feature` used without `extra`, `reason` being the import's failure.

    `feature` is text, or the parts of a text naming parameters (``(Mention("url"), ": a PostgreSQL store")``).

    Examples
    --------
    >>> error = missing("plots", "plot matrix", ModuleNotFoundError("No module named 'matplotlib'"))
    >>> str(error).split(": pip")[0]
    "plot matrix needs the optional 'plots' extra, which is not installed (No module named 'matplotlib')"
    >>> str(error).split(": ")[-1], error.exit_code
    ("pip install 'connectome-modeller[plots]'", 6)
    """
    why = " ".join(str(reason).split()) or type(reason).__name__
    parts = (feature,) if isinstance(feature, str) else feature
    return MissingExtra(*parts, f" needs the optional {extra!r} extra, which is not installed ({why}): "
                        f"{install_command(extra)}")


def require(extra: str, feature: str, *modules: str) -> list[ModuleType]:
    """Import `modules` (default: those `extra` names first in `EXTRAS`), or raise `MissingExtra`.

    Parameters
    ----------
    extra : str
        A key of `EXTRAS`.
    feature : str
        What needs it, as the user asked for it (``"plot matrix"``, ``"sweep"``): the message starts with it.
    *modules : str
        The modules to import, each one of ``EXTRAS[extra]``; none given: the first of ``EXTRAS[extra]``
        (the one every feature of the extra needs).

    Returns
    -------
    list of module
        The imported modules.

    Raises
    ------
    MissingExtra
        When a module cannot be imported (not installed, or installed without its own dependencies).

    Examples
    --------
    >>> require("sonata", "realise")[0].__name__
    'h5py'
    """
    wanted = modules or EXTRAS[extra][:1]
    unknown = [m for m in wanted if m not in EXTRAS[extra]]
    if unknown:
        raise ValueError(f"extra {extra!r} does not provide {', '.join(unknown)}")
    try:
        return [importlib.import_module(m) for m in wanted]
    except ImportError as exc:
        raise missing(extra, feature, exc) from None
