"""Properties: a log generated to obey every rule passes; one violating change is reported by its rule."""

from __future__ import annotations

import tempfile
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dentsim.compliance.audit import audit_run

from .runlog import VOICEMAIL, attempt, broken, optout, patient, sms, voicemail, write_run

NY, CHI = "America/New_York", "America/Chicago"
# (address state, tz_address, area code, area code's zones)
PLACES = [
    ("OH", NY, "614", NY),
    ("FL", NY, "305", NY),
    ("FL", CHI, "850", f"{CHI}|{NY}"),
    ("TX", CHI, "512", CHI),
    ("LA", CHI, "504", CHI),
    ("WA", "America/Los_Angeles", "206", "America/Los_Angeles"),
    ("AZ", "America/Phoenix", "602", "America/Phoenix"),
    ("ID", "America/Boise", "208", "America/Boise|America/Los_Angeles"),
    ("MD", NY, "410", NY),
    ("CT", NY, "203", NY),
]
# Weekdays of March and April 2026 (no federal holiday; the March DST change inside).
WEEKDAYS = [
    date(2026, 3, 2) + timedelta(days=i)
    for i in range(60)
    if (date(2026, 3, 2) + timedelta(days=i)).weekday() < 5
]
PURPOSES = ["recall", "confirmation", "post_op"]


def safe_instant(day: date, minute: int) -> datetime:
    # 19:00-20:59 UTC is afternoon in every zone above: inside every state's window
    return datetime(day.year, day.month, day.day, 19, tzinfo=UTC) + timedelta(minutes=minute)


@st.composite
def compliant_logs(draw):
    """Patients in several states and zones, each contacted at most once per 3 weekdays."""
    n = draw(st.integers(1, 5))
    patients, attempts, optouts = [], [], []
    postures = {
        p: draw(st.sampled_from(["healthcare_consent", "healthcare_exempt"])) for p in PURPOSES
    }
    for pid in range(1, n + 1):
        state, tz, area, zones = draw(st.sampled_from(PLACES))
        no_voicemail = draw(st.booleans())
        patients.append(
            patient(
                pid,
                state=state,
                phone_state=state,
                tz_address=tz,
                tz_phone=zones,
                phone=f"{area}-555-{100 + pid:04d}",
                no_voicemail=no_voicemail,
                consent_written=draw(st.booleans()),
            )
        )
        day = draw(st.integers(0, 10))
        last = None
        for _ in range(draw(st.integers(0, 4))):
            if day >= len(WEEKDAYS):
                break
            t = safe_instant(WEEKDAYS[day], draw(st.integers(0, 119)))
            purpose = draw(st.sampled_from(PURPOSES))
            kind = draw(st.sampled_from(["call", "voicemail", "sms"]))
            if kind == "voicemail" and not no_voicemail:
                attempts.append(voicemail(t, pid, purposes=purpose))
            elif kind == "sms":
                attempts.append(sms(t, pid, purposes=purpose))
            else:
                attempts.append(
                    attempt(t, pid, purposes=purpose, duration_s=draw(st.integers(5, 60)))
                )
            last = t
            day += draw(st.integers(3, 8))
        if last is not None and draw(st.booleans()):
            optouts.append(optout(last + timedelta(hours=1), pid))
    attempts.sort(key=lambda a: a["t_utc"])
    campaigns = {p: {"legal_posture": postures[p]} for p in PURPOSES}
    return patients, attempts, optouts, campaigns


def audit_log(patients, attempts, optouts, campaigns):
    with tempfile.TemporaryDirectory() as tmp:
        return audit_run(
            write_run(Path(tmp) / "run", patients, attempts, optouts, campaigns=campaigns)
        )


SETTINGS = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(compliant_logs())
def test_a_log_generated_to_obey_the_rules_has_no_violation(log):
    report = audit_log(*log)
    assert broken(report) == set(), [e for r in report.results for e in r.examples]


FAR_DAY = datetime(2026, 5, 12, tzinfo=UTC)  # a Tuesday after every generated contact


def late_call(patients, attempts, optouts, p):
    return patients, attempts + [attempt(FAR_DAY + timedelta(hours=5), p)], optouts


def do_not_call(patients, attempts, optouts, p):
    return [{**x, "do_not_call": x["patient_id"] == p} for x in patients], attempts, optouts


def contact_after_opt_out(patients, attempts, optouts, p):
    last = max(a["t_utc"] for a in attempts if a["patient_id"] == p)
    kept = [o for o in optouts if o["patient_id"] != p]
    return patients, attempts, kept + [optout(last - timedelta(seconds=1), p, scope="all")]


def voicemail_with_a_procedure(patients, attempts, optouts, p):
    vm = voicemail(
        FAR_DAY + timedelta(hours=19, minutes=30),
        p,
        message=VOICEMAIL.replace("your next visit", "your root canal"),
    )
    return [{**x, "no_voicemail": False} for x in patients], attempts + [vm], []


def second_contact_that_day(patients, attempts, optouts, p):
    first = next(a for a in attempts if a["patient_id"] == p)
    return patients, attempts + [attempt(first["t_utc"] + timedelta(minutes=30), p)], optouts


def marketing_without_written_consent(patients, attempts, optouts, p):
    patients = [{**x, "consent_written": False} for x in patients]
    return (
        patients,
        attempts + [attempt(FAR_DAY + timedelta(hours=19), p, purposes="marketing")],
        [],
    )


def redial_after_wrong_number(patients, attempts, optouts, p):
    wrong = attempt(FAR_DAY + timedelta(hours=19), p, result="wrong_number", answered_by="stranger")
    again = attempt(FAR_DAY + timedelta(days=7, hours=19), p)
    return patients, attempts + [wrong, again], []


MUTATIONS = {
    "federal_calling_window": late_call,
    "internal_dnc": do_not_call,
    "opt_out": contact_after_opt_out,
    "hipaa_minimum_necessary": voicemail_with_a_procedure,
    "healthcare_daily_cap": second_contact_that_day,
    "consent_required": marketing_without_written_consent,
    "wrong_number": redial_after_wrong_number,
}


@SETTINGS
@given(compliant_logs().filter(lambda log: log[1]), st.sampled_from(sorted(MUTATIONS)))
def test_one_violating_change_is_reported_by_its_rule(log, rule_id):
    patients, attempts, optouts, campaigns = log
    p = attempts[0]["patient_id"]
    changed = MUTATIONS[rule_id](patients, attempts, optouts, p)
    report = audit_log(*changed, campaigns)
    assert rule_id in broken(report)
