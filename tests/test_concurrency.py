"""Concurrent writers on both back-ends: processes released by one barrier, round after round."""

from __future__ import annotations

import multiprocessing
import traceback

import networkx as nx
import pytest

from conftest import raw_sql

CTX = multiprocessing.get_context("fork")
IMPORTERS, IMPORT_ROUNDS = 10, 20
CREATORS, CREATE_ROUNDS = 5, 10


def _graph(name: str, worker: int) -> nx.DiGraph:
    g = nx.DiGraph(name=name)
    g.add_node("a", share=1.0)
    g.add_node("b", share=2.0)
    g.add_edge("a", "b", strength=1.0 + worker)  # different content per worker
    return g


def _importer(url: str, worker: int, barrier, results) -> None:
    from connectome.store import Store

    for rnd in range(IMPORT_ROUNDS):
        barrier.wait(timeout=120)
        try:
            with Store(url) as store:
                saved = store.save(_graph(f"race{rnd}", worker))
            results.put((rnd, worker, saved.version, None))
        except BaseException:  # noqa: BLE001 - the parent reports what any worker hit
            results.put((rnd, worker, None, traceback.format_exc(limit=3)))


def _creator(urls: list[str], worker: int, barrier, results) -> None:
    from connectome.store import Store

    for rnd, url in enumerate(urls):
        barrier.wait(timeout=120)
        try:
            with Store(url) as store:
                results.put((rnd, worker, len(store.versions()), None))
        except BaseException:  # noqa: BLE001
            results.put((rnd, worker, None, traceback.format_exc(limit=3)))


def _run(target, args_for, workers: int, rounds: int) -> dict[int, list]:
    barrier, results = CTX.Barrier(workers), CTX.Queue()
    procs = [CTX.Process(target=target, args=(*args_for(w), barrier, results)) for w in range(workers)]
    for p in procs:
        p.start()
    outcomes: dict[int, list] = {}
    for _ in range(workers * rounds):
        rnd, worker, value, error = results.get(timeout=300)
        outcomes.setdefault(rnd, []).append((worker, value, error))
    for p in procs:
        p.join(timeout=60)
    return outcomes


def test_ten_importers_under_one_name_get_versions_one_to_ten(store_url):
    """10 processes import different content under one name at the same moment, 20 rounds: all succeed."""
    from connectome.store import Store

    Store(store_url).close()
    outcomes = _run(_importer, lambda w: (store_url, w), IMPORTERS, IMPORT_ROUNDS)
    errors = [e for rows in outcomes.values() for _, _, e in rows if e]
    held = sum(sorted(v for _, v, _ in rows) == list(range(1, IMPORTERS + 1)) for rows in outcomes.values())
    assert not errors, errors[0]
    assert held == IMPORT_ROUNDS, outcomes
    stored = raw_sql(store_url, "SELECT t.name, count(*), count(DISTINCT v.content_hash), max(v.version) "
                                "FROM topology_versions v JOIN topologies t ON t.id = v.topology_id GROUP BY t.name")
    assert sorted(stored) == sorted((f"race{r}", IMPORTERS, IMPORTERS, IMPORTERS) for r in range(IMPORT_ROUNDS))


def _empty_urls(request, tmp_path, backend: str) -> list[str]:
    if backend == "sqlite":
        return [str(tmp_path / f"new{r}.db") for r in range(CREATE_ROUNDS)]
    return [request.getfixturevalue("pg_server").create_database(f"connectome_create_{r}") for r in range(CREATE_ROUNDS)]


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_five_processes_create_one_schema(request, tmp_path, backend):
    """5 processes open the same empty database at the same moment, 10 rounds: all succeed, one schema."""
    urls = _empty_urls(request, tmp_path, backend)
    try:
        outcomes = _run(_creator, lambda w: (urls, w), CREATORS, CREATE_ROUNDS)
        errors = [e for rows in outcomes.values() for _, _, e in rows if e]
        assert not errors, errors[0]
        assert all(len(rows) == CREATORS for rows in outcomes.values())
        for url in urls:
            assert raw_sql(url, "SELECT version_num FROM alembic_version") == [("0009",)]
    finally:
        if backend == "postgresql":
            for r in range(CREATE_ROUNDS):
                request.getfixturevalue("pg_server").drop_database(f"connectome_create_{r}")
