"""The `dentsim` command: thin wrappers that parse arguments and call the library (dentsim.api).

The group and its entry point live here; each command lives in its own module (run, sweep,
validate and schema, check) or beside the package it drives (agent-test, report).
"""

from __future__ import annotations

import importlib

import click

from dentsim.errors import InputError

# (module, attribute) of every command; registered when the command line starts
COMMANDS = (
    ("dentsim.cli.run", "run"),
    ("dentsim.cli.sweep", "sweep"),
    ("dentsim.cli.validate", "validate"),
    ("dentsim.cli.validate", "schema"),
    ("dentsim.cli.check", "check"),
    ("dentsim.cli.importing", "import_"),
    ("dentsim.cli.calibrate", "calibrate_command"),
    ("dentsim.agents.cli", "agent_test"),
    ("dentsim.reports.cli", "report"),
)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="dentsim")
def cli() -> None:
    """dentsim: simulate a year of AI outbound calling in a dental practice, offline."""


def _register_commands() -> None:
    """Add every command to the group (a module that is absent is skipped)."""
    for module, name in COMMANDS:
        try:
            cli.add_command(getattr(importlib.import_module(module), name))
        except ModuleNotFoundError as e:
            if e.name != module:
                raise


def main(argv: list[str] | None = None) -> int:
    """Entry point: bad input gives its message lines on stderr and exit code 2, a system error
    (a full disk) one line and exit code 1; never a traceback."""
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
    except OSError as e:  # the machine, not the input: a full disk, a folder made read-only
        where = f"{e.filename}: " if e.filename else ""
        click.echo(f"{where}{e.strerror or e}", err=True)
        return 1
    return rv if isinstance(rv, int) else 0
