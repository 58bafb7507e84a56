"""The gate in the engine: runs obey every rule, and hand-made violations make `dentsim check` fail."""

from __future__ import annotations

from datetime import UTC, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dentsim.cli import main
from dentsim.compliance.audit import audit_run
from dentsim.experiments.tasks import run_scenario
from dentsim.scenario import apply_overrides, load_scenario
from tests.conftest import ROOT, small

STRESS = ROOT / "scenarios" / "compliance_stress.yaml"


@pytest.fixture(scope="module")
def clean_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("run") / "baseline"
    scenario = small(
        load_scenario(ROOT / "scenarios" / "baseline.yaml"),
        days=150,
        behaviour__p_opt_out_base=0.02,
    )
    run_scenario(scenario, out)
    return out


def test_a_baseline_run_passes_dentsim_check(
    clean_run: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["check", str(clean_run)]) == 0
    assert "PASS" in capsys.readouterr().out


def test_a_compliance_stress_run_has_zero_violations(tmp_path: Path) -> None:
    scenario = apply_overrides(load_scenario(STRESS), {"population.patients": 600, "days": 120})
    run_scenario(scenario, tmp_path / "stress")
    report = audit_run(tmp_path / "stress")
    assert report.contacts_checked > 3000
    assert {r.rule_id: r.violations for r in report.results if r.violations} == {}
    deferrals = pq.read_table(tmp_path / "stress" / "deferrals.parquet").to_pylist()
    assert {"federal_calling_window", "state_sunday_holiday_ban"} <= {
        d["rule_id"] for d in deferrals
    }


def edited_copy(run: Path, dest: Path, edit: Any) -> Path:
    """A copy of `run` whose attempts table went through `edit(rows) -> rows`."""
    dest.mkdir()
    for f in run.iterdir():
        (dest / f.name).write_bytes(f.read_bytes())
    table = pq.read_table(run / "attempts.parquet")
    pq.write_table(
        pa.Table.from_pylist(edit(table.to_pylist()), schema=table.schema),
        dest / "attempts.parquet",
    )
    return dest


def patient_zone(run: Path, patient_id: int) -> str:
    rows = pq.read_table(run / "patients.parquet", columns=["patient_id", "tz_address"]).to_pylist()
    return next(r["tz_address"] for r in rows if r["patient_id"] == patient_id)


