"""The steady year, the one-time catch-up, one manual baseline, per-practice pricing and roi.json."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from dentsim.reports.report import build_report
from dentsim.reports.results import open_results, read_run
from dentsim.reports.roi import (
    RoiInputs,
    combine_runs,
    derive,
    prepare,
    run_quantities,
    timeline,
    unit_values,
)
from dentsim.reports.roi_build import roi_from_runs
from dentsim.reports.roi_json import roi_document
from dentsim.reports.roi_steady import MIN_STEADY_DAYS, warmup_days
from dentsim.reports.sensitivity import sensitivity
from dentsim.vocabulary import BOOKING_USE_CASES

BACKLOG_DAYS, BACKLOG_PER_DAY, STEADY_PER_DAY = 14, 10.0, 2.0


def backlog_quantities(run_dir: Path) -> tuple[dict[str, np.ndarray], object]:
    """A real run's counts with their daily series replaced: recall bookings at 10 a day for two
    weeks (the backlog), then 2 a day; contacts 5x higher in the backlog; 80 % of visits kept."""
    run = read_run(run_dir)
    tl = timeline(run.scenario)
    q = run_quantities(run, tl)
    days = np.arange(tl.days)
    backlog = days < BACKLOG_DAYS
    for key in q:
        if "_by_day" in key:
            q[key] = np.zeros(tl.days)
    q["booked_by_day:recall"] = np.where(backlog, BACKLOG_PER_DAY, STEADY_PER_DAY)
    q["attended_by_day:recall"] = np.zeros(tl.days)
    q["attended_by_day:recall"][-1] = 80.0
    q["no_show_n:recall"], q["cancelled_n:recall"] = np.array(20.0), np.array(0.0)
    q["voice_by_day"] = np.where(backlog, 100.0, 20.0)
    q["ai_minutes_by_day"] = q["voice_by_day"] * 1.5
    return q, tl


def test_the_warm_up_is_the_leading_weeks_far_above_the_typical_week():
    # three weeks of 910 contacts, then weeks of 280 and of 210: the typical week is 210
    contacts = np.r_[np.full(21, 130.0), np.full(21, 40.0), np.full(100, 30.0)]
    assert warmup_days(contacts) == 21  # 280 is 1.33 times 210: no longer the warm-up
    assert warmup_days(np.full(140, 30.0)) == 0
    assert warmup_days(np.r_[np.full(7, 40.0), np.full(133, 30.0)]) == 0  # 1.33x: not a warm-up


def test_the_steady_rate_is_the_constructed_rate_and_the_catch_up_the_backlog(run_dir):
    q, tl = backlog_quantities(run_dir)
    inputs = RoiInputs.model_validate({"staff": {"manual_share_worked": 0.0}})
    units = unit_values(inputs, read_run(run_dir).scenario)
    values, _, _ = combine_runs([q], inputs, units, tl, "mean")
    assert float(values["warmup_days"].value) == BACKLOG_DAYS
    steady = lambda key: float(values[f"steady:{key}"].value)  # noqa: E731
    assert steady("booked_n") == pytest.approx(STEADY_PER_DAY * 365)
    assert steady("booked_usd") == pytest.approx(STEADY_PER_DAY * 365 * units.hygiene_visit)
    assert steady("realised_usd") == pytest.approx(0.8 * steady("booked_usd"))
    assert steady("voice_n") == pytest.approx(20 * 365)
    # the catch-up is the backlog's bookings beyond the steady pace, and nothing else
    excess = (BACKLOG_PER_DAY - STEADY_PER_DAY) * BACKLOG_DAYS
    assert float(values["catchup:booked_n"].value) == pytest.approx(excess)
    assert float(values["catchup:voice_n"].value) == pytest.approx(80 * BACKLOG_DAYS)
    # first year = steady rate over the same days + catch-up
    assert float(values["booked_n"].value) == pytest.approx(
        steady("booked_n") * tl.days / 365 + excess
    )


def test_the_steady_payback_is_the_days_whose_revenue_covers_a_months_cost(run_dir):
    q, tl = backlog_quantities(run_dir)
    inputs = RoiInputs()
    values, _, _ = combine_runs([q], inputs, unit_values(inputs, {}), tl, "mean")
    daily = float(values["steady:beyond_manual_usd"].value) / 365
    month = float(values["steady:cost_usd"].value) / 12
    assert float(values["steady:payback_days"].value) == pytest.approx(month / daily)


def test_revenue_and_staff_time_compare_with_the_same_manual_baseline(run_dir):
    run = read_run(run_dir)
    tl = timeline(run.scenario)
    for share in (0.0, 0.4, 0.9):
        inputs = RoiInputs.model_validate({"staff": {"manual_share_worked": share}})
        values, _, _ = combine_runs(
            [run_quantities(run, tl)], inputs, unit_values(inputs, run.scenario), tl, "mean"
        )
        v = {k: float(e.value) for k, e in values.items() if np.ndim(e.value) == 0}
        ratio = v["manual_ratio"]
        assert ratio == pytest.approx(min(1.0, share / v["ai_share_worked"]))
        # the manual baseline's share of the work: its calls' time freed, its revenue not counted
        assert v["staff_hours_saved"] == pytest.approx(v["voice_n"] * ratio * 4 / 60)
        assert v["beyond_manual_usd"] == pytest.approx(v["realised_usd"] * (1 - ratio))
        assert v["steady:staff_hours_saved"] == pytest.approx(v["steady:voice_n"] * ratio * 4 / 60)
        assert v["steady:beyond_manual_usd"] == pytest.approx(
            v["steady:realised_usd"] * (1 - ratio)
        )
        if share == 0.0:
            assert v["staff_hours_saved"] == 0.0


def test_a_group_of_n_practices_pays_n_platform_fees(group_dir, run_dir):
    fee = 100.0
    inputs = RoiInputs.model_validate({"ai": {"platform_fee_monthly_usd": fee}})
    group = open_results(group_dir)
    runs = [read_run(d) for d in group.run_dirs]
    roi = roi_from_runs(group, runs, inputs)
    months = 4  # 120 days, billed at the start of each month
    assert len(roi.practices) == len(runs) == 2
    assert float(roi["platform_usd"].value) == 2 * fee * months
    assert float(roi["steady:platform_usd"].value) == 2 * fee * 12
    for p in roi.practices:
        assert p.values["platform_usd"] == fee * months
    # the practices add up to the group
    for key in ("beyond_manual_usd", "cost_usd", "net_return_usd", "steady:net_return_usd"):
        total = sum(p.values[key] for p in roi.practices)
        assert total == pytest.approx(float(roi[key].value))
    single = roi_from_runs(open_results(run_dir), [read_run(run_dir)], inputs)
    assert float(single["platform_usd"].value) == fee * months


def test_a_scaled_practice_still_pays_one_fee(run_dir):
    run = read_run(run_dir)
    tl = timeline(run.scenario)
    q = run_quantities(run, tl)
    inputs = RoiInputs.model_validate({"practice": {"active_patients": 10_000}})
    p = prepare([q], inputs, "mean")
    assert p.scale > 1 and float(p.quantities[0]["practices"]) == 1.0
    v = derive(p.quantities[0], inputs, unit_values(inputs, run.scenario), tl, p.warm)
    assert float(v["platform_usd"]) == 299.0 * 4


def test_the_sensitivity_moves_the_steady_net_as_its_assumptions_say(run_dir):
    run = read_run(run_dir)
    tl = timeline(run.scenario)
    inputs = RoiInputs()
    units = unit_values(inputs, run.scenario)
    p = prepare([run_quantities(run, tl)], inputs, "mean")
    s = sensitivity(p, inputs, units)
    assert s is not None
    rows = {r.assumption: r for r in s.rows}
    swings = [r.swing for r in s.rows]
    assert swings == sorted(swings, reverse=True)
    fee = rows["Platform fee per practice and month"]
    assert fee.net_at_low - s.base_net == pytest.approx(0.25 * 299 * 12)  # $75 a month saved
    assert rows["Patients accepting a visit"].net_at_high > s.base_net
    assert rows["No-show rate"].net_at_high < s.base_net
    manual = rows["Share of the list worked by hand"]
    assert (manual.low, manual.high) == ("20.0%", "60.0%")
    assert manual.net_at_low > s.base_net > manual.net_at_high


def test_roi_json_round_trips_and_is_the_same_bytes_twice(run_dir, tmp_path):
    first = build_report(run_dir, tmp_path / "a")
    second = build_report(run_dir, tmp_path / "b")
    data = (tmp_path / "a" / "roi.json").read_bytes()
    assert data == (tmp_path / "b" / "roi.json").read_bytes()
    assert first.html.is_file() and second.html.is_file()
    doc = json.loads(data)
    run = read_run(run_dir)
    roi = roi_from_runs(open_results(run_dir), [run], RoiInputs())
    assert doc == json.loads(json.dumps(roi_document(roi, run.scenario)))
    assert doc["steady_state"]["measured"] is True
    steady, first_year, catch = (
        doc["steady_state"]["per_year"],
        doc["first_year"],
        doc["catch_up"],
    )
    days = doc["period"]["days"]
    # the first year is the steady rate over the same days plus the catch-up
    for key in ("bookings", "revenue_beyond_manual_usd", "ai_usage_usd", "calls"):
        assert first_year[key] == pytest.approx(steady[key] * days / 365 + catch[key], abs=1e-3)
    assert doc["warm_up"]["days"] % 7 == 0
    assert doc["unit_values"]["hygiene_visit"]["source"] == "scenario fee"
    assert doc["inputs"]["ai"]["platform_fee_monthly_usd"] == 299.0
    assert [r["assumption"] for r in doc["sensitivity"]["rows"]]


def test_a_replicated_roi_json_gives_intervals(replicated_dir, tmp_path):
    build_report(replicated_dir, tmp_path)
    doc = json.loads((tmp_path / "roi.json").read_text())
    net = doc["steady_state"]["per_year"]["net_return_usd"]
    assert set(net) == {"mean", "ci_low", "ci_high", "n"} and net["n"] == 3
    assert net["ci_low"] <= net["mean"] <= net["ci_high"]


def test_a_group_roi_json_lists_each_practice(group_dir, tmp_path):
    build_report(group_dir, tmp_path)
    doc = json.loads((tmp_path / "roi.json").read_text())
    assert len(doc["practices"]) == 2
    total = sum(p["steady_state"]["cost_usd"] for p in doc["practices"])
    assert total == pytest.approx(doc["steady_state"]["per_year"]["cost_usd"], abs=1e-3)
    html = (tmp_path / "report.html").read_text()
    assert "Each practice" in html and "pays its own platform fee" in html


def test_a_run_too_short_for_a_steady_state_says_so(run_dir, tmp_path):
    short = tmp_path / "short"
    shutil.copytree(run_dir, short)
    manifest = json.loads((short / "run.json").read_text())
    manifest["scenario"]["days"] = 70  # the report reads the period from the scenario
    (short / "run.json").write_text(json.dumps(manifest))
    files = build_report(short, tmp_path / "out")
    doc = json.loads((tmp_path / "out" / "roi.json").read_text())
    assert doc["steady_state"]["measured"] is False
    assert doc["steady_state"]["per_year"] is None and doc["catch_up"] is None
    assert f"at least {MIN_STEADY_DAYS}" in doc["steady_state"]["reason"]
    assert doc["sensitivity"] is None
    html = files.html.read_text()
    assert "too short to measure a steady state" in html
    assert "tornado" not in {p.stem for p in files.charts}


def test_every_booking_use_case_has_the_counts_the_steady_state_needs(run_dir):
    run = read_run(run_dir)
    q = run_quantities(run, timeline(run.scenario))
    for uc in BOOKING_USE_CASES:
        assert {f"no_show_n:{uc}", f"cancelled_n:{uc}", f"booked_by_day:{uc}"} <= set(q)


def test_a_replicated_rois_intervals_stay_inside_what_each_figure_can_be(replicated_dir):
    from dentsim.reports.roi import support
    from dentsim.reports.roi_build import roi_from_runs

    results = open_results(replicated_dir)
    roi = roi_from_runs(results, [read_run(d) for d in results.run_dirs], RoiInputs())
    checked = 0
    for key, e in roi.values.items():
        lo_bound, hi_bound = support(key)
        assert e.low is not None and e.high is not None
        low, high = np.asarray(e.low, float), np.asarray(e.high, float)
        assert np.all(np.isnan(low) | (low >= lo_bound)), key
        assert np.all(np.isnan(high) | (high <= hi_bound)), key
        checked += 1
    assert support("net_return_usd")[0] < 0 and support("catchup:booked_n")[0] < 0
    assert support("ai_share_worked") == (0.0, 1.0) and support("cost_usd") == (0.0, np.inf)
    assert checked > 50


def test_a_groups_figures_are_the_sums_of_its_practices_own(replicated_dir):
    """Two practices that differ in what happened (attendance, list worked): each priced on its
    own, and the group's figures their sums, not figures of the pooled counts."""
    from dentsim.reports.roi import group_figures, prepare

    runs = [read_run(d) for d in open_results(replicated_dir).run_dirs[:2]]
    tl = timeline(runs[0].scenario)
    inputs = RoiInputs()
    units = unit_values(inputs, runs[0].scenario)
    p = prepare([run_quantities(r, tl) for r in runs], inputs, "sum")
    total, parts = group_figures(p, inputs, units, tl)
    for key in ("beyond_manual_usd", "net_return_usd", "cost_usd", "realised_usd",
                "steady:beyond_manual_usd", "steady:realised_usd", "steady:net_return_usd",
                "steady:cost_usd", "catchup:beyond_manual_usd", "staff_hours_net"):  # fmt: skip
        assert float(total[key]) == pytest.approx(sum(float(d[key]) for d in parts)), key
    assert float(total["platform_usd"]) == pytest.approx(2 * float(parts[0]["platform_usd"]))
    steady = float(total["steady:beyond_manual_usd"]) / float(total["steady:cost_usd"])
    assert float(total["steady:return_per_dollar"]) == pytest.approx(steady)
    pooled = derive(p.quantities[0], inputs, units, tl, p.warm)  # what the group showed before
    assert float(pooled["steady:realised_usd"]) != pytest.approx(
        float(total["steady:realised_usd"]), rel=1e-6
    )


