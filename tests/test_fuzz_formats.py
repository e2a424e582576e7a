"""Fuzzing every reader through `topology import`: 320 seeded mutations of a valid file per format.

Every case must exit 0, or exit 2 with one line on stderr and nothing written to the store, each in
under 5 s. The mutations (byte flips, truncations, insertions, duplications and deletions, huge
numbers, header damage) come from `random.Random(SEED)`, so a failure names a case that reruns the same.
"""

from __future__ import annotations

import io
import json
import random
import re
import time
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from scipy.io import savemat

from connectome.cli import cli
from connectome.formats.canonical import read_json
from connectome.formats.graphml import write_graphml
from connectome.formats.tvb import write_tvb
from conftest import EXAMPLE, table_counts

SEED = 18
CASES = 320
TIME_LIMIT_S = 5.0
_DIGITS = re.compile(rb"[0-9]+")
M = np.array([[0.0, 2.5, 0.0, 1.0], [0.0, 0.0, 1.0, 0.0], [4.0, 0.0, 0.5, 0.0], [0.0, 3.0, 0.0, 0.0]])
NAMES = ["V1", "V2", "MT", "thalamus"]


def _seed_files() -> dict[str, tuple[str, bytes, tuple[str, ...]]]:
    """format -> (file suffix, valid content, extra CLI options)."""
    graph = read_json(EXAMPLE)
    graphml, tvb, npy, mat = io.BytesIO(), io.BytesIO(), io.BytesIO(), io.BytesIO()
    write_graphml(graph, graphml)
    write_tvb(graph, tvb)
    np.save(npy, M)
    labels = np.empty((4, 1), dtype=object)
    labels[:, 0] = NAMES
    savemat(mat, {"W": M, "names": labels}, do_compression=True)
    edges = ["source,target,strength,tract_length"] + [f"{s},{t},{a['strength']},{a['tract_length']}"
                                                       for s, t, a in graph.edges(data=True)]
    matrix = [",".join(["", *NAMES])] + [",".join([n, *map(repr, row)]) for n, row in zip(NAMES, M.tolist())]
    return {
        "json": (".json", EXAMPLE.read_bytes(), ()),
        "csv": (".csv", "\n".join(edges).encode() + b"\n", ()),
        "tsv": (".tsv", "\n".join(edges).replace(",", "\t").encode() + b"\n", ()),
        "graphml": (".graphml", graphml.getvalue(), ()),
        "tvb": (".zip", tvb.getvalue(), ()),
        "npy": (".npy", npy.getvalue(), ()),
        "mat": (".mat", mat.getvalue(), ("--matrix-key", "W", "--labels-key", "names")),
        "matrix-csv": (".csv", "\n".join(matrix).encode() + b"\n", ("--format", "matrix-csv")),
    }


SEEDS = _seed_files()


def _huge_number(rng: random.Random) -> bytes:
    return rng.choice([b"9" * rng.randint(20, 5000), b"1e999", b"-1e308", b"4294967295", b"18446744073709551616",
                       b"1" + b"0" * 400, b"nan", b"0." + b"0" * 400 + b"1", b"1000000, 1000000", b"(99999999, 99999999)"])


