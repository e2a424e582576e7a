"""topology export --format nest|pynn: scripts that NEST and PyNN run, making exactly the derived counts."""

import ast
import json
import os
import re
import runpy
import subprocess
import sys

import numpy as np
import pytest
from scipy import stats as sps

from conftest import ROOT, assert_one_line_error

TOUR = (ROOT / "docs" / "guide" / "topologies.md").read_text(encoding="utf-8")

NET = {"name": "net", "neurons": 600,
       "regions": [{"name": "E", "share": 4}, {"name": "I", "share": 1}, {"name": "empty at 5", "share": 0.001}],
       "projections": [{"source": "E", "target": "E", "strength": 100, "autapses": False, "weight": 20.0, "delay": 1.5},
                       {"source": "E", "target": "I", "strength": 1500, "rule": "synapses", "weight": 20.0},
                       {"source": "I", "target": "E", "strength": 900},
                       {"source": "I", "target": "I", "strength": 30, "rule": "synapses", "autapses": False,
                        "weight": -80.0}]}

COUNT_NEST = r"""
import json, runpy, sys
import nest
nest.set_verbosity("M_ERROR")
script = runpy.run_path(sys.argv[1])
populations = script["build"](seed=int(sys.argv[2]))
counts, multapses, autapses = {}, {}, {}
for s, pre in populations.items():
    for t, post in populations.items():
        c = nest.GetConnections(pre, post)
        if len(c) == 0:
            continue
        pairs = list(zip(c.get("source"), c.get("target"))) if len(c) > 1 else [(c.source, c.target)]
        counts[f"{s}->{t}"] = len(pairs)
        multapses[f"{s}->{t}"] = len(pairs) - len(set(pairs))
        autapses[f"{s}->{t}"] = sum(a == b for a, b in pairs)
print(json.dumps({"counts": counts, "multapses": multapses, "autapses": autapses}))
"""


@pytest.fixture
def net(run, tmp_path):
    path = tmp_path / "net.json"
    path.write_text(json.dumps(NET))
    assert run("topology", "import", path).exit_code == 0
    return "net"


def derived(run, neurons):
    stats = run("topology", "stats", "net", "--neurons", str(neurons), "--json").json()
    return {f"{p['source']}->{p['target']}": p["connections"] for p in stats["projections"] if p["connections"]}


