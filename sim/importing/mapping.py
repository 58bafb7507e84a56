"""The generic route: one CSV of patients (any system's: Dentrix, Eaglesoft...) read through a
YAML mapping of its columns, and of its value codes, to the fields an import keeps.

The mapping is checked like every other YAML file of dentsim's (FILE:LINE: key.path: problem);
examples/mapping.yaml maps examples/generic/patients.csv.
"""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from dentsim.errors import InputError
from dentsim.importing.records import Export, Person, language_code, state_code, zip3
from dentsim.importing.table import (
    BadValue,
    Log,
    Row,
    parse_date,
    parse_float,
    parse_int,
    phone_digits,
    read_table,
)
from dentsim.yamlio import load_model

ColumnName = Field(min_length=1, max_length=200)


class Columns(BaseModel):
    """Each kept field -> the CSV column that holds it (a field left out is not in the file)."""

    model_config = ConfigDict(extra="forbid")
    id: str = ColumnName
    status: str = ColumnName
    phone: str = ColumnName
    guarantor: str | None = None
    first_name: str | None = None  # read only to keep the generated names clear of them
    last_name: str | None = None
    sex: str | None = None
    birth_date: str | None = None
    state: str | None = None
    zip: str | None = None
    phone_type: str | None = None
    language: str | None = None
    text_allowed: str | None = None
    do_not_call: str | None = None
    no_voicemail: str | None = None
    preferred_contact: str | None = None
    recall_type: str | None = None
    recall_interval_months: str | None = None
    last_hygiene_date: str | None = None
    recall_due_date: str | None = None
    next_visit_date: str | None = None
    broken_appts: str | None = None
    plan_value_usd: str | None = None
    plan_date: str | None = None


class Values(BaseModel):
    """The file's own codes -> dentsim's, per field (codes compared without case)."""

    model_config = ConfigDict(extra="forbid")
    status: dict[str, Literal["active", "inactive", "exclude"]] = {
        "active": "active", "inactive": "inactive"
    }  # fmt: skip
    sex: dict[str, Literal["F", "M", "unknown"]] = {"f": "F", "m": "M"}
    phone_type: dict[str, Literal["wireless", "landline"]] = {}
    language: dict[str, Literal["en", "es"]] = {}
    text_allowed: dict[str, bool] = {"y": True, "yes": True, "n": False, "no": False}
    do_not_call: dict[str, bool] = {"y": True, "yes": True, "n": False, "no": False}
    no_voicemail: dict[str, bool] = {"y": True, "yes": True, "n": False, "no": False}
    preferred_contact: dict[
        str, Literal["wireless", "text", "home_phone", "email", "none"]
    ] = {}  # fmt: skip
    recall_type: dict[str, Literal["D1110", "D1120", "D4910", "none"]] = {}


class Mapping(BaseModel):
    model_config = ConfigDict(extra="forbid")
    format_version: Literal[1] = 1
    file: str = Field(min_length=1, max_length=200, description="The CSV, in EXPORT_DIR")
    date_format: str = Field("%Y-%m-%d", max_length=40, description="strptime form of dates")
    columns: Columns
    values: Values = Values()

    @field_validator("date_format")
    @classmethod
    def _reads_a_date(cls, form: str) -> str:
        # a form that cannot write and read back a date would blank every date of the file
        sample = date(2026, 3, 9)
        try:
            if datetime.strptime(sample.strftime(form), form).date() != sample:
                raise ValueError
        except ValueError:
            raise ValueError(
                "expected a form that reads a whole date (year, month and day), "
                "for example '%m/%d/%Y'"
            ) from None
        return form


