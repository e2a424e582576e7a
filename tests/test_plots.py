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
    for args, size in ((("plot", "matrix", stored), (810, 720)), (("plot", "matrix", stored, "--order", "role"), (810, 720)),
                       (("plot", "matrix", stored, "--order", "community"), (810, 720)),
                       (("plot", "graph", stored), (720, 640))):
        out = tmp_path / f"{'_'.join(args[1:])}.png"
        done = run(*args, "-o", out)
        assert done.exit_code == 0 and done.stdout == f"wrote {out}\n", done.stderr
        assert_picture(out, *size)
    ordered = assert_picture(tmp_path / "matrix_multi_region_--order_role.png", 810, 720)
    assert not np.array_equal(ordered, assert_picture(tmp_path / "matrix_multi_region.png", 810, 720))
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


def test_a_picture_of_a_run_that_records_no_traces_is_refused_before_the_run(run, stored, tmp_path):
    """With FC (or BOLD) a run records only what they need: no empty axes, one line naming --record."""
    out = run("simulate", "--topology", stored, "--model", "wilson-cowan", "--fc", "--duration", "100",
              "--plot", tmp_path / "p.png")
    assert_one_line_error(out, "--plot: this run records no traces to draw (a run with BOLD, FC or FCD records only "
                          "what they need); ask for them with --record")
    assert not (tmp_path / "p.png").exists() and run("runs", "list", "--json").json() == []
    done = run("simulate", "--topology", stored, "--model", "wilson-cowan", "--fc", "--record", "--duration", "100",
               "--plot", tmp_path / "p.png")
    assert done.exit_code == 0 and (tmp_path / "p.png").exists()


def test_plot_run_of_a_result_without_traces_says_so():
    import networkx as nx

    from connectome import simulate
    from connectome.errors import InputError
    from connectome.plots import plot_run

    g = nx.DiGraph(); g.add_node("a", share=1.0); g.add_node("b", share=1.0); g.add_edge("a", "b", strength=1.0)
    result = simulate(g, model="wilson-cowan", duration_ms=20.0, fc=True, seed=1)
    with pytest.raises(InputError, match=r"^the run records no traces to draw .*; ask for them with record$"):
        plot_run(result)


def test_fc_and_state_variable_pictures(run, stored, tmp_path):
    done = run("simulate", "--topology", stored, "--neurons", "1e6", "--model", "wilson-cowan", "--noise", "E=0.001",
               "--noise", "I=0.001", "--fc", "--duration", "1000", "--seed", "3", "--json")
    run_id = str(done.json()["run_id"])
    assert run("plot", "fc", run_id, "-o", tmp_path / "fc.png").exit_code == 0
    assert_picture(tmp_path / "fc.png", 1680, 590)
    assert run("plot", "run", run_id, "-o", tmp_path / "ei.png", "--variable", "E", "--variable", "I").exit_code == 0
    assert_picture(tmp_path / "ei.png", 800, 680)
    assert_one_line_error(run("plot", "run", run_id, "-o", tmp_path / "v.png", "--variable", "V"),
                          "--variable V: wilson-cowan's state variables are E, I")
    plain = run("simulate", "--topology", stored, "--neurons", "1e5", "--duration", "50", "--json").json()["run_id"]
    assert_one_line_error(run("plot", "fc", str(plain), "-o", tmp_path / "f.png"), "has no functional connectivity")


def test_graph_top_and_color_by_from_the_command_line(run, stored, tmp_path):
    done = run("plot", "graph", stored, "-o", tmp_path / "g.svg", "--top", "3", "--color-by", "role")
    assert done.exit_code == 0 and done.stdout == f"wrote {tmp_path / 'g.svg'}\n", done.stderr
    text = (tmp_path / "g.svg").read_text()
    assert "multi_region: spring layout; strongest 3 of 8 projections" in text and "role = memory" in text
    assert_one_line_error(run("plot", "graph", stored, "-o", tmp_path / "x.png", "--color-by", "lobe"),
                          "--color-by lobe: region 'sensory_cortex' has no such attribute")
    assert_one_line_error(run("plot", "graph", stored, "-o", tmp_path / "x.png", "--top", "0"), "--top")
    assert not (tmp_path / "x.png").exists()


def test_fc_title_gives_the_r_of_the_points_drawn_the_signal_and_the_window(run, stored, tmp_path):
    from connectome import read
    from connectome.plots import connectivity

    done = run("simulate", "--topology", stored, "--neurons", "1e6", "--model", "wilson-cowan", "--noise", "E=0.001",
               "--noise", "I=0.001", "--fc", "--duration", "1000", "--transient", "200", "--seed", "3",
               "--output", tmp_path / "run.npz", "--json")
    assert done.exit_code == 0, done.stderr
    assert run("plot", "fc", str(done.json()["run_id"]), "-o", tmp_path / "fc.svg").exit_code == 0
    fc = np.load(tmp_path / "run.npz")["fc"]
    graph = read(EXAMPLE)
    sc = connectivity(graph, list(graph))
    sc = sc + sc.T
    upper = np.triu_indices_from(fc, k=1)
    keep = sc[upper] > 0
    r = np.corrcoef(np.log10(sc[upper][keep]), fc[upper][keep])[0, 1]
    assert f"{r:.3f}" == "0.003"  # not the summary's fc_sc, which correlates FC with the linear coupling weights
    text = (tmp_path / "fc.svg").read_text()
    assert "FC of E, 200–1000 ms vs log10 SC" in text and f"r = {r:.3f} over {keep.sum()} connected pairs" in text
