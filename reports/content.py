"""The report's words and numbers, built once and laid out twice (HTML by jinja2, PDF by matplotlib).

Every string a reader sees is made here, in plain words, with the assumptions beside each figure.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from dentsim.reports import fmt, roi_words
from dentsim.reports.compliance import Compliance
from dentsim.reports.results import Results, kpi_estimate
from dentsim.reports.roi import BOOKING_USE_CASES, USE_CASE_LABELS, Roi
from dentsim.reports.sweep import LOWER_IS_BETTER, ROI_KEYS, Sweep, VariantOutcome
from dentsim.reports.sweep import Cell as SweepCell
from dentsim.scenario.calibration import calibrated_to

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
    practices: dict[str, Any] | None = None  # a group's per-practice table (reports/group.py)


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
    if imported(scenario):
        facts.append(("Patients", "imported from the practice's own export (dentsim import, "
                                  "de-identified), as the practice held them at export"))  # fmt: skip
    calibrated = calibrated_to(scenario)  # the scenario's record, from dentsim calibrate
    if calibrated:
        facts.append(("Calibrated to", calibrated))
    version = (results.manifest.get("versions") or {}).get("dentsim")
    if version:
        facts.append(("dentsim", str(version)))
    return facts


def imported(scenario: dict[str, Any]) -> bool:
    """Whether the run's patients are an imported practice's (population.from)."""
    population = scenario.get("population")
    return isinstance(population, dict) and bool(population.get("from"))


def _provenance(scenario: dict[str, Any]) -> str:
    """', on the practice's own patients (imported), calibrated to its connect rate...'."""
    said = ", on the practice's own patients (imported)" if imported(scenario) else ""
    calibrated = calibrated_to(scenario)
    return f"{said}, calibrated to its {calibrated}" if calibrated else said


