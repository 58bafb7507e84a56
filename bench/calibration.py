"""Mean KPIs of a scenario over many seeds, against the industry's healthy bands.

    .venv/bin/python bench/calibration.py [SCENARIO] [--seeds 20] [--workers 2]

The bands are domain.md section 2's; docs/calibration.md records a run of this script.
"""

from __future__ import annotations

import argparse
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np

from sim import metrics
from sim.engine import simulate_practice
from sim.scenario import apply_overrides, load_scenario

ROOT = Path(__file__).resolve().parents[1]
BANDS: dict[tuple[str, str], tuple[float, float]] = {
    ("overall", "connect_rate"): (0.35, 0.45),
    ("overall", "opt_out_rate"): (0.0, 0.015),
    ("recall", "conversion"): (0.15, 0.25),
    ("treatment_plan", "conversion"): (0.18, 0.25),
    ("reactivation", "conversion"): (0.08, 0.12),
    ("confirmation", "voice_fallback_recovery"): (0.20, 0.30),
    ("overall", "attempts"): (6000, float("inf")),
}


def kpis_for(args: tuple[str, int]) -> dict[str, Any]:
    path, seed = args
    scenario = apply_overrides(load_scenario(path), {"seed": seed})
    return metrics.kpis(simulate_practice(scenario).tables)


def value(k: dict[str, Any], where: str, key: str) -> float:
    row = k["overall"] if where == "overall" else k["by_use_case"].get(where, {})
    v = row.get(key)
    return float("nan") if v is None else float(v)


def calibrate(path: str, seeds: int, workers: int) -> dict[tuple[str, str], np.ndarray]:
    with ProcessPoolExecutor(workers) as pool:
        runs = list(pool.map(kpis_for, [(path, s) for s in range(1, seeds + 1)]))
    return {band: np.array([value(k, *band) for k in runs]) for band in BANDS}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("scenario", nargs="?", default=str(ROOT / "scenarios" / "baseline.yaml"))
    parser.add_argument("--seeds", type=int, default=20)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    results = calibrate(args.scenario, args.seeds, args.workers)
    print(f"{'KPI':45} {'mean':>9} {'sd':>8}   band")
    for (where, key), values in results.items():
        lo, hi = BANDS[(where, key)]
        mean = float(np.nanmean(values))
        inside = "ok" if lo <= mean <= hi else "OUT"
        print(
            f"{where + '.' + key:45} {mean:9.4f} {np.nanstd(values):8.4f}   [{lo}, {hi}] {inside}"
        )


if __name__ == "__main__":
    main()
