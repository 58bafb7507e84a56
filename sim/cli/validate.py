"""`dentsim validate FILE...` and `dentsim schema`: check input files of every kind, and print a
kind's JSON Schema (both thin layers over dentsim.inputs)."""

from __future__ import annotations

import json

import click

from dentsim.errors import InputError
from dentsim.inputs import KINDS, json_schema, validate_file
from dentsim.results.warnings import file_warnings


@click.command()
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


@click.command()
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
