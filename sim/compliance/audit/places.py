"""Numbers and places: each dialled number's national digits and area code, the state codes checked,
and every place (zone and state) a contact may ring."""

from __future__ import annotations

import csv
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from dentsim.compliance.audit.arrays import encode
from dentsim.compliance.audit.vocabulary import STATES

AREA_CODES_FILE = "sim/data/area_codes.csv"


@cache
def area_codes() -> dict[str, tuple[str, tuple[str, ...]]]:
    """Area code -> (state, IANA zones), from sim/data/area_codes.csv.

    The file is data the population generator reads too; this reader is the audit's own.
    """
    text = resources.files("dentsim.data").joinpath("area_codes.csv").read_text(encoding="utf-8")
    rows = csv.DictReader(line for line in text.splitlines() if line and not line.startswith("#"))
    return {
        r["area_code"]: (r["state"], tuple(z for z in r["zones"].split("|") if z)) for r in rows
    }


def national_number(numbers: pa.Array) -> pa.Array:
    """Each phone number as its digits, without a leading country code 1 on eleven digits.

    '(213) 555-0114', '213.555.0114' and '+1 213 555 0114' are all '2135550114'.
    """
    distinct = pc.dictionary_encode(numbers)  # many contacts, few numbers
    digits = pc.replace_substring_regex(distinct.dictionary, r"[^0-9]", "")
    with_country = pc.and_(pc.equal(pc.utf8_length(digits), 11), pc.starts_with(digits, "1"))
    return pc.if_else(with_country, pc.utf8_slice_codeunits(digits, 1), digits).take(
        distinct.indices
    )


def _first_bad(
    path: Path, column: str, bad: np.ndarray, ids: np.ndarray, who: str, values: pa.Array
) -> tuple[int, str]:
    """Row, and 'FILE: column 'C': row R (WHO ID): VALUE' of the first bad value."""
    row = int(np.flatnonzero(bad)[0])
    value = values[row].as_py()
    return row, f"{path}: column '{column}': row {row} ({who} {int(ids[row])}): {value!r}"


def _in_all(bad: np.ndarray) -> str:
    n = int(bad.sum())
    return f"; {n} values in all" if n > 1 else ""


def check_state_codes(
    path: Path, table: dict[str, Any], columns: Sequence[str], id_col: str, who: str,
    problems: list[str],
) -> None:  # fmt: skip
    """Refuse a state column value that is not a state code: no state rule could apply to it."""
    for column in columns:
        values = table[column]
        bad = ~pc.is_in(values, pa.array(STATES)).to_numpy(zero_copy_only=False).astype(bool)
        if bad.any():
            _, where = _first_bad(path, column, bad, table[id_col], who, values)
            problems.append(
                f"{where} is not a US state code (expected the two capital letters of a state "
                f"or DC, such as 'FL'){_in_all(bad)}"
            )


def dialled_area_codes(
    path: Path, at: dict[str, Any], number: pa.Array, problems: list[str]
) -> tuple[np.ndarray, list[str]]:
    """Per contact, the index of its dialled number's area code in the returned list."""
    table = area_codes()
    ten = pc.equal(pc.utf8_length(number), 10).to_numpy(zero_copy_only=False).astype(bool)
    code, codes = encode(pc.utf8_slice_codeunits(number, 0, 3))
    known = np.array([c in table for c in codes] + [False], bool)[code]
    short, unknown = ~ten, ten & ~known
    if short.any():
        _, where = _first_bad(path, "phone", short, at["attempt_id"], "attempt", at["phone"])
        problems.append(f"{where} is not a 10-digit US number{_in_all(short)}")
    if unknown.any():
        row, where = _first_bad(path, "phone", unknown, at["attempt_id"], "attempt", at["phone"])
        problems.append(
            f"{where}: area code {codes[code[row]]} is not a US geographic area code "
            f"(the audit knows those of {AREA_CODES_FILE}){_in_all(unknown)}"
        )
    return code, codes


