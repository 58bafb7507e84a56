"""The audit's own local-time arithmetic (zoneinfo + tzdata), and times written for people.

Nothing of dentsim.domain.calendar is used, so one time-zone bug cannot sit in both.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import numpy as np

from dentsim.compliance.audit.vocabulary import DAY_S


def _offset_steps(zone: ZoneInfo, lo_s: int, hi_s: int) -> tuple[list[int], list[int]]:
    """The UTC offsets of `zone` over [lo_s, hi_s]: step start times and offsets, in seconds.

    Samples each day and bisects every change to the second; exact for any zone that changes
    its offset at most once a day.
    """

    def offset(s: int) -> int:
        off = datetime.fromtimestamp(s, zone).utcoffset()
        return int(off.total_seconds()) if off is not None else 0

    t0 = lo_s - 2 * DAY_S
    samples = list(range(t0, hi_s + 2 * DAY_S, DAY_S))
    offsets = [offset(s) for s in samples]
    starts, values = [t0], [offsets[0]]
    for a, b, off_a, off_b in zip(samples, samples[1:], offsets, offsets[1:], strict=False):
        if off_a == off_b:
            continue
        while b - a > 1:  # first second at the new offset
            mid = (a + b) // 2
            if offset(mid) == off_a:
                a = mid
            else:
                b = mid
        starts.append(b)
        values.append(off_b)
    return starts, values


def local_seconds(
    t_utc_s: np.ndarray, zone_idx: np.ndarray, zone_names: Sequence[str]
) -> np.ndarray:
    """UTC seconds + the UTC offset of zone_names[zone_idx] at that instant, elementwise.

    Local wall-clock seconds since 1970-01-01 00:00 local: `// 86400` is the local date,
    `% 86400` the time of day.
    """
    t = np.asarray(t_utc_s, dtype=np.int64)
    z = np.asarray(zone_idx, dtype=np.int64)
    if t.size == 0:
        return t.copy()
    lo, hi = int(t.min()), int(t.max())
    base = lo - 3 * DAY_S
    span = hi - base + 3 * DAY_S
    keys: list[np.ndarray] = []
    offs: list[np.ndarray] = []
    for k, name in enumerate(zone_names):
        starts, values = _offset_steps(ZoneInfo(name), lo, hi)
        keys.append(k * span + (np.asarray(starts, np.int64) - base))
        offs.append(np.asarray(values, np.int64))
    step = np.searchsorted(np.concatenate(keys), z * span + (t - base), side="right") - 1
    return t + np.concatenate(offs)[step]


def utc_text(s: int) -> str:
    return datetime.fromtimestamp(int(s), UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def local_text(s: int, zone: str) -> str:
    return (
        datetime.fromtimestamp(int(s), ZoneInfo(zone)).strftime("%Y-%m-%d %H:%M %Z") + f" ({zone})"
    )


def day_text(day: int) -> str:
    return date.fromordinal(date(1970, 1, 1).toordinal() + int(day)).isoformat()


def hhmm(s: int) -> str:
    return f"{s // 3600:02d}:{s % 3600 // 60:02d}"
