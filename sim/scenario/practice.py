"""The practice's own sections of a scenario: its address and seats, opening hours, appointment
book, staff, fees, and what happens at its visits (procedures, treatment plans)."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import AfterValidator, Field

from dentsim.scenario.fields import (
    WEEKDAYS,
    Hours,
    PositiveInt,
    Probability,
    Seats,
    SpokenText,
    Strict,
    USState,
    Weekday,
    check_shares,
)


def _default_opening() -> dict[Weekday, Hours | None]:
    weekday = Hours(open="08:00", close="17:00")
    return {d: weekday for d in WEEKDAYS[:5]} | {"sat": None, "sun": None}


class PracticeConfig(Strict):
    name: SpokenText | None = Field(
        None,
        description="Practice name, said in every message (not blank, no control characters "
        "or bidirectional controls); generated when absent",
    )
    state: USState = Field(description="Two-letter state of the practice's address")
    providers: Seats = Field(3, description="Dentists seeing patients (treatment visits at once)")
    hygiene_chairs: Seats = Field(3, description="Hygiene visits that can run at once")
    hygiene_visit_minutes: Annotated[int, Field(ge=15, le=240)] = 60
    opening_hours: dict[Weekday, Hours | None] = Field(default_factory=_default_opening)
    closed_on_federal_holidays: bool = True


class BookConfig(Strict):
    p_book_next_at_visit: Probability = Field(
        0.5, description="Patients who book their next cleaning at checkout (no outreach needed)"
    )
    first_bookable_day_offset: Annotated[int, Field(ge=0, le=30)] = Field(
        2, description="The earliest slot offered is this many days after the call"
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
    procedure_mix: Annotated[dict[Procedure, Probability], AfterValidator(check_shares)] = Field(
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
