"""Realise a topology at N neurons as an explicit SONATA circuit, streamed to disk in bounded chunks.

Layout (SONATA 0.1, read by libsonata, bmtk, NEURON and Arbor tools), in one folder:

* ``nodes.h5``: one node population named after the topology, node ids 0 … N−1, region by region in the
  topology's order; ``node_type_id`` is the region's index, and group ``0`` holds ``region`` as an
  enumeration (``0/@library/region`` lists the names);
* ``edges.h5``: one edge population ``<name>_to_<name>`` with ``source_node_id``, ``target_node_id``,
  ``edge_type_id`` (the projection's index), ``edge_group_id`` and ``edge_group_index``; projection by
  projection in the topology's order, each by increasing target;
* ``node_types.csv`` and ``edge_types.csv`` (space separated): a region's name, size and attributes; a
  projection's regions, rule, strength, count, ``sign`` (1 or -1), ``syn_weight`` (signed, pA) and ``delay``
  (ms), by the rule of ``connectome.realise.synapses`` (its defaults, with a warning, where absent);
* ``circuit_config.json``: the networks, as libsonata's CircuitConfig reads them.

Each projection gets exactly its derived count (``connectome.counting``), drawn by ``sampling``. The folder is
written under a temporary name and renamed when complete; the disk and ``max_edges`` are checked first.
"""

from __future__ import annotations

import contextlib
import csv
import errno
import itertools
import json
import os
import re
import secrets
import shutil
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterator

import numpy as np

from ..counting import count_topology
from ..errors import InputError, Mention, ResourceError
from ..extras import require
from ..atomic import output_path, remove_abandoned, staged_folder
from ..graph import rows_of
from .synapses import Synapse, synapses

if TYPE_CHECKING:
    import networkx as nx

    from ..graph import Rows

MAX_EDGES = 10**9
CHUNK = 1 << 17
EDGE_BYTES = 8 + 8 + 4 + 8  # source, target, type (uint32), group index; the group ids are HDF5 fill values
NODE_BYTES = 8 + 8 + 4  # type, group index, region enumeration; group ids by fill value
SLACK_BYTES = 16 << 20


@dataclass(frozen=True)
class Stream:
    """One projection to draw: its regions' first node ids, sizes, source slots, count and rule."""

    index: int
    first_source: int
    first_target: int
    targets: int
    slots: int
    count: int
    rule: str
    skip_self: bool  # a region to itself without autapses: slot i ≥ target j is source i + 1

    def chunks(self, seed: int, chunk: int) -> Iterator[tuple[np.ndarray, np.ndarray]]:
        """(source ids, target ids) as uint64 arrays of at most `chunk` connections, by increasing target."""
        from .sampling import uniform_multiset, uniform_pairs

        sequence = np.random.SeedSequence(seed, spawn_key=(self.index,))
        if self.rule == "pairs":
            yield from uniform_pairs(self.count, self.targets, self.slots, sequence, chunk,
                                     first_source=self.first_source, first_target=self.first_target,
                                     skip_self=self.skip_self)
            return
        for target, slot in uniform_multiset(self.count, self.targets, self.slots, sequence, chunk):
            if self.skip_self:  # views of a block, each used once: shifted in place
                slot += slot >= target
            slot += self.first_source
            target += self.first_target
            yield slot.view(np.uint64), target.view(np.uint64)


def plan_streams(rows: Rows, stats: dict[str, Any]) -> list[Stream]:
    """A stream per projection with connections, from `count_topology`'s figures."""
    sizes = [r["neurons"] for r in stats["regions"]]
    first = list(itertools.accumulate(sizes, initial=0))
    streams = []
    for i, (s, t, p) in enumerate(zip(rows.sources, rows.targets, stats["projections"])):
        skip = s == t and p.get("autapses", True) is False
        slots = sizes[s] - skip
        if p["connections"] and (p.get("rule", "pairs") == "pairs" and sizes[t] * slots >= 2**63 or slots >= 2**63):
            raise InputError(f"projection {p['source']!r} -> {p['target']!r}: {sizes[t]:,} × {slots:,} pairs are "
                             "more than 64-bit pair numbers hold; realise fewer neurons")
        streams.append(Stream(i, first[s], first[t], sizes[t], slots, p["connections"], p.get("rule", "pairs"), skip))
    return streams


def check_size(neurons: int, edges: int, folder: Path, max_edges: int) -> int:
    """The bytes the circuit will take; refuse (exit 2) more edges than `max_edges` or more than the disk holds."""
    if edges > max_edges:
        raise ResourceError(f"the network has {edges:,} connections, more than ",
                            Mention("max_edges", f"{max_edges:,}"), ": raise ", Mention("max_edges"),
                            ", or realise fewer neurons")
    need = neurons * NODE_BYTES + edges * EDGE_BYTES + SLACK_BYTES
    free = shutil.disk_usage(folder).free
    if need > free:
        raise ResourceError(f"{folder}: the circuit needs {need / 1e6:,.1f} MB ({neurons:,} nodes, {edges:,} edges) "
                            f"and the disk has {free / 1e6:,.1f} MB free")
    return need


