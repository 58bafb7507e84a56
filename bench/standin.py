"""A bare-SimPy stand-in for a practice-year: one process per contact, a few dialer lines, one draw
and one row each; the floor a per-contact SimPy model cannot go below (issue 14).

    from standin import standin
    rows = standin(15_620, seed=1)   # [(contact, start_s, end_s), ...] in order of hanging up
"""

from __future__ import annotations

from collections.abc import Generator

import numpy as np
import simpy

BASELINE_CONTACTS = 15_620  # attempts of one baseline practice-year when issue 14 was filed
DAY_S = 86_400

Row = tuple[int, float, float]  # contact, line taken at (s), line released at (s)


def standin(
    contacts: int = BASELINE_CONTACTS,
    seed: int = 0,
    *,
    days: int = 365,
    lines: int = 4,
    calling_hours_s: tuple[float, float] = (9 * 3600.0, 17 * 3600.0),
    duration_s: tuple[float, float] = (20.0, 300.0),
) -> list[Row]:
    """Place `contacts` calls over `days`, each its own SimPy process holding one of `lines`
    lines for a duration drawn uniformly from `duration_s`; return one row per contact."""
    env = simpy.Environment()
    dialer = simpy.Resource(env, capacity=lines)
    rng = np.random.default_rng(seed)
    rows: list[Row] = []
    env.process(_mornings(env, dialer, rng, rows, contacts, days, calling_hours_s, duration_s))
    env.run()
    return rows


def _mornings(
    env: simpy.Environment,
    dialer: simpy.Resource,
    rng: np.random.Generator,
    rows: list[Row],
    contacts: int,
    days: int,
    calling_hours_s: tuple[float, float],
    duration_s: tuple[float, float],
) -> Generator[simpy.Event, None, None]:
    """Each day, start that day's share of the contacts, evenly spaced through the calling hours."""
    opens_s, closes_s = calling_hours_s
    placed = 0
    for day in range(days):
        today = contacts * (day + 1) // days - contacts * day // days
        yield env.timeout(day * DAY_S + opens_s - env.now)
        gap_s = (closes_s - opens_s) / max(today, 1)
        for _ in range(today):
            env.process(_call(env, dialer, rng, rows, placed, duration_s))
            placed += 1
            yield env.timeout(gap_s)


def _call(
    env: simpy.Environment,
    dialer: simpy.Resource,
    rng: np.random.Generator,
    rows: list[Row],
    contact: int,
    duration_s: tuple[float, float],
) -> Generator[simpy.Event, None, None]:
    with dialer.request() as line:
        yield line
        started = env.now
        yield env.timeout(rng.uniform(*duration_s))
        rows.append((contact, started, env.now))
