"""`estimate` and `simulate`: the engine's verdicts and runs, recorded in the store."""

from __future__ import annotations

import sys
from typing import Any, Callable

import click

from ..exact import parse_count
from .common import Command, complete_ref, emit, json_option, neurons_count, scaling_option, size_text, store_of, table


def _max_steps(_ctx: click.Context, _param: click.Parameter, value: str) -> int:
    return parse_count(value, "max_steps")


def simulation_options(func: Callable, required: bool = True) -> Callable:
    """The options that place a run: topology, neurons, time grid, delays."""
    for option in reversed([
        click.option("--topology", "ref", required=required, metavar="REF", shell_complete=complete_ref, help="Topology version: NAME@vN, NAME or vN."),
        click.option("--neurons", callback=neurons_count, metavar="N",
                     help="Total neurons (1e7, 10_000_000, …), for the models that use N: rate, and any model "
                          "with --coupling-mode mean-input [default: the topology's reference scale]."),
        click.option("--duration", type=float, default=1000.0, show_default=True, help="Simulated time in ms."),
        click.option("--dt", type=float, default=0.1, show_default=True, help="Time step in ms."),
        click.option("--record-every", type=float, metavar="MS",
                     help="Record every state variable every MS ms (implies --record) [default: every step]."),
        click.option("--record/--no-record", default=None,
                     help="Record the raw traces (every state variable) [default: yes, unless BOLD, --fc or "
                          "--fcd-window is asked without --record-every]."),
        click.option("--speed", type=float, metavar="MM_PER_MS",
                     help="Conduction speed of the delays from `tract_length` [default: 3, TVB's]."),
        click.option("--no-delays", is_flag=True, help="Run without delays, whatever the tract lengths."),
        click.option("--max-steps", callback=_max_steps, default="1e8", show_default=True, metavar="N",
                     help="Refuse a run of more time steps than this."),
        scaling_option,
    ]):
        func = option(func)
    return func


def _param(_ctx: click.Context, _param: click.Parameter, values: tuple[str, ...]) -> dict[str, float]:
    out = {}
    for text in values:
        name, eq, value = text.partition("=")
        try:
            out[name.strip()] = float(value)
        except ValueError:
            raise click.BadParameter(f"expected NAME=NUMBER, got {text!r}") from None
        if not eq or not name.strip():
            raise click.BadParameter(f"expected NAME=NUMBER, got {text!r}")
    return out


def _initial(ctx: click.Context, param: click.Parameter, values: tuple[str, ...]) -> dict[str, float] | str | None:
    if not values:
        return None
    if values == ("random",):
        return "random"
    if "random" in values:
        raise click.BadParameter("random stands alone: it draws every variable")
    return _param(ctx, param, values)


def _monitors(_ctx: click.Context, _param: click.Parameter, values: tuple[str, ...]) -> tuple[str, ...]:
    if "raw" in values and "temporal-average" in values:
        raise click.BadParameter("raw or temporal-average, not both")
    return values


