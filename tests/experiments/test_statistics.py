"""The statistics behind replications: Student t intervals and replication seeds."""

from __future__ import annotations

import math

import numpy as np
import pytest

from dentsim.experiments.replications import replication_seed
from dentsim.results.stats import mean_ci, summarise, t_quantile


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