def test_a_practice_of_a_handful_of_patients_gets_no_steady_year_but_the_reason(run_dir):
    """One patient: a contact a week or none. A rate a year from a few contacts would be an
    invention: the steady state is not measured, and the page and roi.json say why."""
    from dentsim.reports.roi_words import too_short

    q, tl = backlog_quantities(run_dir)
    q["voice_by_day"] = np.where(np.arange(tl.days) % 7 == 0, 1.0, 0.0)  # 17 contacts in all
    inputs = RoiInputs()
    values, _, _ = combine_runs([q], inputs, unit_values(inputs, read_run(run_dir).scenario), tl,
                                "mean")  # fmt: skip
    assert np.isnan(float(values["steady:net_return_usd"].value))
    said = too_short(values)  # the words read the figures by key, as from a Roi
    assert said.startswith("Too few contacts to measure a steady state: 1")
    assert "contacts after the warm-up, and a steady state needs at least 100" in said


@pytest.fixture(scope="module")
def year_dir(baseline, tmp_path_factory) -> Path:
    """A practice-year: 300 patients, 365 days."""
    from dentsim.experiments.tasks import run_scenario
    from tests.conftest import small

    out = tmp_path_factory.mktemp("year") / "run"
    run_scenario(small(baseline, days=365), out)
    return out


