"""Wires one practice into a SimPy Environment: mornings, contacts, replies, visits, staff.

Thin by design: each process says *when* something happens and asks the practice model
(sim/simulation/model.py and its parts) *what* happens.
"""

from __future__ import annotations

import gc
import heapq
from collections.abc import Callable, Generator
from dataclasses import dataclass
from functools import partial
from typing import Any

import pyarrow as pa
import simpy

from dentsim.domain import population
from dentsim.domain.population import Patients, Practice
from dentsim.scenario import Scenario, minutes_of
from dentsim.simulation.conversations import AgentFaults
from dentsim.simulation.model import PracticeModel
from dentsim.simulation.planner import Touch
from dentsim.simulation.records import Deferred, Placed

Process = Generator[simpy.Event, Any, None]
CLOSING_MINUTE = 23 * 60  # practice-local time the day's visits are settled
GC_YOUNG_OBJECTS = 100_000  # collect young objects less often while simulating: about 7 % faster


@dataclass(frozen=True, slots=True)
class PracticeRun:
    """One practice-year's result: who, and every event table.

    Attributes:
        practice: the practice.
        patients: its patients, as the PMS held them at the start.
        tables: every event table, by name (rows.py gives their columns).
        transcripts: one per answered call played (empty when switched off).
        agent_faults: calls the agent cut short (agent_error, turn_limit).
    """

    practice: Practice
    patients: Patients
    tables: dict[str, pa.Table]
    transcripts: list[dict[str, Any]]
    agent_faults: AgentFaults


class Lines:
    """The dialer's concurrent lines, as the times each line is busy until.

    A call takes the line that frees first, when it is free by now; it holds the line for the
    call's duration. `simpy.Resource` would do the same with a request and a release event
    per call; a practice-year places some 13,000 calls and almost all find a line free, so
    here taking and freeing a line costs no event at all (measured: about a tenth of the
    year's time).
    """

    __slots__ = ("env", "busy_until")

    def __init__(self, env: simpy.Environment, capacity: int):
        self.env = env
        self.busy_until = [0.0] * capacity  # a heap: the first line to free comes first

    def wait_s(self) -> float:
        """Seconds until a line is free (0: one is free now)."""
        return max(0.0, self.busy_until[0] - self.env.now)

    def hold(self, duration_s: float) -> None:
        """Take the free line for `duration_s` from now."""
        heapq.heapreplace(self.busy_until, self.env.now + duration_s)


@dataclass(slots=True)
class World:
    """What the processes share.

    Attributes:
        env: the practice's SimPy environment.
        model: the practice model, which decides what happens.
        lines: the dialer's lines.
        clinicians: clinical staff taking red-flag transfers.
    """

    env: simpy.Environment
    model: PracticeModel
    lines: Lines
    clinicians: simpy.Resource

    def follow(self, placed: Placed | None) -> None:
        """Start the processes a contact, a reply or a returned call set in motion."""
        if placed is None:
            return
        model = self.model
        for call in placed.callbacks:  # the patient returns a message
            self.after(call.delay_s, partial(model.inbound, call.patient, call.use_cases))
        for r in placed.replies:  # a text reply arrives
            self.after(r.delay_s, partial(model.reply, r.patient, r.kind, r.appointment_id))
        for patient in placed.transfers:
            self.env.process(transfer_process(self, patient))
        for text in placed.texts:
            self.env.process(text_process(self, text.delay_s, text.touch))

    def after(self, delay_s: float, happens: Callable[[float], Placed | None]) -> None:
        """In `delay_s`, let `happens(now)` happen and follow what it sets in motion (one event,
        no process: most of what follows a contact is a single moment)."""
        self.env.timeout(delay_s).callbacks.append(lambda _: self.follow(happens(self.env.now)))


def simulate_practice(
    scenario: Scenario, practice_index: int = 0, progress: Callable[[int], None] | None = None
) -> PracticeRun:
    """Simulate one practice over the scenario's days; `progress(days_done)` is told each month."""
    practice, patients = population.practice_and_patients(scenario, practice_index)
    model = PracticeModel.build(scenario, practice, patients, practice_index)
    env = simpy.Environment()
    world = World(
        env=env,
        model=model,
        lines=Lines(env, scenario.telephony.lines),
        clinicians=simpy.Resource(env, scenario.staff.clinical_staff),
    )
    model.initial_visits()
    env.process(mornings(world))
    env.process(closings(world))
    thresholds = gc.get_threshold()
    gc.set_threshold(GC_YOUNG_OBJECTS, *thresholds[1:])  # events are many and short-lived
    try:
        for day in range(30, scenario.days + 30, 30):
            env.run(until=min(day, scenario.days) * 86_400)
            if progress is not None:
                progress(min(day, scenario.days))
    finally:
        gc.set_threshold(*thresholds)
    return PracticeRun(
        practice=practice,
        patients=patients,
        tables=model.recorder.tables(),
        transcripts=model.recorder.transcripts,
        agent_faults=model.agent_faults,
    )


