"""`build_report`: read a result directory, write report.html, report.pdf and charts/*.png.

Never simulates. The whole report is written into a hidden folder inside its output folder,
then put in their place by renames (`write_report_files`).
"""

from __future__ import annotations

import base64
import os
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jinja2

from dentsim.errors import InputError
from dentsim.files import check_output_dir, write_bytes
from dentsim.reports import charts, content, fmt, roi_words
from dentsim.reports.compliance import compliance
from dentsim.reports.group import PRACTICE_TABLE_COLUMNS, practice_rows, practice_table
from dentsim.reports.pdf import write_pdf
from dentsim.reports.results import Results, Run, open_results, read_run
from dentsim.reports.roi import Roi, RoiInputs, load_roi_inputs, timeline
from dentsim.reports.roi_build import roi_from_runs
from dentsim.reports.roi_json import roi_json
from dentsim.reports.sweep import read_sweep, variant_outcomes
from dentsim.results.pooling import pooled_kpis, pooling_extras

CHART_SIZE_IN = {
    "revenue_by_month": (8.0, 3.6),
    "funnel": (4.6, 3.6),  # half a card wide: see charts.SMALL
    "kpi_bands": (4.6, 3.6),  # half a card wide: see charts.SMALL
    "optout_trend": (4.6, 3.6),  # half a card wide: see charts.SMALL
    "contacts_by_week": (4.6, 3.6),  # half a card wide: see charts.SMALL
    "contacts_by_hour": (8.0, 3.6),
    "violations_by_rule": (8.0, 3.6),
    "deferrals_by_rule": (8.0, 3.0),
    "pareto": (8.0, 4.8),
    "recovered_by_week": (8.0, 3.4),
    "tornado": (8.0, 4.2),
}
CHART_NAMES = frozenset({*CHART_SIZE_IN, "kpis_by_variant"})  # kpis_by_variant: sized per sweep
PAGE_FILES = ("report.html", "report.pdf", "roi.json")
STAGING = ".dentsim-report"  # a report being written, inside the folder it will replace


@dataclass(frozen=True, slots=True)
class ReportFiles:
    html: Path
    pdf: Path
    charts: tuple[Path, ...]
    kind: str
    headline: str


def build_report(
    result_dir: Path | str,
    out_dir: Path | str | None = None,
    roi_file: Path | str | None = None,
    rules_file: Path | str | None = None,
) -> ReportFiles:
    """Write the report of `result_dir` (a run, a replicated run, a sweep or a group) to `out_dir`."""
    results = open_results(result_dir)
    inputs = load_roi_inputs(roi_file)
    target = Path(out_dir) if out_dir is not None else results.root / "report"
    check_output_dir(target)  # before any work
    roi_bytes = None
    if results.kind == "sweep":
        page, draws, headline = _sweep_report(results, inputs, roi_file, rules_file)
    else:
        page, draws, headline, roi_bytes = _run_report(results, inputs, rules_file)
    sizes = dict(CHART_SIZE_IN)
    if page.sweep is not None:
        sizes["kpis_by_variant"] = (9.0, page.sweep["kpis_height_in"])
    images = {name: charts.save_png(draw, sizes[name]) for name, draw in draws.items()}
    html = render_html(page, images, results.root.name, page_footer(results))
    pdf = write_pdf(html)

    files = {f"charts/{name}.png": png for name, png in images.items()}
    files["report.pdf"] = pdf
    if roi_bytes is not None:
        files["roi.json"] = roi_bytes
    files["report.html"] = html.encode("utf-8")  # the page a reader opens: put in place last
    write_report_files(target, files)
    chart_paths = [target / "charts" / f"{name}.png" for name in images]
    return ReportFiles(
        target / "report.html", target / "report.pdf", tuple(chart_paths), results.kind, headline
    )


def _run_report(
    results: Results, inputs: RoiInputs, rules_file: Path | str | None
) -> tuple[content.Content, dict[str, charts.Chart], str, bytes]:
    """The page, its charts, the headline and roi.json of a run, replications or a group."""
    runs = [read_run(d) for d in results.run_dirs]
    scenario = runs[0].scenario
    roi = roi_from_runs(results, runs, inputs)
    page = content.roi_content(roi, results, scenario)
    kpis = band_kpis(results, runs)
    page.kpi_table = content.kpi_table(kpis)
    if results.kind == "group":
        page.practices = _practices(results, roi)
    audit = compliance(
        [(r.path, r) for r in runs], Path(rules_file) if rules_file is not None else None
    )
    noun = "practices" if results.kind == "group" else "replications"
    page.compliance, audit_figures = content.compliance_content(audit, noun)
    page.figures.update(audit_figures)
    draws: dict[str, charts.Chart] = {
        "revenue_by_month": charts.revenue_by_month(roi),
        "funnel": charts.funnel(roi),
        "kpi_bands": charts.kpi_bands(kpis),
        "optout_trend": charts.optout_trend(roi),
        "contacts_by_week": charts.contacts_by_week(roi),
        "contacts_by_hour": charts.contacts_by_hour(audit, per_run=results.kind == "replicated"),
        "recovered_by_week": charts.recovered_by_week(roi),
    }
    if roi.sensitivity is not None:
        draws["tornado"] = charts.tornado(roi)
    if "violations_by_rule" in page.figures:
        draws["violations_by_rule"] = charts.violations_by_rule(audit)
    if "deferrals_by_rule" in page.figures:
        draws["deferrals_by_rule"] = charts.deferrals_by_rule(audit)
    headline = f"{page.roi['cards'][0][1] if page.roi else ''}; {page.compliance['headline']}"
    return page, draws, headline, roi_json(roi, scenario)


