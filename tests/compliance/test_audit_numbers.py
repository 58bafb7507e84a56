"""Numbers and places: the audit reads the number dialled itself, and refuses state codes it cannot use.

A number is compared by its digits, so a formatted number of a patient's own is the same number.
Where a contact may ring is taken from the dialled number's area code (sim/data/area_codes.csv)
as well as from the patient's columns: when they disagree, every candidate counts.
"""

from __future__ import annotations

from typing import get_args

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from dentsim.compliance.audit import STATES, area_codes, audit_run
from dentsim.domain import population
from dentsim.errors import InputError
from dentsim.scenario import USState

from .runlog import attempt, broken, local, patient, practice, sms

NY, CHI, LA = "America/New_York", "America/Chicago", "America/Los_Angeles"
CALIFORNIAN = {
    "phone": "213-555-0114",
    "state": "CA",
    "phone_state": "CA",
    "tz_address": LA,
    "tz_phone": LA,
}


def problems_of(run_dir) -> list[str]:
    with pytest.raises(InputError) as e:
        audit_run(run_dir)
    return e.value.problems


# --- a number is its digits


@pytest.mark.parametrize("dialled", ["(213) 555-0114", "213.555.0114", "+1 213 555 0114"])
def test_a_formatted_number_of_the_patients_own_is_the_number_on_file(audit, dialled):
    report = audit(
        [patient(**CALIFORNIAN)], [attempt(local("2026-03-10 10:00", LA), phone=dialled)]
    )
    assert broken(report) == set()


def test_another_number_is_still_not_the_number_on_file(audit):
    report = audit(
        [patient(**CALIFORNIAN)], [attempt(local("2026-03-10 10:00", LA), phone="(213) 555-0115")]
    )
    assert broken(report) == {"consent_required"}


def test_two_spellings_of_one_number_share_its_daily_cap(audit):
    report = audit(
        [patient(**CALIFORNIAN)],
        [
            attempt(local("2026-03-10 10:00", LA), phone="213-555-0114"),
            sms(local("2026-03-10 15:00", LA), phone="(213) 555-0114"),
        ],
    )
    assert broken(report) == {"healthcare_daily_cap"}


# --- the dialled number's area code places the contact


def test_a_florida_number_brings_florida_hours_whatever_the_columns_say(audit):
    # the columns say Ohio; the number dialled (and on file) is a Miami number: 20:30 Eastern
    miami = patient(phone="305-555-0101", state="OH", phone_state="OH", tz_phone=NY)
    report = audit([miami], [attempt(local("2026-03-10 20:30", NY))])
    assert broken(report) == {"state_calling_window"}
    why = report.result("state_calling_window").examples[0].why
    assert "area code 305 FL, America/New_York" in why
    assert "FL's window 08:00-20:00" in why


def test_a_split_area_code_dialled_brings_both_its_zones(audit):
    # 270 (Kentucky) rings in Central and Eastern time; the columns claim Eastern only:
    # 12:30Z in June is 08:30 EDT but 07:30 CDT
    kentucky = patient(phone="270-555-0101", state="KY", phone_state="KY", tz_phone=NY)
    report = audit([kentucky], [attempt(local("2026-06-10 07:30", CHI))])
    assert broken(report) == {"federal_calling_window"}
    assert "America/Chicago" in report.result("federal_calling_window").examples[0].why


def test_columns_that_name_another_state_than_the_area_code_add_that_state(audit):
    # an Ohio number whose phone_state column says Florida: both are candidates
    report = audit(
        [patient(state="OH", phone_state="FL")], [attempt(local("2026-03-10 20:30", NY))]
    )
    assert broken(report) == {"state_calling_window"}


def test_a_number_that_matches_its_columns_is_judged_as_before(audit):
    report = audit([patient()], [attempt(local("2026-03-10 20:30", NY))])
    assert broken(report) == set()


@pytest.mark.parametrize(
    ("dialled", "problem"),
    [
        ("299-555-0101", "area code 299 is not a US geographic area code"),
        ("555-0101", "not a 10-digit US number"),
    ],
)
def test_a_dialled_number_the_audit_cannot_place_is_bad_input(make_run, dialled, problem):
    run_dir = make_run([patient()], [attempt(local("2026-03-10 10:00", NY), phone=dialled)])
    (found,) = problems_of(run_dir)
    assert found.startswith(f"{run_dir / 'attempts.parquet'}: column 'phone': row 0 (attempt 1)")
    assert problem in found


# --- state codes


@pytest.mark.parametrize("code", ["fl", "ZZ", "", "Florida"])
@pytest.mark.parametrize("column", ["state", "phone_state"])
def test_a_patient_state_that_is_not_a_state_code_is_bad_input(make_run, column, code):
    patients = [patient(1), patient(2, **{column: code})]
    run_dir = make_run(patients, [attempt(local("2026-03-10 10:00", NY), 2)])
    (found,) = problems_of(run_dir)
    assert found.startswith(
        f"{run_dir / 'patients.parquet'}: column '{column}': row 1 (patient 2): {code!r}"
    )
    assert "not a US state code" in found


def test_a_practice_state_that_is_not_a_state_code_is_bad_input(make_run):
    run_dir = make_run(
        [patient()], [attempt(local("2026-03-10 10:00", NY))], practices=[practice(state="zz")]
    )
    (found,) = problems_of(run_dir)
    assert found.startswith(
        f"{run_dir / 'practices.parquet'}: column 'state': row 0 (practice 1): 'zz'"
    )


def test_every_bad_state_code_is_counted_and_the_first_named(make_run):
    patients = [patient(1, state="fl"), patient(2), patient(3, state="tx")]
    (found,) = problems_of(make_run(patients, []))
    assert "row 0 (patient 1): 'fl'" in found
    assert "2 values" in found


def test_washington_dc_is_a_state_code(audit):
    dc = patient(phone="202-555-0101", state="DC", phone_state="DC")
    assert broken(audit([dc], [attempt(local("2026-03-10 10:00", NY))])) == set()


def test_a_practices_table_without_a_state_is_named(make_run):
    run_dir = make_run([patient()], [])
    path = run_dir / "practices.parquet"
    pq.write_table(pq.read_table(path).drop_columns(["state"]), path)
    assert problems_of(run_dir) == [f"{path}: column 'state': missing (expected string)"]


def test_a_state_column_of_dictionary_strings_is_read(make_run):
    run_dir = make_run([patient(state="FL", phone_state="FL")], [])
    path = run_dir / "patients.parquet"
    table = pq.read_table(path)
    i = table.schema.get_field_index("state")
    pq.write_table(table.set_column(i, "state", pa.array(["FL"]).dictionary_encode()), path)
    assert audit_run(run_dir).ok


# --- the audit's own copies of shared facts, pinned to the originals


def test_the_audits_state_codes_are_the_scenarios() -> None:
    assert set(STATES) == set(get_args(USState))


def test_the_audit_reads_the_area_code_table_as_the_population_does() -> None:
    assert area_codes() == {c: (a.state, a.zones) for c, a in population.area_codes().items()}
    assert {state for state, _ in area_codes().values()} <= set(STATES)