def test_a_call_at_half_past_nine_in_the_evening_fails_the_check(
    clean_run: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    def late(rows: list[dict]) -> list[dict]:
        a = next(r for r in rows if r["channel"] == "voice" and not r["covered_patient_ids"])
        zone = ZoneInfo(patient_zone(clean_run, a["patient_id"]))
        local = a["t_utc"].astimezone(zone).replace(hour=21, minute=30)
        a["t_utc"] = local.astimezone(UTC)
        return rows

    assert main(["check", str(edited_copy(clean_run, tmp_path / "late", late))]) == 1
    assert "federal_calling_window" in capsys.readouterr().out


def test_a_contact_after_an_opt_out_fails_the_check(
    clean_run: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    optouts = [
        o
        for o in pq.read_table(clean_run / "optouts.parquet").to_pylist()
        if o["kind"] == "hard" and o["scope"] == "all"
    ]
    assert optouts
    o = optouts[0]

    def after(rows: list[dict]) -> list[dict]:
        extra = dict(next(r for r in rows if r["patient_id"] == o["patient_id"]))
        extra["attempt_id"] = max(r["attempt_id"] for r in rows) + 1
        extra["t_utc"] = o["t_utc"] + timedelta(days=1)
        zone = ZoneInfo(patient_zone(clean_run, o["patient_id"]))
        extra["t_utc"] = extra["t_utc"].astimezone(zone).replace(hour=11).astimezone(UTC)
        return rows + [extra]

    assert main(["check", str(edited_copy(clean_run, tmp_path / "after", after))]) == 1
    assert "opt_out" in capsys.readouterr().out


def test_a_voicemail_naming_a_procedure_fails_the_check(
    clean_run: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    def procedure(rows: list[dict]) -> list[dict]:
        a = next(r for r in rows if r["result"] == "voicemail")
        a["message"] = a["message"].replace("your next visit", "your extraction")
        assert "extraction" in a["message"]
        return rows

    assert main(["check", str(edited_copy(clean_run, tmp_path / "vm", procedure))]) == 1
    assert "hipaa_minimum_necessary" in capsys.readouterr().out


@settings(
    max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    state=st.sampled_from(["FL", "TX", "LA", "CT", "AZ", "HI", "NY"]),
    codes=st.lists(
        st.sampled_from(["850", "208", "270", "907", "928", "915", "808", "504", "212"]),
        min_size=1,
        max_size=3,
        unique=True,
    ),
    open_h=st.integers(0, 12),
    hours=st.integers(1, 12),
    combine=st.booleans(),
    dial_time=st.sampled_from(["spread", "best_hour", "burst"]),
    start=st.sampled_from(["2026-03-01", "2026-06-28", "2026-10-25", "2026-11-20"]),
    all_week=st.booleans(),
)
def test_no_strategy_and_no_population_breaks_a_rule(
    tmp_path_factory: pytest.TempPathFactory, state: str, codes: list[str], open_h: int, hours: int,
    combine: bool, dial_time: str, start: str, all_week: bool,
) -> None:  # fmt: skip
    scenario = apply_overrides(
        load_scenario(STRESS),
        {
            "population.patients": 200,
            "days": 21,
            "start_date": start,
            "population.address_state_mix": {state: 1.0},
            "population.area_code_mix": dict.fromkeys(codes, 1.0),
            "strategy.call_hours": {
                "open": f"{open_h:02d}:00",
                "close": f"{min(24, open_h + hours):02d}:00",
            },
            "strategy.combine": combine,
            "strategy.dial_time": dial_time,
            "strategy.call_days": ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
            if all_week
            else ["mon", "wed", "fri"],
        },
    )
    out = tmp_path_factory.mktemp("prop") / "run"
    run_scenario(scenario, out)
    report = audit_run(out)
    assert {r.rule_id: r.violations for r in report.results if r.violations} == {}


def test_the_gate_defers_an_early_call_to_eight_in_the_morning(tmp_path: Path) -> None:
    scenario = apply_overrides(
        load_scenario(STRESS),
        {"population.patients": 150, "days": 10, "strategy.call_hours": {"open": "07:00", "close": "08:00"},
         "population.address_state_mix": {"NY": 1.0}, "population.area_code_mix": {"212": 0.5, "718": 0.5}},
    )  # fmt: skip
    run_scenario(scenario, tmp_path / "night")
    deferred = [
        d
        for d in pq.read_table(tmp_path / "night" / "deferrals.parquet").to_pylist()
        if d["action"] == "deferred"
    ]
    assert deferred
    for d in deferred:
        local = d["t_next_utc"].astimezone(ZoneInfo("America/New_York"))
        assert (local.hour, local.minute) == (8, 0), d
    attempts = pq.read_table(tmp_path / "night" / "attempts.parquet").to_pylist()
    starts = {a["t_utc"].astimezone(ZoneInfo("America/New_York")).hour for a in attempts}
    assert starts and min(starts) >= 8


# --- tampered runs the audit used to pass: each must fail the check under the right rule


def tampered(run: Path, dest: Path, **edits: Any) -> Path:
    """A copy of `run` whose tables went through their edits: `patients=lambda rows: rows`."""
    dest.mkdir()
    for f in run.iterdir():
        (dest / f.name).write_bytes(f.read_bytes())
    for name, edit in edits.items():
        table = pq.read_table(run / f"{name}.parquet")
        rows = edit(table.to_pylist())
        pq.write_table(pa.Table.from_pylist(rows, schema=table.schema), dest / f"{name}.parquet")
    return dest


def test_a_call_after_an_opt_out_whose_row_was_deleted_fails_the_check(
    clean_run: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    attempts = pq.read_table(clean_run / "attempts.parquet").to_pylist()
    said = next(a for a in attempts if a["outcome"] == "opt_out" and not a["covered_patient_ids"])
    zone = ZoneInfo(patient_zone(clean_run, said["patient_id"]))

    def without_the_row(rows: list[dict]) -> list[dict]:
        kept = [o for o in rows if o["patient_id"] != said["patient_id"]]
        assert len(kept) < len(rows)
        return kept

    def ten_days_later(rows: list[dict]) -> list[dict]:
        extra = dict(said, attempt_id=max(r["attempt_id"] for r in rows) + 1, outcome="booked")
        later = (said["t_utc"] + timedelta(days=10)).astimezone(zone).replace(hour=11)
        extra["t_utc"] = later.astimezone(UTC)
        return rows + [extra]

    run = tampered(clean_run, tmp_path / "no_row", optouts=without_the_row, attempts=ten_days_later)
    assert main(["check", str(run)]) == 1
    out = " ".join(capsys.readouterr().out.split())  # as printed, wrapped to the terminal
    assert "opt_out: 1 violation" in out and "no row in optouts.parquet" in out


def test_a_number_changed_to_a_florida_number_fails_the_check(
    clean_run: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Only the phone string changes (patients and attempts alike): a Miami number is judged by
    Florida's hours in Eastern time, whatever `phone_state` and `tz_phone` still say."""
    patients = pq.read_table(clean_run / "patients.parquet").to_pylist()
    attempts = pq.read_table(clean_run / "attempts.parquet").to_pylist()
    numbers = [p["phone"] for p in patients]
    eastern = ZoneInfo("America/New_York")

    def candidate(a: dict) -> bool:  # 17:00-17:59 Pacific: 20:00-20:59 in Miami
        p = next(p for p in patients if p["patient_id"] == a["patient_id"])
        return (
            a["channel"] == "voice"
            and not a["covered_patient_ids"]
            and p["phone_state"] == "CA"
            and numbers.count(p["phone"]) == 1
            and a["t_utc"].astimezone(eastern).hour == 20
        )

    call = next(a for a in attempts if candidate(a))
    old = call["phone"]
    new = next(f"305-555-{n:04d}" for n in range(100, 200) if f"305-555-{n:04d}" not in numbers)

    def renumber(rows: list[dict]) -> list[dict]:
        return [dict(r, phone=new) if r["phone"] == old else r for r in rows]

    run = tampered(clean_run, tmp_path / "miami", patients=renumber, attempts=renumber)
    assert main(["check", str(run)]) == 1
    out = " ".join(capsys.readouterr().out.split())  # as printed, wrapped to the terminal
    assert "state_calling_window: 1 violation" in out and "area code 305 FL" in out


@pytest.mark.parametrize(
    ("table", "column", "code"),
    [
        ("patients", "state", "fl"),
        ("patients", "phone_state", "ZZ"),
        ("practices", "state", "ZZ"),
    ],
)
def test_a_state_code_that_is_not_one_makes_the_check_refuse_the_run(
    clean_run: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    table: str,
    column: str,
    code: str,
) -> None:
    def recode(rows: list[dict]) -> list[dict]:
        rows[0] = dict(rows[0], **{column: code})
        return rows

    run = tampered(clean_run, tmp_path / "state", **{table: recode})
    assert main(["check", str(run)]) == 2
    err = " ".join(capsys.readouterr().err.split())
    assert f"{table}.parquet: column '{column}': row 0 (" in err
    assert f"{code!r} is not a US state code" in err
    assert "Traceback" not in err
