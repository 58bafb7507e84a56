"""The steady state of the ROI: the warm-up found in the contacts, the rate after it as a year, and
the one-time catch-up (the first year less the steady rate over the same days).

At day 0 a practice holds a backlog of overdue patients; the first weeks work it off at several
times the later pace. That is a one-time gain, not a yearly one, so it is measured apart.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np

from dentsim.vocabulary import BOOKING_USE_CASES

if TYPE_CHECKING:
    from dentsim.reports.roi_inputs import AiInputs, RoiInputs, UnitValues

# The warm-up: the leading full weeks whose contacts exceed this many times the typical week (the
# median full week of the run's second half). The steady state needs this many days after it.
WARMUP_FACTOR = 1.5
MIN_STEADY_DAYS = 84
# Fewer contacts than this after the warm-up are too few for a yearly rate (a practice of a
# handful of patients): the steady state is then not measured rather than extrapolated.
MIN_STEADY_CONTACTS = 100
DAYS_PER_YEAR = 365.0

# Figures computed for the first year as simulated and for the steady year; the catch-up is the
# difference for those that accumulate (not ratios, not the platform fee, which is no catch-up).
CATCH_UP_KEYS = (
    "booked_n",
    "booked_usd",
    "realised_usd",
    "beyond_manual_usd",
    "ai_usage_usd",
    "net_return_usd",
    "staff_hours_saved",
    "staff_hours_net",
    "voice_n",
    "sms_n",
)
STEADY_KEYS = (
    *CATCH_UP_KEYS,
    "ai_minutes",
    "platform_usd",
    "cost_usd",
    "return_per_dollar",
    "staff_hours_added",
    "payback_days",
)


def warmup_days(contacts_by_day: np.ndarray) -> int:
    """Days of the warm-up (a whole number of weeks; 0 when the first week is already typical)."""
    full = len(contacts_by_day) // 7
    if full < 2:
        return 0
    weeks = np.asarray(contacts_by_day[: 7 * full], np.float64).reshape(full, 7).sum(axis=1)
    typical = float(np.median(weeks[full // 2 :]))
    above = weeks > WARMUP_FACTOR * typical
    return 7 * (full if above.all() else int(np.argmin(above)))


def steady_contacts(q: dict[str, np.ndarray], warm: int) -> float:
    """The contacts placed after the warm-up."""
    return float(q["voice_by_day"][warm:].sum() + q["sms_by_day"][warm:].sum())


def manual_ratio(q: dict[str, np.ndarray], manual_share_worked: float) -> float:
    """The manual baseline's share of the AI's work: the list share calling by hand works over
    the share the AI worked (capped at 1). The staff time freed is this share of the AI's calls;
    the revenue counted is the rest."""
    listed = sum(float(q[f"list:{uc}"]) for uc in BOOKING_USE_CASES)
    contacted = sum(float(q[f"contacted:{uc}"]) for uc in BOOKING_USE_CASES)
    ai_share = contacted / listed if listed else 1.0
    return min(1.0, manual_share_worked / ai_share) if ai_share else 1.0


def usage_usd(minutes: np.ndarray | float, texts: np.ndarray | float, calls: np.ndarray | float,
              ai: AiInputs) -> np.ndarray | float:  # fmt: skip
    """What the AI's use cost: voice minutes, texts and calls placed, at the practice's prices."""
    return (
        minutes * ai.cost_per_minute_usd
        + texts * ai.cost_per_sms_usd
        + calls * ai.cost_per_call_usd
    )


def attendance(q: dict[str, np.ndarray], use_case: str) -> tuple[float, float]:
    """Shares of the AI's bookings for `use_case` whose visit the patient attended, and missed,
    among the visits already decided (attended, missed or cancelled); visits still ahead at the
    run's end are left out. No decided visit: the shares over every booking use case."""
    cases = (use_case,) if _decided(q, (use_case,)) else BOOKING_USE_CASES
    decided = _decided(q, cases)
    if not decided:
        return 0.0, 0.0
    attended = sum(float(q[f"attended_by_day:{uc}"].sum()) for uc in cases)
    missed = sum(float(q[f"no_show_n:{uc}"]) for uc in cases)
    return attended / decided, missed / decided


