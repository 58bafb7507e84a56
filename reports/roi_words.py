"""The ROI page's words and tables (content.roi_content lays them out): the steady year first, the
one-time catch-up apart, the manual baseline in one sentence, a group's practices one per row.
"""

from __future__ import annotations

import math
from typing import Any

from dentsim.reports import fmt
from dentsim.reports.group import Column
from dentsim.reports.roi import Roi
from dentsim.reports.roi_steady import MIN_STEADY_CONTACTS, MIN_STEADY_DAYS, WARMUP_FACTOR
from dentsim.reports.sensitivity import MANUAL_SHARE_RANGE, RELATIVE_CHANGE


def _v(roi: Roi, key: str) -> float:
    return float(roi[key].value)


def measured(roi: Roi) -> bool:
    """Whether the run was long enough after its warm-up to measure a steady state."""
    return math.isfinite(_v(roi, "steady:net_return_usd"))


def warmup_words(roi: Roi) -> str:
    """'the first 3 weeks' or 'no warm-up'."""
    weeks = round(_v(roi, "warmup_days") / 7)
    if not weeks:
        return "no warm-up"
    return "the first week" if weeks == 1 else f"the first {weeks} weeks"


def month_payback(days: float) -> str:
    """The steady payback: days of steady operation that cover a month's cost ('1.2 days'), or
    'never (a loss)' when a month's recovered revenue does not cover it."""
    if not math.isfinite(days) or days > 365 / 12:
        return "never (a loss)"
    return "1 day" if f"{days:.1f}" == "1.0" else f"{days:.1f} days"


def headline(roi: Roi, pre: str) -> tuple[float, float, float]:
    """Recovered revenue, AI cost and net return as the cards and the summary show them: three
    significant figures for the smaller, and the net the shown revenue less the shown cost."""
    (recovered, cost), net = fmt.adding_up(
        [_v(roi, f"{pre}beyond_manual_usd"), -_v(roi, f"{pre}cost_usd")]
    )
    return recovered, -cost, net


def table_value(roi: Roi, key: str) -> float:
    """A figure as the tables show it, whole dollars, hours or bookings; a net as the shown
    parts' difference, so that the page adds up wherever the figure appears."""
    pre, _, name = key.rpartition(":")
    pre = f"{pre}:" if pre else ""
    if name == "net_return_usd" and pre != "catchup:":
        return round(_v(roi, f"{pre}beyond_manual_usd")) - round(_v(roi, f"{pre}cost_usd"))
    if name == "staff_hours_net" and pre != "catchup:":
        return round(_v(roi, f"{pre}staff_hours_saved")) - round(_v(roi, f"{pre}staff_hours_added"))
    return round(_v(roi, key))


def cards(roi: Roi) -> list[tuple[str, str, str]]:
    """The four headline cards: the steady year when measured, the simulated period otherwise.
    A card's value is the estimate; its interval, when replicated, heads the small print."""
    pre = "steady:" if measured(roi) else ""
    recovered, cost, net = headline(roi, pre)

    def card(label: str, key: str, f: fmt.Formatter, shown: str, note: str) -> tuple[str, str, str]:
        between = fmt.short_interval(roi[key], f)
        return label, shown, f"{between} (95%); {note}" if between else note

    hours = fmt.hours(table_value(roi, f"{pre}staff_hours_net"))
    if not pre:
        return [
            card("Recovered revenue", "beyond_manual_usd", fmt.usd, fmt.usd(recovered),
                 "in the simulated period, catch-up included; beyond calling by hand"),
            card("Net return", "net_return_usd", fmt.usd, fmt.usd(net),
                 f"after {fmt.usd(cost)} of AI cost"),
            ("Pays for itself in", fmt.duration_days(_v(roi, "payback_days")),
             "from the start, catch-up included"),
            card("Staff hours freed", "staff_hours_net", fmt.hours, hours,
                 "the calls your team would have made by hand"),
        ]  # fmt: skip
    return [
        card("Recovered revenue a year", "steady:beyond_manual_usd", fmt.usd, fmt.usd(recovered),
             f"in a steady year, after the catch-up of {warmup_words(roi)}; beyond calling by hand"),
        card("Net return a year", "steady:net_return_usd", fmt.usd, fmt.usd(net),
             f"after {fmt.usd(cost)} a year of AI cost"),
        ("A month's cost earned back in", month_payback(_v(roi, "steady:payback_days")),
         "of steady operation"),
        card("Staff hours freed a year", "steady:staff_hours_net", fmt.hours, hours,
             "the calls your team would have made by hand"),
    ]  # fmt: skip


