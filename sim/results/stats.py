"""Means over replications and their 95 % intervals (scipy.stats), the one place for both:
kpis.json of replicated runs and sweep summaries, and the report's figures over replications.

The interval is Student's t, two-sided, cut to the quantity's support (a count is never below
zero, a rate never above one). The true mean lies in the support, so the cut interval holds it
exactly as often as the whole one: the same 95 % coverage, and no impossible end. Why t and not
a bootstrap for 2-50 replications: docs/experiments.md, "Intervals".
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
from scipy import stats

from dentsim.results.kpitable import kpi_names, kpi_value, nest

CONFIDENCE = 0.95

Support = tuple[float, float]
"""The values a quantity can take, (lowest, highest); an interval never leaves them."""
ANY: Support = (-math.inf, math.inf)  # differences, net returns
NON_NEGATIVE: Support = (0.0, math.inf)  # counts, money, time
SHARE: Support = (0.0, 1.0)  # rates and shares

SHARE_KPIS = ("conversion",)
SHARE_KPI_SUFFIXES = ("_rate", "_recovery")


def kpi_support(name: str) -> Support:
    """A KPI's support by its name: rates and conversions are shares, every other KPI (counts,
    revenue, minutes, a median wait) is never negative (dentsim.results.metrics)."""
    return SHARE if name in SHARE_KPIS or name.endswith(SHARE_KPI_SUFFIXES) else NON_NEGATIVE


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
        low: the lower end of the 95 % Student t interval, cut to the quantity's support; None
            for a single run, NaN where fewer than two replications had a value.
        high: the upper end, likewise.
        n: the number of replications.
    """

    value: np.ndarray
    low: np.ndarray | None = None
    high: np.ndarray | None = None
    n: int = 1

    def __float__(self) -> float:
        return float(self.value)


def mean_estimate(samples: npt.ArrayLike, support: Support = ANY) -> Estimate:
    """Mean over axis 0 and its t interval cut to `support`; NaN samples (undefined in a
    replication) are skipped. A sample outside `support` is an error, not something to cut."""
    x = np.asarray(samples, dtype=np.float64)
    lowest, highest = support
    outside = np.isfinite(x) & ((x < lowest) | (x > highest))
    if outside.any():
        raise ValueError(f"a sample ({x[outside].flat[0]!r}) lies outside its support {support}")
    if x.shape[0] == 1:
        return Estimate(value=x[0], n=1)
    n = np.isfinite(x).sum(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.where(n > 0, np.nansum(x, axis=0) / np.maximum(n, 1), np.nan)
        var = np.nansum((x - mean) ** 2, axis=0) / np.maximum(n - 1, 1)
        half = _t_quantiles(n - 1) * np.sqrt(var / np.maximum(n, 1))
    half = np.where(n > 1, half, np.nan)
    return Estimate(
        value=mean,
        low=np.clip(mean - half, lowest, highest),
        high=np.clip(mean + half, lowest, highest),
        n=int(x.shape[0]),
    )


def mean_ci(values: Sequence[float | int | None], support: Support = ANY) -> dict[str, Any]:
    """Mean and 95 % Student t interval (cut to `support`) of the values that are not None;
    n counts them.

    The entry of a replicated kpis.json and of a sweep's summary: {mean, ci_low, ci_high, n}.
    """
    xs = np.array([v for v in values if v is not None], dtype=np.float64)
    if len(xs) == 0:
        return {"mean": None, "ci_low": None, "ci_high": None, "n": 0}
    estimate = mean_estimate(xs, support)
    if estimate.low is None or estimate.high is None:
        return {"mean": float(estimate.value), "ci_low": None, "ci_high": None, "n": 1}
    return {
        "mean": float(estimate.value),
        "ci_low": float(estimate.low),
        "ci_high": float(estimate.high),
        "n": len(xs),
    }


def summarise(kpis: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """Replications' KPI tables -> {"overall": {KPI: {mean, ci_low, ci_high, n}}, "by_use_case"};
    each interval cut to its KPI's support (`kpi_support`)."""
    return nest(
        {
            (s, k): mean_ci([kpi_value(t, s, k) for t in kpis], kpi_support(k))
            for s, k in kpi_names(kpis)
        }
    )
