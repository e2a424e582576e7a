"""The models a run can use, by name; each is one module declaring its variables, parameters and equations."""

from __future__ import annotations

from ...errors import InputError, Mention
from .base import Model, Parameter
from .jansen_rit import JansenRit
from .kuramoto import Kuramoto
from .linear import Linear
from .montbrio import MontbrioPazoRoxin
from .rate import RateModel
from .wilson_cowan import WilsonCowan
from .wong_wang import ReducedWongWang

MODELS: dict[str, Model] = {}


def register_model(model: Model) -> Model:
    """Make `model` available to runs by its name (the `model` parameter)."""
    MODELS[model.name] = model
    return model


for _model in (RateModel(), Linear(), WilsonCowan(), ReducedWongWang(), MontbrioPazoRoxin(), JansenRit(), Kuramoto()):
    register_model(_model)


def get_model(name: str) -> Model:
    """The model called `name`, or InputError listing the known ones."""
    try:
        return MODELS[name]
    except KeyError:
        raise InputError(Mention("model"), f": unknown model {name!r} (known: {', '.join(sorted(MODELS))})") from None


__all__ = ["MODELS", "Model", "Parameter", "get_model", "register_model"]
