"""The scenario schema: what a practice, its patients, its phones and its strategy look like.

Loaded from YAML with `load_scenario`; every problem is reported as `FILE:LINE: key.path: ...`.
`dentsim schema` prints `scenario_json_schema()` so editors can complete and check scenario files.

What validates runs: beyond types and ranges, the schema refuses what a run could not use (an
area code the table does not know, shares that are all 0, an empty cadence, dates outside the
calendar dentsim knows), and `load_scenario` checks every file the scenario names (the rules
file loads, the dialogue agent imports and makes an agent).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from datetime import date, timedelta
from functools import cache
from pathlib import Path
from typing import Annotated, Any, Literal, TypeVar

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    ValidationInfo,
    field_validator,
    model_validator,
)

from dentsim.data import area_codes
from dentsim.errors import InputError
from dentsim.vocabulary import BOOKING_USE_CASES, BookingUseCase, Channel, LegalPosture
from dentsim.yamlio import Path_, Scalar, read_yaml, validate_data

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
MAX_SEED = 2**63 - 1  # seeds are signed 64-bit in run.json and Parquet metadata
FIRST_YEAR = 1970  # time-zone data is reliable from 1970 on
BOOK_DAYS_AFTER_END = 200  # the appointment book runs this many days past the last simulated day

K = TypeVar("K")


def _shares(mix: dict[K, float]) -> dict[K, float]:
    """A mix of shares (normalised when drawn): at least one entry, not all 0."""
    if not mix:
        raise ValueError("give at least one share, or leave the key out")
    if not sum(mix.values()) > 0:
        raise ValueError("the shares must not all be 0")
    return mix


def _known_area_codes(mix: dict[str, float]) -> dict[str, float]:
    unknown = [code for code in mix if code not in area_codes()]
    if unknown:
        raise ValueError(
            f"unknown area code{'s' if len(unknown) > 1 else ''} {', '.join(unknown)}: not a "
            "geographic US area code of dentsim's table (sim/data/area_codes.csv)"
        )
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


def _default_opening() -> dict[Weekday, Hours | None]:
    weekday = Hours(open="08:00", close="17:00")
    return {d: weekday for d in WEEKDAYS[:5]} | {"sat": None, "sun": None}


class PracticeConfig(Strict):
    name: str | None = Field(None, description="Practice name; generated when absent")
    state: USState = Field(description="Two-letter state of the practice's address")
    providers: Seats = Field(3, description="Dentists seeing patients (treatment visits at once)")
    hygiene_chairs: Seats = Field(3, description="Hygiene visits that can run at once")
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
    address_state_mix: Annotated[dict[USState, Probability], AfterValidator(_shares)] | None = (
        Field(None, description="Address states and their shares; absent: the practice's state")
    )
    area_code_mix: (
        Annotated[
            dict[Annotated[str, Field(pattern=r"^[2-9]\d\d$")], Probability],
            AfterValidator(_shares),
            AfterValidator(_known_area_codes),
        ]
        | None
    ) = Field(
        None, description="Area codes and their shares; absent: the address state's own codes"
    )


class TelephonyConfig(Strict):
    lines: PositiveInt = Field(4, description="Concurrent outbound voice lines")
    caller_id: Literal["practice_main", "unknown"] = "practice_main"
    p_answer_by_hour: dict[Annotated[int, Field(ge=0, le=23)], Probability] = Field(
        min_length=1,
        description="Probability a dial is answered by a person, by patient-local hour "
        "(an hour not given takes the nearest hour's)",
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
    day: Annotated[int, Field(ge=0, le=365)] = Field(
        description="Days after the cadence's anchor (the first touch, or the event it follows)"
    )
    channel: Channel


def _check_cadence(cadence: list[CadenceStep], first_day: int | None = 0) -> list[CadenceStep]:
    if not cadence:
        raise ValueError(
            "a cadence needs at least one step; to switch the use case off, set enabled: false"
        )
    days = [s.day for s in cadence]
    if days != sorted(set(days)):
        raise ValueError(f"cadence days must increase, found {days}")
    if first_day is not None and days[0] != first_day:
        raise ValueError(f"cadence days must start at {first_day} and increase, found {days}")
    return cadence


def _steps(*pairs: tuple[int, Channel]) -> list[CadenceStep]:
    return [CadenceStep(day=d, channel=c) for d, c in pairs]


VoicemailPolicy = Literal["first_miss", "never", "always"]


class OutreachConfig(Strict):
    """Knobs every cadence-driven use case shares."""

    enabled: bool = True
    cadence: list[CadenceStep]
    voicemail: VoicemailPolicy = Field("first_miss", description="When a machine answers")
    cap_per_week: Annotated[int, Field(ge=1, le=21)] = Field(
        1, description="Attempts of this use case per patient in any 7 days"
    )
    legal_posture: LegalPosture = "healthcare_consent"
    retry_after_days: Annotated[int, Field(ge=1, le=365)] = Field(
        60, description="After a cadence ends without success, start again this many days later"
    )
    slots_offered: Annotated[int, Field(ge=1, le=5)] = 3
    booking_horizon_days: Annotated[int, Field(ge=1, le=180)] = 28


class RecallConfig(OutreachConfig):
    cadence: list[CadenceStep] = Field(
        default_factory=lambda: _steps((0, "voice"), (3, "sms"), (10, "voice"))
    )
    lead_days: Annotated[int, Field(ge=0, le=120)] = Field(
        14, description="First touch this many days before the recall due date"
    )
    max_overdue_days: Annotated[int, Field(ge=0, le=3650)] = Field(
        180, description="Recall outreach stops this many days after the due date"
    )

    @field_validator("cadence")
    @classmethod
    def _cadence(cls, cadence: list[CadenceStep]) -> list[CadenceStep]:
        return _check_cadence(cadence)


class MonthRange(Strict):
    min: Annotated[int, Field(ge=0, le=240)]
    max: Annotated[int, Field(ge=0, le=240)]

    @model_validator(mode="after")
    def _ordered(self) -> MonthRange:
        if self.max < self.min:
            raise ValueError(f"max ({self.max}) must not be below min ({self.min})")
        return self


class ReactivationConfig(OutreachConfig):
    cadence: list[CadenceStep] = Field(
        default_factory=lambda: _steps((0, "voice"), (7, "sms"), (21, "voice"))
    )
    last_seen_months: MonthRange = Field(
        default_factory=lambda: MonthRange(min=14, max=24),
        description="Patients last seen this many months ago are reactivation candidates",
    )
    inactive_after_months: Annotated[int, Field(ge=1, le=240)] = Field(
        36, description="Patients unseen this long become inactive and are not contacted"
    )
    retry_after_days: Annotated[int, Field(ge=1, le=365)] = 120

    @field_validator("cadence")
    @classmethod
    def _cadence(cls, cadence: list[CadenceStep]) -> list[CadenceStep]:
        return _check_cadence(cadence)


class TreatmentPlanConfig(OutreachConfig):
    cadence: list[CadenceStep] = Field(
        default_factory=lambda: _steps((7, "voice"), (14, "voice"), (30, "voice")),
        description="Days after the plan was accepted",
    )
    booking_horizon_days: Annotated[int, Field(ge=1, le=180)] = 42

    @field_validator("cadence")
    @classmethod
    def _cadence(cls, cadence: list[CadenceStep]) -> list[CadenceStep]:
        return _check_cadence(cadence, first_day=None)


class PostOpConfig(Strict):
    enabled: bool = True
    cadence: list[CadenceStep] = Field(
        default_factory=lambda: _steps((1, "voice"), (2, "voice")),
        description="Days after the procedure",
    )
    voicemail: VoicemailPolicy = "first_miss"
    legal_posture: LegalPosture = "healthcare_consent"

    @field_validator("cadence")
    @classmethod
    def _cadence(cls, cadence: list[CadenceStep]) -> list[CadenceStep]:
        _check_cadence(cadence, first_day=None)
        if cadence[0].day < 1 or cadence[-1].day > 3:
            raise ValueError("post-op check-ins fall 1 to 3 days after the procedure")
        return cadence


class ConfirmationConfig(Strict):
    enabled: bool = True
    first_hours_before: Annotated[float, Field(gt=0, le=168)] = Field(
        48.0, description="The confirmation text goes out from this many hours before the visit"
    )
    last_hours_before: Annotated[float, Field(ge=0, le=168)] = Field(
        24.0, description="... and no confirmation contact later than this"
    )
    sms_first: bool = True
    voice_fallback: bool = Field(True, description="Call when the text gets no answer")
    voice_fallback_after_h: Annotated[float, Field(ge=0, le=72)] = Field(
        4.0, description="Hours to wait for a text reply before calling"
    )
    voicemail: VoicemailPolicy = "first_miss"
    legal_posture: LegalPosture = "healthcare_consent"

    @model_validator(mode="after")
    def _window(self) -> ConfirmationConfig:
        if self.last_hours_before >= self.first_hours_before:
            raise ValueError(
                f"last_hours_before ({self.last_hours_before}) must be below "
                f"first_hours_before ({self.first_hours_before})"
            )
        return self


class CampaignsConfig(Strict):
    """The five use cases. One left out of the file does not run."""

    recall: RecallConfig = Field(default_factory=lambda: RecallConfig(enabled=False))
    reactivation: ReactivationConfig = Field(
        default_factory=lambda: ReactivationConfig(enabled=False)
    )
    confirmation: ConfirmationConfig = Field(
        default_factory=lambda: ConfirmationConfig(enabled=False)
    )
    post_op: PostOpConfig = Field(default_factory=lambda: PostOpConfig(enabled=False))
    treatment_plan: TreatmentPlanConfig = Field(
        default_factory=lambda: TreatmentPlanConfig(enabled=False)
    )


Procedure = Literal["extraction", "periodontal_therapy", "implant", "large_restorative"]


class ClinicalConfig(Strict):
    """What happens at visits: procedures, diagnosed treatment plans."""

    p_procedure_at_hygiene_visit: Probability = Field(
        0.03, description="Attended hygiene visits with a same-day procedure (post-op follows)"
    )
    p_plan_at_hygiene_visit: Probability = Field(
        0.2, description="Attended hygiene visits where a treatment plan is diagnosed and accepted"
    )
    p_plan_at_reactivation_visit: Probability = Field(
        0.5, description="... the same at a lapsed patient's return visit (pending work)"
    )
    p_schedule_plan_at_checkout: Probability = Field(
        0.45, description="Accepted plans scheduled before the patient leaves"
    )
    share_unscheduled_plans_at_start: Probability = 0.06
    procedure_mix: Annotated[dict[Procedure, Probability], AfterValidator(_shares)] = Field(
        default_factory=lambda: {  # type: ignore[arg-type,dict-item]
            "extraction": 0.3,
            "periodontal_therapy": 0.2,
            "implant": 0.1,
            "large_restorative": 0.4,
        }
    )
    plan_value_median: Annotated[float, Field(ge=0)] = Field(900.0, description="US$")
    plan_value_sigma: Annotated[float, Field(ge=0, le=3)] = Field(0.7, description="Log-normal")
    treatment_visit_minutes: Annotated[int, Field(ge=15, le=480)] = 90
    p_red_flag: Probability = Field(0.06, description="Post-op check-ins with a red-flag symptom")


class StaffConfig(Strict):
    clinical_staff: PositiveInt = Field(
        1, description="Staff who take warm transfers and callbacks"
    )
    transfer_patience_s: Annotated[int, Field(ge=0, le=600)] = Field(
        45, description="A warm transfer waits this long for a free staff member"
    )
    transfer_minutes: Annotated[float, Field(gt=0, le=120)] = 6.0
    callback_minutes: Annotated[float, Field(gt=0, le=120)] = 8.0


class FeesConfig(Strict):
    """Fee schedule, US dollars."""

    hygiene_visit: Annotated[float, Field(ge=0)] = Field(
        200.0, description="Prophylaxis with periodic exam and bitewings"
    )
    reactivation_visit: Annotated[float, Field(ge=0)] = Field(
        350.0, description="A lapsed patient's return: comprehensive exam, x-rays, cleaning"
    )


class PressureConfig(Strict):
    """How much each kind of contact adds to a patient's contact pressure."""

    answered: Annotated[float, Field(ge=0, le=10)] = 1.0
    voicemail: Annotated[float, Field(ge=0, le=10)] = 0.6
    household_message: Annotated[float, Field(ge=0, le=10)] = 0.5
    sms: Annotated[float, Field(ge=0, le=10)] = 0.4
    no_answer: Annotated[float, Field(ge=0, le=10)] = 0.3
    repeat_script_factor: Annotated[float, Field(ge=1, le=10)] = Field(
        1.5, description="Multiplier when the same use case contacted the patient within a week"
    )
    off_hours_factor: Annotated[float, Field(ge=1, le=10)] = Field(
        1.5, description="Multiplier for a call far from the patient's best hour"
    )
    same_day_factor: Annotated[float, Field(ge=1, le=10)] = Field(
        1.5, description="Multiplier for a second contact on the same day"
    )


