"""Formats are a registry: adding one is one module plus its registration (`tests/plugins/edgelist.py`, through
`CONNECTOME_PLUGINS` and the real command line), the CLI's format choices and reader flags are the registry's,
and errors name a reader option by keyword in Python and by flag on the command line."""

from __future__ import annotations

import doctest
import importlib
import json
import os
import subprocess
import sys
from pathlib import Path

import click
import numpy as np
import pytest

from connectome.cli.flags import flag_of
from connectome.cli.topology import reader_flags
from connectome.errors import InputError
from connectome.formats import NORMALISE, OptionError, ReaderOption, detect, read, register_format, write
from connectome.formats.registry import format_named, readable, reader_options, unregister_format, writable
from conftest import EXAMPLE, ROOT, assert_one_line_error

PLUGINS = Path(__file__).parent / "plugins"


# ---------------------------------------------------------------- a format from a plugin, through the CLI


def _cli(tmp_path: Path):
    env = {**os.environ, "CONNECTOME_PLUGINS": "edgelist",
           "PYTHONPATH": os.pathsep.join([str(PLUGINS), os.environ.get("PYTHONPATH", "")])}
    base = [sys.executable, str(ROOT / "cli.py"), "--db", str(tmp_path / "p.db")]
    return lambda *args: subprocess.run(base + [str(a) for a in args], capture_output=True, text=True, timeout=300,
                                        env=env, cwd=tmp_path)


def test_a_format_from_a_plugin_imports_exports_and_round_trips_through_the_cli(tmp_path):
    run = _cli(tmp_path)
    edges = tmp_path / "pair.edges"
    edges.write_text("# a plugin's format\na, b, 2.5\nb, c, 1\n\nc, a, 0.5\n")
    shown = run("topology", "import", "--help")
    assert shown.returncode == 0 and "--separator TEXT" in shown.stdout
    assert "edges only: the column separator" in shown.stdout
    assert "|mat|edges]" in shown.stdout and "|edges|nest|pynn]" in run("topology", "export", "--help").stdout

    imported = run("topology", "import", edges, "--separator", ",", "--json")
    assert imported.returncode == 0, imported.stderr
    first = json.loads(imported.stdout)
    assert (first["ref"], first["regions"], first["projections"]) == ("pair@v1", 3, 3)

    exported = run("topology", "export", "pair", "-o", tmp_path / "out.edges")
    assert exported.returncode == 0 and "wrote" in exported.stderr, exported.stderr
    assert "warning" not in exported.stderr  # it read its own file back: the edge list carries all of pair
    assert (tmp_path / "out.edges").read_text() == "a b 2.5\nb c 1.0\nc a 0.5\n"
    named = run("topology", "export", "pair", "--format", "edges", "-o", tmp_path / "out.txt")
    assert named.returncode == 0 and (tmp_path / "out.txt").read_text() == (tmp_path / "out.edges").read_text()

    again = run("topology", "import", tmp_path / "out.edges", "--name", "pair", "--json")  # blanks: no --separator
    assert again.returncode == 0, again.stderr
    assert json.loads(again.stdout)["content_hash"] == first["content_hash"]
    assert not json.loads(again.stdout)["created"]  # the same content: nothing new stored
    copied = run("topology", "import", tmp_path / "out.txt", "--format", "edges", "--name", "copy", "--json")
    assert json.loads(copied.stdout)["content_hash"] == first["content_hash"]
    compared = run("topology", "diff", "pair", "copy")
    assert compared.stdout.splitlines() == ["--- pair@v1", "+++ copy@v1", "no differences"], compared.stderr


def test_a_plugin_formats_errors_are_one_line_naming_its_flag(tmp_path):
    run = _cli(tmp_path)
    edges = tmp_path / "pair.edges"
    edges.write_text("a,b,2.5\n")
    for outcome, fragment in (
            (run("topology", "import", edges), "pair.edges: line 1: expected source, target and strength, got 1"),
            (run("topology", "import", edges, "--separator", " "),
             "pair.edges: --separator: must be a visible string"),
            (run("topology", "import", EXAMPLE, "--separator", ","),
             "--separator: applies only to edges files, not json"),
            (run("topology", "import", edges, "--labels-key", "x"),
             "--labels-key: applies only to mat files, not edges")):
        assert outcome.returncode == 2 and outcome.stderr.count("\n") == 1, outcome.stderr
        assert outcome.stderr.startswith("error: ") and fragment in outcome.stderr, outcome.stderr
    assert not (tmp_path / "p.db").exists()  # refused before the store is opened


