"""Benchmark: the same group year on 1 and on 2 local workers; target speed-up at least 1.8.

    .venv/bin/python bench/bench_scaling.py [--practices N] [--runs R]

The two configurations alternate, R runs each (default 3), on fresh process pools, and their
medians are compared; pool start-up (spawned workers importing the simulator) is part of a run.
The load average is printed too: on a shared machine other processes take cores from the
workers, and the speed-up means little when the load before the run was not near 0.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import tempfile
from pathlib import Path
from typing import Literal

from bench_group import ROOT, group_scenario, measure

from dentsim.experiments.executors import Executor

Kind = Literal["local", "dask"]


def wall_s(practices: int, executor: Executor) -> float:
    scenario = group_scenario(str(ROOT / "scenarios" / "dso_group.yaml"), practices)
    out = Path(tempfile.mkdtemp(prefix="dentsim-bench-"))
    try:
        return measure(scenario, executor, out).wall_s
    finally:
        shutil.rmtree(out, ignore_errors=True)


def compare(practices: int, runs: int, a: Executor, b: Executor) -> tuple[float, float]:
    """Median wall seconds of `a` and of `b`, runs alternating a, b, a, b, ..."""
    times: tuple[list[float], list[float]] = ([], [])
    for _ in range(runs):
        times[0].append(wall_s(practices, a))
        times[1].append(wall_s(practices, b))
    return statistics.median(times[0]), statistics.median(times[1])


def load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--practices", type=int, default=16)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    before = load()
    one, two = compare(args.practices, args.runs, Executor("local", 1), Executor("local", 2))
    print(
        f"{args.practices} practice-years, median of {args.runs}: 1 worker {one:.1f} s, "
        f"2 workers {two:.1f} s, speed-up {one / two:.2f} (target >= 1.8); "
        f"load average before {before}, after {load()}"
    )


if __name__ == "__main__":
    main()
