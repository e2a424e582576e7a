"""The spiking hand-off's synapses: signed weights, delays, their defaults and warnings, one rule for all."""

import json
import warnings

import pytest

from connectome.errors import ConnectomeWarning, InputError
from connectome.formats.canonical import parse_document
from connectome.graph import rows_of
from connectome.realise.synapses import resolution, synapses

SIGNED = [{"source": "E", "target": "E", "strength": 100, "weight": 20.0, "delay": 1.5},
          {"source": "E", "target": "I", "strength": 300, "tract_length": 6.0},
          {"source": "I", "target": "E", "strength": 200, "sign": -1},
          {"source": "I", "target": "I", "strength": 100, "sign": -1, "weight": 50.0, "delay_ms": 0.75}]


def rows(projections):
    return rows_of(parse_document({"name": "signed", "regions": [{"name": "E", "share": 4}, {"name": "I", "share": 1}],
                                   "projections": projections}))


def found(projections, **options):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        out = synapses(rows(projections), **options)
    return [(s.sign, s.weight, s.delay) for s in out], [str(w.message) for w in caught
                                                         if issubclass(w.category, ConnectomeWarning)]


def test_sign_weight_and_delay_follow_the_projection_or_a_stated_default():
    values, said = found(SIGNED)
    assert values == [(1, 20.0, 1.5), (1, 1.0, 2.0), (-1, -1.0, 1.0), (-1, -50.0, 0.75)]
    assert said == ["2 projections without weight (e.g. 'E' -> 'I'): 1.0 pA, negative where sign is -1",
                    "projection 'I' -> 'E' without delay, delay_ms or tract_length: 1.0 ms",
                    "projection 'E' -> 'I' without delay: delay = tract_length / 3.0 mm/ms, the default speed "
                    "(speed to choose)"]
    values, said = found(SIGNED, speed=1.5)
    assert values[1] == (1, 1.0, 4.0) and not any("speed" in text for text in said)


def test_a_signed_weight_without_sign_and_a_weight_as_magnitude_agree():
    values, said = found([{"source": "E", "target": "E", "strength": 1, "weight": -80.0, "delay": 2},
                          {"source": "E", "target": "I", "strength": 1, "weight": -80.0, "sign": -1, "delay": 2},
                          {"source": "I", "target": "E", "strength": 1, "weight": 80, "sign": -1.0, "delay": 2}])
    assert values == [(-1, -80.0, 2.0)] * 3 and said == []


@pytest.mark.parametrize("projection, message", [
    ({"weight": -80.0, "sign": 1}, "projection 'E' -> 'I': weight -80.0 is inhibitory and sign is 1; make them agree"),
    ({"sign": 0}, "projection 'E' -> 'I'.sign: must be 1 (excitatory) or -1 (inhibitory), got 0"),
    ({"sign": True}, "projection 'E' -> 'I'.sign: must be 1 (excitatory) or -1 (inhibitory), got True"),
    ({"weight": "strong"}, "projection 'E' -> 'I'.weight: must be a finite number (pA), got 'strong'"),
    ({"delay": 0}, "projection 'E' -> 'I'.delay: must be > 0 (ms), got 0.0"),
    ({"delay": 1.5, "delay_ms": 2}, "projection 'E' -> 'I': delay 1.5 and delay_ms 2 disagree; keep one"),
    ({"tract_length": -1}, "projection 'E' -> 'I'.tract_length: must be a finite number ≥ 0 (mm), got -1"),
])
def test_what_cannot_be_a_synapse_is_refused_naming_the_projection(projection, message):
    with pytest.raises(InputError) as caught:
        synapses(rows([{"source": "E", "target": "I", "strength": 1, **projection}]))
    assert str(caught.value) == message


def test_the_time_step_holds_every_given_delay_whole():
    def step(*delays):
        ends = [("E", "E"), ("E", "I"), ("I", "E")]
        return resolution(synapses(rows([{"source": s, "target": t, "strength": 1, "weight": 1, "delay": d}
                                         for (s, t), d in zip(ends, delays)])))

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert step(1.5, 0.75) == 0.05 and step(1.5, 2.0) == 0.1 and step(0.3) == 0.1 and step(0.5, 0.01) == 0.01
    with pytest.warns(ConnectomeWarning, match=r"time step 0.001 ms \(every delay a whole number of steps\), more "
                                               r"than 10 times finer than 0.1 ms"):
        assert step(1.001) == 0.001
    with pytest.warns(ConnectomeWarning, match="not whole microseconds: the simulator rounds them to its 0.1 ms step"):
        assert step(1 / 3) == 0.1
    tract = [{"source": "E", "target": "I", "strength": 1, "weight": 1, "tract_length": 1.0}]
    assert resolution(synapses(rows(tract), speed=3)) == 0.1  # delays from tract lengths are rounded, not held whole


def test_the_cli_warns_once_per_default_and_refuses_speed_elsewhere(run, tmp_path):
    path = tmp_path / "signed.json"
    path.write_text(json.dumps({"name": "signed", "regions": [{"name": "E", "share": 4},
                                                                            {"name": "I", "share": 1}],
                                              "projections": SIGNED}))
    assert run("topology", "import", path).exit_code == 0
    done = run("topology", "export", "signed", "--format", "nest", "--neurons", "50", "--speed", "2", "-o",
               tmp_path / "s.py")
    assert done.exit_code == 0
    assert done.stderr.splitlines() == [
        "warning: 2 projections without weight (e.g. 'E' -> 'I'): 1.0 pA, negative where sign is -1",
        "warning: projection 'I' -> 'E' without delay, delay_ms or tract_length: 1.0 ms", f"wrote {tmp_path / 's.py'}"]
    refused = run("topology", "export", "signed", "--speed", "2", "-o", tmp_path / "s.json")
    assert refused.exit_code == 2 and "--speed: applies only to --format nest or pynn" in refused.stderr
    bad = run("topology", "export", "signed", "--format", "pynn", "--neurons", "50", "--speed", "0")
    assert bad.exit_code == 2 and "--speed: must be a finite number > 0 (mm/ms), got 0.0" in bad.stderr
