"""The independent compliance audit: judge every contact of an event log against the rules data.

Every rule is re-derived from the rules data and the run's tables with numpy and pyarrow (no
per-contact Python loop). Nothing of the gate or of dentsim.domain.calendar is imported, so one bug cannot
sit in both; the time-zone arithmetic here is its own (zoneinfo + tzdata).
"""

from __future__ import annotations

import csv
import json
import re
import unicodedata
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import holidays
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.json as pj
import pyarrow.parquet as pq

from dentsim.compliance.rules import WEEKDAYS, RuleSet, load_rules
from dentsim.errors import InputError
from dentsim.files import write_bytes, xml_document

FORMAT_VERSION = 1
DAY_S = 86_400
CHANNELS = ("voice", "sms")
RESULTS = (
    "answered",
    "voicemail",
    "no_answer",
    "busy",
    "wrong_number",
    "failed",
    "delivered",
    "undelivered",
)
ANSWERED_BY = ("", "patient", "household", "stranger", "machine")
SCOPES = ("voice", "sms", "all")
KINDS = ("hard", "soft")
USE_CASES = ("recall", "reactivation", "confirmation", "post_op", "treatment_plan")
POSTURES = ("healthcare_consent", "healthcare_exempt", "written_consent")

# ----------------------------------------------------------------------------- records


@dataclass(frozen=True, slots=True)
class Example:
    """One violating contact, as a person reads it."""

    rule_id: str
    attempt_id: int
    practice_id: int
    patient_id: int
    t_utc: str  # ISO 8601, "Z"
    local_time: str  # "2026-03-08 07:30 CDT (America/Chicago)"
    why: str


@dataclass(frozen=True, slots=True)
class RuleResult:
    """The verdict on one rule: contacts judged, contacts that broke it, the first examples."""

    rule_id: str
    statement: str
    source: str
    enabled: bool
    checked: int
    violations: int
    examples: tuple[Example, ...]


@dataclass(frozen=True, slots=True)
class AuditReport:
    """The audit of one run directory."""

    run_dir: str
    contacts_checked: int
    patients: int
    opt_outs: int
    transcripts_checked: int | None  # None: no transcripts.jsonl in the run
    results: tuple[RuleResult, ...]
    notes: tuple[str, ...] = ()

    @property
    def violations(self) -> int:
        """Violating contacts summed over rules (a contact breaking two rules counts twice)."""
        return sum(r.violations for r in self.results)

    @property
    def ok(self) -> bool:
        return self.violations == 0

    def result(self, rule_id: str) -> RuleResult:
        for r in self.results:
            if r.rule_id == rule_id:
                return r
        raise KeyError(rule_id)

    def violations_by_rule(self) -> dict[str, int]:
        return {r.rule_id: r.violations for r in self.results}


# ----------------------------------------------------------------------------- reading

_INT, _STR, _BOOL, _TS = "integer", "string", "boolean", "timestamp (UTC)"
_COLUMNS: dict[str, dict[str, str]] = {
    "practices.parquet": {
        "practice_id": _INT,
        "name": _STR,
        "phone": _STR,
        "state": _STR,
        "street": _STR,
        "city": _STR,
    },
    "patients.parquet": {
        "patient_id": _INT,
        "practice_id": _INT,
        "first_name": _STR,
        "last_name": _STR,
        "household_id": _INT,
        "phone": _STR,
        "state": _STR,
        "phone_state": _STR,
        "tz_address": _STR,
        "tz_phone": _STR,
        "consent_healthcare": _BOOL,
        "consent_written": _BOOL,
        "text_allowed": _BOOL,
        "no_voicemail": _BOOL,
        "do_not_call": _BOOL,
    },
    "attempts.parquet": {
        "attempt_id": _INT,
        "practice_id": _INT,
        "patient_id": _INT,
        "t_utc": _TS,
        "channel": _STR,
        "phone": _STR,
        "purposes": _STR,
        "result": _STR,
        "answered_by": _STR,
        "duration_s": _INT,
        "message": _STR,
        "outcome": _STR,
        "covered_patient_ids": _STR,
    },
    "optouts.parquet": {
        "patient_id": _INT,
        "t_utc": _TS,
        "channel": _STR,
        "scope": _STR,
        "kind": _STR,
        "pause_until_utc": _TS,
    },
}
# Columns where a null means "empty" (strings) or "none" (pause of a hard opt-out).
_NULLABLE = {
    ("attempts.parquet", "message"),
    ("attempts.parquet", "outcome"),
    ("attempts.parquet", "answered_by"),
    ("attempts.parquet", "covered_patient_ids"),
    ("optouts.parquet", "pause_until_utc"),
}
_ENUMS: dict[tuple[str, str], tuple[str, ...]] = {
    ("attempts.parquet", "channel"): CHANNELS,
    ("attempts.parquet", "result"): RESULTS,
    ("attempts.parquet", "answered_by"): ANSWERED_BY,
    ("optouts.parquet", "channel"): CHANNELS,
    ("optouts.parquet", "scope"): SCOPES,
    ("optouts.parquet", "kind"): KINDS,
}
_UNIT_PER_S = {"s": 1, "ms": 1_000, "us": 1_000_000, "ns": 1_000_000_000}


def _kind_ok(t: pa.DataType, kind: str) -> tuple[bool, str]:
    if pa.types.is_dictionary(t):
        t = t.value_type
    if kind == _INT:
        return pa.types.is_integer(t), str(t)
    if kind == _STR:
        return pa.types.is_string(t) or pa.types.is_large_string(t), str(t)
    if kind == _BOOL:
        return pa.types.is_boolean(t), str(t)
    if pa.types.is_timestamp(t):
        if t.tz is None:
            return False, f"{t} without a time zone"
        return True, str(t)
    return False, str(t)


def _read_table(run_dir: Path, name: str, problems: list[str]) -> dict[str, Any] | None:
    """The columns of `name` the audit reads, normalised; None (and problems) when unreadable."""
    path = run_dir / name
    spec = _COLUMNS[name]
    if not path.is_file():
        problems.append(f"{path}: file not found")
        return None
    try:
        schema = pq.read_schema(path)
    except (pa.ArrowException, OSError) as e:
        problems.append(f"{path}: not a readable Parquet file ({e})")
        return None
    bad = False
    for col, kind in spec.items():
        i = schema.get_field_index(col)
        if i < 0:
            problems.append(f"{path}: column '{col}': missing (expected {kind})")
            bad = True
            continue
        ok, found = _kind_ok(schema.field(i).type, kind)
        if not ok:
            expected = "timestamp" if kind == _TS else kind
            problems.append(f"{path}: column '{col}': expected {expected}, found {found}")
            bad = True
    if bad:
        return None
    table = pq.read_table(path, columns=list(spec))
    out: dict[str, Any] = {"_rows": table.num_rows}
    for col, kind in spec.items():
        arr = table.column(col).combine_chunks()
        if pa.types.is_dictionary(arr.type):
            arr = arr.dictionary_decode()
        if arr.null_count and (name, col) not in _NULLABLE:
            first = int(np.flatnonzero(arr.is_null().to_numpy(zero_copy_only=False))[0])
            problems.append(
                f"{path}: column '{col}': {arr.null_count} empty (null) values, first at row {first}"
            )
            bad = True
            continue
        if kind == _STR:
            arr = pc.fill_null(arr, "") if arr.null_count else arr
            allowed = _ENUMS.get((name, col))
            if allowed is not None:
                found_values = set(pc.unique(arr).to_pylist()) - set(allowed)
                if found_values:
                    shown = ", ".join(repr(v) for v in sorted(found_values)[:3])
                    problems.append(
                        f"{path}: column '{col}': unexpected value {shown}; expected one of "
                        + ", ".join(repr(v) for v in allowed)
                    )
                    bad = True
            out[col] = arr
        elif kind == _TS:
            per_s = _UNIT_PER_S[arr.type.unit]
            ticks = pc.fill_null(arr.cast(pa.int64()), 0).to_numpy()
            out[col] = np.floor_divide(ticks, per_s).astype(np.int64)
            out[col + ":null"] = arr.is_null().to_numpy(zero_copy_only=False)
        elif kind == _INT:
            out[col] = arr.to_numpy().astype(np.int64)
        else:
            out[col] = arr.to_numpy(zero_copy_only=False).astype(bool)
    return None if bad else out


def _read_run_json(run_dir: Path, problems: list[str]) -> dict[str, Any] | None:
    path = run_dir / "run.json"
    if not path.is_file():
        problems.append(f"{path}: file not found")
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as e:
        problems.append(f"{path}: not valid JSON ({e})")
        return None
    if not isinstance(data, dict):
        problems.append(f"{path}: expected a JSON object at the top level")
        return None
    version = data.get("format_version")
    if version != FORMAT_VERSION:
        problems.append(
            f"{path}: format_version: this audit reads format {FORMAT_VERSION}, found {version!r}"
        )
        return None
    return data


def _postures(run: dict[str, Any], path: Path, default: str, problems: list[str]) -> dict[str, str]:
    """Use case -> legal posture, from run.json scenario.campaigns."""
    scenario = run.get("scenario") or {}
    campaigns = scenario.get("campaigns") if isinstance(scenario, dict) else None
    out = dict.fromkeys(USE_CASES, default)
    if campaigns is None:
        return out
    if not isinstance(campaigns, dict):
        problems.append(f"{path}: scenario.campaigns: expected a mapping of use cases")
        return out
    for name, settings in campaigns.items():
        posture = settings.get("legal_posture", default) if isinstance(settings, dict) else default
        if posture not in POSTURES:
            problems.append(
                f"{path}: scenario.campaigns.{name}.legal_posture: expected one of "
                f"{', '.join(POSTURES)}, found {posture!r}"
            )
            continue
        out[str(name)] = posture
    return out


# ----------------------------------------------------------------------------- time zones


