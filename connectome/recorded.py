"""A recorded run's arrays: read back from its output file, or run again in memory when it has none.

`run_arrays` reads the file a run recorded (`Store.run_arrays`); `arrays_for` gives what a picture needs,
from that file when it holds it, else by re-simulating the run's RunSpec (bit-identical, recording
nothing), saying so first.
"""

from __future__ import annotations

import sys
from dataclasses import replace
from typing import Any, Callable, Sequence

from .errors import InputError, Mention
from .sim.recorded import RunArrays, from_result, read_output
from .store import Store
from .store.runs import output_exists

BOLD = "BOLD"  # the name `needs` gives the BOLD signal; "fc" the functional connectivity
_NAMES = {"fc": "functional connectivity", BOLD: "BOLD signal"}


def run_arrays(store: Store, run_id: int) -> RunArrays:
    """The arrays run `run_id` wrote to its output file, labelled (see `Store.run_arrays`).

    Parameters
    ----------
    store : Store
        The store that recorded the run.
    run_id : int
        The run (`SimulationResult.run_id`, `Store.runs`).

    Returns
    -------
    RunArrays
        Its regions, time axes and series, with the run's `run_id`, `spec` and `summary`.

    Raises
    ------
    InputError
        No such run, a run that recorded no output file, or one whose file is missing or unreadable.

    Examples
    --------
    >>> import os, tempfile, networkx as nx
    >>> from connectome import Store
    >>> folder = tempfile.mkdtemp(); store = Store(os.path.join(folder, "lab.db"))
    >>> g = nx.DiGraph([("a", "b", {"strength": 1.0})], name="pair"); nx.set_node_attributes(g, 1.0, "share")
    >>> store.save(g).ref
    'pair@v1'
    >>> result = store.simulate("pair@v1", 1000, duration_ms=5.0, seed=1, output=os.path.join(folder, "run.npz"))
    >>> arrays = run_arrays(store, result.run_id)
    >>> arrays.run_id, arrays.regions, arrays.observed, arrays.activity.shape, arrays.spec.seed, arrays.neurons
    (1, ['a', 'b'], 'a', (51, 2), 1, 1000)
    >>> run_arrays(store, 99)
    Traceback (most recent call last):
    ...
    connectome.errors.InputError: run 99: no such run (see `runs list`)
    """
    from .runs import spec_of_run

    found = store.run(run_id)
    path = found["output"]
    if not path:
        raise InputError(f"run {run_id}: recorded no output file")
    if output_exists(path) is False:
        raise InputError(f"run {run_id}: its output {path} is missing (moved or deleted since the run)")
    arrays = read_output(path, observed=found["summary"].get("observed"))
    arrays.run_id, arrays.spec, arrays.summary = run_id, spec_of_run(found), found["summary"]
    return arrays


def lacking(arrays: RunArrays, needs: Sequence[str]) -> str | None:
    """What of `needs` the arrays do not hold ("BOLD", "fc", a state variable; none: the observed one), or None.

    Examples
    --------
    >>> import numpy as np
    >>> run = RunArrays("run.npz", ["a"], np.zeros(0), fc=np.eye(1))
    >>> lacking(run, ["fc"]), lacking(run, []), lacking(run, ["BOLD"])
    (None, 'no raw traces', 'no BOLD signal')
    """
    if not needs and arrays.activity is None:
        return "no raw traces"
    for need in needs:
        held = arrays.fc if need == "fc" else arrays.bold if need == BOLD else arrays.states.get(need)
        if held is None:
            return f"no {_NAMES.get(need, need + ' trace')}"
    return None


def arrays_for(store: Store, run_id: int, needs: Sequence[str] = (), *, show_progress: bool = False,
               notify: Callable[[str], None] | None = None) -> RunArrays:
    """Run `run_id`'s arrays holding `needs` ("BOLD", "fc", state variables; none: the observed variable):
    read from its output file when it holds them, else re-simulated in memory from its RunSpec.

    Parameters
    ----------
    store : Store
        The store that recorded the run.
    run_id : int
        The run.
    needs : sequence of str
        What the caller draws.
    show_progress : bool
        Show a progress bar (tqdm, on stderr) while re-simulating.
    notify : callable, optional
        Given one line before a re-simulation, saying why it re-simulates.

    Returns
    -------
    RunArrays
        Its arrays (`path` empty when re-simulated).

    Examples
    --------
    >>> import os, tempfile, networkx as nx
    >>> from connectome import Store
    >>> store = Store(os.path.join(tempfile.mkdtemp(), "lab.db"))
    >>> g = nx.DiGraph([("a", "b", {"strength": 1.0})], name="pair"); nx.set_node_attributes(g, 1.0, "share")
    >>> result = store.simulate(store.save(g).ref, 1000, duration_ms=5.0, seed=1)  # no output file
    >>> arrays_for(store, result.run_id, notify=print).activity.shape
    run 1 recorded no output file: re-simulating it in memory (nothing is recorded)
    (51, 2)
    """
    from .runs import spec_of_run

    found = store.run(run_id)
    spec = spec_of_run(found)
    for need, asked, keyword in (("fc", spec.fc, "fc"), (BOLD, spec.bold, "bold")):
        if need in needs and not asked:
            raise InputError(f"run {run_id}: has no {_NAMES[need]} (it ran without ", Mention(keyword), ")")
    _check_variables(spec.model, [need for need in needs if need not in _NAMES])
    path, why = found["output"], None
    if not path:
        why = f"run {run_id} recorded no output file"
    elif output_exists(path) is False:
        why = f"run {run_id}'s output {path} is missing (moved or deleted)"
    else:
        try:
            arrays = run_arrays(store, run_id)
        except InputError as exc:  # a relative path from an older store, a damaged file
            why = f"run {run_id}'s output cannot be read ({exc})"
        else:
            missing = lacking(arrays, needs)
            if missing is None:
                return arrays
            why = f"run {run_id}'s output {path} holds {missing}"
    if notify is not None:
        notify(f"{why}: re-simulating it in memory (nothing is recorded)")
    traces = not needs or any(need not in _NAMES for need in needs)
    return _replayed(store, found, replace(spec, record=True) if traces else spec, show_progress)


def _check_variables(model: str, names: Sequence[str]) -> None:
    """Refuse, before anything runs, a variable the run's model does not have."""
    from .sim.models import MODELS

    if model not in MODELS:
        return
    known = [v.name for v in MODELS[model].state_variables]
    for name in names:
        if name not in known:
            raise InputError(Mention("variables", name), f": {model}'s state variables are {', '.join(known)}")


def _replayed(store: Store, found: dict[str, Any], spec: Any, show_progress: bool) -> RunArrays:
    """A recorded run run again in memory (bit-identical; `spec` may keep raw traces it did not record), with a
    progress bar when asked."""
    from tqdm import tqdm

    from .runs import progress_delay
    from .sim import checked_run, prepare

    prepared = prepare(store.columns(store.resolve(found["ref"])), spec)
    with tqdm(total=prepared.timing.steps, unit="step", delay=progress_delay(), file=sys.stderr,
              disable=not show_progress, leave=False, desc=f"re-simulating run {found['id']}") as bar:
        result = checked_run(prepared, bar.update, warn=lambda _text: None)
    arrays = from_result(result)
    arrays.run_id, arrays.spec, arrays.summary = found["id"], prepared.spec, found["summary"]
    return arrays
