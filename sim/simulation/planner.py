"""Each practice-morning: collect due touches, apply caps, combine per phone, spread over the day.

Plain functions over the practice state; the engine only turns the returned touches into
SimPy processes. The planner follows the *strategy* (caps, combining, timing); the compliance
gate, not the planner, enforces the *rules* at the moment of each contact.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

import numpy as np

from dentsim.domain import campaigns
from dentsim.domain.behaviour import Traits
from dentsim.domain.calendar import Clock
from dentsim.domain.campaigns import POST_OP
from dentsim.domain.pms import Appointment, PracticeState
from dentsim.domain.population import Patients
from dentsim.scenario import WEEKDAYS, Scenario, minutes_of
from dentsim.streams import Draws

MIN_WINDOW_S = 15 * 60
HOUR_S = 3600


# Item and Touch are not frozen, and are built by position where it counts: the planner builds
# some 16,000 of each a practice-year, and a frozen dataclass's __init__ costs three times as
# much, keyword arguments to a class twice as much (about 3 % and 2 % of the year). Nothing
# changes them once built.
@dataclass(slots=True)
class Item:
    """One use case's touch for one patient, inside a contact.

    Attributes:
        patient: the patient (row index).
        use_case: the use case.
        step: the step of the use case's cadence (0: the first).
    """

    patient: int
    use_case: str
    step: int


@dataclass(slots=True)
class Touch:
    """One planned contact: a number, a channel, a time, and the items it carries.

    Attributes:
        patient: whose number is contacted (row index).
        phone: the number.
        channel: `voice` or `sms`.
        t: when (simulation seconds).
        day: the planning day it belongs to.
        zones: the time zones the contact may reach the patient in.
        items: what it carries, one item per use case and patient.
        purposes: the items' use cases, each once.
        patients: the items' patients, each once.
        appointment_id: the visit a confirmation is about (-1: none).
        fallback: a confirmation call placed only if the text got no answer.
    """

    patient: int
    phone: str
    channel: str
    t: float
    day: int
    zones: tuple[str, ...]
    items: tuple[Item, ...]
    purposes: tuple[str, ...]
    patients: tuple[int, ...]
    appointment_id: int = -1
    fallback: bool = False


def touch(patient: int, phone: str, channel: str, t: float, day: int, zones: tuple[str, ...],
          items: tuple[Item, ...], appointment_id: int = -1, fallback: bool = False) -> Touch:  # fmt: skip
    """A contact carrying `items`, with their purposes and patients each once."""
    purposes: tuple[str, ...]
    patients: tuple[int, ...]
    if len(items) == 1:
        purposes, patients = (items[0].use_case,), (items[0].patient,)
    else:
        purposes = tuple(dict.fromkeys(i.use_case for i in items))
        patients = tuple(dict.fromkeys(i.patient for i in items))
    return Touch(  # by position: see Item
        patient, phone, channel, t, day, zones, items, purposes, patients, appointment_id, fallback
    )


@dataclass(slots=True)
class Planner:
    """Plans each practice-morning's contacts by the scenario's strategy.

    Attributes:
        scenario: the resolved scenario.
        clock: simulation time to local time.
        patients: the practice's patients.
        zones: each patient's candidate time zones.
        traits: their behavioural traits (best hours).
        rng: the planner's own stream (contact times).
    """

    scenario: Scenario
    clock: Clock
    patients: Patients
    zones: list[tuple[str, ...]]
    traits: Traits
    rng: Draws
    _open: int = field(init=False)
    _close: int = field(init=False)
    _call_days: set[int] = field(init=False)
    _windows: dict[tuple[tuple[str, ...], int], tuple[int, int]] = field(init=False)
    _can_text: np.ndarray = field(init=False)
    _enabled: tuple[str, ...] = field(init=False)
    _phone_id: np.ndarray = field(init=False)
    _phones: list[str] = field(init=False)
    _homes: list[str] = field(init=False)
    _caps: dict[str, int] = field(init=False)  # use case -> its weekly cap per patient
    _channels: dict[str, tuple[str, ...]] = field(init=False)  # use case -> channel per step

    def __post_init__(self) -> None:
        strategy = self.scenario.strategy
        # the strategy's hours; the gate, not the planner, enforces the calling-hour rules
        self._open = minutes_of(strategy.call_hours.open)
        self._close = minutes_of(strategy.call_hours.close)
        self._call_days = {WEEKDAYS.index(d) for d in strategy.call_days}
        self._windows = {}
        self._can_text = (self.patients.phone_type == "wireless") & self.patients.text_allowed
        c = self.scenario.campaigns
        self._enabled = tuple(u for u in campaigns.CADENCED if getattr(c, u).enabled)
        self._phone_id = np.unique(self.patients.phone, return_inverse=True)[1]
        self._phones = self.patients.phone.tolist()
        self._homes = self.patients.tz_address.tolist()
        self._caps = {
            u: getattr(c, u).cap_per_week
            for u in self._enabled
            if u != POST_OP and getattr(c, u).cap_per_week is not None
        }
        self._channels = {
            u: tuple(str(step.channel) for step in getattr(c, u).cadence) for u in self._enabled
        }

    def calls_today(self, day: int) -> bool:
        if self.clock.weekday(day) not in self._call_days:
            return False
        closed = self.scenario.practice.closed_on_federal_holidays
        return not (closed and self.clock.is_federal_holiday(day))

    def window(self, zones: tuple[str, ...], day: int) -> tuple[int, int]:
        """Simulation seconds when every candidate zone is inside the calling hours on `day`."""
        key = (zones, day)
        w = self._windows.get(key)
        if w is None:
            lo = max(self.clock.at_local(z, day, self._open) for z in zones)
            hi = min(self.clock.at_local(z, day, self._close) for z in zones)
            w = self._windows[key] = (lo, hi)
        return w

    # --- the day's plan -----------------------------------------------------------------
    def plan_day(self, state: PracticeState, day: int, now: float) -> list[Touch]:
        if not self.calls_today(day):
            return []
        campaigns.lapse(state, self.scenario.campaigns, day)
        touches = self._outreach(state, day, now)
        if self.scenario.campaigns.confirmation.enabled:
            touches += self._confirmations(state, day, now)
        for touch in touches:
            for i in touch.items:
                if i.use_case in state.episodes:
                    state.episodes[i.use_case].pending[i.patient] = True
        touches.sort(key=lambda tc: tc.t)
        return touches

    def _outreach(self, state: PracticeState, day: int, now: float) -> list[Touch]:
        strategy = self.scenario.strategy
        horizon = strategy.combine_window_days if strategy.combine else 0
        due_today: list[Item] = []
        upcoming: dict[int, list[Item]] = defaultdict(list)
        found = [
            campaigns.due(state, self.scenario.campaigns, u, day, horizon) for u in self._enabled
        ]
        today = np.zeros(state.n, dtype=bool)
        for d in found:
            today[d.patients[d.due_days <= day]] = True
        if strategy.combine:  # whole households on a shared phone come along
            phone_due = np.zeros(self._phone_id.max() + 1, dtype=bool)
            phone_due[self._phone_id[today]] = True
            today |= phone_due[self._phone_id]
        for d in found:
            keep = today[d.patients]
            cap = self._caps.get(d.use_case)
            if cap is not None:  # the use case's own weekly cap
                keep &= state.touches_in_week(d.use_case, day, d.patients) < cap
            use_case = d.use_case
            for patient, step, due_day in zip(
                d.patients[keep].tolist(),
                d.steps[keep].tolist(),
                d.due_days[keep].tolist(),
                strict=True,
            ):
                item = Item(patient, use_case, step)  # by position: see Item
                if due_day <= day:
                    due_today.append(item)
                else:
                    upcoming[patient].append(item)
        candidates = np.flatnonzero(today)
        week_all = dict(
            zip(
                candidates.tolist(),
                state.touches_in_week(None, day, candidates).tolist(),
                strict=True,
            )
        )
        weekly_cap = strategy.weekly_cap_per_patient
        phones = self._phones
        groups: dict[object, list[Item]] = defaultdict(list)
        for item in due_today:
            key = phones[item.patient] if strategy.combine else (item.patient, item.use_case)
            groups[key].append(item)
        touches = []
        for items in groups.values():
            if strategy.combine and upcoming:
                covered = {i.patient for i in items}
                have = {(i.patient, i.use_case) for i in items}
                for p in sorted(covered):
                    for extra in upcoming.get(p, ()):
                        if (p, extra.use_case) not in have:
                            items.append(extra)
                            have.add((p, extra.use_case))
            items = [i for i in items if i.use_case == POST_OP or week_all[i.patient] < weekly_cap]
            if not items:
                continue
            touch = self._touch(state, items, day, now)
            if touch is not None:
                touches.append(touch)
                for p in touch.patients:
                    week_all[p] += 1
        return touches

    def _touch(self, state: PracticeState, items: list[Item], day: int, now: float) -> Touch | None:
        primary = items[0]
        channels = self._channels[primary.use_case]
        wanted = channels[min(primary.step, len(channels) - 1)]
        channel = self.channel_for(state, primary.patient, wanted)
        if channel is None:
            return None
        if len(items) == 1:
            zones = self.zones[primary.patient]
        else:
            zones = tuple(sorted({z for i in items for z in self.zones[i.patient]}))
        t = self.pick_time(zones, day, now, primary.patient)
        if t is None:
            return None
        return touch(
            patient=primary.patient, phone=self._phones[primary.patient], channel=channel, t=t,
            day=day, zones=zones, items=tuple(items),
        )  # fmt: skip

    def channel_for(self, state: PracticeState, patient: int, wanted: str) -> str | None:
        """The cadence's channel; a call where the number on file cannot take texts."""
        if wanted == "sms" and not self._can_text[patient]:
            return "voice"
        return wanted

    def pick_time(self, zones: tuple[str, ...], day: int, now: float, patient: int) -> float | None:
        """When today to place a contact, by the strategy's dial-time policy; None if no time left."""
        lo, hi = self.window(zones, day)
        lo = max(lo, int(now) + 60)
        if hi - lo < MIN_WINDOW_S:
            return None
        strategy = self.scenario.strategy
        home = self._homes[patient]
        u = self.rng.random()
        if strategy.dial_time == "best_hour":
            target = (
                self.clock.at_local(home, day, int(self.traits.best_hour[patient]) * 60)
                + u * HOUR_S
            )
            if lo <= target < hi - 60:
                return target
        elif strategy.dial_time == "burst":
            start = self.clock.at_local(home, day, minutes_of(strategy.burst.start))
            b_lo, b_hi = max(lo, start), min(hi, start + int(strategy.burst.hours * HOUR_S))
            if b_hi - b_lo < 60:
                b_lo, b_hi = max(lo, hi - int(strategy.burst.hours * HOUR_S)), hi
            return b_lo + u * (b_hi - b_lo - 60)
        return lo + u * (hi - lo - 60)

    # --- confirmations: anchored to the visit's hour ----------------------------------------
    def _confirmations(self, state: PracticeState, day: int, now: float) -> list[Touch]:
        """Texts 24-48 h before each visit, and a call when the text goes unanswered.

        A text comes first when a fallback call can still follow on a later calling day
        (one contact a day per number); when it cannot, the one contact left is the call.
        """
        cfg = self.scenario.campaigns.confirmation
        touches = []
        for appt in self._upcoming(state, day, cfg.first_hours_before):
            if appt.status != "scheduled" or appt.confirmed_via:
                continue
            p = appt.patient
            if not state.active[p]:
                continue
            lo_t = appt.t - cfg.first_hours_before * HOUR_S
            hi_t = appt.t - cfg.last_hours_before * HOUR_S
            zones = self.zones[p]
            w_lo, w_hi = self.window(zones, day)
            lo, hi = max(lo_t, w_lo, int(now) + 60), min(hi_t, w_hi)
            if hi - lo < 60:
                continue
            phone = self._phones[p]
            item = (Item(patient=p, use_case=campaigns.CONFIRMATION, step=0),)
            can_text = bool(self._can_text[p])
            can_call = cfg.voice_fallback and not appt.voice_planned
            if appt.sms_t is None and cfg.sms_first and can_text:
                sms_t = lo + self.rng.random() * min(1800.0, hi - lo - 60)
                if not can_call or self._fallback_day(zones, day, sms_t, hi_t) is not None:
                    touches.append(touch(
                        patient=p, phone=phone, channel="sms", t=sms_t, day=day, zones=zones,
                        items=item, appointment_id=appt.appointment_id,
                    ))  # fmt: skip
                    appt.sms_t = sms_t
                    continue
            if not can_call:
                continue
            earliest = lo
            if appt.sms_t is not None:
                earliest = max(lo, appt.sms_t + cfg.voice_fallback_after_h * HOUR_S)
            if earliest < hi - 60:
                t = earliest + self.rng.random() * min(1800.0, hi - earliest - 60)
                fallback = appt.sms_t is not None
                touches.append(touch(
                    patient=p, phone=phone, channel="voice", t=t, day=day, zones=zones,
                    items=item, appointment_id=appt.appointment_id, fallback=fallback,
                ))  # fmt: skip
                appt.voice_planned = True
        return touches

    def _fallback_day(
        self, zones: tuple[str, ...], day: int, sms_t: float, last_t: float
    ) -> int | None:
        """A later calling day with time for a fallback call after a text sent at `sms_t`."""
        wait = self.scenario.campaigns.confirmation.voice_fallback_after_h * HOUR_S
        for d in range(day + 1, day + 4):
            if not self.calls_today(d):
                continue
            w_lo, w_hi = self.window(zones, d)
            if max(w_lo, sms_t + wait) < min(w_hi, last_t) - 60:
                return d
        return None

    def _upcoming(self, state: PracticeState, day: int, hours_before: float) -> list[Appointment]:
        last_day = day + int(hours_before // 24) + 2
        return [a for d in range(day, last_day + 1) for a in state.appointments_by_day.get(d, ())]