def run_options(func: Callable) -> Callable:
    """The options that choose the model, the network, the integration, the inputs and the monitors; the
    choices are the library's registries (plugins included)."""
    from ..sim.coupling import FUNCTIONS
    from ..sim.integrators import INTEGRATORS
    from ..sim.layouts import KERNELS
    from ..sim.monitors import MONITORS
    from ..sim.spec import COUPLING_MODES, PRECISIONS

    for option in reversed([
        click.option("--model", default="rate", show_default=True, help="The model (`models list` shows them)."),
        click.option("--param", "params", multiple=True, callback=_param, metavar="NAME=VALUE",
                     help="A model parameter (global; a region attribute of that name overrides it); repeatable."),
        click.option("--coupling", type=float,
                     help="The coupling function's a (the rate model's G) [default: 1 for rate, else TVB's]."),
        click.option("--coupling-function", type=click.Choice(list(FUNCTIONS)),
                     help="How delayed source states become input [default: the model's]; its other "
                          "parameters as --param coupling.NAME=VALUE."),
        click.option("--integrator", type=click.Choice(list(INTEGRATORS)),
                     help="[default: the model's: heun (heun-stochastic with --noise), exponential-euler for rate]"),
        click.option("--noise", multiple=True, callback=_param, metavar="VAR=D",
                     help="Additive noise sqrt(2 D dt) xi on a state variable (stochastic integrators); repeatable."),
        click.option("--initial", multiple=True, callback=_initial, metavar="VAR=VALUE|random",
                     help="Constant state on t <= 0 per variable (others: mid-range), or random [default: random]."),
        click.option("--monitor", "monitors", multiple=True, callback=_monitors,
                     type=click.Choice([name for name, m in MONITORS.items() if not m.internal]),
                     help="What is recorded every --record-every ms; bold adds the BOLD signal, and any other "
                          "monitor its own arrays; repeatable."),
        click.option("--bold-period", type=float, default=2000.0, show_default=True, metavar="MS",
                     help="Sampling period of the BOLD signal."),
        click.option("--bold-scale", type=float, metavar="PER_UNIT",
                     help="The BOLD drive z = scale (proxy - baseline) [default: the model's, `models show`]."),
        click.option("--bold-baseline", type=float, metavar="VALUE",
                     help="The proxy's level at which the balloon rests [default: the model's]."),
        click.option("--fc", is_flag=True, help="Add the functional connectivity and its correlation with the SC."),
        click.option("--transient", type=float, default=0.0, show_default=True, metavar="MS",
                     help="Leave out the first MS ms from the FC."),
        click.option("--fcd-window", type=float, metavar="MS",
                     help="Add the FCD, the correlations of sliding windows' FCs (of the BOLD signal with --monitor "
                          "bold, else of the activity), windows of MS ms; its mean and std in the summary."),
        click.option("--fcd-step", type=float, metavar="MS", help="The FCD windows' step in ms (with --fcd-window)."),
        click.option("--spectrum", is_flag=True, help="Add the power spectrum of the recorded activity (Welch, Hann "
                     "windows, regions averaged) and its peak frequency in Hz to the summary."),
        click.option("--spectrum-window", type=float, default=1000.0, show_default=True, metavar="MS",
                     help="The spectrum's Welch segment: its frequency resolution is 1000/MS Hz."),
        click.option("--coupling-mode", type=click.Choice(list(COUPLING_MODES)),
                     help="raw: W = strength; mean-input: each target's input normalised [default: the model's]."),
        click.option("--width", type=float, help="The rate model's sigmoid width (= --param width=W) [default: 0.1]."),
        click.option("--seed", type=click.IntRange(0, 2**63 - 1), help="Random seed [default: drawn and recorded]."),
        click.option("--stimulus", "stimuli", multiple=True, metavar="REGION=AMP[*pulse(T,W)|*sin(HZ)][@START:END]",
                     help="Input to a region while START < t < END (ms): a box, a pulse train of period T and "
                          "width W, or a sinusoid; repeatable."),
        click.option("--deterministic", is_flag=True, help="The N → ∞ limit: no finite-size noise."),
        click.option("--precision", type=click.Choice(list(PRECISIONS)), default="float64", show_default=True,
                     help="tvb: TVB's float32 history, products and row sums (its runs bit for bit)."),
        click.option("--kernel", type=click.Choice(list(KERNELS)), default="auto", show_default=True,
                     help="The coupling layout: scatter (each target's inputs in projection order), push (by "
                          "source), dense (matrices); auto: dense for large dense graphs, else push."),
    ]):
        func = option(func)
    return func


