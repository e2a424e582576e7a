"""Write examples/potjans_diesmann_2014.json: the cortical microcircuit of Potjans & Diesmann (2014).

Source: T. C. Potjans and M. Diesmann, "The cell-type specific cortical microcircuit: relating structure and
activity in a full-scale spiking network model", Cerebral Cortex 24(3):785-806 (2014), doi:10.1093/cercor/bhs358:
population sizes (Table 5, N), connection probabilities C_a (Table 5, rows = target, columns = source),
mean PSC amplitude w = 87.8 pA (inhibitory -4 w; L4E -> L2/3E doubled) and mean delays 1.5 ms
(excitatory) / 0.75 ms (inhibitory), as in NEST's microcircuit example (examples/Potjans_2014).

The paper counts synapses, with repeated pairs: K = ln(1 - C) / ln(1 - 1/(N_pre N_post)) (its eq. 1). With the
`synapses` rule a strength is synapses per 1000 ordered pairs, so strength = -1000 ln(1 - C), to 12
significant digits, gives K within one synapse of the paper's count. `scaling: indegree` holds the in-degrees
of the full-scale model at any N, as the paper's K_scaling = 1 with N_scaling does.

Run: python examples/make_potjans_diesmann_2014.py
"""

import json
import math
from pathlib import Path

POPULATIONS = ["L2/3E", "L2/3I", "L4E", "L4I", "L5E", "L5I", "L6E", "L6I"]
SIZES = [20683, 5834, 21915, 5479, 4850, 1065, 14395, 2948]
PROBABILITIES = [  # C[target][source]
    [0.1009, 0.1689, 0.0437, 0.0818, 0.0323, 0.0, 0.0076, 0.0],
    [0.1346, 0.1371, 0.0316, 0.0515, 0.0755, 0.0, 0.0042, 0.0],
    [0.0077, 0.0059, 0.0497, 0.1350, 0.0067, 0.0003, 0.0453, 0.0],
    [0.0691, 0.0029, 0.0794, 0.1597, 0.0033, 0.0, 0.1057, 0.0],
    [0.1004, 0.0622, 0.0505, 0.0057, 0.0831, 0.3726, 0.0204, 0.0],
    [0.0548, 0.0269, 0.0257, 0.0022, 0.0600, 0.3158, 0.0086, 0.0],
    [0.0156, 0.0066, 0.0211, 0.0166, 0.0572, 0.0197, 0.0396, 0.2252],
    [0.0364, 0.0010, 0.0034, 0.0005, 0.0277, 0.0080, 0.0658, 0.1443],
]
WEIGHT_PA, G, DELAY_E_MS, DELAY_I_MS = 87.8, -4.0, 1.5, 0.75


def document() -> dict:
    """The topology as canonical JSON."""
    regions = [{"name": name, "neurons": size, "layer": name[:-1], "kind": "excitatory" if name.endswith("E")
                else "inhibitory"} for name, size in zip(POPULATIONS, SIZES)]
    projections = []
    for s, source in enumerate(POPULATIONS):
        for t, target in enumerate(POPULATIONS):
            c = PROBABILITIES[t][s]
            if c == 0:
                continue
            inhibitory = source.endswith("I")
            weight = WEIGHT_PA * (G if inhibitory else 2.0 if (source, target) == ("L4E", "L2/3E") else 1.0)
            projections.append({"source": source, "target": target,
                                "strength": float(f"{-1000 * math.log1p(-c):.12g}"), "rule": "synapses",
                                "connection_probability": c, "sign": -1 if inhibitory else 1,
                                "weight": round(weight, 10), "delay": DELAY_I_MS if inhibitory else DELAY_E_MS})
    return {"name": "potjans_diesmann_2014",
            "description": "Potjans & Diesmann (2014) cortical microcircuit, Cereb. Cortex 24:785-806: 8 populations, "
                           "77,169 neurons; strength = -1000 ln(1 - C) synapses per 1000 pairs; weight in pA, "
                           "delay in ms",
            "scaling": "indegree", "regions": regions, "projections": projections}


if __name__ == "__main__":
    path = Path(__file__).with_name("potjans_diesmann_2014.json")
    doc = document()
    lines = ",\n    ".join(json.dumps(p, ensure_ascii=False) for p in doc["projections"])
    regions = ",\n    ".join(json.dumps(r, ensure_ascii=False) for r in doc["regions"])
    head = {k: v for k, v in doc.items() if k not in ("regions", "projections")}
    text = json.dumps(head, indent=2, ensure_ascii=False)[:-2]
    path.write_text(f"{text},\n  \"regions\": [\n    {regions}\n  ],\n  \"projections\": [\n    {lines}\n  ]\n}}\n")
    print(f"wrote {path}")
