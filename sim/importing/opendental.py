"""Open Dental's own tables, as `SELECT * FROM <table>` writes them to CSV, read into `Person`s.

The codes are Open Dental's (OpenDentBusiness enums): PatientStatus 0 Patient, 1 NonPatient,
2 Inactive, 3 Archived, 4 Deleted, 5 Deceased, 6 Prospective; PatientGender 0 Male, 1 Female,
2 Unknown; ApptStatus 1 Scheduled, 2 Complete, 3 UnschedList, 4 ASAP, 5 Broken, 6 Planned,
7 PtNote, 8 PtNoteCompleted; ContactMethod 0 None, 1 DoNotCall, 2 HmPhone, 3 WkPhone,
4 WirelessPh, 5 Email, 6 SeeNotes, 7 Mail, 8 TextMessage; YN (TxtMsgOk) 0 Unknown, 1 Yes, 2 No;
TreatPlanStatus 0 Saved, 1 Active, 2 Inactive. A recall's RecallInterval packs days, weeks,
months and years into one integer, a byte each (days lowest).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

from dentsim.errors import InputError
from dentsim.importing.records import (
    HYGIENE_TYPES,
    Export,
    Person,
    language_code,
    state_code,
    zip3,
)
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

PAT_STATUS = {0: "active", 2: "inactive"}
PAT_EXCLUDED = {1: "non-patient", 3: "archived", 4: "deleted", 5: "deceased", 6: "prospective"}
GENDER = {0: "M", 1: "F", 2: None}
APT_SCHEDULED, APT_COMPLETE, APT_BROKEN = 1, 2, 5
CONTACT = {0: "none", 1: "none", 2: "home_phone", 3: "home_phone", 4: "wireless", 5: "email",
           6: "none", 7: "none", 8: "text"}  # fmt: skip
DO_NOT_CALL, PHONE_METHODS = 1, {2, 3, 4}
TXT_YES = 1

REQUIRED = {
    "patient": ("PatNum", "PatStatus", "Gender", "Birthdate", "State", "Zip", "HmPhone",
                "WkPhone", "WirelessPhone", "Guarantor"),
    "recall": ("PatNum", "DateDue", "DatePrevious", "RecallInterval", "RecallTypeNum",
               "IsDisabled"),
    "appointment": ("AptNum", "PatNum", "AptStatus", "AptDateTime"),
}  # fmt: skip
OPTIONAL = {
    "recalltype": ("RecallTypeNum", "Description"),
    "treatplan": ("TreatPlanNum", "PatNum", "DateTP", "TPStatus"),
    "proctp": ("TreatPlanNum", "FeeAmt"),
}
CHILD_AGE = 18  # below it a prophylaxis recall is the child's (D1120), as the generator draws


def interval_months(packed: int) -> int:
    """Months of an Open Dental Interval (bytes: days, weeks, months, years), rounded."""
    days, weeks = packed & 0xFF, (packed >> 8) & 0xFF
    months, years = (packed >> 16) & 0xFF, (packed >> 24) & 0xFF
    return years * 12 + months + round((weeks * 7 + days) / 30.4375)


def packed_interval(months: int) -> int:
    return (months // 12) << 24 | (months % 12) << 16


def read(folder: Path, as_of: date | None, log: Log) -> Export:
    """Read an Open Dental export folder (patient.csv, recall.csv, appointment.csv, and when
    present recalltype.csv, treatplan.csv, proctp.csv)."""
    tables = {}
    for name, required in REQUIRED.items():
        path = folder / f"{name}.csv"
        if not path.is_file():
            raise InputError(f"{path}: missing: an Open Dental export needs {name}.csv")
        tables[name] = read_table(path, required, log)
    for name, required in OPTIONAL.items():
        path = folder / f"{name}.csv"
        if path.is_file():
            tables[name] = read_table(path, required, log)

    export = Export("opendental", [])
    patients = _patient_rows(tables["patient"].rows, export, log)
    recalls = _by_patient(tables["recall"].rows, patients, log)
    appts = _by_patient(tables["appointment"].rows, patients, log)
    for rows in (tables["patient"].rows, tables["recall"].rows, tables["appointment"].rows):
        export.stamps += _dates(rows, "DateTStamp")
    export.visits = [
        d for rows in appts.values() for r in rows
        if _int(r, "AptStatus", log) == APT_COMPLETE and (d := _date(r, "AptDateTime", log))
    ] + [d for rows in recalls.values() for r in rows if (d := _date(r, "DatePrevious", log))]  # fmt: skip
    export.exported_on = as_of or _exported_on(export)
    today = export.exported_on
    export.providers = _providers(tables["appointment"].rows)
    hygiene = _recall_types(tables.get("recalltype"))
    plans = _plans(tables.get("treatplan"), tables.get("proctp"), log)

    for key, person in patients.items():
        future = [
            (d, r) for r in appts.get(key, [])
            if _int(r, "AptStatus", log) == APT_SCHEDULED
            and (d := _date(r, "AptDateTime", log)) is not None and d > today
        ]  # fmt: skip
        person.broken = sum(_int(r, "AptStatus", log) == APT_BROKEN for r in appts.get(key, []))
        hyg = [d for d, r in future if r.get("IsHygiene") in ("", "1", "True", "true")]
        _recall(person, recalls.get(key, []), hygiene, today, log)
        scheduled = [d for r in recalls.get(key, []) if (d := _date(r, "DateScheduled", log))]
        nxt = hyg or [d for d in scheduled if d > today]
        person.next_visit = min(nxt) if nxt else None
        other = [d for d, r in future if r.get("IsHygiene") not in ("", "1", "True", "true")]
        if key in plans and not other:
            person.plan_date, person.plan_value = plans[key]
        export.people.append(person)
    return export


def _patient_rows(rows: list[Row], export: Export, log: Log) -> dict[str, Person]:
    out: dict[str, Person] = {}
    for row in rows:
        for col, names in (("FName", export.first_names), ("Preferred", export.first_names),
                           ("MiddleI", export.first_names), ("LName", export.last_names)):  # fmt: skip
            if row.get(col):
                names.add(row.get(col).lower())
        numbers = {}
        for col in ("WirelessPhone", "HmPhone", "WkPhone"):
            try:
                numbers[col] = phone_digits(row.get(col))
            except BadValue as e:
                log.blank(row, col, str(e))
                numbers[col] = None
            if numbers[col]:
                export.numbers.add(numbers[col])  # type: ignore[arg-type]
        try:
            birth = parse_date(row.get("Birthdate"))
        except BadValue as e:
            log.blank(row, "Birthdate", str(e))
            birth = None
        if birth:
            export.birth_dates.add(birth)
        key = row.get("PatNum")
        if not key:
            log.skip(row, "PatNum", "no patient number")
            continue
        if key in out:
            log.skip(row, "PatNum", "a patient number already read on an earlier line")
            continue
        try:
            code = parse_int(row.get("PatStatus"))
        except BadValue as e:
            log.skip(row, "PatStatus", str(e))
            continue
        if code in PAT_EXCLUDED:
            export.excluded[PAT_EXCLUDED[code]] += 1
            continue
        if code not in PAT_STATUS:
            log.skip(row, "PatStatus", f"status code {code} is not one of Open Dental's (0-6)")
            continue
        person = _person(row, key, PAT_STATUS[code], birth, numbers, log)
        if person is not None:
            out[key] = person
    return out


def _person(
    row: Row, key: str, status: str, birth: date | None, numbers: dict[str, str | None], log: Log
) -> Person | None:
    method = _int(row, "PreferContactMethod", log)
    recall_method = _int(row, "PreferRecallMethod", log)
    first = {4: "WirelessPhone", 8: "WirelessPhone", 2: "HmPhone", 3: "WkPhone"}.get(
        recall_method if recall_method in CONTACT and recall_method > 1 else method
    )
    order = ([first] if first else []) + ["WirelessPhone", "HmPhone", "WkPhone"]
    column = next((c for c in order if numbers.get(c)), None)
    if column is None:
        log.skip(row, "WirelessPhone", "no usable phone number (WirelessPhone, HmPhone, WkPhone)")
        return None
    phone_type = "wireless" if column == "WirelessPhone" else "landline"
    confidential = _int(row, "PreferContactConfidential", log)
    gender = _int(row, "Gender", log)
    return Person(
        key=key,
        guarantor=row.get("Guarantor") or key,
        status=status,
        sex=GENDER.get(gender),
        birth_date=birth,
        state=state_code(row.get("State")),
        zip3=zip3(row.get("Zip")),
        phone=numbers[column],  # type: ignore[arg-type]
        phone_type=phone_type,
        language=language_code(row.get("Language")),
        preferred_contact=CONTACT.get(method, "none"),
        text_allowed=_int(row, "TxtMsgOk", log) == TXT_YES and phone_type == "wireless",
        no_voicemail=confidential not in (0, *PHONE_METHODS),
        do_not_call=DO_NOT_CALL in (method, recall_method),
    )


def _recall(
    person: Person, rows: list[Row], hygiene: Callable[[str], str | None] | None, today: date,
    log: Log,
) -> None:  # fmt: skip
    """The patient's hygiene recall: perio maintenance before prophylaxis; disabled ones only
    when nothing else is there (the practice stopped recalling the patient: inactive)."""
    child = person.birth_date is not None and _age(person.birth_date, today) < CHILD_AGE
    found = []
    for r in rows:
        kind = hygiene(r.get("RecallTypeNum")) if hygiene else "prophy"
        if kind is None:
            continue  # bitewings, a panoramic film: not a hygiene visit
        months = interval_months(_int(r, "RecallInterval", log))
        if kind == "prophy":
            kind = (
                "D4910" if hygiene is None and 0 < months < 5 else ("D1120" if child else "D1110")
            )
        disabled = r.get("IsDisabled") in ("1", "True", "true")
        found.append((disabled, kind != "D4910", r, kind, months))
    if not found:
        return
    disabled, _, r, kind, months = min(found, key=lambda f: (f[0], f[1]))
    if disabled:
        person.status = "inactive"
    person.recall_type = kind
    person.interval_months = months or HYGIENE_TYPES[kind][1]
    person.last_hygiene = _date(r, "DatePrevious", log)
    person.due = _date(r, "DateDue", log) or _date(r, "DateDueCalc", log)


def _recall_types(table: Any) -> Callable[[str], str | None] | None:
    """RecallTypeNum -> 'D4910', 'D1110', 'D1120', 'prophy' (child or adult by age) or None
    (not a hygiene recall), from recalltype.csv's procedure codes or description."""
    if table is None:
        return None
    kinds: dict[str, str | None] = {}
    for row in table.rows:
        procs, desc = row.get("Procedures").upper(), row.get("Description").lower()
        if "D4910" in procs or "perio" in desc:
            kind: str | None = "D4910"
        elif "D1110" in procs and "D1120" in procs:
            kind = "prophy"
        elif "D1120" in procs or "child" in desc:
            kind = "D1120"
        elif "D1110" in procs or "prophy" in desc:
            kind = "D1110" if procs else "prophy"
        else:
            kind = None
        kinds[row.get("RecallTypeNum")] = kind
    return lambda num: kinds.get(num)


