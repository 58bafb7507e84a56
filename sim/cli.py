"""The `dentsim` command: thin wrappers that parse arguments and call the library."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import click
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from sim.errors import InputError
from sim.experiment import run_scenario
from sim.scenario import Scenario, load_scenario, scenario_json_schema


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="dentsim")
def cli() -> None:
    """dentsim: simulate a year of AI outbound calling in a dental practice, offline."""


def _load(path: str, seed: int | None = None) -> Scenario:
    scenario = load_scenario(path)
    return scenario.model_copy(update={"seed": seed}) if seed is not None else scenario


@cli.command()
@click.argument("scenario_file", metavar="SCENARIO")
@click.option(
    "--out", "out_dir", type=click.Path(file_okay=False), help="Run directory [runs/NAME]"
)
@click.option("--seed", type=click.IntRange(min=0), help="Override the scenario's seed")
@click.option("--quiet", is_flag=True, help="No progress bar or table")
def run(scenario_file: str, out_dir: str | None, seed: int | None, quiet: bool) -> int:
    """Simulate SCENARIO and write its event log, KPIs and manifest."""
    scenario = _load(scenario_file, seed)
    target = Path(out_dir) if out_dir else Path("runs") / scenario.name
    console = Console(stderr=True)
    with Progress(
        TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(),
        TextColumn("days"), TimeElapsedColumn(), console=console, disable=quiet, transient=True,
    ) as bar:  # fmt: skip
        task = bar.add_task(scenario.name, total=scenario.days)
        result = run_scenario(scenario, target, lambda days: bar.update(task, completed=days))
    if not quiet:
        Console().print(kpi_table(result.kpis, f"{scenario.name} (seed {scenario.seed})"))
        console.print(
            f"wrote {target}/ in {result.manifest['timings_s']['simulate']:.2f} s of simulation"
        )
    return 0


@cli.command()
@click.argument("files", nargs=-1, required=True, metavar="FILE...")
def validate(files: tuple[str, ...]) -> int:
    """Check scenario files; print every problem as FILE:LINE: key.path: message."""
    problems: list[str] = []
    for f in files:
        try:
            scenario = load_scenario(f)
            click.echo(
                f"{f}: valid scenario '{scenario.name}' ({scenario.population.patients} patients, {scenario.days} days)"
            )
        except InputError as e:
            problems.extend(e.problems)
    if problems:
        raise InputError(problems)
    return 0


@cli.command()
def schema() -> int:
    """Print the JSON Schema of a scenario file (for editors)."""
    click.echo(json.dumps(scenario_json_schema(), indent=2))
    return 0


def kpi_table(kpis: dict[str, Any], title: str) -> Table:
    """The KPI table: one column overall, one per use case."""
    columns = {"overall": kpis["overall"], **kpis["by_use_case"]}
    table = Table(title=title)
    table.add_column("KPI")
    for name in columns:
        table.add_column(name, justify="right")
    keys = list(dict.fromkeys(k for col in columns.values() for k in col))
    for key in keys:
        table.add_row(key, *(_fmt(key, col.get(key)) for col in columns.values()))
    return table


def _fmt(key: str, value: Any) -> str:
    if value is None:
        return "-"
    if key.endswith(("_rate", "_recovery")) or key == "conversion":
        return f"{100 * value:.1f} %"
    if key.endswith("revenue"):
        return f"${value:,.0f}"
    if isinstance(value, float):
        return f"{value:,.1f}"
    return f"{value:,}"


def _register_commands() -> None:
    """Commands that live beside the modules they drive (skipped while a module is absent)."""
    import importlib

    for module, name in (
        ("sim.cli_check", "check"),
        ("agents.cli", "agent_test"),
        ("reports.cli", "report"),
    ):
        try:
            cli.add_command(getattr(importlib.import_module(module), name))
        except ModuleNotFoundError as e:
            if e.name != module:
                raise


def main(argv: list[str] | None = None) -> int:
    """Entry point: bad input gives its message lines on stderr and exit code 2, never a traceback."""
    _register_commands()
    try:
        rv = cli.main(args=argv, prog_name="dentsim", standalone_mode=False)
    except InputError as e:
        for line in e.problems:
            click.echo(line, err=True)
        return 2
    except click.exceptions.Exit as e:
        return int(e.exit_code)
    except click.ClickException as e:
        e.show()
        return 2
    except click.exceptions.Abort:
        click.echo("aborted", err=True)
        return 130
    return rv if isinstance(rv, int) else 0


if __name__ == "__main__":
    sys.exit(main())