def _every_booking_use_case(p_accept: Mapping[str, float]) -> Mapping[str, float]:
    missing = [u for u in BOOKING_USE_CASES if u not in p_accept]
    if missing:
        raise ValueError(f"give every use case that books; missing {', '.join(missing)}")
    return p_accept


class BehaviourConfig(Strict):
    """Per-patient traits (drawn once, from streams no strategy changes) and how patients react."""

    answer_propensity_sigma: Annotated[float, Field(ge=0, le=3)] = Field(
        0.5, description="Log-normal spread of each patient's answer propensity"
    )
    own_practice_answer_factor: Annotated[float, Field(ge=0.5, le=3)] = Field(
        1.0, description="Patients answer their own practice more than a general outbound list"
    )
    best_hour_boost: Annotated[float, Field(ge=1, le=5)] = Field(
        1.4, description="Answer multiplier within an hour of the patient's best hour"
    )
    p_prefers_sms: Probability = 0.35
    responsiveness_mean: Annotated[float, Field(gt=0, lt=1)] = Field(
        0.5, description="Mean of the Beta trait, strictly between 0 and 1"
    )
    responsiveness_concentration: Annotated[float, Field(gt=0, le=100)] = 4.0
    p_accept: Annotated[
        dict[BookingUseCase, Probability],
        AfterValidator(_every_booking_use_case),
    ] = Field(
        default_factory=lambda: {"recall": 0.12, "reactivation": 0.065, "treatment_plan": 0.09},  # type: ignore[arg-type]
        description="A reached patient of average responsiveness accepts an offered slot "
        "(give all three use cases)",
    )
    p_self_book_per_month: Probability = Field(
        0.25, description="Patients due or overdue who book a cleaning on their own in a month"
    )
    p_return_message: Probability = Field(
        0.12, description="A voicemail, text or message left with family brings a callback"
    )
    sms_reply_median_h: Annotated[float, Field(gt=0, le=72)] = 1.5
    sms_reply_sigma: Annotated[float, Field(ge=0, le=4)] = 1.3
    p_confirmation_reply: Probability = Field(0.7, description="Confirmation texts answered")
    confirmation_reply_mix: Annotated[
        dict[Literal["confirm", "cancel", "reschedule", "stop", "free_text"], Probability],
        AfterValidator(_shares),
    ] = Field(
        default_factory=lambda: {  # type: ignore[arg-type]
            "confirm": 0.86,
            "cancel": 0.04,
            "reschedule": 0.05,
            "stop": 0.01,
            "free_text": 0.04,
        }
    )
    p_answer_confirmation_call_confirms: Probability = 0.9
    p_no_show_unconfirmed: Probability = Field(0.2, description="Booked, never confirmed")
    p_no_show_confirmed: Probability = Field(0.06, description="Booked and confirmed")
    annoyance_threshold_mean: Annotated[float, Field(ge=0.1, le=50)] = 3.0
    annoyance_threshold_shape: Annotated[float, Field(ge=0.5, le=50)] = Field(
        4.0, description="Gamma shape; below 0.5, thresholds near 0 make every contact fatal"
    )
    fatigue_half_life_days: Annotated[float, Field(gt=0, le=365)] = 10.0
    pressure: PressureConfig = Field(default_factory=PressureConfig)
    p_opt_out_base: Probability = Field(
        0.003, description="Opt-out hazard of a reached contact at zero pressure"
    )
    p_soft_opt_out_base: Probability = Field(0.008, description="The same for a soft opt-out")
    fatigue_exponent: Annotated[float, Field(ge=0, le=6)] = Field(
        2.0, description="Hazard multiplier is 1 + (pressure / threshold) ** exponent"
    )


