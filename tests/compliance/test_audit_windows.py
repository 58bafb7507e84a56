"""Calling windows, Sunday and holiday bans, judged in every candidate location's local time.

UTC instants are written out by hand with the local time they stand for, so these tests do not
trust the time-zone code they check.
"""

from __future__ import annotations

import pytest

from dentsim.compliance.rules import load_rules

from .runlog import attempt, broken, local, patient, sms, utc

NY, CHI, PHX, HNL = "America/New_York", "America/Chicago", "America/Phoenix", "Pacific/Honolulu"


def test_a_call_at_2130_patient_local_breaks_the_federal_window(audit):
    report = audit([patient()], [attempt(local("2026-03-10 21:30", NY))])
    assert broken(report) == {"federal_calling_window"}
    (example,) = report.result("federal_calling_window").examples
    assert example.local_time == "2026-03-10 21:30 EDT (America/New_York)"
    assert "outside 08:00-21:00" in example.why


def test_a_call_at_2030_patient_local_is_fine_in_ohio(audit):
    assert broken(audit([patient()], [attempt(local("2026-03-10 20:30", NY))])) == set()


def test_the_window_starts_at_0800_inclusive_and_ends_at_2100_exclusive(audit):
    report = audit(
        [patient(1), patient(2), patient(3)],
        [
            attempt(local("2026-03-10 08:00", NY), 1),
            attempt(local("2026-03-10 20:59:59", NY), 2),
            attempt(local("2026-03-10 21:00", NY), 3),
        ],
    )
    assert report.result("federal_calling_window").violations == 1
    assert report.result("federal_calling_window").examples[0].patient_id == 3


def test_texts_obey_the_federal_window_too(audit):
    report = audit([patient()], [sms(local("2026-03-10 07:45", NY))])
    assert broken(report) == {"federal_calling_window"}


def test_a_call_at_2030_in_florida_breaks_the_state_window(audit):
    fl = patient(state="FL", phone_state="FL")
    report = audit([fl], [attempt(local("2026-03-10 20:30", NY))])
    assert broken(report) == {"state_calling_window"}
    assert "FL's window 08:00-20:00" in report.result("state_calling_window").examples[0].why


def test_a_call_at_1930_in_florida_is_fine(audit):
    fl = patient(state="FL", phone_state="FL")
    assert broken(audit([fl], [attempt(local("2026-03-10 19:30", NY))])) == set()


def test_an_area_code_state_applies_even_when_the_address_is_elsewhere(audit):
    # lives in Ohio, kept a Florida mobile number
    moved = patient(state="OH", phone_state="FL")
    report = audit([moved], [attempt(local("2026-03-10 20:30", NY))])
    assert broken(report) == {"state_calling_window"}
    assert "area code FL" in report.result("state_calling_window").examples[0].why


def test_a_rules_file_can_apply_states_by_address_only(audit, tmp_path):
    path = tmp_path / "rules.yaml"
    path.write_text("state_calling_window:\n  applies_by: [address_state]\n")
    moved = patient(state="OH", phone_state="FL")
    report = audit([moved], [attempt(local("2026-03-10 20:30", NY))], rules=load_rules(path))
    assert broken(report) == set()


@pytest.mark.parametrize(
    ("when_local", "allowed"),
    [
        ("2026-03-08 11:30", False),  # Sunday before noon
        ("2026-03-08 12:30", True),  # Sunday after noon
        ("2026-03-09 08:30", False),  # Monday before 09:00
        ("2026-03-09 09:30", True),
        ("2026-03-14 20:30", True),  # Saturday evening, TX allows until 21:00
    ],
)
def test_texas_allows_09_to_21_and_noon_to_21_on_sundays(audit, when_local, allowed):
    tx = patient(state="TX", phone="512-555-0142", phone_state="TX", tz_address=CHI, tz_phone=CHI)
    report = audit([tx], [attempt(local(when_local, CHI))])
    assert broken(report) == (set() if allowed else {"state_calling_window"})


def test_a_sunday_call_in_louisiana_breaks_the_sunday_ban(audit):
    la = patient(state="LA", phone="504-555-0142", phone_state="LA", tz_address=CHI, tz_phone=CHI)
    report = audit([la], [attempt(local("2026-03-08 10:00", CHI))])  # a Sunday
    assert broken(report) == {"state_sunday_holiday_ban"}
    assert "2026-03-08 is a Sunday" in report.result("state_sunday_holiday_ban").examples[0].why


def test_a_saturday_call_in_louisiana_is_fine(audit):
    la = patient(state="LA", phone="504-555-0142", phone_state="LA", tz_address=CHI, tz_phone=CHI)
    assert broken(audit([la], [attempt(local("2026-03-07 10:00", CHI))])) == set()


