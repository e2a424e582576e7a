"""Extensions: modules that register models, integrators, coupling functions, layouts, monitors or topology formats.

A plugin is an importable module whose import registers its parts (`connectome.sim.models.register_model`,
`connectome.sim.integrators.register`, `connectome.sim.coupling.register_function`,
`connectome.sim.layouts.register`, `connectome.sim.monitors.register`, `connectome.formats.register_format`).
The command line imports the modules named in `CONNECTOME_PLUGINS` (separated by commas) before it reads its
options; from Python, import the module.

Example:
    >>> load_plugins({"CONNECTOME_PLUGINS": ""})
    []
"""

from __future__ import annotations

import importlib
import os
from typing import Mapping

from .errors import InputError

VARIABLE = "CONNECTOME_PLUGINS"


def load_plugins(environ: Mapping[str, str] | None = None) -> list[str]:
    """Import every module named in `CONNECTOME_PLUGINS`; the names imported.

    A module that cannot be imported is an InputError naming it.

    Parameters
    ----------
    environ : mapping or None
        Where to find ``CONNECTOME_PLUGINS`` (module names separated by commas); None: `os.environ`.

    Returns
    -------
    list of str
        The modules imported, in order.

    Raises
    ------
    InputError
        A module that cannot be imported, whatever its own error.

    Examples
    --------
    >>> load_plugins({"CONNECTOME_PLUGINS": "json, colorsys"})
    ['json', 'colorsys']
    >>> load_plugins({"CONNECTOME_PLUGINS": "no_such_plugin"})
    Traceback (most recent call last):
    ...
    connectome.errors.InputError: CONNECTOME_PLUGINS: cannot import the plugin 'no_such_plugin': ModuleNotFoundError: No module named 'no_such_plugin'
    """
    environ = os.environ if environ is None else environ
    loaded = []
    for name in filter(None, (n.strip() for n in environ.get(VARIABLE, "").split(","))):
        _import(name, VARIABLE)
        loaded.append(name)
    return loaded


def _import(name: str, where: str) -> None:
    try:
        importlib.import_module(name)
    except Exception as exc:  # a plugin's own failure, whatever it is, is reported as the plugin's
        raise InputError(f"{where}: cannot import the plugin {name!r}: {type(exc).__name__}: {exc}") from None
