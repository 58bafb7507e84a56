"""Benchmark: the same group year on local processes and on a Dask LocalCluster (loopback),
with the same number of workers; target: Dask within 10 % of local.

    .venv/bin/python bench/bench_executors.py [--practices N] [--runs R] [--workers W]

Runs alternate local, dask, local, ...; Dask's wall time includes starting and closing its
LocalCluster, as a user's run does.
"""

from __future__ import annotations

import argparse

from bench_scaling import compare, load

from dentsim.experiments.executors import Executor


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--practices", type=int, default=16)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    before = load()
    local, dask = compare(
        args.practices, args.runs, Executor("local", args.workers), Executor("dask", args.workers)
    )
    print(
        f"{args.practices} practice-years on {args.workers} workers, median of {args.runs}: "
        f"local {local:.1f} s, dask {dask:.1f} s, dask / local {dask / local:.3f} "
        f"(target <= 1.10); load average before {before}, after {load()}"
    )


if __name__ == "__main__":
    main()
