"""roi.json: the ROI's figures for programs (first year, steady year, catch-up, warm-up, inputs,
unit values with their sources, sensitivity, and a group's practices). Every key is documented in
docs/reports.md. The same Roi gives the same bytes: fixed key order, rounded floats, no clock.
"""

from __future__ import annotations

import json
import math
from typing import Any

import numpy as np

from dentsim.reports.roi import Roi
from dentsim.reports.roi_steady import (
    CATCH_UP_KEYS,
    MIN_STEADY_CONTACTS,
    MIN_STEADY_DAYS,
    WARMUP_FACTOR,
)
from dentsim.reports.roi_words import too_short
from dentsim.reports.sensitivity import MANUAL_SHARE_RANGE, RELATIVE_CHANGE
from dentsim.results.stats import Estimate

FORMAT_VERSION = 1
# roi.json's name for each figure -> the ROI's key (first year: as is; steady: "steady:" ...)
FIGURES = {
    "bookings": "booked_n",
    "booked_revenue_usd": "booked_usd",
    "realised_revenue_usd": "realised_usd",
    "revenue_beyond_manual_usd": "beyond_manual_usd",
    "ai_usage_usd": "ai_usage_usd",
    "platform_usd": "platform_usd",
    "cost_usd": "cost_usd",
    "net_return_usd": "net_return_usd",
    "return_per_dollar": "return_per_dollar",
    "staff_hours_freed": "staff_hours_saved",
    "staff_hours_handed_over": "staff_hours_added",
    "staff_hours_net": "staff_hours_net",
    "calls": "voice_n",
    "texts": "sms_n",
    "ai_minutes": "ai_minutes",
    "payback_days": "payback_days",
}
WARMUP_RULE = (
    f"the leading full weeks whose contacts exceed {WARMUP_FACTOR:g} times the median full week "
    "of the run's second half"
)


def roi_json(roi: Roi, scenario: dict[str, Any]) -> bytes:
    """The document as UTF-8 bytes (indented, a final newline)."""
    return (json.dumps(roi_document(roi, scenario), indent=2, allow_nan=False) + "\n").encode()


def roi_document(roi: Roi, scenario: dict[str, Any]) -> dict[str, Any]:
    tl = roi.timeline
    warm = round(float(roi["warmup_days"]))
    measured = math.isfinite(float(roi["steady:net_return_usd"]))
    units = roi.units
    contacts = np.asarray(roi["voice_by_week"].value) + np.asarray(roi["sms_by_week"].value)
    full = tl.days // 7
    doc: dict[str, Any] = {
        "format_version": FORMAT_VERSION,
        "practice": roi.practice_name,
        "scenario": str(scenario.get("name", "")),
        "kind": roi.kind,
        "runs": roi.n_runs,
        "combined": roi.combined,
        "period": {"start": tl.start.isoformat(), "end": tl.end.isoformat(), "days": tl.days},
        "active_patients": roi.active_patients,
        "simulated_active_patients": roi.simulated_patients,
        "scale": _num(roi.scale),
        "warm_up": {
            "days": warm,
            "rule": WARMUP_RULE,
            "contacts_per_week_during": _num(float(np.mean(contacts[: warm // 7])))
            if warm
            else None,
            "typical_contacts_per_week": _num(float(np.median(contacts[full // 2 : full])))
            if full >= 2
            else None,
        },
        "first_year": _figures(roi, ""),
        "steady_state": {
            "measured": measured,
            "days_measured": tl.days - warm,
            "min_days": MIN_STEADY_DAYS,
            "contacts_measured": _value(roi["steady_contacts"]),
            "min_contacts": MIN_STEADY_CONTACTS,
            "per_year": _figures(roi, "steady:") if measured else None,
            "reason": None if measured else too_short(roi),
        },
        "catch_up": _figures(roi, "catchup:", CATCH_UP_KEYS) if measured else None,
        "manual_baseline": {
            "share_of_list_worked": roi.inputs.staff.manual_share_worked,
            "ai_share_of_list_worked": _value(roi["ai_share_worked"]),
            "share_of_ai_work": _value(roi["manual_ratio"]),
            "list_patients": _value(roi["list_n"]),
        },
        "inputs": roi.inputs.model_dump(mode="json"),
        "unit_values": {
            name: {"usd": _num(value), "source": units.sources[name]}
            for name, value in (
                ("hygiene_visit", units.hygiene_visit),
                ("reactivated_patient", units.reactivated_patient),
                ("treatment_plan", units.treatment_plan),
                ("chair_hour", units.chair_hour),
            )
        }
        | {"visit_hours": {"hours": _num(units.visit_hours), "source": "scenario visit length"}},
        "sensitivity": _sensitivity(roi),
    }
    if roi.kind == "group":
        doc["practices"] = [
            {
                "name": p.name,
                "active_patients": _num(p.values["active_patients"]),
                "first_year": {k: _num(p.values[key]) for k, key in FIGURES.items()},
                "steady_state": {k: _num(p.values[f"steady:{key}"]) for k, key in FIGURES.items()}
                if measured
                else None,
            }
            for p in roi.practices
        ]
    return doc


def _figures(roi: Roi, prefix: str, only: tuple[str, ...] | None = None) -> dict[str, Any]:
    return {
        name: _value(roi[prefix + key])
        for name, key in FIGURES.items()
        if only is None or key in only
    }


def _sensitivity(roi: Roi) -> dict[str, Any] | None:
    s = roi.sensitivity
    if s is None:
        return None
    return {
        "of": "steady-state net_return_usd per year",
        "base_net_return_usd": _num(s.base_net),
        "relative_change": RELATIVE_CHANGE,
        "manual_share_range": list(MANUAL_SHARE_RANGE),
        "rows": [
            {
                "assumption": r.assumption,
                "low": r.low,
                "high": r.high,
                "net_return_usd_at_low": _num(r.net_at_low),
                "net_return_usd_at_high": _num(r.net_at_high),
            }
            for r in s.rows
        ],
    }


def _value(est: Estimate) -> Any:
    """A plain number, or {mean, ci_low, ci_high, n} over replications (as kpis.json)."""
    if est.low is None or est.high is None:
        return _num(float(est.value))
    return {
        "mean": _num(float(est.value)),
        "ci_low": _num(float(est.low)),
        "ci_high": _num(float(est.high)),
        "n": est.n,
    }


def _num(x: float) -> float | None:
    """Rounded to 4 decimals so the last bits of a sum never reach the file; NaN as null."""
    x = float(x)
    return round(x, 4) if math.isfinite(x) else None
