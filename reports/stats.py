"""Means and 95 % confidence intervals across replications (Student's t), elementwise."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

# two-sided 95 % Student t quantiles by degrees of freedom (1..30); beyond, a Cornish-Fisher step
_T975 = (
    12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228,
    2.201, 2.179, 2.160, 2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086,
    2.080, 2.074, 2.069, 2.064, 2.060, 2.056, 2.052, 2.048, 2.045, 2.042,
)  # fmt: skip


def t975(df: int) -> float:
    """The 97.5 % quantile of Student's t with `df` degrees of freedom."""
    if df < 1:
        return float("nan")
    if df <= len(_T975):
        return _T975[df - 1]
    z = 1.959964
    return z + (z**3 + z) / (4 * df) + (5 * z**5 + 16 * z**3 + 3 * z) / (96 * df**2)


@dataclass(frozen=True, slots=True)
class Estimate:
    """A value, and its 95 % interval when it is a mean over replications (else None)."""

    value: np.ndarray
    low: np.ndarray | None = None
    high: np.ndarray | None = None
    n: int = 1

    def __float__(self) -> float:
        return float(self.value)


def mean_ci(samples: np.ndarray) -> Estimate:
    """Mean over axis 0 and its t interval; NaN samples (undefined in a replication) are skipped."""
    x = np.asarray(samples, dtype=np.float64)
    if x.shape[0] == 1:
        return Estimate(x[0], None, None, 1)
    finite = np.isfinite(x)
    n = finite.sum(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.where(n > 0, np.nansum(x, axis=0) / np.maximum(n, 1), np.nan)
        var = np.nansum((x - mean) ** 2, axis=0) / np.maximum(n - 1, 1)
        half = np.vectorize(t975, otypes=[float])(n - 1) * np.sqrt(var / np.maximum(n, 1))
    half = np.where(n > 1, half, np.nan)
    return Estimate(mean, mean - half, mean + half, int(x.shape[0]))