def summary(roi: Roi) -> str:
    """The paragraph under the cards."""
    name, first_days = roi.practice_name, _v(roi, "payback_days")
    usd = fmt.estimated(fmt.usd)  # figures the simulation estimates: three significant figures
    recovered, _, net = headline(roi, "")
    paid = (
        f"paid for itself in {fmt.duration_days(first_days)}"
        if math.isfinite(first_days)
        else "did not pay for itself within it"
    )
    first = (
        f"As simulated, the first {_period(roi)} recovered {fmt.usd(recovered)} "
        f"({fmt.usd(net)} net) and {paid}."
    )
    if not measured(roi):
        return (
            f"AI outreach for {name}. {first} {too_short(roi)} These figures include the one-time "
            "catch-up of overdue patients at the start, so they overstate a normal year."
        )
    recovered, cost, net = headline(roi, "steady:")
    per_dollar = _v(roi, "steady:return_per_dollar")
    ratio = f": {usd(per_dollar)} per dollar, " if math.isfinite(per_dollar) else ", "
    text = (
        f"In a steady year, AI outreach recovers {fmt.usd(recovered)} for {name} beyond what "
        f"calling by hand would have booked, for {fmt.usd(cost)} of AI cost{ratio}"
        f"{fmt.usd(net)} net."
    )
    if _v(roi, "warmup_days"):
        bookings = fmt.plural(_v(roi, "catchup:booked_n"), "booking")
        text += (
            f" Once, at the start, {warmup_words(roi)} worked off the backlog of overdue patients: "
            f"a one-time catch-up of {usd(_v(roi, 'catchup:beyond_manual_usd'))} "
            f"({bookings} beyond the steady pace)."
        )
    return f"{text} {first}"


def too_short(roi: Roi) -> str:
    steady = round(_v(roi, "steady_days"))
    if steady >= MIN_STEADY_DAYS:
        return (
            f"Too few contacts to measure a steady state: {fmt.plural(_v(roi, 'steady_contacts'), 'contact')} "
            f"after the warm-up, and a steady state needs at least {MIN_STEADY_CONTACTS}."
        )
    return (
        f"The run is too short to measure a steady state: {fmt.plural(steady, 'day')} after its "
        f"{round(_v(roi, 'warmup_days'))}-day warm-up, and a steady state needs at least "
        f"{MIN_STEADY_DAYS}. Run a longer period (a year) to separate the catch-up."
    )


def _period(roi: Roi) -> str:
    months = roi.timeline.days / (365 / 12)
    return "year" if abs(months - 12) <= 0.5 else fmt.plural(months, "month")


def baseline_sentence(roi: Roi) -> str:
    """The one manual baseline, on both sides, in one sentence."""
    inputs = roi.inputs
    return (
        f"Both sides compare with one manual baseline: by hand your team would work "
        f"{fmt.pct(inputs.staff.manual_share_worked)} of the outreach list where the AI worked "
        f"{fmt.pct(_v(roi, 'ai_share_worked'))}, so the staff time freed is the time those calls "
        f"would have taken ({fmt.pct(_v(roi, 'manual_ratio'))} of the AI's calls at "
        f"{fmt.number(inputs.staff.minutes_per_manual_call)} min each), and the revenue counted "
        "is only what the AI brought beyond them."
    )