def _decided(q: dict[str, np.ndarray], cases: tuple[str, ...]) -> float:
    return sum(
        float(q[f"attended_by_day:{uc}"].sum()) + float(q[f"no_show_n:{uc}"])
        + float(q[f"cancelled_n:{uc}"])
        for uc in cases
    )  # fmt: skip


def steady_figures(
    q: dict[str, np.ndarray],
    inputs: RoiInputs,
    units: UnitValues,
    warm: int,
    acceptance: float = 1.0,
    no_shows: float = 1.0,
) -> dict[str, float]:
    """The steady year: the days after the warm-up, as annual rates (NaN when too few days).

    Revenue is counted at the booking date (when the AI did the work) times the run's attendance
    share, so a visit booked in the warm-up and held after it is not counted as steady. Prevented
    no-shows count at the visit. `acceptance` scales the bookings and `no_shows` the missed
    visits (the sensitivity's first-order changes; 1.0 in the report's figures).
    """
    days = len(q["voice_by_day"])
    span = days - warm
    if span < MIN_STEADY_DAYS or steady_contacts(q, warm) < MIN_STEADY_CONTACTS:
        return {k: math.nan for k in STEADY_KEYS}
    per_year = DAYS_PER_YEAR / span

    def rate(key: str) -> float:
        return float(q[key][warm:].sum()) * per_year

    v: dict[str, float] = {"booked_n": 0.0, "booked_usd": 0.0, "realised_usd": 0.0}
    for uc in BOOKING_USE_CASES:
        booked = rate(f"booked_by_day:{uc}") * acceptance
        came, missed = attendance(q, uc)
        came = max(0.0, came - (no_shows - 1.0) * missed)
        v["booked_n"] += booked
        v["booked_usd"] += booked * units.per_booking(uc)
        v["realised_usd"] += booked * came * units.per_booking(uc)
    prevented = rate("prevented_by_day") * units.per_prevented_no_show
    v["booked_usd"] += prevented
    v["realised_usd"] += prevented
    ratio = manual_ratio(q, inputs.staff.manual_share_worked)
    v["beyond_manual_usd"] = v["realised_usd"] * (1.0 - ratio)

    ai = inputs.ai
    v["voice_n"], v["sms_n"] = rate("voice_by_day"), rate("sms_by_day")
    v["ai_minutes"] = rate("ai_minutes_by_day")
    v["ai_usage_usd"] = float(usage_usd(v["ai_minutes"], v["sms_n"], v["voice_n"], ai))
    v["platform_usd"] = ai.platform_fee_monthly_usd * 12 * float(q["practices"])
    v["cost_usd"] = v["ai_usage_usd"] + v["platform_usd"]
    v["net_return_usd"] = v["beyond_manual_usd"] - v["cost_usd"]
    v["return_per_dollar"] = v["beyond_manual_usd"] / v["cost_usd"] if v["cost_usd"] else math.nan
    v["staff_hours_saved"] = v["voice_n"] * ratio * inputs.staff.minutes_per_manual_call / 60
    v["staff_hours_added"] = rate("staff_minutes_by_day") / 60
    v["staff_hours_net"] = v["staff_hours_saved"] - v["staff_hours_added"]
    # days of steady operation whose recovered revenue covers one month's cost
    daily = v["beyond_manual_usd"] / DAYS_PER_YEAR
    v["payback_days"] = v["cost_usd"] / 12 / daily if daily > 0 else math.nan
    return v


def catch_up(first: dict[str, float], steady: dict[str, float], days: int) -> dict[str, float]:
    """The one-time catch-up: each first-year figure less the steady rate over the same days."""
    return {k: first[k] - steady[k] * days / DAYS_PER_YEAR for k in CATCH_UP_KEYS}
