"""`dentsim calibrate SCENARIO --observed OBSERVED.yaml --out CALIBRATED.yaml`: fit the behaviour
parameters to a practice's observed figures (dentsim.calibration), print observed against
simulated, and write the calibrated scenario, or refuse (exit 1) a figure it cannot reach."""

from __future__ import annotations

from pathlib import Path

import click
from rich.console import Console

from dentsim.calibration.fit import Calibration, calibrate
from dentsim.calibration.observed import load_observed
from dentsim.calibration.writing import write_calibrated
from dentsim.cli.tables import FittedTable
from dentsim.errors import InputError
from dentsim.files import check_output_file
from dentsim.scenario import load_scenario


def _pct(x: float) -> str:
    return f"{100 * x:.1f}%"


def figures_table(c: Calibration) -> FittedTable:
    rows = []
    for f in c.figures:
        o = f.observed
        rows.append(
            (
                o.label,
                (
                    f"{_pct(o.rate)} [{_pct(o.low)}, {_pct(o.high)}]",
                    f"{o.n:,} {o.unit if o.n != 1 else o.unit.removesuffix('s')}",
                    f"{_pct(f.simulated)} [{_pct(f.low)}, {_pct(f.high)}]",
                    "yes" if f.reached else f"NO (closest {_pct(f.closest)})",
                ),
            )
        )
    return FittedTable(
        f"observed against simulated (mean over {c.replications} replications, 95% intervals)",
        "figure",
        ("observed", "behind it", "simulated", "within"),
        tuple(rows),
    )


def parameters_table(c: Calibration) -> FittedTable:
    rows = []
    for p in c.parameters:
        interval = f"{p.low:.4g} to {p.high:.4g}" if p.sd is not None else "unknown"
        bound = " (at its bound)" if p.at_bound else ""
        rows.append((p.key, (f"{p.start:.4g}", f"{p.value:.4g}{bound}", interval)))
    return FittedTable(
        "fitted parameters", "parameter", ("was", "fitted", "95 % interval"), tuple(rows)
    )


@click.command()
@click.argument("scenario_file", metavar="SCENARIO")
@click.option(
    "--observed",
    "observed_file",
    required=True,
    type=click.Path(dir_okay=False),
    help="The practice's observed figures (YAML)",
)
@click.option(
    "--out", "out_file", required=True, type=click.Path(dir_okay=False), help="Calibrated scenario"
)
@click.option(
    "--replications",
    type=click.IntRange(min=2, max=100),
    default=4,
    show_default=True,
    help="Replications per evaluation (the same seeds at every one)",
)
@click.option("--workers", type=click.IntRange(min=1), help="Worker processes [CPUs]")
@click.option("--quiet", is_flag=True, help="No progress lines")
def calibrate_command(
    scenario_file: str,
    observed_file: str,
    out_file: str,
    replications: int,
    workers: int | None,
    quiet: bool,
) -> int:
    """Fit SCENARIO's behaviour parameters to the observed figures; write the calibrated scenario.

    Exit 1, writing nothing, when a figure cannot be reached within its observed interval.
    """
    scenario = load_scenario(scenario_file)
    observed = load_observed(observed_file)
    out = Path(out_file)
    check_output_file(out, "--out")
    for option, given in (("SCENARIO", scenario_file), ("--observed", observed_file)):
        if out.resolve() == Path(given).resolve():
            raise InputError(
                f"--out {out}: is the {option} file; write the calibrated scenario to a new file"
            )
    err = Console(stderr=True)

    def progress(n: int, means: list[float]) -> None:
        if not quiet:
            shown = ", ".join(f"{o.label} {_pct(m)}" for o, m in zip(observed, means, strict=True))
            err.print(f"evaluation {n}: {shown}", highlight=False)

    result = calibrate(scenario, observed, replications, workers, progress)
    Console().print(figures_table(result))
    Console().print(parameters_table(result))
    err.print(
        f"{result.evaluations} evaluations of {result.replications} replications "
        f"in {result.seconds:.0f} s",
        highlight=False,
    )
    missed = [f for f in result.figures if not f.reached]
    if missed:
        for f in missed:
            o = f.observed
            p = next(p for p in result.parameters if p.figure == o.figure)
            bound = (
                f", with {p.key} at {p.value:.4g}, an end of its range "
                f"({p.bound_low:.4g} to {p.bound_high:.4g})"
                if p.at_bound
                else ""
            )
            click.echo(
                f"{o.where}: cannot reach {_pct(o.rate)} (interval {_pct(o.low)} to "
                f"{_pct(o.high)}); the closest the scenario got is {_pct(f.closest)}{bound}; "
                f"nothing written",
                err=True,
            )
        return 1
    write_calibrated(Path(scenario_file), out, scenario, result, Path(observed_file))
    err.print(f"wrote {out}", highlight=False)
    return 0


calibrate_command.name = "calibrate"
