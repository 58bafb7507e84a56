"""The `dentsim` command: thin wrappers that parse arguments and call the library."""

from __future__ import annotations

import sys

import click

from sim.errors import InputError


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="dentsim")
def cli() -> None:
    """dentsim: simulate a year of AI outbound calling in a dental practice, offline."""


def _register_commands() -> None:
    from agents.cli import agent_test
    from sim.cli_check import check

    cli.add_command(check)
    cli.add_command(agent_test)


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