def population_name(name: str | None) -> str:
    """A SONATA population name from a topology name: letters, digits and underscores."""
    return re.sub(r"[^A-Za-z0-9_]", "_", name or "network") or "network"


def realise_sonata(topology: nx.DiGraph | Rows, neurons: int, folder: str | Path, *, seed: int | None = None,
                   scaling: str | None = None, chunk: int = CHUNK, max_edges: int = MAX_EDGES,
                   progress: bool = False, speed: float | None = None) -> dict[str, Any]:
    """Write the explicit network of `topology` at `neurons` neurons as a SONATA circuit in `folder`.

    Exactly the derived count per projection, each pair (rule `pairs`) or synapse (rule `synapses`) drawn
    uniformly, reproducible from `seed` (drawn and returned when None) whatever `chunk` is; memory is bounded
    by `chunk`, not by the number of edges. `speed` (mm/ms) turns `tract_length` into delays where no delay
    is given (`connectome.realise.synapses`). Returns what was written.
    """
    require("sonata", "realise")  # h5py writes the circuit
    started = time.perf_counter()
    rows = rows_of(topology)
    if not isinstance(chunk, int) or chunk < 1:
        raise InputError(Mention("chunk"), f": must be a whole number ≥ 1, got {chunk!r}")
    if not os.fspath(folder):
        raise InputError(Mention("folder"), ": an empty path; name a new folder")
    folder = output_path(folder)
    if folder.exists():
        raise InputError(f"{folder}: already exists; choose a new folder (nothing is overwritten)")
    stats = count_topology(rows, neurons, scaling=scaling)
    streams = plan_streams(rows, stats)
    found = synapses(rows, speed=speed)
    edges = stats["total_connections"]
    remove_abandoned(folder.parent)  # a killed run's temporary folder is not counted against the disk
    need = check_size(neurons, edges, folder.parent, max_edges)
    seed = secrets.randbits(63) if seed is None else seed
    name = population_name(rows.name)
    with staged_folder(folder) as tmp:
        _write_nodes(tmp / "nodes.h5", name, stats["regions"], chunk)
        _write_edges(tmp / "edges.h5", name, streams, edges, seed, chunk, progress)
        _write_types(tmp, rows, stats, found)
        (tmp / "circuit_config.json").write_text(json.dumps(circuit_config(name), indent=2) + "\n")
    return {"folder": str(folder), "population": name, "edge_population": f"{name}_to_{name}", "seed": seed,
            "neurons": neurons, "scaling": stats["scaling"], "nodes": neurons, "edges": edges,
            "estimated_bytes": need, "bytes": sum(f.stat().st_size for f in folder.iterdir()),
            "wall_s": round(time.perf_counter() - started, 3),
            "projections": [{"source": p["source"], "target": p["target"], "rule": p.get("rule", "pairs"),
                             "edges": p["connections"]} for p in stats["projections"]]}


@contextlib.contextmanager
def _hdf5(path: Path) -> Iterator[Any]:
    """An HDF5 file open for writing, closed whatever happens; an error of the close never hides the first.

    h5py reports a failed flush at close (a full disk) as a RuntimeError, with the errno in its text: it
    becomes the OSError it is, which `staged_folder` reports in one line.
    """
    import h5py

    handle = h5py.File(path, "w")
    try:
        yield handle
    except BaseException:
        _close_quietly(handle)
        raise
    try:
        handle.close()
    except RuntimeError as exc:
        found = re.search(r"errno = ([0-9]+)", str(exc))
        code = int(found[1]) if found else errno.EIO
        raise OSError(code, os.strerror(code), str(path)) from None


def _close_quietly(handle: Any) -> None:
    with contextlib.suppress(Exception):
        handle.close()


def _write_nodes(path: Path, name: str, regions: list[dict[str, Any]], chunk: int) -> None:
    import h5py

    total = sum(r["neurons"] for r in regions)
    kind = np.uint16 if len(regions) < 2**16 else np.uint32
    with _hdf5(path) as f:
        f.attrs["magic"], f.attrs["version"] = np.uint32(0x0A7A), np.array([0, 1], dtype=np.uint32)
        group = f.create_group(f"nodes/{name}")
        types = group.create_dataset("node_type_id", (total,), np.int64)
        index = group.create_dataset("node_group_index", (total,), np.uint64)
        group.create_dataset("node_group_id", (total,), np.uint32, fillvalue=0)
        library = group.create_group("0/@library")
        library.create_dataset("region", data=[r["name"] for r in regions], dtype=h5py.string_dtype())
        enum = group["0"].create_dataset("region", (total,), kind)
        start = 0
        for i, region in enumerate(regions):
            for offset in range(0, region["neurons"], chunk):
                k = min(chunk, region["neurons"] - offset)
                types[start:start + k] = i
                enum[start:start + k] = i
                index[start:start + k] = np.arange(start, start + k, dtype=np.uint64)
                start += k


