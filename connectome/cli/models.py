"""`models list` and `models show NAME`: what the engine can run, with variables, parameters and sources."""

from __future__ import annotations

import click

from .common import Group, emit, json_option, table


@click.group("models", cls=Group)
def models() -> None:
    """The models the engine runs: equations, parameters and sources."""


@models.command("list")
@json_option
def list_models(as_json: bool) -> None:
    """Every model with its state variables, coupled variables and defaults.

    \b
    Example:
      connectome models list
    """
    from ..sim.models import MODELS

    rows = [m.describe() for m in MODELS.values()]
    if as_json:
        return emit(rows)
    click.echo(table([(r["name"], " ".join(v["name"] for v in r["state_variables"]), " ".join(r["coupled"]),
                       len(r["parameters"]), r["coupling_function"], r["integrator"], r["sources"][0]) for r in rows],
                     ["model", "variables", "coupled", "parameters", "coupling", "integrator", "source"]))


@models.command("show")
@click.argument("name")
@json_option
def show_model(name: str, as_json: bool) -> None:
    """One model in full: equations, state variables with ranges, parameters with defaults, bounds, units.

    \b
    Example:
      connectome models show montbrio-pazo-roxin --json
    """
    from ..sim.models import get_model

    d = get_model(name).describe()
    if as_json:
        return emit(d)
    click.echo(f"{d['name']}: {d['doc']}\n")
    click.echo("equations:\n  " + d["equations"].replace("\n", "\n  ") + "\n")
    click.echo(table([(v["name"], f"[{v['range'][0]:g}, {v['range'][1]:g}]", _bounds(v["bounds"]),
                       "yes" if v["name"] in d["coupled"] else "", v["doc"]) for v in d["state_variables"]],
                     ["variable", "range", "clamped to", "coupled", "meaning"]) + "\n")
    click.echo(table([(p["name"], f"{p['default']:g}", p["bounds"], p["unit"], p["doc"]) for p in d["parameters"]],
                     ["parameter", "default", "bounds", "unit", "meaning"]) + "\n")
    click.echo(f"defaults: coupling {d['coupling_function']} ({d['coupling_mode']} weights), integrator "
               f"{d['integrator']} (takes {', '.join(d['integrators'])})")
    click.echo(_bold_text(d["bold_drive"]))
    if d["notes"]:
        click.echo(f"note: {d['notes']}")
    click.echo("sources:\n" + "\n".join(f"  {s}" for s in d["sources"]))


def _bold_text(drive: dict) -> str:
    """The proxy behind BOLD and FC, and the default drive z = scale · (proxy − baseline)."""
    unit, quantity = drive["unit"], drive["quantity"]
    meaning = f": {drive['doc']}" if drive["doc"] else ""
    text = f"BOLD and FC from {quantity}{f' ({unit})' if unit else ''}{meaning}\n"
    if not drive["typical"]:
        return text + f"  BOLD drive z = {quantity}, unscaled (the model declares no typical range; --bold-scale)"
    low, high = drive["typical"]
    text += (f"  BOLD drive z = {drive['scale']:g}{f'/{unit}' if unit else ''} · ({quantity} - {drive['baseline']:g}"
             f"{f' {unit}' if unit else ''}), typical range [{low:g}, {high:g}]{f' {unit}' if unit else ''} "
             "(--bold-scale, --bold-baseline)")
    return text + (f"\n  after {drive['source']}" if drive["source"] else "")


def _bounds(bounds: list) -> str:
    low, high = bounds
    if low is None and high is None:
        return "-"
    return f"[{'-inf' if low is None else f'{low:g}'}, {'inf' if high is None else f'{high:g}'}]"
