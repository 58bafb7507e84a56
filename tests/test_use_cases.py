"""The five use cases: eligibility and timing, combining, caps, pauses, and every strategy knob."""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dentsim.domain import campaigns
from dentsim.domain.pms import PracticeState
from dentsim.domain.population import generate
from dentsim.results import metrics
from dentsim.scenario import Scenario, apply_overrides
from dentsim.simulation.engine import simulate_practice
from tests.conftest import small

DAY = timedelta(days=1)
ALL_DAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]


def attempts_of(scenario: Scenario) -> list[dict[str, Any]]:
    return simulate_practice(scenario).tables["attempts"].to_pylist()


def state_for(scenario: Scenario) -> PracticeState:
    _, patients = generate(scenario)
    return PracticeState.from_patients(patients, np.zeros(len(patients), dtype=bool))


def local_day(t: datetime, zone: str) -> int:
    return t.replace(tzinfo=UTC).astimezone(ZoneInfo(zone)).toordinal()


# --- eligibility and timing, as pure functions ---------------------------------------------


def test_recall_cadence_starts_lead_days_before_the_due_date(baseline: Scenario) -> None:
    state = state_for(baseline)
    state.recall_due_day[:] = 10_000
    state.recall_due_day[0] = 30
    lead = baseline.campaigns.recall.lead_days
    assert 0 not in campaigns.due(state, baseline.campaigns, "recall", 30 - lead - 1).patients
    assert 0 in campaigns.due(state, baseline.campaigns, "recall", 30 - lead).patients


def test_reactivation_wants_patients_last_seen_14_to_24_months_ago(baseline: Scenario) -> None:
    state = state_for(baseline)
    day = 800
    months = np.array([13, 14.5, 20, 23.9, 25])
    state.last_visit_day[: len(months)] = (day - months * 30.4375).astype(np.int32)
    state.hygiene_appt[:] = -1
    wanted = campaigns.wanted(state, baseline.campaigns, "reactivation", day)[: len(months)]
    assert wanted.tolist() == [False, True, True, True, False]


def test_treatment_plan_touches_fall_on_days_7_14_and_30_after_acceptance(
    baseline: Scenario,
) -> None:
    state = state_for(baseline)
    state.plan_value[:] = 0.0
    state.plan_value[3] = 900.0
    state.plan_day[3] = 10
    touched = []
    for day in range(0, 80):
        due = campaigns.due(state, baseline.campaigns, "treatment_plan", day)
        if 3 in due.patients:
            touched.append(day)
            campaigns.touch_placed(state, baseline.campaigns, "treatment_plan", 3, day)
    assert touched == [17, 24, 40]


def test_post_op_check_ins_fall_one_and_two_days_after_the_procedure(baseline: Scenario) -> None:
    state = state_for(baseline)
    state.procedure_day[5] = 50
    touched = []
    for day in range(45, 60):
        if 5 in campaigns.due(state, baseline.campaigns, "post_op", day).patients:
            touched.append(day)
            campaigns.touch_placed(state, baseline.campaigns, "post_op", 5, day)
    assert touched == [51, 52]
    assert state.procedure_day[5] == -1  # the check-in window closed


# --- timing in the engine ---------------------------------------------------------------------


def test_treatment_plan_touches_are_7_and_16_days_apart_in_a_run(baseline: Scenario) -> None:
    s = small(
        baseline,
        days=200,
        population__patients=600,
        strategy__call_days=ALL_DAYS,
        strategy__combine=False,
        practice__closed_on_federal_holidays=False,
        campaigns__recall__enabled=False,
        campaigns__reactivation__enabled=False,
        campaigns__confirmation__enabled=False,
        campaigns__post_op__enabled=False,
    )
    run = simulate_practice(s)
    zone = run.practice.tz
    days: dict[int, list[int]] = defaultdict(list)
    for a in run.tables["attempts"].to_pylist():
        if a["purposes"] == "treatment_plan":
            days[a["patient_id"]].append(local_day(a["t_utc"], zone))
    gaps = [tuple(np.diff(d[:3])) for d in days.values() if len(d) >= 3]
    assert len(gaps) >= 10
    assert sum(g == (7, 16) for g in gaps) / len(gaps) > 0.9  # the rest: deferred by the rules


def test_confirmations_go_out_24_to_48_hours_before_the_visit(baseline: Scenario) -> None:
    run = simulate_practice(small(baseline, days=150))
    visits: dict[int, list[datetime]] = defaultdict(list)
    for v in run.tables["appointments"].to_pylist():
        visits[v["patient_id"]].append(v["t_utc"])
    confirmations = [
        a for a in run.tables["attempts"].to_pylist() if a["purposes"] == "confirmation"
    ]
    assert len(confirmations) > 50
    for a in confirmations:
        ahead = [v - a["t_utc"] for v in visits[a["patient_id"]]]
        assert any(timedelta(hours=24) <= d <= timedelta(hours=48) for d in ahead), a


