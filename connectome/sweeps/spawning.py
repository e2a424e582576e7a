"""Worker processes that start whatever the main program looks like: a guarded script, a plain one, a notebook.

A local cluster's worker processes start by Python's spawn method, which runs the main script again in
each of them before the worker begins. A script whose code is under ``if __name__ == "__main__":`` runs
nothing there; a plain script would run itself again, sweep included, in every worker, and a program
read from standard input cannot be run again at all. In those two cases (`rerun_main`) the workers
start instead as fresh interpreters (``python -m dask spec``, a `distributed.Nanny` each, `FreshNanny`),
which never import the main program; so a model registered by the script itself, not by a plugin
module, reaches the workers only under the guard.
"""

from __future__ import annotations

import ast
import json
import os
import sys
from pathlib import Path
from typing import Any

GUARD = 'if __name__ == "__main__":'


def rerun_main() -> str | None:
    """The main program a spawned worker would run again (or fail to) before starting, or None.

    None when the main program has no file of its own (a notebook, ``python -c``, an interactive session),
    when its code that is running now is under ``if __name__ == "__main__":``, or when Dask starts its
    processes by forking; else the script's path (``<stdin>`` for a program read from standard input).

    Examples
    --------
    >>> rerun_main() is None  # under doctest the main program is pytest's, whose call is guarded
    True
    """
    import dask
    import distributed  # noqa: F401  (its configuration defaults)
    from multiprocessing import spawn

    if dask.config.get("distributed.worker.multiprocessing-method") == "fork":
        return None
    data = spawn.get_preparation_data("connectome-probe")
    path = data.get("init_main_from_path")
    name = data.get("init_main_from_name")
    if name is not None:  # `python -m NAME`: the child imports NAME again, unless it is a package's __main__
        if name == "__main__" or name.endswith(".__main__"):
            return None
        path = getattr(sys.modules["__main__"], "__file__", None)
    if path is None or os.path.basename(path) == "ipython":
        return None
    if not os.path.isfile(path):  # `python - < script.py`: the child looks for a file named <stdin>
        return getattr(sys.modules["__main__"], "__file__", None) or path
    return None if _guarded(path) else path


def _guarded(path: str) -> bool:
    """Whether the main module's statement running now lies under ``if __name__ == "__main__":`` (True when
    it cannot be told: the source unreadable, or no statement of the main module on the stack)."""
    main = sys.modules["__main__"].__dict__
    frame, line = sys._getframe(1), None
    while frame is not None:
        if frame.f_globals is main and frame.f_code.co_name == "<module>":
            line = frame.f_lineno  # the outermost: the top-level statement the call comes from
        frame = frame.f_back
    if line is None:
        return True
    try:
        tree = ast.parse(Path(path).read_bytes())
    except (OSError, SyntaxError, ValueError):
        return True
    return any(_is_guard(node) and node.lineno <= line <= (node.end_lineno or node.lineno) for node in tree.body)


def _is_guard(node: ast.stmt) -> bool:
    """``if __name__ == "__main__":`` (either side first)."""
    if not isinstance(node, ast.If) or not isinstance(node.test, ast.Compare):
        return False
    test = node.test
    if len(test.ops) != 1 or not isinstance(test.ops[0], ast.Eq):
        return False
    sides = {type(s).__name__: s for s in (test.left, test.comparators[0])}
    name, constant = sides.get("Name"), sides.get("Constant")
    return name is not None and constant is not None and name.id == "__name__" and constant.value == "__main__"


def fresh_nanny() -> type:
    """`FreshNanny`, defined once Dask's `distributed` is imported (the `sweeps` extra)."""
    global FreshNanny
    if FreshNanny is None:
        from distributed.deploy.subprocess import SubprocessWorker

        class _FreshNanny(SubprocessWorker):
            """A `distributed.Nanny` in a fresh interpreter (this environment's, the same `sys.executable`): it
            imports this package as installed, never the main program."""

            def __init__(self, scheduler: str, name: Any = None, **worker_kwargs: Any) -> None:
                super().__init__(scheduler, "distributed.Nanny", name, {**worker_kwargs, "name": name})

            async def _start(self) -> None:
                import asyncio

                spec = json.dumps({"cls": self.worker_class, "opts": self.worker_kwargs})
                self.process = await asyncio.create_subprocess_exec(  # Dask's own command line, `dask spec`
                    sys.executable, "-m", "dask", "spec", self.scheduler, "--spec", spec,
                    env={**os.environ, "DASK_LOGGING__DISTRIBUTED": "error"})  # as quiet as the local cluster's

        FreshNanny = _FreshNanny
    return FreshNanny


FreshNanny: Any = None
