"""Each practice-morning: collect due touches, combine them per phone, spread them over the day.

Plain functions over the practice state; the engine only turns the returned touches into
SimPy processes.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

import numpy as np

from sim import campaigns
from sim.calendar import Clock
from sim.pms import PracticeState
from sim.population import Patients
from sim.rules.gate import FEDERAL_CLOSE_MINUTE, FEDERAL_OPEN_MINUTE
from sim.scenario import WEEKDAYS, Scenario, minutes_of

MIN_WINDOW_S = 15 * 60


@dataclass(frozen=True, slots=True)
class Item:
    """One use case's touch for one patient, inside a contact."""

    patient: int
    use_case: str
    step: int


@dataclass(frozen=True, slots=True)
class Touch:
    """One planned contact: a number, a channel, a time, and the items it carries."""

    patient: int  # whose number is contacted
    phone: str
    channel: str
    t: float  # simulation seconds
    day: int
    zones: tuple[str, ...]
    items: tuple[Item, ...]

    @property
    def purposes(self) -> tuple[str, ...]:
        return tuple(sorted({i.use_case for i in self.items}))

    @property
    def patients(self) -> tuple[int, ...]:
        return tuple(sorted({i.patient for i in self.items}))


@dataclass(slots=True)
class Planner:
    scenario: Scenario
    clock: Clock
    patients: Patients
    zones: list[tuple[str, ...]]
    rng: np.random.Generator
    _open: int = field(init=False)
    _close: int = field(init=False)
    _call_days: set[int] = field(init=False)
    _windows: dict[tuple[tuple[str, ...], int], tuple[int, int]] = field(init=False)
    _can_text: np.ndarray = field(init=False)

    def __post_init__(self) -> None:
        strategy = self.scenario.strategy
        self._open = max(minutes_of(strategy.call_hours.open), FEDERAL_OPEN_MINUTE)
        self._close = min(minutes_of(strategy.call_hours.close), FEDERAL_CLOSE_MINUTE)
        self._call_days = {WEEKDAYS.index(d) for d in strategy.call_days}
        self._windows: dict[tuple[tuple[str, ...], int], tuple[int, int]] = {}
        self._can_text = (self.patients.phone_type == "wireless") & self.patients.text_allowed

    def calls_today(self, day: int) -> bool:
        if self.clock.weekday(day) not in self._call_days:
            return False
        closed = self.scenario.practice.closed_on_federal_holidays
        return not (closed and self.clock.is_federal_holiday(day))

    def window(self, zones: tuple[str, ...], day: int) -> tuple[int, int]:
        """Simulation seconds when every candidate zone is inside the calling hours today."""
        key = (zones, day)
        w = self._windows.get(key)
        if w is None:
            lo = max(self.clock.at_local(z, day, self._open) for z in zones)
            hi = min(self.clock.at_local(z, day, self._close) for z in zones)
            w = self._windows[key] = (lo, hi)
        return w

    def plan_day(self, state: PracticeState, day: int, now: float) -> list[Touch]:
        if not self.calls_today(day):
            return []
        recall = self.scenario.campaigns.recall
        idx, steps = campaigns.recall_due(state, recall, day)
        by_phone: dict[str, list[Item]] = defaultdict(list)
        for patient, step in zip(idx.tolist(), steps.tolist(), strict=True):
            by_phone[self.patients.phone[patient]].append(Item(patient, campaigns.RECALL, step))
        touches = []
        for phone, items in by_phone.items():
            if state.last_contact_day_by_phone.get(phone, -1) >= day:
                continue  # this number already had its contact today
            primary = items[0].patient
            channel = self.channel_for(state, primary, recall.cadence[items[0].step].channel)
            if channel is None:
                continue
            zones = tuple(sorted({z for i in items for z in self.zones[i.patient]}))
            lo, hi = self.window(zones, day)
            lo = max(lo, int(now) + 60)
            if hi - lo < MIN_WINDOW_S:
                continue
            t = lo + float(self.rng.random()) * (hi - lo - 60)
            touches.append(Touch(primary, phone, channel, t, day, zones, tuple(items)))
            for i in items:
                state.pending[i.patient] = True
        touches.sort(key=lambda tc: tc.t)
        return touches

    def channel_for(self, state: PracticeState, patient: int, wanted: str) -> str | None:
        """The cadence's channel, or the other one when that is impossible or opted out."""
        sms_ok = bool(self._can_text[patient]) and not state.opted_out_sms[patient]
        voice_ok = not state.opted_out_voice[patient]
        if wanted == "sms":
            return "sms" if sms_ok else ("voice" if voice_ok else None)
        return "voice" if voice_ok else ("sms" if sms_ok else None)
