"""Benchmark: import and load speed of large topologies through the real store (never run by CI).

Usage: python bench/import_load.py [--dense-regions 998] [--sparse-projections 100000]
Prints a markdown table: parse seconds (file to DiGraph), import seconds and projections/s (DiGraph to a new
version in the store, one transaction), load seconds and projections/s (store to DiGraph), database size.
Each step is timed three times and the best is reported (this VM's timings vary by ±30 % run to run).
"""

from __future__ import annotations

import argparse
import random
import tempfile
import time
from pathlib import Path

from connectome import Store, read
from connectome.graph import build_graph


def sparse(regions: int, projections: int, seed: int = 1):
    rng = random.Random(seed)
    names = [f"region_{i:04d}" for i in range(regions)]
    pairs = set()
    while len(pairs) < projections:
        pairs.add((rng.randrange(regions), rng.randrange(regions)))
    return build_graph(
        f"sparse_{regions}x{projections}",
        ((n, {"share": rng.uniform(0.5, 2.0)}) for n in names),
        ((names[s], names[t], {"strength": round(rng.uniform(0.01, 5.0), 4), "tract_length": round(rng.uniform(5, 150), 2)})
         for s, t in sorted(pairs)),
    )


def dense(regions: int, seed: int = 2):
    rng = random.Random(seed)
    names = [f"area_{i:04d}" for i in range(regions)]
    return build_graph(
        f"dense_{regions}",
        ((n, {"share": rng.uniform(0.5, 2.0)}) for n in names),
        ((s, t, {"strength": round(rng.uniform(0.01, 5.0), 4)}) for s in names for t in names if s != t),
    )


REPEATS = 3  # each into a new database; the best time of each step is reported


def measure(graph, folder: Path) -> dict:
    path = folder / f"{graph.graph['name']}.json"
    from connectome.formats.canonical import write_json
    write_json(graph, path)
    t_parse = t_import = t_load = float("inf")
    for attempt in range(REPEATS):
        db = folder / f"{graph.graph['name']}-{attempt}.db"
        t0 = time.perf_counter()
        parsed = read(path)
        t_parse = min(t_parse, time.perf_counter() - t0)
        with Store(str(db)) as store:
            t0 = time.perf_counter()
            saved = store.save(parsed)
            t_import = min(t_import, time.perf_counter() - t0)
            t0 = time.perf_counter()
            loaded = store.load(saved.ref)
            t_load = min(t_load, time.perf_counter() - t0)
        assert loaded.number_of_edges() == graph.number_of_edges()
    size = db.stat().st_size + sum(p.stat().st_size for p in folder.glob(db.name + "-*"))
    p = graph.number_of_edges()
    return {"name": graph.graph["name"], "regions": graph.number_of_nodes(), "projections": p,
            "json_parse_s": t_parse, "import_s": t_import, "import_per_s": p / t_import,
            "load_s": t_load, "load_per_s": p / t_load, "db_mb": size / 1e6}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sparse-regions", type=int, default=1000)
    parser.add_argument("--sparse-projections", type=int, default=100_000)
    parser.add_argument("--dense-regions", type=int, default=998)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        rows = [measure(sparse(args.sparse_regions, args.sparse_projections), Path(tmp)),
                measure(dense(args.dense_regions), Path(tmp))]
    print("| topology | regions | projections | parse JSON (s) | import (s) | import (proj/s) | load (s) | load (proj/s) | database (MB) |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for r in rows:
        print(f"| {r['name']} | {r['regions']:,} | {r['projections']:,} | {r['json_parse_s']:.2f} | {r['import_s']:.2f} | "
              f"{r['import_per_s']:,.0f} | {r['load_s']:.2f} | {r['load_per_s']:,.0f} | {r['db_mb']:.1f} |")


if __name__ == "__main__":
    main()
