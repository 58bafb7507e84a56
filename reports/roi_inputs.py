"""The practice's own numbers for the ROI (a small YAML, validated like a scenario), and what one
outcome is worth: the practice's fee where it gave one, the scenario's otherwise.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field

from dentsim.scenario.fields import SpokenText
from dentsim.yamlio import load_model

DEFAULT_ROI_FILE = Path(__file__).resolve().parent / "roi_default.yaml"
USE_CASE_LABELS = {
    "recall": "Hygiene recall",
    "reactivation": "Reactivation",
    "confirmation": "Confirmations",
    "post_op": "Post-op check-ins",
    "treatment_plan": "Treatment-plan follow-up",
}
DAYS_PER_MONTH = 365.0 / 12

# A fee or a price per unit (a visit, a month, a minute, a text) above this is a typing slip
# (1.0e+300 would print 300 digits on the page), not a price a practice pays or charges.
MAX_USD = 10_000_000
MAX_MINUTES_PER_MANUAL_CALL = 120
Usd = Annotated[float, Field(ge=0, le=MAX_USD)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


class PracticeInputs(_Strict):
    name: SpokenText | None = Field(
        None,
        description="Absent: the simulated practice's name; not blank, no control characters "
        "or bidirectional controls",
    )
    active_patients: Annotated[int, Field(ge=1)] | None = Field(
        None, description="Absent: the simulated patients; given: every count is scaled to it"
    )


class FeeInputs(_Strict):
    hygiene_visit: Usd | None = Field(None, description="Absent: the scenario's fee")
    reactivated_patient_first_year: Usd | None = Field(
        None, description="Absent: the scenario's return-visit fee (a conservative floor)"
    )
    treatment_plan_average: Usd | None = Field(
        None, description="Absent: the mean plan value of the scenario"
    )
    empty_chair_hour: Usd | None = Field(
        None, description="Absent: the hygiene visit fee per chair hour"
    )


class StaffInputs(_Strict):
    hourly_cost_usd: Usd = 28.0
    minutes_per_manual_call: Annotated[float, Field(gt=0, le=MAX_MINUTES_PER_MANUAL_CALL)] = 4.0
    manual_share_worked: Annotated[float, Field(ge=0, le=1)] = 0.4


class AiInputs(_Strict):
    """The price of the AI service: usage, and a monthly platform fee paid by each practice."""

    cost_per_minute_usd: Usd = 0.12
    cost_per_sms_usd: Usd = 0.01
    cost_per_call_usd: Usd = Field(0.0, description="Per call placed, answered or not")
    platform_fee_monthly_usd: Usd = Field(
        299.0, description="Per practice and month: a group of 20 practices pays 20 fees"
    )


class RoiInputs(_Strict):
    """The practice's own numbers for the ROI report; see reports/roi_default.yaml."""

    practice: PracticeInputs = Field(default_factory=PracticeInputs)
    fees_usd: FeeInputs = Field(default_factory=FeeInputs)
    staff: StaffInputs = Field(default_factory=StaffInputs)
    ai: AiInputs = Field(default_factory=AiInputs)


def load_roi_inputs(path: Path | str | None) -> RoiInputs:
    """The ROI inputs from `path` (None: the shipped defaults); bad values raise InputError."""
    return load_model(path if path is not None else DEFAULT_ROI_FILE, RoiInputs)


@dataclass(frozen=True, slots=True)
class UnitValues:
    """What one outcome is worth to the practice (US$), and where each value came from."""

    hygiene_visit: float
    reactivated_patient: float
    treatment_plan: float
    chair_hour: float
    visit_hours: float
    sources: dict[str, str]

    def per_booking(self, use_case: str) -> float:
        return {
            "recall": self.hygiene_visit,
            "reactivation": self.reactivated_patient,
            "treatment_plan": self.treatment_plan,
        }[use_case]

    @property
    def per_prevented_no_show(self) -> float:
        return self.chair_hour * self.visit_hours


def unit_values(inputs: RoiInputs, scenario: dict[str, Any]) -> UnitValues:
    """The practice's fees, or the scenario's where the practice gave none (said so in `sources`)."""
    fees = inputs.fees_usd
    sim_fees = scenario.get("fees") or {}
    clinical = scenario.get("clinical") or {}
    practice = scenario.get("practice") or {}
    visit_minutes = float(practice.get("hygiene_visit_minutes") or 60)
    sources: dict[str, str] = {}

    def pick(name: str, given: float | None, fallback: float, how: str) -> float:
        sources[name] = "your input" if given is not None else how
        return float(given) if given is not None else float(fallback)

    hygiene = pick(
        "hygiene_visit", fees.hygiene_visit, sim_fees.get("hygiene_visit", 200.0), "scenario fee"
    )
    plan_mean = float(clinical.get("plan_value_median", 900.0)) * math.exp(
        float(clinical.get("plan_value_sigma", 0.7)) ** 2 / 2
    )
    return UnitValues(
        hygiene_visit=hygiene,
        reactivated_patient=pick(
            "reactivated_patient",
            fees.reactivated_patient_first_year,
            sim_fees.get("reactivation_visit", 350.0),
            "scenario return-visit fee (a floor: the first visit only)",
        ),
        treatment_plan=pick(
            "treatment_plan",
            fees.treatment_plan_average,
            round(plan_mean, 2),
            "mean plan value of the scenario",
        ),
        chair_hour=pick(
            "chair_hour",
            fees.empty_chair_hour,
            hygiene / (visit_minutes / 60.0),
            "hygiene fee per chair hour",
        ),
        visit_hours=visit_minutes / 60.0,
        sources=sources,
    )
