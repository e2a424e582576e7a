"""A run's arrays as labelled data for a notebook: an xarray Dataset, or a pandas DataFrame (the `notebook` extra).

`to_xarray` and `to_dataframe` take a `SimulationResult`, or anything with its array attributes
(`regions`, `time_ms`, `states`, `bold`, `bold_time_ms`, `fc`, … and `spec`).
"""

from __future__ import annotations

import json
from typing import Any

from ..errors import InputError, Mention
from ..extras import require

LAYOUTS = ("long", "wide")
SERIES = ("states", "bold")


def _states(result: Any) -> dict[str, Any]:
    """Each recorded state variable [samples, regions] by name (the observed one alone for a CSV's `activity`)."""
    states = dict(getattr(result, "states", None) or {})
    activity = getattr(result, "activity", None)
    if not states and activity is not None and len(getattr(result, "time_ms", ())) and activity.size:
        states[getattr(result, "observed", None) or "activity"] = activity
    return states


def _docs(model: str | None) -> dict[str, str]:
    """The model's state variables' descriptions, by name (none for a model no longer registered)."""
    from .models import MODELS

    found = MODELS.get(model or "")
    return {} if found is None else {v.name: v.doc for v in found.state_variables if v.doc}


def _attrs(result: Any) -> dict[str, Any]:
    """The Dataset's attributes: the model, the observed variable, the time unit and the RunSpec as JSON text."""
    spec = getattr(result, "spec", None)
    attrs = {"model": getattr(result, "model", None) or getattr(spec, "model", None),
             "observed": getattr(result, "observed", None), "time_units": "ms",
             "spec": None if spec is None else json.dumps(spec.to_json(), sort_keys=True)}
    return {k: v for k, v in attrs.items() if v is not None}  # netCDF keeps text and numbers only


def to_xarray(result: Any) -> Any:
    """The run as an `xarray.Dataset`: each recorded state variable (time × region), BOLD on its own time axis
    (bold_time × region), FC (region × region_b), FCD (window × window_b) and the spectrum (frequency × region),
    where the run has them; times in ms and frequencies in Hz as the coordinates' `units`, the RunSpec as JSON
    text in the attribute `spec`.

    Parameters
    ----------
    result : SimulationResult
        A run's result (or a recorded run's arrays with the same attributes).

    Returns
    -------
    xarray.Dataset

    Raises
    ------
    MissingExtra
        Without xarray and pandas (the `notebook` extra).

    Examples
    --------
    >>> import networkx as nx, connectome
    >>> g = nx.DiGraph(name="pair"); g.add_node("a", share=1.0); g.add_node("b", share=1.0)
    >>> g.add_edge("a", "b", strength=1.0)
    >>> result = connectome.simulate(g, 1000, duration_ms=2.0, dt_ms=0.5, record_every_ms=1.0, seed=1)
    >>> data = to_xarray(result)
    >>> dict(data.sizes), list(data.data_vars), data.time.attrs["units"], data.attrs["model"]
    ({'time': 3, 'region': 2}, ['a'], 'ms', 'rate')
    >>> data["a"].sel(region="b").values.tolist() == result.activity[:, 1].tolist()
    True
    """
    xr, = require("notebook", "SimulationResult.to_xarray", "xarray")
    import numpy as np

    regions = list(result.regions)
    docs = _docs(getattr(result, "model", None) or getattr(getattr(result, "spec", None), "model", None))
    variables: dict[str, Any] = {
        name: (("time", "region"), np.asarray(values), {"long_name": docs[name]} if name in docs else {})
        for name, values in _states(result).items()}
    coords: dict[str, Any] = {"region": regions}
    if variables:
        coords["time"] = ("time", np.asarray(result.time_ms), {"units": "ms"})
    if getattr(result, "bold", None) is not None:
        variables["bold"] = (("bold_time", "region"), result.bold, {"long_name": "BOLD signal", "units": "1"})
        coords["bold_time"] = ("bold_time", result.bold_time_ms, {"units": "ms"})
    if getattr(result, "fc", None) is not None:
        variables["fc"] = (("region", "region_b"), result.fc,
                           {"long_name": "functional connectivity (Pearson correlation)", "units": "1"})
        coords["region_b"] = regions
    if getattr(result, "fcd", None) is not None:
        variables["fcd"] = (("window", "window_b"), result.fcd, {"long_name": "functional connectivity dynamics"})
        coords["window"] = ("window", result.fcd_time_ms, {"units": "ms"})
        coords["window_b"] = ("window_b", result.fcd_time_ms, {"units": "ms"})
    if getattr(result, "spectrum_power", None) is not None:
        variables["spectrum"] = (("frequency", "region"), result.spectrum_power, {"long_name": "power spectrum"})
        coords["frequency"] = ("frequency", result.spectrum_hz, {"units": "Hz"})
    return xr.Dataset(variables, coords=coords, attrs=_attrs(result))