def dollars(text: str) -> float:
    return float(text.replace("$", "").replace(",", "").replace(" h", "").split()[0])


def test_the_roi_page_adds_up_as_shown(year_dir):
    """Cards: recovered - cost = net. The years table: first year - steady year = catch-up in
    every row that adds; net = recovered - cost in each column. Staff hours: saved - handed over
    = freed, in the cost list and the table alike."""
    from dentsim.reports.report import _run_report

    page, _, _, _ = _run_report(open_results(year_dir), RoiInputs(), None)
    roi = page.roi
    cards = {label: (value, note) for label, value, note in roi["cards"]}
    recovered = dollars(cards["Recovered revenue a year"][0])
    net = dollars(cards["Net return a year"][0])
    cost = dollars(cards["Net return a year"][1].split("after ", 1)[1])
    assert recovered - cost == net
    rows = {r["label"]: r for r in roi["years"]["rows"]}
    for label in ("AI bookings", "Booked revenue", "Recovered revenue (beyond calling by hand)",
                  "AI cost", "Net return", "Staff hours freed, net"):  # fmt: skip
        first, steady, catch = (dollars(rows[label][c][0]) for c in ("first", "steady", "catchup"))
        assert first - steady == catch, label
    for column in ("first", "steady", "catchup"):
        shown = {k: dollars(rows[k][column][0]) for k in rows if k not in ("Payback",
                                                                            "Return per dollar")}  # fmt: skip
        assert (
            shown["Recovered revenue (beyond calling by hand)"] - shown["AI cost"]
            == shown["Net return"]
        ), column
    costs = dict(roi["costs"])
    saved = dollars(costs["Staff hours calling by hand would have taken"])
    added = dollars(costs["Staff hours the AI handed over"])
    assert saved - added == dollars(costs["Staff hours freed, net"])
    assert dollars(costs["Staff hours freed, net"]) == dollars(
        rows["Staff hours freed, net"]["first"][0]
    )
    assert dollars(costs["Total cost"]) == dollars(rows["AI cost"]["first"][0])
