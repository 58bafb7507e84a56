"""Reading a run directory as the event-log contract describes: run.json and the four tables, with
their columns, types and values checked; every problem is one line naming the file and column."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from dentsim.compliance.audit.vocabulary import (
    ANSWERED_BY,
    CHANNELS,
    DAY_S,
    KINDS,
    POSTURES,
    RESULTS,
    SCOPES,
    USE_CASES,
)

FORMAT_VERSION = 1  # of run.json and the tables this audit reads

_INT, _STR, _BOOL, _TS = "integer", "string", "boolean", "timestamp (UTC)"
COLUMNS: dict[str, dict[str, str]] = {
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


# What a damaged Parquet file raises, wherever in the reading the damage is met.
_UNREADABLE = (pa.ArrowException, OSError, ValueError, IndexError, KeyError)


def _unreadable(path: Path, e: BaseException) -> str:
    """One line naming the file, whatever the reader's message holds (some span lines)."""
    why = " ".join(str(e).split()) or type(e).__name__
    return f"{path}: not a readable Parquet file ({why})"


def _read_columns(
    path: Path, columns: list[str], problems: list[str]
) -> dict[str, pa.Array] | None:
    """The guarded reader of every table the audit reads: `columns` of the Parquet file at
    `path`, each one array (dictionaries decoded) and fully validated, so that a damaged file
    (a flipped byte, a truncated page) is one problem naming it, never a traceback midway
    through the audit; None (and the problem) when it cannot be read."""
    try:
        table = pq.read_table(path, columns=columns)
        out: dict[str, pa.Array] = {}
        for col in columns:
            arr = table.column(col).combine_chunks()
            arr.validate(full=True)
            if pa.types.is_dictionary(arr.type):
                arr = arr.dictionary_decode()
                arr.validate(full=True)
            out[col] = arr
    except _UNREADABLE as e:
        problems.append(_unreadable(path, e))
        return None
    return out


def read_table(run_dir: Path, name: str, problems: list[str]) -> dict[str, Any] | None:
    """The columns of `name` the audit reads, normalised; None (and problems) when unreadable."""
    path = run_dir / name
    spec = COLUMNS[name]
    if not path.is_file():
        problems.append(f"{path}: file not found")
        return None
    try:
        schema = pq.read_schema(path)
    except _UNREADABLE as e:
        problems.append(_unreadable(path, e))
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
    columns = _read_columns(path, list(spec), problems)
    if columns is None:
        return None
    out: dict[str, Any] = {"_rows": len(columns[next(iter(spec))])}
    for col, kind in spec.items():
        arr = columns[col]
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


def read_run_json(run_dir: Path, problems: list[str]) -> dict[str, Any] | None:
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


def read_postures(
    run: dict[str, Any], path: Path, default: str, problems: list[str]
) -> dict[str, str]:
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


def read_min_pause_s(run: dict[str, Any], path: Path, problems: list[str]) -> int | None:
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


def read_transcripts_expected(run: dict[str, Any], path: Path, problems: list[str]) -> bool:
    """Whether the run wrote a transcript of every call it played: run.json's
    scenario.dialogue has `play` and `transcripts` on (each true when absent, as the scenario's
    defaults are). A run.json without scenario.dialogue (written by hand, or before dialogues
    were played) promises no transcripts."""
    scenario = run.get("scenario")
    dialogue = scenario.get("dialogue") if isinstance(scenario, dict) else None
    if dialogue is None:
        return False
    if not isinstance(dialogue, dict):
        problems.append(f"{path}: scenario.dialogue: expected a mapping, found {dialogue!r}")
        return False
    expected = True
    for key in ("play", "transcripts"):
        value = dialogue.get(key, True)
        if not isinstance(value, bool):
            problems.append(
                f"{path}: scenario.dialogue.{key}: expected true or false, found {value!r}"
            )
            return False
        expected = expected and value
    return expected
