"""`dentsim report DIR`: the HTML and PDF report of a run, a replicated run, a sweep or a group.

Exit codes: 0 written; 2 bad input (InputError, printed by dentsim.cli.main).
"""

from __future__ import annotations

from pathlib import Path

import click

from dentsim import api


@click.command("report")
@click.argument("result_dir", metavar="DIR", type=click.Path(path_type=Path))
@click.option(
    "--roi",
    "roi_file",
    type=click.Path(path_type=Path),
    help="The practice's ROI inputs (YAML; see reports/roi_default.yaml).",
)
@click.option(
    "--out", "out_dir", type=click.Path(file_okay=False, path_type=Path), help="[DIR/report]"
)
@click.option(
    "--rules",
    "rules_file",
    type=click.Path(path_type=Path),
    help="Rules laid over the packaged ones for the audit (as `dentsim check --rules`).",
)
def report(
    result_dir: Path, roi_file: Path | None, out_dir: Path | None, rules_file: Path | None
) -> int:
    """Write report.html, report.pdf and charts/*.png for the results in DIR (never simulates)."""
    files = api.report(result_dir, out_dir, roi_file, rules_file)
    click.echo(f"{files.kind}: {files.headline}")
    click.echo(f"wrote {files.html}, {files.pdf} and {len(files.charts)} charts")
    return 0
