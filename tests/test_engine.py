"""The engine end to end: analytic answer counts, the federal window, the contract, determinism."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np
import pyarrow.parquet as pq
import pytest

from dentsim.cli import main
from dentsim.experiments.tasks import run_scenario
from dentsim.scenario import Scenario, apply_overrides
from dentsim.simulation.engine import simulate_practice
from tests.conftest import BASELINE, small

ATTEMPT_COLUMNS = [
    "attempt_id", "practice_id", "patient_id", "t_utc", "channel", "phone", "purposes", "result",
    "answered_by", "duration_s", "message", "outcome", "covered_patient_ids",
]  # fmt: skip


def flat(scenario: Scenario, p: float) -> Scenario:
    """A phone network where a person answers with probability p, at any hour, with nothing else."""
    return small(
        scenario,
        population__patients=600,
        days=180,
        population__share_households_sharing_home_phone=0.0,
        population__share_reassigned_numbers=0.0,
        telephony__p_answer_by_hour={h: p for h in range(24)},
        telephony__answer_factor_by_weekday=dict.fromkeys(
            ["mon", "tue", "wed", "thu", "fri", "sat", "sun"], 1.0
        ),
        telephony__caller_id="unknown",
        telephony__p_busy=0.0,
        telephony__p_failed=0.0,
        behaviour__answer_propensity_sigma=0.0,
        behaviour__own_practice_answer_factor=1.0,
        behaviour__best_hour_boost=1.0,
    )


@pytest.mark.parametrize("p", [0.2, 0.45])
def test_connects_are_binomial_in_p_times_attempts_with_a_flat_answer_probability(
    baseline: Scenario, p: float
) -> None:
    attempts = simulate_practice(flat(baseline, p)).tables["attempts"]
    voice = attempts.filter(np.array(attempts["channel"].to_pylist()) == "voice")
    n = voice.num_rows
    live = sum(1 for who in voice["answered_by"].to_pylist() if who == "patient")
    assert n > 500
    assert abs(live - p * n) <= 4 * np.sqrt(n * p * (1 - p)), (live, p * n)


def local_minutes(t_utc: list[datetime], zones: list[str]) -> list[int]:
    out = []
    for t, zone in zip(t_utc, zones, strict=True):
        local = t.replace(tzinfo=UTC).astimezone(ZoneInfo(zone))
        out.append(local.hour * 60 + local.minute)
    return out


def test_no_contact_outside_eight_to_nine_in_any_candidate_zone_even_when_the_strategy_asks(
    baseline: Scenario,
) -> None:
    greedy = small(
        baseline,
        population__patients=400,
        population__area_code_mix={"850": 0.3, "208": 0.3, "907": 0.2, "808": 0.2},
        strategy__call_hours={"open": "00:00", "close": "24:00"},
        strategy__call_days=["mon", "tue", "wed", "thu", "fri", "sat", "sun"],
        telephony__lines=1,
    )
    run = simulate_practice(greedy)
    attempts = run.tables["attempts"].to_pylist()
    assert len(attempts) > 200
    zones_of = {
        int(pid): z for pid, z in zip(run.patients.patient_id, run.patients.zones, strict=True)
    }
    for a in attempts:
        for zone in zones_of[a["patient_id"]]:
            (minute,) = local_minutes([a["t_utc"]], [zone])
            assert 8 * 60 <= minute < 21 * 60, (a, zone)


def test_run_writes_every_contract_file_with_the_documented_columns(
    baseline: Scenario, tmp_path: Path
) -> None:
    out = tmp_path / "run"
    run_scenario(small(baseline), out)
    for name in ("run.json", "kpis.json", "patients.parquet", "attempts.parquet", "optouts.parquet",
                 "bookings.parquet", "appointments.parquet", "deferrals.parquet", "practices.parquet"):  # fmt: skip
        assert (out / name).exists(), name
    assert pq.read_schema(out / "attempts.parquet").names == ATTEMPT_COLUMNS
    assert pq.read_schema(out / "optouts.parquet").names[:6] == [
        "practice_id", "patient_id", "t_utc", "channel", "scope", "how",
    ]  # fmt: skip
    patients = pq.read_table(out / "patients.parquet")
    for column in ("patient_id", "practice_id", "phone", "phone_type", "household_id", "state",
                   "tz_address", "tz_phone", "consent_healthcare", "text_allowed", "no_voicemail"):  # fmt: skip
        assert column in patients.column_names
    attempts = pq.read_table(out / "attempts.parquet").to_pylist()
    assert {a["channel"] for a in attempts} <= {"voice", "sms"}
    assert {a["result"] for a in attempts} <= {
        "answered", "voicemail", "no_answer", "busy", "wrong_number", "failed", "delivered", "undelivered",
    }  # fmt: skip
    assert {a["answered_by"] for a in attempts} <= {
        "patient",
        "household",
        "stranger",
        "machine",
        "",
    }
    assert not list(out.glob(".*"))  # no temporary file left behind


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_same_scenario_and_seed_give_byte_identical_event_logs(tmp_path: Path) -> None:
    for out in ("a", "b"):
        assert main(["run", str(BASELINE), "--out", str(tmp_path / out), "--quiet"]) == 0
    assert main(["run", str(BASELINE), "--out", str(tmp_path / "c"), "--seed", "7", "--quiet"]) == 0
    for name in ("attempts.parquet", "patients.parquet", "optouts.parquet", "appointments.parquet"):
        assert digest(tmp_path / "a" / name) == digest(tmp_path / "b" / name), name
    assert digest(tmp_path / "a" / "attempts.parquet") != digest(
        tmp_path / "c" / "attempts.parquet"
    )
    assert digest(tmp_path / "a" / "patients.parquet") != digest(
        tmp_path / "c" / "patients.parquet"
    )


def test_voicemail_on_the_first_miss_and_the_second_attempt_by_sms(baseline: Scenario) -> None:
    run = simulate_practice(small(baseline))
    attempts = run.tables["attempts"].to_pylist()
    by_patient: dict[int, list[dict]] = {}
    for a in attempts:
        if a["purposes"] == "recall":  # the recall cadence: call, then text
            by_patient.setdefault(a["patient_id"], []).append(a)
    voicemails = [a for a in attempts if a["result"] == "voicemail"]
    assert voicemails and all(a["message"] and a["answered_by"] == "machine" for a in voicemails)
    assert any(a["channel"] == "sms" for a in attempts)
    can_text = {int(i) for i, w, t in zip(run.patients.patient_id, run.patients.phone_type, run.patients.text_allowed, strict=True) if w == "wireless" and t}  # fmt: skip
    seconds = [
        seq[1]
        for pid, seq in by_patient.items()
        if len(seq) > 1 and pid in can_text and seq[0]["result"] != "answered"
    ]
    assert seconds and np.mean([a["channel"] == "sms" for a in seconds]) > 0.9


def test_attended_visits_set_the_next_recall_so_the_year_closes_the_loop(
    baseline: Scenario,
) -> None:
    run = simulate_practice(small(baseline, days=365, population__patients=200))
    appointments = run.tables["appointments"].to_pylist()
    attended = [a for a in appointments if a["status"] == "attended"]
    per_patient: dict[int, int] = {}
    for a in attended:
        per_patient[a["patient_id"]] = per_patient.get(a["patient_id"], 0) + 1
    assert (
        max(per_patient.values()) >= 2
    )  # a patient came back for the next recall in the same year
    assert {a["status"] for a in appointments} <= {"attended", "no_show", "scheduled", "cancelled"}


def test_a_scenario_without_a_known_caller_id_connects_less(baseline: Scenario) -> None:
    known = simulate_practice(small(baseline)).tables["attempts"]
    unknown = simulate_practice(small(baseline, telephony__caller_id="unknown")).tables["attempts"]

    def rate(t) -> float:  # type: ignore[no-untyped-def]
        rows = [a for a in t.to_pylist() if a["channel"] == "voice"]
        return sum(a["answered_by"] == "patient" for a in rows) / len(rows)

    assert rate(unknown) < rate(known)


def test_overrides_reject_a_key_that_does_not_exist(baseline: Scenario) -> None:
    with pytest.raises(KeyError):
        apply_overrides(baseline, {"telephony.lynes": 3})


@pytest.mark.parametrize("lines", [1, 2])
def test_no_more_calls_are_on_the_phone_at_once_than_the_practice_has_lines(
    baseline: Scenario, lines: int
) -> None:
    # a burst of calls in two hours: lines are busy, calls queue for the next free one
    scenario = small(
        baseline, population__patients=1200, days=30, strategy__dial_time="burst",
        telephony__lines=lines,
    )  # fmt: skip
    attempts = simulate_practice(scenario).tables["attempts"].to_pylist()
    calls = sorted(
        (a["t_utc"].timestamp(), a["t_utc"].timestamp() + a["duration_s"])
        for a in attempts
        if a["channel"] == "voice"
    )
    assert len(calls) > 100
    busy: list[float] = []  # end times of the calls on the phone
    most = 0
    for start, end in calls:
        busy = [e for e in busy if e > start] + [end]
        most = max(most, len(busy))
    assert most == lines  # every line was used, and never more
