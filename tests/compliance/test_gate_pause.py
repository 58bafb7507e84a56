"""A soft opt-out's pause never shortens: a second, shorter one received during it leaves it running."""

from __future__ import annotations

import dataclasses

from dentsim.compliance.gate import Refusal
from dentsim.domain.calendar import DAY_S
from dentsim.domain.population import generate
from dentsim.scenario import Scenario
from dentsim.simulation.model import PracticeModel
from dentsim.simulation.planner import Item, touch
from tests.conftest import small


class PauseDays:
    """Stands in for the dialogue stream: the pause lengths (days) the patient asks for, in turn."""

    def __init__(self, *days: int) -> None:
        self.days = list(days)

    def integers(self, low: int, high: int) -> int:
        return self.days.pop(0)


def practice_model(baseline: Scenario) -> PracticeModel:
    scenario = small(baseline, population__patients=40)
    practice, patients = generate(scenario)
    return PracticeModel.build(scenario, practice, patients, 0)


def recall_call(model: PracticeModel, patient: int, t: float) -> object:
    day = model.clock.local_day(model.facts.home_zone[patient], t)
    return touch(
        patient,
        str(model.patients.phone[patient]),
        "voice",
        t,
        day,
        model.zones[patient],
        (Item(patient, "recall", 0),),
    )


def test_a_shorter_second_soft_opt_out_does_not_end_the_first_pause_early(
    baseline: Scenario,
) -> None:
    model = practice_model(baseline)
    p = 0
    model.draws = dataclasses.replace(model.draws, dialogue=PauseDays(60, 30))  # type: ignore[arg-type]
    model.reply(p, "later", -1, 0.0)  # "I'll call when I'm ready": 60 days
    model.reply(p, "later", -1, 10 * DAY_S)  # again ten days on, 30 days from then: day 40
    assert model.state.paused_until_t[p] == 60 * DAY_S
    assert model.state.paused_until_day[p] == model.clock.local_day(model.practice.tz, 0.0) + 61
    on_day_50 = 50 * DAY_S + 17 * 3600.0
    refusal = model.gate.check(recall_call(model, p, on_day_50), on_day_50, model.state)
    assert refusal == Refusal("soft_opt_out_pause", None)


def test_a_longer_second_soft_opt_out_extends_the_pause(baseline: Scenario) -> None:
    model = practice_model(baseline)
    p = 0
    model.draws = dataclasses.replace(model.draws, dialogue=PauseDays(30, 45))  # type: ignore[arg-type]
    model.reply(p, "later", -1, 0.0)
    model.reply(p, "later", -1, 10 * DAY_S)  # ends on day 55
    assert model.state.paused_until_t[p] == 55 * DAY_S
    optouts = model.recorder.rows["optouts"]
    assert [o.pause_until_utc for o in optouts] == [30 * DAY_S, 55 * DAY_S]
