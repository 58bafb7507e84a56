"""Synthetic practices and patients: fictional phones, real area codes, valid zones, determinism."""

from __future__ import annotations

import re
import zoneinfo

import numpy as np

from dentsim.domain import population
from dentsim.scenario import Scenario, apply_overrides
from tests.conftest import small

FICTIONAL = re.compile(r"^[2-9]\d\d-555-01\d\d$")


def test_every_phone_is_a_fictional_number_with_a_real_us_area_code(baseline: Scenario) -> None:
    practice, patients = population.generate(baseline)
    codes = population.area_codes()
    assert FICTIONAL.match(practice.phone)
    for phone, state in zip(patients.phone, patients.phone_state, strict=True):
        assert FICTIONAL.match(phone), phone
        assert codes[phone[:3]].state == state


def test_area_codes_are_of_the_address_state_except_the_deliberate_out_of_state_share(
    baseline: Scenario,
) -> None:
    _, patients = population.generate(baseline)
    share = baseline.population.share_out_of_state_area_code
    out_of_state = np.mean(patients.phone_state != patients.state)
    n = len(patients)
    assert abs(out_of_state - share) < 4 * np.sqrt(share * (1 - share) / n)
    _, none_moved = population.generate(
        apply_overrides(baseline, {"population.share_out_of_state_area_code": 0.0})
    )
    assert np.all(none_moved.phone_state == none_moved.state)


def test_candidate_zones_are_valid_iana_names_and_include_both_zones_of_split_area_codes(
    baseline: Scenario,
) -> None:
    valid = zoneinfo.available_timezones()
    mixed = apply_overrides(baseline, {"population.area_code_mix": {"850": 0.5, "208": 0.5}})
    for scenario in (baseline, mixed):
        _, patients = population.generate(scenario)
        for zones in patients.zones:
            assert zones and all(z in valid for z in zones)
    _, patients = population.generate(mixed)
    on_850 = [
        z for z, ph in zip(patients.zones, patients.phone, strict=True) if ph.startswith("850")
    ]
    assert on_850 and all({"America/Chicago", "America/New_York"} <= set(z) for z in on_850)


def test_households_share_a_guarantor_and_shared_home_phones(baseline: Scenario) -> None:
    _, p = population.generate(baseline)
    for household in np.unique(p.household_id)[:200]:
        members = p.household_id == household
        assert len(np.unique(p.guarantor_id[members])) == 1
        shared = members & p.phone_shared
        assert len(np.unique(p.phone[shared])) <= 1
        assert np.all(p.phone_type[shared] == "landline")
    assert p.phone_shared.any()


def test_recall_is_six_months_or_three_for_perio_and_due_dates_follow_the_last_visit(
    baseline: Scenario,
) -> None:
    _, p = population.generate(baseline)
    assert set(np.unique(p.recall_interval_months)) == {3, 6}
    assert np.all(p.recall_interval_months[p.perio] == 3)
    assert np.all(p.recall_due_day > p.last_hygiene_day)
    assert np.all(p.last_hygiene_day < 0)


def test_birth_dates_are_fixed_relative_to_the_scenario_start(baseline: Scenario) -> None:
    later = apply_overrides(baseline, {"start_date": "2030-01-07"})
    _, a = population.generate(baseline)
    _, b = population.generate(later)
    shift = np.datetime64("2030-01-07") - np.datetime64(baseline.start_date)
    assert np.array_equal(a.birth_date + shift, b.birth_date)
    assert np.all(a.birth_date < np.datetime64(baseline.start_date))


def test_same_seed_same_patients_other_seed_other_patients(baseline: Scenario) -> None:
    _, a = population.generate(baseline)
    _, b = population.generate(baseline)
    _, c = population.generate(apply_overrides(baseline, {"seed": baseline.seed + 1}))
    for column in ("first_name", "last_name", "phone", "birth_date", "recall_due_day"):
        assert np.array_equal(getattr(a, column), getattr(b, column))
    assert not np.array_equal(a.phone, c.phone)


def test_patient_count_and_unique_ids(baseline: Scenario) -> None:
    for n in (1, 7, 1800):
        _, p = population.generate(small(baseline, population__patients=n))
        assert len(p) == n and len(np.unique(p.patient_id)) == n
