"""Small comforts: examples in every --help, --version with the schema revision, list filters, completion."""

import os
import shlex
import subprocess
import sys

import click
import pytest

from connectome.cli import cli
from connectome.store.migrate import HEAD
from conftest import EXAMPLE, ROOT


def _commands(group=cli, path=()):
    for name, command in group.commands.items():
        if isinstance(command, click.Group):
            yield from _commands(command, (*path, name))
        else:
            yield (*path, name), command


@pytest.mark.parametrize("path, command", list(_commands()), ids=lambda v: " ".join(v) if isinstance(v, tuple) else "")
def test_every_command_shows_examples_that_name_it(run, path, command):
    text = run(*path, "--help").stdout
    assert "Example" in text
    examples = [line.strip() for line in text.split("Example", 1)[1].splitlines()[1:]
                if line.strip().startswith("connectome ")]  # in process, the program is named `connectome`
    assert examples, text
    for example in examples:
        words = shlex.split(example)[1:]
        if words[0] == "--db":  # a global option before the command
            words = words[2:]
        group = cli
        for word in words:  # the example's command words resolve to this very command
            if not isinstance(group, click.Group):
                break
            group = group.commands[word]
        assert group is command, example


def test_version_names_the_schema_revision(run):
    out = run("--version").stdout
    assert out == f"connectome 0.1.0 (database schema revision {HEAD})\n" and HEAD == "0009"


def test_list_filters_by_name_and_latest(run, tmp_path):
    for name in ("alpha", "alps", "beta"):
        run("topology", "import", EXAMPLE, "--name", name)
    run("topology", "import", EXAMPLE, "--name", "alpha", "--strength-scale", "2")
    refs = lambda *args: [v["ref"] for v in run("topology", "list", *args, "--json").json()]  # noqa: E731
    assert refs() == ["alpha@v1", "alpha@v2", "alps@v1", "beta@v1"]
    assert refs("--latest") == ["alpha@v2", "alps@v1", "beta@v1"]
    assert refs("--name", "al*") == ["alpha@v1", "alpha@v2", "alps@v1"]
    assert refs("--name", "al*", "--latest") == ["alpha@v2", "alps@v1"]
    assert refs("--name", "alp") == [] and refs("--name", "beta") == ["beta@v1"]


def test_shell_completion_offers_topology_references(run, db):
    run("topology", "import", EXAMPLE)
    env = {**os.environ, "CONNECTOME_DB": str(db), "_CONNECTOME_COMPLETE": "bash_complete",
           "COMP_WORDS": "connectome topology stats mu", "COMP_CWORD": "3"}
    done = subprocess.run([sys.executable, "-m", "connectome"], env=env, capture_output=True, text=True, cwd=ROOT,
                          timeout=60)
    assert done.stdout.splitlines() == ["plain,multi_region", "plain,multi_region@v1"], done.stderr
    env["COMP_WORDS"], env["COMP_CWORD"] = "connectome simulate --topology multi_region@", "3"
    done = subprocess.run([sys.executable, "-m", "connectome"], env=env, capture_output=True, text=True, cwd=ROOT,
                          timeout=60)
    assert done.stdout.splitlines() == ["plain,multi_region@v1"]
    env["CONNECTOME_DB"] = str(db.parent / "missing" / "x.db")  # no store: no suggestion, no error
    done = subprocess.run([sys.executable, "-m", "connectome"], env=env, capture_output=True, text=True, cwd=ROOT,
                          timeout=60)
    assert (done.returncode, done.stdout.strip(), done.stderr) == (0, "", "")
    env["CONNECTOME_DB"] = str(db.parent / "new.db")
    subprocess.run([sys.executable, "-m", "connectome"], env=env, capture_output=True, timeout=60, cwd=ROOT)
    assert not (db.parent / "new.db").exists()  # completing never creates a database


@pytest.mark.parametrize("args", [["topology", "list"], ["runs", "list"],
                                  ["sweeps", "list"], ["db", "current"]])
def test_store_commands_start_without_the_heavy_libraries(tmp_path, args):
    """A command that reads rows imports neither numpy nor SQLAlchemy, numba, networkx or Dask: its start-up
    stays a small multiple of Python's own (docs/benchmarks.md, start-up)."""
    import subprocess
    import sys

    db = tmp_path / "s.db"
    code = ("import sys\nfrom connectome.cli import main\ntry:\n    main(sys.argv[1:])\nexcept SystemExit:\n    pass\n"
            "print(sorted(m for m in ('numpy', 'sqlalchemy', 'numba', 'networkx', 'dask', 'distributed') "
            "if m in sys.modules), file=sys.stderr)")
    subprocess.run([sys.executable, "-m", "connectome", "--db", str(db), "topology", "import", str(EXAMPLE)],
                   check=True, capture_output=True, timeout=120)
    done = subprocess.run([sys.executable, "-c", code, "--db", str(db), *args], capture_output=True, text=True,
                          timeout=120)
    assert done.stderr.strip().splitlines()[-1] == "[]", done.stderr
