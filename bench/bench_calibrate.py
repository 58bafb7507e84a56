"""Benchmark `dentsim calibrate`: three figures of the 1,800-patient baseline practice, moved
away from what it simulates, fitted over 4 replications on 2 workers.

    python bench/bench_calibrate.py [--replications 4] [--workers 2]

Target: under 5 minutes, and each figure's simulated mean within its observed interval (the last
line says met or not met).
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from dentsim.calibration.fit import calibrate
from dentsim.calibration.observed import load_observed
from dentsim.scenario import load_scenario

TARGET_S = 300.0
ROOT = Path(__file__).resolve().parents[1]
# the baseline simulates about 40 % connect, 19 % recall conversion and 14.5 % no-shows
OBSERVED = """\
connect_rate: {rate: 0.44, calls: 5000}
conversion:
  recall: {rate: 0.22, patients: 800}
no_show_rate: {rate: 0.12, visits: 3000}
"""


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--replications", type=int, default=4)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "observed.yaml"
        path.write_text(OBSERVED, encoding="utf-8")
        observed = load_observed(path)
    scenario = load_scenario(ROOT / "scenarios" / "baseline.yaml")
    started = time.perf_counter()
    result = calibrate(scenario, observed, args.replications, args.workers)
    wall = time.perf_counter() - started
    for f in result.figures:
        o = f.observed
        print(
            f"{o.label:20} observed {o.rate:.4f} [{o.low:.4f}, {o.high:.4f}]  simulated "
            f"{f.simulated:.4f} [{f.low:.4f}, {f.high:.4f}]  {'within' if f.reached else 'OUT'}"
        )
    for p in result.parameters:
        print(f"{p.key:40} {p.start:.4g} -> {p.value:.4g}  (sd {p.sd})")
    print(f"{result.evaluations} evaluations of {result.replications} replications")
    met = wall <= TARGET_S and result.reached
    print(
        f"calibrate 3 figures: {wall:.0f} s (target {TARGET_S:.0f} s): {'met' if met else 'not met'}"
    )


if __name__ == "__main__":
    main()