def _write_edges(path: Path, name: str, streams: list[Stream], total: int, seed: int, chunk: int,
                 progress: bool) -> None:
    from tqdm import tqdm

    with _hdf5(path) as f, tqdm(total=total, unit="edge", unit_scale=True, disable=not progress,
                                         desc="realise") as bar:
        f.attrs["magic"], f.attrs["version"] = np.uint32(0x0A7A), np.array([0, 1], dtype=np.uint32)
        group = f.create_group(f"edges/{name}_to_{name}")
        group.create_group("0")
        source = group.create_dataset("source_node_id", (total,), np.uint64)
        target = group.create_dataset("target_node_id", (total,), np.uint64)
        source.attrs["node_population"] = target.attrs["node_population"] = name
        types = group.create_dataset("edge_type_id", (total,), np.uint32)
        index = group.create_dataset("edge_group_index", (total,), np.uint64)
        group.create_dataset("edge_group_id", (total,), np.uint32, fillvalue=0)
        start = 0
        drawn = ((stream.index, src, tgt) for stream in streams for src, tgt in stream.chunks(seed, chunk))
        for kind, src, tgt in _ahead(drawn):
            end = start + len(src)
            source[start:end], target[start:end] = src, tgt
            types[start:end] = kind
            index[start:end] = np.arange(start, end, dtype=np.uint64)
            bar.update(end - start)
            start = end
        if start != total:  # the samplers draw exactly each count; anything else is a bug
            raise AssertionError(f"drew {start} edges where the counts are {total}")


def _ahead(items: Iterator[Any], depth: int = 1) -> Iterator[Any]:
    """`items`, drawn by a second thread up to `depth` ahead: the compiled sampler (which releases the GIL)
    draws the next chunks while this thread writes; memory stays bounded by depth + 2 chunks."""
    import queue
    import threading

    box: queue.Queue = queue.Queue(maxsize=depth)
    done, stop = object(), threading.Event()

    def produce() -> None:
        try:
            for item in items:
                while not stop.is_set():
                    try:
                        box.put(item, timeout=0.1)
                        break
                    except queue.Full:
                        continue
                if stop.is_set():
                    return
            box.put(done)
        except BaseException as exc:  # handed to the consumer, which raises it
            box.put(exc)

    worker = threading.Thread(target=produce, name="realise-sampler", daemon=True)
    worker.start()
    try:
        while (item := box.get()) is not done:
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        stop.set()
        worker.join()


def _scalars(attrs: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in attrs.items() if isinstance(v, (str, int, float, bool))}


def _write_types(folder: Path, rows: Rows, stats: dict[str, Any], found: list[Synapse]) -> None:
    """node_types.csv and edge_types.csv: SONATA's space-separated tables, NULL where a value is absent."""
    regions = [{"node_type_id": i, "region": name, "neurons": r["neurons"], "model_type": "point_process",
                **_scalars(attrs)} for i, ((name, attrs), r) in enumerate(zip(rows.regions, stats["regions"]))]
    edges = [{"edge_type_id": i, "source_query": f"region=={p['source']!r}", "target_query": f"region=={p['target']!r}",
              "rule": p.get("rule", "pairs"), "strength": p["strength"], "connections": p["connections"],
              "sign": s.sign, "syn_weight": s.weight, "delay": s.delay}
             for i, (p, s) in enumerate(zip(stats["projections"], found))]
    for name, table in (("node_types.csv", regions), ("edge_types.csv", edges)):
        columns = list(dict.fromkeys(k for row in table for k in row))
        with open(folder / name, "w", newline="", encoding="utf-8") as fh:
            writer = csv.writer(fh, delimiter=" ", quoting=csv.QUOTE_MINIMAL, lineterminator="\n")
            writer.writerow(columns)
            writer.writerows([["NULL" if row.get(c) is None else row[c] for c in columns] for row in table])


def circuit_config(name: str) -> dict[str, Any]:
    """The circuit_config.json of a realised network."""
    return {"manifest": {"$BASE_DIR": "."}, "components": {},
            "networks": {"nodes": [{"nodes_file": "$BASE_DIR/nodes.h5", "node_types_file": "$BASE_DIR/node_types.csv",
                                    "populations": {name: {"type": "point_neuron"}}}],
                         "edges": [{"edges_file": "$BASE_DIR/edges.h5", "edge_types_file": "$BASE_DIR/edge_types.csv",
                                    "populations": {f"{name}_to_{name}": {"type": "chemical"}}}]}}