def test_confirmed_visits_are_missed_less_than_unconfirmed_ones(baseline: Scenario) -> None:
    run = simulate_practice(small(baseline, days=250, population__patients=800))
    done = [
        v for v in run.tables["appointments"].to_pylist() if v["status"] in ("attended", "no_show")
    ]
    confirmed = [v["status"] == "no_show" for v in done if v["confirmed_via"]]
    unconfirmed = [v["status"] == "no_show" for v in done if not v["confirmed_via"]]
    assert np.mean(confirmed) < np.mean(unconfirmed)


def test_a_cancelled_visit_reopens_its_slot(baseline: Scenario) -> None:
    s = small(baseline, behaviour__confirmation_reply_mix={"cancel": 1.0}, days=90)
    run = simulate_practice(s)
    cancelled = [v for v in run.tables["appointments"].to_pylist() if v["status"] == "cancelled"]
    assert cancelled
    taken = {
        v["t_utc"] for v in run.tables["appointments"].to_pylist() if v["status"] != "cancelled"
    }
    chairs = baseline.practice.hygiene_chairs
    rebooked = [v for v in cancelled if v["t_utc"] in taken]
    assert chairs >= 1 and (rebooked or len(cancelled) < 5)  # the freed slot can be booked again


# --- combining ------------------------------------------------------------------------------


def test_use_cases_due_the_same_week_and_shared_phones_are_combined_into_one_contact(
    baseline: Scenario,
) -> None:
    s = small(baseline, days=200, population__patients=800)
    combined = attempts_of(s)
    assert any("|" in a["purposes"] for a in combined)
    assert any(a["covered_patient_ids"] for a in combined)
    separate = attempts_of(apply_overrides(s, {"strategy.combine": False}))
    assert not any("|" in a["purposes"] or a["covered_patient_ids"] for a in separate)


# --- caps, as properties over random strategies ------------------------------------------------


cadences = st.lists(st.integers(1, 20), min_size=0, max_size=4, unique=True).map(
    lambda days: (
        [{"day": 0, "channel": "voice"}] + [{"day": d, "channel": "voice"} for d in sorted(days)]
    )
)


@settings(
    max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    recall=cadences,
    reactivation=cadences,
    cap=st.integers(1, 3),
    combine=st.booleans(),
    dial_time=st.sampled_from(["spread", "best_hour", "burst"]),
    weekly_cap=st.integers(1, 6),
)
def test_no_use_case_exceeds_its_weekly_cap_whatever_the_strategy(
    baseline: Scenario,
    recall: list,
    reactivation: list,
    cap: int,
    combine: bool,
    dial_time: str,
    weekly_cap: int,
) -> None:
    s = small(
        baseline,
        population__patients=150,
        days=70,
        campaigns__recall__cadence=recall,
        campaigns__recall__cap_per_week=cap,
        campaigns__reactivation__cadence=reactivation,
        campaigns__reactivation__cap_per_week=cap,
        strategy__combine=combine,
        strategy__dial_time=dial_time,
        strategy__weekly_cap_per_patient=weekly_cap,
    )
    run = simulate_practice(s)
    zone = run.practice.tz
    per: dict[tuple[int, str], list[int]] = defaultdict(list)
    outreach: dict[int, list[int]] = defaultdict(list)
    for a in run.tables["attempts"].to_pylist():
        day = local_day(a["t_utc"], zone)
        patients = [a["patient_id"]] + [int(x) for x in a["covered_patient_ids"].split("|") if x]
        for p in patients:
            for use_case in a["purposes"].split("|"):
                per[(p, use_case)].append(day)
            if set(a["purposes"].split("|")) & {"recall", "reactivation", "treatment_plan"}:
                outreach[p].append(day)
    for (_, use_case), days in per.items():
        if use_case in ("recall", "reactivation"):
            for d in days:
                assert sum(d - 6 <= x <= d for x in days) <= cap, (use_case, days)
    for days in outreach.values():
        for d in days:
            assert sum(d - 6 <= x <= d for x in days) <= weekly_cap + 2  # + confirmations/post-op


# --- soft opt-outs --------------------------------------------------------------------------------


def test_a_soft_opt_out_pauses_outreach_until_its_end(baseline: Scenario) -> None:
    s = small(baseline, days=200, population__patients=600, behaviour__p_soft_opt_out_base=0.1)
    run = simulate_practice(s)
    pauses = [o for o in run.tables["optouts"].to_pylist() if o["kind"] == "soft"]
    assert len(pauses) > 10
    pause_days = baseline.strategy.soft_opt_out_pause_days
    attempts = run.tables["attempts"].to_pylist()
    for o in pauses:
        length = o["pause_until_utc"] - o["t_utc"]
        assert timedelta(days=pause_days.min) <= length <= timedelta(days=pause_days.max)
        later = [
            a for a in attempts
            if a["patient_id"] == o["patient_id"] and o["t_utc"] < a["t_utc"] < o["pause_until_utc"] - DAY
            and set(a["purposes"].split("|")) <= {"recall", "reactivation", "treatment_plan"}
        ]  # fmt: skip
        assert not later, (o, later)