# ---------------------------------------------------------------- the CLI's choices are the registry's


def _params(path: str) -> dict[str, click.Parameter]:
    from connectome.cli import cli

    command = cli
    for name in path.split():
        command = command.commands[name]
    return {p.name: p for p in command.params}


def test_every_format_choice_the_cli_shows_is_the_registry():
    from connectome.realise.scripts import SCRIPTS

    imported, exported = _params("topology import"), _params("topology export")
    want = {("import", "fmt"): readable(), ("import", "normalise"): NORMALISE,
            ("export", "fmt"): (*writable(), *SCRIPTS)}
    want.update({("import", keyword): option.type for keyword, (option, _) in reader_options().items()
                 if isinstance(option.type, tuple)})
    shown = {(command, name): tuple(p.type.choices)
             for command, params in (("import", imported), ("export", exported))
             for name, p in params.items() if isinstance(p.type, click.Choice) and name != "scaling"}
    assert shown == {key: tuple(values) for key, values in want.items()}
    assert set(readable()) >= {"json", "csv", "graphml", "tvb", "npy", "matrix-csv", "mat"}  # the walk sees them


def test_every_reader_option_is_a_flag_of_topology_import_passed_by_keyword():
    imported = _params("topology import")
    for keyword, (option, names) in reader_options().items():
        param = imported[keyword]
        assert param.opts == [flag_of(keyword)] and param.help.startswith(f"{'/'.join(names)} only: ")
        assert param.is_flag == (option.type is bool)
    assert imported["max_projections"].type.min == 1 and isinstance(imported["regions"].type, click.Path)


def test_no_format_list_is_written_out_in_the_cli():
    text = (ROOT / "connectome" / "cli" / "topology.py").read_text()
    for listed in ('"graphml"', '"matrix-csv"', '"row-source"', '"--labels-key"', '"nest", "pynn"', '["max"]'):
        assert listed not in text, listed


# ---------------------------------------------------------------- the registry in Python


@pytest.fixture
def edges_format():
    sys.path.insert(0, str(PLUGINS))
    try:
        module = importlib.import_module("edgelist")
        if "edges" not in readable():
            module = importlib.reload(module)
        yield module
    finally:
        sys.path.remove(str(PLUGINS))
        unregister_format("edges")


def test_a_registered_format_is_detected_read_and_written_from_python(tmp_path, edges_format):
    path = tmp_path / "pair.edges"
    path.write_text("a b 2\n")
    assert detect(path) == "edges" and "edges" in readable() and "edges" in writable()
    graph = read(path, name="pair")
    assert graph.graph["name"] == "pair" and graph.edges["a", "b"]["strength"] == 2.0
    write(graph, tmp_path / "copy.edges")
    assert (tmp_path / "copy.edges").read_text() == "a b 2.0\n"
    assert read(path, normalise="max", strength_scale=3).edges["a", "b"]["strength"] == 3.0  # scaled for it
    with pytest.raises(ValueError, match="already registered"):
        register_format("edges", reader=edges_format.read_edges)


def test_library_errors_name_the_keyword(tmp_path):
    (tmp_path / "e.csv").write_text("source,target,strength\na,b,1\n")
    with pytest.raises(OptionError) as raised:
        read(tmp_path / "e.csv", labels_key="names")
    assert str(raised.value) == "labels_key: applies only to mat files, not csv"
    assert raised.value.keywords == ("labels_key",)
    assert raised.value.spelled({"labels_key": "--labels-key"}.get) == "--labels-key: applies only to mat files, not csv"
    with pytest.raises(OptionError, match=r"^format: unknown format 'xls' \(choose from json, csv"):
        read(tmp_path / "e.csv", format="xls")
    with pytest.raises(OptionError, match=r"^format=mat: can be read, not written"):
        write(read(tmp_path / "e.csv"), tmp_path / "out.mat")
    with pytest.raises(TypeError, match="unexpected keyword argument 'labels_file'"):
        read(tmp_path / "e.csv", labels_file="x")
    assert "e.csv: normalise: must be one of max" in str(pytest.raises(InputError, read, tmp_path / "e.csv",
                                                                       normalise="min").value)


