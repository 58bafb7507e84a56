"""Rule checks on when a contact happens: the federal and state calling windows, and the states'
bans on Sundays and holidays, at every place the contact may ring."""

from __future__ import annotations

from datetime import date
from typing import Any

import holidays
import numpy as np

from dentsim.compliance.audit.localtime import day_text, hhmm
from dentsim.compliance.audit.log import Hits, Log
from dentsim.compliance.audit.vocabulary import DAY_S
from dentsim.compliance.rules import WEEKDAYS, RuleSet
from dentsim.errors import InputError


def federal_window(log: Log, rules: RuleSet) -> Hits:
    rule = rules.federal_calling_window
    scope = log.channel_in(rule.channels)
    start, end = rule.window.start_s, rule.window.end_s
    bad = ((log.local_tod < start) | (log.local_tod >= end)) & scope[:, None]
    rows = np.flatnonzero(bad.any(axis=1))
    col = bad[rows].argmax(axis=1)

    def why(i: int) -> tuple[str, str]:
        r, c = rows[i], col[i]
        window = f"{rule.window.start_local}-{rule.window.end_local}"
        return log.loc_zone_name(r, c), (
            f"starts {log.hhmm(r, c)} local at the {log.loc_label(r, c)}, outside {window}"
        )

    return Hits(int(scope.sum()), rows, log.pidx[rows], why)


def state_window(log: Log, rules: RuleSet) -> Hits:
    rule = rules.state_calling_window
    n_states = len(log.state_names)
    start = np.zeros((n_states + 1, 7), np.int64)
    end = np.full((n_states + 1, 7), DAY_S, np.int64)
    listed = np.zeros(n_states + 1, bool)
    for code, sw in rule.states.items():
        k = log.state_index(code)
        if k < 0:
            continue
        listed[k] = True
        for d, name in enumerate(WEEKDAYS):
            w = sw.by_weekday.get(name, sw.window)  # type: ignore[call-overload]
            start[k, d], end[k, d] = w.start_s, w.end_s
    st = log.loc_state[log.c_key]
    applies = log.applies(rule.applies_by) & listed[st] & log.channel_in(rule.channels)[:, None]
    s, e = start[st, log.local_wd], end[st, log.local_wd]
    bad = applies & ((log.local_tod < s) | (log.local_tod >= e))
    rows = np.flatnonzero(bad.any(axis=1))
    col = bad[rows].argmax(axis=1)

    def why(i: int) -> tuple[str, str]:
        r, c = rows[i], col[i]
        k = log.loc_state_of(r, c)
        d = int(log.local_wd[r, c])
        window = f"{hhmm(int(start[k, d]))}-{hhmm(int(end[k, d]))}"
        return log.loc_zone_name(r, c), (
            f"starts {WEEKDAYS[d]} {log.hhmm(r, c)} local at the {log.loc_label(r, c)}, "
            f"outside {log.state_names[k]}'s window {window}"
        )

    return Hits(int(applies.any(axis=1).sum()), rows, log.pidx[rows], why)


def _holiday_days(calendar: Any, first_day: int, last_day: int) -> np.ndarray:
    years = range(int(day_text(first_day)[:4]), int(day_text(last_day)[:4]) + 1)
    cal = calendar(years=years)
    epoch = date(1970, 1, 1).toordinal()
    return np.array(sorted(d.toordinal() - epoch for d in cal), np.int64)


def state_ban(log: Log, rules: RuleSet) -> Hits:
    rule = rules.state_sunday_holiday_ban
    n_states = len(log.state_names)
    sundays = np.zeros(n_states + 1, bool)
    listed = np.zeros(n_states + 1, bool)
    st = log.loc_state[log.c_key]
    applies = log.applies(rule.applies_by) & log.channel_in(rule.channels)[:, None]
    holiday = np.zeros(st.shape, bool)
    day = log.local_day
    lo, hi = (int(day.min()), int(day.max())) if day.size else (0, 0)
    federal: np.ndarray | None = None
    for code, ban in rule.states.items():
        k = log.state_index(code)
        if k < 0:
            continue
        listed[k] = True
        sundays[k] = ban.sundays
        if not ban.holidays or day.size == 0:
            continue
        if rule.holiday_calendar == "us_federal":
            if federal is None:
                federal = _holiday_days(holidays.US, lo, hi)
            days = federal
        else:
            try:
                days = _holiday_days(
                    lambda years, c=code: holidays.US(subdiv=c, years=years), lo, hi
                )
            except NotImplementedError:
                raise InputError(
                    f"rules: state_sunday_holiday_ban.states.{code}: the holidays package has no "
                    f"US subdivision {code!r}"
                ) from None
        holiday |= (st == k) & np.isin(day, days)
    applies &= listed[st]
    is_sunday = sundays[st] & (log.local_wd == 6)
    bad = applies & (is_sunday | holiday)
    rows = np.flatnonzero(bad.any(axis=1))
    col = bad[rows].argmax(axis=1)

    def why(i: int) -> tuple[str, str]:
        r, c = rows[i], col[i]
        k = log.loc_state_of(r, c)
        what = "a Sunday" if log.local_wd[r, c] == 6 and sundays[k] else "a holiday"
        return log.loc_zone_name(r, c), (
            f"{day_text(int(log.local_day[r, c]))} is {what} at the {log.loc_label(r, c)}; "
            f"{log.state_names[k]} bans contacts then"
        )

    return Hits(int(applies.any(axis=1).sum()), rows, log.pidx[rows], why)
