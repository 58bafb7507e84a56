"""Shared fixtures: the baseline scenario, shrunk where a test does not need a full practice-year."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from dentsim.scenario import Scenario, apply_overrides, load_scenario

ROOT = Path(__file__).resolve().parents[1]
BASELINE = ROOT / "scenarios" / "baseline.yaml"


@pytest.fixture(scope="session")
def baseline() -> Scenario:
    return load_scenario(BASELINE)


def small(scenario: Scenario, **overrides: Any) -> Scenario:
    """The scenario with fewer patients and days, plus dotted overrides (a__b means a.b)."""
    base = {"population.patients": 300, "days": 120}
    base.update({k.replace("__", "."): v for k, v in overrides.items()})
    return apply_overrides(scenario, base)