def test_library_errors_in_the_cli_name_the_flag(tmp_path, run):
    from scipy.io import savemat

    savemat(tmp_path / "sc.mat", {"W": np.eye(2)})
    assert_one_line_error(run("topology", "import", tmp_path / "sc.mat", "--labels-key", "names"),
                          "sc.mat: --labels-key: no variable 'names'")
    assert run("topology", "import", EXAMPLE).exit_code == 0
    assert_one_line_error(run("topology", "export", "multi_region", "-o", tmp_path / "x.mat"),
                          "--format mat: can be read, not written (choose json, csv")
    assert_one_line_error(run("topology", "import", EXAMPLE, "--normalise", "max", "--strength-scale", "0"),
                          "--strength-scale: must be > 0")


@pytest.mark.parametrize("option, problem", [
    (ReaderOption("name", str, "x"), "reserved"), (ReaderOption("json", str, "x"), "reserved"),
    (ReaderOption("orientation", str, "another type"), "differs")])
def test_a_format_cannot_take_a_keyword_of_another(option, problem):
    with pytest.raises(ValueError, match=problem):
        register_format("clash", extensions=(".clash",), reader=lambda path, **kw: None, options=(option,))
    assert "clash" not in readable()


def test_the_cli_refuses_two_reader_options_spelled_as_one_flag():
    register_format("clash", extensions=(".clash",), reader=lambda path, **kw: None,
                    options=(ReaderOption("weight", str, "x"),))
    try:
        with pytest.raises(ValueError, match="weight: its flag --weight is weight_column's"):
            reader_flags(lambda **kw: None)
    finally:
        unregister_format("clash")


def test_registration_checks_the_record():
    reader = lambda path, **kw: None  # noqa: E731
    for fields, problem in (({"name": "Bad Name"}, "a name is"), ({"name": "csv"}, "already registered"),
                            ({"name": "x", "extensions": ("CSV",)}, "an extension"), ({"name": "x", "reader": None},
                                                                                     "a reader or a writer"),
                            ({"name": "x", "fallback": True}, "already the fallback")):
        with pytest.raises(ValueError, match=problem):
            register_format(**{"reader": reader, **fields})
    with pytest.raises(ValueError, match="type must be"):
        ReaderOption("x", list, "x")


def test_content_decides_without_an_extension(tmp_path):
    cases = {"a": b"\xef\xbb\xbf {\"name\": 1}", "b": b"<graphml/>", "c": b"PK\x03\x04", "d": b",a,b\na,0,1\nb,0,0\n",
             "e": b"\x93NUMPY\x01\x00", "f": b"MATLAB 5.0 MAT-file", "g": b"source,target,strength\n"}
    for name, head in cases.items():
        (tmp_path / name).write_bytes(head)
    assert [detect(tmp_path / n) for n in cases] == ["json", "graphml", "tvb", "matrix-csv", "npy", "mat", "csv"]
    (tmp_path / "m.csv").write_bytes(b"\xef\xbb\xbf\ta\tb\n")
    assert detect(tmp_path / "m.csv") == "matrix-csv" and detect(tmp_path / "missing.csv") == "csv"
    (tmp_path / "blank").write_bytes(b" \n")
    assert "give format" in str(pytest.raises(OptionError, detect, tmp_path / "blank").value)
    (tmp_path / "folder").mkdir()
    assert "a folder, but not one any format reads (formats that read folders: tvb" in str(
        pytest.raises(InputError, detect, tmp_path / "folder").value)
    (tmp_path / "folder" / "weights.txt.bz2").write_bytes(b"")
    assert detect(tmp_path / "folder") == "tvb" and format_named("tvb").reads_folder(tmp_path / "folder")


# ---------------------------------------------------------------- the examples in the docstrings run


@pytest.mark.parametrize("module", ["connectome.atomic", "connectome.formats", "connectome.formats.archive",
                                    "connectome.formats.builtin", "connectome.formats.inputs",
                                    "connectome.formats.options", "connectome.formats.registry",
                                    "connectome.formats.textmatrix", "connectome.formats.tvb",
                                    "connectome.cli.topology"])
def test_docstring_examples(module):
    outcome = doctest.testmod(importlib.import_module(module), optionflags=doctest.ELLIPSIS)
    assert outcome.failed == 0 and outcome.attempted > 0
