"""The models a run can use, by name; each is one module declaring its variables, parameters and equations."""

from __future__ import annotations

from ...errors import InputError
from .base import Model, Parameter
from .jansen_rit import JansenRit
from .kuramoto import Kuramoto
from .linear import Linear
from .montbrio import MontbrioPazoRoxin
from .rate import RateModel
from .wilson_cowan import WilsonCowan
from .wong_wang import ReducedWongWang

MODELS: dict[str, Model] = {m.name: m for m in (RateModel(), Linear(), WilsonCowan(), ReducedWongWang(),
                                                MontbrioPazoRoxin(), JansenRit(), Kuramoto())}


def get_model(name: str) -> Model:
    """The model called `name`, or InputError listing the known ones."""
    try:
        return MODELS[name]
    except KeyError:
        raise InputError(f"--model: unknown model {name!r} (known: {', '.join(sorted(MODELS))})") from None


__all__ = ["MODELS", "Model", "Parameter", "get_model"]
