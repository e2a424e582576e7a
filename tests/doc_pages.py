"""The documentation's pages as the test suite runs them: every command and code block, in page order.

A page's fenced blocks, by language:

* ``console``: each ``$ connectome ARGS`` line is a command, run by the installed ``connectome`` script (no
  shell; ``shlex`` splits it) in the page's working folder; the lines after it, up to the next ``$`` line,
  are what it prints (standard output and error as a terminal shows them). ``…`` in a line stands for any
  text (a time, an id, a hash); a line that is only ``…`` for any number of lines. A last line ``[exit N]``
  says the command exits with N (else 0).
* ``python``: run as it stands, in one namespace per page.
* ``pycon``: a doctest (``>>>`` and the output it prints; ``...`` as doctest's ellipsis), in that namespace.

Any other block (``text``, ``json``, ``sql``, ``bash``) is shown, not run; so is a block right after a line
``<!-- not run -->`` (installing, starting a server). A page whose first line is ``<!-- docs-test: db=postgresql
-->`` runs with ``CONNECTOME_DB`` set to a fresh PostgreSQL database. Each page runs in a fresh folder holding
a link to the repository's ``examples/``.
"""

from __future__ import annotations

import doctest
import os
import re
import shlex
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
RUN = {"console", "python", "pycon"}
FENCE = re.compile(r"^(?P<indent>[ \t]*)```(?P<lang>[\w-]*)[^\n]*\n(?P<body>.*?)^(?P=indent)```[ \t]*$", re.M | re.S)
NOT_RUN = "<!-- not run -->"
OPTIONS = re.compile(r"\A<!-- docs-test: (?P<options>[^>]*?) -->")
EXIT = re.compile(r"^\[exit (\d+)\]$")
TIMEOUT_S = 900


@dataclass
class Block:
    """A fenced block of a page: its language, text and first line (1-based)."""

    lang: str
    text: str
    line: int


def blocks(page: Path) -> list[Block]:
    """The blocks of `page` that run, in order."""
    text = page.read_text(encoding="utf-8")
    out = []
    for m in FENCE.finditer(text):
        before = text[:m.start()].rstrip().rsplit("\n", 1)[-1].strip()
        if m.group("lang") in RUN and before != NOT_RUN:
            body = "\n".join(line[len(m.group("indent")):] for line in m.group("body").splitlines())
            out.append(Block(m.group("lang"), body, text.count("\n", 0, m.start()) + 2))
    return out


def options(page: Path) -> dict[str, str]:
    """The page's `docs-test` options (`db=postgresql`)."""
    m = OPTIONS.match(page.read_text(encoding="utf-8"))
    return dict(item.strip().split("=", 1) for item in m.group("options").split(",")) if m else {}


def pages() -> list[Path]:
    """Every page of the site with a block that runs, and the README."""
    return [p for p in [ROOT / "README.md", *sorted(DOCS.rglob("*.md"))] if blocks(p)]


def commands(block: Block) -> list[tuple[str, list[str], int]]:
    """(command line, expected lines, expected exit status) of each `$` line of a console block."""
    out: list[tuple[str, list[str], int]] = []
    for line in block.text.splitlines():
        if line.startswith("$ "):
            out.append((line[2:], [], 0))
        elif not out:
            raise ValueError(f"line {block.line}: a console block starts with a `$ connectome …` line")
        elif EXIT.match(line):
            out[-1] = (out[-1][0], out[-1][1], int(EXIT.match(line).group(1)))
        else:
            out[-1][1].append(line.rstrip())
    return out


def matches(expected: list[str], actual: list[str]) -> bool:
    """Whether `actual` lines are `expected`, `…` standing for any text within a line, or any lines alone."""
    pattern = "".join(r"(?:[^\n]*\n)*?" if line == "…" else re.escape(line).replace("…", "[^\n]*?") + "\n"
                      for line in expected)
    return re.fullmatch(pattern, "".join(line + "\n" for line in actual)) is not None


def program() -> str:
    """The installed `connectome` script beside this Python."""
    found = Path(sys.executable).with_name("connectome")
    return str(found) if found.exists() else shutil.which("connectome") or "connectome"


def run_command(line: str, folder: Path, env: dict[str, str]) -> tuple[list[str], int]:
    """Run one `$` line in `folder`; its printed lines (output and errors interleaved) and exit status."""
    argv = shlex.split(line)
    if argv[0] != "connectome":
        raise ValueError(f"{line!r}: a console block runs `connectome` commands only")
    done = subprocess.run([program(), *argv[1:]], cwd=folder, env=env, stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, text=True, timeout=TIMEOUT_S)
    return [x.rstrip() for x in done.stdout.splitlines()], done.returncode


def environment(db: str | None) -> dict[str, str]:
    """The commands' environment: unbuffered (errors where a terminal shows them), a fixed width, the page's store."""
    env = {k: v for k, v in os.environ.items() if k != "CONNECTOME_DB"}
    env.update(PYTHONUNBUFFERED="1", COLUMNS="100", NO_COLOR="1", TERM="dumb")
    if db:
        env["CONNECTOME_DB"] = db
    return env


def run_page(page: Path, folder: Path, db: str | None = None) -> list[str]:
    """Run every block of `page` in `folder`; what went wrong, one entry per failing block (empty: all held)."""
    (folder / "examples").symlink_to(ROOT / "examples", target_is_directory=True)
    env, namespace, problems = environment(db), {"__name__": "__docs__"}, []
    where = page.relative_to(ROOT)
    cwd, kept = os.getcwd(), os.environ.get("CONNECTOME_DB")
    os.chdir(folder)
    os.environ.pop("CONNECTOME_DB", None)
    if db:  # the page's Python blocks see the store its commands use
        os.environ["CONNECTOME_DB"] = db
    try:
        for block in blocks(page):
            if block.lang == "console":
                for line, expected, status in commands(block):
                    actual, code = run_command(line, folder, env)
                    if code != status or not matches(expected, actual):
                        problems.append(f"{where}:{block.line}: $ {line}\n  exit {code} (expected {status}); printed:\n"
                                        + "\n".join("    " + x for x in actual))
            elif block.lang == "python":
                exec(compile(block.text, f"{where}:{block.line}", "exec"), namespace)  # noqa: S102
            else:
                test = doctest.DocTestParser().get_doctest(block.text, namespace, str(where), str(where), block.line - 1)
                runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
                out: list[str] = []
                if runner.run(test, out=out.append, clear_globs=False).failed:
                    problems.append("".join(out))
                namespace.update(test.globs)  # doctest ran on a copy: what it defined goes on to the next block
    finally:
        os.chdir(cwd)
        os.environ.pop("CONNECTOME_DB", None)
        if kept is not None:
            os.environ["CONNECTOME_DB"] = kept
    return problems
