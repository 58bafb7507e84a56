"""Benchmark: one baseline practice-year (population generation included), median of N runs.

    .venv/bin/python bench/bench_practice_year.py [SCENARIO] [--runs N] [--outcomes-only]

One warm-up run first (module imports and Faker's word lists load once per process).
Target: at most 0.5 s wall on one core of a 2-core machine.
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

from dentsim.scenario import apply_overrides, load_scenario
from dentsim.simulation.engine import simulate_practice

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("scenario", nargs="?", default=str(ROOT / "scenarios" / "baseline.yaml"))
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument(
        "--outcomes-only", action="store_true", help="Set dialogue.play: false (no words)"
    )
    args = parser.parse_args()
    scenario = load_scenario(args.scenario)
    if args.outcomes_only:
        scenario = apply_overrides(scenario, {"dialogue.play": False})
    words = "outcomes only" if not scenario.dialogue.play else "every answered call played"
    simulate_practice(scenario)
    times, attempts = [], 0
    for _ in range(args.runs):
        start = time.perf_counter()
        run = simulate_practice(scenario)
        times.append(time.perf_counter() - start)
        attempts = run.tables["attempts"].num_rows
    print(
        f"practice-year {scenario.name} ({words}): median {statistics.median(times):.3f} s "
        f"(min {min(times):.3f}, max {max(times):.3f}, {args.runs} runs), {attempts} attempts"
    )


if __name__ == "__main__":
    main()