def mornings(w: World) -> Process:
    model = w.model
    planning_minute = minutes_of(model.scenario.strategy.planning_time)
    for day in range(model.scenario.days):
        t = model.clock.at_local(model.practice.tz, day, planning_minute)
        if t > w.env.now:
            yield w.env.timeout(t - w.env.now)
        calls: list[Touch] = []
        texts: list[Touch] = []
        for touch in model.planner.plan_day(model.state, day, w.env.now):
            (calls if touch.channel == "voice" else texts).append(touch)
        if calls:
            w.env.process(dialer_process(w, calls))
        if texts:
            w.env.process(texts_process(w, texts))
        model.visits.self_bookings(day)


def closings(w: World) -> Process:
    """After hours each day, the day's visits are settled: attended or missed."""
    model = w.model
    for day in range(model.scenario.days):
        t = model.clock.at_local(model.practice.tz, day, CLOSING_MINUTE)
        if t > w.env.now:
            yield w.env.timeout(t - w.env.now)
        for appt in model.visits.of_day(day):
            model.visits.attend(appt)


def dialer_process(w: World, calls: list[Touch]) -> Process:
    """The day's calls in time order: each waits for its hour and a free line, then is placed."""
    env = w.env
    for touch in calls:
        if touch.t > env.now:
            yield env.timeout(touch.t - env.now)
        while (wait_s := w.lines.wait_s()) > 0:
            yield env.timeout(wait_s)  # every line busy: this call, and the later ones, wait
        dial(w, touch)


def retry_process(w: World, touch: Touch, delay_s: float) -> Process:
    """A call the gate deferred waits for the permitted hour and a free line again."""
    yield w.env.timeout(delay_s)
    while (wait_s := w.lines.wait_s()) > 0:
        yield w.env.timeout(wait_s)
    dial(w, touch)


def dial(w: World, touch: Touch) -> None:
    """Place a call on a free line, which it holds until the call ends; what the call set in
    motion starts when it ends."""
    env = w.env
    placed = w.model.place(touch, env.now)
    if isinstance(placed, Deferred):
        env.process(retry_process(w, touch, placed.retry_at - env.now))
    elif placed is not None:
        w.lines.hold(placed.duration_s)
        if placed.follows():
            env.timeout(placed.duration_s).callbacks.append(lambda _: w.follow(placed))


def texts_process(w: World, texts: list[Touch]) -> Process:
    """The day's texts go out at their times (no line needed)."""
    for touch in texts:
        if touch.t > w.env.now:
            yield w.env.timeout(touch.t - w.env.now)
        send(w, touch)


def text_process(w: World, delay_s: float, touch: Touch) -> Process:
    yield w.env.timeout(delay_s)
    send(w, touch)


def send(w: World, touch: Touch) -> None:
    placed = w.model.place(touch, w.env.now)
    if isinstance(placed, Deferred):
        w.env.process(text_process(w, placed.retry_at - w.env.now, touch))
    else:
        w.follow(placed)


def transfer_process(w: World, patient: int) -> Process:
    """A red flag: warm transfer to clinical staff, or a staff callback when nobody is free."""
    env, staff, staff_cfg = w.env, w.model.staff, w.model.scenario.staff
    requested = env.now
    if staff.on_duty(env.now):
        request = w.clinicians.request()
        got = yield request | env.timeout(staff_cfg.transfer_patience_s)
        if request in got:
            started = env.now
            yield env.timeout(staff_cfg.transfer_minutes * 60)
            w.clinicians.release(request)
            staff.task(patient, "transfer", requested, started, staff_cfg.transfer_minutes * 60)
            return
        request.cancel()
    while True:
        wait = staff.until_on_duty_s(env.now)
        if wait > 0:
            yield env.timeout(wait)
        with w.clinicians.request() as callback:
            yield callback
            if staff.on_duty(env.now):
                started = env.now
                yield env.timeout(staff_cfg.callback_minutes * 60)
                staff.task(patient, "callback", requested, started, staff_cfg.callback_minutes * 60)
                return