class DialogueConfig(Strict):
    """Who plays every answered call: an agent (yours, or the scripted one) and the personas."""

    agent: Annotated[str, Field(pattern=r"^[A-Za-z_][\w.]*:[A-Za-z_][\w.]*$")] = Field(
        "dentsim.agents.scripted:make_agent", description="MODULE:FACTORY returning the agent"
    )
    play: bool = Field(
        True,
        description="Play every answered call word by word; false: apply the patients' decisions "
        "as an ideal agent would, without words (faster, no transcripts)",
    )
    words_per_minute: Annotated[float, Field(ge=60, le=300)] = 150.0
    max_turns: Annotated[int, Field(ge=2, le=200)] = 30
    transcripts: bool = Field(True, description="Write transcripts.jsonl")


class DayRange(Strict):
    min: Annotated[int, Field(ge=0, le=365)]
    max: Annotated[int, Field(ge=0, le=365)]

    @model_validator(mode="after")
    def _ordered(self) -> DayRange:
        if self.max < self.min:
            raise ValueError(f"the range is reversed: max ({self.max}) is below min ({self.min})")
        return self


class BurstConfig(Strict):
    start: ClockTime = Field("16:00", description="Patient-local start of the burst")
    hours: Annotated[float, Field(gt=0, le=12)] = 2.0


