"""Write the small data of the whole-brain tutorial (docs/tutorials/whole-brain.md) into examples/data/.

Every number comes from a seeded numpy Generator (seed 24) or from a seeded connectome run, so running this
script again writes the same files byte for byte (with the same numpy and connectome engine).

One made-up brain of 16 regions, 8 areas per hemisphere (V1, A1, S1, M1, PFC, PCC, TPJ, HC, prefixed ``r``
and ``l``), is written three ways:

``tvb_like_16.zip``
    A connectivity laid out as tvb-data's zips (``connectivity_76.zip``): whitespace-separated text files
    ``weights.txt`` and ``tract_lengths.txt`` (16×16, row = target, column = source, TVB's orientation),
    ``centres.txt`` (``label x y z`` in mm), ``areas.txt`` (mm²), ``cortical.txt`` (HC is not cortical),
    ``hemispheres.txt`` (1 = right), ``average_orientations.txt`` and ``info.txt`` (units). How it is made:
    region centres are hand-placed right-hemisphere coordinates, mirrored for the left and jittered by
    2 mm; a pair of regions is connected with probability exp(-distance / 70 mm), homotopic pairs always;
    a weight is a log-normal draw times exp(-distance / 50 mm), symmetric, scaled so the largest is 3 (as in
    connectivity_76); a tract length is the Euclidean distance times a random factor in [1.2, 1.5) (fibres
    are not straight). Regions without a connection of either kind get 0.

``hcp_like_weights.csv`` and ``hcp_like_lengths.csv``
    The same brain as a tractography pipeline (HCP-style, e.g. MRtrix's tck2connectome) writes it: a
    symmetric matrix of streamline counts (the weights times 10,000 / 3, rounded) and the matrix of mean
    streamline lengths in mm, both labelled CSV matrices: an empty first cell, the labels across the
    header and down the first column. ``connectome topology import hcp_like_weights.csv --lengths
    hcp_like_lengths.csv`` reads the pair.

``empirical_bold.npy``
    A resting-state BOLD series to fit, float32 [samples, regions] in the zip's region order, one sample
    every 720 ms (HCP's repetition time). It is a simulation with a known answer: connectome's reduced
    Wong–Wang model on ``tvb_like_16.zip`` with global coupling a = 0.2 (TRUE_COUPLING), additive noise
    D = 1e-4 on S, dt 0.5 ms, delays at 3 mm/ms, seed 7, 10 minutes of BOLD after 10 s left out, plus white
    measurement noise of 30% of each region's BOLD standard deviation. A coupling sweep scored by
    ``fc-fit`` against it should find a ≈ 0.2.

Run: python examples/data/make_tutorial_data.py   (numpy and connectome; a few seconds)
"""

from __future__ import annotations

import zipfile
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
SEED = 24
AREAS = ["V1", "A1", "S1", "M1", "PFC", "PCC", "TPJ", "HC"]
# right-hemisphere centres in mm (MNI-like x, y, z); the left hemisphere mirrors x
RIGHT = np.array([[12, -85, 5], [50, -20, 10], [40, -30, 55], [35, -20, 60],
                  [30, 45, 20], [6, -50, 30], [50, -50, 25], [25, -20, -15]], dtype=float)
AREA_MM2 = np.array([2400, 1100, 1800, 1900, 3800, 1500, 1600, 900], dtype=float)
TRUE_COUPLING, NOISE_D, DT_MS, BOLD_PERIOD_MS = 0.2, 1e-4, 0.5, 720.0
BOLD_MS, TRANSIENT_MS, MEASUREMENT_NOISE = 600_000.0, 10_000.0, 0.3


