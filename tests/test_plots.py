"""Pictures: valid PNG/SVG files of the expected size that are not blank, for every plot command."""

import json
import xml.etree.ElementTree as ET

import matplotlib.image
import numpy as np
import pytest

from conftest import EXAMPLE, assert_one_line_error


def assert_picture(path, width, height):
    """A PNG of width × height pixels with real content: many colours, not one flat field."""
    pixels = matplotlib.image.imread(path)
    assert pixels.shape[:2] == (height, width), pixels.shape
    rgb = pixels[..., :3].reshape(-1, 3)
    assert len(np.unique(rgb, axis=0)) > 50 and rgb.std() > 0.05
    return rgb


@pytest.fixture
def stored(run):
    assert run("topology", "import", EXAMPLE).exit_code == 0
    return "multi_region"


def test_matrix_and_graph_pictures(run, stored, tmp_path):
    for args, size in ((("plot", "matrix", stored), (720, 640)), (("plot", "matrix", stored, "--order", "role"), (720, 640)),
                       (("plot", "matrix", stored, "--order", "community"), (720, 640)),
                       (("plot", "graph", stored), (720, 640))):
        out = tmp_path / f"{'_'.join(args[1:])}.png"
        done = run(*args, "-o", out)
        assert done.exit_code == 0 and done.stdout == f"wrote {out}\n", done.stderr
        assert_picture(out, *size)
    ordered = assert_picture(tmp_path / "matrix_multi_region_--order_role.png", 720, 640)
    assert not np.array_equal(ordered, assert_picture(tmp_path / "matrix_multi_region.png", 720, 640))
    assert_one_line_error(run("plot", "matrix", stored, "-o", tmp_path / "m.png", "--order", "lobe"),
                          "--order lobe: region 'sensory_cortex' has no such attribute")


def test_a_graph_at_its_coordinates_and_an_svg(run, tmp_path):
    doc = {"name": "xy", "regions": [{"name": n, "share": s, "x": x, "y": y} for n, s, x, y in
                                     (("a", 1, 0.0, 0.0), ("b", 2, 10.0, 0.0), ("c", 1, 5.0, 8.0))],
           "projections": [{"source": "a", "target": "b", "strength": 1}, {"source": "b", "target": "c",
                                                                            "strength": 50}]}
    (tmp_path / "xy.json").write_text(json.dumps(doc))
    run("topology", "import", tmp_path / "xy.json")
    assert run("plot", "graph", "xy", "-o", tmp_path / "xy.svg").exit_code == 0
    root = ET.parse(tmp_path / "xy.svg").getroot()
    assert root.tag.endswith("svg") and "regions at x, y" in (tmp_path / "xy.svg").read_text()


def test_run_pictures_from_simulate_and_from_the_store(run, stored, tmp_path):
    out = tmp_path / "sim.png"
    done = run("simulate", "--topology", stored, "--neurons", "1e5", "--deterministic", "--duration", "500",
               "--stimulus", "sensory_cortex=1.0@100:300", "--plot", out, "--json")
    assert done.exit_code == 0 and done.json()["plot"] == str(out)
    first = assert_picture(out, 800, 460)
    again = tmp_path / "again.png"
    assert run("plot", "run", str(done.json()["run_id"]), "-o", again).exit_code == 0
    assert_picture(again, 800, 460)
    assert run("runs", "list", "--json").json()[-1]["id"] == done.json()["run_id"]  # plotting records nothing
    assert first.shape == assert_picture(again, 800, 460).shape
    assert_one_line_error(run("plot", "run", "1", "-o", tmp_path / "x.jpg"), "a picture is a .png or .svg file")
    assert_one_line_error(run("simulate", "--topology", stored, "--neurons", "1e5", "--plot", tmp_path / "no" / "p.png"),
                          "does not exist")
    assert len(run("runs", "list", "--json").json()) == 1  # a bad --plot is refused before the run


def test_fc_and_state_variable_pictures(run, stored, tmp_path):
    done = run("simulate", "--topology", stored, "--neurons", "1e6", "--model", "wilson-cowan", "--noise", "E=0.001",
               "--noise", "I=0.001", "--fc", "--duration", "1000", "--seed", "3", "--json")
    run_id = str(done.json()["run_id"])
    assert run("plot", "fc", run_id, "-o", tmp_path / "fc.png").exit_code == 0
    assert_picture(tmp_path / "fc.png", 1350, 450)
    assert run("plot", "run", run_id, "-o", tmp_path / "ei.png", "--variable", "E", "--variable", "I").exit_code == 0
    assert_picture(tmp_path / "ei.png", 800, 680)
    assert_one_line_error(run("plot", "run", run_id, "-o", tmp_path / "v.png", "--variable", "V"),
                          "--variable V: the run recorded E, I")
    plain = run("simulate", "--topology", stored, "--neurons", "1e5", "--duration", "50", "--json").json()["run_id"]
    assert_one_line_error(run("plot", "fc", str(plain), "-o", tmp_path / "f.png"), "has no functional connectivity")
