"""Frequency caps: 1 a local day and 3 in 7 local days per number (healthcare), 3 per 24 h (states)."""

from __future__ import annotations

from datetime import timedelta

from dentsim.compliance.rules import load_rules

from .runlog import attempt, broken, local, optout, patient, sms, voicemail

NY = "America/New_York"
SHARED = "614-555-0150"


def household():
    """Two patients of one household on one shared home phone."""
    return [
        patient(1, household_id=1, phone=SHARED, phone_type="landline", phone_shared=True),
        patient(2, household_id=1, phone=SHARED, phone_type="landline", phone_shared=True),
    ]


def test_two_contacts_on_one_household_phone_on_one_day_break_the_daily_cap(audit):
    report = audit(
        household(),
        [attempt(local("2026-03-10 10:00", NY), 1), attempt(local("2026-03-10 15:00", NY), 2)],
    )
    assert broken(report) == {"healthcare_daily_cap"}
    cap = report.result("healthcare_daily_cap")
    assert cap.violations == 1
    assert cap.examples[0].patient_id == 2
    assert "contact no. 2" in cap.examples[0].why


def test_one_contact_a_day_on_a_household_phone_is_fine(audit):
    report = audit(
        household(),
        [attempt(local("2026-03-10 10:00", NY), 1), attempt(local("2026-03-11 10:00", NY), 2)],
    )
    assert broken(report) == set()


def test_one_combined_household_contact_counts_once(audit):
    report = audit(
        household(),
        [attempt(local("2026-03-10 10:00", NY), 1, covered_patient_ids="2")],
    )
    assert broken(report) == set()


def test_voice_and_text_count_together(audit):
    report = audit(
        [patient()],
        [voicemail(local("2026-03-10 10:00", NY)), sms(local("2026-03-10 10:05", NY))],
    )
    assert broken(report) == {"healthcare_daily_cap"}


def test_the_day_is_the_local_calendar_day(audit):
    # 20:00 and 09:00 the next morning: two local dates, 13 hours apart
    evening_then_morning = [
        attempt(local("2026-03-10 20:00", NY)),
        attempt(local("2026-03-11 09:00", NY)),
    ]
    assert broken(audit([patient()], evening_then_morning)) == set()


def test_a_rolling_24h_day_is_a_parameter(audit, tmp_path):
    path = tmp_path / "rules.yaml"
    path.write_text("healthcare_daily_cap:\n  day: rolling_24h\n")
    evening_then_morning = [
        attempt(local("2026-03-10 20:00", NY)),
        attempt(local("2026-03-11 09:00", NY)),
    ]
    report = audit([patient()], evening_then_morning, rules=load_rules(path))
    assert broken(report) == {"healthcare_daily_cap"}


def test_four_contacts_in_seven_local_days_break_the_weekly_cap(audit):
    days = ["2026-03-09", "2026-03-11", "2026-03-13", "2026-03-15"]  # Mon .. Sun: 7 dates
    report = audit([patient()], [attempt(local(f"{d} 10:00", NY)) for d in days])
    assert broken(report) == {"healthcare_weekly_cap"}
    weekly = report.result("healthcare_weekly_cap")
    assert weekly.violations == 1
    assert "local dates 2026-03-09 to 2026-03-15" in weekly.examples[0].why


def test_four_contacts_over_eight_local_days_are_fine(audit):
    days = ["2026-03-09", "2026-03-11", "2026-03-13", "2026-03-16"]
    assert broken(audit([patient()], [attempt(local(f"{d} 10:00", NY)) for d in days])) == set()


def test_the_weekly_cap_is_per_number_across_a_household(audit):
    days = ["2026-03-09", "2026-03-10", "2026-03-11", "2026-03-12"]
    report = audit(
        household(), [attempt(local(f"{d} 10:00", NY), 1 + i % 2) for i, d in enumerate(days)]
    )
    assert broken(report) == {"healthcare_weekly_cap"}


def test_the_opt_out_confirmation_text_is_not_counted(audit):
    report = audit(
        [patient()],
        [
            sms(local("2026-03-10 10:00", NY)),
            sms(
                local("2026-03-10 10:02", NY),
                purposes="optout_confirmation",
                message="Bright Smile Dental: you will get no more messages from us.",
            ),
        ],
        [optout(local("2026-03-10 10:01", NY))],
    )
    assert broken(report) == set()


def florida(**overrides):
    return patient(state="FL", phone_state="FL", **overrides)


def within_a_day(start, count, step_h, purposes=None):
    return [
        attempt(
            start + timedelta(hours=step_h * i), purposes=(purposes[i] if purposes else "recall")
        )
        for i in range(count)
    ]


def test_a_fourth_same_subject_contact_in_24h_breaks_the_florida_cap(audit):
    start = local("2026-03-10 08:30", NY)
    report = audit([florida()], within_a_day(start, 4, 3))  # 08:30, 11:30, 14:30, 17:30
    assert "state_daily_cap" in broken(report)
    assert report.result("state_daily_cap").violations == 1
    assert "FL allows 3" in report.result("state_daily_cap").examples[0].why


def test_three_contacts_in_24h_keep_the_florida_cap(audit):
    report = audit([florida()], within_a_day(local("2026-03-10 08:30", NY), 3, 3))
    assert "state_daily_cap" not in broken(report)


def test_the_24h_window_is_rolling(audit):
    start = local("2026-03-10 12:00", NY)
    at = [start, start + timedelta(hours=8), start + timedelta(hours=22)]
    exactly_24h_later = audit([florida()], [attempt(t) for t in at + [start + timedelta(hours=24)]])
    a_minute_short = audit(
        [florida()], [attempt(t) for t in at + [start + timedelta(hours=23, minutes=59)]]
    )
    assert "state_daily_cap" not in broken(exactly_24h_later)
    assert "state_daily_cap" in broken(a_minute_short)


def test_florida_counts_per_subject_maryland_counts_every_contact(audit):
    subjects = ["recall", "recall", "recall", "treatment_plan"]
    start = local("2026-03-10 08:30", NY)
    fl = audit(
        [florida()],
        within_a_day(start, 4, 3, subjects),
        campaigns={"recall": {}, "treatment_plan": {}},
    )
    md = audit(
        [patient(state="MD", phone_state="MD")],
        within_a_day(start, 4, 3, subjects),
        campaigns={"recall": {}, "treatment_plan": {}},
    )
    assert "state_daily_cap" not in broken(fl)
    assert "state_daily_cap" in broken(md)


def test_a_combined_contact_counts_for_each_of_its_subjects(audit):
    subjects = ["recall", "recall|treatment_plan", "recall", "treatment_plan|recall"]
    start = local("2026-03-10 08:30", NY)
    report = audit(
        [florida()],
        within_a_day(start, 4, 3, subjects),
        campaigns={"recall": {}, "treatment_plan": {}},
    )
    assert "state_daily_cap" in broken(report)  # the fourth recall
