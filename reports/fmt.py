"""Numbers as a practice owner reads them, in US formats: dollars ("$1,234"), percentages
("40.1%"), counts, hours, dates ("Jan 5, 2026"), intervals and durations.

A figure the simulation estimates is shown to three significant figures ("$52,300"; `estimated`,
`interval`): more digits would claim a precision no simulated year has. An input (a fee, a price)
is shown as given. Figures that add up on the page are rounded together (`adding_up`).
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence
from datetime import date

from dentsim.results.stats import SHARE, Estimate, kpi_support

Formatter = Callable[[float], str]

SIGNIFICANT = 3
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def usd(x: float) -> str:
    if not math.isfinite(x):
        return "-"
    sign = "-" if round(x) < 0 else ""
    return f"{sign}${abs(x):,.0f}"


def pct(x: float) -> str:
    return f"{100 * x:.1f}%" if math.isfinite(x) else "-"


def count(x: float) -> str:
    return f"{x:,.0f}" if math.isfinite(x) else "-"


def hours(x: float) -> str:
    return f"{x:,.0f} h" if math.isfinite(x) else "-"


def number(x: float) -> str:
    if not math.isfinite(x):
        return "-"
    return f"{x:,.0f}" if abs(x) >= 100 else f"{x:,.2f}".rstrip("0").rstrip(".")


def day(d: date) -> str:
    """'Jan 5, 2026' (month names fixed here, not taken from the locale)."""
    return f"{MONTHS[d.month - 1]} {d.day}, {d.year}"


def round_sig(x: float, digits: int = SIGNIFICANT) -> float:
    """`x` rounded to `digits` significant figures: 52,347 -> 52,300, 0.40134 -> 0.401."""
    if not math.isfinite(x) or x == 0:
        return x
    return round(x, digits - 1 - math.floor(math.log10(abs(x))))


def estimated(f: Formatter) -> Formatter:
    """The formatter `f` for a figure the simulation estimates: three significant figures first,
    then `f`'s own format ('$52,300', '40.1%', '1,230 h')."""

    def out(x: float) -> str:
        shown = f(x)
        if len(re.sub(r"\D", "", shown).lstrip("0")) <= SIGNIFICANT:
            return shown  # already three figures or fewer: rounding first would round twice
        return f(round_sig(x))

    return out


def plural(n: float, one: str, many: str | None = None) -> str:
    """'1 month', '12 months', '1,800 active patients': the count and its noun."""
    return f"{n:,.0f} {one if round(n) == 1 else many or one + 's'}"


def adding_up(
    terms: Sequence[float], resolution: float = 1.0, digits: int = SIGNIFICANT
) -> tuple[list[float], float]:
    """Terms rounded alike, and their total as the sum of the rounded terms, so the page adds up:
    (883.6, -1.4) -> ([884.0, -1.0], 883.0), shown '884 h - 1 h = 883 h' (not '882 h').

    One step for all: fine enough that the smallest term keeps its `digits` significant figures
    ($121,319 + $9,374 -> $121,320 + $9,370 = $130,690), never finer than `resolution`, the
    smallest unit the formatter shows (1 for $, h and counts, 0.001 for a %).
    """
    sizes = [abs(t) for t in terms if math.isfinite(t) and t != 0]
    if not sizes:
        return list(terms), float(sum(terms))
    places = min(
        digits - 1 - math.floor(math.log10(min(sizes))), -math.floor(math.log10(resolution))
    )
    shown = [round(t, places) if math.isfinite(t) else t for t in terms]
    return shown, round(sum(shown), max(places, 0))


def interval(est: Estimate, f: Formatter) -> str:
    """An estimate to three significant figures: '$52,300' or, for a mean over replications,
    '$52,300 ($50,100 to $54,500)'."""
    e = estimated(f)
    value = e(float(est.value))
    ends = short_interval(est, f)
    return f"{value} ({ends})" if ends else value


def short_interval(est: Estimate, f: Formatter) -> str:
    """The interval alone to three significant figures, '$50,100 to $54,500', or '' without one."""
    if est.low is None or est.high is None or not math.isfinite(float(est.low)):
        return ""
    e = estimated(f)
    return f"{e(float(est.low))} to {e(float(est.high))}"


def duration_days(days: float) -> str:
    """A payback period in words: '9 days', 'about 5 weeks', 'about 4 months'."""
    if not math.isfinite(days):
        return "not within the simulated period"
    if days < 14:
        return "1 day" if round(days) == 1 else f"{days:.0f} days"
    if days < 63:
        return f"about {days / 7:.0f} weeks"
    return f"about {days / (365 / 12):.0f} months"


def points(x: float) -> str:
    """A difference of two rates, in percentage points: '1.2 pp'."""
    return f"{100 * x:.1f} pp" if math.isfinite(x) else "-"


def signed(f: Formatter) -> Formatter:
    """A formatter for differences: '+$1,200', '-0.3%'."""

    def out(x: float) -> str:
        text = f(x)
        if not math.isfinite(x) or x == 0 or text.lstrip("-") == f(0.0):
            return f(0.0) if math.isfinite(x) else text  # '-0.0 pp' rounds to no change
        return text if text.startswith(("-", "+")) else f"+{text}"

    return out


def kpi(name: str) -> Formatter:
    """The formatter for a KPI by its name (shares as %, revenue as $, the rest as counts)."""
    if kpi_support(name) == SHARE:
        return pct
    if name.endswith("revenue"):
        return usd
    return number
