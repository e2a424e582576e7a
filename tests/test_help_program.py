"""Help that fits where it runs: `--help` names the program as it was started, in its usage line and in every
example (`connectome`, `python -m connectome`, `python cli.py`), through the real entry points."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import click
import pytest

from connectome.cli import cli

ROOT = Path(__file__).resolve().parent.parent


def _script() -> str | None:
    """The installed `connectome` console script beside this Python, else on PATH."""
    found = Path(sys.executable).with_name("connectome")
    return str(found) if found.exists() else shutil.which("connectome")


PROGRAMS = [  # (argv that starts the program, from ROOT; the name its help gives)
    pytest.param(["connectome"], "connectome", id="console-script"),
    pytest.param([sys.executable, "-m", "connectome"], "python -m connectome", id="python-m"),
    pytest.param([sys.executable, "cli.py"], "python cli.py", id="cli.py"),
]


def examples(text: str) -> list[str]:
    """The example lines of a help text: the indented lines under `Example:` or `Examples:`, each stripped and
    ended by one space (so that `connectome runs list ` starts with the words `connectome runs list `)."""
    block = re.search(r"^\s*Examples?:\n((?:[ \t]+\S.*\n?)+)", text, re.M)
    return [line.strip() + " " for line in block.group(1).splitlines()] if block else []


@pytest.mark.parametrize("argv, program", PROGRAMS)
@pytest.mark.parametrize("words", [["simulate"], ["topology", "import"]], ids=" ".join)
def test_help_examples_name_the_program_as_started(argv, program, words):
    if argv == ["connectome"]:
        script = _script()
        if script is None:
            pytest.skip("NOT RUN: the `connectome` console script is not installed (pip install -e . installs it)")
        argv = [script]
    env = {**os.environ, "COLUMNS": "200"}
    env.pop("_CONNECTOME_COMPLETE", None)
    done = subprocess.run([*argv, *words, "--help"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith(f"Usage: {program} {' '.join(words)} [OPTIONS]"), done.stdout
    found = examples(done.stdout)
    assert len(found) >= 2, done.stdout
    assert all(line.startswith(f"{program} {' '.join(words)} ") for line in found), found


def _commands(command: click.Command, path: tuple[str, ...] = ()):
    yield path, command
    for name, sub in getattr(command, "commands", {}).items():
        yield from _commands(sub, (*path, name))


def test_every_help_text_writes_its_examples_for_the_console_script():
    """The help texts give their examples as `connectome WORDS` (as the reference pages show them): that is the
    text `--help` rewrites for the program in use, so an example written any other way would not follow it."""
    checked = 0
    for path, command in _commands(cli):
        for line in examples(command.help or ""):
            assert line.startswith(f"connectome {' '.join(path)} ") or line.startswith("connectome --"), \
                (" ".join(path), line)
            checked += 1
    assert checked >= 30


def test_an_unknown_program_file_is_named_as_started_and_the_console_script_otherwise():
    from connectome.settings import invoked_program

    assert invoked_program("/opt/tools/lab.py") == "python lab.py"
    assert invoked_program("") == "connectome"
