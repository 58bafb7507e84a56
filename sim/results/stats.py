"""Means and two-sided Student t confidence intervals (scipy.stats), the one place for both:
kpis.json of replicated runs and sweep summaries, and the report's figures over replications.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
from scipy import stats

from dentsim.results.kpitable import kpi_names, kpi_value, nest

CONFIDENCE = 0.95


def t_quantile(df: int, confidence: float = CONFIDENCE) -> float:
    """The half-width factor of a two-sided Student t interval: P(|T| <= q) = confidence."""
    return float(_t_quantiles(np.asarray(df), confidence))


def _t_quantiles(df: npt.NDArray[Any], confidence: float = CONFIDENCE) -> npt.NDArray[np.float64]:
    """t_quantile elementwise; NaN where df < 1."""
    return np.asarray(stats.t.ppf(0.5 + confidence / 2, df), dtype=np.float64)


@dataclass(frozen=True, slots=True)
class Estimate:
    """A value, and its interval when it is a mean over replications; elementwise over arrays.

    Attributes:
        value: the mean over replications (the value itself for a single run).
        low: the lower end of the 95 % Student t interval; None for a single run, NaN where
            fewer than two replications had a value.
        high: the upper end, likewise.
        n: the number of replications.
    """

    value: np.ndarray
    low: np.ndarray | None = None
    high: np.ndarray | None = None
    n: int = 1

    def __float__(self) -> float:
        return float(self.value)


def mean_estimate(samples: npt.ArrayLike) -> Estimate:
    """Mean over axis 0 and its t interval; NaN samples (undefined in a replication) are skipped."""
    x = np.asarray(samples, dtype=np.float64)
    if x.shape[0] == 1:
        return Estimate(value=x[0], n=1)
    n = np.isfinite(x).sum(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.where(n > 0, np.nansum(x, axis=0) / np.maximum(n, 1), np.nan)
        var = np.nansum((x - mean) ** 2, axis=0) / np.maximum(n - 1, 1)
        half = _t_quantiles(n - 1) * np.sqrt(var / np.maximum(n, 1))
    half = np.where(n > 1, half, np.nan)
    return Estimate(value=mean, low=mean - half, high=mean + half, n=int(x.shape[0]))


def mean_ci(values: Sequence[float | int | None]) -> dict[str, Any]:
    """Mean and 95 % Student t interval of the values that are not None; n counts them.

    The entry of a replicated kpis.json and of a sweep's summary: {mean, ci_low, ci_high, n}.
    """
    xs = np.array([v for v in values if v is not None], dtype=np.float64)
    if len(xs) == 0:
        return {"mean": None, "ci_low": None, "ci_high": None, "n": 0}
    estimate = mean_estimate(xs)
    if estimate.low is None or estimate.high is None:
        return {"mean": float(estimate.value), "ci_low": None, "ci_high": None, "n": 1}
    return {
        "mean": float(estimate.value),
        "ci_low": float(estimate.low),
        "ci_high": float(estimate.high),
        "n": len(xs),
    }


def summarise(kpis: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """Replications' KPI tables -> {"overall": {KPI: {mean, ci_low, ci_high, n}}, "by_use_case"}."""
    return nest({(s, k): mean_ci([kpi_value(t, s, k) for t in kpis]) for s, k in kpi_names(kpis)})
