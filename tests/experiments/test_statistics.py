"""The statistics behind replications: Student t intervals cut to the quantity's support, and
replication seeds."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from dentsim.experiments.replications import replication_seed
from dentsim.results.stats import (
    ANY,
    NON_NEGATIVE,
    SHARE,
    kpi_support,
    mean_ci,
    mean_estimate,
    summarise,
    t_quantile,
)


@pytest.mark.parametrize(
    ("df", "quantile"),
    [
        (1, 12.7062),
        (2, 4.3027),
        (3, 3.1824),
        (5, 2.5706),
        (10, 2.2281),
        (30, 2.0423),
        (120, 1.9799),
    ],
)
def test_the_t_quantile_matches_the_student_table(df: int, quantile: float) -> None:
    assert t_quantile(df) == pytest.approx(quantile, abs=1e-4)


def test_the_t_quantile_tends_to_the_normal_one() -> None:
    assert t_quantile(100_000) == pytest.approx(1.95996, abs=1e-4)


def test_mean_ci_is_the_mean_plus_minus_t_times_the_standard_error() -> None:
    values = [10.0, 12.0, 11.0, 15.0]
    got = mean_ci(values)
    half = t_quantile(3) * np.std(values, ddof=1) / math.sqrt(4)
    assert got["n"] == 4
    assert got["mean"] == pytest.approx(12.0)
    assert (got["ci_low"], got["ci_high"]) == pytest.approx((12.0 - half, 12.0 + half))


def test_a_kpi_missing_in_some_replications_is_averaged_over_the_others() -> None:
    assert mean_ci([0.2, None, 0.4]) == pytest.approx(
        {"mean": 0.3, "ci_low": 0.3 - 12.7062 * 0.1, "ci_high": 0.3 + 12.7062 * 0.1, "n": 2},
        abs=1e-4,
    )


def test_one_value_has_no_interval_and_none_has_no_mean() -> None:
    assert mean_ci([3]) == {"mean": 3.0, "ci_low": None, "ci_high": None, "n": 1}
    assert mean_ci([None, None]) == {"mean": None, "ci_low": None, "ci_high": None, "n": 0}


def test_summarise_keeps_the_kpi_table_shape_and_use_cases_seen_in_any_replication() -> None:
    a = {"overall": {"bookings": 4}, "by_use_case": {"recall": {"conversion": 0.1}}}
    b = {"overall": {"bookings": 6}, "by_use_case": {}}
    got = summarise([a, b])
    assert got["overall"]["bookings"]["mean"] == 5.0
    assert got["overall"]["bookings"]["n"] == 2
    assert got["by_use_case"]["recall"]["conversion"]["n"] == 1


def test_replication_seeds_are_seed_sequence_spawns_whatever_the_number_of_replications() -> None:
    children = np.random.SeedSequence(42).spawn(5)
    expected = [int(c.generate_state(1, np.uint64)[0] >> np.uint64(1)) for c in children]
    assert [replication_seed(42, r) for r in range(5)] == expected
    assert all(0 <= s < 2**63 for s in expected)
    assert len(set(expected)) == 5


def test_a_rare_counts_interval_never_goes_below_zero() -> None:
    # ten replications of "texts sent for post-op": nine 0s and one 1 (t interval: -0.13 to 0.33)
    got = mean_ci([0] * 9 + [1], NON_NEGATIVE)
    half = t_quantile(9) * np.std([0] * 9 + [1], ddof=1) / math.sqrt(10)
    assert got["mean"] == pytest.approx(0.1)
    assert got["ci_low"] == 0.0
    assert got["ci_high"] == pytest.approx(0.1 + half)


def test_a_rates_interval_stays_between_zero_and_one() -> None:
    low = mean_ci([0.0, 0.01, 0.0], SHARE)
    high = mean_ci([1.0, 0.99, 1.0], SHARE)
    assert low["ci_low"] == 0.0 and 0.0 < low["ci_high"] < 1.0
    assert high["ci_high"] == 1.0 and 0.0 < high["ci_low"] < 1.0


def test_a_difference_keeps_both_signs() -> None:
    got = mean_ci([-1.0, 2.0, 0.5], ANY)
    assert got["ci_low"] < 0.0 < got["ci_high"]


def test_an_interval_cut_to_its_support_still_holds_every_mean_the_whole_one_holds() -> None:
    rng = np.random.default_rng(3)
    for _ in range(200):
        xs = rng.poisson(0.3, size=int(rng.integers(2, 12))).astype(float)
        whole, cut = mean_ci(list(xs)), mean_ci(list(xs), NON_NEGATIVE)
        assert cut["mean"] == whole["mean"]
        for mu in (0.0, 0.1, 0.3, 1.0):
            held = whole["ci_low"] <= mu <= whole["ci_high"]
            assert held == (cut["ci_low"] <= mu <= cut["ci_high"])


@given(st.lists(st.floats(0.0, 1.0), min_size=2, max_size=50))
def test_a_share_mean_lies_inside_its_interval_inside_zero_to_one(xs: list[float]) -> None:
    got = mean_ci(xs, SHARE)
    assert 0.0 <= got["ci_low"] <= got["mean"] + 1e-12
    assert got["mean"] - 1e-12 <= got["ci_high"] <= 1.0


def test_a_sample_outside_its_support_is_an_error_not_something_to_cut() -> None:
    with pytest.raises(ValueError, match="outside its support"):
        mean_ci([0.5, 1.5], SHARE)
    with pytest.raises(ValueError, match="outside its support"):
        mean_estimate(np.array([[1.0, -2.0], [1.0, 3.0]]), NON_NEGATIVE)


def test_a_kpis_support_follows_its_name() -> None:
    shares = ("connect_rate", "opt_out_rate", "conversion", "voice_fallback_recovery")
    assert all(kpi_support(k) == SHARE for k in shares)
    counts = ("attempts", "sms_sent", "booked_revenue", "ai_minutes", "no_shows_prevented")
    assert all(kpi_support(k) == NON_NEGATIVE for k in counts)


def test_summarise_cuts_each_kpi_to_its_support() -> None:
    tables = [{"overall": {"sms_sent": v, "opt_out_rate": v / 100}, "by_use_case": {}} for v in
              [0] * 9 + [1]]  # fmt: skip
    got = summarise(tables)["overall"]
    assert got["sms_sent"]["ci_low"] == 0.0
    assert got["opt_out_rate"]["ci_low"] == 0.0


def test_an_estimate_is_cut_elementwise_and_keeps_its_nan_where_undefined() -> None:
    x = np.array([[0.0, 5.0, np.nan], [0.0, 6.0, 1.0], [1.0, 7.0, np.nan]])
    got = mean_estimate(x, NON_NEGATIVE)
    assert got.low is not None and got.high is not None
    assert got.low[0] == 0.0 and got.low[1] > 0.0 and math.isnan(got.low[2])
    assert got.value[2] == 1.0
