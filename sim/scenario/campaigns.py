"""The five use cases of a scenario (recall, reactivation, confirmation, post-op, treatment plan):
whether each runs, its cadence of touches, voicemail policy, cap and legal posture."""

from __future__ import annotations

from typing import Annotated, ClassVar, Literal

from pydantic import Field, field_validator, model_validator

from dentsim.scenario.fields import Range, Strict
from dentsim.vocabulary import Channel, LegalPosture


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

    # the day the cadence starts on (None: any day, for a cadence that follows an event)
    first_cadence_day: ClassVar[int | None] = 0

    @field_validator("cadence")
    @classmethod
    def _cadence(cls, cadence: list[CadenceStep]) -> list[CadenceStep]:
        return _check_cadence(cadence, cls.first_cadence_day)


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


class MonthRange(Range):
    min: Annotated[int, Field(ge=0, le=240)]
    max: Annotated[int, Field(ge=0, le=240)]


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


class TreatmentPlanConfig(OutreachConfig):
    cadence: list[CadenceStep] = Field(
        default_factory=lambda: _steps((7, "voice"), (14, "voice"), (30, "voice")),
        description="Days after the plan was accepted",
    )
    booking_horizon_days: Annotated[int, Field(ge=1, le=180)] = 42
    first_cadence_day: ClassVar[int | None] = None


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
