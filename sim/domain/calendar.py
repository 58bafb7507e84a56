"""Simulation clock <-> local time: zones, DST, US federal holidays, practice hours.

SimPy time is seconds since midnight UTC of the scenario's `start_date`. Every local-time
question goes through here; offsets are cached per zone and UTC hour (US offsets change only
on the hour), so converting a contact's time costs a dict look-up.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from functools import cache, lru_cache
from zoneinfo import ZoneInfo

import holidays as holidays_lib

DAY_S = 86_400
HOUR_S = 3_600


@cache
def zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


@lru_cache(maxsize=64)
def federal_holidays(year: int) -> frozenset[date]:
    """US federal holidays, observed dates included (3 July 2026 for the Fourth)."""
    return frozenset(holidays_lib.country_holidays("US", years=year, observed=True).keys())


@dataclass(slots=True)
class Clock:
    """Converts between simulation seconds and local wall time for one scenario."""

    start_date: date
    epoch_utc: datetime = field(init=False)
    _epoch_s: int = field(init=False)
    _offsets: dict[tuple[str, int], int] = field(init=False, default_factory=dict)
    _local_to_sim: dict[tuple[str, int, int], int] = field(init=False, default_factory=dict)
    _midnights: dict[tuple[str, int], int | None] = field(init=False, default_factory=dict)
    _start_weekday: int = field(init=False)

    def __post_init__(self) -> None:
        self.epoch_utc = datetime(
            self.start_date.year, self.start_date.month, self.start_date.day, tzinfo=UTC
        )
        self._epoch_s = int(self.epoch_utc.timestamp())
        self._start_weekday = self.start_date.weekday()

    # --- sim seconds -> local -------------------------------------------------------------
    def utc_offset_s(self, zone_name: str, t: float) -> int:
        """The zone's UTC offset in seconds at simulation time `t`."""
        hour = int(t // HOUR_S)
        key = (zone_name, hour)
        offset = self._offsets.get(key)
        if offset is None:
            self._learn_offsets(zone_name, hour - hour % 24)
            offset = self._offsets[key]
        return offset

    def _learn_offsets(self, zone_name: str, first_hour: int) -> None:
        """Cache the zone's offsets for the 24 UTC hours from `first_hour`: one look-up at each
        end, and hour by hour only on the few days an offset changes."""
        tz = zone(zone_name)

        def offset_at(hour: int) -> int:
            local = (self.epoch_utc + timedelta(seconds=hour * HOUR_S)).astimezone(tz)
            return int(local.utcoffset().total_seconds())  # type: ignore[union-attr]

        first, last = offset_at(first_hour), offset_at(first_hour + 23)
        for h in range(first_hour, first_hour + 24):
            self._offsets[(zone_name, h)] = first if first == last else offset_at(h)

    def local_seconds(self, zone_name: str, t: float) -> float:
        """Seconds since the scenario's start, on the zone's local wall clock."""
        offset = self._offsets.get((zone_name, int(t // HOUR_S)))  # the hot path: one look-up
        return t + (self.utc_offset_s(zone_name, t) if offset is None else offset)

    def local_day(self, zone_name: str, t: float) -> int:
        """The local calendar day (0 = start_date) at simulation time `t`."""
        return int(self.local_seconds(zone_name, t) // DAY_S)

    def local_minute_of_day(self, zone_name: str, t: float) -> int:
        return int(self.local_seconds(zone_name, t) % DAY_S // 60)

    def local_datetime(self, zone_name: str, t: float) -> datetime:
        return (self.epoch_utc + timedelta(seconds=t)).astimezone(zone(zone_name))

    def utc_datetime(self, t: float) -> datetime:
        return self.epoch_utc + timedelta(seconds=t)

    def unix_seconds(self, t: float) -> int:
        return self._epoch_s + int(t)

    # --- local -> sim seconds -------------------------------------------------------------
    def at_local(self, zone_name: str, day: int, minute_of_day: int) -> int:
        """Simulation seconds of local wall time `minute_of_day` on local day `day`.

        A wall time skipped by a DST change (02:30 on the spring-forward day) maps to the
        instant an hour later, as zoneinfo's `fold=0` does.
        """
        key = (zone_name, day, minute_of_day)
        t = self._local_to_sim.get(key)
        if t is None:
            extra_days, minute = divmod(minute_of_day, 1440)
            midnight = self._steady_midnight(zone_name, day + extra_days)
            if midnight is None:  # the offset changes that day
                t = self._wall_to_sim(zone_name, day + extra_days, minute)
            else:
                t = midnight + minute * 60
            self._local_to_sim[key] = t
        return t

    def _steady_midnight(self, zone_name: str, day: int) -> int | None:
        """The local day's midnight in simulation seconds, when one offset holds all day."""
        key = (zone_name, day)
        if key not in self._midnights:
            midnight = self._wall_to_sim(zone_name, day, 0)
            steady = self._wall_to_sim(zone_name, day, 1439) - midnight == 1439 * 60
            self._midnights[key] = midnight if steady else None
        return self._midnights[key]

    def _wall_to_sim(self, zone_name: str, day: int, minute: int) -> int:
        d = self.start_date + timedelta(days=day)
        hours, minutes = divmod(minute, 60)
        local = datetime(d.year, d.month, d.day, hours, minutes, tzinfo=zone(zone_name))
        return int(local.timestamp()) - self._epoch_s

    def date_of(self, day: int) -> date:
        return self.start_date + timedelta(days=day)

    def weekday(self, day: int) -> int:
        """0 = Monday ... 6 = Sunday, of local day `day`."""
        return (self._start_weekday + day) % 7

    def is_federal_holiday(self, day: int) -> bool:
        d = self.date_of(day)
        return d in federal_holidays(d.year)
