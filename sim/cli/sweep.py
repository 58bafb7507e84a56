"""`dentsim sweep SWEEP`: run a sweep's variants on the same patients, times replications, and
print them side by side with their paired differences from the base."""

from __future__ import annotations

from pathlib import Path

import click
from rich.console import Console

from dentsim import api
from dentsim.cli.running import executor_options, print_warnings, report_failures, task_progress
from dentsim.cli.tables import sweep_table
from dentsim.experiments.sweep_file import load_sweep
from dentsim.experiments.sweep_run import pareto


@click.command()
@click.argument("sweep_file", metavar="SWEEP")
@click.option(
    "--out", "out_dir", type=click.Path(file_okay=False), help="Sweep directory [runs/NAME]"
)
@click.option(
    "--replications", type=click.IntRange(min=1), help="Override the sweep's replications"
)
@executor_options
@click.option("--quiet", is_flag=True, help="No progress bar or table")
def sweep(
    sweep_file: str,
    out_dir: str | None,
    replications: int | None,
    workers: int | None,
    executor_kind: str,
    scheduler: str | None,
    resume: bool,
    quiet: bool,
) -> int:
    """Run the variants of SWEEP on the same patients, times replications, and compare them.

    Writes results.parquet, summary.json/.parquet (means, 95% intervals and paired differences
    from the base), pareto.json (bookings against opt-out rate), sweep.json and timings.json.
    """
    plan = load_sweep(sweep_file, replications)
    target = Path(out_dir) if out_dir else Path("runs") / plan.name
    console = Console(stderr=True)
    executor = api.executor_for(executor_kind, workers, scheduler)
    label = f"{plan.name}: {len(plan.variants)} variants x {plan.replications} replications"
    with task_progress(console, label, quiet) as progress:
        result = api.sweep(plan, target, executor=executor, resume=resume, progress=progress)
    if not quiet:
        Console().print(sweep_table(result.kpis, pareto(result.kpis)))
        console.print(f"wrote {target}/ in {result.outcome.wall_s:.1f} s ({executor.describe()})")
    print_warnings(result.manifest["warnings"], console)
    return report_failures(result.outcome.failures, console)
