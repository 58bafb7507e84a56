"""The appointment book: hygiene chairs by day and slot, offers, bookings, cancellations.

Slots are practice-local wall times; `slot_time` turns one into simulation seconds.
"""

from __future__ import annotations

from itertools import compress

import numpy as np

from dentsim.domain.calendar import Clock
from dentsim.scenario import WEEKDAYS, PracticeConfig, minutes_of
from dentsim.streams import Draws


class Book:
    def __init__(self, cfg: PracticeConfig, clock: Clock, zone: str, days: int):
        self.clock = clock
        self.zone = zone
        self.visit_minutes = cfg.hygiene_visit_minutes
        self.open_minute = np.zeros(7, dtype=np.int32)
        slots_by_weekday = np.zeros(7, dtype=np.int32)
        for i, name in enumerate(WEEKDAYS):
            hours = cfg.opening_hours.get(name)
            if hours is not None:
                self.open_minute[i] = minutes_of(hours.open)
                slots_by_weekday[i] = (
                    minutes_of(hours.close) - minutes_of(hours.open)
                ) // self.visit_minutes
        self.max_slots = max(1, int(slots_by_weekday.max()))
        weekday = (clock.start_date.weekday() + np.arange(days)) % 7
        free = np.zeros((days, self.max_slots), dtype=np.int16)
        open_slots = np.arange(self.max_slots)[None, :] < slots_by_weekday[weekday][:, None]
        free[open_slots] = cfg.hygiene_chairs
        if cfg.closed_on_federal_holidays:
            for day in range(days):
                if clock.is_federal_holiday(day):
                    free[day] = 0
        # chairs free per day and slot, and open slots per day, as lists: booking reads and
        # writes one slot at a time, and an offer looks at a few days from a start day
        self.free: list[list[int]] = free.tolist()
        self.open_count: list[int] = (free > 0).sum(axis=1).tolist()
        self._weekday = weekday.tolist()
        self._open_minute = self.open_minute.tolist()

    @property
    def days(self) -> int:
        return len(self.free)

    def offer(
        self, from_day: int, n: int, horizon_days: int, rng: Draws | None = None
    ) -> list[tuple[int, int]]:
        """One open slot on each of the next `n` days that have one, within the horizon.

        With `rng`, the slot within each day is drawn among the open ones (patients take
        times all over the day); without, it is the day's earliest.
        """
        offered: list[tuple[int, int]] = []
        if n <= 0:
            return offered
        lo = max(0, from_day)
        for day in range(lo, min(self.days, lo + horizon_days)):
            if not self.open_count[day]:
                continue
            row = self.free[day]
            if rng is None:
                offered.append((day, next(compress(range(len(row)), row))))
            else:
                slots = list(compress(range(len(row)), row))  # the slots with a chair free
                offered.append((day, slots[rng.integers(0, len(slots))]))
            if len(offered) == n:
                break
        return offered

    def first_open(
        self, from_day: int, horizon_days: int = 60, rng: Draws | None = None
    ) -> tuple[int, int] | None:
        offered = self.offer(from_day, 1, horizon_days, rng)
        return offered[0] if offered else None

    def take(self, day: int, slot: int) -> None:
        row = self.free[day]
        if row[slot] <= 0:
            raise ValueError(f"slot {day}/{slot} is full")
        row[slot] -= 1
        if row[slot] == 0:
            self.open_count[day] -= 1

    def release(self, day: int, slot: int) -> None:
        row = self.free[day]
        row[slot] += 1
        if row[slot] == 1:
            self.open_count[day] += 1

    def slot_time(self, day: int, slot: int) -> int:
        """Simulation seconds when the slot starts."""
        minute = self._open_minute[self._weekday[day]] + slot * self.visit_minutes
        return self.clock.at_local(self.zone, day, minute)
