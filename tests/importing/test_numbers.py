"""Phones: distinct real numbers stay distinct, shared ones stay shared, beyond the 100 fiction
lines of an area code too, and the audit reads every one as the number and place it is."""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from dentsim.compliance.audit.places import area_codes as audit_codes
from dentsim.compliance.audit.places import national_number
from dentsim.data import area_codes, codes_by_state
from dentsim.importing.deidentify import fictional_numbers


def _check(numbers: list[str], avoid: set[str]) -> dict[str, str]:
    out, _ = fictional_numbers(numbers, avoid, np.random.default_rng(0))
    assert set(out) == set(numbers)
    assert len(set(out.values())) == len(out)  # distinct stays distinct
    digits = national_number(pa.array(list(out.values()))).to_pylist()
    assert len(set(digits)) == len(out) and not set(digits) & avoid  # by digits, as the audit
    table = area_codes()
    for real, fake in out.items():
        code = fake[:3]
        assert code in audit_codes() and fake[4:7] == "555" and len(digits[0]) == 10
        # the place every rule reads is the real number's: state and time zones
        assert table[code].state == table[real[:3]].state
        assert table[code].zones == table[real[:3]].zones
    return out


def test_up_to_100_numbers_keep_their_area_code_in_the_fiction_range() -> None:
    numbers = [f"213{7000000 + i}" for i in range(100)]
    out = _check(numbers, set(numbers))
    assert all(v.startswith("213-555-01") for v in out.values())


def test_more_than_100_go_to_a_same_place_area_code_then_beyond_the_fiction_range() -> None:
    state = "WY"  # one area code: no other code to turn to
    [code] = codes_by_state()[state]
    numbers = [f"{code}{2000000 + i}" for i in range(250)]
    out, beyond = fictional_numbers(numbers, set(), np.random.default_rng(0))
    assert beyond == 150 and len(set(out.values())) == 250
    assert sum(v[8:10] == "01" for v in out.values()) == 100
    assert "555-1212" not in {v[4:] for v in out.values()}
    ca = [f"213{3000000 + i}" for i in range(300)]  # CA: other Pacific-time codes take the rest
    out = _check(ca, set())
    assert all(v[4:10] == "555-01" for v in out.values())
    assert len({v[:3] for v in out.values()}) >= 3


def test_an_output_number_is_never_one_of_the_exports() -> None:
    real = [f"213555{100 + i:04d}" for i in range(60)]  # an export already holding fiction numbers
    out = _check(real, set(real))
    assert not {v.replace("-", "") for v in out.values()} & set(real)