class BookConfig(Strict):
    p_book_next_at_visit: Probability = Field(
        0.5, description="Patients who book their next cleaning at checkout (no outreach needed)"
    )
    first_bookable_day_offset: Annotated[int, Field(ge=0, le=30)] = Field(
        2, description="The earliest slot offered is this many days after the call"
    )


class StrategyConfig(Strict):
    call_hours: Hours = Field(
        default_factory=lambda: Hours(open="09:00", close="19:00"),
        description="When the practice wants contacts placed, patient-local time",
    )
    call_days: list[Weekday] = Field(default_factory=lambda: list(WEEKDAYS[:6]))
    planning_time: ClockTime = Field("07:00", description="Practice-local time the day is planned")
    dial_time: Literal["spread", "best_hour", "burst"] = Field(
        "spread",
        description="spread: over the calling hours; best_hour: at each patient's best hour; "
        "burst: everything in one block of the day",
    )
    burst: BurstConfig = Field(default_factory=BurstConfig)
    combine: bool = Field(
        True, description="One contact for use cases due the same week and for a shared phone"
    )
    combine_window_days: Annotated[int, Field(ge=0, le=14)] = 6
    weekly_cap_per_patient: Annotated[int, Field(ge=1, le=21)] = Field(
        3, description="Contacts to one patient in any 7 days, all use cases together"
    )
    soft_opt_out_pause_days: DayRange = Field(
        default_factory=lambda: DayRange(min=30, max=60),
        description="A soft opt-out pauses outreach for a number of days drawn in this range",
    )


