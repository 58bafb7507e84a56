"""The practice-year benchmark's bare-SimPy stand-in (bench/standin.py) does what its ratio assumes."""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))

from standin import standin  # noqa: E402


def most_lines_busy_at_once(rows: list[tuple[int, float, float]]) -> int:
    # A line released at t and taken again at t is one line: releases sort before takes.
    events = sorted([(end, -1) for _, _, end in rows] + [(start, 1) for _, start, _ in rows])
    busy = most = 0
    for _, change in events:
        busy += change
        most = max(most, busy)
    return most


def test_places_exactly_the_contacts_asked_for_each_once():
    rows = standin(1_003, seed=3, days=30)
    assert sorted(contact for contact, _, _ in rows) == list(range(1_003))
    assert all(start < end for _, start, end in rows)


def test_spreads_the_contacts_over_every_day_within_calling_hours():
    rows = standin(700, seed=3, days=7, calling_hours_s=(9 * 3600.0, 17 * 3600.0))
    days = [int(start // 86_400) for _, start, _ in rows]
    assert [days.count(d) for d in range(7)] == [100] * 7
    assert all(start % 86_400 >= 9 * 3600 for _, start, _ in rows)


def test_never_holds_more_than_four_lines_even_when_calls_queue():
    # 2,000 calls of 20-300 s in one 8-hour day: a new call every 14 s, so the lines fill up.
    rows = standin(2_000, seed=5, days=1)
    assert most_lines_busy_at_once(rows) == 4
    assert len(rows) == 2_000


def test_the_same_seed_gives_the_same_rows_and_another_seed_other_durations():
    assert standin(500, seed=11, days=10) == standin(500, seed=11, days=10)
    assert standin(500, seed=11, days=10) != standin(500, seed=12, days=10)