def read(folder: Path, mapping_path: Path, as_of: date | None, log: Log) -> Export:
    m = load_model(mapping_path, Mapping)
    cols = m.columns
    path = folder / m.file
    if not path.is_file():
        raise InputError(f"{path}: missing (the file {mapping_path} names)")
    fields = cols.model_dump(exclude_none=True)
    table = read_table(path, list(fields.values()), log)
    formats = (m.date_format, "%Y-%m-%d")
    export = Export("csv", [])
    values = {
        k: {c.strip().lower(): v for c, v in d.items()} for k, d in m.values.model_dump().items()
    }

    def cell(row: Row, field: str) -> str:
        column = fields.get(field)
        return row.get(column) if column else ""

    def code(row: Row, field: str, default: object = None) -> object:
        text = cell(row, field)
        if not text:
            return default
        found = values[field].get(text.lower())
        if found is None:
            log.blank(row, fields[field], f"a value {mapping_path} has no values.{field} entry for")
            return default
        return found

    def day(row: Row, field: str) -> date | None:
        try:
            return parse_date(cell(row, field), formats)
        except BadValue as e:
            log.blank(row, fields[field], str(e))
            return None

    def number(row: Row, field: str, parse: type = int) -> float | None:
        try:
            return (
                (parse_int if parse is int else parse_float)(cell(row, field))
                if cell(row, field)
                else None
            )
        except BadValue as e:
            log.blank(row, fields[field], str(e))
            return None

    seen: set[str] = set()
    for row in table.rows:
        for field, names in (("first_name", export.first_names), ("last_name", export.last_names)):
            if cell(row, field):
                names.add(cell(row, field).lower())
        birth = day(row, "birth_date")
        if birth:
            export.birth_dates.add(birth)
        try:
            phone = phone_digits(cell(row, "phone"))
        except BadValue as e:
            log.blank(row, cols.phone, str(e))
            phone = None
        if phone:
            export.numbers.add(phone)
        key = cell(row, "id")
        if not key or key in seen:
            log.skip(row, cols.id, "no patient id" if not key else "a patient id already read")
            continue
        seen.add(key)
        status = code(row, "status")
        if status is None:
            log.skip(row, cols.status, "no status dentsim knows")
            continue
        if status == "exclude":
            export.excluded["excluded by the mapping"] += 1
            continue
        if phone is None:
            log.skip(row, cols.phone, "no usable phone number")
            continue
        phone_type = str(code(row, "phone_type", "wireless"))
        kind = code(row, "recall_type")
        months = number(row, "recall_interval_months")
        last, due = day(row, "last_hygiene_date"), day(row, "recall_due_date")
        plan_value = number(row, "plan_value_usd", float)
        sex = code(row, "sex")
        export.people.append(Person(
            key=key, guarantor=cell(row, "guarantor") or key, status=str(status),
            sex=None if sex in (None, "unknown") else str(sex), birth_date=birth,
            state=state_code(cell(row, "state")), zip3=zip3(cell(row, "zip")), phone=phone,
            phone_type=phone_type,
            language=str(code(row, "language", None) or language_code(cell(row, "language"))),
            preferred_contact=str(code(row, "preferred_contact", "none")),
            text_allowed=bool(code(row, "text_allowed", False)) and phone_type == "wireless",
            no_voicemail=bool(code(row, "no_voicemail", False)),
            do_not_call=bool(code(row, "do_not_call", False)),
            recall_type=None if kind in (None, "none") else str(kind),
            interval_months=int(months) if months else None,
            last_hygiene=last, due=due, next_visit=day(row, "next_visit_date"),
            broken=int(number(row, "broken_appts") or 0),
            plan_value=plan_value if plan_value else None,
            plan_date=day(row, "plan_date") if plan_value else None,
        ))  # fmt: skip
        export.visits += [d for d in (last,) if d]
    export.exported_on = as_of or (max(export.visits) if export.visits else None)
    if export.exported_on is None:
        raise InputError(f"{path}: no last visit to date the export by; give --as-of DATE")
    today = export.exported_on
    for p in export.people:
        if p.next_visit is not None and p.next_visit <= today:
            p.next_visit = None  # a visit that happened, not one booked
    return export
