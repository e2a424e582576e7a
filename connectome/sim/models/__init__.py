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
    """Make `model` available to runs by its name (the `model` parameter).

    A model registered under a name already taken replaces the one registered before.

    Parameters
    ----------
    model : Model
        An instance of a `Model` subclass (its ``name``, variables, parameters and ``kernel_dfun``).

    Returns
    -------
    Model
        `model` itself.

    Examples
    --------
    >>> import networkx as nx
    >>> from connectome import simulate
    >>> from connectome.sim.models.linear import Linear
    >>> class Damped(Linear):
    ...     name = "damped"
    >>> _ = register_model(Damped()); sorted(MODELS)[:2]
    ['damped', 'jansen-rit']
    >>> g = nx.DiGraph(); g.add_node("a", share=1.0)
    >>> simulate(g, model="damped", duration_ms=10.0, dt_ms=0.01).model
    'damped'
    >>> del MODELS["damped"]; sorted(MODELS)[:2]
    ['jansen-rit', 'kuramoto']
    """
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
