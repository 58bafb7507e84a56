"""Mean KPIs of a scenario over many seeds, against the industry's healthy bands.

    .venv/bin/python bench/calibration.py [SCENARIO] [--seeds 20] [--workers 2]

docs/calibration.md records a run of this script for scenarios/baseline.yaml.
"""

from __future__ import annotations

import argparse
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np

from dentsim.results import metrics
from dentsim.results.bands import HEALTHY_BANDS, kpi_value
from dentsim.scenario import Scenario, apply_overrides, load_scenario
from dentsim.simulation.engine import simulate_practice

ROOT = Path(__file__).resolve().parents[1]


def kpis_for(args: tuple[Scenario, int]) -> dict[str, Any]:
    scenario, seed = args
    return metrics.kpis(simulate_practice(apply_overrides(scenario, {"seed": seed})).tables)


def over_seeds(scenario: Scenario, seeds: int, workers: int = 2) -> list[dict[str, Any]]:
    """The KPIs of `scenario` under seeds 1..seeds, run in parallel processes."""
    with ProcessPoolExecutor(workers) as pool:
        return list(pool.map(kpis_for, [(scenario, s) for s in range(1, seeds + 1)]))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("scenario", nargs="?", default=str(ROOT / "scenarios" / "baseline.yaml"))
    parser.add_argument("--seeds", type=int, default=20)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    runs = over_seeds(load_scenario(args.scenario), args.seeds, args.workers)
    print(f"{'KPI':45} {'mean':>10} {'sd':>8}   band")
    for (scope, key), (lo, hi) in HEALTHY_BANDS.items():
        values = np.array([kpi_value(k, scope, key) for k in runs])
        mean = float(np.nanmean(values))
        inside = "ok" if lo <= mean <= hi else "OUT"
        print(
            f"{scope + '.' + key:45} {mean:10.4f} {np.nanstd(values):8.4f}   [{lo}, {hi}] {inside}"
        )


if __name__ == "__main__":
    main()
