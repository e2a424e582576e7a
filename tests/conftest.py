"""Shared fixtures: a fresh database file per test and a runner for the real CLI."""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import CliRunner

from connectome.cli import cli

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "multi_region.json"


@dataclass
class Outcome:
    """What one CLI invocation did."""

    exit_code: int
    stdout: str
    stderr: str
    exception: BaseException | None

    def json(self):
        return json.loads(self.stdout)


@pytest.fixture
def db(tmp_path: Path) -> Path:
    """The path of a database file that does not exist yet."""
    return tmp_path / "store.db"


@pytest.fixture
def run(db: Path, monkeypatch: pytest.MonkeyPatch):
    """Run the CLI against `db` (via CONNECTOME_DB) in the test's temporary folder."""
    monkeypatch.chdir(db.parent)

    def invoke(*args: str, env: dict[str, str] | None = None) -> Outcome:
        runner = CliRunner(env={"CONNECTOME_DB": str(db), **(env or {})})
        result = runner.invoke(cli, [str(a) for a in args], catch_exceptions=True)
        if result.exception is not None and not isinstance(result.exception, SystemExit):
            raise result.exception
        return Outcome(result.exit_code, result.stdout, result.stderr, result.exception)

    return invoke


def table_counts(path: Path) -> dict[str, int]:
    """Rows per table of a SQLite file (empty dict when the file does not exist)."""
    if not path.exists():
        return {}
    with sqlite3.connect(path) as conn:
        names = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        return {n: conn.execute(f'SELECT count(*) FROM "{n}"').fetchone()[0] for n in names}


def assert_one_line_error(outcome: Outcome, *fragments: str, code: int = 2) -> None:
    """Exit `code`, exactly one line on stderr starting with `error:` and containing every fragment."""
    assert outcome.exit_code == code, (outcome.exit_code, outcome.stdout, outcome.stderr)
    lines = outcome.stderr.strip().splitlines()
    assert len(lines) == 1, outcome.stderr
    assert lines[0].startswith("error: "), lines[0]
    assert "Traceback" not in outcome.stderr
    for fragment in fragments:
        assert fragment in lines[0], (fragment, lines[0])


def input_error(call) -> str:
    """The one-line message of the InputError that `call()` raises."""
    from connectome.errors import InputError

    with pytest.raises(InputError) as info:
        call()
    message = str(info.value)
    assert "\n" not in message and "Traceback" not in message
    return message
