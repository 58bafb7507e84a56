"""`dentsim import EXPORT_DIR --out PRACTICE_DIR`: a practice-management export, de-identified,
as a practice folder a scenario can start from (`population: {from: PRACTICE_DIR}`)."""

from __future__ import annotations

import typing
from datetime import date, datetime
from pathlib import Path

import click

from dentsim.errors import InputError
from dentsim.importing import FORMATS, import_practice
from dentsim.scenario.fields import USState

MAX_WARNINGS = 20


def _date(_ctx: click.Context, _param: click.Parameter, value: str | None) -> date | None:
    if value is None:
        return None
    try:
        return datetime.strptime(value, "%Y-%m-%d").date()
    except ValueError:
        raise InputError(f"--as-of {value}: expected a date as YYYY-MM-DD") from None


@click.command("import")
@click.argument("export_dir", type=click.Path(path_type=Path))
@click.option(
    "--format",
    "fmt",
    type=click.Choice(FORMATS),
    default="opendental",
    show_default=True,
    help="Open Dental's own tables, or a generic CSV read through --mapping",
)
@click.option(
    "--mapping",
    type=click.Path(path_type=Path),
    default=None,
    help="The YAML column mapping of a generic CSV (--format csv)",
)
@click.option(
    "--out",
    "out",
    type=click.Path(path_type=Path),
    required=True,
    help="The practice folder to write (new, empty, or an earlier import's)",
)
@click.option(
    "--as-of",
    "as_of",
    callback=_date,
    default=None,
    metavar="DATE",
    help="The export's date (default: its latest timestamp, else its latest visit)",
)
@click.option(
    "--state",
    default=None,
    metavar="XX",
    help="The practice's state (default: most patients' address state)",
)
@click.option("--name", default=None, help="The practice's name (never taken from the export)")
def import_(
    export_dir: Path, fmt: str, mapping: Path | None, out: Path, as_of: date | None,
    state: str | None, name: str | None,
) -> int:  # fmt: skip
    """Import a practice's patients from a PMS export, de-identified on the way in."""
    if state is not None and state not in typing.get_args(USState):
        raise InputError(
            f"--state {state}: expected the two capital letters of a US state, such as FL"
        )
    result = import_practice(export_dir, out, fmt, mapping, as_of, state, name)
    for line in result.warnings[:MAX_WARNINGS]:
        click.echo(f"warning: {line}", err=True)
    if len(result.warnings) > MAX_WARNINGS:
        click.echo(f"warning: ... and {len(result.warnings) - MAX_WARNINGS} more", err=True)
    s, c = result.summary, result.summary.counts
    click.echo(
        f"{out}: {c['patients']:,} patients ({c['active']:,} active, {c['inactive']:,} inactive) "
        f"as of {s.exported_on}, {s.state}; {c['due']:,} due within 30 days, "
        f"{c['overdue']:,} overdue, {c['booked']:,} booked, {c['plans']:,} open plans"
    )
    if c["skipped_rows"]:
        click.echo(f"{c['skipped_rows']:,} rows skipped (see the warnings)")
    if result.excluded:
        parts = ", ".join(f"{n:,} {k}" for k, n in result.excluded.items())
        click.echo(f"not imported (not current patients): {parts}")
    if s.no_recall:
        click.echo(f"{s.no_recall:,} patients without a hygiene recall: due at the export date")
    if s.no_birth_date:
        click.echo(
            f"{s.no_birth_date:,} patients without a birth date: aged 40 (10 on a child's recall)"
        )
    if s.beyond_fiction:
        click.echo(
            f"{s.beyond_fiction:,} numbers beyond the fiction range 555-0100..0199 of their "
            f"area code (555-0200 onwards; docs/data.md)"
        )
    return 0