def _plans(treatplan: Any, proctp: Any, log: Log) -> dict[str, tuple[date, float]]:
    """PatNum -> (date, value) of the latest accepted plan: signed (DateTSigned or Signature),
    or, in an export without those columns, saved (TPStatus 0); valued as its proctp fees."""
    if treatplan is None or proctp is None:
        return {}
    fees: dict[str, float] = defaultdict(float)
    for row in proctp.rows:
        try:
            fees[row.get("TreatPlanNum")] += parse_float(row.get("FeeAmt")) or 0.0
        except BadValue as e:
            log.blank(row, "FeeAmt", str(e))
    signed_columns = {"DateTSigned", "Signature"} & set(treatplan.columns)
    out: dict[str, tuple[date, float]] = {}
    for row in treatplan.rows:
        signed = _date(row, "DateTSigned", log) if "DateTSigned" in signed_columns else None
        accepted = (
            bool(signed or row.get("Signature"))
            if signed_columns
            else _int(row, "TPStatus", log) == 0
        )
        value = fees.get(row.get("TreatPlanNum"), 0.0)
        when = signed or _date(row, "DateTP", log)
        if accepted and value > 0 and when is not None:
            key = row.get("PatNum")
            if key not in out or when > out[key][0]:
                out[key] = (when, round(value, 2))
    return out


