"""Weights into strengths, for every format: `normalise="max"` (divide by the largest) and `strength_scale`
(multiply), in decimal arithmetic from the numbers as written, each result the double nearest it."""

from __future__ import annotations

import decimal
from typing import TYPE_CHECKING

from ..errors import located
from ..numeric import check_positive
from .options import option_error

if TYPE_CHECKING:
    import networkx as nx

NORMALISE = ("max",)
_CONTEXT = decimal.Context(prec=40)


def _decimal(value: object) -> decimal.Decimal:
    return value if isinstance(value, decimal.Decimal) else decimal.Decimal(repr(float(value)))


def rescale(graph: nx.DiGraph, where: str, *, scale: float | None = None, normalise: str | None = None) -> nx.DiGraph:
    """Each strength ÷ the largest (normalise `max`), then × `scale`; a strength that underflows to 0 is refused."""
    if normalise is not None and normalise not in NORMALISE:
        raise option_error(where, "normalise", f"must be one of {', '.join(NORMALISE)}, got {normalise!r}")
    if scale is not None and check_positive(scale):
        raise option_error(where, "strength_scale", check_positive(scale))
    edges = list(graph.edges(data=True))
    if not edges:
        return graph
    factor = decimal.Decimal(1) if scale is None else _decimal(scale)
    if normalise == "max":
        factor = _CONTEXT.divide(factor, max(_decimal(a["strength"]) for *_, a in edges))
    if factor == 1:
        return graph
    for s, t, attrs in edges:
        strength = float(_CONTEXT.multiply(_decimal(attrs["strength"]), factor))
        if strength == 0:
            raise located(where, f"projection {s!r} -> {t!r}.strength",
                          f"{attrs['strength']!r} × {factor} underflows to 0")
        attrs["strength"] = strength
    return graph
