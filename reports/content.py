"""The report's words and numbers, built once and laid out twice (HTML by jinja2, PDF by matplotlib).

Every string a reader sees is made here, in plain words, with the assumptions beside each figure.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from dentsim.reports import fmt
from dentsim.reports.compliance import Compliance
from dentsim.reports.results import Results, kpi_estimate
from dentsim.reports.roi import BOOKING_USE_CASES, USE_CASE_LABELS, Roi
from dentsim.reports.sweep import LOWER_IS_BETTER, Sweep

KPI_TABLE_KEYS = (
    "attempts",
    "attempts_voice",
    "attempts_sms",
    "patients_contacted",
    "patients_reached_live",
    "connect_rate",
    "voicemail_rate",
    "bookings",
    "patients_booked",
    "conversion",
    "opt_outs",
    "opt_out_rate",
    "soft_opt_out_rate",
    "no_shows",
    "no_shows_prevented",
    "voice_fallback_recovery",
    "check_ins",
    "warm_transfers",
    "booked_revenue",
    "realised_revenue",
    "ai_minutes",
    "sms_sent",
)


@dataclass(frozen=True, slots=True)
class Figure:
    """A chart as the reader meets it: its file name, title, caption and stated assumptions."""

    name: str
    alt: str
    caption: str
    assumptions: tuple[str, ...] = ()


@dataclass(slots=True)
class Content:
    title: str
    subtitle: str
    facts: list[tuple[str, str]]
    figures: dict[str, Figure] = field(default_factory=dict)
    roi: dict[str, Any] | None = None
    kpi_table: dict[str, Any] | None = None
    compliance: dict[str, Any] | None = None
    sweep: dict[str, Any] | None = None


def _est(roi: Roi, key: str, f: fmt.Formatter) -> str:
    return fmt.interval(roi[key], f)


def _v(roi: Roi, key: str) -> float:
    return float(roi[key].value)


def run_facts(results: Results, scenario: dict[str, Any], roi: Roi) -> list[tuple[str, str]]:
    """Where the numbers come from: the scenario, its seed, its period; never the wall clock."""
    facts = [
        ("Scenario", str(scenario.get("name", "?"))),
        ("Period simulated", f"{fmt.day(roi.timeline.start)} to {fmt.day(roi.timeline.end)}"),
        ("Active patients", f"{roi.active_patients:,}"),
    ]
    if results.kind == "replicated":
        facts.append(("Replications", f"{roi.n_runs} (figures are means with 95% intervals)"))
    elif results.kind == "group":
        facts.append(("Practices", f"{roi.n_runs} (figures are sums over the group)"))
    else:
        facts.append(("Seed", str(results.manifest.get("seed", scenario.get("seed", "?")))))
    version = (results.manifest.get("versions") or {}).get("dentsim")
    if version:
        facts.append(("dentsim", str(version)))
    return facts


def roi_content(roi: Roi, results: Results, scenario: dict[str, Any]) -> Content:
    """The sales pages: the headline first, then the revenue table, the charts and assumptions."""
    units, inputs = roi.units, roi.inputs
    realised, beyond = _v(roi, "realised_usd"), _v(roi, "beyond_manual_usd")
    net, cost = _v(roi, "net_return_usd"), _v(roi, "cost_usd")
    payback = fmt.duration_days(_v(roi, "payback_days"))
    months = roi.timeline.days / (365 / 12)
    period = f"{months:.0f} months" if abs(months - 12) > 0.5 else "one year"
    manual = inputs.staff.manual_share_worked
    ai_share = _v(roi, "ai_share_worked")
    cards = [
        ("Recovered revenue", _est(roi, "beyond_manual_usd", fmt.usd),
         f"realised in {period}, beyond what calling by hand would have booked"),
        ("Net return", _est(roi, "net_return_usd", fmt.usd),
         f"after {fmt.usd(cost)} of AI cost"),
        ("Pays for itself in", payback, "cumulative recovered revenue passes the cost"),
        ("Staff hours freed", _est(roi, "staff_hours_net", fmt.hours),
         f"{fmt.count(_v(roi, 'voice_n'))} calls your team did not have to make"),
    ]  # fmt: skip
    per_dollar = _v(roi, "return_per_dollar")
    summary = (
        f"Over {period}, AI outreach booked visits worth {fmt.usd(_v(roi, 'booked_usd'))} for "
        f"{roi.practice_name}; patients came to {fmt.usd(realised)} of them. Calling by hand "
        f"usually reaches only part of the list, so we count only the share beyond it: "
        f"{fmt.usd(beyond)}. The AI cost {fmt.usd(cost)}, so every dollar spent returned "
        f"{fmt.usd(per_dollar) if per_dollar == per_dollar else '-'} "
        f"({fmt.usd(net)} net), and it paid for itself in {payback}."
    )
    rows = []
    for uc in (*BOOKING_USE_CASES, "confirmation"):
        unit = units.per_prevented_no_show if uc == "confirmation" else units.per_booking(uc)
        what = "no-shows prevented" if uc == "confirmation" else "visits booked"
        rows.append(
            {
                "use_case": USE_CASE_LABELS[uc],
                "outcomes": f"{fmt.count(_v(roi, f'booked_n:{uc}'))} {what}",
                "unit": fmt.usd(unit),
                "booked": fmt.usd(_v(roi, f"booked_usd:{uc}")),
                "realised": fmt.usd(_v(roi, f"realised_usd:{uc}")),
                "realised_ci": fmt.short_interval(roi[f"realised_usd:{uc}"], fmt.usd),
                "beyond": fmt.usd(_v(roi, f"beyond_manual_usd:{uc}")),
                "beyond_ci": fmt.short_interval(roi[f"beyond_manual_usd:{uc}"], fmt.usd),
            }
        )
    total = {
        "use_case": "Total",
        "outcomes": "",
        "unit": "",
        "booked": fmt.usd(_v(roi, "booked_usd")),
        "realised": fmt.usd(realised),
        "realised_ci": fmt.short_interval(roi["realised_usd"], fmt.usd),
        "beyond": fmt.usd(beyond),
        "beyond_ci": fmt.short_interval(roi["beyond_manual_usd"], fmt.usd),
    }
    costs = [
        ("AI voice minutes", f"{fmt.count(_v(roi, 'ai_minutes'))} min x "
         f"${inputs.ai.cost_per_minute_usd:.2f}"),
        ("Texts sent", f"{fmt.count(_v(roi, 'sms_n'))} x ${inputs.ai.cost_per_sms_usd:.3f}"),
        ("Platform fee", f"{fmt.usd(inputs.ai.platform_fee_monthly_usd)} a month x "
         f"{math.ceil(months - 1e-9)} months, billed at the start of each"),
        ("Total cost", _est(roi, "cost_usd", fmt.usd)),
        ("Staff hours the calls would have taken",
         f"{_est(roi, 'staff_hours_saved', fmt.hours)} ({fmt.count(_v(roi, 'voice_n'))} calls x "
         f"{fmt.number(inputs.staff.minutes_per_manual_call)} min)"),
        ("Staff hours the AI handed over", f"{_est(roi, 'staff_hours_added', fmt.hours)} "
         "(warm transfers and callbacks)"),
        ("Value of the staff time freed",
         f"{_est(roi, 'staff_usd_net', fmt.usd)} at {fmt.usd(inputs.staff.hourly_cost_usd)}/h "
         "(not counted in the net return)"),
    ]  # fmt: skip
    scale_note = (
        f"Every count is scaled from the {roi.simulated_patients:,} simulated patients to your "
        f"{roi.active_patients:,} active patients (x{roi.scale:.2f})."
        if roi.scale != 1.0
        else f"Counts are for the {roi.simulated_patients:,} simulated active patients."
    )
    assumptions = [
        f"A hygiene recall visit is worth {fmt.usd(units.hygiene_visit)} "
        f"({units.sources['hygiene_visit']}).",
        f"A reactivated patient is worth {fmt.usd(units.reactivated_patient)} in the first year "
        f"({units.sources['reactivated_patient']}).",
        f"A booked treatment plan is worth {fmt.usd(units.treatment_plan)} "
        f"({units.sources['treatment_plan']}).",
        f"A no-show prevented by a confirmation keeps a chair busy for "
        f"{fmt.number(units.visit_hours)} h at {fmt.usd(units.chair_hour)} an hour "
        f"({units.sources['chair_hour']}).",
        "Realised revenue counts visits the patient came to; booked revenue also counts visits "
        "cancelled, missed, or still ahead when the simulation ended.",
        f"Calling by hand works about {fmt.pct(manual)} of the outreach list (your input); the "
        f"AI worked {fmt.pct(ai_share)} of it ({fmt.count(_v(roi, 'list_n'))} patients due for "
        f"recall, reactivation or a treatment plan). At the same success per patient worked, "
        f"{fmt.pct(_v(roi, 'share_beyond_manual'))} of the AI's revenue is beyond what calling "
        "by hand would have brought.",
        scale_note,
        "Post-op check-ins earn no revenue here: they catch complications early "
        f"({fmt.count(float(roi['funnel:post_op'].value[2]))} check-ins).",
    ]
    funnel_note = (
        "Reached means the patient answered a call themselves; a text can confirm a visit "
        "without a live answer, so confirmations can exceed the answered calls."
    )
    figures = {
        "revenue_by_month": Figure(
            "revenue_by_month",
            "Bar chart of booked and realised revenue by month",
            "Booked revenue counts a visit in the month it was booked; realised revenue in the "
            "month the patient came. No-shows prevented count in the month of the visit.",
            (f"Values per visit as listed under Assumptions; {roi.combined}.",),
        ),
        "funnel": Figure(
            "funnel",
            "Funnel per use case: patients contacted, answered, converted",
            "Patients contacted, patients who answered a call themselves, and patients who "
            "booked (visits confirmed for confirmations, check-ins for post-op).",
            (funnel_note,),
        ),
        "kpi_bands": Figure(
            "kpi_bands",
            "KPIs against the healthy bands",
            "Each dot is your figure over the whole period; the green band is a healthy "
            "programme, the dashed red line (opt-outs) the point where scripts or frequency "
            "need rework.",
            (
                "Bands from the dental-outreach benchmarks for the first 30 days of a use case: "
                "connect 35-45 %, opt-out below 1.5 % (3 % red line), recall conversion 15-25 %, "
                "treatment-plan 18-25 %, reactivation 8-12 %.",
                "Conversion = contacted patients who booked / contacted patients.",
            ),
        ),
        "optout_trend": Figure(
            "optout_trend",
            "Line chart of the monthly opt-out rate",
            "Patients who asked to hear no more, as a share of the patients contacted that month.",
            (
                "Hard opt-outs only; soft pauses (\"I'll call you when I'm ready\") are not counted.",
            ),
        ),
        "contacts_by_week": Figure(
            "contacts_by_week",
            "Stacked bars of calls and texts per week",
            "Every call and text the AI placed, per week of the simulated period.",
            (f"{roi.combined.capitalize()}.",),
        ),
    }
    return Content(
        title=f"AI outreach for {roi.practice_name}: what it returns",
        subtitle=(
            f"{roi.active_patients:,} active patients, {fmt.day(roi.timeline.start)} to "
            f"{fmt.day(roi.timeline.end)}, simulated with dentsim"
        ),
        facts=run_facts(results, scenario, roi),
        figures=figures,
        roi={
            "cards": cards,
            "summary": summary,
            "rows": rows,
            "total": total,
            "costs": costs,
            "assumptions": assumptions,
            "replicated": results.kind == "replicated",
        },
    )


def kpi_table(kpis: dict[str, Any]) -> dict[str, Any]:
    """The full KPI table: overall and per use case, with intervals when replicated."""
    columns = {"overall": kpis.get("overall") or {}, **(kpis.get("by_use_case") or {})}
    names = ["Overall"] + [USE_CASE_LABELS.get(uc, uc) for uc in list(columns)[1:]]
    rows = []
    for key in KPI_TABLE_KEYS:
        if not any(key in col for col in columns.values()):
            continue
        cells = []
        for col in columns.values():
            value, low, high = kpi_estimate(col.get(key))
            f = fmt.kpi(key)
            if value is None:
                cells.append(("-", ""))
            elif low is not None and high is not None:
                e = fmt.estimated(f)  # a mean over replications: three significant figures
                cells.append((e(value), f"{e(low)} to {e(high)}"))
            else:
                cells.append((f(value), ""))
        rows.append((key.replace("_", " "), cells))
    return {"columns": names, "rows": rows}


def compliance_content(
    c: Compliance, noun: str = "replications"
) -> tuple[dict[str, Any], dict[str, Figure]]:
    """The audit page: the verdict first, then when the contacts landed, what compliance cost."""
    across = f" across {c.n_runs} {noun}" if c.n_runs > 1 else ""
    violations = c.violations
    headline = (
        f"{violations:,} violations in {c.contacts_checked:,} contacts{across}"
        if violations != 1
        else f"1 violation in {c.contacts_checked:,} contacts{across}"
    )
    rules = [
        {
            "rule_id": r.rule_id,
            "statement": r.statement,
            "source": r.source,
            "enabled": r.enabled,
            "checked": f"{r.checked:,}" if r.enabled else "disabled",
            "violations": f"{r.violations:,}" if r.enabled else "-",
            "bad": r.violations > 0,
        }
        for r in c.rules
    ]
    deferrals = []
    for d in sorted(c.deferrals, key=lambda d: -(d.deferred + d.dropped)):
        delay = "-" if d.mean_delay_h is None else f"{d.mean_delay_h:,.1f} h"
        parts = [f"{d.deferred:,} sent later (mean delay {delay})"] if d.deferred else []
        parts += [f"{d.dropped:,} never sent"] if d.dropped else []
        deferrals.append(
            {
                "rule_id": d.rule_id,
                "deferred": f"{d.deferred:,}",
                "dropped": f"{d.dropped:,}",
                "delay": delay,
                "summary": f"{d.rule_id}: " + ", ".join(parts),
            }
        )
    held = sum(d.deferred + d.dropped for d in c.deferrals)
    dropped = sum(d.dropped for d in c.deferrals)
    cost = (
        f"The compliance gate held back {held:,} contacts when they fell due: "
        f"{held - dropped:,} were sent later, {dropped:,} never."
        if held
        else "The compliance gate never had to hold a contact back: every contact fell "
        "inside the rules when it was due."
    )
    examples = [
        {"rule_id": e.rule_id, "when": e.local_time, "why": e.why, "patient": str(e.patient_id)}
        for e in c.examples
    ]
    start, end = c.window_h
    figures = {
        "contacts_by_hour": Figure(
            "contacts_by_hour",
            "Histogram of contacts by the patient's local hour, with the permitted window",
            f"Contacts by hour of the day where the patient lives; the green band is the "
            f"federal window ({start:02.0f}:00-{end:02.0f}:00).",
            (
                "Local time of the patient's address. The audit also checks the time zone of "
                "the phone's area code and stricter state windows.",
            ),
        ),
    }
    if violations:
        figures["violations_by_rule"] = Figure(
            "violations_by_rule",
            "Bar chart of violations by rule",
            "Contacts the independent audit found breaking each rule.",
        )
    if c.deferrals:
        figures["deferrals_by_rule"] = Figure(
            "deferrals_by_rule",
            "Bar chart of contacts deferred or dropped by rule",
            "Contacts the gate refused when due: deferred ones went out later, dropped ones "
            "never did.",
        )
    page = {
        "headline": headline,
        "ok": violations == 0,
        "facts": [
            ("Contacts checked", f"{c.contacts_checked:,}"),
            ("Patients", f"{c.patients:,}"),
            ("Opt-outs honoured", f"{c.opt_outs:,}"),
            ("Rules judged", f"{sum(r.enabled for r in c.rules)} of {len(c.rules)}"),
        ],
        "rules": rules,
        "deferrals": deferrals,
        "cost": cost,
        "examples": examples,
        "notes": list(c.notes),
    }
    return page, figures


def sweep_content(s: Sweep, results: Results) -> Content:
    base = s.base or "-"
    rows = []
    for name in s.variants:
        cells = []
        for key in s.kpis:
            c = s.cell(name, key)
            f = fmt.kpi(key)
            value = "-" if c.mean is None else f(c.mean)
            ci = "" if c.low is None or c.high is None else f"{f(c.low)} to {f(c.high)}"
            diff = ""
            better = None
            d = fmt.signed(fmt.points if f is fmt.pct else f)
            if name != s.base and c.diff is not None:
                diff = d(c.diff)
                if c.diff_low is not None and c.diff_high is not None:
                    diff += f" ({d(c.diff_low)} to {d(c.diff_high)})"
                    if c.diff_low > 0 or c.diff_high < 0:
                        up = c.diff_low > 0
                        better = up != (key in LOWER_IS_BETTER)
            cells.append({"value": value, "ci": ci, "diff": diff, "better": better})
        overrides = s.overrides.get(name) or {}
        rows.append(
            {
                "variant": name,
                "is_base": name == s.base,
                "on_front": name in s.pareto,
                "overrides": ", ".join(f"{k} = {v}" for k, v in overrides.items()) or "(none)",
                "cells": cells,
            }
        )
    figures = {
        "pareto": Figure(
            "pareto",
            "Scatter of bookings against opt-out rate per variant, Pareto front highlighted",
            "Each point is a variant's mean over its replications, with 95 % intervals; the "
            "front joins the variants no other variant beats on both bookings and opt-outs.",
            ("Dotted line: 1.5 % healthy opt-out limit; dashed: the 3 % red line.",),
        ),
        "kpis_by_variant": Figure(
            "kpis_by_variant",
            "KPIs per variant with 95 % error bars",
            "Mean of each KPI per variant over the replications, with its 95 % interval; grey is "
            "the base variant, green the variants on the Pareto front.",
        ),
    }
    n_rep = f"{s.replications} replications each" if s.replications else "replications"
    return Content(
        title="Strategy comparison",
        subtitle=f"{len(s.variants)} variants, {n_rep}, paired against the base variant '{base}'",
        facts=[
            ("Variants", str(len(s.variants))),
            ("Replications per variant", str(s.replications or "?")),
            ("Base variant", base),
            ("On the Pareto front", ", ".join(s.pareto) or "-"),
        ],
        figures=figures,
        sweep={
            "kpis": [k.replace("_", " ") for k in s.kpis],
            "rows": rows,
            "base": base,
            "note": (
                "Differences are paired: each replication of a variant runs on the same patients "
                "and seeds as the base's, so a difference whose interval excludes zero is real "
                "(green: better, red: worse)."
            ),
        },
    )
