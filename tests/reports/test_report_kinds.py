"""`dentsim report` on each kind of result directory: a run, replications, a sweep, a group."""

from __future__ import annotations

import json
import re

import pytest

import dentsim.simulation.engine
from dentsim.reports.report import build_report
from dentsim.reports.results import open_results

from .conftest import SWEEP_VARIANTS


def test_a_single_run_gives_html_pdf_and_one_png_per_chart(single_report, run_dir):
    assert open_results(run_dir).kind == "single"
    html = single_report.html.read_text()
    assert single_report.kind == "single"
    names = {p.name for p in single_report.charts}
    assert {"revenue_by_month.png", "funnel.png", "kpi_bands.png", "optout_trend.png",
            "contacts_by_week.png", "contacts_by_hour.png"} <= names  # fmt: skip
    for p in single_report.charts:
        assert p.read_bytes().startswith(b"\x89PNG")
    for heading in ("What the AI returned", "Recovered revenue by use case", "Assumptions",
                    "Compliance audit", "Rules in force", "All KPIs"):  # fmt: skip
        assert heading in html


def test_the_audit_page_counts_every_contact_of_the_run(single_report, run_dir):
    attempts = json.loads((run_dir / "run.json").read_text())["event_counts"]["attempts"]
    html = single_report.html.read_text()
    assert re.search(rf"\d[\d,]* violations? in {attempts:,} contacts", html)
    assert "federal_calling_window" in html and "47 CFR 64.1200(c)(1)" in html


