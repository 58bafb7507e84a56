"""Rule checks on how often a number is contacted: the states' daily caps and the healthcare daily
and weekly caps."""

from __future__ import annotations

import numpy as np

from dentsim.compliance.audit.arrays import window_counts
from dentsim.compliance.audit.localtime import day_text
from dentsim.compliance.audit.log import Hits, Log
from dentsim.compliance.audit.vocabulary import DAY_S
from dentsim.compliance.rules import RuleSet


def _explode(
    rows: np.ndarray, item_lists: list[list[int]], which: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Repeat each row once per item of item_lists[which[row]]; return (rows, items)."""
    lens = np.array([len(x) for x in item_lists] + [0], np.int64)
    flat = np.array([i for x in item_lists for i in x] + [0], np.int64)
    starts = np.cumsum(lens) - lens
    k = lens[which]
    out_rows = np.repeat(rows, k)
    offset = np.arange(len(out_rows)) - np.repeat(np.cumsum(k) - k, k)
    return out_rows, flat[np.repeat(starts[which], k) + offset]


def _phone_group(log: Log, rows: np.ndarray) -> np.ndarray:
    return log.practice[rows] * log.n_phones + log.phone_code[rows]


def state_cap(log: Log, rules: RuleSet) -> Hits:
    rule = rules.state_daily_cap
    counted = log.channel_in(rule.channels) & ~log.only_purposes(rule.not_counted_purposes)
    kinds = set(rule.applies_by)
    subjects = sorted({p for c in log.combos for p in c} - set(rule.not_counted_purposes))
    subject_lists = [[subjects.index(p) for p in c if p in subjects] for c in log.combos]
    hit_rows: list[np.ndarray] = []
    hit_info: list[tuple[str, int, int]] = []  # per hit: state, count, window_h
    checked = np.zeros(log.n, bool)
    addr_state = log.loc_state[log.c_key, 0]
    phone_states = np.where(log.loc_is_phone[log.c_key], log.loc_state[log.c_key], -1)
    for code, cap in rule.states.items():
        k = log.state_index(code)
        if k < 0:
            continue
        here = np.zeros(log.n, bool)
        if "address_state" in kinds:
            here |= addr_state == k
        if "phone_state" in kinds:
            here |= (phone_states == k).any(axis=1)
        rows = np.flatnonzero(counted & here)
        checked[rows] = True
        if cap.per_subject:
            rows, subject = _explode(rows, subject_lists, log.pcode[rows])
        else:
            subject = np.zeros(len(rows), np.int64)
        group = _phone_group(log, rows) * (len(subjects) + 1) + subject
        counts = window_counts(group, log.t[rows], log.t[rows], cap.window_h * 3600)
        over = counts > cap.max_contacts
        hit_rows.append(rows[over])
        hit_info += [(code, int(c), cap.window_h) for c in counts[over]]
    rows = np.concatenate(hit_rows) if hit_rows else np.zeros(0, np.int64)

    def why(i: int) -> tuple[str, str]:
        r = rows[i]
        code, count, hours = hit_info[i]
        cap = rule.states[code]
        subject = " on the same subject" if cap.per_subject else ""
        return log.home_zone(log.pidx[r]), (
            f"contact no. {count} to {log.phone[r]} in {hours} h{subject}; "
            f"{code} allows {cap.max_contacts}"
        )

    return Hits(int(checked.sum()), rows, log.pidx[rows], why)


def healthcare_cap(log: Log, rules: RuleSet, weekly: bool) -> Hits:
    rule = rules.healthcare_weekly_cap if weekly else rules.healthcare_daily_cap
    counted = log.channel_in(rule.channels) & ~log.only_purposes(rule.not_counted_purposes)
    rows = np.flatnonzero(counted)
    calendar = (
        rules.healthcare_weekly_cap.week == "local_7_calendar_days"
        if weekly
        else rules.healthcare_daily_cap.day == "local_calendar_day"
    )
    days = 7 if weekly else 1
    if calendar:
        value, width = log.local_day[rows, 0], days
    else:
        value, width = log.t[rows], days * DAY_S
    counts = window_counts(_phone_group(log, rows), value, log.t[rows], width)
    over = counts > rule.max_contacts
    hit_rows, hit_counts = rows[over], counts[over]

    def why(i: int) -> tuple[str, str]:
        r = hit_rows[i]
        p = log.pidx[r]
        if calendar:
            d = int(log.local_day[r, 0])
            span = (
                f"local dates {day_text(d - 6)} to {day_text(d)}"
                if weekly
                else f"local date {day_text(d)}"
            )
        else:
            span = f"the {days * 24} h up to it"
        return log.home_zone(p), (
            f"contact no. {int(hit_counts[i])} from practice {log.practice_id[log.practice[r]]} "
            f"to {log.phone[r]} in {span}; at most {rule.max_contacts}"
        )

    return Hits(len(rows), hit_rows, log.pidx[hit_rows], why)