class PatientRange(Strict):
    min: Annotated[int, Field(ge=1, le=1_000_000)]
    max: Annotated[int, Field(ge=1, le=1_000_000)]

    @model_validator(mode="after")
    def _ordered(self) -> PatientRange:
        if self.max < self.min:
            raise ValueError(f"the range is reversed: max ({self.max}) is below min ({self.min})")
        return self


class PracticeTemplate(Strict):
    """One kind of practice in a group; `weight` is its share of the group's practices."""

    weight: Annotated[float, Field(gt=0)] = 1.0
    providers: Seats = 3
    hygiene_chairs: Seats = 3
    patients: Annotated[int, Field(ge=1, le=1_000_000)] = 1800
    state: USState | None = Field(None, description="Absent: drawn from the group's state_mix")


class GroupConfig(Strict):
    """A dental group (DSO): many practices, each an independent practice-year.

    Each practice is the scenario's practice with its size and state drawn (deterministically,
    by practice index) from `templates`, or from `patients` and `state_mix`.
    """

    name: str = "group"
    practices: Annotated[int, Field(ge=1, le=100_000)]
    patients: PatientRange | None = Field(
        None, description="Patients per practice, drawn uniformly; absent: population.patients"
    )
    state_mix: Annotated[dict[USState, Probability], AfterValidator(_shares)] | None = Field(
        None, description="Practice states and their shares; absent: practice.state"
    )
    templates: list[PracticeTemplate] | None = Field(None, min_length=1)


