"""`dentsim check RUN_DIR`: audit a run's event log against the compliance rules; for a
replicated run, a group or a sweep, every practice-year inside it.

Exit codes: 0 no violation, 1 violations, 2 unreadable input (InputError, printed by dentsim.cli.main).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from dentsim.api import audit
from dentsim.compliance.audit import (
    AuditReport,
    ResultsAudit,
    RuleResult,
    write_json,
    write_junit,
)
from dentsim.errors import InputError
from dentsim.files import check_output_file
from dentsim.results.rundir import is_result_file

KINDS = {"replicated": "replicated run", "group": "group", "sweep": "sweep"}
MAX_NOTES = 10


@click.command("check")
@click.argument("run_dir", type=click.Path(path_type=Path))
@click.option(
    "--rules",
    "rules_file",
    type=click.Path(path_type=Path),
    default=None,
    help="YAML file laid over the packaged rules (see docs/compliance.md).",
)
@click.option(
    "--junit", "junit_file", type=click.Path(path_type=Path), help="Write JUnit XML here."
)
@click.option(
    "--json", "json_file", type=click.Path(path_type=Path), help="Write the report as JSON here."
)
@click.option(
    "--examples",
    "max_examples",
    type=click.IntRange(min=0),
    default=5,
    show_default=True,
    help="Examples printed (and kept) per violated rule.",
)
def check(
    run_dir: Path,
    rules_file: Path | None,
    junit_file: Path | None,
    json_file: Path | None,
    max_examples: int,
) -> int:
    """Prove that no contact in RUN_DIR broke a compliance rule (exit 1 if one did).

    RUN_DIR is a run, a replicated run, a group or a sweep: every practice-year inside is audited.
    """
    check_outputs(run_dir, {"--junit": junit_file, "--json": json_file})
    report = audit(run_dir, rules_file, max_examples).report
    # the files first: a reader that stops reading the console (`| head`) loses none of them
    if junit_file is not None:
        write_junit(report, junit_file)
    if json_file is not None:
        write_json(report, json_file)
    console = _Console(highlight=False)
    try:
        if isinstance(report, ResultsAudit):
            print_results(report, console)
        else:
            print_report(report, console)
        sys.stdout.flush()
    except BrokenPipeError:
        console.on_broken_pipe()
    return 0 if report.ok else 1


class _Console(Console):
    """A console whose reader may stop reading (`| head -1`): the rest of the report goes
    nowhere and the exit code stays the audit's (rich would exit 1, the "violations" code)."""

    def on_broken_pipe(self) -> None:
        self.quiet = True
        # what is left in the buffers goes nowhere, else flushing at exit would fail again
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())


def check_outputs(run_dir: Path, outputs: dict[str, Path | None]) -> None:
    """Refuse, before the audit, an output path no file can be written to, one that is a file
    of the audited result (`--junit DIR/attempts.parquet` would replace the table audited), or
    two outputs at one path (the second would replace the first)."""
    seen: dict[Path, str] = {}
    for option, path in outputs.items():
        if path is None:
            continue
        check_output_file(path, option)
        if is_result_file(run_dir, path):
            raise InputError(
                f"{option} {path}: is a file of the result being checked ({run_dir}); "
                "write the report elsewhere"
            )
        key = path.resolve()
        if key in seen:
            raise InputError(
                f"{option} {path}: the same file as {seen[key]}; give each report its own file"
            )
        seen[key] = f"{option} {path}"


def print_report(report: AuditReport, console: Console) -> None:
    """Counts per rule, then the first examples of each violated rule."""
    console.print(
        f"[bold]dentsim check[/bold] {report.run_dir}: {report.contacts_checked:,} contacts, "
        f"{report.patients:,} patients, {report.opt_outs:,} opt-outs"
    )
    console.print(_rule_table([report.results]))
    _print_violations(report, console)
    for note in report.notes:
        console.print(f"[yellow]note[/yellow]: {note}")
    verdict = (
        "[bold green]PASS[/bold green]: no violation"
        if report.ok
        else f"[bold red]FAIL[/bold red]: {_count(report.violations, 'violation')}"
    )
    console.print(verdict)


def print_results(audit: ResultsAudit, console: Console) -> None:
    """One row per practice-year, the counts per rule over all of them, then the first examples
    of each practice-year that broke a rule."""
    n = len(audit.runs)
    console.print(
        f"[bold]dentsim check[/bold] {audit.root}: {KINDS.get(audit.kind, audit.kind)}, "
        f"{_count(n, 'practice-year')}, {audit.contacts_checked:,} contacts"
    )
    table = Table(show_edge=False, pad_edge=False)
    table.add_column("practice-year", overflow="fold")
    table.add_column("contacts", justify="right", no_wrap=True)
    table.add_column("violations", justify="right", no_wrap=True)
    for run in audit.runs:
        table.add_row(
            escape(run.label), f"{run.report.contacts_checked:,}", _violations(run.report)
        )
    console.print(table)
    console.print(_rule_table([run.report.results for run in audit.runs]))
    for run in audit.failing:
        console.print(f"\n[bold red]{escape(run.label)}[/bold red] ({escape(run.key)})")
        _print_violations(run.report, console)
    notes = list(audit.notes)
    for run in audit.runs:
        notes += [f"{run.key}: {note}" for note in run.report.notes]
    for note in notes[:MAX_NOTES]:
        console.print(f"[yellow]note[/yellow]: {escape(note)}")
    if len(notes) > MAX_NOTES:
        console.print(f"[yellow]note[/yellow]: {len(notes) - MAX_NOTES} more notes (see --json)")
    failing = len(audit.failing)
    verdict = (
        f"[bold green]PASS[/bold green]: no violation in {_count(n, 'practice-year')}"
        if audit.ok
        else f"[bold red]FAIL[/bold red]: {_count(audit.violations, 'violation')} "
        f"in {failing} of {_count(n, 'practice-year')}"
    )
    console.print(verdict)


def _rule_table(runs: list[tuple[RuleResult, ...]]) -> Table:
    """Violations and contacts checked per rule id, summed over the runs given."""
    table = Table(show_edge=False, pad_edge=False)
    table.add_column("rule", no_wrap=True)
    table.add_column("violations", justify="right", no_wrap=True)
    table.add_column("contacts checked", justify="right", no_wrap=True)
    for rules in zip(*runs, strict=True):
        first = rules[0]
        if not first.enabled:
            table.add_row(first.rule_id, "[dim]disabled[/dim]", "")
            continue
        violations = sum(r.violations for r in rules)
        count = f"[bold red]{violations:,}[/bold red]" if violations else "[green]0[/green]"
        table.add_row(first.rule_id, count, f"{sum(r.checked for r in rules):,}")
    return table


def _violations(report: AuditReport) -> str:
    n = report.violations
    return f"[bold red]{n:,}[/bold red]" if n else "[green]0[/green]"


def _print_violations(report: AuditReport, console: Console) -> None:
    """Each violated rule: its count, statement and source, then its first examples."""
    for r in report.results:
        if not r.violations:
            continue
        console.print(
            f"\n[bold red]{r.rule_id}[/bold red]: {_count(r.violations, 'violation')}. "
            f"{r.statement} [dim]({r.source})[/dim]"
        )
        for e in r.examples:
            console.print(
                f"  patient {e.patient_id}, attempt {e.attempt_id}, {e.local_time}: {e.why}",
                markup=False,
            )


def _count(n: int, noun: str) -> str:
    return f"{n:,} {noun}" + ("" if n == 1 else "s")
