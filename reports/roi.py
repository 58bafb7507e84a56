"""Return on investment for a practice: recovered revenue, staff hours, cost, net return, payback.

Counts come from each run's event log (`run_quantities`, additive, so a group sums them); dollars
come from the practice's own inputs (`RoiInputs`, a small YAML) and are applied in `derive`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from dentsim.reports.results import DAY_S, Run, kpi_estimate, seconds, start_epoch_s
from dentsim.reports.roi_inputs import DAYS_PER_MONTH as DAYS_PER_MONTH
from dentsim.reports.roi_inputs import DEFAULT_ROI_FILE as DEFAULT_ROI_FILE
from dentsim.reports.roi_inputs import USE_CASE_LABELS as USE_CASE_LABELS
from dentsim.reports.roi_inputs import RoiInputs as RoiInputs
from dentsim.reports.roi_inputs import UnitValues as UnitValues
from dentsim.reports.roi_inputs import load_roi_inputs as load_roi_inputs
from dentsim.reports.roi_inputs import unit_values as unit_values
from dentsim.reports.roi_steady import (
    CATCH_UP_KEYS,
    attendance,
    catch_up,
    manual_ratio,
    steady_contacts,
    steady_figures,
    usage_usd,
    warmup_days,
)
from dentsim.results.stats import ANY, NON_NEGATIVE, SHARE, Estimate, Support, mean_estimate
from dentsim.vocabulary import BOOKING_USE_CASES, OPT_OUT_KINDS, USE_CASES

# ----------------------------------------------------------------------------- the run's calendar


@dataclass(frozen=True, slots=True)
class Timeline:
    """The run's days (UTC dates from the scenario's start), grouped into months and weeks."""

    start: date
    days: int
    day_month: np.ndarray  # month index of each day
    month_labels: tuple[str, ...]
    month_days: np.ndarray  # days of the run in each month
    week_labels: tuple[str, ...]

    @property
    def end(self) -> date:
        """The last simulated day."""
        return self.start + timedelta(days=self.days - 1)

    @property
    def start_s(self) -> int:
        return start_epoch_s({"start_date": self.start.isoformat()})

    def day_index(self, t_s: np.ndarray) -> np.ndarray:
        return np.floor_divide(np.asarray(t_s, np.int64) - self.start_s, DAY_S)

    def by_day(self, t_s: np.ndarray, weights: np.ndarray | None = None) -> np.ndarray:
        """Counts (or summed weights) per day of the run; times outside the run are left out."""
        day = self.day_index(t_s)
        inside = (day >= 0) & (day < self.days)
        w = None if weights is None else np.asarray(weights, np.float64)[inside]
        return np.bincount(day[inside], weights=w, minlength=self.days).astype(np.float64)

    def months(self, daily: np.ndarray) -> np.ndarray:
        return np.bincount(self.day_month, weights=daily, minlength=len(self.month_labels))

    def weeks(self, daily: np.ndarray) -> np.ndarray:
        return np.bincount(
            np.arange(self.days) // 7, weights=daily, minlength=len(self.week_labels)
        )


def timeline(scenario: dict[str, Any]) -> Timeline:
    start_s = start_epoch_s(scenario)
    start = date(1970, 1, 1) + timedelta(days=start_s // DAY_S)
    days = int(scenario.get("days") or 365)
    dates = [start + timedelta(days=d) for d in range(days)]
    keys = sorted({(d.year, d.month) for d in dates})
    index = {k: i for i, k in enumerate(keys)}
    day_month = np.array([index[(d.year, d.month)] for d in dates], np.int64)
    labels = tuple(date(y, m, 1).strftime("%b %Y") for y, m in keys)
    weeks = tuple(f"{dates[w]:%b} {dates[w].day}" for w in range(0, days, 7))
    return Timeline(start, days, day_month, labels, np.bincount(day_month), weeks)


# ----------------------------------------------------------------------------- counts per run


def _purpose_mask(purposes: pa.ChunkedArray, use_case: str) -> np.ndarray:
    if not len(purposes):
        return np.zeros(0, bool)
    mask = pc.match_substring_regex(purposes, f"(^|\\|){use_case}($|\\|)")
    return np.asarray(pc.fill_null(mask, False).to_numpy(zero_copy_only=False), bool)


def _equal(column: pa.ChunkedArray, value: str) -> np.ndarray:
    if not len(column):
        return np.zeros(0, bool)
    return np.asarray(pc.fill_null(pc.equal(column, value), False).to_numpy(zero_copy_only=False))


def run_quantities(run: Run, tl: Timeline) -> dict[str, np.ndarray]:
    """Additive counts of one run (a group sums them): per day, per month, per use case."""
    t = run.tables
    q: dict[str, np.ndarray] = {}
    att = t["attempts"]
    a_t = seconds(att["t_utc"])
    a_patient = att["patient_id"].to_numpy()
    voice = _equal(att["channel"], "voice")
    duration_min = np.asarray(att["duration_s"].to_numpy(), np.float64) / 60.0
    q["voice_by_day"] = tl.by_day(a_t[voice])
    q["sms_by_day"] = tl.by_day(a_t[~voice])
    q["ai_minutes_by_day"] = tl.by_day(a_t[voice], duration_min[voice])
    staff = t["staff_tasks"]
    q["staff_minutes_by_day"] = tl.by_day(
        seconds(staff["t_utc"]), np.asarray(staff["duration_s"].to_numpy(), np.float64) / 60.0
    )

    # distinct patients contacted per month, and opt-outs received per month
    a_month = tl.day_month[np.clip(tl.day_index(a_t), 0, tl.days - 1)]
    pairs = np.unique(np.stack([a_month, a_patient]), axis=1) if len(a_t) else np.zeros((2, 0))
    q["contacted_by_month"] = np.bincount(
        pairs[0].astype(np.int64), minlength=len(tl.month_labels)
    ).astype(np.float64)
    opt = t["optouts"]
    o_t = seconds(opt["t_utc"])
    for kind in OPT_OUT_KINDS:
        q[f"{kind}_optouts_by_month"] = tl.months(tl.by_day(o_t[_equal(opt["kind"], kind)]))

    # visits the AI booked, and their outcome
    book = t["bookings"]
    appt = t["appointments"]
    ap_t = seconds(appt["t_utc"])
    ap_booking = appt["booking_id"].to_numpy()
    attended = _equal(appt["status"], "attended")
    b_t = seconds(book["t_utc"])
    b_id = book["booking_id"].to_numpy()
    for uc in BOOKING_USE_CASES:
        mine = _equal(book["use_case"], uc)
        q[f"booked_by_day:{uc}"] = tl.by_day(b_t[mine])
        ours = np.isin(ap_booking, b_id[mine])
        q[f"attended_by_day:{uc}"] = tl.by_day(ap_t[attended & ours])
        q[f"no_show_n:{uc}"] = np.array(float((ours & _equal(appt["status"], "no_show")).sum()))
        q[f"cancelled_n:{uc}"] = np.array(float((ours & _equal(appt["status"], "cancelled")).sum()))
    # no-shows the confirmation calls and texts prevented (as dentsim.results.metrics counts them)
    would = np.asarray(pc.fill_null(appt["would_no_show"], False).to_numpy(zero_copy_only=False))
    confirmed = ~_equal(appt["confirmed_via"], "")
    q["prevented_by_day"] = tl.by_day(ap_t[would & confirmed & attended])

    # the outreach list: patients contacted for a use case, or due and dropped by the gate
    d = t["deferrals"]
    dropped = _equal(d["action"], "dropped") if len(d) else np.zeros(0, bool)
    d_patient = d["patient_id"].to_numpy() if len(d) else np.zeros(0, np.int64)
    for uc in BOOKING_USE_CASES:
        contacted = np.unique(a_patient[_purpose_mask(att["purposes"], uc)])
        lost = d_patient[dropped & _purpose_mask(d["purposes"], uc)] if len(d) else d_patient
        q[f"contacted:{uc}"] = np.array(float(len(contacted)))
        q[f"list:{uc}"] = np.array(float(len(np.union1d(contacted, lost))))

    # funnel (patients attempted, reached live, converted) from the run's KPI table
    by_uc = run.kpis.get("by_use_case") or {}
    for uc in USE_CASES:
        row = by_uc.get(uc) or {}
        q[f"funnel:{uc}"] = np.array([_kpi(row, k) for k in _FUNNEL_KEYS[uc]], np.float64)
    q["active_patients"] = np.array(float(_active_patients(run)))
    q["practices"] = np.array(1.0)  # each pays its own platform fee
    return q


# converted: patients booked; visits confirmed (sms + voice); patients checked in after surgery
_FUNNEL_KEYS: dict[str, tuple[tuple[str, ...], ...]] = {
    uc: (("patients_contacted",), ("patients_reached_live",), ("patients_booked",))
    for uc in BOOKING_USE_CASES
}
_FUNNEL_KEYS["confirmation"] = (
    ("patients_contacted",),
    ("patients_reached_live",),
    ("confirmed_by_sms", "confirmed_by_voice"),
)
_FUNNEL_KEYS["post_op"] = (("patients_contacted",), ("patients_reached_live",), ("check_ins",))
FUNNEL_STAGES = {
    "confirmation": ("patients texted or called", "answered a call", "visits confirmed"),
    "post_op": ("patients called", "answered", "checked in"),
}
FUNNEL_DEFAULT_STAGES = ("patients contacted", "answered a call", "booked")


def _kpi(row: dict[str, Any], keys: tuple[str, ...]) -> float:
    return float(sum(kpi_estimate(row.get(k))[0] or 0.0 for k in keys))


def _active_patients(run: Run) -> int:
    status = run.tables["patients"]["status"]
    return int(_equal(status, "active").sum()) if len(status) else 0


def derive(
    q: dict[str, np.ndarray], inputs: RoiInputs, units: UnitValues, tl: Timeline, warm: int = 0
) -> dict[str, np.ndarray]:
    """Dollars, hours, shares and the payback day from one set of counts: the first year as
    simulated (plain keys), the steady year after `warm` days ("steady:") and the one-time
    catch-up ("catchup:")."""
    v: dict[str, np.ndarray] = {}
    realised_by_day = np.zeros(tl.days)
    booked_by_day = np.zeros(tl.days)
    for uc in BOOKING_USE_CASES:
        value = units.per_booking(uc)
        v[f"booked_n:{uc}"] = q[f"booked_by_day:{uc}"].sum()
        v[f"attended_n:{uc}"] = q[f"attended_by_day:{uc}"].sum()
        v[f"booked_usd:{uc}"] = v[f"booked_n:{uc}"] * value
        v[f"realised_usd:{uc}"] = v[f"attended_n:{uc}"] * value
        booked_by_day += q[f"booked_by_day:{uc}"] * value
        realised_by_day += q[f"attended_by_day:{uc}"] * value
    prevented = q["prevented_by_day"] * units.per_prevented_no_show
    v["booked_n:confirmation"] = v["attended_n:confirmation"] = q["prevented_by_day"].sum()
    v["booked_usd:confirmation"] = v["realised_usd:confirmation"] = prevented.sum()
    booked_by_day += prevented
    realised_by_day += prevented
    v["booked_n"] = np.array(sum(float(v[f"booked_n:{uc}"]) for uc in BOOKING_USE_CASES))
    v["booked_usd"] = booked_by_day.sum()
    v["realised_usd"] = realised_by_day.sum()
    v["booked_usd_by_month"] = tl.months(booked_by_day)
    v["realised_usd_by_month"] = tl.months(realised_by_day)

    # the list worked by the AI, against one manual baseline that works only part of it: the
    # revenue counted is beyond it, the staff time freed is the time its calls would have taken
    listed = sum(float(q[f"list:{uc}"]) for uc in BOOKING_USE_CASES)
    contacted = sum(float(q[f"contacted:{uc}"]) for uc in BOOKING_USE_CASES)
    ratio = manual_ratio(q, inputs.staff.manual_share_worked)
    beyond = 1.0 - ratio
    v["list_n"] = np.array(listed)
    v["ai_share_worked"] = np.array(contacted / listed if listed else 1.0)
    v["manual_ratio"], v["share_beyond_manual"] = np.array(ratio), np.array(beyond)
    for uc in (*BOOKING_USE_CASES, "confirmation"):
        v[f"beyond_manual_usd:{uc}"] = v[f"realised_usd:{uc}"] * beyond
    v["beyond_manual_usd"] = v["realised_usd"] * beyond

    # what the AI cost, and the staff time it freed (and took: transfers and callbacks)
    months = tl.days / DAYS_PER_MONTH
    ai = inputs.ai
    v["voice_n"], v["sms_n"] = q["voice_by_day"].sum(), q["sms_by_day"].sum()
    v["ai_minutes"] = q["ai_minutes_by_day"].sum()
    v["ai_usage_usd"] = np.asarray(usage_usd(v["ai_minutes"], v["sms_n"], v["voice_n"], ai))
    practices = float(q["practices"])
    v["billed_months"] = np.array(float(math.ceil(months - 1e-9)))
    v["platform_usd"] = np.array(ai.platform_fee_monthly_usd * v["billed_months"] * practices)
    v["cost_usd"] = v["ai_usage_usd"] + v["platform_usd"]
    v["staff_hours_saved"] = v["voice_n"] * ratio * inputs.staff.minutes_per_manual_call / 60.0
    v["staff_hours_added"] = q["staff_minutes_by_day"].sum() / 60.0
    v["staff_hours_net"] = v["staff_hours_saved"] - v["staff_hours_added"]
    v["staff_usd_net"] = v["staff_hours_net"] * inputs.staff.hourly_cost_usd
    v["net_return_usd"] = v["beyond_manual_usd"] - v["cost_usd"]
    v["return_per_dollar"] = (
        v["beyond_manual_usd"] / v["cost_usd"] if float(v["cost_usd"]) else np.array(np.nan)
    )
    # the platform fee is billed at the start of each month of service
    billed = np.zeros(tl.days)
    billed[np.floor(np.arange(0, tl.days, DAYS_PER_MONTH)).astype(np.int64)] = 1.0
    cost_by_day = (
        usage_usd(q["ai_minutes_by_day"], q["sms_by_day"], q["voice_by_day"], ai)
        + billed * ai.platform_fee_monthly_usd * practices
    )
    cumulative = np.cumsum(realised_by_day * beyond - cost_by_day)
    earned = np.cumsum(realised_by_day) > 0
    paid = np.flatnonzero((cumulative >= 0) & earned)
    v["payback_days"] = np.array(float(paid[0] + 1) if len(paid) else np.nan)

    # charts: opt-outs per contacted patient by month, contacts by week, the funnels
    with np.errstate(invalid="ignore", divide="ignore"):
        v["hard_optout_rate_by_month"] = q["hard_optouts_by_month"] / q["contacted_by_month"]
    v["voice_by_week"] = tl.weeks(q["voice_by_day"])
    v["sms_by_week"] = tl.weeks(q["sms_by_day"])
    for uc in USE_CASES:
        v[f"funnel:{uc}"] = q[f"funnel:{uc}"]
    v["active_patients"], v["practices"] = q["active_patients"], q["practices"]

    # the steady year after the warm-up, the catch-up, and the recovered revenue by booking week
    steady = steady_figures(q, inputs, units, warm)
    first = {k: float(v[k]) for k in CATCH_UP_KEYS}
    v.update({f"steady:{k}": np.array(x) for k, x in steady.items()})
    v.update({f"catchup:{k}": np.array(x) for k, x in catch_up(first, steady, tl.days).items()})
    recovered = q["prevented_by_day"] * units.per_prevented_no_show
    for uc in BOOKING_USE_CASES:
        recovered = recovered + q[f"booked_by_day:{uc}"] * attendance(q, uc)[0] * units.per_booking(
            uc
        )
    v["recovered_by_booking_week"] = tl.weeks(recovered * beyond)
    return v


@dataclass(frozen=True, slots=True)
class PracticeRow:
    """One practice of a group, priced on its own (its own platform fee), the group's warm-up."""

    name: str
    values: dict[str, float]


