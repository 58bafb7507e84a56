"""The `dentsim` command: thin wrappers that parse arguments and call the library."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import click
from rich.cells import cell_len
from rich.console import Console, ConsoleOptions, RenderResult
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.table import Table

from dentsim import api
from dentsim.errors import InputError
from dentsim.experiments.sweep import load_sweep, pareto
from dentsim.experiments.tasks import Progress as TaskProgress
from dentsim.experiments.tasks import TaskFailure
from dentsim.inputs import KINDS, json_schema, validate_file
from dentsim.results.rundir import check_run_dir
from dentsim.results.warnings import file_warnings
from dentsim.scenario import MAX_SEED, Scenario


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="dentsim")
def cli() -> None:
    """dentsim: simulate a year of AI outbound calling in a dental practice, offline."""


def _load(path: str, seed: int | None = None) -> Scenario:
    return api.load_scenario(path, seed=seed)


def _executor_options(command: Any) -> Any:
    """--workers, --executor, --scheduler and --resume: how a run's tasks are fanned out."""
    for option in reversed(
        (
            click.option(
                "--workers", type=click.IntRange(min=1), help="Worker processes [number of cores]"
            ),
            click.option(
                "--executor",
                "executor_kind",
                type=click.Choice(["local", "dask"]),
                default="local",
                show_default=True,
                help="local processes, or a Dask LocalCluster on 127.0.0.1",
            ),
            click.option(
                "--scheduler",
                metavar="tcp://HOST:PORT",
                help="Run the tasks on this Dask scheduler (implies --executor dask)",
            ),
            click.option("--resume", is_flag=True, help="Skip the tasks already finished in DIR"),
        )
    ):
        command = option(command)
    return command


@contextmanager
def _task_progress(console: Console, label: str, quiet: bool) -> Iterator[TaskProgress]:
    """A rich progress bar over tasks, with counts and time left; yields its callback."""
    with Progress(
        TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(),
        TextColumn("tasks"), TimeElapsedColumn(), TextColumn("eta"), TimeRemainingColumn(),
        console=console, disable=quiet, transient=True,
    ) as bar:  # fmt: skip
        task = bar.add_task(label, total=None)

        def update(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        try:
            yield update
        except KeyboardInterrupt:
            console.print("interrupted: finished tasks are kept; rerun with --resume to go on")
            raise


def _failed(failures: tuple[TaskFailure, ...], console: Console) -> int:
    """Name every task that failed all its attempts; exit code 1 when there is one."""
    for failure in failures:
        console.print(f"failed: {failure.label}: {failure.error}", highlight=False, soft_wrap=True)
    return 1 if failures else 0


@cli.command()
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
    help="Independent replications; KPIs as means with 95 % intervals",
)
@_executor_options
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
    scenario = _load(scenario_file, seed)
    target = Path(out_dir) if out_dir else Path("runs") / scenario.name
    console = Console(stderr=True)
    executor = api.executor_for(executor_kind, workers, scheduler)
    if scenario.group is not None:
        if replications is not None:
            raise InputError(
                f"{scenario_file}: --replications does not apply to a group scenario; "
                "run the group again with another --seed instead"
            )
        with _task_progress(console, f"{scenario.name}: practices", quiet) as progress:
            grouped = api.group(scenario, target, executor, resume=resume, progress=progress)
        if not quiet:
            title = (
                f"{scenario.name}: {len(grouped.outcome.records)} practices (seed {scenario.seed})"
            )
            Console().print(kpi_table(grouped.kpis, title))
            console.print(
                f"wrote {target}/ in {grouped.outcome.wall_s:.1f} s ({executor.describe()})"
            )
        _print_warnings(grouped.manifest["warnings"], console)
        return _failed(grouped.outcome.failures, console)
    if replications is not None:
        with _task_progress(console, f"{scenario.name}: replications", quiet) as progress:
            replicated = api.replicate(
                scenario, replications, target, executor, resume=resume, progress=progress
            )
        if not quiet:
            title = f"{scenario.name}: mean ± 95 % interval over {replications} replications"
            Console().print(ci_table(replicated.kpis, title))
            console.print(
                f"wrote {target}/ in {replicated.outcome.wall_s:.1f} s ({executor.describe()})"
            )
        _print_warnings(replicated.manifest["warnings"], console)
        return _failed(replicated.outcome.failures, console)
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
    _print_warnings(result.warnings, console)
    return 0


