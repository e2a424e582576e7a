"""MkDocs hook: the models page, written from the engine's registries as the site is built.

`docs/models.md` holds markers; each is replaced by text made from a registry, so that the page names every
registered model, coupling function and integrator with the parameters, equations and sources the code has:

* ``<!-- models -->``: every model (`connectome.sim.models.MODELS`, as `Model.describe` and
  `connectome models show NAME --json` give it);
* ``<!-- coupling functions -->``: `connectome.sim.coupling.FUNCTIONS`;
* ``<!-- integrators -->``: `connectome.sim.integrators.INTEGRATORS`.

`tests/test_docs_models.py` checks the text against the registries.
"""

from __future__ import annotations

import inspect
import math
from typing import Any

PAGE = "models.md"
MARKERS = ("<!-- models -->", "<!-- coupling functions -->", "<!-- integrators -->")


def on_page_markdown(markdown: str, page: Any, config: Any, files: Any) -> str:
    """Fill the models page's markers; leave every other page as it is."""
    if page.file.src_uri != PAGE:
        return markdown
    for marker, make in zip(MARKERS, (models_markdown, coupling_markdown, integrators_markdown)):
        if marker not in markdown:
            raise ValueError(f"docs/{PAGE}: the marker {marker} is missing")
        markdown = markdown.replace(marker, make())
    return markdown


def cell(value: object) -> str:
    """A table cell's text: `|` escaped, line breaks as spaces."""
    return str(value).replace("|", r"\|").replace("\n", " ")


def number(value: float | None) -> str:
    """A number as the command line shows it (`0.27`, `154`, `-inf`)."""
    if value is None:
        return ""
    return f"{value:g}" if not math.isinf(value) else ("inf" if value > 0 else "-inf")


def table(header: list[str], rows: list[list[str]]) -> str:
    """A Markdown table."""
    lines = ["| " + " | ".join(header) + " |", "|" + " --- |" * len(header)]
    lines += ["| " + " | ".join(cell(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


def model_markdown(model: Any) -> str:
    """One model's section: what it is, its equations, variables, parameters, defaults, BOLD drive and sources."""
    info = model.describe()
    text = inspect.cleandoc(type(model).__doc__ or "")
    out = [f"## {info['name']}", "", text, "", "Equations (c is the network input, I a stimulus):", "",
           "```text", info["equations"], "```", ""]
    out += ["State variables (range: where the values typically lie, and a random initial state is drawn):", "",
            table(["variable", "range", "clamped to", "coupled", "observed", "meaning"],
                  [[f"`{v['name']}`", f"[{number(v['range'][0])}, {number(v['range'][1])}]",
                    "" if v["bounds"] == [None, None] else
                    f"[{number(v['bounds'][0]) or '-inf'}, {number(v['bounds'][1]) or 'inf'}]",
                    "yes" if v["name"] in info["coupled"] else "", "yes" if v["name"] in info["observed"] else "",
                    v["doc"]] for v in info["state_variables"]]), ""]
    if info["parameters"]:
        out += ["Parameters (per region: a region attribute of the same name overrides the value for that region):",
                "", table(["parameter", "default", "bounds", "unit", "per region", "meaning"],
                          [[f"`{p['name']}`", number(p["default"]), p["bounds"], p["unit"],
                            "yes" if p["per_region"] else "", p["doc"]] for p in info["parameters"]]), ""]
    out += [f"Defaults: coupling function `{info['coupling_function']}` in `{info['coupling_mode']}` mode, "
            f"integrator `{info['integrator']}` (it takes {', '.join(f'`{i}`' for i in info['integrators'])}).", ""]
    drive = info["bold_drive"]
    unit = f" {drive['unit']}" if drive["unit"] else ""
    out += [f"BOLD and FC from `{drive['quantity']}`" + (f": {drive['doc']}" if drive["doc"] else "") + ". "
            f"The balloon is driven by z = {drive['scale']:g} × ({drive['quantity']} − {drive['baseline']:g}{unit})"
            + (f", for a typical range [{number(drive['typical'][0])}, {number(drive['typical'][1])}]{unit}"
               if drive["typical"] else "")
            + " (`bold_scale`, `bold_baseline`)" + (f"; after {drive['source']}" if drive["source"] else "") + ".", ""]
    if info["notes"]:
        out += [f"Note: {info['notes']}", ""]
    out += ["Sources:", ""] + [f"* {source}" for source in info["sources"]] + [""]
    return "\n".join(out)


def models_markdown() -> str:
    """Every registered model's section, in registration order."""
    from connectome.sim.models import MODELS

    return "\n".join(model_markdown(model) for model in MODELS.values())


def coupling_markdown() -> str:
    """The coupling functions: name, formula, default a, further parameters."""
    from connectome.sim.coupling import FUNCTIONS

    return table(["function", "c", "default a", "parameters (`coupling.NAME`)"],
                 [[f"`{f.name}`", f"`{f.formula}`", number(f.default_a),
                   ", ".join(f"`{p.name}` = {number(p.default)} ({p.doc})" for p in f.parameters)]
                  for f in FUNCTIONS.values()])


def integrators_markdown() -> str:
    """The integrators: name, noise, what they are."""
    from connectome.sim.integrators import INTEGRATORS

    return table(["integrator", "noise", "what it is"],
                 [[f"`{i.name}`", "additive" if i.stochastic else "", i.doc] for i in INTEGRATORS.values()])