@dataclass(frozen=True, slots=True)
class SensitivityRow:
    """The steady net return with one assumption at its low and at its high value."""

    assumption: str  # in words: "Treatment-plan value"
    low: str  # the low value in words: "$845", "20.0%", "25% fewer"
    high: str
    net_at_low: float
    net_at_high: float

    @property
    def swing(self) -> float:
        return abs(self.net_at_high - self.net_at_low)


@dataclass(frozen=True, slots=True)
class Sensitivity:
    base_net: float  # the steady net return at the inputs as given (mean over replications)
    rows: tuple[SensitivityRow, ...]  # largest swing first


@dataclass(frozen=True, slots=True)
class Roi:
    """The ROI figures, each an Estimate (a mean with its interval over replications)."""

    values: dict[str, Estimate]
    units: UnitValues
    inputs: RoiInputs
    timeline: Timeline
    practice_name: str
    active_patients: int
    simulated_patients: int
    scale: float  # active patients given / simulated (1.0 when not given)
    n_runs: int
    combined: str  # "one run", "mean of N replications", "sum of N practices"
    kind: str = "single"  # single | replicated | group
    practices: tuple[PracticeRow, ...] = ()  # a group's practices, each priced on its own
    sensitivity: Sensitivity | None = None  # the steady net return against each assumption

    def __getitem__(self, key: str) -> Estimate:
        return self.values[key]


