"""The command line owns the flags: the library names parameters by keyword, the CLI spells them as flags."""

from __future__ import annotations

import ast
import io
import re
import tokenize

import click
import pytest

from connectome.cli import cli
from connectome.cli.flags import FLAGS, flag_of, spelled
from connectome.errors import ConnectomeWarning, InputError, Mention
from conftest import EXAMPLE, ROOT, assert_one_line_error

LIBRARY = ROOT / "connectome"
FLAG = re.compile(r"(?<![\w-])--[a-z][a-z0-9-]*")
# the generated NEST and PyNN scripts parse their own command lines: those flags are the scripts', not ours
OWN_FLAGS = {"realise/scripts.py"}


def _library_modules():
    for path in sorted(LIBRARY.rglob("*.py")):
        relative = path.relative_to(LIBRARY).as_posix()
        if not relative.startswith("cli/"):
            yield relative, path


def _flags_named(path) -> list[tuple[int, str]]:
    tokens = tokenize.generate_tokens(io.StringIO(path.read_text()).readline)
    return [(t.start[0], flag) for t in tokens if t.type in (tokenize.STRING, tokenize.COMMENT)
            for flag in FLAG.findall(t.string)]


def test_no_module_outside_the_cli_names_a_flag():
    named = {relative: _flags_named(path) for relative, path in _library_modules() if relative not in OWN_FLAGS}
    assert {relative: found for relative, found in named.items() if found} == {}
    assert _flags_named(LIBRARY / "realise" / "scripts.py")  # the check sees what it looks for


def _options_of_the_cli() -> set[str]:
    def walk(command: click.Command):
        yield command
        for sub in getattr(command, "commands", {}).values():
            yield from walk(sub)
    return {opt for command in walk(cli) for param in command.params for opt in param.opts}


def _mentioned() -> set[str]:
    keywords = set()
    for _, path in _library_modules():
        for node in ast.walk(ast.parse(path.read_text())):
            if (isinstance(node, ast.Call) and getattr(node.func, "id", getattr(node.func, "attr", None)) == "Mention"
                    and node.args and isinstance(node.args[0], ast.Constant)):
                keywords.add(node.args[0].value)
    return keywords


def test_every_parameter_the_library_names_is_a_flag_of_the_cli():
    options = _options_of_the_cli()
    mentioned = _mentioned()
    assert {"dt_ms", "params", "workers", "max_projections"} <= mentioned  # the scan sees the Mentions
    unspelled = {k: flag_of(k) for k in mentioned if flag_of(k) is None or flag_of(k).split()[0].split("/")[-1]
                 not in options}
    assert unspelled == {}
    assert {flag.split()[0].split("/")[-1] for flag in FLAGS.values()} <= options  # the table names real flags


def test_the_same_error_reads_in_keywords_from_python_and_in_flags_on_the_command_line():
    error = InputError(Mention("dt_ms"), ": must be > 0; or raise ", Mention("max_steps", "1e9"), " and ",
                       Mention("params", key="tau"))
    assert str(error) == "dt_ms: must be > 0; or raise max_steps=1e9 and params['tau']"
    assert spelled(error) == "--dt: must be > 0; or raise --max-steps 1e9 and --param tau"
    warning = ConnectomeWarning(Mention("dt_ms"), ": stiff")
    assert (str(warning), spelled(warning), spelled("plain")) == ("dt_ms: stiff", "--dt: stiff", "plain")


def test_an_error_keeps_its_mentions_through_pickling():
    import pickle

    error = pickle.loads(pickle.dumps(InputError("sweep 3: ", Mention("workers", "4"), ": too many")))
    assert (str(error), spelled(error)) == ("sweep 3: workers=4: too many", "sweep 3: --workers 4: too many")


@pytest.mark.parametrize("args, message", [
    (["simulate", "--dt", "-1"], "error: --dt: must be > 0, got -1.0"),
    (["simulate", "--duration", "1e9", "--dt", "1e-3"], "error: --duration/--dt: 1e+09 ms in steps of 0.001 ms is "
     "1,000,000,000,000 steps, more than the 100,000,000 allowed; use a larger --dt, or raise --max-steps"),
    (["simulate", "--model", "wilson-cowan", "--param", "nope=1"], "error: --param: wilson-cowan has no parameter nope"),
    (["sweep", "--grid", "coupling=0:1:5", "--workers", "99999"], "error: --workers: at most "),
])
def test_the_command_line_names_its_flags(run, args, message):
    assert run("topology", "import", EXAMPLE).exit_code == 0
    assert_one_line_error(run(*args[:1], "--topology", "multi_region", "--neurons", "1e3", *args[1:]), message)


def test_python_names_keywords():
    from connectome.sim import make_spec

    with pytest.raises(InputError, match=r"^dt_ms: must be > 0, got -1$"):
        make_spec(1000, dt_ms=-1)
