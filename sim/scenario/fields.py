"""The field types, limits and checks every section of the scenario shares: probabilities, seats,
clock times, weekdays, states, run names, seeds, share mixes, day ranges and opening hours."""

from __future__ import annotations

import re
import unicodedata
from functools import cache
from typing import Annotated, Literal, TypeVar

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator

Probability = Annotated[float, Field(ge=0.0, le=1.0)]
PositiveInt = Annotated[int, Field(ge=1)]
MAX_SEATS = 1000  # providers or chairs of one practice; the appointment book counts in int16
Seats = Annotated[int, Field(ge=1, le=MAX_SEATS)]
ClockTime = Annotated[
    str, Field(pattern=r"^([01]\d|2[0-3]):[0-5]\d$|^24:00$", description="HH:MM, quoted")
]
Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
WEEKDAYS: tuple[Weekday, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
USState = Literal[
    "AL", "AK", "AZ", "AR", "CA", "CO", "CT", "DE", "DC", "FL", "GA", "HI", "ID", "IL", "IN",
    "IA", "KS", "KY", "LA", "ME", "MD", "MA", "MI", "MN", "MS", "MO", "MT", "NE", "NV", "NH",
    "NJ", "NM", "NY", "NC", "ND", "OH", "OK", "OR", "PA", "RI", "SC", "SD", "TN", "TX", "UT",
    "VT", "VA", "WA", "WV", "WI", "WY",
]  # fmt: skip
RUN_NAME = r"^[A-Za-z0-9][A-Za-z0-9_.-]*$"  # a name that is one safe file name (runs/NAME)


def _run_name(name: str) -> str:
    if not re.match(RUN_NAME, name) or len(name) > 80:
        raise ValueError(
            "expected one file name of up to 80 letters, digits, '_', '.' and '-', starting with "
            "a letter or digit (it names the run's folder, runs/NAME)"
        )
    return name


RunName = Annotated[
    str,
    AfterValidator(_run_name),
    Field(
        json_schema_extra={"pattern": RUN_NAME, "maxLength": 80},
        description="Letters, digits, '_', '.', '-' (names the run folder runs/NAME)",
    ),
]


# Bidirectional embeddings, overrides and isolates: each reorders the text after it (U+202E
# shows a report's next words right to left), so a name holding one garbles what follows it.
BIDI_CONTROLS = frozenset(map(chr, (*range(0x202A, 0x202F), *range(0x2066, 0x206A))))


def _spoken_text(text: str) -> str:
    """Text that reaches every message and report (a practice name): not blank, no control
    characters, no bidirectional controls."""
    if not text.strip():
        raise ValueError(
            "expected the practice's name, found blank text (every message and report names "
            "the practice; leave the key out instead)"
        )
    bad = sorted({c for c in text if unicodedata.category(c) == "Cc" or c in BIDI_CONTROLS})
    if bad:
        shown = ", ".join(f"U+{ord(c):04X}" for c in bad)
        why = "they would go into every message and report"
        if BIDI_CONTROLS.intersection(bad):
            why += ", and a bidirectional one reorders the text that follows the name"
        raise ValueError(f"expected printable text, found control characters ({shown}); {why}")
    return text


SpokenText = Annotated[str, AfterValidator(_spoken_text)]


MAX_SEED = 2**63 - 1  # seeds are signed 64-bit in run.json and Parquet metadata
FIRST_YEAR = 1970  # time-zone data is reliable from 1970 on
BOOK_DAYS_AFTER_END = 200  # the appointment book runs this many days past the last simulated day

K = TypeVar("K")


def check_shares(mix: dict[K, float]) -> dict[K, float]:
    """A mix of shares (normalised when drawn): at least one entry, not all 0."""
    if not mix:
        raise ValueError("give at least one share, or leave the key out")
    if not sum(mix.values()) > 0:
        raise ValueError("the shares must not all be 0")
    return mix


@cache
def last_year() -> int:
    """The last year whose US federal holidays the holidays package knows."""
    import holidays

    return int(holidays.country_holidays("US").end_year)


def minutes_of(clock: str) -> int:
    """'08:30' -> 510."""
    hours, minutes = clock.split(":")
    return int(hours) * 60 + int(minutes)


class Strict(BaseModel):
    """The base of every section: unknown keys refused, no type coercion, frozen, finite."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True, allow_inf_nan=False)


class Hours(Strict):
    """A daily interval in local time, e.g. open: '08:00', close: '17:00'."""

    open: ClockTime
    close: ClockTime

    @model_validator(mode="after")
    def _ordered(self) -> Hours:
        if minutes_of(self.close) <= minutes_of(self.open):
            raise ValueError(f"close ({self.close}) must be after open ({self.open})")
        return self


class Range(Strict):
    """A range of whole numbers, `min` to `max` inclusive; each kind of range gives its bounds.

    Attributes:
        min: The smallest value.
        max: The largest value, not below `min`.
    """

    min: int
    max: int

    @model_validator(mode="after")
    def _ordered(self) -> Range:
        if self.max < self.min:
            raise ValueError(f"the range is reversed: max ({self.max}) is below min ({self.min})")
        return self
