"""The calendar on the hard days: DST changes, Arizona, Hawaii, federal holidays."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from dentsim.domain.calendar import Clock

START = date(2026, 1, 5)
CHANGE_DAYS = [date(2026, 3, 8), date(2026, 11, 1)]
ZONES = ["America/New_York", "America/Chicago", "America/Phoenix", "Pacific/Honolulu"]
# UTC offsets in hours (before 02:00 local, after) on each change day
EXPECTED = {
    ("America/New_York", 0): (-5, -4),
    ("America/Chicago", 0): (-6, -5),
    ("America/Phoenix", 0): (-7, -7),
    ("Pacific/Honolulu", 0): (-10, -10),
    ("America/New_York", 1): (-4, -5),
    ("America/Chicago", 1): (-5, -6),
    ("America/Phoenix", 1): (-7, -7),
    ("Pacific/Honolulu", 1): (-10, -10),
}


@pytest.mark.parametrize("zone", ZONES)
@pytest.mark.parametrize("which", [0, 1])
def test_utc_offsets_change_at_two_am_local_on_dst_days(zone: str, which: int) -> None:
    clock = Clock(START)
    day = (CHANGE_DAYS[which] - START).days
    before, after = EXPECTED[(zone, which)]
    t_one_am = clock.at_local(zone, day, 60)
    t_eight_am = clock.at_local(zone, day, 8 * 60)
    assert clock.utc_offset_s(zone, t_one_am) == before * 3600
    assert clock.utc_offset_s(zone, t_eight_am) == after * 3600


@pytest.mark.parametrize("zone", ZONES)
@pytest.mark.parametrize("change", CHANGE_DAYS)
@pytest.mark.parametrize(
    "minute", [0, 8 * 60, 8 * 60 + 30, 12 * 60, 20 * 60 + 59, 21 * 60, 23 * 60 + 59]
)
def test_local_wall_time_round_trips_through_simulation_seconds(
    zone: str, change: date, minute: int
) -> None:
    clock = Clock(START)
    day = (change - START).days
    t = clock.at_local(zone, day, minute)
    assert clock.local_minute_of_day(zone, t) == minute
    assert clock.local_day(zone, t) == day
    wall = datetime(
        change.year, change.month, change.day, minute // 60, minute % 60, tzinfo=ZoneInfo(zone)
    )
    assert clock.utc_datetime(t) == wall


@pytest.mark.parametrize("zone", ZONES)
def test_every_wall_minute_around_a_change_maps_as_zoneinfo_maps_it(zone: str) -> None:
    """Days with one offset all day take a shortcut (midnight plus minutes); the change days
    and the skipped hour (02:30 on spring-forward: an hour later, as fold=0) must not."""
    clock = Clock(START)
    epoch = datetime(START.year, START.month, START.day, tzinfo=UTC).timestamp()
    for change in CHANGE_DAYS:
        for day in range((change - START).days - 1, (change - START).days + 2):
            for minute in range(0, 1440 + 120, 10):  # past midnight: the next day's wall time
                d = START + timedelta(days=day + minute // 1440)
                m = minute % 1440
                wall = datetime(d.year, d.month, d.day, m // 60, m % 60, tzinfo=ZoneInfo(zone))
                assert clock.at_local(zone, day, minute) == int(wall.timestamp() - epoch), (
                    day,
                    minute,
                )


def test_eight_am_in_new_york_is_one_hour_earlier_in_utc_after_spring_forward() -> None:
    clock = Clock(START)
    day = (date(2026, 3, 8) - START).days
    before = clock.at_local("America/New_York", day - 1, 8 * 60)
    after = clock.at_local("America/New_York", day, 8 * 60)
    assert after - before == 23 * 3600


def test_arizona_and_hawaii_keep_their_offsets_all_year() -> None:
    clock = Clock(START)
    for day in range(0, 365, 7):
        t = clock.at_local("America/Phoenix", day, 12 * 60)
        assert clock.utc_offset_s("America/Phoenix", t) == -7 * 3600
        assert clock.utc_offset_s("Pacific/Honolulu", t) == -10 * 3600


def test_federal_holidays_include_observed_independence_day_and_thanksgiving() -> None:
    clock = Clock(START)
    for d in (date(2026, 7, 3), date(2026, 11, 26), date(2026, 12, 25), date(2027, 1, 1)):
        assert clock.is_federal_holiday((d - START).days)
    assert not clock.is_federal_holiday((date(2026, 7, 6) - START).days)


def test_weekday_of_a_scenario_day() -> None:
    clock = Clock(START)  # a Monday
    assert [clock.weekday(d) for d in range(8)] == [0, 1, 2, 3, 4, 5, 6, 0]
