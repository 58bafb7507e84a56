"""Numbers as a practice owner reads them: dollars, percentages, counts, intervals, durations."""

from __future__ import annotations

import math
from collections.abc import Callable

from dentsim.results.stats import Estimate

Formatter = Callable[[float], str]


def usd(x: float) -> str:
    if not math.isfinite(x):
        return "-"
    sign = "-" if round(x) < 0 else ""
    return f"{sign}${abs(x):,.0f}"


def pct(x: float) -> str:
    return f"{100 * x:.1f} %" if math.isfinite(x) else "-"


def count(x: float) -> str:
    return f"{x:,.0f}" if math.isfinite(x) else "-"


def hours(x: float) -> str:
    return f"{x:,.0f} h" if math.isfinite(x) else "-"


def number(x: float) -> str:
    if not math.isfinite(x):
        return "-"
    return f"{x:,.0f}" if abs(x) >= 100 else f"{x:,.2f}".rstrip("0").rstrip(".")


def interval(est: Estimate, f: Formatter) -> str:
    """'$52,300' or, for a mean over replications, '$52,300 (95 % CI $50,100 to $54,500)'."""
    value = f(float(est.value))
    if est.low is None or est.high is None or not math.isfinite(float(est.low)):
        return value
    return f"{value} ({f(float(est.low))} to {f(float(est.high))})"


def short_interval(est: Estimate, f: Formatter) -> str:
    """The interval alone, '$50,100 to $54,500', or '' without one."""
    if est.low is None or est.high is None or not math.isfinite(float(est.low)):
        return ""
    return f"{f(float(est.low))} to {f(float(est.high))}"


def duration_days(days: float) -> str:
    """A payback period in words: '9 days', 'about 5 weeks', 'about 4 months'."""
    if not math.isfinite(days):
        return "not within the simulated period"
    if days < 14:
        return f"{days:.0f} days"
    if days < 63:
        return f"about {days / 7:.0f} weeks"
    return f"about {days / (365 / 12):.0f} months"


def points(x: float) -> str:
    """A difference of two rates, in percentage points: '1.2 pp'."""
    return f"{100 * x:.1f} pp" if math.isfinite(x) else "-"


def signed(f: Formatter) -> Formatter:
    """A formatter for differences: '+$1,200', '-0.3 %'."""

    def out(x: float) -> str:
        text = f(x)
        return text if text.startswith(("-", "+")) or not math.isfinite(x) or x == 0 else f"+{text}"

    return out


def kpi(name: str) -> Formatter:
    """The formatter for a KPI by its name (rates as %, revenue as $, the rest as counts)."""
    if name.endswith(("_rate", "_recovery")) or name == "conversion":
        return pct
    if name.endswith("revenue"):
        return usd
    return number