def _print_warnings(warnings: list[dict[str, Any]], console: Console) -> None:
    """run.json's warnings, one line each (even with --quiet: nothing degrades in silence)."""
    for w in warnings:
        where = f"{w['run']}: " if "run" in w else ""
        console.print(f"warning: {where}{w['message']}", highlight=False, soft_wrap=True)


@cli.command()
@click.argument("files", nargs=-1, required=True, metavar="FILE...")
def validate(files: tuple[str, ...]) -> int:
    """Check input files; print every problem as FILE:LINE: key.path: message.

    Each FILE is checked as the kind its keys show: a sweep (`base:`), compliance rules
    (`format_version:` or rule ids), an agent conformance case (`purposes:`, `patient:`),
    ROI inputs (`fees_usd:`, `ai:`), or else a scenario, with every file it names.
    """
    problems: list[str] = []
    for f in files:
        try:
            click.echo(validate_file(f))
            for warning in file_warnings(f):
                click.echo(warning, err=True)
        except InputError as e:
            problems.extend(e.problems)
    if problems:
        raise InputError(problems)
    return 0


@cli.command()
@click.option(
    "--kind",
    type=click.Choice(list(KINDS)),
    default="scenario",
    show_default=True,
    help="The kind of file",
)
def schema(kind: str) -> int:
    """Print the JSON Schema of a kind of input file (for editors)."""
    click.echo(json.dumps(json_schema(kind), indent=2))
    return 0


@dataclass(frozen=True, slots=True)
class FittedTable:
    """A table that fits the terminal without cutting anything: its value columns go into as
    many tables, one under the other, as the width needs, each repeating the label column (a
    label too long even then is folded onto a second line, never cut short)."""

    title: str
    label: str  # the label column's header
    headers: tuple[str, ...]
    rows: tuple[tuple[str, tuple[str, ...]], ...]  # (label, one cell per header)

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        yield from self.tables(options.max_width)

    def tables(self, width: int) -> list[Table]:
        # Rich's default table: a border, then per column one space each side and a border.
        labels = [self.label, *(label for label, _ in self.rows)]
        values = [
            max(cell_len(h), *(cell_len(cells[i]) for _, cells in self.rows))
            for i, h in enumerate(self.headers)
        ]
        label_w = min(max(map(cell_len, labels)), max(width - 7 - max(values, default=0), 8))
        chunks: list[list[int]] = [[]]
        room = width - 4 - label_w
        for i, w in enumerate(values):
            if chunks[-1] and sum(values[j] + 3 for j in chunks[-1]) + w + 3 > room:
                chunks.append([])
            chunks[-1].append(i)
        tables = []
        for n, chunk in enumerate(chunks):
            table = Table(title=self.title if n == 0 else None)
            table.add_column(self.label, overflow="fold", max_width=label_w)
            for i in chunk:
                table.add_column(self.headers[i], justify="right", overflow="fold")
            for label, cells in self.rows:
                table.add_row(label, *(cells[i] for i in chunk))
            tables.append(table)
        return tables


def _by_scope_table(
    kpis: dict[str, Any], title: str, cell: Callable[[str, Any], str]
) -> FittedTable:
    """A KPI per row; one column overall, one per use case; `cell(key, value)` formats a value."""
    columns = {"overall": kpis["overall"], **kpis["by_use_case"]}
    keys = dict.fromkeys(k for col in columns.values() for k in col)
    rows = tuple((key, tuple(cell(key, col.get(key)) for col in columns.values())) for key in keys)
    return FittedTable(title, "KPI", tuple(columns), rows)