def spec_of_options(neurons: int | None, options: dict[str, Any]) -> Any:
    """The RunSpec the flags describe."""
    from ..sim import make_spec

    params = dict(options.pop("params"))
    width = options.pop("width")
    if width is not None:
        params["width"] = width
    monitors = options.pop("monitors")
    options["monitor"] = "temporal-average" if "temporal-average" in monitors else "raw"
    options["bold"] = "bold" in monitors
    options["monitors"] = tuple(m for m in monitors if m not in ("raw", "temporal-average", "bold"))
    options["bold_period_ms"] = options.pop("bold_period")
    options["transient_ms"] = options.pop("transient")
    options["fcd_window_ms"], options["fcd_step_ms"] = options.pop("fcd_window"), options.pop("fcd_step")
    options["spectrum_window_ms"] = options.pop("spectrum_window")
    options["noise"] = dict(options.pop("noise"))
    return make_spec(neurons, duration_ms=options.pop("duration"), dt_ms=options.pop("dt"),
                     record_every_ms=options.pop("record_every"), speed_mm_per_ms=options.pop("speed"),
                     delays=not options.pop("no_delays"),
                     params=params, stimuli=tuple(options.pop("stimuli")), **options)


@click.command(cls=Command)
@simulation_options
@run_options
@json_option
@click.pass_context
def estimate(ctx: click.Context, ref: str, neurons: int | None, as_json: bool, **options: Any) -> None:
    """Estimate the memory and time a run takes, next to what explicit connection lists would take.

    \b
    Example:
      connectome estimate --topology multi_region@v1 --neurons 1e9 --duration 1000
    """
    from ..sim import estimate_prepared, prepare

    found = store_of(ctx).resolve(ref)
    prepared = prepare(store_of(ctx).columns(found), spec_of_options(neurons, options))
    est = estimate_prepared(prepared)
    if as_json:
        return emit(est)
    if "neurons" in est:
        click.echo(f"{found.ref} at {est['neurons']:,} neurons: {est['total_connections']:,} connections")
    else:
        click.echo(f"{found.ref}: {prepared.spec.model}")
    click.echo(f"  this run:         {size_text(est['run_bytes'])}")
    for part, size in est["bytes_by_component"].items():
        click.echo(f"    {component_label(part) + ':':<25}{size_text(size)}")
    if "explicit_bytes" in est:
        click.echo(f"  explicit storage: {size_text(est['explicit_bytes'])} (8 bytes per connection)")
    click.echo(f"  available:        {size_text(est['available_bytes'])} -> {'fits' if est['fits'] else 'does NOT fit'}")
    click.echo(f"  time (rough):     {est['time_s']:,.2f} s for {est['steps']:,} steps")


COMPONENTS = {"monitor raw": "raw traces", "monitor temporal-average": "temporal average",
              "monitor signal": "FC signal (not written)", "monitor summary": "summary", "monitor bold": "BOLD",
              "fc": "FC", "fcd": "FCD"}


def component_label(part: str) -> str:
    """The estimate table's name of a component of `bytes_by_component` (a further monitor by its name).

    Examples
    --------
    >>> component_label("monitor raw"), component_label("fc"), component_label("monitor trough")
    ('raw traces', 'FC', 'trough monitor')
    """
    return COMPONENTS.get(part, part.removeprefix("monitor ") + (" monitor" if part.startswith("monitor ") else ""))


@click.command(cls=Command)
@simulation_options
@run_options
@click.option("--output", type=click.Path(path_type=str), help="Write time, activity and region names (.npz or .csv).")
@click.option("--plot", type=click.Path(path_type=str), metavar="FILE",
              help="Draw the activity traces to FILE (.png or .svg), as `plot run` does.")
@click.option("--threads", type=click.IntRange(1, 1024), metavar="N",
              help="Threads summing the coupling; results are identical for any N [default: $CONNECTOME_THREADS, "
                   "else 1, or the idle cores from 50,000 projections].")