def _by_patient(rows: list[Row], patients: dict[str, Any], log: Log) -> dict[str, list[Row]]:
    out: dict[str, list[Row]] = defaultdict(list)
    for row in rows:
        key = row.get("PatNum")
        if key in patients:
            out[key].append(row)
    return out


def _providers(rows: list[Row]) -> int | None:
    seen = {r.get(c) for r in rows for c in ("ProvNum", "ProvHyg") if r.get(c) not in ("", "0")}
    return len(seen) or None


def _exported_on(export: Export) -> date:
    """The latest of the files' own timestamps (DateTStamp), else of the visits that happened."""
    if export.stamps:
        return max(export.stamps)
    if export.visits:
        return max(export.visits)
    raise InputError(
        "the export has no DateTStamp and no completed visit to date it by; give --as-of DATE"
    )


def _dates(rows: list[Row], column: str) -> list[date]:
    out = []
    for r in rows:
        try:
            d = parse_date(r.get(column))
        except BadValue:
            continue
        if d is not None:
            out.append(d)
    return out


def _date(row: Row, column: str, log: Log) -> date | None:
    try:
        return parse_date(row.get(column))
    except BadValue as e:
        log.blank(row, column, str(e))
        return None


def _int(row: Row, column: str, log: Log) -> int:
    try:
        return parse_int(row.get(column))
    except BadValue as e:
        log.blank(row, column, str(e))
        return 0


def _age(birth: date, on: date) -> int:
    return on.year - birth.year - ((on.month, on.day) < (birth.month, birth.day))