def to_dataframe(result: Any, layout: str = "long", series: str = "states") -> Any:
    """The run's series as a `pandas.DataFrame`.

    ``layout="long"`` (the default, the tidy form plotting libraries take): one row per sample and region,
    columns ``time_ms``, ``region`` and one per series (each state variable, or ``bold``), samples in time
    order and regions in the run's order within each. ``layout="wide"``: one row per sample, indexed by
    ``time_ms``, one column per (series, region) pair (a two-level column index).

    Parameters
    ----------
    result : SimulationResult
        A run's result (or a recorded run's arrays with the same attributes).
    layout : {"long", "wide"}
    series : {"states", "bold"}
        The recorded state variables, or the BOLD signal on its own time axis.

    Returns
    -------
    pandas.DataFrame

    Raises
    ------
    InputError
        An unknown `layout` or `series`, or a series the run did not record.
    MissingExtra
        Without pandas and xarray (the `notebook` extra).

    Examples
    --------
    >>> import networkx as nx, connectome
    >>> g = nx.DiGraph(name="pair"); g.add_node("a", share=1.0); g.add_node("b", share=1.0)
    >>> g.add_edge("a", "b", strength=1.0)
    >>> result = connectome.simulate(g, 1000, duration_ms=2.0, dt_ms=0.5, record_every_ms=1.0, seed=1)
    >>> long = to_dataframe(result)
    >>> list(long.columns), len(long), long["region"].tolist()[:4]
    (['time_ms', 'region', 'a'], 6, ['a', 'b', 'a', 'b'])
    >>> wide = to_dataframe(result, layout="wide")
    >>> wide.shape, wide.columns.tolist()
    ((3, 2), [('a', 'a'), ('a', 'b')])
    """
    pd, = require("notebook", "SimulationResult.to_dataframe", "pandas")
    import numpy as np

    if layout not in LAYOUTS:
        raise InputError(f"layout: one of {', '.join(LAYOUTS)}, got {layout!r}")  # Python's alone: no flag
    if series not in SERIES:
        raise InputError(f"series: one of {', '.join(SERIES)}, got {series!r}")
    if series == "bold":
        if getattr(result, "bold", None) is None:
            raise InputError("series='bold': the run has no BOLD signal (run it with ",
                             Mention("bold", "True"), ")")
        values, time = {"bold": np.asarray(result.bold)}, np.asarray(result.bold_time_ms)
    else:
        values, time = _states(result), np.asarray(result.time_ms)
        if not values:
            bold = ", or take series='bold'" if getattr(result, "bold", None) is not None else ""
            raise InputError("series='states': the run recorded no raw traces (run it with ",
                             Mention("record", "True"), f"{bold})")
    regions = list(result.regions)
    if layout == "wide":
        columns = pd.MultiIndex.from_tuples([(n, r) for n in values for r in regions], names=["series", "region"])
        data = np.concatenate([np.asarray(v) for v in values.values()], axis=1)
        return pd.DataFrame(data, index=pd.Index(time, name="time_ms"), columns=columns)
    frame = {"time_ms": np.repeat(time, len(regions)),
             "region": pd.Categorical(np.tile(np.asarray(regions, dtype=object), len(time)), categories=regions)}
    frame.update({name: np.asarray(v).reshape(-1) for name, v in values.items()})
    return pd.DataFrame(frame)


class Labelled:
    """The labelled views of a run's arrays, for what has a `SimulationResult`'s fields (a run just made, or
    `connectome.sim.recorded.RunArrays` read back from its file)."""

    def to_xarray(self) -> Any:
        """The run as an `xarray.Dataset` (the `notebook` extra; see `connectome.sim.labelled.to_xarray`).

        Examples
        --------
        >>> import networkx as nx, connectome
        >>> g = nx.DiGraph(name="one"); g.add_node("a", share=1.0)
        >>> dict(connectome.simulate(g, 1000, duration_ms=1.0, seed=1).to_xarray().sizes)
        {'time': 11, 'region': 1}
        """
        return to_xarray(self)

    def to_dataframe(self, layout: str = "long", series: str = "states") -> Any:
        """The run's series as a `pandas.DataFrame`, long (a row per sample and region) or wide (the `notebook`
        extra; see `connectome.sim.labelled.to_dataframe`).

        Examples
        --------
        >>> import networkx as nx, connectome
        >>> g = nx.DiGraph(name="one"); g.add_node("a", share=1.0)
        >>> connectome.simulate(g, 1000, duration_ms=1.0, seed=1).to_dataframe().columns.tolist()
        ['time_ms', 'region', 'a']
        """
        return to_dataframe(self, layout, series)