class Scenario(Strict):
    name: RunName
    description: str = ""
    seed: Annotated[int, Field(ge=0, le=MAX_SEED)] = 0
    start_date: date
    days: Annotated[int, Field(ge=1, le=1096)] = 365
    practice: PracticeConfig
    population: PopulationConfig = Field(default_factory=PopulationConfig)
    telephony: TelephonyConfig
    book: BookConfig = Field(default_factory=BookConfig)
    strategy: StrategyConfig = Field(default_factory=StrategyConfig)
    campaigns: CampaignsConfig
    behaviour: BehaviourConfig = Field(default_factory=BehaviourConfig)
    dialogue: DialogueConfig = Field(default_factory=DialogueConfig)
    clinical: ClinicalConfig = Field(default_factory=ClinicalConfig)
    staff: StaffConfig = Field(default_factory=StaffConfig)
    fees: FeesConfig = Field(default_factory=FeesConfig)
    group: GroupConfig | None = Field(None, description="Simulate a group of practices")
    rules_file: str | None = Field(
        None,
        description="Compliance rules laid over the packaged ones (path relative to this file)",
    )

    @field_validator("start_date")
    @classmethod
    def _start_in_calendar(cls, start: date) -> date:
        if not FIRST_YEAR <= start.year <= last_year():
            raise ValueError(
                f"dentsim simulates dates from {FIRST_YEAR}-01-01 to {last_year()}-12-31 "
                "(time zones and US holidays)"
            )
        return start

    @field_validator("days")
    @classmethod
    def _end_in_calendar(cls, days: int, info: ValidationInfo) -> int:
        start = info.data.get("start_date")
        if start is None:
            return days  # start_date itself is wrong, and reported
        last = start + timedelta(days=days + BOOK_DAYS_AFTER_END)
        if last.year > last_year():
            raise ValueError(
                f"from start_date {start}, {days} days and the appointment book's "
                f"{BOOK_DAYS_AFTER_END} days beyond them run to {last}, past {last_year()}-12-31, "
                "the last date dentsim knows (US holidays)"
            )
        return days

    @field_validator("group")
    @classmethod
    def _group_practices_fit(cls, group: GroupConfig | None, info: ValidationInfo) -> Any:
        """A group practice scales providers and chairs with its patients (dentsim.experiments.group): in range."""
        practice, population = info.data.get("practice"), info.data.get("population")
        if group is None or group.templates or practice is None or population is None:
            return group
        largest = group.patients.max if group.patients else population.patients
        seats = round(
            max(practice.providers, practice.hygiene_chairs) * largest / population.patients
        )
        if seats > MAX_SEATS:
            raise ValueError(
                f"a practice of {largest:,} patients would have {seats:,} providers or chairs "
                f"(practice.providers and hygiene_chairs for population.patients "
                f"{population.patients:,}, scaled), more than {MAX_SEATS:,}; give templates, or "
                "a larger population.patients"
            )
        return group

    def resolved(self) -> dict[str, Any]:
        """The scenario with every default filled in, as JSON-ready data (for run.json)."""
        return json.loads(self.model_dump_json())


def load_scenario(path: Path | str) -> Scenario:
    """Read and validate a scenario file, and every file it names (see `check_named_files`)."""
    path = Path(path)
    data, positions = read_yaml(path)
    scenario = with_files_from(validate_data(data, positions, Scenario, path), path)
    check_named_files(scenario, path, positions)
    return scenario


def with_files_from(scenario: Scenario, path: Path | str) -> Scenario:
    """The scenario with a relative `rules_file` taken as relative to the file at `path`."""
    if scenario.rules_file is None or Path(scenario.rules_file).is_absolute():
        return scenario
    resolved = str((Path(path).parent / scenario.rules_file).resolve())
    return scenario.model_copy(update={"rules_file": resolved})


def check_named_files(
    scenario: Scenario, path: Path | str, positions: Mapping[Path_, Scalar] | None = None
) -> None:
    """Load what the scenario names, as a run would: its rules file and its dialogue agent.

    A rules file's own problems are reported at its own lines; a missing rules file, or an
    agent that does not import or make an agent, at the scenario's line for the key.
    """
    from dentsim.agents.loading import load_factory
    from dentsim.compliance.rules import load_rules

    def where(*key: str) -> str:
        line = positions[key].line if positions and key in positions else 1
        return f"{path}:{line}: {'.'.join(key)}"

    problems: list[str] = []
    if scenario.rules_file is not None:
        rules = Path(scenario.rules_file)
        if not rules.is_file():
            found = "not a file" if rules.exists() else "file not found"
            problems.append(f"{where('rules_file')}: {found}: {rules}")
        else:
            try:
                load_rules(rules)
            except InputError as e:
                problems += e.problems
    try:
        load_factory(scenario.dialogue.agent, where("dialogue", "agent"))
    except InputError as e:
        problems += e.problems
    if problems:
        raise InputError(problems)


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
