"""Regenerate the committed TVB stimulus reference runs ``tests/reference/tvb_stimulus_<case>.npz``.

Each file holds one deterministic run of The Virtual Brain (tvb-library 2.10.0) with a region stimulus,
set up as ``make_tvb_refs.py`` sets up its runs (connectivity_76, raw weights, speed 3 mm/ms, TVB's model
defaults, ``coupling.Linear(a)``, ``HeunDeterministic(dt=0.1)``, ``monitors.Raw``, the same constant
initial history, 300 ms, every 10th step kept) plus ``patterns.StimuliRegion`` with per-region weights
(``WEIGHTS`` below: 1.0, 0.5 and 0.25 on three regions) and a temporal equation:

* ``reduced-wong-wang-pulse``: ``equations.PulseTrain`` onset 30 ms, T 42 ms, tau 13 ms, amp 0.02;
* ``linear-pulse``: the same pulse train with amp 0.5;
* ``linear-sin``: ``equations.Sinusoid`` amp 0.5, frequency 0.02 kHz (20 Hz).

TVB adds the stimulus to the derivative of the model's ``stvar`` (its coupled variables by default) at
the step's start time t_n, on where the equation is non-zero (PulseTrain: t > onset).
Keys: those of ``make_tvb_refs.py`` plus case, stimulus_weights, stimulus_equation, stimulus_parameters.

Run it with the TVB virtualenv's interpreter only::

    /work/tvb-venv/bin/python tests/reference/make_tvb_stimulus_refs.py
"""

from __future__ import annotations

import argparse
import json
import os
import sys

import numpy

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import make_tvb_refs as base  # noqa: E402
from tvb.datatypes import equations, patterns  # noqa: E402

WEIGHTS = {0: 1.0, 5: 0.5, 40: 0.25}  # region index -> spatial weight
CASES = {
    "reduced-wong-wang-pulse": ("reduced-wong-wang", "PulseTrain", {"onset": 30.0, "T": 42.0, "tau": 13.0, "amp": 0.02}),
    "linear-pulse": ("linear", "PulseTrain", {"onset": 30.0, "T": 42.0, "tau": 13.0, "amp": 0.5}),
    "linear-sin": ("linear", "Sinusoid", {"amp": 0.5, "frequency": 0.02}),
}


def stimulus(conn, equation: str, parameters: dict):
    """TVB's StimuliRegion of the case: WEIGHTS over the regions × the temporal equation."""
    weight = numpy.zeros(conn.number_of_regions)
    for index, w in WEIGHTS.items():
        weight[index] = w
    temporal = getattr(equations, equation)()
    temporal.parameters.update(parameters)
    return patterns.StimuliRegion(temporal=temporal, connectivity=conn, weight=weight)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tvb-data", default="/work/tvb-data")
    parser.add_argument("--out", default=HERE)
    args = parser.parse_args(argv)
    for case, (model, equation, parameters) in CASES.items():
        conn = base.load_connectivity(os.path.join(args.tvb_data, "connectivity_76.zip"))
        ref = base.run_model(model, conn, base.MODELS[model], stimulus(conn, equation, parameters))
        ref.update(case=case, stimulus_weights=json.dumps(WEIGHTS), stimulus_equation=equation,
                   stimulus_parameters=json.dumps(parameters))
        path = os.path.join(args.out, f"tvb_stimulus_{case}.npz")
        numpy.savez_compressed(path, **ref)
        print(f"{path}: {os.path.getsize(path) / 1024:.0f} kB; {base.summary(ref)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
