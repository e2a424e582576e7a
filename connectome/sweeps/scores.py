"""How well a point fits: `fc-sc` (simulated FC against the structure) or `fc-fit` (against an empirical FC).

`fc-fit` is the Pearson correlation of the simulated and the empirical FC over the entries above the
diagonal. The empirical FC is a `.npy` matrix in the topology's region order, or a labelled CSV matrix
(a header row of labels, each row starting with its label), matched to the regions by label.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ..errors import InputError

OBJECTIVES = ("fc-sc", "fc-fit")


def read_empirical(path: str | Path, regions: list[str]) -> Any:
    """The empirical FC as a float matrix in `regions`' order (InputError naming what does not match).

    Read by the importers' checked readers: a `.npy` header and a CSV's size are checked before allocation.
    """
    import numpy as np

    from ..formats._io import read_text
    from ..formats.csvfiles import csv_records
    from ..formats.limits import check_cells
    from ..formats.matrix import load_npy

    p = Path(path)
    if p.suffix.lower() == ".npy":
        matrix = load_npy(p)
        if matrix.shape != (len(regions), len(regions)):
            raise InputError(f"{p}: a {'x'.join(map(str, matrix.shape))} matrix for {len(regions)} regions "
                             "(a .npy FC is in the topology's region order; use a labelled CSV to match by label)")
        return _checked(np.asarray(matrix, dtype=float), p)
    if p.suffix.lower() != ".csv":
        raise InputError(f"{p}: an empirical FC is a .npy or a labelled .csv matrix")
    rows = [cells for _, cells in csv_records(read_text(p), str(p), ",")]
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
    return _checked(full[np.ix_(order, order)], p)


def _checked(matrix: Any, p: Path) -> Any:
    import numpy as np

    if not np.all(np.isfinite(matrix)):
        raise InputError(f"{p}: the empirical FC has values that are not finite numbers")
    return matrix


def fc_fit(fc: Any, empirical: Any) -> float | None:
    """Pearson correlation of two FC matrices over the entries above the diagonal (None if undefined)."""
    import numpy as np

    upper = np.triu_indices(fc.shape[0], 1)
    a, b = fc[upper], empirical[upper]
    keep = np.isfinite(a)
    if keep.sum() < 3 or np.ptp(a[keep]) == 0 or np.ptp(b[keep]) == 0:
        return None
    return float(np.corrcoef(a[keep], b[keep])[0, 1])
