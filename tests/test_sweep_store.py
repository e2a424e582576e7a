"""A sweep's recorded points read back at the store level, past the 200-row pages `recorded` reads."""

from datetime import datetime

from connectome import Store, read
from connectome.store import sweeps as stored
from conftest import EXAMPLE


def test_450_recorded_points_read_back_whole(tmp_path):
    with Store(str(tmp_path / "s.db")) as store:
        version = store.resolve(store.save(read(EXAMPLE)).ref)
        sweep_id, created, seed = stored.create_or_find(store, version, {"grid": "x"}, 7, 600)
        assert (created, seed) == (True, 7)
        points = [p for p in range(600) if p % 10 not in (3, 7)][:450]  # gaps, so pages end between points
        for p in points:
            store._record_run(version, neurons=10, parameters={}, seed=p, summary={"fc_fit": p / 1000}, output=None,
                             started_at=datetime(2026, 1, 1), wall_s=0.0, peak_rss_bytes=None, sweep=(sweep_id, p))
        found = stored.recorded(store, sweep_id)
        assert sorted(found) == points and len(found) == 450
        assert [found[p]["seed"] for p in points] == points
        assert [found[p]["fc_fit"] for p in points] == [p / 1000 for p in points]
        assert stored.get(store, sweep_id)["recorded"] == 450
