"""`dentsim check RUN_DIR`: audit a run's event log against the compliance rules.

Exit codes: 0 no violation, 1 violations, 2 unreadable input (InputError, printed by sim.cli.main).
"""

from __future__ import annotations

from pathlib import Path

import click
from rich.console import Console
from rich.table import Table

from sim.audit import AuditReport, audit_run, write_json, write_junit
from sim.rules.model import load_rules


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
    """Prove that no contact in RUN_DIR broke a compliance rule (exit 1 if one did)."""
    rules = load_rules(rules_file)
    report = audit_run(run_dir, rules, max_examples=max_examples)
    if junit_file is not None:
        write_junit(report, junit_file)
    if json_file is not None:
        write_json(report, json_file)
    print_report(report, Console(highlight=False))
    return 0 if report.ok else 1


def print_report(report: AuditReport, console: Console) -> None:
    """Counts per rule, then the first examples of each violated rule."""
    console.print(
        f"[bold]dentsim check[/bold] {report.run_dir}: {report.contacts_checked:,} contacts, "
        f"{report.patients:,} patients, {report.opt_outs:,} opt-outs"
    )
    table = Table(show_edge=False, pad_edge=False)
    table.add_column("rule")
    table.add_column("violations", justify="right")
    table.add_column("contacts checked", justify="right")
    for r in report.results:
        if not r.enabled:
            table.add_row(r.rule_id, "[dim]disabled[/dim]", "")
            continue
        count = f"[bold red]{r.violations:,}[/bold red]" if r.violations else "[green]0[/green]"
        table.add_row(r.rule_id, count, f"{r.checked:,}")
    console.print(table)
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
    for note in report.notes:
        console.print(f"[yellow]note[/yellow]: {note}")
    verdict = (
        "[bold green]PASS[/bold green]: no violation"
        if report.ok
        else f"[bold red]FAIL[/bold red]: {_count(report.violations, 'violation')}"
    )
    console.print(verdict)


def _count(n: int, noun: str) -> str:
    return f"{n:,} {noun}" + ("" if n == 1 else "s")
