"""The store's recorded runs: run a stored version and record it, list, read back and delete the records."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from . import runs as stored_runs
from .refs import VersionRef

if TYPE_CHECKING:
    from ..sim.result import SimulationResult


class RunRecords:
    """The methods of `Store` that run a stored version and keep its record (a mixin: `Store` is the class)."""

    def simulate(self, ref: "str | VersionRef", neurons: int | None = None, *, output: str | None = None,
                 plot: str | None = None, threads: int | None = None, **params: Any) -> "SimulationResult":
        """Run a stored version and record the run, as the `simulate` command does.

        Parameters
        ----------
        ref : str or VersionRef
            The version: a reference `Store.resolve` takes (``NAME@vN``, ``NAME``, ``vN``), or its result.
        neurons : int or None
            The total N, for the models that use it (RunSpec `neurons`).
        output : str or None
            A .npz or .csv file to write the run's arrays to (a .csv holds the observed trace only), recorded
            with the run: what `run_arrays` reads back later.
        plot : str or None
            A .png or .svg picture of the run to write too (the `plots` extra).
        threads : int or None
            Threads that sum the coupling; None: ``CONNECTOME_THREADS``, else chosen for the run and the machine.
            Results are identical for any number.
        **params
            Every other keyword is a RunSpec field, as `connectome.simulate` takes them: model, duration_ms,
            dt_ms, seed, bold, fc, ...

        Returns
        -------
        SimulationResult
            The run's result, with `run_id` set to the id of its record.

        Raises
        ------
        ReferenceNotFound
            No such version.
        InputError
            An unusable parameter, `output` or `plot` path.
        ResourceError
            A run too large for the memory or too long to finish, refused before it starts.

        Examples
        --------
        >>> import os, tempfile, networkx as nx
        >>> from connectome import Store
        >>> store, g = Store(os.path.join(tempfile.mkdtemp(), "lab.db")), nx.DiGraph(name="pair")
        >>> g.add_node("a", share=1.0); g.add_node("b", share=1.0); g.add_edge("a", "b", strength=1.0)
        >>> result = store.simulate(store.save(g).ref, model="wilson-cowan", duration_ms=10.0, seed=1)
        >>> result.run_id, result.activity.shape, store.run(result.run_id)["parameters"]["model"]
        (1, (101, 2), 'wilson-cowan')
        """
        from ..runs import record_simulation
        from ..sim.spec import make_spec

        summary, result = record_simulation(self, self.resolve(ref), make_spec(neurons, **params), output=output, plot=plot,
                                            threads=threads)
        result.run_id = summary["run_id"]
        return result

    def _record_run(self, version: VersionRef, *, neurons: int | None, parameters: dict[str, Any], seed: int | None,
                   summary: dict[str, Any], output: str | None, started_at: datetime, wall_s: float,
                   peak_rss_bytes: int | None, sweep: tuple[int, int] | None = None,
                   staged: str | None = None) -> int:
        """Record a finished simulation run (its id inside its summary too) and return the id.

        `sweep` is (sweep id, point number) for a sweep's point. `staged`: the complete output file under its temporary
        name; the run is then committed as pending, and the caller renames `staged` to `output` and calls
        `_complete_run` (a process killed in between is reconciled by the next writer, `_reconcile_pending`).
        """
        return stored_runs.record(self, version, neurons=neurons, parameters=parameters, seed=seed, summary=summary,
                                  output=output, started_at=started_at, wall_s=wall_s, peak_rss_bytes=peak_rss_bytes,
                                  sweep=sweep, staged=staged)

    def _complete_run(self, run_id: int) -> bool:
        """Clear the pending mark of a run whose output file is now in place; False if it was not pending."""
        return stored_runs.complete(self, run_id)

    def _discard_run(self, run_id: int, *, reason: str) -> dict[str, Any] | None:
        """Delete a pending run whose output file could not be put in place (logged); None if it was not pending."""
        return stored_runs.discard(self, run_id, reason)

    def _reconcile_pending(self) -> list[dict[str, Any]]:
        """Settle pending runs left by processes that are gone: completed when their output file is in place,
        else deleted (logged in `run_deletions`) with their temporary file; what was done, one dict each."""
        return stored_runs.reconcile(self)

    def delete_run(self, run_id: int, *, reason: str | None = None, remove_output: bool = True) -> dict[str, Any]:
        """Delete a finished run: log it in `run_deletions` (the run as it was, the reason, when) and delete its
        row in one transaction, then remove its output file unless `remove_output` is False.

        The only way a run row goes: triggers refuse any other DELETE.

        Parameters
        ----------
        run_id : int
            The run.
        reason : str or None
            Why, kept in the log.
        remove_output : bool
            Remove the run's output file (a regular .npz or .csv file only) after the row is gone.

        Returns
        -------
        dict
            {run_id, ref, output, output_removed, reason, deleted_at} (and output_error when the file could not
            be removed).

        Raises
        ------
        InputError
            No such run (or it was deleted already).

        Examples
        --------
        >>> import os, tempfile, networkx as nx
        >>> from connectome import Store
        >>> folder = tempfile.mkdtemp(); store, g = Store(os.path.join(folder, "lab.db")), nx.DiGraph(name="pair")
        >>> g.add_node("a", share=1.0); out = os.path.join(folder, "run.npz")
        >>> result = store.simulate(store.save(g).ref, model="wilson-cowan", duration_ms=5.0, seed=1, output=out)
        >>> done = store.delete_run(result.run_id, reason="a test")
        >>> done["ref"], done["reason"], done["output_removed"], os.path.exists(out), store.runs()
        ('pair@v1', 'a test', True, False, [])
        """
        self._reconcile_pending()
        return stored_runs.delete(self, run_id, reason=reason, remove_output=remove_output)

    def run_deletions(self) -> list[dict[str, Any]]:
        """The log of deleted runs, oldest first.

        Returns
        -------
        list of dict
            One per deleted run: run_id, ref, output, reason, deleted_at.

        Examples
        --------
        >>> import os, tempfile, networkx as nx
        >>> from connectome import Store
        >>> store, g = Store(os.path.join(tempfile.mkdtemp(), "lab.db")), nx.DiGraph(name="pair")
        >>> g.add_node("a", share=1.0); ref = store.save(g).ref
        >>> run_id = store.simulate(ref, model="wilson-cowan", duration_ms=5.0, seed=1).run_id
        >>> _ = store.delete_run(run_id, reason="typo")
        >>> [(d["run_id"], d["ref"], d["reason"]) for d in store.run_deletions()]
        [(1, 'pair@v1', 'typo')]
        """
        return stored_runs.deletions(self)

    def runs(self, *, ref: str | None = None, model: str | None = None, sweep: int | None = None,
             limit: int | None = None) -> list[dict[str, Any]]:
        """The recorded (finished) runs, oldest first: every one, or those that match every filter given.

        Parameters
        ----------
        ref : str or None
            Runs of a topology: every version of a bare NAME; one version for NAME@vN, NAME@latest or vN.
        model : str or None
            Runs of that model.
        sweep : int or None
            The points of that sweep.
        limit : int or None
            Only the newest `limit` of them.

        Returns
        -------
        list of dict
            Each run's record (as `run` gives it) with `model`, `duration_ms`, `sweep_id`, `sweep_point`,
            `objective` and `score` (its sweep's objective and score; else its FC–SC correlation, when it has FC).

        Examples
        --------
        >>> import os, tempfile, networkx as nx
        >>> from connectome import Store
        >>> store, g = Store(os.path.join(tempfile.mkdtemp(), "lab.db")), nx.DiGraph(name="pair")
        >>> g.add_node("a", share=1.0); ref = store.save(g).ref
        >>> for model in ("wilson-cowan", "linear", "linear"):
        ...     _ = store.simulate(ref, model=model, duration_ms=5.0, dt_ms=0.01, seed=1)
        >>> [(r["id"], r["model"], r["duration_ms"]) for r in store.runs(ref="pair", model="linear", limit=1)]
        [(3, 'linear', 5.0)]
        """
        return stored_runs.listing(self, ref=ref, model=model, sweep=sweep, limit=limit)

    def run(self, run_id: int) -> dict[str, Any]:
        """One recorded (finished) run by id; `output_exists` says whether its output file is still in place.

        Parameters
        ----------
        run_id : int
            The run.

        Returns
        -------
        dict
            id, ref, neurons, seed, parameters (its RunSpec), started_at, wall_s, peak_rss_bytes, output, summary
            and output_exists (None: no output file).

        Raises
        ------
        InputError
            No such run; for a deleted one, when and why it was deleted.

        Examples
        --------
        >>> import os, tempfile, networkx as nx
        >>> from connectome import Store
        >>> store, g = Store(os.path.join(tempfile.mkdtemp(), "lab.db")), nx.DiGraph(name="pair")
        >>> g.add_node("a", share=1.0); ref = store.save(g).ref
        >>> run = store.run(store.simulate(ref, model="wilson-cowan", duration_ms=5.0, seed=1).run_id)
        >>> run["ref"], run["seed"], run["parameters"]["duration_ms"], run["output"], run["output_exists"]
        ('pair@v1', 1, 5.0, None, None)
        """
        return stored_runs.finished(self, run_id)[0]

    def run_arrays(self, run_id: int) -> Any:
        """The arrays run `run_id` wrote to its output file, labelled.

        Parameters
        ----------
        run_id : int
            The run (one given an `output` file).

        Returns
        -------
        connectome.sim.recorded.RunArrays
            Its regions, time axes, state variables, BOLD, FC and its RunSpec.

        Raises
        ------
        InputError
            No such run, or the run has no output file or it is missing.

        Examples
        --------
        >>> import os, tempfile, networkx as nx
        >>> from connectome import Store
        >>> folder = tempfile.mkdtemp(); store, g = Store(os.path.join(folder, "lab.db")), nx.DiGraph(name="pair")
        >>> g.add_node("a", share=1.0); g.add_node("b", share=1.0); ref = store.save(g).ref
        >>> result = store.simulate(ref, model="wilson-cowan", duration_ms=10.0, seed=1,
        ...                         output=os.path.join(folder, "run.npz"))
        >>> arrays = store.run_arrays(result.run_id)
        >>> arrays.regions, arrays.observed, arrays.activity.shape, arrays.spec.model
        (['a', 'b'], 'E', (101, 2), 'wilson-cowan')
        """
        from ..recorded import run_arrays

        return run_arrays(self, run_id)
