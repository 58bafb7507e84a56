"""Numbers on the report's pages: US formats, three significant figures for what the simulation
estimates, and figures that add up as printed."""

from __future__ import annotations

from datetime import date

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from dentsim.reports import fmt
from dentsim.results.stats import Estimate


def test_us_formats_for_dollars_percentages_and_dates() -> None:
    assert fmt.usd(1234) == "$1,234"
    assert fmt.usd(-1234.4) == "-$1,234"
    assert fmt.pct(0.401) == "40.1%"
    assert fmt.signed(fmt.pct)(-0.003) == "-0.3%"
    assert fmt.day(date(2026, 1, 5)) == "Jan 5, 2026"
    assert fmt.day(date(2026, 12, 31)) == "Dec 31, 2026"


@pytest.mark.parametrize(
    ("value", "f", "shown"),
    [
        (52_347.0, fmt.usd, "$52,300"),
        (0.40134, fmt.pct, "40.1%"),
        (1_234.6, fmt.hours, "1,230 h"),
        (13_254.0, fmt.count, "13,300"),
        (0.1234, fmt.number, "0.12"),
        (999.6, fmt.usd, "$1,000"),
        (-52_347.0, fmt.usd, "-$52,300"),
        (0.0, fmt.usd, "$0"),
    ],
)
def test_an_estimate_shows_three_significant_figures(value: float, f: fmt.Formatter, shown: str):
    assert fmt.estimated(f)(value) == shown


def test_an_interval_shows_its_value_and_ends_to_three_significant_figures() -> None:
    est = Estimate(np.array(52_347.0), np.array(50_112.0), np.array(54_561.0), n=10)
    assert fmt.interval(est, fmt.usd) == "$52,300 ($50,100 to $54,600)"
    assert fmt.short_interval(est, fmt.usd) == "$50,100 to $54,600"
    assert fmt.interval(Estimate(np.array(52_347.0)), fmt.usd) == "$52,300"
    undefined = Estimate(np.array(0.1), np.array(np.nan), np.array(np.nan), n=2)
    assert fmt.interval(undefined, fmt.pct) == "10.0%"


def test_hours_saved_less_hours_added_add_up_as_printed() -> None:
    (saved, added), net = fmt.adding_up([883.6, -1.4])
    assert (fmt.hours(saved), fmt.hours(-added), fmt.hours(net)) == ("884 h", "1 h", "883 h")
    (big, small), total = fmt.adding_up([88_361.0, 1_449.0])  # the smallest keeps 3 figures
    assert (big, small, total) == (88_360.0, 1_450.0, 89_810.0)
    (a, b), share = fmt.adding_up([0.4013, 0.0021], resolution=0.001)
    assert (fmt.pct(a), fmt.pct(b), fmt.pct(share)) == ("40.1%", "0.2%", "40.3%")


@given(st.lists(st.floats(-1e7, 1e7), min_size=1, max_size=6))
def test_shown_terms_always_sum_to_the_shown_total(terms: list[float]) -> None:
    shown, total = fmt.adding_up(terms)
    assert fmt.count(sum(round(s) for s in shown)) == fmt.count(total)
    assert all(s == round(s) for s in shown)  # never finer than a dollar or an hour


def test_a_kpis_formatter_follows_its_support() -> None:
    assert fmt.kpi("opt_out_rate")(0.012) == "1.2%"
    assert fmt.kpi("voice_fallback_recovery")(0.5) == "50.0%"
    assert fmt.kpi("booked_revenue")(1234) == "$1,234"
    assert fmt.kpi("sms_sent")(0.1) == "0.1"


def test_a_difference_that_rounds_to_nothing_has_no_sign_and_one_day_is_a_day() -> None:
    points = fmt.signed(fmt.estimated(fmt.points))
    assert points(-0.00001) == "0.0 pp" and points(0.0123) == "+1.2 pp"
    assert points(-0.0123) == "-1.2 pp"
    assert fmt.signed(fmt.estimated(fmt.number))(75.3333) == "+75.3"
    assert fmt.duration_days(1.2) == "1 day" and fmt.duration_days(3) == "3 days"


def test_an_estimate_is_rounded_once_and_a_count_takes_its_noun() -> None:
    assert fmt.estimated(fmt.count)(19.4753) == "19"  # not 19.5 then 20
    assert fmt.estimated(fmt.usd)(52_347.0) == "$52,300"
    assert fmt.estimated(fmt.number)(75.3333) == "75.3"
    assert (fmt.plural(1, "month"), fmt.plural(12, "month")) == ("1 month", "12 months")
    assert fmt.plural(1800, "active patient") == "1,800 active patients"
    assert fmt.plural(1, "no-show prevented", "no-shows prevented") == "1 no-show prevented"


def test_paybacks_read_as_sentences() -> None:
    from dentsim.reports.roi_words import month_payback

    assert month_payback(1.1734) == "1.2 days" and month_payback(10.07) == "10.1 days"
    assert (
        month_payback(40.0) == "never (a loss)" and month_payback(float("nan")) == "never (a loss)"
    )