def test_the_observed_independence_day_is_a_holiday_in_louisiana_and_alabama(audit):
    # 2026-07-04 is a Saturday: the federal holiday is observed on Friday 3 July
    la = patient(
        1, state="LA", phone="504-555-0142", phone_state="LA", tz_address=CHI, tz_phone=CHI
    )
    al = patient(
        2, state="AL", phone="205-555-0142", phone_state="AL", tz_address=CHI, tz_phone=CHI
    )
    report = audit(
        [la, al],
        [attempt(local("2026-07-03 10:00", CHI), 1), attempt(local("2026-07-03 11:00", CHI), 2)],
    )
    assert report.result("state_sunday_holiday_ban").violations == 2


def test_the_day_before_a_holiday_is_fine_in_louisiana(audit):
    la = patient(state="LA", phone="504-555-0142", phone_state="LA", tz_address=CHI, tz_phone=CHI)
    assert broken(audit([la], [attempt(local("2026-07-02 10:00", CHI))])) == set()


def test_mississippi_bans_sundays_but_not_holidays(audit):
    ms = patient(
        1, state="MS", phone="601-555-0142", phone_state="MS", tz_address=CHI, tz_phone=CHI
    )
    sunday = audit([ms], [attempt(local("2026-03-08 10:00", CHI), 1)])
    holiday = audit([ms], [attempt(local("2026-07-03 10:00", CHI), 1)])
    assert broken(sunday) == {"state_sunday_holiday_ban"}
    assert broken(holiday) == set()


def test_a_louisiana_area_code_brings_the_sunday_ban_to_a_texan(audit):
    tx_with_la_phone = patient(
        state="TX", phone="504-555-0142", phone_state="LA", tz_address=CHI, tz_phone=CHI
    )
    report = audit([tx_with_la_phone], [attempt(local("2026-03-08 14:00", CHI))])
    assert broken(report) == {"state_sunday_holiday_ban"}


def test_the_sunday_is_the_local_date_not_the_utc_date(audit):
    # Saturday 2026-03-07 19:30 CST is already Sunday 01:30 UTC
    la = patient(state="LA", phone="504-555-0142", phone_state="LA", tz_address=CHI, tz_phone=CHI)
    assert broken(audit([la], [attempt(utc("2026-03-08T01:30Z"))])) == set()


# --- daylight saving time: 2026-03-08 and 2026-11-01, 2027-03-14 and 2027-11-07 (02:00 local)
@pytest.mark.parametrize(
    ("zone", "instant", "local_text", "allowed"),
    [
        # 08:30 local on the change days is fine everywhere
        (NY, "2026-03-08T12:30Z", "2026-03-08 08:30 EDT", True),
        (CHI, "2026-03-08T13:30Z", "2026-03-08 08:30 CDT", True),
        (PHX, "2026-03-08T15:30Z", "2026-03-08 08:30 MST", True),
        (HNL, "2026-03-08T18:30Z", "2026-03-08 08:30 HST", True),
        (NY, "2026-11-01T13:30Z", "2026-11-01 08:30 EST", True),
        (CHI, "2026-11-01T14:30Z", "2026-11-01 08:30 CST", True),
        (PHX, "2026-11-01T15:30Z", "2026-11-01 08:30 MST", True),
        (HNL, "2026-11-01T18:30Z", "2026-11-01 08:30 HST", True),
        # the same UTC instant an hour off the other side of a change is 07:30: too early
        (NY, "2026-03-07T12:30Z", "2026-03-07 07:30 EST", False),
        (NY, "2026-11-01T12:30Z", "2026-11-01 07:30 EST", False),
        (CHI, "2026-11-01T13:30Z", "2026-11-01 07:30 CST", False),
        (NY, "2027-03-14T12:30Z", "2027-03-14 08:30 EDT", True),
        (NY, "2027-03-13T12:30Z", "2027-03-13 07:30 EST", False),
        (NY, "2027-11-06T12:30Z", "2027-11-06 08:30 EDT", True),
        (NY, "2027-11-07T12:30Z", "2027-11-07 07:30 EST", False),
        # Arizona keeps no DST: 14:30Z is 07:30 in winter and in summer alike
        (PHX, "2026-01-15T14:30Z", "2026-01-15 07:30 MST", False),
        (PHX, "2026-07-15T14:30Z", "2026-07-15 07:30 MST", False),
        (PHX, "2026-07-15T15:30Z", "2026-07-15 08:30 MST", True),
        # Hawaii keeps no DST either
        (HNL, "2026-07-15T17:59Z", "2026-07-15 07:59 HST", False),
        (HNL, "2026-07-15T18:00Z", "2026-07-15 08:00 HST", True),
        (HNL, "2026-01-15T06:30Z", "2026-01-14 20:30 HST", True),
        (HNL, "2026-01-15T07:30Z", "2026-01-14 21:30 HST", False),
    ],
)
def test_local_time_is_right_across_dst_changes_arizona_and_hawaii(
    audit, zone, instant, local_text, allowed
):
    area = {NY: "212", CHI: "612", PHX: "602", HNL: "808"}[zone]  # no state window
    p = patient(
        state="OH", phone_state="OH", phone=f"{area}-555-0142", tz_address=zone, tz_phone=zone
    )
    report = audit([p], [attempt(utc(instant))])
    assert broken(report) == (set() if allowed else {"federal_calling_window"})
    if not allowed:
        assert report.result("federal_calling_window").examples[0].local_time.startswith(local_text)