def _offset_steps(zone: ZoneInfo, lo_s: int, hi_s: int) -> tuple[list[int], list[int]]:
    """The UTC offsets of `zone` over [lo_s, hi_s]: step start times and offsets, in seconds.

    Samples each day and bisects every change to the second; exact for any zone that changes
    its offset at most once a day.
    """

    def offset(s: int) -> int:
        off = datetime.fromtimestamp(s, zone).utcoffset()
        return int(off.total_seconds()) if off is not None else 0

    t0 = lo_s - 2 * DAY_S
    samples = list(range(t0, hi_s + 2 * DAY_S, DAY_S))
    offsets = [offset(s) for s in samples]
    starts, values = [t0], [offsets[0]]
    for a, b, off_a, off_b in zip(samples, samples[1:], offsets, offsets[1:], strict=False):
        if off_a == off_b:
            continue
        while b - a > 1:  # first second at the new offset
            mid = (a + b) // 2
            if offset(mid) == off_a:
                a = mid
            else:
                b = mid
        starts.append(b)
        values.append(off_b)
    return starts, values


def local_seconds(
    t_utc_s: np.ndarray, zone_idx: np.ndarray, zone_names: Sequence[str]
) -> np.ndarray:
    """UTC seconds + the UTC offset of zone_names[zone_idx] at that instant, elementwise.

    Local wall-clock seconds since 1970-01-01 00:00 local: `// 86400` is the local date,
    `% 86400` the time of day.
    """
    t = np.asarray(t_utc_s, dtype=np.int64)
    z = np.asarray(zone_idx, dtype=np.int64)
    if t.size == 0:
        return t.copy()
    lo, hi = int(t.min()), int(t.max())
    base = lo - 3 * DAY_S
    span = hi - base + 3 * DAY_S
    keys: list[np.ndarray] = []
    offs: list[np.ndarray] = []
    for k, name in enumerate(zone_names):
        starts, values = _offset_steps(ZoneInfo(name), lo, hi)
        keys.append(k * span + (np.asarray(starts, np.int64) - base))
        offs.append(np.asarray(values, np.int64))
    step = np.searchsorted(np.concatenate(keys), z * span + (t - base), side="right") - 1
    return t + np.concatenate(offs)[step]


# ----------------------------------------------------------------------------- the log


@dataclass(slots=True)
class _Log:
    """The run's tables as aligned arrays: patients (P rows), contacts (N), and places (K rows
    of L candidate locations: one row per distinct patient columns and dialled area code)."""

    run_dir: Path
    postures: dict[str, str]
    practice_id: np.ndarray
    practice_name: list[str]
    practice_phone: list[str]
    practice_address: list[tuple[str, str]]  # street, city
    # patients
    patient_id: np.ndarray
    p_practice: np.ndarray
    p_household: np.ndarray
    p_phone: pa.Array
    p_number: pa.Array  # p_phone as its national digits
    p_names: tuple[pa.Array, pa.Array]  # first_name, last_name
    p_flags: dict[str, np.ndarray]
    state_names: list[str]
    zone_names: list[str]
    p_zone: np.ndarray  # [P] address zone index
    loc_zone: np.ndarray  # [K, L] zone index; column 0 is the address
    loc_state: np.ndarray  # [K, L] state index
    loc_is_phone: np.ndarray  # [K, L] bool: an area-code location (column 0 never is)
    loc_labels: list[list[str]]  # [K][L] "address OH", "area code FL", "area code 305 FL"
    # contacts
    n: int
    attempt_id: np.ndarray
    t: np.ndarray
    pidx: np.ndarray
    c_key: np.ndarray  # [N] the row of loc_* holding each contact's candidate locations
    practice: np.ndarray  # index into practice_*
    is_sms: np.ndarray
    phone: pa.Array
    number: pa.Array  # phone as its national digits
    phone_code: np.ndarray  # the number (its digits) as a code
    n_phones: int
    pcode: np.ndarray
    combos: list[tuple[str, ...]]
    result: np.ndarray  # index into RESULTS
    answered_by: np.ndarray  # index into ANSWERED_BY
    duration_s: np.ndarray
    message: pa.Array
    has_message: np.ndarray
    pair_row: np.ndarray  # served patients: every contact's patient, then its covered ones
    pair_p: np.ndarray
    pair_primary: np.ndarray
    # local time of every contact at every candidate location [N, L]
    local_tod: np.ndarray
    local_day: np.ndarray
    local_wd: np.ndarray  # 0 = Monday
    # opt-outs
    o_p: np.ndarray
    o_t: np.ndarray
    o_sms: np.ndarray
    o_scope: np.ndarray  # index into SCOPES
    o_hard: np.ndarray
    o_pause: np.ndarray
    o_attempt: np.ndarray  # the contact whose outcome alone records it; -1: a row of optouts
    notes: list[str] = field(default_factory=list)

    # -- per-contact views

    def channel_in(self, channels: Iterable[str]) -> np.ndarray:
        chosen = set(channels)
        if chosen >= {"voice", "sms"}:
            return np.ones(self.n, bool)
        if "sms" in chosen:
            return self.is_sms.copy()
        if "voice" in chosen:
            return ~self.is_sms
        return np.zeros(self.n, bool)

    def combo_flag(self, predicate: Callable[[tuple[str, ...]], bool]) -> np.ndarray:
        """Per contact: predicate(its purposes), computed once per distinct purposes value."""
        per_combo = np.array([bool(predicate(c)) for c in self.combos] + [False], bool)
        return per_combo[self.pcode]

    def only_purposes(self, purposes: Iterable[str]) -> np.ndarray:
        chosen = set(purposes)
        return self.combo_flag(lambda c: set(c) <= chosen)

    def applies(self, applies_by: Iterable[str]) -> np.ndarray:
        """[N, L]: which candidate locations of each contact a state rule looks at."""
        kinds = set(applies_by)
        phone_loc = self.loc_is_phone[self.c_key]
        out = np.zeros_like(phone_loc)
        if "address_state" in kinds:
            out[:, 0] = True
        if "phone_state" in kinds:
            out |= phone_loc
        return out

    def state_index(self, code: str) -> int:
        try:
            return self.state_names.index(code)
        except ValueError:
            return -1

    # -- words for examples

    def loc_label(self, row: int, col: int) -> str:
        k = self.c_key[row]
        return f"{self.loc_labels[k][col]}, {self.zone_names[self.loc_zone[k, col]]}"

    def loc_zone_name(self, row: int, col: int) -> str:
        return self.zone_names[self.loc_zone[self.c_key[row], col]]

    def loc_state_of(self, row: int, col: int) -> int:
        return int(self.loc_state[self.c_key[row], col])

    def home_zone(self, p: int) -> str:
        return self.zone_names[self.p_zone[p]]

    def hhmm(self, row: int, col: int) -> str:
        s = int(self.local_tod[row, col])
        return f"{s // 3600:02d}:{s % 3600 // 60:02d}"

    def purposes_text(self, row: int) -> str:
        return "|".join(self.combos[self.pcode[row]])


def _encode(arr: pa.Array) -> tuple[np.ndarray, list[str]]:
    """Dictionary codes of a string array, and the values they index."""
    enc = pc.dictionary_encode(arr)
    return enc.indices.to_numpy(zero_copy_only=False).astype(np.int64), enc.dictionary.to_pylist()


def _codes(arr: pa.Array, values: Sequence[str]) -> np.ndarray:
    idx, found = _encode(arr)
    lut = np.array([values.index(v) for v in found] + [0], np.int64)
    return lut[idx] if len(idx) else idx