@dataclass(frozen=True, slots=True)
class Places:
    """Candidate locations: one row per distinct (patient's columns, dialled area code)."""

    state_names: list[str]
    zone_names: list[str]
    p_zone: np.ndarray  # [P] the address zone of each patient
    c_key: np.ndarray  # [N] each contact's row below
    zone: np.ndarray  # [K, L] zone index; column 0 is the address
    state: np.ndarray  # [K, L] state index
    is_phone: np.ndarray  # [K, L] an area-code location (column 0 never is)
    label: list[list[str]]  # [K][L] "address OH", "area code FL", "area code 305 FL"


def find_places(pt: dict[str, Any], pidx: np.ndarray, code: np.ndarray, codes: list[str]) -> Places:
    """Every place a contact may ring, deduplicated: the patient's address; the area code's
    zones as the patient's columns say (`tz_phone`, each in `phone_state`); and the zones and
    state of the dialled number's own area code. Where the columns and the number disagree,
    both count: a contact must be permitted at every one of them."""
    table = area_codes()
    columns = ("state", "phone_state", "tz_address", "tz_phone")
    encoded = [encode(pt[c]) for c in columns]
    # one integer per distinct (state, phone_state, tz_address, tz_phone), then per contact
    sizes = [len(values) + 1 for _, values in encoded]
    signature = np.zeros(pt["_rows"], np.int64)
    for (idx, _), size in zip(encoded, sizes, strict=True):
        signature = signature * size + idx
    sigs, p_sig = np.unique(signature, return_inverse=True)
    n_codes = len(codes) + 1
    keys, c_key = np.unique(p_sig.reshape(-1)[pidx] * n_codes + code, return_inverse=True)
    (_, states), (_, phone_states), (_, addr_zones), (_, phone_zones) = encoded
    state_names: list[str] = []
    zone_names: list[str] = list(addr_zones)  # first: every address zone, in code order

    def index(names: list[str], name: str) -> int:
        if name not in names:
            names.append(name)
        return names.index(name)

    rows: list[list[tuple[int, int, bool, str]]] = []
    for key in keys.tolist():
        sig, c = int(sigs[key // n_codes]), key % n_codes
        a_state, ph_state, a_zone, ph_zones = _digits_of(sig, sizes)
        places = [(addr_zones[a_zone], states[a_state], False, "address " + states[a_state])]
        on_file = phone_states[ph_state]
        for zone in (z.strip() for z in phone_zones[ph_zones].split("|")):
            if zone:
                places.append((zone, on_file, True, f"area code {on_file}"))
        dialled_state, dialled_zones = table[codes[c]]
        for zone in dialled_zones:
            places.append((zone, dialled_state, True, f"area code {codes[c]} {dialled_state}"))
        seen: dict[tuple[str, str, bool], tuple[int, int, bool, str]] = {}
        for zone, state, phone, label in places:
            seen.setdefault(
                (zone, state, phone),
                (index(zone_names, zone), index(state_names, state), phone, label),
            )
        rows.append(list(seen.values()))
    width = max((len(r) for r in rows), default=1)
    for r in rows:  # short rows repeat their last place
        r.extend([r[-1]] * (width - len(r)))

    def column(i: int, dtype: type) -> np.ndarray:
        return np.array([[p[i] for p in r] for r in rows], dtype).reshape(len(rows), width)

    return Places(
        state_names=state_names,
        zone_names=zone_names,
        p_zone=np.asarray(encoded[2][0], np.int64),
        c_key=c_key.reshape(-1).astype(np.int64),
        zone=column(0, np.int64),
        state=column(1, np.int64),
        is_phone=column(2, bool),
        label=[[p[3] for p in r] for r in rows],
    )


def _digits_of(value: int, sizes: Sequence[int]) -> list[int]:
    """The digits of `value` in the mixed radix `sizes` (most significant first)."""
    out = []
    for size in reversed(sizes):
        value, digit = divmod(value, size)
        out.append(digit)
    return out[::-1]
