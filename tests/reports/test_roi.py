"""ROI figures from a run's tables and the practice's inputs; inputs validated like a scenario."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest

from dentsim.cli import main
from dentsim.errors import InputError
from dentsim.reports import fmt
from dentsim.reports.results import open_results, read_run
from dentsim.reports.roi import (
    DEFAULT_ROI_FILE,
    RoiInputs,
    combine_runs,
    load_roi_inputs,
    run_quantities,
    timeline,
    unit_values,
)


def roi_of(run_dir: Path, inputs: RoiInputs):
    run = read_run(run_dir)
    tl = timeline(run.scenario)
    units = unit_values(inputs, run.scenario)
    values, scale, simulated = combine_runs([run_quantities(run, tl)], inputs, units, tl, "mean")
    return values, units, scale, simulated


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "roi.yaml"
    path.write_text(text)
    return path


def test_the_shipped_defaults_file_is_the_model_defaults():
    assert load_roi_inputs(None) == RoiInputs()
    assert load_roi_inputs(DEFAULT_ROI_FILE) == RoiInputs()


def test_recall_revenue_is_attended_recall_visits_times_the_practice_fee(run_dir, tmp_path):
    inputs = load_roi_inputs(write(tmp_path, "fees_usd:\n  hygiene_visit: 150\n"))
    values, _, _, _ = roi_of(run_dir, inputs)
    bookings = pq.read_table(run_dir / "bookings.parquet")
    appts = pq.read_table(run_dir / "appointments.parquet")
    recall_ids = bookings.filter(pc.equal(bookings["use_case"], "recall"))["booking_id"]
    mine = appts.filter(pc.is_in(appts["booking_id"], recall_ids))
    attended = mine.filter(pc.equal(mine["status"], "attended")).num_rows
    assert attended > 0
    assert float(values["realised_usd:recall"].value) == 150 * attended
    assert float(values["booked_usd:recall"].value) == 150 * len(recall_ids)


def test_costs_are_minutes_texts_and_the_monthly_fee(run_dir):
    inputs = RoiInputs.model_validate(
        {
            "ai": {
                "cost_per_minute_usd": 0.5,
                "cost_per_sms_usd": 0.02,
                "platform_fee_monthly_usd": 100.0,
            }
        }
    )
    values, _, _, _ = roi_of(run_dir, inputs)
    attempts = pq.read_table(run_dir / "attempts.parquet")
    voice = attempts.filter(pc.equal(attempts["channel"], "voice"))
    minutes = pc.sum(voice["duration_s"]).as_py() / 60
    texts = attempts.num_rows - voice.num_rows
    months = 4  # 120 days, billed at the start of each month of service
    expected = 0.5 * minutes + 0.02 * texts + 100 * months
    assert float(values["cost_usd"].value) == pytest.approx(expected)
    # the staff time freed is what the manual baseline's calls would have taken: its share
    ratio = min(1.0, 0.4 / float(values["ai_share_worked"].value))
    assert float(values["manual_ratio"].value) == pytest.approx(ratio)
    assert float(values["staff_hours_saved"].value) == pytest.approx(
        voice.num_rows * ratio * 4 / 60
    )


def test_only_revenue_beyond_the_manual_baseline_counts_towards_the_net_return(run_dir):
    lazy = RoiInputs.model_validate({"staff": {"manual_share_worked": 0.0}})
    keen = RoiInputs.model_validate({"staff": {"manual_share_worked": 0.9}})
    all_of_it, _, _, _ = roi_of(run_dir, lazy)
    little, _, _, _ = roi_of(run_dir, keen)
    assert float(all_of_it["beyond_manual_usd"].value) == float(all_of_it["realised_usd"].value)
    share = float(little["ai_share_worked"].value)
    assert 0.9 < share <= 1.0
    assert float(little["beyond_manual_usd"].value) == pytest.approx(
        float(little["realised_usd"].value) * (1 - 0.9 / share)
    )
    net = float(little["beyond_manual_usd"].value) - float(little["cost_usd"].value)
    assert float(little["net_return_usd"].value) == pytest.approx(net)


def test_a_practice_of_another_size_scales_the_counts(run_dir):
    values, _, scale, simulated = roi_of(run_dir, RoiInputs())
    bigger = RoiInputs.model_validate({"practice": {"active_patients": 2 * simulated}})
    doubled, _, scale2, _ = roi_of(run_dir, bigger)
    assert scale == 1.0 and scale2 == 2.0
    assert float(doubled["realised_usd"].value) == pytest.approx(
        2 * float(values["realised_usd"].value)
    )
    assert float(doubled["ai_share_worked"].value) == pytest.approx(
        float(values["ai_share_worked"].value)
    )


def test_payback_is_the_first_day_recovered_revenue_covers_the_cost(run_dir):
    values, _, _, _ = roi_of(run_dir, RoiInputs())
    expensive = RoiInputs.model_validate({"ai": {"platform_fee_monthly_usd": 1e7}})
    never, _, _, _ = roi_of(run_dir, expensive)
    assert 1 <= float(values["payback_days"].value) <= 120
    assert np.isnan(float(never["payback_days"].value))
    assert fmt.duration_days(float("nan")) == "not within the simulated period"


def test_unset_fees_come_from_the_scenario_and_say_so(run_dir):
    run = read_run(run_dir)
    units = unit_values(RoiInputs(), run.scenario)
    assert units.hygiene_visit == run.scenario["fees"]["hygiene_visit"]
    assert units.sources["hygiene_visit"] == "scenario fee"
    given = unit_values(
        RoiInputs.model_validate({"fees_usd": {"hygiene_visit": 99.0}}), run.scenario
    )
    assert given.hygiene_visit == 99.0 and given.sources["hygiene_visit"] == "your input"


def test_a_bad_roi_value_names_file_line_and_key(tmp_path):
    path = write(tmp_path, "staff:\n  hourly_cost_usd: 28\n  manual_share_worked: 1.4\n")
    with pytest.raises(InputError) as e:
        load_roi_inputs(path)
    assert e.value.problems[0].startswith(f"{path}:3: staff.manual_share_worked:")


def test_a_bad_roi_file_exits_2_with_one_clear_line(run_dir, tmp_path, capsys):
    path = write(tmp_path, "ai:\n  cost_per_minut_usd: 0.1\n")
    assert main(["report", str(run_dir), "--roi", str(path), "--out", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err
    assert f"{path}:2: ai.cost_per_minut_usd: unknown key" in err
    assert "did you mean 'cost_per_minute_usd'" in err
    assert "Traceback" not in err
    assert not (tmp_path / "o").exists()


def test_a_quoted_number_is_refused_like_in_a_scenario(tmp_path):
    path = write(tmp_path, 'ai:\n  platform_fee_monthly_usd: "299"\n')
    with pytest.raises(InputError, match=r":2: ai.platform_fee_monthly_usd: expected a number"):
        load_roi_inputs(path)


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda p: p / "nowhere", "no such run directory"),
        (lambda p: p, "not a dentsim result directory"),
    ],
)
def test_a_missing_or_wrong_directory_exits_2(tmp_path, capsys, make, message):
    assert main(["report", str(make(tmp_path))]) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err


def test_a_run_missing_a_table_exits_2_naming_the_file(run_dir, tmp_path, capsys):
    import shutil

    broken = tmp_path / "broken"
    shutil.copytree(run_dir, broken)
    (broken / "bookings.parquet").unlink()
    assert main(["report", str(broken)]) == 2
    assert f"{broken / 'bookings.parquet'}: file not found" in capsys.readouterr().err


def test_an_unknown_kind_exits_2(run_dir, tmp_path, capsys):
    import json
    import shutil

    odd = tmp_path / "odd"
    shutil.copytree(run_dir, odd)
    run = json.loads((odd / "run.json").read_text())
    (odd / "run.json").write_text(json.dumps({**run, "kind": "ensemble"}))
    with pytest.raises(InputError, match="kind: expected one of"):
        open_results(odd)


def test_the_cli_writes_the_report_and_exits_0(run_dir, tmp_path, capsys):
    assert main(["report", str(run_dir), "--out", str(tmp_path / "rep")]) == 0
    out = capsys.readouterr().out
    assert re.search(r"^single: .*violations? in [\d,]+ contacts$", out, re.M)
    assert (tmp_path / "rep" / "report.html").is_file()
    assert (tmp_path / "rep" / "report.pdf").is_file()
    assert len(list((tmp_path / "rep" / "charts").glob("*.png"))) >= 6