def _lookup(
    sorted_keys: np.ndarray, order: np.ndarray, wanted: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Row of each wanted key in a table (via its sort), and whether it was found."""
    if len(sorted_keys) == 0:
        return np.zeros(len(wanted), np.int64), np.zeros(len(wanted), bool)
    pos = np.clip(np.searchsorted(sorted_keys, wanted), 0, len(sorted_keys) - 1)
    found = sorted_keys[pos] == wanted
    return order[pos], found


def _missing_ids(path: Path, col: str, ids: np.ndarray, found: np.ndarray, other: str) -> str:
    missing = np.unique(ids[~found])
    shown = ", ".join(str(int(i)) for i in missing[:3])
    return f"{path}: column '{col}': {len(missing)} ids not in {other} (e.g. {shown})"


def _load_log(run_dir: Path, rules: RuleSet) -> _Log:
    if not run_dir.exists():
        raise InputError(f"{run_dir}: no such run directory")
    if not run_dir.is_dir():
        raise InputError(f"{run_dir}: not a directory; expected a run directory")
    problems: list[str] = []
    run = _read_run_json(run_dir, problems)
    tables = {name: _read_table(run_dir, name, problems) for name in _COLUMNS}
    if problems:
        raise InputError(problems)
    assert run is not None
    pr, pt, at, oo = (tables[n] for n in _COLUMNS)
    assert pr is not None and pt is not None and at is not None and oo is not None
    postures = _postures(
        run, run_dir / "run.json", rules.consent_required.default_posture, problems
    )
    min_pause_s = _min_pause_s(run, run_dir / "run.json", problems)
    _check_state_codes(
        run_dir / "practices.parquet", pr, ("state",), "practice_id", "practice", problems
    )
    p_columns = ("state", "phone_state")
    _check_state_codes(
        run_dir / "patients.parquet", pt, p_columns, "patient_id", "patient", problems
    )

    # practices
    pr_order = np.argsort(pr["practice_id"], kind="stable")
    pr_sorted = pr["practice_id"][pr_order]

    # patients
    p_path = run_dir / "patients.parquet"
    p_order = np.argsort(pt["patient_id"], kind="stable")
    p_sorted = pt["patient_id"][p_order]
    dup = p_sorted[1:][p_sorted[1:] == p_sorted[:-1]]
    if len(dup):
        problems.append(f"{p_path}: column 'patient_id': duplicate id {int(dup[0])}")
    phone_zones = pc.utf8_trim_whitespace(pc.list_flatten(pc.split_pattern(pt["tz_phone"], "|")))
    for col, names in (("tz_address", pt["tz_address"]), ("tz_phone", phone_zones)):
        for name in pc.unique(names).to_pylist():
            if name == "" and col == "tz_phone":  # no area-code zone on file
                continue
            try:
                ZoneInfo(name)
            except (ZoneInfoNotFoundError, ValueError):
                problems.append(f"{p_path}: column '{col}': unknown time zone {name!r}")

    # contacts
    a_path = run_dir / "attempts.parquet"
    n = at["_rows"]
    number = national_number(at["phone"])
    area_code, area_code_names = _dialled_area_codes(a_path, at, number, problems)
    pidx, found = _lookup(p_sorted, p_order, at["patient_id"])
    if not found.all():
        problems.append(
            _missing_ids(a_path, "patient_id", at["patient_id"], found, "patients.parquet")
        )
    practice, found = _lookup(pr_sorted, pr_order, at["practice_id"])
    if not found.all():
        problems.append(
            _missing_ids(a_path, "practice_id", at["practice_id"], found, "practices.parquet")
        )
    pcode, combo_texts = _encode(at["purposes"])
    known = set(postures) | set(rules.consent_required.written_consent_purposes)
    known |= {"marketing", rules.optout_confirmation.purpose}
    combos: list[tuple[str, ...]] = []
    for text in combo_texts:
        parts = tuple(p.strip() for p in text.split("|"))
        unknown = [p for p in parts if p not in known]
        if unknown:
            problems.append(
                f"{a_path}: column 'purposes': unknown purpose {unknown[0]!r} in {text!r}; "
                f"expected use cases joined by '|' from: {', '.join(sorted(known))}"
            )
        combos.append(parts)

    # served patients: the contact's patient, then those covered by the same contact
    cov = at["covered_patient_ids"]
    has_cov = pc.not_equal(cov, "").to_numpy(zero_copy_only=False)
    cov_rows = np.zeros(0, np.int64)
    cov_p = np.zeros(0, np.int64)
    if has_cov.any():
        lists = pc.split_pattern(cov.filter(pa.array(has_cov)), "|")
        items = pc.utf8_trim_whitespace(pc.list_flatten(lists))
        cov_rows = np.flatnonzero(has_cov)[pc.list_parent_indices(lists).to_numpy()]
        try:
            cov_ids = items.cast(pa.int64()).to_numpy()
        except pa.ArrowInvalid:
            problems.append(
                f"{a_path}: column 'covered_patient_ids': expected patient ids joined by '|'"
            )
            cov_ids = np.zeros(len(cov_rows), np.int64)
        cov_p, found = _lookup(p_sorted, p_order, cov_ids)
        if not found.all():
            problems.append(
                _missing_ids(a_path, "covered_patient_ids", cov_ids, found, "patients.parquet")
            )

    # opt-outs
    o_path = run_dir / "optouts.parquet"
    o_p, found = _lookup(p_sorted, p_order, oo["patient_id"])
    if not found.all():
        problems.append(
            _missing_ids(o_path, "patient_id", oo["patient_id"], found, "patients.parquet")
        )
    o_hard = _codes(oo["kind"], KINDS) == 0
    soft_without_pause = ~o_hard & oo["pause_until_utc:null"]
    if soft_without_pause.any():
        first_row = int(np.flatnonzero(soft_without_pause)[0])
        problems.append(
            f"{o_path}: column 'pause_until_utc': a soft opt-out needs a pause end; "
            f"{int(soft_without_pause.sum())} are empty, first at row {first_row}"
        )
    if problems:
        raise InputError(problems)

    places = _places(pt, pidx, area_code, area_code_names)
    width = places.zone.shape[1]
    t = at["t_utc"]
    loc = places.zone[places.c_key] if n else np.zeros((0, width), np.int64)
    local = local_seconds(np.repeat(t[:, None], width, axis=1), loc, places.zone_names)
    local_day = np.floor_divide(local, DAY_S)
    message = at["message"]
    phone_code, phones = _encode(number)
    is_sms = _codes(at["channel"], CHANNELS) == 1
    table_optouts = _OptOuts(
        p=o_p,
        t=oo["t_utc"],
        sms=_codes(oo["channel"], CHANNELS) == 1,
        scope=_codes(oo["scope"], SCOPES),
        hard=o_hard,
        pause=np.where(oo["pause_until_utc:null"], -1, oo["pause_until_utc"]),
        attempt=np.full(len(o_p), -1, np.int64),
    )
    notes: list[str] = []
    opt = _opt_outs(table_optouts, at, pidx, is_sms, min_pause_s, notes)

    log = _Log(
        run_dir=run_dir,
        postures=postures,
        practice_id=pr["practice_id"],
        practice_name=pr["name"].to_pylist(),
        practice_phone=pr["phone"].to_pylist(),
        practice_address=list(zip(pr["street"].to_pylist(), pr["city"].to_pylist(), strict=True)),
        patient_id=pt["patient_id"],
        p_practice=pt["practice_id"],
        p_household=pt["household_id"],
        p_phone=pt["phone"],
        p_number=national_number(pt["phone"]),
        p_names=(pt["first_name"], pt["last_name"]),
        p_flags={
            k: pt[k]
            for k in (
                "consent_healthcare",
                "consent_written",
                "text_allowed",
                "no_voicemail",
                "do_not_call",
            )
        },
        state_names=places.state_names,
        zone_names=places.zone_names,
        p_zone=places.p_zone,
        loc_zone=places.zone,
        loc_state=places.state,
        loc_is_phone=places.is_phone,
        loc_labels=places.label,
        n=n,
        attempt_id=at["attempt_id"],
        t=t,
        pidx=pidx,
        c_key=places.c_key,
        practice=practice,
        is_sms=is_sms,
        phone=at["phone"],
        number=number,
        phone_code=phone_code,
        n_phones=max(len(phones), 1),
        pcode=pcode,
        combos=combos,
        result=_codes(at["result"], RESULTS),
        answered_by=_codes(at["answered_by"], ANSWERED_BY),
        duration_s=at["duration_s"],
        message=message,
        has_message=pc.greater(pc.utf8_length(message), 0).to_numpy(zero_copy_only=False),
        pair_row=np.concatenate([np.arange(n), cov_rows]).astype(np.int64),
        pair_p=np.concatenate([pidx, cov_p]).astype(np.int64),
        pair_primary=np.concatenate([np.ones(n, bool), np.zeros(len(cov_rows), bool)]),
        local_tod=local - local_day * DAY_S,
        local_day=local_day,
        local_wd=(local_day + 3) % 7,  # 1970-01-01 was a Thursday
        o_p=opt.p,
        o_t=opt.t,
        o_sms=opt.sms,
        o_scope=opt.scope,
        o_hard=opt.hard,
        o_pause=opt.pause,
        o_attempt=opt.attempt,
        notes=notes,
    )
    _note_shared_numbers(log)
    return log


def _note_shared_numbers(log: _Log) -> None:
    codes, _ = _encode(log.p_number)
    triples = np.unique(np.stack([log.p_practice, codes, log.p_household]), axis=1)
    pairs, counts = np.unique(triples[:2], axis=1, return_counts=True)
    shared = int((counts > 1).sum())
    if shared:
        log.notes.append(
            f"{shared} phone numbers are shared by patients of different households in one "
            "practice; the caps count contacts per number, so those households share a cap"
        )


# ----------------------------------------------------------------------------- numbers and places

# The audit's own list of state codes (the scenario schema has another; a test pins them equal).
STATES = (
    "AL", "AK", "AZ", "AR", "CA", "CO", "CT", "DE", "DC", "FL", "GA", "HI", "ID", "IL", "IN",
    "IA", "KS", "KY", "LA", "ME", "MD", "MA", "MI", "MN", "MS", "MO", "MT", "NE", "NV", "NH",
    "NJ", "NM", "NY", "NC", "ND", "OH", "OK", "OR", "PA", "RI", "SC", "SD", "TN", "TX", "UT",
    "VT", "VA", "WA", "WV", "WI", "WY",
)  # fmt: skip
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


def _check_state_codes(
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


def _dialled_area_codes(
    path: Path, at: dict[str, Any], number: pa.Array, problems: list[str]
) -> tuple[np.ndarray, list[str]]:
    """Per contact, the index of its dialled number's area code in the returned list."""
    table = area_codes()
    ten = pc.equal(pc.utf8_length(number), 10).to_numpy(zero_copy_only=False).astype(bool)
    code, codes = _encode(pc.utf8_slice_codeunits(number, 0, 3))
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
class _Places:
    """Candidate locations: one row per distinct (patient's columns, dialled area code)."""

    state_names: list[str]
    zone_names: list[str]
    p_zone: np.ndarray  # [P] the address zone of each patient
    c_key: np.ndarray  # [N] each contact's row below
    zone: np.ndarray  # [K, L] zone index; column 0 is the address
    state: np.ndarray  # [K, L] state index
    is_phone: np.ndarray  # [K, L] an area-code location (column 0 never is)
    label: list[list[str]]  # [K][L] "address OH", "area code FL", "area code 305 FL"


def _places(pt: dict[str, Any], pidx: np.ndarray, code: np.ndarray, codes: list[str]) -> _Places:
    """Every place a contact may ring, deduplicated: the patient's address; the area code's
    zones as the patient's columns say (`tz_phone`, each in `phone_state`); and the zones and
    state of the dialled number's own area code. Where the columns and the number disagree,
    both count: a contact must be permitted at every one of them."""
    table = area_codes()
    columns = ("state", "phone_state", "tz_address", "tz_phone")
    encoded = [_encode(pt[c]) for c in columns]
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

    return _Places(
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


# ----------------------------------------------------------------------------- opt-outs said


@dataclass(frozen=True, slots=True)
class _OptOuts:
    """Every opt-out the run records: optouts.parquet's rows, then those only a contact's
    outcome records (o_attempt: that contact's row; -1 for a row of optouts.parquet)."""

    p: np.ndarray
    t: np.ndarray
    sms: np.ndarray
    scope: np.ndarray  # index into SCOPES
    hard: np.ndarray
    pause: np.ndarray  # pause end (soft), -1 (hard)
    attempt: np.ndarray


def _outcome_has(outcome: pa.Array, word: str) -> np.ndarray:
    """Per contact: one of its per-purpose outcomes (joined by '|') is `word`."""
    found = pc.match_substring_regex(outcome, rf"(^|\|)\s*{word}\s*($|\|)")
    return found.to_numpy(zero_copy_only=False).astype(bool)


def _min_pause_s(run: dict[str, Any], path: Path, problems: list[str]) -> int | None:
    """The shortest soft opt-out pause the run's scenario draws (seconds), if run.json says."""
    scenario = run.get("scenario")
    strategy = scenario.get("strategy") if isinstance(scenario, dict) else None
    days = strategy.get("soft_opt_out_pause_days") if isinstance(strategy, dict) else None
    shortest = days.get("min") if isinstance(days, dict) else None
    if shortest is None:
        return None
    if isinstance(shortest, bool) or not isinstance(shortest, int) or shortest < 0:
        problems.append(
            f"{path}: scenario.strategy.soft_opt_out_pause_days.min: expected a whole number of "
            f"days, found {shortest!r}"
        )
        return None
    return shortest * DAY_S


def _opt_outs(
    table: _OptOuts, at: dict[str, Any], pidx: np.ndarray, is_sms: np.ndarray,
    min_pause_s: int | None, notes: list[str],
) -> _OptOuts:  # fmt: skip
    """The opt-outs of optouts.parquet, and those a contact's outcome records without a row.

    A contact whose outcome is `opt_out` (`soft_opt_out`) had an opt-out said during it: its
    row is a hard (soft) opt-out of the same patient, received by the same channel between the
    contact's start and its end. Without such a row, the contact's record stands in: a hard
    opt-out of every channel, or a soft one pausing outreach for the scenario's shortest pause,
    received at the contact's start.
    """
    hard_said = _outcome_has(at["outcome"], "opt_out")
    soft_said = _outcome_has(at["outcome"], "soft_opt_out") & ~hard_said
    rows = np.flatnonzero(hard_said | soft_said)
    if len(rows) == 0:
        return table
    t = at["t_utc"]
    hard = hard_said[rows]
    group = (pidx[rows] * 2 + hard) * 2 + is_sms[rows]
    o_group = (table.p * 2 + table.hard) * 2 + table.sms
    start = t[rows]
    end = start + np.maximum(at["duration_s"][rows], 0)
    times = np.concatenate([start, end, table.t])
    lo = int(times.min()) - 1
    span = int(times.max()) - lo + 1  # a time's offset from lo is in [1, span)
    # the first row of the same patient, kind and channel received at or after the start
    keys = np.sort(o_group * span + (table.t - lo))
    pos = np.searchsorted(keys, group * span + (start - lo), side="left")
    ok = pos < len(keys)
    found = keys[np.where(ok, pos, 0)] if len(keys) else np.zeros(len(rows), np.int64)
    matched = ok & (found // span == group) & (found % span + lo <= end)
    missing = rows[~matched]
    hard_missing = hard_said[missing]
    judged = hard_missing | (min_pause_s is not None)
    for kind, chosen in (("opt_out", hard_missing), ("soft_opt_out", ~hard_missing)):
        if not chosen.any():
            continue
        k = int(chosen.sum())
        first = int(at["attempt_id"][missing[chosen][0]])
        said = (
            f"{k} contact{'s' if k > 1 else ''} record{'' if k > 1 else 's'} "
            f"{'an opt-out' if kind == 'opt_out' else 'a soft opt-out'} (outcome {kind}) that "
            f"optouts.parquet lacks (first: attempt {first})"
        )
        if kind == "opt_out":
            notes.append(f"{said}: judged as a hard opt-out of every channel from its start")
        elif min_pause_s is not None:
            notes.append(
                f"{said}: judged as a pause of outreach from its start for the scenario's "
                f"shortest pause, {min_pause_s // DAY_S} days"
            )
        else:
            notes.append(
                f"{said}: soft_opt_out_pause not judged for them, as run.json gives no "
                "scenario.strategy.soft_opt_out_pause_days.min"
            )
    missing, hard_missing = missing[judged], hard_missing[judged]
    pause = np.where(hard_missing, -1, t[missing] + (min_pause_s or 0))
    return _OptOuts(
        p=np.concatenate([table.p, pidx[missing]]),
        t=np.concatenate([table.t, t[missing]]),
        sms=np.concatenate([table.sms, is_sms[missing]]),
        scope=np.concatenate([table.scope, np.full(len(missing), SCOPES.index("all"))]),
        hard=np.concatenate([table.hard, hard_missing]),
        pause=np.concatenate([table.pause, pause]),
        attempt=np.concatenate([table.attempt, missing]),
    )


# ----------------------------------------------------------------------------- helpers


@dataclass(slots=True)
class _Hits:
    """What a check found: one entry per violation (a contact, or a contact x served patient)."""

    checked: int
    rows: np.ndarray
    patients: np.ndarray
    why: Callable[[int], tuple[str, str]]  # hit index -> (zone for the local time, reason)


def _window_counts(group: np.ndarray, value: np.ndarray, t: np.ndarray, width: int) -> np.ndarray:
    """For each row: how many rows of its group have value in (value - width, value], itself
    included, counting only rows ordered before it by (value, t, position)."""
    n = len(group)
    if n == 0:
        return np.zeros(0, np.int64)
    dense = np.unique(group, return_inverse=True)[1].reshape(-1).astype(np.int64)
    order = np.lexsort((np.arange(n), t, value, dense))
    v = value[order].astype(np.int64)
    v0 = int(v.min())
    span = int(v.max()) - v0 + width + 1
    key = dense[order] * span + (v - v0)
    first = np.searchsorted(key, key - (width - 1), side="left")
    counts = np.empty(n, np.int64)
    counts[order] = np.arange(n) - first + 1
    return counts


def _explode(
    rows: np.ndarray, item_lists: list[list[int]], which: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Repeat each row once per item of item_lists[which[row]]; return (rows, items)."""
    lens = np.array([len(x) for x in item_lists] + [0], np.int64)
    flat = np.array([i for x in item_lists for i in x] + [0], np.int64)
    starts = np.cumsum(lens) - lens
    k = lens[which]
    out_rows = np.repeat(rows, k)
    offset = np.arange(len(out_rows)) - np.repeat(np.cumsum(k) - k, k)
    return out_rows, flat[np.repeat(starts[which], k) + offset]


# Protected terms: the audit's own copy of sim/compliance/phi.py's matching (a test pins the two equal).
# Texts and terms are compared after NFKC, case folding, dropping invisible characters and reading
# whitespace, hyphens and dashes as one space; a term inside an identifier where it stands (the
# practice's name, number and address, the names of the people reached) is not counted.
_INVISIBLE = dict.fromkeys(map(ord, "\u00ad\u180e\u200b\u200c\u200d\u2060\ufeff"))
_GAPS = re.compile(r"[\s\-\u2010-\u2015\u2212]+")


def _normalise(text: str) -> str:
    folded = unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", text).casefold())
    return _GAPS.sub(" ", folded.translate(_INVISIBLE))


def _phrase_pattern(phrases: Iterable[str], plural: bool) -> str:
    """Whole-word alternatives over normalised text, longest first (a word also in its plural);
    one look-behind for all that start with a word character (far faster to search)."""
    starts_word: list[str] = []
    other: list[str] = []
    for phrase in sorted(set(phrases), key=lambda x: (-len(x), x)):
        if plural and phrase[-1].isalpha():
            tail = r"(?:s|es)?(?!\w)"
        else:
            tail = r"(?!\w)" if re.match(r"\w", phrase[-1]) else ""
        (starts_word if re.match(r"\w", phrase[0]) else other).append(re.escape(phrase) + tail)
    head = [r"(?<!\w)(?:" + "|".join(starts_word) + ")"] if starts_word else []
    return "|".join(head + other)


def _term_regex(terms: Iterable[str]) -> str:
    """One pattern matching any term, over normalised text ('' when there are none)."""
    return _phrase_pattern({w for w in (_normalise(t).strip() for t in terms) if w}, plural=True)


def _terms_in(text: str, pattern: str, identification: Iterable[str] = ()) -> list[str]:
    """The distinct terms `text` says beyond `identification`, normalised, sorted."""
    norm = _normalise(text)
    if not pattern or not re.search(pattern, norm):
        return []
    names = {w for w in (_normalise(x).strip() for x in identification) if w}
    names = {w for w in names if any(c.isalnum() for c in w)}
    spans = []
    if names:
        spans = [
            (m.start(1), m.end(1))
            for m in re.finditer(f"(?=({_phrase_pattern(names, plural=False)}))", norm)
        ]
    return sorted(
        {
            m.group(1)
            for m in re.finditer(f"(?=({pattern}))", norm)
            if not any(a <= m.start(1) and m.end(1) <= b for a, b in spans)
        }
    )


def _contains_terms(texts: pa.Array, pattern: str) -> np.ndarray:
    """Per text: it says a term (judged once per distinct text)."""
    if not pattern or len(texts) == 0:
        return np.zeros(len(texts), bool)
    codes, values = _encode(texts)
    per_value = np.array([bool(_terms_in(v, pattern)) for v in values] + [False], bool)
    return per_value[codes]


class _Identities:
    """What identifies caller and callee of a contact: the practice's name, number and address,
    and the names of the patients the contact served and of everyone in their households."""

    def __init__(self, log: _Log) -> None:
        self.log = log
        self._members: dict[tuple[int, int], list[int]] | None = None
        self._covered: dict[int, list[int]] = {}

    def practice(self, k: int) -> tuple[str, ...]:
        log = self.log
        return (log.practice_name[k], log.practice_phone[k], *log.practice_address[k])

    def of_contact(self, row: int) -> tuple[str, ...]:
        log = self.log
        if self._members is None:
            self._members = {}
            keys = zip(log.p_practice.tolist(), log.p_household.tolist(), strict=True)
            for p, key in enumerate(keys):
                self._members.setdefault(key, []).append(p)
            extra = ~log.pair_primary
            for r, p in zip(log.pair_row[extra].tolist(), log.pair_p[extra].tolist(), strict=True):
                self._covered.setdefault(r, []).append(p)
        served = [int(log.pidx[row]), *self._covered.get(row, [])]
        households = {(int(log.p_practice[p]), int(log.p_household[p])) for p in served}
        people = sorted({m for h in households for m in self._members[h]})
        first, last = log.p_names
        names = []
        for m in people:
            f, la = first[m].as_py(), last[m].as_py()
            names += [f, la, f"{f} {la}"]
        return (*self.practice(int(log.practice[row])), *names)


def _says_protected(
    log: _Log, rows: np.ndarray, texts: pa.Array, pattern: str, ids: _Identities
) -> np.ndarray:
    """Per contact row and its text: a protected term beyond the identification of caller and
    callee. Judged once per practice and distinct text against the practice's identification,
    and again with the people's names only for the texts that still name a term."""
    out = np.zeros(len(rows), bool)
    if not pattern or len(rows) == 0:
        return out
    codes, values = _encode(texts)
    pairs, inverse = np.unique(np.stack([log.practice[rows], codes]), axis=1, return_inverse=True)
    by_pair = np.array(
        [bool(_terms_in(values[c], pattern, ids.practice(k))) for k, c in pairs.T.tolist()], bool
    )
    for j in np.flatnonzero(by_pair[inverse.reshape(-1)]).tolist():
        out[j] = bool(_terms_in(values[codes[j]], pattern, ids.of_contact(int(rows[j]))))
    return out


def _utc(s: int) -> str:
    return datetime.fromtimestamp(int(s), UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _local_text(s: int, zone: str) -> str:
    return (
        datetime.fromtimestamp(int(s), ZoneInfo(zone)).strftime("%Y-%m-%d %H:%M %Z") + f" ({zone})"
    )


def _day_text(day: int) -> str:
    return date.fromordinal(date(1970, 1, 1).toordinal() + int(day)).isoformat()


def _no_hits(checked: int = 0) -> _Hits:
    empty = np.zeros(0, np.int64)
    return _Hits(checked, empty, empty, lambda i: ("UTC", ""))


# ----------------------------------------------------------------------------- the rules


def _federal_window(log: _Log, rules: RuleSet) -> _Hits:
    rule = rules.federal_calling_window
    scope = log.channel_in(rule.channels)
    start, end = rule.window.start_s, rule.window.end_s
    bad = ((log.local_tod < start) | (log.local_tod >= end)) & scope[:, None]
    rows = np.flatnonzero(bad.any(axis=1))
    col = bad[rows].argmax(axis=1)

    def why(i: int) -> tuple[str, str]:
        r, c = rows[i], col[i]
        window = f"{rule.window.start_local}-{rule.window.end_local}"
        return log.loc_zone_name(r, c), (
            f"starts {log.hhmm(r, c)} local at the {log.loc_label(r, c)}, outside {window}"
        )

    return _Hits(int(scope.sum()), rows, log.pidx[rows], why)


def _state_window(log: _Log, rules: RuleSet) -> _Hits:
    rule = rules.state_calling_window
    n_states = len(log.state_names)
    start = np.zeros((n_states + 1, 7), np.int64)
    end = np.full((n_states + 1, 7), DAY_S, np.int64)
    listed = np.zeros(n_states + 1, bool)
    for code, sw in rule.states.items():
        k = log.state_index(code)
        if k < 0:
            continue
        listed[k] = True
        for d, name in enumerate(WEEKDAYS):
            w = sw.by_weekday.get(name, sw.window)  # type: ignore[call-overload]
            start[k, d], end[k, d] = w.start_s, w.end_s
    st = log.loc_state[log.c_key]
    applies = log.applies(rule.applies_by) & listed[st] & log.channel_in(rule.channels)[:, None]
    s, e = start[st, log.local_wd], end[st, log.local_wd]
    bad = applies & ((log.local_tod < s) | (log.local_tod >= e))
    rows = np.flatnonzero(bad.any(axis=1))
    col = bad[rows].argmax(axis=1)

    def why(i: int) -> tuple[str, str]:
        r, c = rows[i], col[i]
        k = log.loc_state_of(r, c)
        d = int(log.local_wd[r, c])
        window = f"{_hhmm(int(start[k, d]))}-{_hhmm(int(end[k, d]))}"
        return log.loc_zone_name(r, c), (
            f"starts {WEEKDAYS[d]} {log.hhmm(r, c)} local at the {log.loc_label(r, c)}, "
            f"outside {log.state_names[k]}'s window {window}"
        )

    return _Hits(int(applies.any(axis=1).sum()), rows, log.pidx[rows], why)


def _hhmm(s: int) -> str:
    return f"{s // 3600:02d}:{s % 3600 // 60:02d}"


def _holiday_days(calendar: Any, first_day: int, last_day: int) -> np.ndarray:
    years = range(int(_day_text(first_day)[:4]), int(_day_text(last_day)[:4]) + 1)
    cal = calendar(years=years)
    epoch = date(1970, 1, 1).toordinal()
    return np.array(sorted(d.toordinal() - epoch for d in cal), np.int64)


def _state_ban(log: _Log, rules: RuleSet) -> _Hits:
    rule = rules.state_sunday_holiday_ban
    n_states = len(log.state_names)
    sundays = np.zeros(n_states + 1, bool)
    listed = np.zeros(n_states + 1, bool)
    st = log.loc_state[log.c_key]
    applies = log.applies(rule.applies_by) & log.channel_in(rule.channels)[:, None]
    holiday = np.zeros(st.shape, bool)
    day = log.local_day
    lo, hi = (int(day.min()), int(day.max())) if day.size else (0, 0)
    federal: np.ndarray | None = None
    for code, ban in rule.states.items():
        k = log.state_index(code)
        if k < 0:
            continue
        listed[k] = True
        sundays[k] = ban.sundays
        if not ban.holidays or day.size == 0:
            continue
        if rule.holiday_calendar == "us_federal":
            if federal is None:
                federal = _holiday_days(holidays.US, lo, hi)
            days = federal
        else:
            try:
                days = _holiday_days(
                    lambda years, c=code: holidays.US(subdiv=c, years=years), lo, hi
                )
            except NotImplementedError:
                raise InputError(
                    f"rules: state_sunday_holiday_ban.states.{code}: the holidays package has no "
                    f"US subdivision {code!r}"
                ) from None
        holiday |= (st == k) & np.isin(day, days)
    applies &= listed[st]
    is_sunday = sundays[st] & (log.local_wd == 6)
    bad = applies & (is_sunday | holiday)
    rows = np.flatnonzero(bad.any(axis=1))
    col = bad[rows].argmax(axis=1)

    def why(i: int) -> tuple[str, str]:
        r, c = rows[i], col[i]
        k = log.loc_state_of(r, c)
        what = "a Sunday" if log.local_wd[r, c] == 6 and sundays[k] else "a holiday"
        return log.loc_zone_name(r, c), (
            f"{_day_text(int(log.local_day[r, c]))} is {what} at the {log.loc_label(r, c)}; "
            f"{log.state_names[k]} bans contacts then"
        )

    return _Hits(int(applies.any(axis=1).sum()), rows, log.pidx[rows], why)


def _phone_group(log: _Log, rows: np.ndarray) -> np.ndarray:
    return log.practice[rows] * log.n_phones + log.phone_code[rows]


def _state_cap(log: _Log, rules: RuleSet) -> _Hits:
    rule = rules.state_daily_cap
    counted = log.channel_in(rule.channels) & ~log.only_purposes(rule.not_counted_purposes)
    kinds = set(rule.applies_by)
    subjects = sorted({p for c in log.combos for p in c} - set(rule.not_counted_purposes))
    subject_lists = [[subjects.index(p) for p in c if p in subjects] for c in log.combos]
    hit_rows: list[np.ndarray] = []
    hit_info: list[tuple[str, int, int]] = []  # per hit: state, count, window_h
    checked = np.zeros(log.n, bool)
    addr_state = log.loc_state[log.c_key, 0]
    phone_states = np.where(log.loc_is_phone[log.c_key], log.loc_state[log.c_key], -1)
    for code, cap in rule.states.items():
        k = log.state_index(code)
        if k < 0:
            continue
        here = np.zeros(log.n, bool)
        if "address_state" in kinds:
            here |= addr_state == k
        if "phone_state" in kinds:
            here |= (phone_states == k).any(axis=1)
        rows = np.flatnonzero(counted & here)
        checked[rows] = True
        if cap.per_subject:
            rows, subject = _explode(rows, subject_lists, log.pcode[rows])
        else:
            subject = np.zeros(len(rows), np.int64)
        group = _phone_group(log, rows) * (len(subjects) + 1) + subject
        counts = _window_counts(group, log.t[rows], log.t[rows], cap.window_h * 3600)
        over = counts > cap.max_contacts
        hit_rows.append(rows[over])
        hit_info += [(code, int(c), cap.window_h) for c in counts[over]]
    rows = np.concatenate(hit_rows) if hit_rows else np.zeros(0, np.int64)

    def why(i: int) -> tuple[str, str]:
        r = rows[i]
        code, count, hours = hit_info[i]
        cap = rule.states[code]
        subject = " on the same subject" if cap.per_subject else ""
        return log.home_zone(log.pidx[r]), (
            f"contact no. {count} to {log.phone[r]} in {hours} h{subject}; "
            f"{code} allows {cap.max_contacts}"
        )

    return _Hits(int(checked.sum()), rows, log.pidx[rows], why)


def _healthcare_cap(log: _Log, rules: RuleSet, weekly: bool) -> _Hits:
    rule = rules.healthcare_weekly_cap if weekly else rules.healthcare_daily_cap
    counted = log.channel_in(rule.channels) & ~log.only_purposes(rule.not_counted_purposes)
    rows = np.flatnonzero(counted)
    calendar = (
        rules.healthcare_weekly_cap.week == "local_7_calendar_days"
        if weekly
        else rules.healthcare_daily_cap.day == "local_calendar_day"
    )
    days = 7 if weekly else 1
    if calendar:
        value, width = log.local_day[rows, 0], days
    else:
        value, width = log.t[rows], days * DAY_S
    counts = _window_counts(_phone_group(log, rows), value, log.t[rows], width)
    over = counts > rule.max_contacts
    hit_rows, hit_counts = rows[over], counts[over]

    def why(i: int) -> tuple[str, str]:
        r = hit_rows[i]
        p = log.pidx[r]
        if calendar:
            d = int(log.local_day[r, 0])
            span = (
                f"local dates {_day_text(d - 6)} to {_day_text(d)}"
                if weekly
                else f"local date {_day_text(d)}"
            )
        else:
            span = f"the {days * 24} h up to it"
        return log.home_zone(p), (
            f"contact no. {int(hit_counts[i])} from practice {log.practice_id[log.practice[r]]} "
            f"to {log.phone[r]} in {span}; at most {rule.max_contacts}"
        )

    return _Hits(len(rows), hit_rows, log.pidx[hit_rows], why)


def _opt_out(log: _Log, rules: RuleSet) -> _Hits:
    rule = rules.opt_out
    never = np.iinfo(np.int64).max
    n_p = len(log.patient_id)
    earliest = np.full((n_p, 2), never, np.int64)  # column 0 voice, 1 sms
    hard = log.o_hard
    for ch, scope in ((0, 0), (1, 1)):  # SCOPES: voice, sms, all
        covers = hard & (
            (log.o_scope == scope) | (log.o_scope == 2) | (rule.scope == "all_channels")
        )
        np.minimum.at(earliest[:, ch], log.o_p[covers], log.o_t[covers])
    judged = ~log.only_purposes([rules.optout_confirmation.purpose])
    r, p = log.pair_row, log.pair_p
    limit = earliest[p, log.is_sms[r].astype(np.int64)]
    bad = judged[r] & (log.t[r] > limit)
    hit_rows, hit_p = r[bad], p[bad]

    def why(i: int) -> tuple[str, str]:
        row, pat = hit_rows[i], hit_p[i]
        t_opt = int(earliest[pat, int(log.is_sms[row])])
        j = int(np.flatnonzero(hard & (log.o_p == pat) & (log.o_t == t_opt))[0])
        ch = "sms" if log.is_sms[row] else "voice"
        return log.home_zone(pat), (
            f"{ch} contact ({log.purposes_text(row)}) after patient {log.patient_id[pat]}'s hard "
            f"opt-out {_received(log, j)} at {_utc(t_opt)} (scope {SCOPES[log.o_scope[j]]})"
        )

    return _Hits(int(judged.sum()), hit_rows, hit_p, why)


def _received(log: _Log, j: int) -> str:
    """How opt-out j came to be known: received by a channel, or only in a contact's outcome."""
    row = int(log.o_attempt[j])
    if row < 0:
        return f"received by {CHANNELS[int(log.o_sms[j])]}"
    return f"in attempt {int(log.attempt_id[row])}'s outcome (no row in optouts.parquet)"


def _sorted_optouts(log: _Log, mask: np.ndarray) -> tuple[np.ndarray, np.ndarray, int, int]:
    """Indices of the chosen opt-outs sorted by (patient, time), their sort keys, base, span."""
    idx = np.flatnonzero(mask)
    idx = idx[np.lexsort((log.o_t[idx], log.o_p[idx]))]
    values = [log.t, log.o_t[idx], log.o_pause[idx][log.o_pause[idx] >= 0]]
    nonempty = [v for v in values if len(v)]
    base = min(int(v.min()) for v in nonempty) - 1 if nonempty else 0
    span = max(int(v.max()) for v in nonempty) - base + 2 if nonempty else 1
    return idx, log.o_p[idx] * span + (log.o_t[idx] - base), base, span


def _soft_pause(log: _Log, rules: RuleSet) -> _Hits:
    rule = rules.soft_opt_out_pause
    outreach = ~log.only_purposes(rule.exempt_purposes)
    idx, key, base, span = _sorted_optouts(log, ~log.o_hard)
    r, p = log.pair_row, log.pair_p
    sel = outreach[r]
    r, p = r[sel], p[sel]
    if len(idx) == 0 or len(r) == 0:
        return _no_hits(int(outreach.sum()))
    # running latest pause end per patient, over that patient's soft opt-outs in time order
    pause_key = np.maximum.accumulate(log.o_p[idx] * span + (log.o_pause[idx] - base))
    j = np.searchsorted(key, p * span + (log.t[r] - base), side="left") - 1  # received before t
    ok = j >= 0
    jj = np.where(ok, j, 0)
    same = ok & (log.o_p[idx[jj]] == p)
    paused_until = pause_key[jj] - p * span + base
    bad = same & (log.t[r] < paused_until)
    hit_rows, hit_p, hit_until = r[bad], p[bad], paused_until[bad]

    def why(i: int) -> tuple[str, str]:
        row, pat, until = hit_rows[i], hit_p[i], int(hit_until[i])
        pausing = ~log.o_hard & (log.o_p == pat) & (log.o_t < log.t[row]) & (log.o_pause == until)
        j = int(np.flatnonzero(pausing)[0])
        return log.home_zone(pat), (
            f"{log.purposes_text(row)} contact while patient {log.patient_id[pat]}'s soft "
            f"opt-out {_received(log, j)} at {_utc(int(log.o_t[j]))} pauses outreach until "
            f"{_utc(until)}"
        )

    return _Hits(int(outreach.sum()), hit_rows, hit_p, why)


def _optout_confirmation(log: _Log, rules: RuleSet) -> _Hits:
    rule = rules.optout_confirmation
    is_conf = log.combo_flag(lambda c: rule.purpose in c)
    rows = np.flatnonzero(is_conf)
    p = log.pidx[rows]
    idx, key, base, span = _sorted_optouts(log, np.ones(len(log.o_p), bool))
    reason = np.zeros(len(rows), np.int64)
    opt_t = np.zeros(len(rows), np.int64)
    if len(rows):
        received = np.zeros(len(idx), bool)
        for ch in rule.received_channels:
            received |= log.o_sms[idx] == (ch == "sms")
        j = np.searchsorted(key, p * span + (log.t[rows] - base), side="right") - 1
        jj = np.clip(j, 0, max(len(idx) - 1, 0))
        if len(idx):
            matched = (j >= 0) & (log.o_p[idx[jj]] == p) & received[jj]
            opt_t = log.o_t[idx[jj]]
            matched &= log.t[rows] - opt_t <= rule.within_s
        else:
            matched = np.zeros(len(rows), bool)
        every = int(np.ptp(log.t[rows])) + 1  # a window wider than the log: a rank
        rank = _window_counts(np.where(matched, jj, -1), log.t[rows], log.t[rows], every)
        wrong_channel = log.is_sms[rows] != (rule.channel == "sms")
        other = ~log.only_purposes([rule.purpose])[rows]
        marketing = _contains_terms(
            log.message.take(pa.array(rows)), _term_regex(rule.marketing_terms)
        )
        # the first reason found is the one reported
        reason = np.select(
            [wrong_channel, other, ~matched, rank > rule.max_per_opt_out, marketing],
            [1, 2, 3, 4, 5],
            0,
        )
    bad = reason > 0
    hit_rows, hit_reason, hit_opt_t = rows[bad], reason[bad], opt_t[bad]
    pattern = _term_regex(rule.marketing_terms)

    def why(i: int) -> tuple[str, str]:
        row = hit_rows[i]
        pat = log.pidx[row]
        texts = {
            1: f"an opt-out confirmation sent by voice; only {rule.channel} is allowed",
            2: f"an opt-out confirmation that also carries {log.purposes_text(row)}",
            3: (
                f"an opt-out confirmation with no {'/'.join(rule.received_channels)} opt-out "
                f"in the {rule.within_s} s before it"
            ),
            4: (
                f"more than {rule.max_per_opt_out} confirmation(s) of the opt-out received "
                f"at {_utc(int(hit_opt_t[i]))}"
            ),
            5: "an opt-out confirmation with marketing: "
            + ", ".join(_terms_in(str(log.message[row]), pattern)),
        }
        return log.home_zone(pat), texts[int(hit_reason[i])]

    return _Hits(len(rows), hit_rows, log.pidx[hit_rows], why)


def _consent(log: _Log, rules: RuleSet) -> _Hits:
    rule = rules.consent_required

    def posture_of(purpose: str) -> str:
        if purpose in rule.written_consent_purposes or purpose == "marketing":
            return "written_consent"
        return log.postures.get(purpose, rule.default_posture)

    def needs(flag: str) -> Callable[[tuple[str, ...]], bool]:
        return lambda combo: any(
            flag in rule.requires[posture_of(x)]  # type: ignore[index]
            for x in combo
            if x not in rule.not_judged_purposes
        )

    judged = ~log.only_purposes(rule.not_judged_purposes)
    r, p = log.pair_row, log.pair_p
    lacks = np.zeros(len(r), np.int64)
    for bit, flag in ((1, "consent_healthcare"), (2, "consent_written")):
        lacks |= np.where(log.combo_flag(needs(flag))[r] & ~log.p_flags[flag][p], bit, 0)
    if rule.number_on_file and log.n:
        on_file = pc.equal(log.number, log.p_number.take(pa.array(log.pidx)))
        off = ~on_file.to_numpy(zero_copy_only=False).astype(bool)
        lacks |= np.where(log.pair_primary & off[r], 4, 0)
    bad = judged[r] & (lacks > 0)
    hit_rows, hit_p, hit_lacks = r[bad], p[bad], lacks[bad]

    def why(i: int) -> tuple[str, str]:
        row, pat, bits = hit_rows[i], hit_p[i], int(hit_lacks[i])
        said = []
        combo = log.combos[log.pcode[row]]
        for bit, flag in ((1, "consent_healthcare"), (2, "consent_written")):
            if bits & bit:
                who = [x for x in combo if needs(flag)((x,))]
                postures = ", ".join(f"{x}: {posture_of(x)}" for x in who)
                said.append(f"{flag} is false for patient {log.patient_id[pat]} ({postures})")
        if bits & 4:
            said.append(f"contacted {log.phone[row]}, the number on file is {log.p_phone[pat]}")
        return log.home_zone(pat), "; ".join(said)

    return _Hits(int(judged.sum()), hit_rows, hit_p, why)


def _in_postures(log: _Log, rules: RuleSet, postures: Iterable[str]) -> np.ndarray:
    chosen = set(postures)
    default = rules.consent_required.default_posture
    written = set(rules.consent_required.written_consent_purposes) | {"marketing"}

    def posture(x: str) -> str:
        return "written_consent" if x in written else log.postures.get(x, default)

    skip = set(rules.consent_required.not_judged_purposes)
    return log.combo_flag(lambda c: any(posture(x) in chosen for x in c if x not in skip))


def _exempt_duration(log: _Log, rules: RuleSet) -> _Hits:
    rule = rules.exempt_voice_duration
    scope = _in_postures(log, rules, rule.postures) & ~log.is_sms
    rows = np.flatnonzero(scope & (log.duration_s > rule.max_duration_s))

    def why(i: int) -> tuple[str, str]:
        r = rows[i]
        return log.home_zone(log.pidx[r]), (
            f"voice contact of {int(log.duration_s[r])} s under the healthcare exemption; "
            f"at most {rule.max_duration_s} s"
        )

    return _Hits(int(scope.sum()), rows, log.pidx[rows], why)


def _exempt_length(log: _Log, rules: RuleSet) -> _Hits:
    rule = rules.exempt_sms_length
    scope = _in_postures(log, rules, rule.postures) & log.is_sms
    length = pc.utf8_length(log.message).to_numpy(zero_copy_only=False)
    rows = np.flatnonzero(scope & (length > rule.max_length_chars))

    def why(i: int) -> tuple[str, str]:
        r = rows[i]
        return log.home_zone(log.pidx[r]), (
            f"text of {int(length[r])} characters under the healthcare exemption; "
            f"at most {rule.max_length_chars}"
        )

    return _Hits(int(scope.sum()), rows, log.pidx[rows], why)


def _exempt_identification(log: _Log, rules: RuleSet) -> _Hits:
    rule = rules.exempt_identification
    # judged: every text, and every voice contact that left a message
    scope = _in_postures(log, rules, rule.postures) & (log.is_sms | log.has_message)
    rows = np.flatnonzero(scope)
    rows = rows[np.argsort(log.practice[rows], kind="stable")]
    texts = log.message.take(pa.array(rows))
    digits = pc.replace_substring_regex(texts, r"[^0-9]", "")
    no_name = np.zeros(len(rows), bool)
    no_number = np.zeros(len(rows), bool)
    bounds = np.flatnonzero(np.diff(log.practice[rows])) + 1
    for lo_, hi_ in zip(np.r_[0, bounds], np.r_[bounds, len(rows)], strict=True):
        lo, hi = int(lo_), int(hi_)
        if lo == hi:
            continue
        k = int(log.practice[rows[lo]])
        if rule.require_practice_name:
            name = log.practice_name[k]
            has = pc.match_substring(texts.slice(lo, hi - lo), name, ignore_case=True)
            no_name[lo:hi] = ~has.to_numpy(zero_copy_only=False).astype(bool)
        if rule.require_callback_number:
            number = re.sub(r"[^0-9]", "", log.practice_phone[k])
            has = pc.match_substring(digits.slice(lo, hi - lo), number)
            no_number[lo:hi] = ~has.to_numpy(zero_copy_only=False).astype(bool)
    bad = no_name | no_number
    hit_rows, hit_name, hit_number = rows[bad], no_name[bad], no_number[bad]

    def why(i: int) -> tuple[str, str]:
        r = hit_rows[i]
        k = log.practice[r]
        missing = [
            f"the practice name {log.practice_name[k]!r}" if hit_name[i] else "",
            f"the callback number {log.practice_phone[k]}" if hit_number[i] else "",
        ]
        kind = "text" if log.is_sms[r] else "voicemail"
        return log.home_zone(log.pidx[r]), (
            f"{kind} under the healthcare exemption lacks " + " and ".join(m for m in missing if m)
        )

    return _Hits(len(rows), hit_rows, log.pidx[hit_rows], why)


def _hipaa(log: _Log, rules: RuleSet) -> _Hits:
    pattern = _term_regex(rules.hipaa_minimum_necessary.terms)
    rows = np.flatnonzero(log.has_message)
    ids = _Identities(log)
    found = _says_protected(log, rows, log.message.take(pa.array(rows)), pattern, ids)
    hit_rows = rows[found]

    def why(i: int) -> tuple[str, str]:
        r = int(hit_rows[i])
        kind = "text" if log.is_sms[r] else "voicemail"
        said = _terms_in(log.message[r].as_py(), pattern, ids.of_contact(r))
        terms = ", ".join(repr(t) for t in said)
        return log.home_zone(log.pidx[r]), f"{kind} names protected details: {terms}"

    return _Hits(len(rows), hit_rows, log.pidx[hit_rows], why)


def _no_voicemail(log: _Log, rules: RuleSet) -> _Hits:
    machine = ANSWERED_BY.index("machine")
    left = (
        ~log.is_sms
        & log.has_message
        & ((log.result == RESULTS.index("voicemail")) | (log.answered_by == machine))
    )
    r, p = log.pair_row, log.pair_p
    bad = left[r] & log.p_flags["no_voicemail"][p]
    hit_rows, hit_p = r[bad], p[bad]

    def why(i: int) -> tuple[str, str]:
        return log.home_zone(hit_p[i]), (
            f"voicemail left for patient {log.patient_id[hit_p[i]]}, who asked for no voicemail"
        )

    return _Hits(int(left.sum()), hit_rows, hit_p, why)


def _wrong_number(log: _Log, rules: RuleSet) -> _Hits:
    per_number = rules.wrong_number.scope == "number"
    r, p = log.pair_row, log.pair_p
    owner = log.practice[r] if per_number else p
    key = owner * log.n_phones + log.phone_code[r]
    marks = log.result[r] == RESULTS.index("wrong_number")
    if not marks.any():
        return _no_hits(log.n)
    mark_keys, inverse = np.unique(key[marks], return_inverse=True)
    first_mark = np.full(len(mark_keys), np.iinfo(np.int64).max, np.int64)
    np.minimum.at(first_mark, inverse.reshape(-1), log.t[r[marks]])
    pos, found = _lookup(mark_keys, np.arange(len(mark_keys)), key)
    bad = found & (log.t[r] > first_mark[pos])
    if per_number:
        bad &= log.pair_primary
    hit_rows, hit_p, hit_mark = r[bad], p[bad], first_mark[pos][bad]

    def why(i: int) -> tuple[str, str]:
        whose = "" if per_number else f" for patient {log.patient_id[hit_p[i]]}"
        return log.home_zone(hit_p[i]), (
            f"{log.phone[hit_rows[i]]} reached a stranger (wrong_number) at "
            f"{_utc(int(hit_mark[i]))} and was contacted again{whose}"
        )

    return _Hits(log.n, hit_rows, hit_p, why)


def _dnc(log: _Log, rules: RuleSet) -> _Hits:
    r, p = log.pair_row, log.pair_p
    bad = log.p_flags["do_not_call"][p]
    hit_rows, hit_p = r[bad], p[bad]

    def why(i: int) -> tuple[str, str]:
        return log.home_zone(hit_p[i]), (
            f"patient {log.patient_id[hit_p[i]]} is on the practice's do-not-call list"
        )

    return _Hits(log.n, hit_rows, hit_p, why)


def _text_allowed(log: _Log, rules: RuleSet) -> _Hits:
    judged = log.is_sms & ~log.only_purposes(rules.sms_text_allowed.not_judged_purposes)
    r, p = log.pair_row, log.pair_p
    bad = judged[r] & ~log.p_flags["text_allowed"][p]
    hit_rows, hit_p = r[bad], p[bad]

    def why(i: int) -> tuple[str, str]:
        return log.home_zone(hit_p[i]), (
            f"text to patient {log.patient_id[hit_p[i]]}, whose record does not allow texts"
        )

    return _Hits(int(judged.sum()), hit_rows, hit_p, why)


def _transcripts(log: _Log, rules: RuleSet) -> tuple[_Hits, int | None]:
    """Agent turns with protected terms before identity is verified or to a non-patient.

    transcripts.jsonl: one object per answered call, `attempt_id` and `turns`, each turn
    {speaker, intent, text, t_s, verified}; `verified` is true once the patient's identity is
    verified (a missing `verified` counts as false).
    """
    path = log.run_dir / "transcripts.jsonl"
    if not path.is_file():
        return _no_hits(), None
    if path.stat().st_size == 0:
        return _no_hits(), 0
    try:
        table = pj.read_json(path)
    except pa.ArrowException as e:
        raise InputError(f"{path}: not valid JSON lines ({e})") from None
    problems = []
    for col in ("attempt_id", "turns"):
        if col not in table.column_names:
            problems.append(f"{path}: field '{col}': missing")
    if problems:
        raise InputError(problems)
    turns = table.column("turns").combine_chunks()
    if pa.types.is_list(turns.type) and pa.types.is_null(turns.type.value_type):
        return _no_hits(len(table)), len(table)  # not one turn in any call
    if not (pa.types.is_list(turns.type) and pa.types.is_struct(turns.type.value_type)):
        raise InputError(
            f"{path}: field 'turns': expected a list of turn objects, found {turns.type}"
        )
    turn_fields = {f.name for f in turns.type.value_type}
    for name in ("speaker", "text"):
        if name not in turn_fields:
            raise InputError(f"{path}: field 'turns[].{name}': missing")
    ids = table.column("attempt_id").combine_chunks()
    if not pa.types.is_integer(ids.type):
        raise InputError(f"{path}: field 'attempt_id': expected integer, found {ids.type}")
    order = np.argsort(log.attempt_id, kind="stable")
    call_rows, found = _lookup(log.attempt_id[order], order, ids.to_numpy().astype(np.int64))
    if not found.all():
        raise InputError(
            _missing_ids(path, "attempt_id", ids.to_numpy(), found, "attempts.parquet")
        )
    flat = pc.list_flatten(turns)
    parent = pc.list_parent_indices(turns).to_numpy().astype(np.int64)
    speaker = pc.fill_null(flat.field("speaker"), "")
    text = pc.fill_null(flat.field("text"), "")
    if "verified" in turn_fields:
        verified = pc.fill_null(flat.field("verified"), False).to_numpy(zero_copy_only=False)
    else:
        verified = np.zeros(len(flat), bool)
    agent = pc.is_in(speaker, pa.array(list(rules.hipaa_verify_before_phi.agent_speakers)))
    agent_np = agent.to_numpy(zero_copy_only=False).astype(bool)
    pattern = _term_regex(rules.hipaa_minimum_necessary.terms)
    rows_of_turn = call_rows[parent]
    to_patient = log.answered_by[rows_of_turn] == ANSWERED_BY.index("patient")
    judged = np.flatnonzero(agent_np & (~verified.astype(bool) | ~to_patient))
    ids = _Identities(log)
    protected = np.zeros(len(flat), bool)
    protected[judged] = _says_protected(
        log, rows_of_turn[judged], text.take(pa.array(judged)), pattern, ids
    )
    bad_turn = protected  # only agent turns before verification or to another are judged
    # one hit per call: its first bad turn
    bad_idx = np.flatnonzero(bad_turn)
    _, first = np.unique(parent[bad_idx], return_index=True)
    bad_idx = bad_idx[first]
    hit_rows = rows_of_turn[bad_idx]

    def why(i: int) -> tuple[str, str]:
        j = int(bad_idx[i])
        r = hit_rows[i]
        who = ANSWERED_BY[int(log.answered_by[r])] or "nobody"
        said = _terms_in(text[j].as_py(), pattern, ids.of_contact(int(r)))
        terms = ", ".join(repr(t) for t in said)
        when = "before identity was verified" if not verified[j] else f"to the {who}"
        return log.home_zone(log.pidx[r]), f"agent said {terms} {when} (answered by {who})"

    return _Hits(len(table), hit_rows, log.pidx[hit_rows], why), len(table)


# ----------------------------------------------------------------------------- the audit

_CHECKS: dict[str, Callable[[_Log, RuleSet], _Hits]] = {
    "federal_calling_window": _federal_window,
    "state_calling_window": _state_window,
    "state_sunday_holiday_ban": _state_ban,
    "state_daily_cap": _state_cap,
    "healthcare_daily_cap": lambda log, rules: _healthcare_cap(log, rules, weekly=False),
    "healthcare_weekly_cap": lambda log, rules: _healthcare_cap(log, rules, weekly=True),
    "opt_out": _opt_out,
    "optout_confirmation": _optout_confirmation,
    "soft_opt_out_pause": _soft_pause,
    "consent_required": _consent,
    "exempt_voice_duration": _exempt_duration,
    "exempt_sms_length": _exempt_length,
    "exempt_identification": _exempt_identification,
    "hipaa_minimum_necessary": _hipaa,
    "confidential_no_voicemail": _no_voicemail,
    "wrong_number": _wrong_number,
    "internal_dnc": _dnc,
    "sms_text_allowed": _text_allowed,
}


def audit_run(
    run_dir: Path | str, rules: RuleSet | None = None, max_examples: int = 10
) -> AuditReport:
    """Judge every contact in `run_dir` against `rules` (None: the packaged defaults).

    Raises InputError (one line per problem, naming the file and column) when the run
    directory cannot be read as the event-log contract describes.
    """
    rules = rules if rules is not None else load_rules()
    run_dir = Path(run_dir)
    log = _load_log(run_dir, rules)
    with_transcripts = _check_listed_files(log)
    results: list[RuleResult] = []
    transcripts_checked: int | None = None
    for rule_id, rule in rules.by_id().items():
        if not rule.enabled:
            results.append(RuleResult(rule_id, rule.statement, rule.source, False, 0, 0, ()))
            continue
        if rule_id == "hipaa_verify_before_phi":
            hits, transcripts_checked = (
                _transcripts(log, rules) if with_transcripts else (_no_hits(), None)
            )
            if transcripts_checked is None:
                log.notes.append(
                    "no transcripts.jsonl in the run: hipaa_verify_before_phi not judged"
                )
        else:
            hits = _CHECKS[rule_id](log, rules)
        results.append(_result(log, rule_id, rule.statement, rule.source, hits, max_examples))
    return AuditReport(
        run_dir=str(run_dir),
        contacts_checked=log.n,
        patients=len(log.patient_id),
        opt_outs=len(log.o_p),
        transcripts_checked=transcripts_checked,
        results=tuple(results),
        notes=tuple(log.notes),
    )


def _check_listed_files(log: _Log) -> bool:
    """Whether transcripts.jsonl belongs to the run. run.json lists the files its run wrote (older
    runs do not: then every file present belongs): a table the audit reads must be listed, and a
    transcripts.jsonl that is not listed is another run's, ignored with a note."""
    path = log.run_dir / "run.json"
    try:
        listed = json.loads(path.read_text(encoding="utf-8")).get("files")
    except (OSError, ValueError, AttributeError):  # _load_log has read and checked it
        listed = None
    if not isinstance(listed, list):
        return True
    unlisted = [name for name in _COLUMNS if name not in listed]
    if unlisted:
        raise InputError(
            [
                f"{log.run_dir / name}: not among the files run.json lists "
                "(left by another run?); rerun into an empty directory"
                for name in unlisted
            ]
        )
    if "transcripts.jsonl" in listed:
        return True
    if (log.run_dir / "transcripts.jsonl").exists():
        log.notes.append(
            "transcripts.jsonl is not among the files run.json lists (left by another run?): "
            "ignored"
        )
    return False


def _result(
    log: _Log, rule_id: str, statement: str, source: str, hits: _Hits, max_examples: int
) -> RuleResult:
    violations = len(np.unique(hits.rows))
    order = (
        np.lexsort((log.attempt_id[hits.rows], log.t[hits.rows])) if len(hits.rows) else hits.rows
    )
    examples: list[Example] = []
    seen: set[int] = set()
    for i in order:
        if len(examples) >= max_examples:
            break
        r = int(hits.rows[i])
        if r in seen:
            continue
        seen.add(r)
        zone, why = hits.why(int(i))
        examples.append(
            Example(
                rule_id=rule_id,
                attempt_id=int(log.attempt_id[r]),
                practice_id=int(log.practice_id[log.practice[r]]),
                patient_id=int(log.patient_id[hits.patients[i]]),
                t_utc=_utc(int(log.t[r])),
                local_time=_local_text(int(log.t[r]), zone),
                why=why,
            )
        )
    return RuleResult(rule_id, statement, source, True, hits.checked, violations, tuple(examples))


# ----------------------------------------------------------------------------- outputs


def report_dict(report: AuditReport | ResultsAudit) -> dict[str, Any]:
    """The report as plain JSON-ready data; for many practice-years, one entry per run under
    "runs" ({"dir", "label", and its report}) beside the totals."""
    if isinstance(report, ResultsAudit):
        return {
            "run_dir": report.root,
            "kind": report.kind,
            "ok": report.ok,
            "violations": report.violations,
            "contacts_checked": report.contacts_checked,
            "practice_years": len(report.runs),
            "notes": list(report.notes),
            "runs": [
                {"dir": r.key, "label": r.label, **report_dict(r.report)} for r in report.runs
            ],
        }
    out = asdict(report)
    out["ok"] = report.ok
    out["violations"] = report.violations
    return out


def write_json(report: AuditReport | ResultsAudit, path: Path | str) -> None:
    """The report as JSON (see report_dict), written atomically."""
    text = json.dumps(report_dict(report), indent=2, ensure_ascii=False) + "\n"
    write_bytes(Path(path), text.encode("utf-8"))


def write_junit(report: AuditReport | ResultsAudit, path: Path | str) -> None:
    """JUnit XML: one testsuite per practice-year (one for a single run), one testcase per rule
    id in it; a failure lists its first examples; disabled rules skip."""
    suites = ET.Element("testsuites", name="dentsim check")
    if isinstance(report, ResultsAudit):
        for run in report.runs:
            _junit_suite(suites, run.report, run.key, f"dentsim.compliance.{run.key}", run.label)
    else:
        _junit_suite(suites, report, "dentsim.compliance", "dentsim.compliance", None)
    write_bytes(Path(path), xml_document(suites))


def _junit_suite(
    parent: ET.Element, report: AuditReport, name: str, classname: str, label: str | None
) -> None:
    failures = sum(1 for r in report.results if r.enabled and r.violations)
    skipped = sum(1 for r in report.results if not r.enabled)
    suite = ET.SubElement(
        parent,
        "testsuite",
        name=name,
        tests=str(len(report.results)),
        failures=str(failures),
        errors="0",
        skipped=str(skipped),
    )
    props = ET.SubElement(suite, "properties")
    for key, value in (
        *((("label", label),) if label is not None else ()),
        ("run_dir", report.run_dir),
        ("contacts_checked", str(report.contacts_checked)),
        ("patients", str(report.patients)),
        ("opt_outs", str(report.opt_outs)),
    ):
        ET.SubElement(props, "property", name=key, value=value)
    for r in report.results:
        case = ET.SubElement(suite, "testcase", classname=classname, name=r.rule_id)
        if not r.enabled:
            ET.SubElement(case, "skipped", message="rule disabled in the rules file")
        elif r.violations:
            failure = ET.SubElement(
                case,
                "failure",
                type="ComplianceViolation",
                message=f"{r.violations} of {r.checked} contacts break {r.rule_id}: {r.statement}",
            )
            failure.text = "\n".join(
                f"attempt {e.attempt_id} patient {e.patient_id} at {e.local_time}: {e.why}"
                for e in r.examples
            )
        else:
            ET.SubElement(
                case, "system-out"
            ).text = f"{r.checked} contacts checked; source: {r.source}"


# ----------------------------------------------------------------------------- many practice-years


@dataclass(frozen=True, slots=True)
class RunAudit:
    """The audit of one practice-year inside a replicated run, a group or a sweep."""

    key: str  # its folder under the result directory, e.g. "practices/p00003"
    label: str  # for people: "practice 3 (CA, 1200 patients), seed 7"
    report: AuditReport


@dataclass(frozen=True, slots=True)
class ResultsAudit:
    """The audit of a replicated run, a group or a sweep: a report per practice-year inside."""

    root: str
    kind: str  # "replicated", "group" or "sweep"
    runs: tuple[RunAudit, ...]
    notes: tuple[str, ...] = ()

    @property
    def violations(self) -> int:
        return sum(r.report.violations for r in self.runs)

    @property
    def ok(self) -> bool:
        return self.violations == 0

    @property
    def contacts_checked(self) -> int:
        return sum(r.report.contacts_checked for r in self.runs)

    @property
    def failing(self) -> tuple[RunAudit, ...]:
        return tuple(r for r in self.runs if not r.report.ok)
