"""PRACTICE_DIR: an export's patients, de-identified, as patients.parquet and practice.yaml.

The folder is written whole into a staging folder beside it and renamed into place: an import
that fails leaves no folder, or the previous import whole. The contract: docs/data.md
"The practice folder".
"""

from __future__ import annotations

import os
import shutil
from collections import Counter
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import yaml

from dentsim.data import area_codes, codes_by_state
from dentsim.domain.population import Patients, state_zone
from dentsim.errors import InputError
from dentsim.files import check_output_dir
from dentsim.importing.deidentify import age_on, birth_date_for, fictional_numbers, names
from dentsim.importing.records import HYGIENE_TYPES, Export
from dentsim.simulation.eventlog import patients_table, write_parquet

FORMAT_VERSION = 1
FILES = ("practice.yaml", "patients.parquet")
SEED = 16  # de-identification draws: fixed, so the same export gives the same bytes
DUE_WINDOW_DAYS = 30  # 'due': the recall falls due within this many days after the export
UNKNOWN_AGE = {"D1120": 10, None: 40}  # a patient without a birth date: a child's recall, or adult


@dataclass(frozen=True, slots=True)
class Imported:
    counts: dict[str, int]
    exported_on: date
    state: str
    beyond_fiction: int  # numbers given a line beyond 555-0100..0199
    no_recall: int  # patients without a hygiene recall: due at the export date
    no_birth_date: int


def check_out(out: Path) -> None:
    """Refuse before reading anything an output path that is not a practice folder of dentsim's."""
    check_output_dir(out, "--out")
    if out.is_dir():
        foreign = sorted(p.name for p in out.iterdir() if p.name not in FILES)
        if foreign:  # an import replaces the folder whole: it would take these with it
            raise InputError(
                f"--out {out}: holds {foreign[0]!r}{' and more' if len(foreign) > 1 else ''}, "
                f"which is not a file of a practice folder; give a new or empty folder, or "
                f"an earlier import's"
            )