def kpi_table(kpis: dict[str, Any], title: str) -> FittedTable:
    """The KPI table: one column overall, one per use case."""
    return _by_scope_table(kpis, title, _fmt)


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


@cli.command()
@click.argument("sweep_file", metavar="SWEEP")
@click.option(
    "--out", "out_dir", type=click.Path(file_okay=False), help="Sweep directory [runs/NAME]"
)
@click.option(
    "--replications", type=click.IntRange(min=1), help="Override the sweep's replications"
)
@_executor_options
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

    Writes results.parquet, summary.json/.parquet (means, 95 % intervals and paired differences
    from the base), pareto.json (bookings against opt-out rate), sweep.json and timings.json.
    """
    plan = load_sweep(sweep_file, replications)
    target = Path(out_dir) if out_dir else Path("runs") / plan.name
    console = Console(stderr=True)
    executor = api.executor_for(executor_kind, workers, scheduler)
    label = f"{plan.name}: {len(plan.variants)} variants x {plan.replications} replications"
    with _task_progress(console, label, quiet) as progress:
        result = api.sweep(plan, target, executor=executor, resume=resume, progress=progress)
    if not quiet:
        Console().print(sweep_table(result.kpis, pareto(result.kpis)))
        console.print(f"wrote {target}/ in {result.outcome.wall_s:.1f} s ({executor.describe()})")
    _print_warnings(result.manifest["warnings"], console)
    return _failed(result.outcome.failures, console)


SWEEP_COLUMNS = ("bookings", "opt_out_rate", "connect_rate", "conversion")
SWEEP_DIFFS = ("bookings", "opt_out_rate")


def sweep_table(summary: dict[str, Any], front: dict[str, Any]) -> FittedTable:
    """One row per variant: overall means ± 95 % half-widths, and paired differences from base."""
    base = summary["base_variant"]
    headers = []
    for kpi in SWEEP_COLUMNS:
        headers += [kpi, f"Δ {kpi}"] if kpi in SWEEP_DIFFS else [kpi]
    rows = []
    for name, kpis in summary["variants"].items():
        cells = []
        for kpi in SWEEP_COLUMNS:
            entry = kpis["overall"].get(kpi, {})
            cells.append(_fmt_ci(kpi, entry.get("mean"), entry.get("ci_high")))
            if kpi in SWEEP_DIFFS:
                diff = _fmt_ci(kpi, entry.get("diff_mean"), entry.get("diff_ci_high"))
                cells.append("" if name == base else diff)
        rows.append((f"{name}{' *' if name in front['front'] else ''}", tuple(cells)))
    title = (
        f"{summary['sweep']}: means ± 95 % interval over {summary['replications']} "
        f"replications; Δ: paired difference from {base}; *: Pareto front (bookings, opt-outs)"
    )
    return FittedTable(title, "variant", tuple(headers), tuple(rows))


def ci_table(summary: dict[str, Any], title: str) -> FittedTable:
    """The replicated KPI table: mean ± 95 % half-width, overall and per use case."""
    return _by_scope_table(
        summary, title, lambda key, e: _fmt_ci(key, (e or {}).get("mean"), (e or {}).get("ci_high"))
    )


def _fmt_ci(key: str, mean: Any, high: Any) -> str:
    """'12.3 ± 1.4' (the t interval is symmetric); the mean alone when there is no interval."""
    if mean is None:
        return "-"
    if high is None:
        return _fmt(key, mean)
    return f"{_fmt(key, mean)} ± {_fmt(key, high - mean)}"


def _register_commands() -> None:
    """Commands that live beside the modules they drive (skipped while a module is absent)."""
    import importlib

    for module, name in (
        ("dentsim.cli.check", "check"),
        ("dentsim.agents.cli", "agent_test"),
        ("dentsim.reports.cli", "report"),
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
