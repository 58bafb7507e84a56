"""`dentsim run SCENARIO`: simulate one practice-year, replications of it, or a dental group,
write the results, and print their KPIs."""

from __future__ import annotations

from pathlib import Path

import click
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from dentsim import api
from dentsim.cli.running import executor_options, print_warnings, report_failures, task_progress
from dentsim.cli.tables import ci_table, kpi_table
from dentsim.errors import InputError
from dentsim.results.rundir import check_run_dir
from dentsim.scenario import MAX_SEED


@click.command()
@click.argument("scenario_file", metavar="SCENARIO")
@click.option(
    "--out", "out_dir", type=click.Path(file_okay=False), help="Run directory [runs/NAME]"
)
@click.option(
    "--seed",
    type=click.IntRange(min=0, max=MAX_SEED),
    help=f"Override the scenario's seed (0 to {MAX_SEED})",
)
@click.option(
    "--replications",
    type=click.IntRange(min=1),
    help="Independent replications; KPIs as means with 95% intervals",
)
@executor_options
@click.option("--quiet", is_flag=True, help="No progress bar or table")
def run(
    scenario_file: str,
    out_dir: str | None,
    seed: int | None,
    replications: int | None,
    workers: int | None,
    executor_kind: str,
    scheduler: str | None,
    resume: bool,
    quiet: bool,
) -> int:
    """Simulate SCENARIO and write its event log, KPIs and manifest.

    With --replications, or for a scenario with a `group:` block (a dental group), the
    practice-years run as parallel tasks (--workers, --executor, --scheduler) into DIR.
    """
    scenario = api.load_scenario(scenario_file, seed=seed)
    target = Path(out_dir) if out_dir else Path("runs") / scenario.name
    console = Console(stderr=True)
    executor = api.executor_for(executor_kind, workers, scheduler)
    if scenario.group is not None:
        if replications is not None:
            raise InputError(
                f"{scenario_file}: --replications does not apply to a group scenario; "
                "run the group again with another --seed instead"
            )
        with task_progress(console, f"{scenario.name}: practices", quiet) as progress:
            grouped = api.group(scenario, target, executor, resume=resume, progress=progress)
        if not quiet:
            title = (
                f"{scenario.name}: {len(grouped.outcome.records)} practices (seed {scenario.seed})"
            )
            Console().print(kpi_table(grouped.kpis, title))
            console.print(
                f"wrote {target}/ in {grouped.outcome.wall_s:.1f} s ({executor.describe()})"
            )
        print_warnings(grouped.manifest["warnings"], console)
        return report_failures(grouped.outcome.failures, console)
    if replications is not None:
        with task_progress(console, f"{scenario.name}: replications", quiet) as progress:
            replicated = api.replicate(
                scenario, replications, target, executor, resume=resume, progress=progress
            )
        if not quiet:
            title = f"{scenario.name}: mean ± 95% interval over {replications} replications"
            Console().print(ci_table(replicated.kpis, title))
            console.print(
                f"wrote {target}/ in {replicated.outcome.wall_s:.1f} s ({executor.describe()})"
            )
        print_warnings(replicated.manifest["warnings"], console)
        return report_failures(replicated.outcome.failures, console)
    with Progress(
        TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(),
        TextColumn("days"), TimeElapsedColumn(), console=console, disable=quiet, transient=True,
    ) as bar:  # fmt: skip
        check_run_dir(target)  # before a year of work
        task = bar.add_task(scenario.name, total=scenario.days)
        result = api.simulate(scenario, progress=lambda days: bar.update(task, completed=days))
        result.write(target)
    if not quiet:
        Console().print(kpi_table(result.kpis, f"{scenario.name} (seed {scenario.seed})"))
        console.print(
            f"wrote {target}/ in {result.manifest['timings_s']['simulate']:.2f} s of simulation"
        )
    print_warnings(result.warnings, console)
    return 0