@dataclass(frozen=True, slots=True)
class Prepared:
    """The runs' counts ready to price: summed for a group, scaled to the practice's size."""

    quantities: list[dict[str, np.ndarray]]
    scale: float  # the practice's active patients over the simulated ones (1.0 when not given)
    simulated: int  # simulated active patients (mean over replications, sum over a group)
    warm: int  # warm-up days, one for all runs
    parts: list[dict[str, np.ndarray]]  # each run's counts, scaled (a group's practices)
    summed: bool  # a group: `quantities` is the practices' counts summed


def prepare(quantities: list[dict[str, np.ndarray]], inputs: RoiInputs, how: str) -> Prepared:
    """Sum the runs' counts (`how` = "sum": a group) or keep them apart (replications)."""
    runs = quantities
    if how == "sum":
        quantities = [{k: np.sum([q[k] for q in quantities], axis=0) for k in quantities[0]}]
    simulated = float(np.mean([float(q["active_patients"]) for q in quantities]))
    given = inputs.practice.active_patients
    scale = given / simulated if given and simulated else 1.0
    # one warm-up for all: found in the runs' summed contacts, so every run has the same window
    warm = warmup_days(np.sum([q["voice_by_day"] + q["sms_by_day"] for q in quantities], axis=0))
    scaled = [_scaled(q, scale) for q in quantities]
    parts = [_scaled(q, scale) for q in runs] if how == "sum" else scaled
    return Prepared(scaled, scale, round(simulated), warm, parts, how == "sum")