def years_table(roi: Roi) -> dict[str, Any]:
    """Steady year, first year as simulated, and the one-time catch-up, side by side."""
    steady = measured(roi)

    def cell(key: str, f: fmt.Formatter) -> tuple[str, str]:
        return f(table_value(roi, key)), fmt.short_interval(roi[key], f)

    # over a simulated year, first year = steady year + catch-up: the catch-up is shown as the
    # shown first year less the shown steady year, so the row adds up on the page
    whole_year = abs(roi.timeline.days - 365) < 1

    def three(key: str, catch_key: str, f: fmt.Formatter) -> dict[str, tuple[str, str]]:
        if not steady:
            return {"steady": ("-", ""), "first": cell(key, f), "catchup": ("-", "")}
        catch_up = cell(f"catchup:{catch_key}", f)
        if whole_year:
            shown = table_value(roi, key) - table_value(roi, f"steady:{key}")
            catch_up = (f(shown), catch_up[1])
        return {"steady": cell(f"steady:{key}", f), "first": cell(key, f), "catchup": catch_up}

    rows = []
    for label, key, f in (
        ("AI bookings", "booked_n", fmt.count),
        ("Booked revenue", "booked_usd", fmt.usd),
        ("Revenue of visits the patients came to", "realised_usd", fmt.usd),
        ("Recovered revenue (beyond calling by hand)", "beyond_manual_usd", fmt.usd),
        ("AI cost", "cost_usd", fmt.usd),
        ("Net return", "net_return_usd", fmt.usd),
        ("Return per dollar", "return_per_dollar", fmt.usd),
        ("Staff hours freed, net", "staff_hours_net", fmt.hours),
    ):
        catch_key = "ai_usage_usd" if key == "cost_usd" else key
        if key == "return_per_dollar":  # a ratio: the years' do not add
            per = fmt.estimated(f)
            rows.append({
                "label": label,
                "steady": (per(_v(roi, f"steady:{key}")), "") if steady else ("-", ""),
                "first": (per(_v(roi, key)), ""),
                "catchup": ("-", ""),
            })  # fmt: skip
            continue
        rows.append({"label": label, **three(key, catch_key, f)})
    rows.append({
        "label": "Payback",
        "steady": (_month_cost_back(_v(roi, "steady:payback_days")), "") if steady else ("-", ""),
        "first": (_from_the_start(_v(roi, "payback_days")), ""),
        "catchup": ("-", ""),
    })  # fmt: skip
    notes = [
        f"Warm-up: {warmup_words(roi)}, the leading weeks whose contacts exceed "
        f"{WARMUP_FACTOR:g} times the typical week (the median week of the run's second half).",
        "Steady year: the days after the warm-up, as a rate a year. Its revenue counts each visit "
        "at the date the AI booked it, times the run's share of booked visits the patients came "
        "to, so a visit booked in the catch-up and held later is not counted as steady.",
        "One-time catch-up: the first year less the steady rate over the same days (its cost "
        "is the extra usage; the platform fee is the same every month).",
    ]
    if not steady:
        notes.insert(0, too_short(roi))
    return {"rows": rows, "notes": notes, "first_label": f"First {_period(roi)} as simulated"}


def _month_cost_back(days: float) -> str:
    back = month_payback(days)
    return (
        "a month's cost not earned back (a loss)"
        if back.startswith("never")
        else (f"a month's cost in {back}")
    )


def _from_the_start(days: float) -> str:
    return f"{fmt.duration_days(days)} from the start" if math.isfinite(days) else "not within it"


def practice_dollars(roi: Roi) -> tuple[list[dict[str, Any]], list[Column], str]:
    """A group's practices, each priced on its own (its own platform fee): per practice (in the
    group's order) its recovered revenue, AI cost, net and payback, the columns that show them in
    the group's per-practice table (reports/group.py), and the sentence under it."""
    steady = measured(roi)
    pre = "steady:" if steady else ""
    rows = [
        {
            "booked_n": p.values["booked_n"],
            "recovered_usd": p.values[f"{pre}beyond_manual_usd"],
            "cost_usd": p.values[f"{pre}cost_usd"],
            "net_usd": p.values[f"{pre}net_return_usd"],
            "payback_days": p.values["steady:payback_days" if steady else "payback_days"],
        }
        for p in roi.practices
    ]
    usd = fmt.estimated(fmt.usd)
    columns = [
        Column("booked_n", "AI bookings", fmt.count),
        Column("recovered_usd", "Recovered", usd),
        Column("cost_usd", "AI cost", usd),
        Column("net_usd", "Net", usd),
        Column("payback_days", "Month's cost back in" if steady else "Pays for itself in",
               month_payback if steady else fmt.duration_days),
    ]  # fmt: skip
    per = "a steady year" if steady else "the simulated period"
    note = (
        f"AI bookings: the first {_period(roi)}, as the ROI counts them. "
        f"Recovered revenue (beyond calling by hand), AI cost and net: {per}. Each practice pays "
        f"its own platform fee ({fmt.usd(roi.inputs.ai.platform_fee_monthly_usd)} a month); the "
        f"group's return is the sum of these {fmt.plural(len(rows), 'practice')}."
    )
    return rows, columns, note


def sensitivity_words(roi: Roi) -> tuple[str, tuple[str, ...]]:
    """The tornado's caption and its stated assumptions."""
    pct = f"{100 * RELATIVE_CHANGE:.0f}%"
    low, high = MANUAL_SHARE_RANGE
    caption = (
        "Each bar is the steady-state net return a year with one assumption at its low (amber) "
        "or high (blue) value and the others as given; the line is the net return as given. "
        "Longest bar first: what the answer depends on most."
    )
    return caption, (
        f"Values per visit, the chair hour and the AI's prices move {pct} down and up; the "
        f"share of the list worked by hand goes from {fmt.pct(low)} to {fmt.pct(high)}.",
        "Acceptance and no-shows are not simulated again: a first-order approximation that "
        f"scales the bookings (acceptance) or the missed visits (no-shows) by {pct}.",
    )
