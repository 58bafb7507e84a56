"""The patients' sections of a scenario: who they are (population), how their phones answer
(telephony), and how they react to being contacted (behaviour, contact pressure)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    ConfigDict,
    Field,
    ValidationInfo,
    field_validator,
    model_validator,
)

from dentsim.data import area_codes
from dentsim.scenario.fields import (
    MAX_SEED,
    WEEKDAYS,
    PositiveInt,
    Probability,
    Strict,
    USState,
    Weekday,
    check_shares,
)
from dentsim.vocabulary import BOOKING_USE_CASES, BookingUseCase


def _known_area_codes(mix: dict[str, float]) -> dict[str, float]:
    unknown = [code for code in mix if code not in area_codes()]
    if unknown:
        raise ValueError(
            f"unknown area code{'s' if len(unknown) > 1 else ''} {', '.join(unknown)}: not a "
            "geographic US area code of dentsim's table (sim/data/area_codes.csv)"
        )
    return mix


# the keys that shape generated patients; with population.from the export says all of this
GENERATED_ONLY = (
    "patients", "mean_household_size", "share_households_sharing_home_phone", "share_wireless",
    "share_out_of_state_area_code", "share_perio", "share_spanish", "share_text_allowed",
    "share_no_voicemail", "share_written_consent", "share_do_not_call", "share_prebooked",
    "overdue_months_max", "address_state_mix", "area_code_mix",
)  # fmt: skip
NOT_WITH_FROM = (
    "does not apply with population.from (the patients and their plans are the imported "
    "practice's, as exported); remove it"
)


class PopulationConfig(Strict):
    # `from` is a Python keyword: the field is `from_`, written and read as `from`
    model_config = ConfigDict(**Strict.model_config, serialize_by_alias=True)

    from_: str | None = Field(
        None,
        alias="from",
        description="A practice imported by `dentsim import` (its PRACTICE_DIR, relative to this "
        "file): its patients as exported, instead of generated ones; the keys that shape "
        "generated patients then do not apply",
    )
    seed: Annotated[int, Field(ge=0, le=MAX_SEED)] | None = Field(
        None,
        description="Seed of the practice and its patients (who they are, their traits, the PMS "
        "at the start); absent: the scenario's seed. Replications keep it; only what happens "
        "varies",
    )
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
    address_state_mix: (
        Annotated[dict[USState, Probability], AfterValidator(check_shares)] | None
    ) = Field(None, description="Address states and their shares; absent: the practice's state")
    area_code_mix: (
        Annotated[
            dict[Annotated[str, Field(pattern=r"^[2-9]\d\d$")], Probability],
            AfterValidator(check_shares),
            AfterValidator(_known_area_codes),
        ]
        | None
    ) = Field(
        None, description="Area codes and their shares; absent: the address state's own codes"
    )

    @field_validator("*")
    @classmethod
    def _generated_only_without_from(cls, value: Any, info: ValidationInfo) -> Any:
        """With `from`, the patients are the imported practice's: a generator key given a value
        of its own would be ignored in silence, so it is refused (its default says nothing, and
        `dentsim.scenario.document.check_named_files` refuses a default written in the file)."""
        key = info.field_name
        if (
            info.data.get("from_") is not None
            and key in GENERATED_ONLY
            and value != PopulationConfig.model_fields[key].default
        ):
            raise ValueError(NOT_WITH_FROM)
        return value


class TelephonyConfig(Strict):
    lines: PositiveInt = Field(4, description="Concurrent outbound voice lines")
    caller_id: Literal["practice_main", "unknown"] = Field(
        "practice_main",
        description="practice_main: the practice's own number; unknown: a number patients "
        "do not know",
    )
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

    @model_validator(mode="after")
    def _faults_fit(self) -> TelephonyConfig:
        # one draw decides a dial's fault: failed below p_failed, busy below p_failed + p_busy
        if self.p_busy + self.p_failed > 1:
            raise ValueError(
                f"p_busy + p_failed is {self.p_busy + self.p_failed:g}; one draw decides both "
                "for a dial, so their sum must be at most 1"
            )
        return self


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
        AfterValidator(check_shares),
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
