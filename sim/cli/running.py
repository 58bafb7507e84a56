"""What the commands that simulate (`run`, `sweep`) share: the options that fan tasks out, a
progress bar over tasks, and printing the tasks that failed and the results' warnings."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import click
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

from dentsim.experiments.executors import Progress as TaskProgress
from dentsim.experiments.executors import TaskFailure


def executor_options(command: Any) -> Any:
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
def task_progress(console: Console, label: str, quiet: bool) -> Iterator[TaskProgress]:
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


def report_failures(failures: tuple[TaskFailure, ...], console: Console) -> int:
    """Name every task that failed all its attempts; exit code 1 when there is one."""
    for failure in failures:
        console.print(f"failed: {failure.label}: {failure.error}", highlight=False, soft_wrap=True)
    return 1 if failures else 0


def print_warnings(warnings: list[dict[str, Any]], console: Console) -> None:
    """run.json's warnings, one line each (even with --quiet: nothing degrades in silence)."""
    for w in warnings:
        where = f"{w['run']}: " if "run" in w else ""
        console.print(f"warning: {where}{w['message']}", highlight=False, soft_wrap=True)