def test_nest_makes_exactly_the_derived_counts(run, net, tmp_path):
    script = tmp_path / "net_nest.py"
    assert run("topology", "export", "net", "--format", "nest", "--neurons", "1000", "-o", script).exit_code == 0
    expected = derived(run, 1000)  # E 800, I 200, the third region has no neuron and no population
    assert expected == {"E->E": 800 * 799 // 10, "E->I": 800 * 200 * 3 // 2, "I->E": 200 * 800 * 9 // 10,
                        "I->I": 200 * 199 * 3 // 100}
    done = subprocess.run([sys.executable, "-c", COUNT_NEST, str(script), "5"], capture_output=True, text=True,
                          timeout=300, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    found = json.loads(done.stdout.strip().splitlines()[-1])
    assert found["counts"] == expected
    assert found["multapses"]["E->E"] == found["multapses"]["I->E"] == 0  # pairs: never twice
    assert found["multapses"]["E->I"] > 0  # synapses: 1.5 per pair on average
    assert found["autapses"]["E->E"] == found["autapses"]["I->I"] == 0
    whole = subprocess.run([sys.executable, str(script), "--seed", "2"], capture_output=True, text=True, timeout=300)
    assert whole.stdout.strip().splitlines()[-1] == f"1,000 neurons, {sum(expected.values()):,} connections"


def test_the_pynn_script_builds_exactly_the_derived_counts(run, net, tmp_path):
    """Exact counts, no pair twice under `pairs`, no autapse where off (FixedTotalNumberConnector keeps neither)."""
    script = tmp_path / "net_pynn.py"
    assert run("topology", "export", "net", "--format", "pynn", "--neurons", "1000", "-o", script).exit_code == 0
    import pyNN.mock as sim

    built = runpy.run_path(str(script))["build"](sim, seed=4)
    sizes = {f"{s}->{t}": p.size() for (s, t), p in built.items()}
    assert sizes == derived(run, 1000)
    pairs = {key: [(c.presynaptic_index, c.postsynaptic_index) for c in p.connections] for key, p in built.items()}
    repeats = {key: len(found) - len(set(found)) for key, found in pairs.items()}
    assert repeats[("E", "E")] == repeats[("I", "E")] == 0 and repeats[("E", "I")] > 0  # pairs; synapses 1.5 per pair
    assert not any(a == b for a, b in pairs["E", "E"] + pairs["I", "I"])  # autapses off
    assert {a for a, _ in pairs["E", "E"]} == {b for _, b in pairs["E", "E"]} == set(range(800))  # every other pair
    assert {a for a, _ in pairs["I", "E"]} == set(range(200))  # 90% of the pairs: every source
    assert built["I", "I"].receptor_type == "inhibitory" and built["E", "E"].receptor_type == "excitatory"
    sim.end()


SIGNED = {"name": "signed", "regions": [{"name": "E", "share": 4}, {"name": "I", "share": 1}],
          "projections": [{"source": "E", "target": "E", "strength": 100, "autapses": False, "weight": 20.0,
                           "delay": 1.5},
                          {"source": "E", "target": "I", "strength": 300, "rule": "synapses", "tract_length": 6.0},
                          {"source": "I", "target": "E", "strength": 200, "sign": -1},
                          {"source": "I", "target": "I", "strength": 100, "sign": -1, "weight": 50.0,
                           "delay_ms": 0.75}]}

READ_BACK = r"""
import json, runpy, sys
import numpy as np
simulator, path = sys.argv[1], sys.argv[2]
script = runpy.run_path(path)
found = {}
if simulator == "nest":
    import nest
    nest.set_verbosity("M_ERROR")
    populations = script["build"](seed=3)
    for s, pre in populations.items():
        for t, post in populations.items():
            made = nest.GetConnections(pre, post)
            if len(made):
                got = made.get(["weight", "delay"])
                weights = np.atleast_1d(got["weight"]).tolist()
                found[f"{s}->{t}"] = [weights, np.atleast_1d(got["delay"]).tolist(), None, weights]
else:
    import pyNN.nest as sim
    for (s, t), p in script["build"](sim, seed=3).items():
        rows = np.array(p.get(["weight", "delay"], format="list"))
        in_nest = np.atleast_1d(p.nest_connections.get("weight")).tolist()
        found[f"{s}->{t}"] = [rows[:, 2].tolist(), rows[:, 3].tolist(), p.receptor_type, in_nest]
print(json.dumps({k: [len(w), sorted(set(w)), sorted(set(d)), r, sorted(set(n))] for k, (w, d, r, n) in found.items()}))
"""


def read_back(simulator, script, cwd):
    """Per projection: [connections, distinct weights, distinct delays, PyNN's receptor, NEST's distinct weights]."""
    done = subprocess.run([sys.executable, "-c", READ_BACK, simulator, str(script)], capture_output=True, text=True,
                          timeout=300, cwd=cwd)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_signed_weights_and_delays_read_back_in_nest_and_on_pynn_nest(run, tmp_path):
    """Inhibitory weights negative in both; NEST pA == PyNN nA x 1000 (and the pA PyNN makes in NEST); delays as given,
    from tract_length / --speed, or the stated defaults."""
    (tmp_path / "signed.json").write_text(json.dumps(SIGNED))
    assert run("topology", "import", tmp_path / "signed.json").exit_code == 0
    for fmt in ("nest", "pynn"):
        done = run("topology", "export", "signed", "--format", fmt, "--neurons", "500", "--speed", "2", "-o",
                   tmp_path / f"signed_{fmt}.py")
        assert done.exit_code == 0 and "1.0 pA, negative where sign is -1" in done.stderr
    stats = run("topology", "stats", "signed", "--neurons", "500", "--json").json()
    counts = {f"{p['source']}->{p['target']}": p["connections"] for p in stats["projections"]}
    in_nest = read_back("nest", tmp_path / "signed_nest.py", tmp_path)
    assert in_nest == {"E->E": [counts["E->E"], [20.0], [1.5], None, [20.0]],
                       "E->I": [counts["E->I"], [1.0], [3.0], None, [1.0]],  # 6 mm at 2 mm/ms; the default weight
                       "I->E": [counts["I->E"], [-1.0], [1.0], None, [-1.0]],  # sign -1: the default weight, negated
                       "I->I": [counts["I->I"], [-50.0], [0.75], None, [-50.0]]}  # 0.05 ms steps hold 0.75 ms
    on_pynn = read_back("pynn", tmp_path / "signed_pynn.py", tmp_path)
    assert set(on_pynn) == set(in_nest)
    for key, (count, weights, delays, receptor, nest_weights) in on_pynn.items():
        assert count == in_nest[key][0] and delays == in_nest[key][2]
        assert [w * 1000 for w in weights] == pytest.approx(in_nest[key][1], rel=1e-12)
        assert nest_weights == pytest.approx(in_nest[key][1], rel=1e-12)
        assert receptor == ("inhibitory" if key.startswith("I") else "excitatory")


def test_pairs_in_degrees_are_exact_and_hypergeometric_beyond_numpys_limit(run, net, tmp_path):
    script = tmp_path / "net_nest.py"
    run("topology", "export", "net", "--format", "nest", "-o", script)
    source = script.read_text()
    code = source[source.index("PAIRS_EXACT_BELOW"):source.index("def build")]
    scope = {"np": np}
    exec(code, scope)
    draw = scope["pairs_in_degrees"]
    rng = np.random.default_rng(12)
    targets, slots = 40_000, 50_000  # 2e9 pairs: above numpy's multivariate hypergeometric
    for count in (600_000, 2 * 10**9 - 600_000):  # sparse, and dense (drawn through the pairs left out)
        degrees = draw(rng, count, targets, slots)
        assert degrees.sum() == count and degrees.min() >= 0 and degrees.max() <= slots
        law = sps.hypergeom(targets * slots, slots, count)
        values = np.arange(degrees.min(), degrees.max() + 1)
        observed = np.array([np.sum(degrees == v) for v in values])
        expected = targets * law.pmf(values)
        keep = expected >= 5
        observed = np.append(observed[keep], observed[~keep].sum())
        expected = np.append(expected[keep], targets - expected[keep].sum())
        assert sps.chisquare(observed, expected).pvalue > 1e-3, count
    small = draw(rng, 500, 10, 100)  # numpy's exact path
    assert small.sum() == 500 and small.max() <= 100


def test_script_exports_need_a_scale_and_other_formats_refuse_the_options(run, tmp_path):
    path = tmp_path / "n.json"
    path.write_text(json.dumps({**NET, "name": "plain", "neurons": None}))
    run("topology", "import", path)
    assert_one_line_error(run("topology", "export", "plain", "--format", "nest"), "--neurons: required")
    assert_one_line_error(run("topology", "export", "plain", "--neurons", "10", "-o", tmp_path / "x.json"),
                          "--neurons: applies only to --format nest or pynn")
    text = run("topology", "export", "plain", "--format", "pynn", "--neurons", "50").stdout
    compile(text, "plain_pynn.py", "exec")
    assert "sim.FromListConnector(pairs)" in text and "PA_PER_NA = 1000.0" in text


def test_the_documented_pynn_example_runs_in_under_a_minute(db, tmp_path):
    """The PyNN export of docs/guide/topologies.md and the run of its script, as shown, print what it shows, each
    within 60 s."""
    export = re.search(r"^\$ (connectome topology export potjans_diesmann_2014@v1 --format pynn .*)\n(.*)\n", TOUR,
                       re.M)
    script = re.search(r'^>>> python\(("pd14_pynn\.py".*)\)\n(.*)\n', TOUR[export.end():], re.M)
    argv = ast.literal_eval(f"[{script.group(1)}]")
    assert argv == ["pd14_pynn.py", "--simulator", "mock"]
    env = {**os.environ, "CONNECTOME_DB": str(db)}
    cli = [sys.executable, str(ROOT / "cli.py")]
    assert subprocess.run([*cli, "topology", "import", str(ROOT / "examples" / "potjans_diesmann_2014.json")],
                          env=env, cwd=tmp_path, capture_output=True, timeout=60).returncode == 0
    for command, shown in [(cli + export.group(1).split()[1:], export.group(2)),
                           ([sys.executable, *argv], script.group(2))]:
        done = subprocess.run(command, env=env, cwd=tmp_path, capture_output=True, text=True, timeout=60)
        assert done.returncode == 0, done.stderr
        assert (done.stdout + done.stderr).strip().splitlines()[-1] == shown, command


PAYLOAD = '__import__("os").mkdir("INJECTED")'
HOSTILE = [f'evil""";{PAYLOAD};"""', f"evil''';{PAYLOAD};'''", f'evil\\";{PAYLOAD}#\\', f"evil\\n{PAYLOAD}\\n#",
           f"evil # {PAYLOAD}"]
RUN_ALL = r"""
import json, runpy, sys
scripts, argv = json.loads(sys.argv[1]), json.loads(sys.argv[2])
for script in scripts:
    sys.argv = [script, *argv]
    runpy.run_path(script, run_name="__main__")
"""


@pytest.mark.parametrize("fmt, argv", [("nest", []), ("pynn", ["--simulator", "mock"])])
def test_hostile_names_are_data_in_every_script(run, tmp_path, fmt, argv):
    """Topology and region names that close docstrings, strings or lines build the network and run nothing else."""
    scripts = []
    for i, name in enumerate(HOSTILE):
        topology = {"name": name, "regions": [{"name": name, "share": 1}, {"name": f"{i}#'\"", "share": 1}],
                    "projections": [{"source": name, "target": f"{i}#'\"", "strength": 10}]}
        (tmp_path / f"t{i}.json").write_text(json.dumps(topology))
        assert run("topology", "import", tmp_path / f"t{i}.json").exit_code == 0
        scripts.append(str(tmp_path / f"s{i}_{fmt}.py"))
        assert run("topology", "export", name, "--format", fmt, "--neurons", "100", "-o", scripts[-1]).exit_code == 0
        assert runpy.run_path(scripts[-1])["TITLE"].startswith(f"{name}@v1 at 100 neurons")
    work = tmp_path / "work"
    work.mkdir()
    done = subprocess.run([sys.executable, "-c", RUN_ALL, json.dumps(scripts), json.dumps(argv)], capture_output=True,
                          text=True, timeout=300, cwd=work)
    assert done.returncode == 0, done.stderr
    assert [line for line in done.stdout.splitlines() if "neurons" in line] == ["100 neurons, 25 connections"] * 5
    assert list(work.iterdir()) == [] and not (tmp_path / "INJECTED").exists()


@pytest.mark.parametrize("fmt", ["nest", "pynn"])
def test_a_hostile_neuron_model_is_data(run, net, tmp_path, fmt):
    model = f'x""";{PAYLOAD};"""'
    script = tmp_path / f"m_{fmt}.py"
    assert run("topology", "export", "net", "--format", fmt, "--neurons", "100", "--neuron-model", model,
               "-o", script).exit_code == 0
    assert runpy.run_path(str(script))["MODEL"] == model
    done = subprocess.run([sys.executable, str(script), "--help"], capture_output=True, text=True, timeout=120,
                          cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert not (tmp_path / "INJECTED").exists()