# Figures that are not sums of a group's practices: shares and ratios, the months billed, and
# the payback day (the group's cumulative revenue against its cost); every other figure of a
# group is the sum of its practices' own (each practice's attendance, manual baseline, fee).
NOT_ADDITIVE = frozenset({
    "return_per_dollar", "payback_days", "ai_share_worked", "share_beyond_manual",
    "manual_ratio", "hard_optout_rate_by_month", "billed_months",
    "steady:return_per_dollar", "steady:payback_days",
})  # fmt: skip


def group_figures(
    p: Prepared, inputs: RoiInputs, units: UnitValues, tl: Timeline
) -> tuple[dict[str, np.ndarray], list[dict[str, np.ndarray]]]:
    """A group's figures as the sums of its practices' (each priced on its own), and theirs."""
    parts = [derive(q, inputs, units, tl, p.warm) for q in p.parts]
    total = derive(p.quantities[0], inputs, units, tl, p.warm)
    for k in total:
        if k not in NOT_ADDITIVE:
            total[k] = np.sum([np.asarray(d[k], np.float64) for d in parts], axis=0)
    for pre in ("", "steady:"):
        beyond, cost = float(total[pre + "beyond_manual_usd"]), float(total[pre + "cost_usd"])
        total[pre + "return_per_dollar"] = np.array(beyond / cost if cost else math.nan)
    beyond = float(total["steady:beyond_manual_usd"])
    monthly = float(total["steady:cost_usd"]) / 12
    total["steady:payback_days"] = np.array(monthly / (beyond / 365) if beyond > 0 else math.nan)
    return total, parts


