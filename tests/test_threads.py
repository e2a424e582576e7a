"""Threads never change a bit and never hurt: the sums are taken in blocks fixed by the network; the default
is one thread below 50,000 projections and the idle cores above, looked at again between chunks."""

from __future__ import annotations

import numpy as np
import pytest

from connectome.engine import simulate
from connectome.errors import InputError
from connectome.sim import threads
from connectome.sim.threads import PARALLEL_FROM, Idle, choose_threads
from conftest import seeded_graph


class _Plan:
    def __init__(self, projections):
        self.projections = projections


@pytest.fixture(scope="module")
def large():
    g = seeded_graph(300, 0.6, 3)
    assert g.number_of_edges() >= PARALLEL_FROM
    return g


@pytest.mark.parametrize("kernel, options", [
    ("push", dict(model="wilson-cowan", coupling=0.001, seed=2)),
    ("dense", dict(deterministic=True, coupling_mode="raw", coupling=0.01, stimuli=["r0=1"])),
    ("scatter", dict(deterministic=True, coupling_mode="raw", coupling=0.01, stimuli=["r0=1"])),
])
def test_every_thread_count_gives_the_same_bits(large, kernel, options):
    kw = dict(duration_ms=3, speed_mm_per_ms=2.0, kernel=kernel, **options)
    one, two, auto = (simulate(large, 10**6, threads=n, **kw) for n in (1, 2, None))
    assert np.ptp(one.activity) > 0  # something moves
    assert np.array_equal(one.activity, two.activity) and np.array_equal(one.activity, auto.activity)
    for name in one.states:
        assert np.array_equal(one.states[name], two.states[name])


def test_the_default_is_one_thread_below_the_threshold_and_the_idle_cores_above(monkeypatch):
    monkeypatch.delenv("CONNECTOME_THREADS", raising=False)
    assert choose_threads(None, _Plan(PARALLEL_FROM - 1)) == 1
    chosen = choose_threads(None, _Plan(PARALLEL_FROM))
    assert isinstance(chosen, Idle) and chosen.first == 1  # no wait before the first chunk
    assert choose_threads(2, _Plan(10)) == 2
    monkeypatch.setenv("CONNECTOME_THREADS", "2")
    assert choose_threads(None, _Plan(10)) == 2 and choose_threads(1, _Plan(10)) == 1


@pytest.mark.parametrize("value", ["0", "two", "-1", "1.5"])
def test_a_bad_thread_count_is_refused_naming_the_variable(monkeypatch, value):
    monkeypatch.setenv("CONNECTOME_THREADS", value)
    with pytest.raises(InputError, match="CONNECTOME_THREADS: must be a whole number"):
        choose_threads(None, _Plan(10))


def test_a_bad_threads_argument_is_refused():
    with pytest.raises(InputError, match="threads: must be a whole number"):
        choose_threads(0, _Plan(10))


def test_the_idle_cores_leave_out_other_processes_and_count_ours(monkeypatch):
    monkeypatch.setattr(threads, "_cores", lambda: 2)
    monkeypatch.setattr(threads.time, "monotonic", lambda: 1e9)
    idle = Idle(2)
    monkeypatch.setattr("psutil.cpu_count", lambda: 2)
    for total, ours, want in [(100.0, 100.0, 1), (100.0, 200.0, 2), (50.0, 100.0, 2), (100.0, 0.0, 1), (5.0, 0.0, 2)]:
        monkeypatch.setattr("psutil.cpu_percent", lambda interval=None, total=total: total)
        monkeypatch.setattr(idle.me, "cpu_percent", lambda interval=None, ours=ours: ours)
        idle.seen = -1e18
        assert idle() == want, (total, ours)


def test_the_command_line_refuses_zero_threads(tmp_path):
    from click.testing import CliRunner

    from connectome.cli import cli

    runner = CliRunner()
    out = runner.invoke(cli, ["--db", str(tmp_path / "t.db"), "simulate", "--topology", "v1", "--neurons", "10",
                              "--threads", "0"])
    assert out.exit_code == 2 and "--threads" in out.output
