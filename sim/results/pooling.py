"""A dental group's KPIs pooled from its practices' KPI tables: the one pooling, used by `dentsim
run` for a group's kpis.json and by the report of a group directory that has none.

Patients belong to one practice, so distinct-patient counts add up. Ratios are recomputed from
summed numerators and denominators, never averaged: a ratio's numerator is ratio x denominator,
an exact whole number. Medians pool over every practice's underlying values.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from dentsim.results.kpitable import kpi_names, kpi_value, nest

# How each KPI of dentsim.results.metrics pools over practices.
SUMMED = frozenset(
    {
        "attempts", "attempts_voice", "attempts_sms", "patients_contacted",
        "patients_reached_live", "opt_outs", "soft_opt_outs", "ai_minutes", "sms_sent",
        "bookings", "patients_booked", "booked_revenue", "realised_revenue", "staff_minutes",
        "no_shows", "no_shows_prevented", "visits_due", "confirmed_by_sms", "confirmed_by_voice",
        "would_be_no_shows", "check_ins", "red_flags_in_calls", "warm_transfers",
        "staff_callbacks",
    }
)  # fmt: skip
RATIO_DENOMINATORS = {
    "connect_rate": "attempts_voice",
    "voicemail_rate": "attempts_voice",
    "opt_out_rate": "patients_contacted",
    "soft_opt_out_rate": "patients_contacted",
    "conversion": "patients_contacted",
    "voice_fallback_recovery": "extras.text_missed_would_be_no_shows",
}
# Medians pool over every practice's underlying values, returned by `pooling_extras`.
MEDIANS_HOURS = {"staff_callback_wait_h_median": "callback_wait_s"}
# The event-table columns `pooling_extras` reads.
EXTRAS_COLUMNS = {
    "appointments": ("status", "would_no_show", "confirmed_via"),
    "staff_tasks": ("kind", "wait_s"),
}


def pooling_extras(tables: dict[str, pa.Table]) -> dict[str, Any]:
    """The few parts of one practice's tables a pooled KPI needs that kpis.json does not hold.

    Mirrors dentsim.results.metrics: the denominator of voice_fallback_recovery (visits that
    would have been missed and the text did not confirm) and every staff callback's wait.
    """
    appts = tables["appointments"]
    done = appts.filter(pc.is_in(appts["status"], pa.array(["attended", "no_show"])))
    missed = pc.and_(done["would_no_show"], pc.not_equal(done["confirmed_via"], "sms"))
    staff = tables["staff_tasks"]
    callbacks = staff.filter(pc.equal(staff["kind"], "callback"))
    return {
        "text_missed_would_be_no_shows": int(pc.sum(missed).as_py() or 0),
        "callback_wait_s": [int(w) for w in callbacks["wait_s"].to_pylist()],
    }


def pooled_kpis(practices: Iterable[dict[str, Any]]) -> dict[str, Any]:
    """The group's KPI table (same shape as kpis.json) from its practices, each a mapping with
    `kpis` (the practice's KPI table) and `extras` (its `pooling_extras`), as done.json holds.

    Counts are summed, ratios recomputed from summed numerators and denominators, medians taken
    over every practice's values. A KPI this module does not know how to pool is None.
    """
    records = list(practices)
    out: dict[tuple[str, str], Any] = {}
    for scope, kpi in kpi_names(r["kpis"] for r in records):
        values = [(r, kpi_value(r["kpis"], scope, kpi)) for r in records]
        if kpi in SUMMED:
            out[(scope, kpi)] = sum(v for _, v in values if v is not None)
        elif kpi in RATIO_DENOMINATORS:
            out[(scope, kpi)] = _pooled_ratio(values, scope, RATIO_DENOMINATORS[kpi])
        elif kpi in MEDIANS_HOURS:
            waits = [w for r in records for w in r["extras"].get(MEDIANS_HOURS[kpi], [])]
            out[(scope, kpi)] = float(np.median(waits) / 3600) if waits else None
        else:
            out[(scope, kpi)] = None
    return nest(out)


def _pooled_ratio(
    values: list[tuple[dict[str, Any], Any]], scope: str, denominator: str
) -> float | None:
    """Sum of numerators over sum of denominators; a practice without the ratio adds neither."""
    num = den = 0
    for record, ratio in values:
        if denominator.startswith("extras."):
            d = int(record["extras"].get(denominator.removeprefix("extras."), 0))
        else:
            d = int(kpi_value(record["kpis"], scope, denominator) or 0)
        if d and ratio is not None:
            num += round(ratio * d)
        den += d
    return num / den if den else None