# --- every knob moves the model -----------------------------------------------------------------


def kpi(scenario: Scenario, use_case: str | None, key: str) -> float:
    k = metrics.kpis(simulate_practice(scenario).tables)
    row = k["overall"] if use_case is None else k["by_use_case"][use_case]
    return float(row[key])


def test_channel_sequence_decides_the_channel_of_each_step(baseline: Scenario) -> None:
    s = small(
        baseline,
        campaigns__recall__cadence=[{"day": 0, "channel": "sms"}, {"day": 5, "channel": "sms"}],
    )
    texts = [a["channel"] == "sms" for a in attempts_of(s) if a["purposes"] == "recall"]
    default = [
        a["channel"] == "sms" for a in attempts_of(small(baseline)) if a["purposes"] == "recall"
    ]
    assert np.mean(texts) > np.mean(default) + 0.2  # patients who cannot take texts get calls


def test_more_attempts_per_cadence_means_more_recall_attempts(baseline: Scenario) -> None:
    one = small(baseline, campaigns__recall__cadence=[{"day": 0, "channel": "voice"}])
    assert kpi(one, "recall", "attempts") < kpi(small(baseline), "recall", "attempts")


def test_voicemail_policy_never_leaves_no_voicemail(baseline: Scenario) -> None:
    s = small(baseline, campaigns__recall__voicemail="never")
    assert not [
        a for a in attempts_of(s) if a["purposes"] == "recall" and a["result"] == "voicemail"
    ]
    always = small(baseline, campaigns__recall__voicemail="always")
    assert kpi(always, "recall", "voicemail_rate") > kpi(
        small(baseline), "recall", "voicemail_rate"
    )


def test_global_weekly_cap_of_one_allows_one_outreach_contact_a_week(baseline: Scenario) -> None:
    run = simulate_practice(small(baseline, strategy__weekly_cap_per_patient=1, days=150))
    zone = run.practice.tz
    outreach: dict[int, list[int]] = defaultdict(list)
    for a in run.tables["attempts"].to_pylist():
        if set(a["purposes"].split("|")) <= {"recall", "reactivation", "treatment_plan"}:
            for p in [a["patient_id"]] + [int(x) for x in a["covered_patient_ids"].split("|") if x]:
                outreach[p].append(local_day(a["t_utc"], zone))
    assert sum(len(d) > 1 for d in outreach.values()) > 10  # patients are contacted repeatedly ...
    for days in outreach.values():
        assert all(b - a >= 7 for a, b in zip(sorted(days), sorted(days)[1:], strict=False)), (
            days
        )  # ... a week apart


def test_burst_dialling_concentrates_calls_in_the_burst_hours(baseline: Scenario) -> None:
    run = simulate_practice(small(baseline, strategy__dial_time="burst", telephony__lines=20))
    zones = {
        int(i): z for i, z in zip(run.patients.patient_id, run.patients.tz_address, strict=True)
    }
    hours = [
        a["t_utc"].replace(tzinfo=UTC).astimezone(ZoneInfo(zones[a["patient_id"]])).hour
        for a in run.tables["attempts"].to_pylist()
        if a["purposes"] == "recall"
    ]
    assert np.mean([16 <= h < 18 for h in hours]) > 0.9


def test_best_hour_dialling_connects_more_than_spreading(baseline: Scenario) -> None:
    spread = kpi(small(baseline, population__patients=600), None, "connect_rate")
    best = kpi(
        small(baseline, population__patients=600, strategy__dial_time="best_hour"),
        None,
        "connect_rate",
    )
    assert best > spread


def test_fewer_lines_push_a_burst_past_its_hours(baseline: Scenario) -> None:
    def late_share(lines: int) -> float:
        run = simulate_practice(
            small(
                baseline,
                population__patients=1800,
                days=60,
                strategy__dial_time="burst",
                telephony__lines=lines,
            )
        )
        zones = {
            int(i): z for i, z in zip(run.patients.patient_id, run.patients.tz_address, strict=True)
        }
        hours = [
            a["t_utc"].replace(tzinfo=UTC).astimezone(ZoneInfo(zones[a["patient_id"]])).hour
            for a in run.tables["attempts"].to_pylist() if a["channel"] == "voice"
        ]  # fmt: skip
        return float(np.mean([h >= 18 for h in hours]))

    assert late_share(1) > late_share(20)
