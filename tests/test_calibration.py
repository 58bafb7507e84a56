"""The baseline reproduces the industry's healthy bands over 20 seeds, from per-patient mechanisms.

Tolerance: the mean over 20 seeds must fall inside the band itself (domain.md section 2); the
aggressive and unknown-caller-ID scenarios must move their KPIs the way real programmes do.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

from dentsim.results.bands import HEALTHY_BANDS, OPT_OUT_REWORK_RATE, kpi_value
from dentsim.scenario import load_scenario
from tests.conftest import ROOT

sys.path.insert(0, str(ROOT / "bench"))
from calibration import over_seeds  # noqa: E402

SCENARIOS = ROOT / "scenarios"


@pytest.fixture(scope="module")
def baseline_runs() -> list[dict]:
    return over_seeds(load_scenario(SCENARIOS / "baseline.yaml"), seeds=20)


@pytest.mark.parametrize("band", sorted(HEALTHY_BANDS), ids=lambda b: f"{b[0]}.{b[1]}")
def test_baseline_mean_over_20_seeds_is_inside_the_healthy_band(
    baseline_runs: list[dict], band: tuple[str, str]
) -> None:
    lo, hi = HEALTHY_BANDS[band]
    mean = float(np.nanmean([kpi_value(k, *band) for k in baseline_runs]))
    assert lo <= mean <= hi, f"{band}: mean {mean:.4f} outside [{lo}, {hi}]"


def mean_of(path: Path, scope: str, key: str, seeds: int = 4) -> float:
    return float(
        np.mean([kpi_value(k, scope, key) for k in over_seeds(load_scenario(path), seeds)])
    )


def test_an_aggressive_strategy_pushes_opt_outs_above_three_percent() -> None:
    assert mean_of(SCENARIOS / "aggressive.yaml", "overall", "opt_out_rate") > OPT_OUT_REWORK_RATE


def test_an_unknown_caller_id_lowers_the_connect_rate(baseline_runs: list[dict]) -> None:
    known = float(np.mean([kpi_value(k, "overall", "connect_rate") for k in baseline_runs[:4]]))
    assert mean_of(SCENARIOS / "unknown_caller_id.yaml", "overall", "connect_rate") < known - 0.05