def price(
    p: Prepared, inputs: RoiInputs, units: UnitValues, tl: Timeline
) -> tuple[dict[str, Estimate], list[dict[str, np.ndarray]]]:
    """The figures, each an Estimate (a group's: the sums of its practices'; replications': their
    means), and each run's own figures with the shared warm-up (a practice of a group, a
    replication)."""
    if p.summed:
        total, parts = group_figures(p, inputs, units, tl)
        derived = [total]
    else:
        derived = parts = [derive(q, inputs, units, tl, p.warm) for q in p.quantities]
    for d, q in zip(derived, p.quantities, strict=True):
        d["warmup_days"] = np.array(float(p.warm))
        d["steady_days"] = np.array(float(tl.days - p.warm))
        d["steady_contacts"] = np.array(steady_contacts(q, p.warm))
    values = {
        k: mean_estimate(np.stack([np.asarray(d[k], np.float64) for d in derived]), support(k))
        for k in derived[0]
    }
    return values, parts


def combine_runs(
    quantities: list[dict[str, np.ndarray]],
    inputs: RoiInputs,
    units: UnitValues,
    tl: Timeline,
    how: str,
) -> tuple[dict[str, Estimate], float, int]:
    """Sum the runs' counts (a group) or average their figures (replications).

    Returns the figures, the scale applied (the practice's active patients over the simulated
    ones, when the practice gave its own count) and the simulated active patients.
    """
    p = prepare(quantities, inputs, how)
    return price(p, inputs, units, tl)[0], p.scale, p.simulated


def support(key: str) -> Support:
    """What a figure can be, so its interval never leaves it: a net return or a catch-up (the
    first year less the steady rate) may be negative, a share lies in [0, 1], the rest (counts,
    dollars, hours, days) is never negative."""
    name = key.rsplit(":", 1)[-1] if not key.startswith("catchup:") else key
    if key.startswith("catchup:") or "net" in name:
        return ANY
    if "share" in name or "rate" in name or name == "manual_ratio":
        return SHARE
    return NON_NEGATIVE


def _scaled(q: dict[str, np.ndarray], scale: float) -> dict[str, np.ndarray]:
    """Counts scaled to the practice's size; the number of practices is not a count of patients."""
    if scale == 1.0:
        return q
    return {k: v if k == "practices" else v * scale for k, v in q.items()}
