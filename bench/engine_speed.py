"""Engine speed per simulated second, the plan excluded (it is timed separately).

    python bench/engine_speed.py [--kernel auto] [--repeats 3]

Deterministic rate model, raw coupling (G = 0.01), dt 0.1 ms, recording every 1 ms, on seeded synthetic
graphs (strengths uniform in (0.001, 1], tract lengths in [10, 150] mm, both with six and two decimals):
76 regions at 30% density (the size of TVB's connectivity_76), 998 regions at 10% and at 100%, without
and with delays at 3 mm/ms. Each run is timed after a warm-up run of the same prepared plan (numba
compiles once); the median of the repeats is reported. Prints a Markdown table.
"""

from __future__ import annotations

import argparse
import platform
import random
import statistics
import time

from connectome.graph import build_graph
from connectome.sim import make_spec, prepare, run

CASES = [  # name, regions, density, delays, simulated ms
    ("76 regions, 30%", 76, 0.3, False, 1000),
    ("76 regions, 30%, delays", 76, 0.3, True, 1000),
    ("998 regions, 10%, delays", 998, 0.1, True, 200),
    ("998 regions, dense", 998, 1.0, False, 200),
    ("998 regions, dense, delays", 998, 1.0, True, 50),
]


def graph(regions: int, density: float, seed: int = 1):
    """A seeded synthetic topology."""
    rng = random.Random(seed)
    names = [f"r{i}" for i in range(regions)]
    edges = ((s, t, {"strength": round(rng.uniform(0.001, 1), 6), "tract_length": round(rng.uniform(10, 150), 2)})
             for s in names for t in names if s != t and rng.random() < density)
    return build_graph("synthetic", [(n, {"share": 1.0}) for n in names], edges)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kernel", default="auto")
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    print(f"{platform.machine()}, {platform.python_version()}, kernel {args.kernel}, median of {args.repeats}\n")
    print("| network | projections | plan (s) | layout | s per simulated second | ns/projection/step |")
    print("| --- | ---: | ---: | --- | ---: | ---: |")
    for name, regions, density, delays, ms in CASES:
        g = graph(regions, density)
        start = time.perf_counter()
        prepared = prepare(g, make_spec(10**6, deterministic=True, speed_mm_per_ms=3.0 if delays else None, delays=delays,
                                        duration_ms=ms, kernel=args.kernel, record_every_ms=1.0,
                                        coupling_mode="raw", coupling=0.01))
        plan_s = time.perf_counter() - start
        run(prepared)  # warm-up: numba compiles once per process
        times = []
        for _ in range(args.repeats):
            start = time.perf_counter()
            run(prepared)
            times.append(time.perf_counter() - start)
        per_second = statistics.median(times) * 1000 / ms
        ns = per_second / 10_000 / max(1, prepared.plan.projections) * 1e9
        print(f"| {name} | {prepared.plan.projections:,} | {plan_s:.2f} | {prepared.kernel} | {per_second:.3f} | "
              f"{ns:.2f} |")


if __name__ == "__main__":
    main()
