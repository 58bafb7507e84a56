"""The log: a run directory's tables checked and assembled into aligned arrays (patients, contacts,
their candidate places and local times, opt-outs), and the hits a rule check returns."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from dentsim.compliance.audit.arrays import codes_of, encode, lookup, missing_ids
from dentsim.compliance.audit.localtime import hhmm, local_seconds
from dentsim.compliance.audit.places import (
    check_state_codes,
    dialled_area_codes,
    find_places,
    national_number,
)
from dentsim.compliance.audit.reading import (
    COLUMNS,
    read_min_pause_s,
    read_postures,
    read_run_json,
    read_table,
    read_transcripts_expected,
)
from dentsim.compliance.audit.vocabulary import ANSWERED_BY, CHANNELS, DAY_S, KINDS, RESULTS, SCOPES
from dentsim.compliance.rules import RuleSet
from dentsim.errors import InputError


@dataclass(slots=True)
class Log:
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
    # transcripts: run.json says every played call has one; the calls a person answered and
    # the dialogue played (not hung up on during machine detection)
    transcripts_expected: bool
    played: np.ndarray
    notes: list[str] = field(default_factory=list)

    # -- per-contact views

    def channel_in(self, channels: Iterable[str]) -> np.ndarray:
        chosen = set(channels)
        if chosen >= set(CHANNELS):
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
        return hhmm(int(self.local_tod[row, col]))

    def purposes_text(self, row: int) -> str:
        return "|".join(self.combos[self.pcode[row]])


@dataclass(slots=True)
class Hits:
    """What a check found: one entry per violation (a contact, or a contact x served patient)."""

    checked: int
    rows: np.ndarray
    patients: np.ndarray
    why: Callable[[int], tuple[str, str]]  # hit index -> (zone for the local time, reason)


def no_hits(checked: int = 0) -> Hits:
    empty = np.zeros(0, np.int64)
    return Hits(checked, empty, empty, lambda i: ("UTC", ""))


def load_log(run_dir: Path, rules: RuleSet) -> Log:
    if not run_dir.exists():
        raise InputError(f"{run_dir}: no such run directory")
    if not run_dir.is_dir():
        raise InputError(f"{run_dir}: not a directory; expected a run directory")
    problems: list[str] = []
    run = read_run_json(run_dir, problems)
    tables = {name: read_table(run_dir, name, problems) for name in COLUMNS}
    if problems:
        raise InputError(problems)
    assert run is not None
    pr, pt, at, oo = (tables[n] for n in COLUMNS)
    assert pr is not None and pt is not None and at is not None and oo is not None
    postures = read_postures(
        run, run_dir / "run.json", rules.consent_required.default_posture, problems
    )
    min_pause_s = read_min_pause_s(run, run_dir / "run.json", problems)
    transcripts_expected = read_transcripts_expected(run, run_dir / "run.json", problems)
    check_state_codes(
        run_dir / "practices.parquet", pr, ("state",), "practice_id", "practice", problems
    )
    p_columns = ("state", "phone_state")
    check_state_codes(
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
    area_code, area_code_names = dialled_area_codes(a_path, at, number, problems)
    pidx, found = lookup(p_sorted, p_order, at["patient_id"])
    if not found.all():
        problems.append(
            missing_ids(a_path, "patient_id", at["patient_id"], found, "patients.parquet")
        )
    practice, found = lookup(pr_sorted, pr_order, at["practice_id"])
    if not found.all():
        problems.append(
            missing_ids(a_path, "practice_id", at["practice_id"], found, "practices.parquet")
        )
    pcode, combo_texts = encode(at["purposes"])
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
        cov_p, found = lookup(p_sorted, p_order, cov_ids)
        if not found.all():
            problems.append(
                missing_ids(a_path, "covered_patient_ids", cov_ids, found, "patients.parquet")
            )

    # opt-outs
    o_path = run_dir / "optouts.parquet"
    o_p, found = lookup(p_sorted, p_order, oo["patient_id"])
    if not found.all():
        problems.append(
            missing_ids(o_path, "patient_id", oo["patient_id"], found, "patients.parquet")
        )
    o_hard = codes_of(oo["kind"], KINDS) == 0
    soft_without_pause = ~o_hard & oo["pause_until_utc:null"]
    if soft_without_pause.any():
        first_row = int(np.flatnonzero(soft_without_pause)[0])
        problems.append(
            f"{o_path}: column 'pause_until_utc': a soft opt-out needs a pause end; "
            f"{int(soft_without_pause.sum())} are empty, first at row {first_row}"
        )
    if problems:
        raise InputError(problems)

    places = find_places(pt, pidx, area_code, area_code_names)
    width = places.zone.shape[1]
    t = at["t_utc"]
    loc = places.zone[places.c_key] if n else np.zeros((0, width), np.int64)
    local = local_seconds(np.repeat(t[:, None], width, axis=1), loc, places.zone_names)
    local_day = np.floor_divide(local, DAY_S)
    message = at["message"]
    phone_code, phones = encode(number)
    is_sms = codes_of(at["channel"], CHANNELS) == 1
    table_optouts = _OptOuts(
        p=o_p,
        t=oo["t_utc"],
        sms=codes_of(oo["channel"], CHANNELS) == 1,
        scope=codes_of(oo["scope"], SCOPES),
        hard=o_hard,
        pause=np.where(oo["pause_until_utc:null"], -1, oo["pause_until_utc"]),
        attempt=np.full(len(o_p), -1, np.int64),
    )
    notes: list[str] = []
    opt = _opt_outs(table_optouts, at, pidx, is_sms, min_pause_s, notes)

    log = Log(
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
        result=codes_of(at["result"], RESULTS),
        answered_by=codes_of(at["answered_by"], ANSWERED_BY),
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
        transcripts_expected=transcripts_expected,
        played=_played(at, is_sms),
        notes=notes,
    )
    _note_shared_numbers(log)
    return log


def _note_shared_numbers(log: Log) -> None:
    codes, _ = encode(log.p_number)
    triples = np.unique(np.stack([log.p_practice, codes, log.p_household]), axis=1)
    pairs, counts = np.unique(triples[:2], axis=1, return_counts=True)
    shared = int((counts > 1).sum())
    if shared:
        log.notes.append(
            f"{shared} phone numbers are shared by patients of different households in one "
            "practice; the caps count contacts per number, so those households share a cap"
        )


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


def _played(at: dict[str, Any], is_sms: np.ndarray) -> np.ndarray:
    """Per contact: a voice call a person answered (the patient, someone of the household or a
    stranger at a wrong number) and the dialogue played: every one but a hang-up during
    machine detection, which ends before a word is said."""
    person = np.isin(codes_of(at["answered_by"], ANSWERED_BY), [1, 2, 3])
    in_call = np.isin(
        codes_of(at["result"], RESULTS), [RESULTS.index("answered"), RESULTS.index("wrong_number")]
    )
    return ~is_sms & person & in_call & ~_outcome_has(at["outcome"], "hung_up_on_silence")


def _outcome_has(outcome: pa.Array, word: str) -> np.ndarray:
    """Per contact: one of its per-purpose outcomes (joined by '|') is `word`."""
    found = pc.match_substring_regex(outcome, rf"(^|\|)\s*{word}\s*($|\|)")
    return found.to_numpy(zero_copy_only=False).astype(bool)


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