@json_option
@click.pass_context
def simulate(ctx: click.Context, ref: str, neurons: int | None, output: str | None, plot: str | None,
             threads: int | None, as_json: bool, **options: Any) -> None:
    """Simulate region activity of a topology (at N neurons, for the models that use N), in constant memory;
    the run is recorded. Tract lengths give delays at 3 mm/ms (TVB's default) unless --speed or --no-delays.

    On a terminal (and without --json) a progress bar appears once the run has taken 2 s; set
    CONNECTOME_PROGRESS_DELAY to another number of seconds (0: at once).

    \b
    Examples:
      connectome simulate --topology multi_region@v1 --neurons 1e7 --stimulus sensory_cortex=1.0@100:400
      connectome simulate --topology multi_region@v1 --model wilson-cowan --noise E=0.001 --fc --record --plot run.png
    """
    from ..runs import check_output, record_simulation
    from .common import warnings_shown

    check_output(output)
    store = store_of(ctx)
    found = store.resolve(ref)
    spec = spec_of_options(neurons, options)
    with warnings_shown():
        summary, _result = record_simulation(store, found, spec, output=output, threads=threads, plot=plot,
                                             show_progress=not as_json and sys.stderr.isatty(),
                                             warn=lambda text: click.echo(f"warning: {text}", err=True))
    if as_json:
        return emit(summary)
    print_summary(summary)


def print_summary(summary: dict[str, Any]) -> None:
    """The summary of a run as the tour shows it: only what its model has (no neuron column without N, no
    activation or propagation without an activation level)."""
    mode = "deterministic" if summary["deterministic"] else f"seed {summary['seed']}"
    at = f" at {summary['neurons']:,} neurons" if summary.get("neurons") is not None else ""
    speed = summary.get("speed_mm_per_ms")
    click.echo(f"run {summary['run_id']}: {summary['ref']}{at}, {summary['duration_ms']:g} ms in steps of "
               f"{summary['dt_ms']:g} ms, {summary['model']} ({mode})"
               + ("" if speed is None else f", delays at {speed:g} mm/ms"))
    if summary.get("total_connections") is not None:
        click.echo(f"total connections (derived, never stored): {summary['total_connections']:,}")
    observed, regions = summary.get("observed", "a"), summary["regions"]
    # a summary recorded before `speed_mm_per_ms` gave every model the rate model's propagation_order
    activates = "propagation_order" in summary and ("speed_mm_per_ms" in summary or summary["model"] == "rate")
    sized = bool(regions) and "neurons" in regions[0] and summary.get("neurons") is not None
    rows = [(r["name"], *([r["neurons"]] if sized else []), f"{r['peak_activity']:.4f}", f"{r['mean_activity']:.4f}",
             *(["-" if r["activation_ms"] is None else f"{r['activation_ms']:g}"] if activates else []))
            for r in regions]
    names = ["peak", "mean"] if activates else [f"peak {observed}", f"mean {observed}"]
    headers = ["region", *(["neurons"] if sized else []), *names, *(["activated_ms"] if activates else [])]
    click.echo(table(rows, headers))
    if activates:
        click.echo(f"propagation: {' -> '.join(summary['propagation_order']) or '(no region activated)'}")
    if "fc_sc" in summary:  # flat; a run recorded with FC–SC nested shows the same
        fc = summary["fc_sc"] if isinstance(summary["fc_sc"], dict) else \
            {k: summary.get(k) for k in ("fc_sc", "fc_log_sc")}
        click.echo("FC-SC correlation: " + ", ".join(f"{k} {'-' if v is None else f'{v:.3f}'}" for k, v in fc.items()))
    _print_analyses(summary)
    click.echo(f"wall {summary['wall_s']:.2f} s, peak RSS {size_text(summary['peak_rss_bytes'])}"
               + (f", written to {summary['output']}" if summary["output"] else ""))


def _print_analyses(summary: dict[str, Any]) -> None:
    """The FCD's and the spectrum's lines, when the run has them."""
    def shown(value: float | None, form: str) -> str:
        return "-" if value is None else format(value, form)

    if "fcd" in summary:
        f = summary["fcd"]
        windows = f"{f['windows']} window{'' if f['windows'] == 1 else 's'}"
        click.echo(f"FCD of {f['signal']}: {windows} of {f['window_ms']:g} ms every {f['step_ms']:g} ms, "
                   f"mean {shown(f['mean'], '.3f')}, std {shown(f['std'], '.3f')}")
    if "spectrum" in summary:
        s = summary["spectrum"]
        click.echo(f"spectrum of {s['signal']}: peak {shown(s['peak_hz'], 'g')} Hz "
                   f"(resolution {shown(s['resolution_hz'], 'g')} Hz)")
