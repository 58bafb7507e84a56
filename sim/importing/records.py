"""What an import keeps of each patient, whatever system the export came from.

Both routes (Open Dental's own tables, a generic CSV with a mapping) read into `Person`s; the
de-identification and the practice folder are written from these alone. A `Person` still holds
real values (the key, the phone's digits, the birth date): it never leaves this package.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date

HYGIENE_TYPES = {"D4910": (True, 3), "D1110": (False, 6), "D1120": (False, 6)}  # perio, months


@dataclass(slots=True)
class Person:
    key: str  # the export's own id (PatNum): never written
    guarantor: str  # the key of the household's guarantor
    status: str  # 'active' | 'inactive'
    sex: str | None  # 'F' | 'M' | None (unknown)
    birth_date: date | None
    state: str  # two letters, or '' when the export has none
    zip3: str  # the ZIP's first three digits, or ''
    phone: str  # ten digits
    phone_type: str  # 'wireless' | 'landline'
    language: str  # 'en' | 'es'
    preferred_contact: str
    text_allowed: bool
    no_voicemail: bool
    do_not_call: bool
    recall_type: str | None = None  # D1110 | D1120 | D4910, None: no hygiene recall
    interval_months: int | None = None
    last_hygiene: date | None = None
    due: date | None = None
    next_visit: date | None = None
    broken: int = 0
    plan_value: float | None = None
    plan_date: date | None = None


@dataclass(slots=True)
class Export:
    """An export read: its patients, and what de-identification must steer clear of."""

    source: str  # 'opendental' | 'csv'
    people: list[Person]
    first_names: set[str] = field(default_factory=set)  # every name of the input, lower case
    last_names: set[str] = field(default_factory=set)
    birth_dates: set[date] = field(default_factory=set)
    numbers: set[str] = field(default_factory=set)  # every phone of the input, ten digits
    stamps: list[date] = field(default_factory=list)  # the files' own timestamps
    visits: list[date] = field(default_factory=list)  # dates of visits that happened
    providers: int | None = None
    exported_on: date | None = None
    excluded: Counter[str] = field(default_factory=Counter)  # status -> patients not imported


def language_code(text: str) -> str:
    """'es' for Spanish however the PMS spells it ('spa', 'es', 'Spanish', 'español'), else 'en'."""
    t = text.strip().lower()
    return (
        "es" if t in {"es", "spa", "spanish", "espanol", "español"} or t.startswith("es-") else "en"
    )


def state_code(text: str) -> str:
    t = text.strip().upper()
    return t if len(t) == 2 and t.isalpha() else ""


def zip3(text: str) -> str:
    digits = "".join(c for c in text if c.isdigit())
    return digits[:3] if len(digits) in (5, 9) else ""
