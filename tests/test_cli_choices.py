"""Every choice the CLI offers is a library registry: the CLI builds its `click.Choice` lists from them, and a
choice list that copies a constant (or a new one not listed here) fails this test. Checked in a fresh
interpreter, where no test has registered a plugin after the CLI was built."""

from __future__ import annotations

import json
import subprocess
import sys

from conftest import ROOT

PROBE = r'''
import json, click
from connectome.cli import cli
from connectome.counting import SCALINGS
from connectome.formats import NORMALISE
from connectome.formats.registry import readable, reader_options, writable
from connectome.metrics import DISTANCES, WEIGHTS
from connectome.realise import REALISERS
from connectome.realise.scripts import SCRIPTS
from connectome.sim.coupling import FUNCTIONS
from connectome.sim.integrators import INTEGRATORS
from connectome.sim.layouts import KERNELS
from connectome.sim.monitors import MONITORS
from connectome.sim.spec import COUPLING_MODES, PRECISIONS
from connectome.sweeps.scores import OBJECTIVES

run = {"coupling_function": list(FUNCTIONS), "integrator": list(INTEGRATORS), "kernel": list(KERNELS),
       "monitors": [n for n, m in MONITORS.items() if not m.internal], "coupling_mode": list(COUPLING_MODES),
       "precision": list(PRECISIONS)}
want = {f"{path}/{option}": values for path in ("simulate", "sweep", "estimate") for option, values in run.items()}
want.update({"sweep/objective": list(OBJECTIVES), "topology metrics/weight": list(WEIGHTS),
             "topology metrics/distance": list(DISTANCES),
             "realise/fmt": list(REALISERS), "topology import/fmt": list(readable()),
             "topology import/normalise": list(NORMALISE), "topology export/fmt": [*writable(), *SCRIPTS]})
for option, _ in reader_options().values():
    if isinstance(option.type, tuple):
        want[f"topology import/{option.keyword}"] = list(option.type)
for path in ("topology stats", "topology diff", "estimate", "simulate", "sweep", "realise", "topology export"):
    want[f"{path}/scaling"] = list(SCALINGS)

def walk(group, prefix=""):
    for name, command in group.commands.items():
        if isinstance(command, click.Group):
            yield from walk(command, f"{prefix}{name} ")
            continue
        for param in command.params:
            if isinstance(param.type, click.Choice):
                yield f"{prefix}{name}/{param.name}", list(param.type.choices)

print(json.dumps({"shown": dict(walk(cli)), "want": want}))
'''


def test_every_cli_choice_is_the_registry_it_names():
    done = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert done.returncode == 0, done.stderr
    found = json.loads(done.stdout)
    shown, want = found["shown"], found["want"]
    assert not sorted(set(shown) - set(want)), "choices not built from a registry (add them to PROBE's want)"
    for key, values in shown.items():
        assert sorted(values) == sorted(want[key]), key
    assert {"simulate/integrator", "sweep/objective", "topology import/fmt", "realise/fmt"} <= set(shown)
