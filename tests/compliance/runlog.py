"""Hand-made run directories for the compliance tests: a few rows, written as the engine would.

Every builder fills the contract's columns with a compliant default, so a test names only
what it is about.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pyarrow as pa
import pyarrow.parquet as pq

PRACTICE_NAME = "Bright Smile Dental"
PRACTICE_PHONE = "614-555-0100"
VOICEMAIL = (
    f"Hello, this is the automated assistant for {PRACTICE_NAME}, calling about your next "
    f"visit. Please call us back at {PRACTICE_PHONE}. Thank you."
)
SMS = (
    f"{PRACTICE_NAME}: we'd like to help with your next visit. "
    f"Reply or call {PRACTICE_PHONE}. Reply STOP to opt out."
)
STOP_CONFIRMATION = f"{PRACTICE_NAME}: you will get no more messages from us."

TS = pa.timestamp("s", tz="UTC")

PRACTICES_SCHEMA = pa.schema(
    [
        ("practice_id", pa.int32()),
        ("name", pa.string()),
        ("street", pa.string()),
        ("city", pa.string()),
        ("state", pa.string()),
        ("tz", pa.string()),
        ("phone", pa.string()),
    ]
)
PATIENTS_SCHEMA = pa.schema(
    [
        ("patient_id", pa.int64()),
        ("practice_id", pa.int32()),
        ("first_name", pa.string()),
        ("last_name", pa.string()),
        ("birth_date", pa.date32()),
        ("household_id", pa.int64()),
        ("phone", pa.string()),
        ("phone_type", pa.string()),
        ("phone_shared", pa.bool_()),
        ("state", pa.string()),
        ("phone_state", pa.string()),
        ("tz_address", pa.string()),
        ("tz_phone", pa.string()),
        ("consent_healthcare", pa.bool_()),
        ("consent_written", pa.bool_()),
        ("text_allowed", pa.bool_()),
        ("no_voicemail", pa.bool_()),
        ("do_not_call", pa.bool_()),
        ("language", pa.string()),
    ]
)
ATTEMPTS_SCHEMA = pa.schema(
    [
        ("attempt_id", pa.int64()),
        ("practice_id", pa.int32()),
        ("patient_id", pa.int64()),
        ("t_utc", TS),
        ("channel", pa.string()),
        ("phone", pa.string()),
        ("purposes", pa.string()),
        ("result", pa.string()),
        ("answered_by", pa.string()),
        ("duration_s", pa.int32()),
        ("message", pa.string()),
        ("outcome", pa.string()),
        ("covered_patient_ids", pa.string()),
    ]
)
OPTOUTS_SCHEMA = pa.schema(
    [
        ("patient_id", pa.int64()),
        ("t_utc", TS),
        ("channel", pa.string()),
        ("scope", pa.string()),
        ("how", pa.string()),
        ("kind", pa.string()),
        ("pause_until_utc", TS),
        ("text", pa.string()),
    ]
)


def utc(text: str) -> datetime:
    """'2026-03-09T14:00Z' or '2026-03-09 14:00' (UTC) -> an aware datetime."""
    return datetime.fromisoformat(text.replace("Z", "")).replace(tzinfo=UTC)


def local(text: str, zone: str) -> datetime:
    """A local wall-clock time in `zone`, as UTC ('2026-03-09 20:30', 'America/New_York')."""
    return datetime.fromisoformat(text).replace(tzinfo=ZoneInfo(zone)).astimezone(UTC)


def patient(patient_id: int = 1, **overrides: Any) -> dict[str, Any]:
    row = {
        "patient_id": patient_id,
        "practice_id": 1,
        "first_name": "Ann",
        "last_name": f"Lee{patient_id}",
        "birth_date": date(1980, 1, 1),
        "household_id": patient_id,
        "phone": f"614-555-{100 + patient_id:04d}",
        "phone_type": "wireless",
        "phone_shared": False,
        "state": "OH",
        "phone_state": "OH",
        "tz_address": "America/New_York",
        "tz_phone": "America/New_York",
        "consent_healthcare": True,
        "consent_written": False,
        "text_allowed": True,
        "no_voicemail": False,
        "do_not_call": False,
        "language": "en",
    }
    unknown = set(overrides) - set(row)
    assert not unknown, f"not a patients column: {unknown}"
    row.update(overrides)
    return row


def attempt(t: datetime | str, patient_id: int = 1, **overrides: Any) -> dict[str, Any]:
    """A live answered recall call; `phone` defaults to the patient's number on file."""
    row = {
        "attempt_id": None,
        "practice_id": 1,
        "patient_id": patient_id,
        "t_utc": utc(t) if isinstance(t, str) else t,
        "channel": "voice",
        "phone": None,
        "purposes": "recall",
        "result": "answered",
        "answered_by": "patient",
        "duration_s": 45,
        "message": "",
        "outcome": "booked",
        "covered_patient_ids": "",
    }
    unknown = set(overrides) - set(row)
    assert not unknown, f"not an attempts column: {unknown}"
    row.update(overrides)
    return row


