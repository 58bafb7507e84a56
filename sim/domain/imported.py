"""A practice imported by `dentsim import`: its PRACTICE_DIR (practice.yaml, patients.parquet)
read and checked, as `population: {from: PRACTICE_DIR}` uses it (docs/data.md, "An imported
practice").

Every problem is one line naming the folder's file, the column and the first row at fault; no
value of the file is quoted (a folder that did not come from `dentsim import` may hold what
identifies a person).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Literal, get_args

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
from pydantic import BaseModel, ConfigDict, Field

from dentsim.errors import InputError
from dentsim.scenario import USState
from dentsim.yamlio import load_model

if TYPE_CHECKING:
    from dentsim.scenario import Scenario

PRACTICE_YAML = "practice.yaml"
PATIENTS_PARQUET = "patients.parquet"

# the columns of the run's patients.parquet (docs/data.md), then the export's own four
COLUMNS: dict[str, pa.DataType] = {
    "patient_id": pa.int64(), "practice_id": pa.int32(), "first_name": pa.string(),
    "last_name": pa.string(), "birth_date": pa.date32(), "sex": pa.string(),
    "household_id": pa.int64(), "guarantor_id": pa.int64(), "street": pa.string(),
    "city": pa.string(), "state": pa.string(), "zip": pa.string(), "phone": pa.string(),
    "phone_type": pa.string(), "phone_shared": pa.bool_(), "phone_state": pa.string(),
    "tz_address": pa.string(), "tz_phone": pa.string(), "language": pa.string(),
    "status": pa.string(), "perio": pa.bool_(), "recall_interval_months": pa.int8(),
    "recall_type": pa.string(), "last_hygiene_date": pa.date32(),
    "recall_due_date": pa.date32(), "preferred_contact": pa.string(),
    "text_allowed": pa.bool_(), "no_voicemail": pa.bool_(), "consent_healthcare": pa.bool_(),
    "consent_written": pa.bool_(), "do_not_call": pa.bool_(),
    "next_visit_date": pa.date32(), "broken_appts": pa.int16(),
    "plan_value_usd": pa.float64(), "plan_date": pa.date32(),
}  # fmt: skip
NULLABLE = frozenset({"next_visit_date", "plan_value_usd", "plan_date"})
# what the simulation reads of a code column: any other value would be a silent guess
CODES: dict[str, frozenset[str]] = {
    "status": frozenset({"active", "inactive"}),
    "phone_type": frozenset({"wireless", "landline"}),
    "language": frozenset({"en", "es"}),
    "state": frozenset(get_args(USState)),
    "phone_state": frozenset(get_args(USState)),
}
# What `dentsim import` writes: the fiction range 555-0100..0199 first, then, for an area code
# that holds more numbers, the rest of the 555 exchange (555-1212, directory assistance, never)
FICTIONAL_PHONE = r"^[2-9]\d\d-555-\d{4}$"
DIRECTORY_ASSISTANCE = "-555-1212"


class _Open(BaseModel):
    # keys beyond the contract's (hours, say) are the importer's to add and nobody's to read yet
    model_config = ConfigDict(extra="ignore", strict=True, frozen=True, allow_inf_nan=False)


class ProfilePractice(_Open):
    state: USState
    providers: Annotated[int, Field(ge=1)] | None = None
    name: str | None = None


class Profile(_Open):
    """practice.yaml: what `dentsim import` says of the practice it read."""

    format_version: Literal[1]
    source: str
    exported_on: date = Field(description="The export's 'as of' date: day 0 of a run")
    practice: ProfilePractice
    counts: dict[str, int] = Field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Imported:
    """An imported practice: its profile and its patients (the contract's columns, typed)."""

    folder: Path
    profile: Profile
    patients: pa.Table


def read_imported(folder: Path | str, where: str) -> Imported:
    """Read and check PRACTICE_DIR; raise InputError (lines start with `where`, the scenario's
    `FILE:LINE: population.from`, or else with practice.yaml's own `FILE:LINE`)."""
    folder = Path(folder)
    if not folder.is_dir():
        found = "not a folder" if folder.exists() else "folder not found"
        raise InputError(f"{where}: {found}: {folder}")
    missing = [f for f in (PRACTICE_YAML, PATIENTS_PARQUET) if not (folder / f).is_file()]
    if missing:
        raise InputError(
            f"{where}: {folder} holds no {' and no '.join(missing)}; a PRACTICE_DIR is what "
            "`dentsim import` writes"
        )
    profile = load_model(folder / PRACTICE_YAML, Profile)
    parquet = folder / PATIENTS_PARQUET
    try:
        table = pq.read_table(parquet)
    except (OSError, pa.ArrowException) as e:
        raise InputError(f"{where}: {parquet}: not a Parquet file dentsim can read ({e})") from None
    table, problems = _typed(table)
    if not problems:
        problems = _value_problems(table, profile.exported_on)
    if problems:
        raise InputError([f"{where}: {parquet}: {p}" for p in problems])
    return Imported(folder=folder, profile=profile, patients=table)


def patients_in(folder: Path | str) -> int:
    """How many patients PRACTICE_DIR holds (its Parquet footer, nothing else read)."""
    return int(pq.read_metadata(Path(folder) / PATIENTS_PARQUET).num_rows)


def check_imported(scenario: Scenario, where: str, where_state: str) -> list[str]:
    """The problems of the scenario's PRACTICE_DIR, and of a practice.state that disagrees."""
    assert scenario.population.from_ is not None
    try:
        imported = read_imported(scenario.population.from_, where)
    except InputError as e:
        return e.problems
    state = imported.profile.practice.state
    if scenario.practice.state != state:
        return [
            f"{where_state}: {scenario.practice.state}, but the imported practice is in {state} "
            f"({imported.folder / PRACTICE_YAML}); give {state}"
        ]
    return []


def _typed(table: pa.Table) -> tuple[pa.Table, list[str]]:
    """The table with the contract's columns in the contract's types (a lossless cast allowed:
    int32 for int64, say); the problems instead when a column is missing or of another type."""
    missing = [c for c in COLUMNS if c not in table.column_names]
    if missing:
        return table, [f"missing column{'s' if len(missing) > 1 else ''} {', '.join(missing)}"]
    if table.num_rows == 0:
        return table, ["no patients (the table has no rows)"]
    columns, problems = [], []
    for name, kind in COLUMNS.items():
        column = table.column(name)
        try:
            if _family(column.type) != _family(kind):  # "6" is no number of months
                raise pa.ArrowInvalid(name)
            columns.append(column if column.type == kind else column.cast(kind, safe=True))
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
            problems.append(f"column {name}: expected {kind}, found {column.type}")
    if problems:
        return table, problems
    return pa.table(dict(zip(COLUMNS, columns, strict=True))), []


def _family(kind: pa.DataType) -> str:
    """The kind of value a type holds; a cast within a family only changes its width."""
    types = pa.types
    for family, test in (
        ("number", lambda t: types.is_integer(t) or types.is_floating(t)),
        ("text", lambda t: types.is_string(t) or types.is_large_string(t)),
        ("date", types.is_date),
        ("bool", types.is_boolean),
    ):
        if test(kind):
            return family
    return str(kind)


def _value_problems(table: pa.Table, exported_on: date) -> list[str]:
    problems = []

    def flag(name: str, bad: pa.ChunkedArray | np.ndarray, what: str) -> None:
        bad = np.asarray(bad, dtype=bool)
        if bad.any():
            row = int(np.flatnonzero(bad)[0])
            problems.append(
                f"column {name}: {int(bad.sum()):,} row{'s' if bad.sum() > 1 else ''} with {what} "
                f"(the first is row {row + 1:,})"
            )

    for name in COLUMNS:
        if name not in NULLABLE:
            flag(name, table.column(name).is_null().to_numpy(), "no value")
    if problems:
        return problems
    ids = table.column("patient_id").to_numpy()
    flag("patient_id", _repeated(ids), "the patient_id of an earlier row")
    for name, codes in CODES.items():
        values = table.column(name)
        flag(
            name,
            pc.invert(pc.is_in(values, pa.array(sorted(codes)))).to_numpy(),
            f"a value other than {', '.join(sorted(codes))}" if len(codes) < 5 else "no US state",
        )
    phone = table.column("phone")
    flag(
        "phone",
        (
            pc.invert(pc.match_substring_regex(phone, FICTIONAL_PHONE)).to_numpy()
            | pc.ends_with(phone, DIRECTORY_ASSISTANCE).to_numpy()
        ),
        "a number outside the 555 exchange NXX-555-XXXX (an import de-identifies every number)",
    )
    for name in ("tz_address", "tz_phone"):
        zones = table.column(name).to_pylist()
        flag(
            name,
            [not all(z in _zones() for z in v.split("|")) for v in zones],
            "a zone that is no IANA time zone (several are joined by |)",
        )
    months = table.column("recall_interval_months").to_numpy()
    flag("recall_interval_months", (months < 1) | (months > 36), "an interval outside 1 to 36")
    epoch = (exported_on - date(1970, 1, 1)).days
    visit = table.column("next_visit_date").cast(pa.int32()).to_numpy(zero_copy_only=False)
    flag(
        "next_visit_date",
        np.nan_to_num(visit.astype(float), nan=epoch) < epoch,
        f"a date before exported_on ({exported_on}): a visit booked at export lies ahead of it",
    )
    value = table.column("plan_value_usd").to_numpy(zero_copy_only=False).astype(float)
    flag(
        "plan_value_usd",
        ~np.isnan(value) & ~(value >= 0) | np.isinf(value),
        "a negative or infinite amount",
    )
    plan_day = table.column("plan_date").is_null().to_numpy(zero_copy_only=False)
    flag(
        "plan_date",
        np.isnan(value) != plan_day,
        "a date and no plan_value_usd, or a plan_value_usd and no date: a plan has both",
    )
    return problems


def _repeated(ids: np.ndarray) -> np.ndarray:
    order = np.argsort(ids, kind="stable")
    repeat = np.zeros(len(ids), dtype=bool)
    repeat[order[1:]] = ids[order[1:]] == ids[order[:-1]]
    return repeat


@cache
def _zones() -> frozenset[str]:
    import zoneinfo

    return frozenset(zoneinfo.available_timezones())


def day_numbers(column: pa.ChunkedArray, exported_on: date, none: int = -1) -> np.ndarray:
    """Dates as scenario days: day 0 is exported_on (the run's start_date); `none` for a null."""
    epoch = (exported_on - date(1970, 1, 1)).days
    days = pc.subtract(column.cast(pa.int32()), epoch)
    return np.asarray(pc.fill_null(days, none).to_numpy(), dtype=np.int32)


def strings(column: pa.ChunkedArray) -> np.ndarray:
    return np.array(column.to_pylist(), dtype=str)
