"""The `group:` section of a scenario: a dental group (DSO) of many practices, each drawn from
templates, or from a range of patients and a mix of states."""

from __future__ import annotations

from typing import Annotated

from pydantic import AfterValidator, Field

from dentsim.scenario.fields import Probability, Range, Seats, Strict, USState, check_shares


class PatientRange(Range):
    min: Annotated[int, Field(ge=1, le=1_000_000)]
    max: Annotated[int, Field(ge=1, le=1_000_000)]


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
    state_mix: Annotated[dict[USState, Probability], AfterValidator(check_shares)] | None = Field(
        None, description="Practice states and their shares; absent: practice.state"
    )
    templates: list[PracticeTemplate] | None = Field(None, min_length=1)
