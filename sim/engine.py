"""Wires one practice into a SimPy Environment: mornings, contacts, callbacks and visits.

Thin by design: each process says *when* something happens and asks the practice model
(sim/model.py) *what* happens.
"""

from __future__ import annotations

from collections.abc import Callable, Generator
from dataclasses import dataclass
from typing import Any

import pyarrow as pa
import simpy

from sim import population
from sim.model import PracticeModel, Visit
from sim.planner import Touch
from sim.population import Patients, Practice
from sim.scenario import Scenario, minutes_of

Process = Generator[simpy.Event, Any, None]


@dataclass(frozen=True, slots=True)
class PracticeRun:
    """One practice-year's result: who, and every event table."""

    practice: Practice
    patients: Patients
    tables: dict[str, pa.Table]
    events_processed: int


def simulate_practice(
    scenario: Scenario, practice_index: int = 0, progress: Callable[[int], None] | None = None
) -> PracticeRun:
    """Simulate one practice over the scenario's days; `progress(days_done)` is told each month."""
    practice, patients = population.generate(scenario, practice_index)
    model = PracticeModel.build(scenario, practice, patients, practice_index)
    env = simpy.Environment()
    lines = simpy.Resource(env, capacity=scenario.telephony.lines)
    for visit in model.prebooked_visits():
        env.process(visit_process(env, model, visit))
    env.process(mornings(env, model, lines))
    for day in range(30, scenario.days + 30, 30):
        env.run(until=min(day, scenario.days) * 86_400)
        if progress is not None:
            progress(min(day, scenario.days))
    return PracticeRun(
        practice, patients, model.recorder.tables(), model.recorder.count("attempts")
    )


def mornings(env: simpy.Environment, model: PracticeModel, lines: simpy.Resource) -> Process:
    planning_minute = minutes_of(model.scenario.strategy.planning_time)
    for day in range(model.scenario.days):
        t = model.clock.at_local(model.practice.tz, day, planning_minute)
        if t > env.now:
            yield env.timeout(t - env.now)
        for touch in model.planner.plan_day(model.state, day, env.now):
            env.process(contact_process(env, model, lines, touch))


def contact_process(
    env: simpy.Environment, model: PracticeModel, lines: simpy.Resource, touch: Touch
) -> Process:
    yield env.timeout(touch.t - env.now)
    if touch.channel == "voice":
        with lines.request() as line:
            yield line
            placed = model.place(touch, env.now)
            if placed is None:
                return
            yield env.timeout(placed.duration_s)
    else:
        placed = model.place(touch, env.now)
        if placed is None:
            return
    for visit in placed.visits:
        env.process(visit_process(env, model, visit))
    for delay_s, patient in placed.callbacks:
        env.process(callback_process(env, model, delay_s, patient))


def callback_process(
    env: simpy.Environment, model: PracticeModel, delay_s: float, patient: int
) -> Process:
    yield env.timeout(delay_s)
    visit = model.callback(patient, env.now)
    if visit is not None:
        env.process(visit_process(env, model, visit))


def visit_process(env: simpy.Environment, model: PracticeModel, visit: Visit) -> Process:
    if visit.t > env.now:
        yield env.timeout(visit.t - env.now)
    next_visit = model.attend(visit)
    if next_visit is not None:
        env.process(visit_process(env, model, next_visit))
