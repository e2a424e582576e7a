"""The README's promises: its SQL examples give the outputs shown, its Python example runs, CI runs its test command."""

import re
import sqlite3
import subprocess
import sys

import pytest

from conftest import EXAMPLE, ROOT

README = (ROOT / "README.md").read_text(encoding="utf-8")
SQL_PAGE = (ROOT / "docs" / "guide" / "sql.md").read_text(encoding="utf-8")
SQL_EXAMPLES = re.findall(r"```sql\n(.*?)\n```\n```text\n(.*?)\n```", SQL_PAGE, re.S)


def _format(rows):
    return "\n".join("|".join("" if v is None else str(v) for v in row) for row in rows)


@pytest.fixture(scope="module")
def readme_store(tmp_path_factory):
    db = tmp_path_factory.mktemp("readme") / "connectome.db"
    from click.testing import CliRunner
    from connectome.cli import cli

    runner = CliRunner(env={"CONNECTOME_DB": str(db)})
    assert runner.invoke(cli, ["topology", "import", str(EXAMPLE)]).exit_code == 0
    done = runner.invoke(cli, ["simulate", "--topology", "v1", "--neurons", "1e6", "--deterministic",
                               "--stimulus", "sensory_cortex=1.0", "--duration", "100"])
    assert done.exit_code == 0, done.output
    return db


def test_readme_has_sql_examples():
    assert len(SQL_EXAMPLES) >= 5


@pytest.mark.parametrize("query, expected", SQL_EXAMPLES, ids=[f"sql{i}" for i in range(len(SQL_EXAMPLES))])
def test_sql_example(readme_store, query, expected):
    with sqlite3.connect(readme_store) as conn:
        assert _format(conn.execute(query).fetchall()) == expected


def test_python_example_runs(tmp_path):
    code = re.search(r"```python\n(from connectome import .*?)\n```", README, re.S).group(1)
    code = code.replace("examples/multi_region.json", str(EXAMPLE))
    done = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["multi_region@v1", str(6_537_500_000)]


def test_ci_runs_the_readme_test_command():
    block = re.search(r"<!-- test-command -->\n```bash\n(.*?)\n```\n<!-- /test-command -->", README, re.S).group(1)
    assert "pytest" in block and "pip install" in block and "mkdocs build --strict" in block  # the site, strictly
    script = (ROOT / ".ci" / "run").read_text()
    assert "<!-- test-command -->" in script and "README.md" in script
