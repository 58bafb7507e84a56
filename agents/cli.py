"""`dentsim agent-test MODULE:FACTORY`: run the conformance cases against an agent, report, exit 0/1."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import click
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from dentsim.agents.conformance import CaseResult, load_cases, write_reports
from dentsim.agents.isolation import run_isolated
from dentsim.agents.persona_files import load_personas
from dentsim.errors import InputError
from dentsim.files import check_output_file, valid_unicode


def _plain(text: str) -> str:
    """Text printed as it is: never read as rich markup, and always encodable."""
    return escape(valid_unicode(text))


def print_report(results: Sequence[CaseResult], console: Console) -> None:
    table = Table(title="dentsim agent-test", show_lines=False)
    table.add_column("case", no_wrap=True)
    table.add_column("patient")
    table.add_column("outcome")
    table.add_column("s", justify="right")
    table.add_column("result", justify="center")
    table.add_column("failed checks")
    for r in results:
        call = r.call
        table.add_row(
            _plain(r.case.name),
            _plain(r.case.who if r.case.who != "scripted" else f"scripted {r.case.answered_by}"),
            call.outcome if call else "-",
            f"{call.duration_s:.1f}" if call else "-",
            "[green]PASS[/green]" if r.passed else "[red]FAIL[/red]",
            ", ".join(r.failed_checks),
        )
    console.print(table)
    for r in results:
        for c in r.checks:
            if c.status == "fail":
                console.print(
                    f"[red]FAIL[/red] {_plain(r.case.name)}: {c.check}: {_plain(c.detail)}",
                    markup=True,
                    highlight=False,
                )
    passed = sum(r.passed for r in results)
    colour = "green" if passed == len(results) else "red"
    console.print(
        f"[{colour}]{len(results)} cases: {passed} passed, {len(results) - passed} failed[/{colour}]"
    )


@click.command("agent-test")
@click.argument("agent_ref", metavar="MODULE:FACTORY")
@click.option(
    "--cases",
    "case_dirs",
    multiple=True,
    type=click.Path(path_type=Path),
    help="A folder of case YAML files, added to the built-in cases (a case named like a "
    "built-in replaces it). Repeatable.",
)
@click.option("--no-builtin", is_flag=True, help="Run only the cases from --cases.")
@click.option(
    "--personas",
    "personas_dir",
    type=click.Path(path_type=Path),
    help="A folder of extra persona YAML files.",
)
@click.option(
    "-k", "select", default=None, help="Run only the cases whose name contains this text."
)
@click.option("--junit", type=click.Path(path_type=Path), help="Write JUnit XML here.")
@click.option(
    "--json",
    "json_path",
    type=click.Path(path_type=Path),
    help="Write the results, with transcripts, as JSON here.",
)
@click.option(
    "--max-turns",
    default=30,
    show_default=True,
    type=click.IntRange(1, 500),
    help="Agent turns before a case fails as a loop.",
)
@click.option(
    "--case-timeout",
    "case_timeout_s",
    default=60.0,
    show_default=True,
    type=click.FloatRange(0, 86_400, min_open=True),
    metavar="SECONDS",
    help="Seconds a case (and loading the agent) may take; a case that runs longer fails, its "
    "agent is stopped, and the suite goes on.",
)
def agent_test(
    agent_ref: str,
    case_dirs: tuple[Path, ...],
    no_builtin: bool,
    personas_dir: Path | None,
    select: str | None,
    junit: Path | None,
    json_path: Path | None,
    max_turns: int,
    case_timeout_s: float,
) -> int:
    """Play the conformance cases against the agent MODULE:FACTORY returns; exit 1 if any fails.

    FACTORY is called once per case with no arguments and returns an object with
    respond(context, utterance) -> AgentTurn (see docs/agents.md). The agent runs in a worker
    process: one that raises, exits, hangs or crashes fails its case, and the reports are
    still written. Example: dentsim agent-test dentsim.agents.scripted:make_agent --junit out/agent.xml
    """
    if no_builtin and not case_dirs:
        raise InputError("--no-builtin needs at least one --cases DIR")
    for path, option in ((junit, "--junit"), (json_path, "--json")):
        if path is not None:
            check_output_file(path, option)  # before any case runs
    personas = load_personas(personas_dir)
    cases = load_cases(case_dirs, builtin=not no_builtin, personas=personas)
    if select:
        cases = [c for c in cases if select in c.name]
        if not cases:
            raise InputError(f"-k {select}: no case name contains '{select}'")
    results = run_isolated(agent_ref, cases, max_turns=max_turns, case_timeout_s=case_timeout_s)
    write_reports(results, agent_ref, junit, json_path)
    console = Console(highlight=False)
    if not console.is_terminal:  # CI logs: wide enough that a row stays on one line
        console = Console(highlight=False, width=160)
    print_report(results, console)
    return 0 if all(r.passed for r in results) else 1