def _practices(results: Results, roi: Roi) -> dict[str, Any]:
    """The group's per-practice table: each practice's KPIs and, priced on its own, its dollars."""
    rows = practice_rows(results.root)
    dollars, columns, note = roi_words.practice_dollars(roi)
    if len(rows) != len(dollars):  # both in practice order: p00000, p00001...
        raise InputError(
            f"{results.root}: practice_kpis.parquet holds {len(rows)} practices and the "
            f"group's folders {len(dollars)}; rerun the group"
        )
    # bookings as the ROI counts them (the KPIs' also count reschedules): one figure on the page
    kpis = [
        c for c in PRACTICE_TABLE_COLUMNS if c.key not in ("conversion", "opt_outs", "bookings")
    ]
    joined = [{**row, **money} for row, money in zip(rows, dollars, strict=True)]
    return {**practice_table(joined, (*kpis, *columns)), "note": note}


def band_kpis(results: Results, runs: list[Run]) -> dict[str, Any]:
    """The directory's KPI table; for a group without one, its practices' KPIs pooled as
    `dentsim run` pools them (dentsim.results.pooling), so the two never disagree."""
    if results.kind != "group":
        return results.kpis or {}
    kpis = results.kpis if (results.root / "kpis.json").is_file() else None
    if kpis and kpis.get("overall"):
        return kpis
    return pooled_kpis({"kpis": r.kpis, "extras": pooling_extras(r.tables)} for r in runs)


def _sweep_report(
    results: Results,
    inputs: RoiInputs,
    roi_file: Path | str | None,
    rules_file: Path | str | None,
) -> tuple[content.Content, dict[str, charts.Chart], str]:
    sweep = read_sweep(results.root, results.manifest, results)
    if roi_file is not None and not any(sweep.run_dirs.values()):
        raise InputError(
            f"{results.root}: --roi needs the variants' practice-years (variants/NAME/rNNN/), "
            "and this sweep directory holds none"
        )
    rules = Path(rules_file) if rules_file is not None else None
    outcomes = variant_outcomes(sweep, inputs, rules)
    page = content.sweep_content(sweep, results, outcomes)
    assert page.sweep is not None
    page.sweep["kpis_height_in"] = charts.kpis_by_variant_height_in(sweep)
    draws = {"pareto": charts.pareto(sweep), "kpis_by_variant": charts.kpis_by_variant(sweep)}
    front = ", ".join(sweep.pareto) or "none"
    headline = f"{len(sweep.variants)} variants; Pareto front: {front}"
    if outcomes:
        violations = sum(o.violations for o in outcomes.values())
        headline += f"; {violations:,} violations"
    return page, draws, headline


def page_footer(results: Results) -> str:
    """The printed pages' footer: the scenario, the dentsim that ran it and the simulated period,
    all from run.json (sweep.json), never the wall clock, so the same input prints the same PDF."""
    manifest = results.manifest
    scenario = manifest.get("scenario") or manifest.get("base_scenario") or {}
    name = manifest.get("name") if results.kind == "sweep" else scenario.get("name")
    parts = [f"Scenario {name}" if name else f"Results {results.root.name}"]
    version = (manifest.get("versions") or {}).get("dentsim")
    if version:
        parts.append(f"dentsim {version}")
    if scenario.get("start_date"):
        tl = timeline(scenario)
        parts.append(f"simulated {fmt.day(tl.start)} to {fmt.day(tl.end)}")
    return " \N{MIDDLE DOT} ".join(parts)


def render_html(
    page: content.Content, images: dict[str, bytes], source: str, footer: str = ""
) -> str:
    """The self-contained HTML: every image a data URI, no external resource, text escaped."""
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("dentsim.reports", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    uris = {
        name: "data:image/png;base64," + base64.b64encode(png).decode("ascii")
        for name, png in images.items()
    }
    return env.get_template("report.html.j2").render(
        c=page, images=uris, source=source, footer=footer
    )


def report_file_names() -> list[str]:
    """Every file `dentsim report` may write, relative to its folder: what a later report in the
    same folder replaces or removes (a user's own files there are none of these)."""
    return [*PAGE_FILES, *(f"charts/{name}.png" for name in sorted(CHART_NAMES))]


def write_report_files(target: Path, files: dict[str, bytes]) -> None:
    """Put `files` (relative path -> bytes) in `target` in place of the report it held.

    Every file is written first into a hidden folder inside `target` (left over from a report
    killed while writing: emptied first); then renames put them in place, and what an earlier
    report wrote and this one did not is removed (report_file_names only). A full disk or a kill
    while writing leaves the earlier report whole; the hidden folder goes on any error.
    """
    unknown = set(files) - set(report_file_names())
    assert not unknown, f"add {sorted(unknown)} to the report's names (CHART_NAMES, PAGE_FILES)"
    staging = target / STAGING
    try:
        if staging.exists():
            shutil.rmtree(staging)
        for rel, data in files.items():
            write_bytes(staging / rel, data)
        for rel in files:
            (target / rel).parent.mkdir(exist_ok=True)
            os.replace(staging / rel, target / rel)
        for rel in report_file_names():
            old = target / rel
            if rel not in files:
                old.unlink(missing_ok=True)
            # a temporary file of a report written before reports were staged
            old.with_name(f".{old.name}.tmp").unlink(missing_ok=True)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
