"""A sweep's report: each variant's ROI and audit from its practice-years, overrides in words,
a comparison that reads at a glance. The sweep here is real (a tiny one, run by `dentsim sweep`)."""

from __future__ import annotations

import re
from html import unescape
from pathlib import Path

import pytest

from dentsim.cli import main
from dentsim.reports.report import build_report
from dentsim.reports.sweep import describe_key
from dentsim.scenario import Scenario
from tests.conftest import small
from tests.experiments.conftest import SWEEP_TEXT, write_sweep


@pytest.fixture(scope="module")
def real_sweep(baseline: Scenario, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Three variants (base, unknown caller ID, no combining) times two replications."""
    folder = tmp_path_factory.mktemp("real_sweep")
    sweep_file = write_sweep(folder, small(baseline, population__patients=150, days=60), SWEEP_TEXT)
    out = folder / "out"
    assert main(["sweep", str(sweep_file), "--out", str(out), "--workers", "2", "--quiet"]) == 0
    return out


def money_rows(html: str) -> dict[str, list[str]]:
    """The 'Return and compliance' table: variant -> the first line of each cell."""
    section = html.split("<h3>Return and compliance</h3>", 1)[1].split("</table>", 1)[0]
    rows = {}
    for row in re.findall(r"<tr><td><strong>(.*?)</strong>(.*?)</tr>", section, re.S):
        cells = re.findall(r'<td class="num[^"]*">([^<]*)', row[1])
        rows[unescape(row[0])] = cells
    return rows


def usd(text: str) -> float:
    return float(text.replace("$", "").replace(",", ""))


def test_a_sweep_report_shows_each_variants_return_with_the_roi_file(real_sweep, tmp_path):
    free = tmp_path / "free.yaml"
    free.write_text("ai:\n  platform_fee_monthly_usd: 0\n")
    dear = tmp_path / "dear.yaml"
    dear.write_text("ai:\n  platform_fee_monthly_usd: 1000\n")
    cheap = money_rows(build_report(real_sweep, tmp_path / "a", roi_file=free).html.read_text())
    costly = money_rows(build_report(real_sweep, tmp_path / "b", roi_file=dear).html.read_text())
    assert set(cheap) == {"base", "unknown_caller_id", "combine=false"}
    for variant, cells in cheap.items():
        recovered, cost, net, violations = cells
        assert usd(recovered) > 0
        assert usd(net) == pytest.approx(usd(recovered) - usd(cost), abs=1.5)
        # 60 days are two months of service: the fee is billed twice in every replication
        # (each shown to three significant figures of the smaller of recovered and cost)
        assert usd(costly[variant][1]) - usd(cost) == pytest.approx(2000, abs=10)
        assert usd(costly[variant][0]) == pytest.approx(usd(recovered), abs=10)
        assert violations == "0"


def test_a_sweep_report_says_what_each_variant_changes_in_words(real_sweep, tmp_path):
    html = unescape(build_report(real_sweep, tmp_path).html.read_text())
    assert "Caller ID: a number patients do not know" in html
    assert "One contact for use cases due the same week and for a shared phone: off" in html
    assert "= False" not in html and "caller_id = unknown" not in html
    # the settings table names the key once, for whoever edits the sweep file
    assert html.count("<code>strategy.combine</code>") == 1
    assert "the practice's own number" in html  # the base's caller ID


def test_the_sweeps_heading_appears_once(real_sweep, tmp_path):
    html = build_report(real_sweep, tmp_path).html.read_text()
    headings = re.findall(r"<h[1-3][^>]*>(.*?)</h[1-3]>", html)
    assert headings.count("Strategy comparison") == 1
    assert len(headings) == len(set(headings))


def test_the_comparison_cells_keep_each_figure_on_a_short_line(real_sweep, tmp_path):
    """Narrow columns: a difference and its interval are separate lines, so no cell line is
    wider than about 20 characters and six columns fit a 1,000 px page."""
    html = build_report(real_sweep, tmp_path).html.read_text()
    for table in re.findall(r'<table class="small comparison">(.*?)</table>', html, re.S):
        header = re.findall(r"<th[ >]", table)
        assert len(header) <= 6
        for cell in re.findall(r'<td class="num[^"]*">(.*?)</td>', table, re.S):
            lines = re.split(r"<span[^>]*>|</span>", cell)
            assert max(len(unescape(line)) for line in lines) <= 24, cell


def test_roi_on_a_sweep_without_its_practice_years_is_refused(sweep_dir, tmp_path, capsys):
    roi = tmp_path / "roi.yaml"
    roi.write_text("ai:\n  platform_fee_monthly_usd: 100\n")
    assert main(["report", str(sweep_dir), "--roi", str(roi), "--out", str(tmp_path / "r")]) == 2
    err = capsys.readouterr().err
    assert "--roi needs the variants' practice-years" in err and "Traceback" not in err


def test_a_sweep_without_its_practice_years_says_why_no_roi_is_shown(sweep_dir, tmp_path):
    html = build_report(sweep_dir, tmp_path).html.read_text()
    assert "holds none of its variants&#39; practice-years" in html


@pytest.mark.parametrize(
    ("key", "label", "value", "words"),
    [
        ("strategy.dial_time", "Dial time", "best_hour", "at each patient's best hour"),
        ("telephony.caller_id", "Caller ID", "practice_main", "the practice's own number"),
        ("strategy.combine", "One contact for use cases due the same week", True, "on"),
        ("campaigns.recall.cap_per_week", "Hygiene recall: attempts of this use case", 2, "2"),
        ("telephony.lines", "Concurrent outbound voice lines", 8, "8"),
        # the schema says nothing of these: the key is shown as written
        ("telephony.p_busy", "telephony.p_busy", 0.05, "0.05"),
        (
            "campaigns.recall.cadence[0].channel",
            "campaigns.recall.cadence[0].channel",
            "sms",
            "sms",
        ),
    ],
)
def test_a_setting_is_named_by_the_schemas_description(key, label, value, words):
    got_label, say = describe_key(key)
    assert got_label.startswith(label)
    assert say(value) == words


def test_a_variants_return_is_its_steady_year_when_the_run_measures_one(real_sweep, run_dir):
    """60 days are too short for a steady year: the period's ROI, and the page says so. The
    120-day run measures one: each variant's figures are then its steady year's."""
    import dataclasses

    from dentsim.reports.results import open_results, read_run
    from dentsim.reports.roi import RoiInputs, combine_runs, run_quantities, timeline, unit_values
    from dentsim.reports.sweep import ROI_KEYS, read_sweep, variant_outcomes

    results = open_results(real_sweep)
    sweep = read_sweep(results.root, results.manifest, results)
    short = variant_outcomes(sweep, RoiInputs(), None)
    assert not any(o.steady for o in short.values())
    html = unescape(build_report(real_sweep, real_sweep.parent / "short_report").html.read_text())
    assert "over the simulated period (too short to measure a steady year)" in html

    longer = dataclasses.replace(sweep, run_dirs={name: (run_dir,) for name in sweep.variants})
    outcomes = variant_outcomes(longer, RoiInputs(), None)
    run = read_run(run_dir)
    tl = timeline(run.scenario)
    values, _, _ = combine_runs(
        [run_quantities(run, tl)], RoiInputs(), unit_values(RoiInputs(), run.scenario), tl, "mean"
    )
    for outcome in outcomes.values():
        assert outcome.steady
        for key in ROI_KEYS:
            assert outcome.cells[key].mean == pytest.approx(float(values[f"steady:{key}"].value))
    assert values["steady:beyond_manual_usd"].value != values["beyond_manual_usd"].value


def test_the_difference_from_the_base_is_the_difference_of_the_means_shown(
    real_sweep, replicated_dir, run_dir, tmp_path, monkeypatch
):
    """With steady years whose replications would find different warm-ups alone, the paired
    difference is still the difference of the means: one warm-up per variant."""
    import dataclasses
    import shutil

    import dentsim.reports.roi

    # a warm-up of 1 to 3 weeks by the contacts counted: replications alone and pooled differ
    monkeypatch.setattr(
        dentsim.reports.roi, "warmup_days", lambda contacts: 7 * (1 + int(contacts.sum()) // 10 % 3)
    )

    from dentsim.reports.results import open_results
    from dentsim.reports.roi import RoiInputs
    from dentsim.reports.sweep import ROI_KEYS, read_sweep, variant_outcomes

    results = open_results(real_sweep)
    reps = open_results(replicated_dir).run_dirs
    swapped = [tmp_path / "r000", tmp_path / "r001"]  # another pair of runs
    shutil.copytree(run_dir, swapped[0])
    shutil.copytree(reps[0], swapped[1])
    sweep = read_sweep(results.root, results.manifest, results)
    dirs = {v: tuple(reps[:2]) if v == sweep.base else tuple(swapped) for v in sweep.variants}
    outcomes = variant_outcomes(dataclasses.replace(sweep, run_dirs=dirs), RoiInputs(), None)
    assert all(o.steady for o in outcomes.values())
    base = outcomes[sweep.base or ""]
    compared = 0
    for name, outcome in outcomes.items():
        if name == sweep.base:
            continue
        for key in ROI_KEYS:
            cell = outcome.cells[key]
            assert cell.diff == pytest.approx(cell.mean - base.cells[key].mean), (name, key)
            compared += 1
    assert compared == 2 * len(ROI_KEYS)
