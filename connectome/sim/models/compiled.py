"""The compiled derivatives of the neural-mass models, by their `code`: one switch the kernels call.

Numba cannot cache a kernel that takes a function as an argument, so the kernels take the model's
code and this switch calls its `dfun` (plain Python in the model's module, which imports no numba, compiled
here); a new model adds its module and one branch here.
"""

from __future__ import annotations

import numba

from .. import compile as _cache_folder  # noqa: F401  (the engine's cache folder, before any kernel)
from . import jansen_rit, kuramoto, linear, montbrio, wilson_cowan, wong_wang


def _compiled(module):
    return numba.njit(cache=True, nogil=True, error_model="numpy")(module.dfun)


_linear, _kuramoto, _wilson_cowan = _compiled(linear), _compiled(kuramoto), _compiled(wilson_cowan)
_wong_wang, _montbrio, _jansen_rit = _compiled(wong_wang), _compiled(montbrio), _compiled(jansen_rit)


@numba.njit(cache=True, nogil=True, error_model="numpy")
def dfun(code, x, c, p, out):
    """out ← d x / dt for the model numbered `code`: x (variables, regions), c (coupled, regions), p (parameters, regions)."""
    if code == 0:
        _linear(x, c, p, out)
    elif code == 1:
        _kuramoto(x, c, p, out)
    elif code == 2:
        _wilson_cowan(x, c, p, out)
    elif code == 3:
        _wong_wang(x, c, p, out)
    elif code == 4:
        _montbrio(x, c, p, out)
    elif code == 5:
        _jansen_rit(x, c, p, out)