def test_a_report_reads_results_and_never_simulates(run_dir, tmp_path, monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("the report ran a simulation")

    monkeypatch.setattr(dentsim.simulation.engine, "simulate_practice", refuse)
    monkeypatch.setattr("dentsim.experiments.tasks.simulate_practice", refuse)
    assert build_report(run_dir, tmp_path).html.is_file()


def test_a_replicated_run_reports_means_with_intervals(replicated_dir, tmp_path):
    files = build_report(replicated_dir, tmp_path)
    assert files.kind == "replicated"
    html = files.html.read_text()
    assert "3 (figures are means with 95% intervals)" in html
    # the revenue table shows an interval under each realised figure
    assert re.search(r'class="ci">\$[\d,]+ to \$[\d,]+</span>', html)
    assert "violations in" in html and "across 3 replications" in html


def test_a_sweep_reports_the_comparison_table_and_the_pareto_front(sweep_dir, tmp_path):
    files = build_report(sweep_dir, tmp_path)
    assert files.kind == "sweep"
    html = files.html.read_text()
    for name in SWEEP_VARIANTS:
        assert name in html
    assert "Pareto" in html and "(base)" in html
    assert "&Delta; +11" in html  # best_hour books 11 more than the base
    assert {p.name for p in files.charts} == {"pareto.png", "kpis_by_variant.png"}
    assert "Pareto front: sms_first, best_hour" in files.headline


def test_a_sweep_is_found_by_sweep_json_without_run_json(sweep_dir):
    assert not (sweep_dir / "run.json").exists()
    assert open_results(sweep_dir).kind == "sweep"


def test_a_group_sums_its_practices(group_dir, run_dir, tmp_path):
    from dentsim.reports.report import _run_report
    from dentsim.reports.roi import load_roi_inputs

    inputs = load_roi_inputs(None)
    one, _, _, _ = _run_report(open_results(run_dir), inputs, None)
    two, _, _, _ = _run_report(open_results(group_dir), inputs, None)
    assert one.roi is not None and two.roi is not None
    booked_one = one.roi["total"]["booked"]
    booked_two = two.roi["total"]["booked"]
    as_number = lambda text: float(text.replace("$", "").replace(",", ""))  # noqa: E731
    assert as_number(booked_two) == pytest.approx(2 * as_number(booked_one), abs=2)
    files = build_report(group_dir, tmp_path)
    html = files.html.read_text()
    assert "2 (figures are sums over the group)" in html
    assert "across 2 practices" in html


def test_a_sweep_reads_the_pareto_front_from_an_object_and_the_named_base(tmp_path):
    from dentsim.reports.sweep import read_sweep

    from .conftest import write_sweep

    root = write_sweep(tmp_path / "sw")
    (root / "pareto.json").write_text(json.dumps({"scope": "overall", "front": ["best_hour"]}))
    manifest = json.loads((root / "sweep.json").read_text())
    manifest.update({"base": "scenarios/baseline.yaml", "base_variant": "base"})
    sweep = read_sweep(root, manifest)
    assert sweep.pareto == ("best_hour",)
    assert sweep.base == "base"


def test_a_group_report_has_a_row_per_practice_with_its_own_figures(group_dir, tmp_path):
    import shutil

    import pyarrow as pa
    import pyarrow.parquet as pq

    root = tmp_path / "grp"
    shutil.copytree(group_dir, root)
    names = ["Crown & Bridge <Dental>", "Bill's Smiles"]
    pq.write_table(
        pa.table({"practice_id": pa.array([0, 1], pa.int32()), "name": names,
                  "state": ["CA", "TX"], "tz": ["America/Los_Angeles", "America/Chicago"],
                  "patients": pa.array([300, 300], pa.int32())}),
        root / "practices.parquet",
    )  # fmt: skip
    html = build_report(root, tmp_path / "out").html.read_text()
    table = html.split('<section id="practices">', 1)[1].split("</table>", 1)[0]
    assert "Crown &amp; Bridge &lt;Dental&gt;" in table and "Bill&#39;s Smiles" in table
    kpis = json.loads((root / "practices" / "p00000" / "kpis.json").read_text())["overall"]
    rows = re.findall(r"<tr><td>(.*?)</tr>", table, re.S)
    assert len(rows) == 2
    for row in rows:
        cells = re.findall(r">([^<>]*)</td>", "<td>" + row)
        assert f"{kpis['attempts']:,}" in cells  # the practice's own contacts
        # bookings as the ROI counts them: the KPIs' less the visits the AI rescheduled
        rescheduled = kpis["bookings"] - sum(
            (uc_kpis or {}).get("bookings", 0)
            for uc, uc_kpis in json.loads(
                (root / "practices" / "p00000" / "kpis.json").read_text()
            )["by_use_case"].items()
            if uc in ("recall", "reactivation", "treatment_plan")
        )
        assert f"{kpis['bookings'] - rescheduled:,}" in cells


def test_the_practice_table_takes_rows_and_extra_columns():
    from dentsim.reports import fmt
    from dentsim.reports.group import PRACTICE_TABLE_COLUMNS, Column, practice_table

    rows = [{"name": "A", "attempts": 1200, "net_usd": 5400.4}, {"name": "B", "attempts": 10}]
    table = practice_table(rows, (*PRACTICE_TABLE_COLUMNS, Column("net_usd", "Net", fmt.usd)))
    assert table["columns"] == [("Practice", False), ("Contacts", True), ("Net", True)]
    assert table["rows"] == [["A", "1,200", "$5,400"], ["B", "10", "-"]]


def test_a_group_shows_one_table_of_its_practices_with_their_kpis_and_their_own_dollars(
    group_dir, tmp_path
):
    from dentsim.reports.report import _run_report
    from dentsim.reports.roi import load_roi_inputs

    page, _, _, roi_bytes = _run_report(open_results(group_dir), load_roi_inputs(None), None)
    table = page.practices
    labels = [label for label, _ in table["columns"]]
    assert labels[0] == "Practice"  # (state and size come from practices.parquet, absent here)
    assert {"Contacts", "Connect rate", "Recovered", "AI cost", "Net"} <= set(labels)
    assert len(table["rows"]) == 2
    assert "pays its own platform fee ($299 a month)" in table["note"]
    # each practice pays its own fee: the two practices' costs are the group's
    doc = json.loads(roi_bytes)
    costs = [p["steady_state"]["cost_usd"] for p in doc["practices"]]
    cost = labels.index("AI cost")
    shown = [float(re.sub(r"[$,]", "", row[cost])) for row in table["rows"]]
    assert shown == pytest.approx(costs, rel=5e-3)
    html = build_report(group_dir, tmp_path / "out").html.read_text()
    assert html.count("<h2>Practice by practice</h2>") == 1 and "Each practice</h3>" not in html
