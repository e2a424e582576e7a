"""Compiling one Python function as several numba kernels (serial and parallel) with their own caches."""

from __future__ import annotations

import types
from typing import Any, Callable

import numba


def njit_variant(func: Callable, suffix: str, **options: Any) -> Any:
    """`numba.njit(cache=True, nogil=True, **options)` of a copy of `func` named `func.__name__ + suffix`.

    numba names a function's cache files after its qualified name and line only: the serial and the
    parallel kernels of one function would share an entry, and whichever compiled second would load the
    other's machine code (numba issue #6845). A copy under its own name gets its own entry.
    """
    copy = types.FunctionType(func.__code__, func.__globals__, func.__name__ + suffix, func.__defaults__,
                              func.__closure__)
    copy.__qualname__ = func.__qualname__ + suffix
    copy.__module__ = func.__module__
    return numba.njit(cache=True, nogil=True, **options)(copy)