def _mutate(data: bytes, rng: random.Random) -> tuple[bytes, str]:
    """One or two random damages to `data`, and what they were."""
    out = bytearray(data)
    done = []
    for _ in range(rng.choice((1, 1, 2))):
        kind = rng.choice(("flip", "truncate", "insert", "duplicate", "delete", "huge", "header", "binary-huge"))
        at = rng.randrange(max(len(out), 1))
        if kind == "flip":
            for _ in range(rng.randint(1, 8)):
                out[rng.randrange(len(out))] = rng.randrange(256)
        elif kind == "truncate":
            del out[at:]
        elif kind == "insert":
            out[at:at] = bytes(rng.randrange(256) for _ in range(rng.randint(1, 64)))
        elif kind == "duplicate":
            piece = out[at:at + rng.randint(1, 4096)]
            where = rng.randrange(len(out) + 1)
            out[where:where] = piece * rng.randint(1, 50)
        elif kind == "delete":
            del out[at:at + rng.randint(1, 256)]
        elif kind == "huge":
            digits = list(_DIGITS.finditer(bytes(out)))
            if digits:
                hit = rng.choice(digits)
                out[hit.start():hit.end()] = _huge_number(rng)
        elif kind == "header":
            for _ in range(rng.randint(1, 4)):
                out[rng.randrange(min(len(out), 160) or 1)] = rng.randrange(256)
        else:  # a 32-bit field set to a huge value: sizes, counts and lengths of binary formats
            if len(out) >= 4:
                at = rng.randrange(len(out) - 3)
                out[at:at + 4] = rng.choice((b"\xff\xff\xff\xff", b"\xff\xff\xff\x7f", b"\x00\x00\x00\x80"))
        done.append(f"{kind}@{at}")
        if not out:
            break
    return bytes(out), "+".join(done)


def _import(db: Path, path: Path, options: tuple[str, ...]) -> tuple[int, str, BaseException | None, float]:
    runner = CliRunner(env={"CONNECTOME_DB": str(db)})
    start = time.perf_counter()
    result = runner.invoke(cli, ["topology", "import", str(path), *options], catch_exceptions=True)
    elapsed = time.perf_counter() - start
    exception = None if isinstance(result.exception, SystemExit) else result.exception
    return result.exit_code, result.stderr, exception, elapsed


def _verdict(code: int, stderr: str, exception: BaseException | None, elapsed: float, before: dict,
             after: dict) -> str | None:
    """What is wrong with one case's outcome, or None."""
    if exception is not None or "Traceback" in stderr:
        return f"exit {code}: {type(exception).__name__}: {exception}"
    if elapsed > TIME_LIMIT_S:
        return f"took {elapsed:.1f} s"
    if code == 0:
        return None
    lines = stderr.strip().splitlines()
    if code != 2 or len(lines) != 1 or not lines[0].startswith("error: "):
        return f"exit {code} with {len(lines)} stderr lines: {stderr[:300]!r}"
    if after != before:
        return f"refused, but the store changed: {before} -> {after}"
    return None


@pytest.mark.parametrize("fmt", list(SEEDS))
def test_every_mutation_is_imported_or_refused_in_one_line(fmt, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    suffix, valid, options = SEEDS[fmt]
    db = tmp_path / "store.db"
    seed_file = tmp_path / f"seed{suffix}"
    seed_file.write_bytes(valid)
    code, stderr, exception, _ = _import(db, seed_file, options)
    assert code == 0 and exception is None, (stderr, exception)  # the valid file imports, and creates the store
    rng = random.Random(f"{SEED}-{fmt}")
    problems, imported, worst = [], 0, (0.0, "")
    for case in range(CASES):
        data, how = _mutate(valid, rng)
        path = tmp_path / f"case{case}{suffix}"
        path.write_bytes(data)
        before = table_counts(db)
        code, stderr, exception, elapsed = _import(db, path, options)
        problem = _verdict(code, stderr, exception, elapsed, before, table_counts(db) if code else before)
        if problem:
            problems.append(f"case {case} ({how}): {problem}")
        imported += code == 0
        worst = max(worst, (elapsed, f"case {case} ({how})"))
        path.unlink()
    with capsys.disabled():
        print(f"\nfuzz {fmt}: {CASES} cases, {imported} imported, {CASES - imported} refused in one line; "
              f"worst {worst[0]:.3f} s ({worst[1]})")
    assert problems == [], "\n".join(problems[:20])
    assert worst[0] < TIME_LIMIT_S


def test_mutations_are_reproducible():
    """The same seed gives the same cases, so a failure report names a case that reruns."""
    first, again = ([_mutate(SEEDS["json"][1], rng) for _ in range(5)] for rng in (random.Random(1), random.Random(1)))
    assert first == again and len({data for data, _ in first}) == 5
    assert json.loads(SEEDS["json"][1])["name"] == "multi_region"
