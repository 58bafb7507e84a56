"""`build_report`: read a result directory, write report.html, report.pdf and charts/*.png.

Never simulates. Every file is written to a temporary name, then renamed.
"""

from __future__ import annotations

import base64
import os
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import jinja2

from dentsim.files import check_output_dir
from dentsim.reports import charts, content
from dentsim.reports.compliance import compliance
from dentsim.reports.pdf import write_pdf
from dentsim.reports.results import Results, Run, open_results, read_run
from dentsim.reports.roi import (
    Roi,
    RoiInputs,
    combine_runs,
    load_roi_inputs,
    run_quantities,
    timeline,
    unit_values,
)
from dentsim.reports.sweep import read_sweep
from dentsim.results.pooling import pooled_kpis, pooling_extras

CHART_SIZE_IN = {
    "revenue_by_month": (8.0, 3.6),
    "funnel": (6.4, 4.2),
    "kpi_bands": (6.4, 4.2),
    "optout_trend": (6.4, 4.2),
    "contacts_by_week": (6.4, 4.2),
    "contacts_by_hour": (8.0, 3.6),
    "violations_by_rule": (8.0, 3.6),
    "deferrals_by_rule": (8.0, 3.0),
    "pareto": (8.0, 4.8),
}


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
    if results.kind == "sweep":
        page, draws, headline = _sweep_report(results)
    else:
        page, draws, headline = _run_report(results, inputs, rules_file)
    sizes = dict(CHART_SIZE_IN)
    if page.sweep is not None:
        sizes["kpis_by_variant"] = (9.0, page.sweep["kpis_height_in"])
    images = {name: charts.save_png(draw, sizes[name]) for name, draw in draws.items()}
    html = render_html(page, images, results.root.name, page_footer(results))
    pdf = write_pdf(html)

    (target / "charts").mkdir(parents=True, exist_ok=True)
    chart_paths = []
    for name, png in images.items():
        chart_paths.append(target / "charts" / f"{name}.png")
        _write(chart_paths[-1], png)
    _write(target / "report.pdf", pdf)
    _write(target / "report.html", html.encode("utf-8"))
    return ReportFiles(
        target / "report.html", target / "report.pdf", tuple(chart_paths), results.kind, headline
    )


def _run_report(
    results: Results, inputs: RoiInputs, rules_file: Path | str | None
) -> tuple[content.Content, dict[str, charts.Chart], str]:
    runs = [read_run(d) for d in results.run_dirs]
    scenario = runs[0].scenario
    tl = timeline(scenario)
    units = unit_values(inputs, scenario)
    how = "sum" if results.kind == "group" else "mean"
    values, scale, simulated = combine_runs(
        [run_quantities(r, tl) for r in runs], inputs, units, tl, how
    )
    n = len(runs)
    combined = {
        "single": "one simulated year",
        "replicated": f"mean of {n} replications",
        "group": f"sum of {n} practices",
    }[results.kind]
    roi = Roi(
        values=values,
        units=units,
        inputs=inputs,
        timeline=tl,
        practice_name=_practice_name(inputs, results, runs),
        active_patients=inputs.practice.active_patients or simulated,
        simulated_patients=simulated,
        scale=scale,
        n_runs=n,
        combined=combined,
    )
    page = content.roi_content(roi, results, scenario)
    kpis = band_kpis(results, runs)
    page.kpi_table = content.kpi_table(kpis)
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
        "contacts_by_hour": charts.contacts_by_hour(audit),
    }
    if "violations_by_rule" in page.figures:
        draws["violations_by_rule"] = charts.violations_by_rule(audit)
    if "deferrals_by_rule" in page.figures:
        draws["deferrals_by_rule"] = charts.deferrals_by_rule(audit)
    headline = f"{page.roi['cards'][0][1] if page.roi else ''}; {page.compliance['headline']}"
    return page, draws, headline


def _practice_name(inputs: RoiInputs, results: Results, runs: list[Run]) -> str:
    if inputs.practice.name:
        return inputs.practice.name
    scenario = runs[0].scenario
    if results.kind == "group":
        named = results.manifest.get("group")
        group = (results.manifest.get("scenario") or {}).get("group") or {}
        name = named if isinstance(named, str) else group.get("name")
        return str(name or scenario.get("name") or "the group")
    names = runs[0].tables["practices"]["name"].to_pylist()
    if len(names) == 1 and names[0]:
        return str(names[0])
    practice = scenario.get("practice") or {}
    return str(practice.get("name") or scenario.get("name") or "the practice")


def band_kpis(results: Results, runs: list[Run]) -> dict[str, Any]:
    """The directory's KPI table; for a group without one, its practices' KPIs pooled as
    `dentsim run` pools them (dentsim.results.pooling), so the two never disagree."""
    if results.kind != "group":
        return results.kpis or {}
    kpis = results.kpis if (results.root / "kpis.json").is_file() else None
    if kpis and kpis.get("overall"):
        return kpis
    return pooled_kpis({"kpis": r.kpis, "extras": pooling_extras(r.tables)} for r in runs)


def _sweep_report(results: Results) -> tuple[content.Content, dict[str, charts.Chart], str]:
    sweep = read_sweep(results.root, results.manifest)
    page = content.sweep_content(sweep, results)
    assert page.sweep is not None
    page.sweep["kpis_height_in"] = charts.kpis_by_variant_height_in(sweep)
    draws = {"pareto": charts.pareto(sweep), "kpis_by_variant": charts.kpis_by_variant(sweep)}
    front = ", ".join(sweep.pareto) or "none"
    return page, draws, f"{len(sweep.variants)} variants; Pareto front: {front}"


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
        parts.append(f"simulated {_us_date(tl.start)} to {_us_date(tl.end)}")
    return " \N{MIDDLE DOT} ".join(parts)


def _us_date(d: date) -> str:
    return f"{d:%b} {d.day}, {d.year}"


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


def _write(path: Path, data: bytes) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)
