"""The scenario schema: what a practice, its patients, its phones and its strategy look like.

Loaded from YAML with `load_scenario`; every problem is reported as `FILE:LINE: key.path: ...`.
`dentsim schema` prints `scenario_json_schema()` so editors can complete and check scenario files.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from sim.yamlio import load_model

Probability = Annotated[float, Field(ge=0.0, le=1.0)]
PositiveInt = Annotated[int, Field(ge=1)]
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
Channel = Literal["voice", "sms"]
LegalPosture = Literal["healthcare_consent", "healthcare_exempt", "written_consent"]


def minutes_of(clock: str) -> int:
    """'08:30' -> 510."""
    hours, minutes = clock.split(":")
    return int(hours) * 60 + int(minutes)


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


class Hours(Strict):
    """A daily interval in local time, e.g. open: '08:00', close: '17:00'."""

    open: ClockTime
    close: ClockTime

    @model_validator(mode="after")
    def _ordered(self) -> Hours:
        if minutes_of(self.close) <= minutes_of(self.open):
            raise ValueError(f"close ({self.close}) must be after open ({self.open})")
        return self


def _default_opening() -> dict[Weekday, Hours | None]:
    weekday = Hours(open="08:00", close="17:00")
    return {d: weekday for d in WEEKDAYS[:5]} | {"sat": None, "sun": None}


class PracticeConfig(Strict):
    name: str | None = Field(None, description="Practice name; generated when absent")
    state: USState = Field(description="Two-letter state of the practice's address")
    providers: PositiveInt = 3
    hygiene_chairs: PositiveInt = Field(3, description="Hygiene visits that can run at once")
    hygiene_visit_minutes: Annotated[int, Field(ge=15, le=240)] = 60
    opening_hours: dict[Weekday, Hours | None] = Field(default_factory=_default_opening)
    closed_on_federal_holidays: bool = True


class PopulationConfig(Strict):
    patients: Annotated[int, Field(ge=1, le=1_000_000)] = 1800
    mean_household_size: Annotated[float, Field(ge=1.0, le=8.0)] = 2.0
    share_households_sharing_home_phone: Probability = 0.3
    share_wireless: Probability = 0.8
    share_out_of_state_area_code: Probability = 0.08
    share_perio: Probability = 0.12
    share_spanish: Probability = 0.08
    share_text_allowed: Probability = 0.85
    share_no_voicemail: Probability = 0.03
    share_written_consent: Probability = 0.4
    share_do_not_call: Probability = 0.01
    share_reassigned_numbers: Probability = Field(
        0.01, description="Numbers on file that now belong to someone else"
    )
    share_prebooked: Probability = Field(
        0.5, description="Patients whose next hygiene visit is already booked at the start"
    )
    overdue_months_max: Annotated[int, Field(ge=0, le=36)] = Field(
        8, description="Recalls at the start are due up to this many months ago (or ahead)"
    )
    address_state_mix: dict[USState, Probability] | None = Field(
        None, description="Address states and their shares; absent: the practice's state"
    )
    area_code_mix: dict[Annotated[str, Field(pattern=r"^[2-9]\d\d$")], Probability] | None = Field(
        None, description="Area codes and their shares; absent: the address state's own codes"
    )


class TelephonyConfig(Strict):
    lines: PositiveInt = Field(4, description="Concurrent outbound voice lines")
    caller_id: Literal["practice_main", "unknown"] = "practice_main"
    p_answer_by_hour: dict[Annotated[int, Field(ge=0, le=23)], Probability] = Field(
        description="Probability a dial is answered by a person, by patient-local hour"
    )
    answer_factor_by_weekday: dict[Weekday, Annotated[float, Field(ge=0.0, le=3.0)]] = Field(
        default_factory=lambda: dict.fromkeys(WEEKDAYS, 1.0)
    )
    known_caller_id_factor: Annotated[float, Field(ge=1.0, le=3.0)] = Field(
        1.5, description="Answer-rate multiplier when the caller ID is the practice's own number"
    )
    p_household_answers_shared_phone: Probability = 0.4
    p_voicemail_box: Probability = Field(0.7, description="Unanswered dials that reach a machine")
    p_busy: Probability = 0.03
    p_wrong_number: Probability = 0.01
    p_failed: Probability = 0.01
    p_sms_delivered: Probability = 0.97
    ring_s: PositiveInt = 25
    voicemail_s: PositiveInt = 30
    answered_call_s: PositiveInt = Field(150, description="Mean duration of an answered call")


class CadenceStep(Strict):
    day: Annotated[int, Field(ge=0, le=365)] = Field(description="Days after the first touch")
    channel: Channel


class RecallConfig(Strict):
    enabled: bool = True
    lead_days: Annotated[int, Field(ge=0, le=120)] = Field(
        14, description="First touch this many days before the recall due date"
    )
    cadence: list[CadenceStep] = Field(min_length=1)
    voicemail: Literal["first_miss", "never", "always"] = "first_miss"
    retry_after_days: Annotated[int, Field(ge=1, le=365)] = Field(
        60, description="After an unanswered cadence, start again this many days later"
    )
    max_overdue_days: Annotated[int, Field(ge=0, le=3650)] = Field(
        180,
        description="Recall outreach stops this many days after the due date (reactivation takes over)",
    )
    legal_posture: LegalPosture = "healthcare_consent"
    slots_offered: Annotated[int, Field(ge=1, le=5)] = 3
    booking_horizon_days: Annotated[int, Field(ge=1, le=180)] = 28
    p_book_if_reached: Probability = 0.5
    p_callback_after_message: Probability = Field(
        0.15, description="Voicemails and texts that bring a callback"
    )
    p_opt_out_if_reached: Probability = Field(0.01, description="Reached patients who opt out")
    p_stop_reply: Probability = Field(0.005, description="Texts answered with STOP")

    @field_validator("cadence")
    @classmethod
    def _increasing(cls, cadence: list[CadenceStep]) -> list[CadenceStep]:
        days = [s.day for s in cadence]
        if days != sorted(set(days)) or days[0] != 0:
            raise ValueError(f"cadence days must start at 0 and increase, found {days}")
        return cadence


class CampaignsConfig(Strict):
    recall: RecallConfig


class BookConfig(Strict):
    p_no_show: Probability = 0.12
    p_book_next_at_visit: Probability = Field(
        0.5, description="Patients who book their next cleaning at checkout (no outreach needed)"
    )
    fee_hygiene_visit: Annotated[float, Field(ge=0.0)] = Field(
        200.0, description="Fee of a hygiene visit with its periodic exam, US dollars"
    )
    first_bookable_day_offset: Annotated[int, Field(ge=0, le=30)] = Field(
        1, description="The earliest slot offered is this many days after the call"
    )


class StrategyConfig(Strict):
    call_hours: Hours = Field(
        default_factory=lambda: Hours(open="09:00", close="19:00"),
        description="When the practice wants contacts placed, patient-local time",
    )
    call_days: list[Weekday] = Field(default_factory=lambda: list(WEEKDAYS[:6]))
    planning_time: ClockTime = Field("07:00", description="Practice-local time the day is planned")


class Scenario(Strict):
    name: str
    description: str = ""
    seed: Annotated[int, Field(ge=0, lt=2**63)] = 0
    start_date: date
    days: Annotated[int, Field(ge=1, le=1096)] = 365
    practice: PracticeConfig
    population: PopulationConfig = Field(default_factory=PopulationConfig)
    telephony: TelephonyConfig
    book: BookConfig = Field(default_factory=BookConfig)
    strategy: StrategyConfig = Field(default_factory=StrategyConfig)
    campaigns: CampaignsConfig

    def resolved(self) -> dict[str, Any]:
        """The scenario with every default filled in, as JSON-ready data (for run.json)."""
        return json.loads(self.model_dump_json())


def load_scenario(path: Path | str) -> Scenario:
    return load_model(path, Scenario)


def scenario_json_schema() -> dict[str, Any]:
    schema = Scenario.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "dentsim scenario"
    return schema


def apply_overrides(scenario: Scenario, overrides: dict[str, Any]) -> Scenario:
    """A new scenario with dotted keys replaced, e.g. {"telephony.lines": 8}; validated again.

    Unknown keys raise KeyError naming the dotted key; bad values raise pydantic's error.
    """
    data = scenario.model_dump()
    for dotted, value in overrides.items():
        node = data
        *parents, leaf = dotted.split(".")
        for part in parents:
            if not isinstance(node, dict) or part not in node or not isinstance(node[part], dict):
                raise KeyError(dotted)
            node = node[part]
        if leaf not in node and not _allows_key(scenario, parents):
            raise KeyError(dotted)
        node[leaf] = value
    return Scenario.model_validate(data, strict=False)


def _allows_key(scenario: Scenario, parents: list[str]) -> bool:
    """True where the parent is a free mapping (e.g. p_answer_by_hour), not a model."""
    node: Any = scenario
    for part in parents:
        node = node.get(part) if isinstance(node, dict) else getattr(node, part, None)
    return isinstance(node, dict)