def brain(rng: np.random.Generator) -> dict:
    """The made-up 16-region brain: labels, centres, weights (max 3), tract lengths (mm) and region columns."""
    labels = [h + a for h in "rl" for a in AREAS]
    centres = np.round(np.vstack([RIGHT, RIGHT * [-1, 1, 1]]) + rng.normal(0, 2, (16, 3)), 2)
    n = len(labels)
    distance = np.linalg.norm(centres[:, None] - centres[None], axis=-1)
    p = np.exp(-distance / 70.0)
    homotopic = np.abs(np.arange(n)[:, None] - np.arange(n)[None]) == n // 2
    p[homotopic] = 1.0
    np.fill_diagonal(p, 0.0)
    connected = np.triu(rng.random((n, n)) < p, 1)
    connected |= connected.T
    weights = np.triu(np.exp(rng.normal(0, 0.8, (n, n))) * np.exp(-distance / 50.0), 1)
    weights = (weights + weights.T) * connected
    weights = np.round(3 * weights / weights.max(), 4)
    lengths = np.triu(distance * (1.2 + 0.3 * rng.random((n, n))), 1)
    lengths = np.round((lengths + lengths.T) * connected, 2)
    areas = np.round(np.r_[AREA_MM2, AREA_MM2] * (1 + 0.1 * rng.normal(size=n)), 1)
    orientations = rng.normal(size=(n, 3))
    orientations = np.round(orientations / np.linalg.norm(orientations, axis=1, keepdims=True), 4)
    return {"labels": labels, "centres": centres, "weights": weights, "lengths": lengths, "areas": areas,
            "cortical": [0 if label.endswith("HC") else 1 for label in labels],
            "hemispheres": [1 if label.startswith("r") else 0 for label in labels], "orientations": orientations}


def number(x: float) -> str:
    return "0" if x == 0 else repr(float(x))


def matrix_text(m: np.ndarray) -> str:
    return "".join(" ".join(number(x) for x in row) + "\n" for row in m)


def write_zip(b: dict, path: Path) -> None:
    """tvb_like_16.zip, members in tvb-data's order, with fixed dates so the bytes do not change."""
    members = {
        "areas.txt": "".join(number(a) + "\n" for a in b["areas"]),
        "average_orientations.txt": matrix_text(b["orientations"]),
        "centres.txt": "".join(f"{label} {x!r} {y!r} {z!r}\n" for label, (x, y, z)
                               in zip(b["labels"], b["centres"].tolist())),
        "cortical.txt": "".join(f"{c}\n" for c in b["cortical"]),
        "hemispheres.txt": "".join(f"{h}\n" for h in b["hemispheres"]),
        "info.txt": 'weights_unit = "au"\nlength_unit = "mm"\narea_unit = "mm^2"\n',
        "tract_lengths.txt": matrix_text(b["lengths"]),  # symmetric: either orientation reads the same
        "weights.txt": matrix_text(b["weights"]),
    }
    with zipfile.ZipFile(path, "w") as archive:
        for name, text in members.items():
            info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            archive.writestr(info, text.encode("utf-8"))


def write_labelled(m: np.ndarray, labels: list[str], path: Path, cell) -> None:
    """A labelled CSV matrix: an empty first cell, labels across the header and down the first column."""
    rows = ["," + ",".join(labels)] + [label + "," + ",".join(cell(x) for x in row) for label, row in zip(labels, m)]
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")


def write_bold(zip_path: Path, path: Path, rng: np.random.Generator) -> None:
    """empirical_bold.npy: the reduced Wong–Wang model's BOLD at the true coupling, plus measurement noise."""
    import connectome

    graph = connectome.read(zip_path)
    run = connectome.simulate(graph, model="reduced-wong-wang", coupling=TRUE_COUPLING, noise={"S": NOISE_D},
                              dt_ms=DT_MS, duration_ms=TRANSIENT_MS + BOLD_MS, bold=True,
                              bold_period_ms=BOLD_PERIOD_MS, seed=7)
    bold = run.bold[run.bold_time_ms >= TRANSIENT_MS]
    bold = bold + rng.normal(0.0, MEASUREMENT_NOISE * bold.std(axis=0), bold.shape)
    np.save(path, bold.astype(np.float32))


def main() -> None:
    rng = np.random.default_rng(SEED)
    b = brain(rng)
    write_zip(b, HERE / "tvb_like_16.zip")
    counts = np.round(b["weights"] * 10_000 / 3).astype(int)
    write_labelled(counts, b["labels"], HERE / "hcp_like_weights.csv", str)
    write_labelled(b["lengths"], b["labels"], HERE / "hcp_like_lengths.csv", number)
    write_bold(HERE / "tvb_like_16.zip", HERE / "empirical_bold.npy", rng)
    for name in ("tvb_like_16.zip", "hcp_like_weights.csv", "hcp_like_lengths.csv", "empirical_bold.npy"):
        print(f"wrote examples/data/{name} ({(HERE / name).stat().st_size:,} bytes)")


if __name__ == "__main__":
    main()