def voicemail(t: datetime | str, patient_id: int = 1, **overrides: Any) -> dict[str, Any]:
    base = {"result": "voicemail", "answered_by": "machine", "duration_s": 25, "message": VOICEMAIL}
    return attempt(t, patient_id, **{**base, **overrides})


def sms(t: datetime | str, patient_id: int = 1, **overrides: Any) -> dict[str, Any]:
    base = {
        "channel": "sms",
        "result": "delivered",
        "answered_by": "",
        "duration_s": 0,
        "message": SMS,
    }
    return attempt(t, patient_id, **{**base, **overrides})


def optout(t: datetime | str, patient_id: int = 1, **overrides: Any) -> dict[str, Any]:
    row = {
        "patient_id": patient_id,
        "t_utc": utc(t) if isinstance(t, str) else t,
        "channel": "sms",
        "scope": "all",
        "how": "sms_reply",
        "kind": "hard",
        "pause_until_utc": None,
        "text": "STOP",
    }
    row.update(overrides)
    if isinstance(row["pause_until_utc"], str):
        row["pause_until_utc"] = utc(row["pause_until_utc"])
    return row


def practice(practice_id: int = 1, **overrides: Any) -> dict[str, Any]:
    row = {
        "practice_id": practice_id,
        "name": PRACTICE_NAME,
        "street": "100 Main Street",
        "city": "Columbus",
        "state": "OH",
        "tz": "America/New_York",
        "phone": PRACTICE_PHONE,
    }
    row.update(overrides)
    return row


def write_run(
    run_dir: Path,
    patients: Iterable[Mapping[str, Any]],
    attempts: Iterable[Mapping[str, Any]],
    optouts: Iterable[Mapping[str, Any]] = (),
    practices: Iterable[Mapping[str, Any]] | None = None,
    campaigns: Mapping[str, Any] | None = None,
    transcripts: Iterable[Mapping[str, Any]] | None = None,
    scenario: Mapping[str, Any] | None = None,
) -> Path:
    """Write run.json and the four Parquet tables (and transcripts.jsonl if given).

    `scenario` adds keys to run.json's resolved scenario (e.g. `strategy`)."""
    run_dir.mkdir(parents=True, exist_ok=True)
    patients = [dict(p) for p in patients]
    phones = {p["patient_id"]: p["phone"] for p in patients}
    rows = []
    for i, a in enumerate(attempts, start=1):
        a = dict(a)
        a["attempt_id"] = a["attempt_id"] if a["attempt_id"] is not None else i
        a["phone"] = (
            a["phone"] if a["phone"] is not None else phones.get(a["patient_id"], "614-555-0199")
        )
        rows.append(a)
    resolved = {"name": "test", "campaigns": dict(campaigns or {"recall": {}}), **(scenario or {})}
    (run_dir / "run.json").write_text(
        json.dumps({"format_version": 1, "scenario": resolved, "seed": 1})
    )
    for name, data, schema in (
        ("practices", list(practices or [practice()]), PRACTICES_SCHEMA),
        ("patients", patients, PATIENTS_SCHEMA),
        ("attempts", rows, ATTEMPTS_SCHEMA),
        ("optouts", [dict(o) for o in optouts], OPTOUTS_SCHEMA),
    ):
        pq.write_table(pa.Table.from_pylist(data, schema=schema), run_dir / f"{name}.parquet")
    if transcripts is not None:
        with (run_dir / "transcripts.jsonl").open("w") as f:
            for t in transcripts:
                f.write(json.dumps(t) + "\n")
    return run_dir


def broken(report: Any) -> set[str]:
    """The ids of the rules the audit found broken."""
    return {r.rule_id for r in report.results if r.violations}
