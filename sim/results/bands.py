"""The industry's healthy bands for a calling programme (domain.md section 2), as data.

Calibration (bench/calibration.py, tests/test_calibration.py) and reports compare KPIs to these.
"""

from __future__ import annotations

from typing import Any

from dentsim.results import kpitable

# (scope, KPI) -> (low, high); scope is "overall" or a use case
HEALTHY_BANDS: dict[tuple[str, str], tuple[float, float]] = {
    ("overall", "connect_rate"): (0.35, 0.45),
    ("overall", "opt_out_rate"): (0.0, 0.015),
    ("recall", "conversion"): (0.15, 0.25),
    ("treatment_plan", "conversion"): (0.18, 0.25),
    ("reactivation", "conversion"): (0.08, 0.12),
    ("confirmation", "voice_fallback_recovery"): (0.20, 0.30),
    ("overall", "attempts"): (6000.0, float("inf")),
}
OPT_OUT_REWORK_RATE = 0.03  # above this, scripts or frequency need rework


def kpi_value(kpis: dict[str, Any], scope: str, key: str) -> float:
    """A KPI from a kpis.json-shaped mapping as a number; NaN when the use case did not run."""
    value = kpitable.kpi_value(kpis, scope, key)
    return float("nan") if value is None else float(value)
