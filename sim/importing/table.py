"""Reading one CSV table of an export as a practice-management system writes it, mess included.

A UTF-8 byte-order mark, Windows line endings, trailing spaces around values and column names,
blank cells, dates `0001-01-01` (Open Dental's "none") and phones in any punctuation all read as
they mean. Every problem names the file, its line and the column; a value that cannot be read
is a `Problem` the caller turns into a skipped row or a blank value.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

from dentsim.data import area_codes
from dentsim.errors import InputError

NO_DATE_YEARS = range(1, 1880)  # 0001-01-01 and its kin: a date the PMS stores for "none"
_DATE_FORMATS = ("%Y-%m-%d", "%Y-%m-%d %H:%M:%S", "%m/%d/%Y", "%m/%d/%Y %H:%M:%S", "%m/%d/%Y %H:%M")
_EXTENSION = re.compile(r"\s*(x|ext\.?|extension)\s*\d+\s*$", re.IGNORECASE)


class BadValue(ValueError):
    """A cell that cannot be read as its column's kind."""


@dataclass(slots=True)
class Row:
    """One data row: its values by column name, and where it was read (for messages)."""

    values: dict[str, str]
    path: Path
    line: int

    def at(self, column: str) -> str:
        return f"{self.path}:{self.line}: column {column}"

    def get(self, column: str) -> str:
        return self.values.get(column, "")


@dataclass(slots=True)
class Table:
    path: Path
    columns: list[str]
    rows: list[Row]


@dataclass(slots=True)
class Log:
    """Warnings for rows and values the import skipped or blanked (never names a value that
    identifies a person: a phone or a name is described, not quoted)."""

    warnings: list[str] = field(default_factory=list)
    skipped_rows: int = 0

    def skip(self, row: Row, column: str, why: str) -> None:
        self.skipped_rows += 1
        self.warnings.append(f"{row.at(column)}: {why}; row skipped")

    def blank(self, row: Row, column: str, why: str) -> None:
        self.warnings.append(f"{row.at(column)}: {why}; read as blank")


def read_table(path: Path, required: Sequence[str], log: Log) -> Table:
    """Read `path` as a CSV with a header row; exit-2 problems when it cannot be used at all. A
    row with more or fewer cells than the header (an unquoted comma in an address) would read
    every later cell in the wrong column: it is skipped, with a warning."""
    try:
        with path.open(encoding="utf-8-sig", newline="") as f:
            reader = csv.reader(f)
            header = next(reader, None)
            if header is None:
                raise InputError(f"{path}:1: the file is empty; expected a header row")
            columns = [c.strip() for c in header]
            missing = [c for c in required if c not in columns]
            if missing:
                raise InputError(
                    f"{path}:1: missing required column{'s' if len(missing) > 1 else ''} "
                    f"{', '.join(missing)} (the header has {len(columns)} columns)"
                )
            rows = list(_rows(reader, columns, path, log))
    except UnicodeDecodeError as e:
        raise InputError(f"{path}: not UTF-8 text ({e.reason} at byte {e.start})") from None
    except csv.Error as e:
        raise InputError(f"{path}: not a readable CSV file ({e})") from None
    return Table(path, columns, rows)


def _rows(reader: Iterator[list[str]], columns: list[str], path: Path, log: Log) -> Iterator[Row]:
    n = len(columns)
    for cells in reader:
        line = reader.line_num  # type: ignore[attr-defined]
        if not any(c.strip() for c in cells):
            continue  # a blank line (often the last)
        if len(cells) != n:
            log.skipped_rows += 1
            log.warnings.append(
                f"{path}:{line}: {len(cells)} cells, the header has {n}; row skipped"
            )
            continue
        yield Row({c: v.strip() for c, v in zip(columns, cells, strict=True)}, path, line)


def parse_date(text: str, formats: Sequence[str] = _DATE_FORMATS) -> date | None:
    """A date, or None for a blank or a "none" date (0001-01-01); BadValue otherwise."""
    if not text:
        return None
    for fmt in formats:
        try:
            d = datetime.strptime(text, fmt)
        except ValueError:
            continue
        return None if d.year in NO_DATE_YEARS else d.date()
    raise BadValue(
        f"not a date (expected a form such as {datetime(2024, 3, 1).strftime(formats[0])})"
    )


def parse_int(text: str, default: int = 0) -> int:
    if not text:
        return default
    try:
        return int(float(text)) if "." in text else int(text)
    except ValueError:
        raise BadValue("not a whole number") from None


def parse_float(text: str) -> float | None:
    if not text:
        return None
    try:
        value = float(text.replace(",", "").lstrip("$"))
    except ValueError:
        raise BadValue("not a number") from None
    if value != value or value in (float("inf"), float("-inf")):
        raise BadValue("not a finite number")
    return value


def phone_digits(text: str) -> str | None:
    """A US number's ten national digits ('(555) 123-4567', '555.123.4567', '+1 555 123 4567'
    all read the same), None for a blank; BadValue for what is not a US geographic number."""
    text = _EXTENSION.sub("", text)
    if not text:
        return None
    digits = re.sub(r"\D", "", text)
    if len(digits) == 11 and digits.startswith("1"):
        digits = digits[1:]
    if len(digits) != 10:
        raise BadValue(f"a phone number of {len(digits)} digits (expected a 10-digit US number)")
    if digits[:3] not in area_codes():
        raise BadValue("a phone number whose area code is not a US geographic area code")
    return digits
