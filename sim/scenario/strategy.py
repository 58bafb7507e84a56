"""How the practice reaches out, as a scenario gives it: when contacts are planned and placed,
the caps and pauses across use cases, and who speaks on an answered call (the dialogue agent)."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from dentsim.scenario.fields import WEEKDAYS, ClockTime, Hours, Range, Strict, Weekday


class DayRange(Range):
    min: Annotated[int, Field(ge=0, le=365)]
    max: Annotated[int, Field(ge=0, le=365)]


class BurstConfig(Strict):
    start: ClockTime = Field("16:00", description="Patient-local start of the burst")
    hours: Annotated[float, Field(gt=0, le=12)] = 2.0


class StrategyConfig(Strict):
    call_hours: Hours = Field(
        default_factory=lambda: Hours(open="09:00", close="19:00"),
        description="When the practice wants contacts placed, patient-local time",
    )
    call_days: list[Weekday] = Field(
        default_factory=lambda: list(WEEKDAYS[:6]),
        min_length=1,
        description="The weekdays contacts are placed (at least one)",
    )
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