# --- area codes that span two zones: fine in the address zone, not in the area code's other one
@pytest.mark.parametrize(
    ("area_code", "state", "address_zone", "zones", "bad_instant", "good_instant"),
    [
        # 208 Idaho, Mountain and Pacific: 14:30Z in June is 08:30 MDT but 07:30 PDT
        (
            "208",
            "ID",
            "America/Boise",
            "America/Boise|America/Los_Angeles",
            "2026-06-10T14:30Z",
            "2026-06-10T15:30Z",
        ),
        # 270 Kentucky, Central and Eastern: 01:30Z is 20:30 CDT but 21:30 EDT
        ("270", "KY", CHI, f"{CHI}|{NY}", "2026-06-10T01:30Z", "2026-06-10T00:30Z"),
        # 541 Oregon, Pacific and Mountain (Ontario): 03:30Z is 20:30 PDT but 21:30 MDT
        (
            "541",
            "OR",
            "America/Los_Angeles",
            "America/Los_Angeles|America/Boise",
            "2026-06-10T03:30Z",
            "2026-06-10T02:30Z",
        ),
        # 907 Alaska, Anchorage and Adak (and Honolulu, as the area-code table has it):
        # 17:30Z is 09:30 AKDT and 08:30 HDT but 07:30 HST
        (
            "907",
            "AK",
            "America/Anchorage",
            "America/Adak|America/Anchorage|Pacific/Honolulu",
            "2026-06-10T17:30Z",
            "2026-06-10T18:30Z",
        ),
        # 928 Arizona, Navajo Nation (DST) and Phoenix (none): 14:30Z in June is 08:30 MDT
        # but 07:30 MST
        (
            "928",
            "AZ",
            "America/Denver",
            "America/Phoenix|America/Denver",
            "2026-06-10T14:30Z",
            "2026-06-10T15:30Z",
        ),
    ],
)
def test_a_two_zone_area_code_needs_the_window_in_both_zones(
    audit, area_code, state, address_zone, zones, bad_instant, good_instant
):
    p = patient(
        state=state,
        phone_state=state,
        phone=f"{area_code}-555-0142",
        tz_address=address_zone,
        tz_phone=zones,
    )
    report = audit([p], [attempt(utc(bad_instant))])
    assert broken(report) == {"federal_calling_window"}
    assert "area code" in report.result("federal_calling_window").examples[0].why
    assert broken(audit([p], [attempt(utc(good_instant))])) == set()


def test_the_florida_panhandle_area_code_applies_florida_hours_in_both_zones(audit):
    # 850: Pensacola (Central) and Tallahassee (Eastern); 00:30Z is 19:30 CDT and 20:30 EDT
    p = patient(
        state="FL", phone_state="FL", phone="850-555-0142", tz_address=CHI, tz_phone=f"{CHI}|{NY}"
    )
    report = audit([p], [attempt(utc("2026-06-10T00:30Z"))])
    assert broken(report) == {"state_calling_window"}
    assert "area code FL, America/New_York" in report.result("state_calling_window").examples[0].why
    assert broken(audit([p], [attempt(utc("2026-06-09T23:30Z"))])) == set()


def test_an_address_zone_that_differs_from_the_area_code_zone_counts_too(audit):
    # moved to Honolulu with a New York number: 13:00Z is 09:00 EDT but 03:00 HST
    p = patient(state="HI", phone_state="NY", phone="212-555-0142", tz_address=HNL, tz_phone=NY)
    report = audit([p], [attempt(utc("2026-06-10T13:00Z"))])
    assert broken(report) == {"federal_calling_window"}
    assert "address HI, Pacific/Honolulu" in report.result("federal_calling_window").examples[0].why