def build(
    export: Export, state: str | None, name: str | None, skipped_rows: int
) -> tuple[pa.Table, dict[str, Any], Imported]:
    """patients.parquet's table, practice.yaml's content, and a summary for the command line."""
    people = export.people
    if not people:
        raise InputError("the export holds no patient that can be imported; nothing written")
    assert export.exported_on is not None
    today = export.exported_on
    rng = np.random.default_rng(SEED)
    states = Counter(p.state for p in people if p.state in codes_by_state())
    practice_state = state or (states.most_common(1)[0][0] if states else None)
    if practice_state is None:
        raise InputError("no patient has a US state in the export; give --state XX")
    order = rng.permutation(len(people))  # new ids carry nothing of the export's order
    people = [people[i] for i in order]
    n = len(people)

    households: dict[str, int] = {}
    household = np.array([households.setdefault(p.guarantor, len(households)) for p in people])
    ids = np.arange(n, dtype=np.int64)
    key_id = {p.key: i for i, p in enumerate(people)}
    first_member = {int(h): i for i, h in reversed(list(enumerate(household)))}
    guarantor = np.array(
        [
            key_id.get(p.guarantor, first_member[int(h)])
            for p, h in zip(people, household, strict=True)
        ]
    )

    phones, beyond = fictional_numbers((p.phone for p in people), export.numbers, rng)
    phone = np.array([phones[p.phone] for p in people])
    uses = Counter(p.phone for p in people)
    codes = [ph[:3] for ph in phone]
    table = area_codes()
    sex = np.array([p.sex or ("F" if rng.random() < 0.52 else "M") for p in people])
    spanish = np.array([p.language == "es" for p in people])
    first, last = names(sex, spanish, household, export.first_names, export.last_names, rng)

    no_birth = 0
    births = []
    for p in people:
        if p.birth_date is None:
            no_birth += 1
        age = age_on(p.birth_date, today) if p.birth_date else UNKNOWN_AGE.get(p.recall_type, 40)
        births.append(birth_date_for(max(age, 0), today, export.birth_dates, rng))

    no_recall = 0
    due, last_visit, rtype, months = [], [], [], []
    for p in people:
        kind = p.recall_type or "D1110"
        m = p.interval_months or HYGIENE_TYPES[kind][1]
        interval = timedelta(days=round(m * 30.4375))
        d = p.due or (p.last_hygiene + interval if p.last_hygiene else None)
        if d is None:
            no_recall += 1
            d = today
        due.append(d)
        last_visit.append(p.last_hygiene or d - interval)
        rtype.append(kind)
        months.append(m)
    pstate = np.array([p.state if p.state in codes_by_state() else practice_state for p in people])

    def days(dates: list[date]) -> np.ndarray:
        return np.array([(d - today).days for d in dates], dtype=np.int32)

    patients = Patients(
        patient_id=ids, practice_id=np.zeros(n, dtype=np.int32), first_name=first,
        last_name=last, birth_date=np.array(births, dtype="datetime64[D]"), sex=sex,
        household_id=household.astype(np.int64), guarantor_id=guarantor.astype(np.int64),
        street=np.full(n, ""), city=np.full(n, ""), state=pstate,
        zip=np.array([p.zip3 for p in people]), phone=phone,
        phone_type=np.array([p.phone_type for p in people]),
        phone_shared=np.array([uses[p.phone] > 1 for p in people]),
        phone_state=np.array([table[c].state for c in codes]),
        tz_address=np.array([state_zone(s) for s in pstate]),
        tz_phone=np.array(["|".join(table[c].zones) for c in codes]),
        language=np.array([p.language for p in people]),
        status=np.array([p.status for p in people]),
        perio=np.array([k == "D4910" for k in rtype]),
        recall_interval_months=np.array(months, dtype=np.int8), recall_type=np.array(rtype),
        last_hygiene_day=days(last_visit), recall_due_day=days(due),
        prebooked_day=np.full(n, -1, dtype=np.int32),
        preferred_contact=np.array([p.preferred_contact for p in people]),
        text_allowed=np.array([p.text_allowed for p in people]),
        no_voicemail=np.array([p.no_voicemail for p in people]),
        consent_healthcare=np.ones(n, dtype=bool),
        consent_written=np.zeros(n, dtype=bool),  # Open Dental records no written consent
        do_not_call=np.array([p.do_not_call for p in people]),
    )  # fmt: skip
    t = patients_table(patients, today)
    t = t.append_column("next_visit_date", pa.array([p.next_visit for p in people], pa.date32()))
    t = t.append_column("broken_appts", pa.array([p.broken for p in people], pa.int16()))
    t = t.append_column("plan_value_usd", pa.array([p.plan_value for p in people], pa.float64()))
    t = t.append_column("plan_date", pa.array([p.plan_date for p in people], pa.date32()))

    active = [p.status == "active" and p.next_visit is None for p in people]
    counts = {
        "patients": n,
        "active": sum(p.status == "active" for p in people),
        "inactive": sum(p.status == "inactive" for p in people),
        "due": sum(a and today <= d <= today + timedelta(days=DUE_WINDOW_DAYS)
                   for a, d in zip(active, due, strict=True)),
        "overdue": sum(a and d < today for a, d in zip(active, due, strict=True)),
        "booked": sum(p.next_visit is not None for p in people),
        "plans": sum(p.plan_value is not None for p in people),
        "skipped_rows": skipped_rows,
    }  # fmt: skip
    profile: dict[str, Any] = {
        "format_version": FORMAT_VERSION,
        "source": export.source,
        "exported_on": today,  # written unquoted: YAML reads it back as a date
        "practice": {"state": practice_state, "providers": export.providers, "name": name},
        "counts": counts,
    }
    return t, profile, Imported(counts, today, practice_state, beyond, no_recall, no_birth)


def save(out: Path, table: pa.Table, profile: dict[str, Any]) -> None:
    """Write the folder into a staging folder beside `out`, then rename it into place."""
    out = out.absolute()
    out.parent.mkdir(parents=True, exist_ok=True)
    staging = out.with_name(f".{out.name}.dentsim-import")
    old = out.with_name(f".{out.name}.dentsim-previous")
    for leftover in (staging, old):
        shutil.rmtree(leftover, ignore_errors=True)
    staging.mkdir()
    try:
        write_parquet(table, staging / "patients.parquet")
        text = yaml.safe_dump(profile, sort_keys=False, default_flow_style=False)
        (staging / "practice.yaml").write_text(text, encoding="utf-8")
        if out.exists():
            os.replace(out, old)
        os.replace(staging, out)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
        shutil.rmtree(old, ignore_errors=True)
