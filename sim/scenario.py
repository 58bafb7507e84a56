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
    day: Annotated[int, Field(ge=0, le=365)] = Field(
        description="Days after the cadence's anchor (the first touch, or the event it follows)"
    )
    channel: Channel


def _check_cadence(cadence: list[CadenceStep], first_day: int | None = 0) -> list[CadenceStep]:
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
    procedure_mix: dict[Procedure, Probability] = Field(
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
    responsiveness_mean: Probability = Field(0.5, description="Mean of the Beta trait")
    responsiveness_concentration: Annotated[float, Field(gt=0, le=100)] = 4.0
    p_accept: dict[Literal["recall", "reactivation", "treatment_plan"], Probability] = Field(
        default_factory=lambda: {"recall": 0.12, "reactivation": 0.065, "treatment_plan": 0.09},  # type: ignore[arg-type]
        description="A reached patient of average responsiveness accepts an offered slot",
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
    confirmation_reply_mix: dict[
        Literal["confirm", "cancel", "reschedule", "stop", "free_text"], Probability
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
    annoyance_threshold_mean: Annotated[float, Field(gt=0, le=50)] = 3.0
    annoyance_threshold_shape: Annotated[float, Field(gt=0, le=50)] = 4.0
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
        "agents.scripted:make_agent", description="MODULE:FACTORY returning the agent"
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
    providers: PositiveInt = 3
    hygiene_chairs: PositiveInt = 3
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
    state_mix: dict[USState, Probability] | None = Field(
        None, description="Practice states and their shares; absent: practice.state"
    )
    templates: list[PracticeTemplate] | None = Field(None, min_length=1)


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

    def resolved(self) -> dict[str, Any]:
        """The scenario with every default filled in, as JSON-ready data (for run.json)."""
        return json.loads(self.model_dump_json())


def load_scenario(path: Path | str) -> Scenario:
    scenario = load_model(path, Scenario)
    if scenario.rules_file is not None and not Path(scenario.rules_file).is_absolute():
        resolved = str((Path(path).parent / scenario.rules_file).resolve())
        scenario = scenario.model_copy(update={"rules_file": resolved})
    return scenario


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