def roi_content(roi: Roi, results: Results, scenario: dict[str, Any]) -> Content:
    """The sales pages: the headline first, then the revenue table, the charts and assumptions."""
    units, inputs = roi.units, roi.inputs
    realised, beyond = _v(roi, "realised_usd"), _v(roi, "beyond_manual_usd")
    months = roi.timeline.days / (365 / 12)
    manual = inputs.staff.manual_share_worked
    ai_share = _v(roi, "ai_share_worked")
    rows = []
    for uc in (*BOOKING_USE_CASES, "confirmation"):
        unit = units.per_prevented_no_show if uc == "confirmation" else units.per_booking(uc)
        n = _v(roi, f"booked_n:{uc}")
        what = (
            fmt.plural(n, "no-show prevented", "no-shows prevented")
            if uc == "confirmation"
            else fmt.plural(n, "visit booked", "visits booked")
        )
        rows.append(
            {
                "use_case": USE_CASE_LABELS[uc],
                "outcomes": what,
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
        *([("Calls placed", f"{fmt.count(_v(roi, 'voice_n'))} x "
             f"${inputs.ai.cost_per_call_usd:.3f}")] if inputs.ai.cost_per_call_usd else []),
        ("Platform fee", f"{fmt.usd(inputs.ai.platform_fee_monthly_usd)} a month x "
         f"{fmt.plural(math.ceil(months - 1e-9), 'month')}{_practices(roi)}, billed at the "
         "start of each"),
        ("Total cost", f"{fmt.usd(roi_words.table_value(roi, 'cost_usd'))} "
         f"{fmt.short_interval(roi['cost_usd'], fmt.usd)}".strip()),
        ("Staff hours calling by hand would have taken",
         f"{fmt.hours(roi_words.table_value(roi, 'staff_hours_saved'))} "
         f"({fmt.pct(_v(roi, 'manual_ratio'))} of "
         f"{fmt.count(_v(roi, 'voice_n'))} calls x "
         f"{fmt.number(inputs.staff.minutes_per_manual_call)} min)"),
        ("Staff hours the AI handed over",
         f"{fmt.hours(roi_words.table_value(roi, 'staff_hours_added'))} "
         "(warm transfers and callbacks)"),
        ("Staff hours freed, net", fmt.hours(roi_words.table_value(roi, "staff_hours_net"))),
        ("Value of the staff time freed",
         f"{_est(roi, 'staff_usd_net', fmt.usd)} at {fmt.usd(inputs.staff.hourly_cost_usd)}/h "
         "(not counted in the net return)"),
    ]  # fmt: skip
    scale_note = (
        f"Every count is scaled from the {roi.simulated_patients:,} simulated patients to your "
        f"{fmt.plural(roi.active_patients, 'active patient')} (x{roi.scale:.2f})."
        if roi.scale != 1.0
        else f"Counts are for the {fmt.plural(roi.simulated_patients, 'simulated active patient')}."
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
        f"by hand would have brought, and calling by hand would have placed "
        f"{fmt.pct(_v(roi, 'manual_ratio'))} of the AI's calls.",
        "The ROI counts the AI's bookings for recall, reactivation and treatment plans; the "
        "KPI table's bookings also count visits the AI rescheduled. A treatment plan counts at "
        "the plan value above, not at the simulated plan's own value, so the KPI table's booked "
        "revenue can differ from this page's.",
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
                "connect 35-45%, opt-out below 1.5% (3% red line), recall conversion 15-25%, "
                "treatment-plan 18-25%, reactivation 8-12%.",
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
    figures["recovered_by_week"] = Figure(
        "recovered_by_week",
        "Bar chart of recovered revenue by booking week, the warm-up shaded, the steady rate drawn",
        "Recovered revenue (beyond calling by hand) by the week the AI booked the visit, at the "
        f"run's share of visits kept. Shaded: the warm-up ({roi_words.warmup_words(roi)}), when "
        "the backlog of overdue patients at the start was worked off."
        + (" Dashed: the steady rate." if roi_words.measured(roi) else ""),
        (f"{roi.combined.capitalize()}.",),
    )
    if roi.sensitivity is not None:
        caption, stated = roi_words.sensitivity_words(roi)
        figures["tornado"] = Figure(
            "tornado",
            "Tornado chart of the steady-state net return against each ROI assumption",
            caption,
            stated,
        )
    return Content(
        title=f"AI outreach for {roi.practice_name}: what it returns",
        subtitle=(
            f"{fmt.plural(roi.active_patients, 'active patient')}, {fmt.day(roi.timeline.start)} to "
            f"{fmt.day(roi.timeline.end)}, simulated with dentsim{_provenance(scenario)}"
        ),
        facts=run_facts(results, scenario, roi),
        figures=figures,
        roi={
            "cards": roi_words.cards(roi),
            "summary": roi_words.summary(roi),
            "steady": roi_words.measured(roi),
            "baseline": roi_words.baseline_sentence(roi),
            "years": roi_words.years_table(roi),
            "rows": rows,
            "total": total,
            "costs": costs,
            "assumptions": assumptions,
            "replicated": results.kind == "replicated",
        },
    )


def _practices(roi: Roi) -> str:
    n = round(_v(roi, "practices")) if "practices" in roi.values else 1
    return f" x {fmt.plural(n, 'practice')}" if n > 1 else ""


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
    # a replicated run is one practice: its patients, and its contacts per hour, per replication
    per_run = noun == "replications" and c.n_runs > 1
    patients = (
        ("Patients (each replication)", f"{round(c.patients / c.n_runs):,}")
        if per_run
        else ("Patients", f"{c.patients:,}")
    )
    mean = f", mean of {c.n_runs} replications" if per_run else ""
    outcome_only = c.opt_outs - c.hard_opt_outs - c.soft_opt_outs
    unrecorded = (
        f", and {outcome_only:,} that only a contact's outcome records" if outcome_only else ""
    )
    figures = {
        "contacts_by_hour": Figure(
            "contacts_by_hour",
            "Histogram of contacts by the patient's local hour, with the permitted window",
            f"Contacts by hour of the day where the patient lives{mean}; the green band is the "
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
            patients,
            ("Opt-out requests honoured", f"{c.opt_outs:,}"),
            ("Rules judged", f"{sum(r.enabled for r in c.rules)} of {len(c.rules)}"),
        ],
        "optouts_note": (
            f"Opt-out requests honoured counts every request the audit followed to make sure no "
            f"contact came after it: {c.hard_opt_outs:,} hard (stop for good) and "
            f"{c.soft_opt_outs:,} soft (a pause), each request once, as recorded{unrecorded}. The KPI "
            "table's opt-outs count patients instead: the patients contacted who opted out, "
            "hard and soft apart, each patient once."
        ),
        "rules": rules,
        "deferrals": deferrals,
        "cost": cost,
        "examples": examples,
        "notes": list(c.notes),
    }
    return page, figures


KPI_WORDS = {
    "bookings": "Bookings",
    "conversion": "Conversion",
    "connect_rate": "Connect rate",
    "opt_out_rate": "Opt-out rate",
    "realised_revenue": "Realised revenue",
    "attempts": "Contacts",
    "beyond_manual_usd": "Recovered revenue",
    "cost_usd": "AI cost",
    "net_return_usd": "Net return",
}


def _sweep_cell(c: SweepCell, key: str, is_base: bool) -> dict[str, Any]:
    """A comparison cell: the mean, its interval, and the paired difference from the base with
    its interval, each on a line of its own so the columns stay narrow."""
    plain = fmt.usd if key.endswith("_usd") else fmt.kpi(key)
    f = fmt.estimated(plain)  # means over replications: three significant figures
    d = fmt.signed(fmt.estimated(fmt.points if plain is fmt.pct else plain))
    cell: dict[str, Any] = {
        "value": "-" if c.mean is None else f(c.mean),
        "ci": "" if c.low is None or c.high is None else f"{f(c.low)} to {f(c.high)}",
        "diff": "",
        "diff_ci": "",
        "better": None,
        "bad": False,
    }
    if is_base or c.diff is None:
        return cell
    cell["diff"] = d(c.diff)
    if c.diff_low is not None and c.diff_high is not None:
        cell["diff_ci"] = f"{d(c.diff_low)} to {d(c.diff_high)}"
        if c.diff_low > 0 or c.diff_high < 0:
            cell["better"] = (c.diff_low > 0) != (key in LOWER_IS_BETTER)
    return cell


def _add_up(cells: list[dict[str, Any]], means: list[float | None]) -> None:
    """Recovered, cost and net shown so that recovered - cost = net on the page."""
    recovered, cost, _ = means
    if recovered is None or cost is None:
        return
    (r, c), net = fmt.adding_up([recovered, -cost])
    for cell, value in zip(cells, (r, -c, net), strict=False):
        cell["value"] = fmt.usd(value)


def _better_word(key: str) -> str:
    return "lower is better" if key in LOWER_IS_BETTER else "higher is better"


def sweep_content(
    s: Sweep, results: Results, outcomes: dict[str, VariantOutcome] | None = None
) -> Content:
    """The comparison: what each variant changes, its KPIs, and (from its practice-years) its
    ROI and audit, each against the base with a paired interval."""
    outcomes = outcomes or {}
    base = s.base or "-"
    kpis = [k for k in s.kpis if not (outcomes and k == "realised_revenue")]
    rows, money = [], []
    for name in s.variants:
        is_base = name == s.base
        head = {
            "variant": name,
            "is_base": is_base,
            "on_front": name in s.pareto,
            "overrides": s.override_words(name),
        }
        cells = [_sweep_cell(s.cell(name, k), k, is_base) for k in kpis]
        rows.append(head | {"cells": cells})
        outcome = outcomes.get(name)
        if outcome is not None:
            cells = [_sweep_cell(outcome.cells[k], k, is_base) for k in ROI_KEYS]
            _add_up(cells, [outcome.cells[k].mean for k in ROI_KEYS])
            contacts = f"in {outcome.contacts_checked:,} contacts"
            cells.append({"value": f"{outcome.violations:,}", "ci": contacts, "diff": "",
                          "diff_ci": "", "better": None, "bad": outcome.violations > 0})  # fmt: skip
            money.append(head | {"cells": cells})
    n_rep = f"{s.replications} replications each" if s.replications else "replications"
    figures = {
        "pareto": Figure(
            "pareto",
            "Scatter of bookings against opt-out rate per variant, Pareto front highlighted",
            "Each point is a variant's mean over its replications, with 95% intervals; the "
            "front joins the variants no other variant beats on both bookings and opt-outs.",
            ("Dotted line: 1.5% healthy opt-out limit; dashed: the 3% red line.",),
        ),
        "kpis_by_variant": Figure(
            "kpis_by_variant",
            "KPIs per variant with 95% error bars",
            "Mean of each KPI per variant over the replications, with its 95% interval; grey is "
            "the base variant, green the variants on the Pareto front.",
        ),
    }
    violations = sum(o.violations for o in outcomes.values())
    checked = sum(o.contacts_checked for o in outcomes.values())
    facts = [
        ("Variants", str(len(s.variants))),
        ("Replications per variant", str(s.replications or "?")),
        ("Base variant", base),
        ("On the Pareto front", ", ".join(s.pareto) or "-"),
    ]
    if outcomes:
        facts.append(("Compliance audit", f"{violations:,} violations in {checked:,} contacts"))
    missing = [v for v in s.variants if v not in outcomes]
    steady = [v for v, o in outcomes.items() if o.steady]
    period = (
        "a steady year (after the one-time catch-up of the first weeks)"
        if len(steady) == len(outcomes)
        else "the simulated period (too short to measure a steady year)"
        if not steady
        else f"a steady year for {', '.join(steady)}, the simulated period for the others"
    )
    money_note = (
        "Recovered revenue (beyond what calling by hand would have brought), AI cost and net "
        f"return are each variant's ROI over {period}, as the ROI page of a run computes it, "
        "averaged over its replications; violations are the independent audit's, summed over them."
    )
    if not outcomes:
        money_note = (
            "This sweep directory holds none of its variants' practice-years (variants/NAME/rNNN/), "
            "so the ROI and the audit per variant are not shown."
        )
    elif missing:
        money_note += f" No practice-years found for {', '.join(missing)}."
    return Content(
        title="Strategy comparison",
        subtitle=f"{len(s.variants)} variants, {n_rep}, paired against the base variant '{base}'",
        facts=facts,
        figures=figures,
        sweep={
            "kpis": [k.replace("_", " ") for k in kpis],
            "columns": [(KPI_WORDS.get(k, k.replace("_", " ")), _better_word(k)) for k in kpis],
            "rows": rows,
            "money_columns": [(KPI_WORDS[k], _better_word(k)) for k in ROI_KEYS]
            + [("Violations", "the audit, all replications")],
            "money": money,
            "money_note": money_note,
            "settings": [
                {
                    "label": st.label,
                    "key": st.key,
                    "base": st.base,
                    "changes": "; ".join(f"{v}: {w}" for v, w in st.values.items()),
                }
                for st in s.settings
            ],
            "base": base,
            "note": (
                "Differences are paired: each replication of a variant runs on the same patients "
                "and seeds as the base's, so a difference whose interval excludes zero is real "
                "(green: better, red: worse). In each cell: the mean, its 95% interval, then "
                "the difference from the base and its interval."
            ),
        },
    )
