"""Benchmark: a dental group's year on local processes or Dask; wall time and peak memory.

    .venv/bin/python bench/bench_group.py [SCENARIO] [--practices N] [--workers W]
                                          [--executor local|dask] [--keep DIR] [--outcomes-only]

Defaults: scenarios/dso_group.yaml (800-2,500 patients per practice) with its 20 practices.
The target run (issue 14) is a 1,000-practice group year, outcomes only, on 2 workers:

    .venv/bin/python bench/bench_group.py --practices 1000 --workers 2 --outcomes-only

at most 2 minutes wall and 2 GB peak memory (parent and workers together); the script says
whether each target is met (a run of another size or mode is measured, not judged). Peak memory
is the largest sum of resident memory over this process and all its descendants, sampled every
0.2 s with psutil (each worker's own peak comes from getrusage as a cross-check).
"""

from __future__ import annotations

import argparse
import contextlib
import resource
import shutil
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import psutil

from dentsim.experiments.executors import Executor
from dentsim.experiments.group import run_group
from dentsim.scenario import Scenario, apply_overrides, load_scenario

ROOT = Path(__file__).resolve().parents[1]
MB = 1024 * 1024
TARGET_PRACTICES, TARGET_WORKERS = 1000, 2
MAX_WALL_S, MAX_TREE_RSS_MB = 120.0, 2048.0


@dataclass(frozen=True, slots=True)
class Measured:
    """One group run, measured.

    Attributes:
        wall_s: wall time of the whole run.
        peak_tree_rss_mb: the largest summed RSS of parent and descendants, sampled.
        peak_worker_rss_mb: the largest single child's peak, from getrusage.
        practices: practice-years finished.
        failures: practice-years that failed.
        disk_mb: what the run wrote.
    """

    wall_s: float
    peak_tree_rss_mb: float
    peak_worker_rss_mb: float
    practices: int
    failures: int
    disk_mb: float


class TreeRss:
    """Samples the summed RSS of this process and all its descendants in a thread."""

    def __init__(self, interval_s: float = 0.2):
        self.interval_s = interval_s
        self.peak_bytes = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> TreeRss:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        me = psutil.Process()
        while not self._stop.is_set():
            total = 0
            for proc in [me, *me.children(recursive=True)]:
                with contextlib.suppress(psutil.Error):  # a worker that just exited
                    total += proc.memory_info().rss
            self.peak_bytes = max(self.peak_bytes, total)
            self._stop.wait(self.interval_s)


def group_scenario(path: str, practices: int | None, outcomes_only: bool = False) -> Scenario:
    scenario = load_scenario(path)
    if practices is not None:
        scenario = apply_overrides(scenario, {"group.practices": practices})
    if outcomes_only:  # calls' outcomes without their words: no transcripts to write
        scenario = apply_overrides(scenario, {"dialogue.play": False})
    return scenario


def measure(scenario: Scenario, executor: Executor, out_dir: Path) -> Measured:
    """Run the group into `out_dir` and measure it."""
    started = time.perf_counter()
    with TreeRss() as rss:
        result = run_group(scenario, out_dir, executor)
    wall_s = time.perf_counter() - started
    disk = sum(p.stat().st_size for p in out_dir.rglob("*") if p.is_file())
    children_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return Measured(
        wall_s,
        rss.peak_bytes / MB,
        children_kb / 1024,
        len(result.outcome.records),
        len(result.outcome.failures),
        disk / MB,
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("scenario", nargs="?", default=str(ROOT / "scenarios" / "dso_group.yaml"))
    parser.add_argument("--practices", type=int, help="Override group.practices (e.g. 1000)")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--executor", choices=["local", "dask"], default="local")
    parser.add_argument("--keep", help="Write the group here and keep it (default: a temp dir)")
    parser.add_argument(
        "--outcomes-only", action="store_true", help="Set dialogue.play: false (no transcripts)"
    )
    args = parser.parse_args()
    scenario = group_scenario(args.scenario, args.practices, args.outcomes_only)
    executor = Executor(args.executor, args.workers)
    out_dir = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="dentsim-group-"))
    try:
        m = measure(scenario, executor, out_dir)
    finally:
        if not args.keep:
            shutil.rmtree(out_dir, ignore_errors=True)
    assert scenario.group is not None
    words = "outcomes only" if not scenario.dialogue.play else "every answered call played"
    print(
        f"group {scenario.name} ({words}): {m.practices}/{scenario.group.practices} practices, "
        f"{executor.describe()}: {m.wall_s:.1f} s wall ({m.wall_s / max(m.practices, 1):.3f} s "
        f"per practice), peak RSS {m.peak_tree_rss_mb:.0f} MB (parent + workers), "
        f"largest worker {m.peak_worker_rss_mb:.0f} MB, {m.disk_mb:.0f} MB on disk, "
        f"{m.failures} failed"
    )
    is_target = (
        scenario.group.practices == TARGET_PRACTICES
        and args.workers == TARGET_WORKERS
        and not scenario.dialogue.play
    )
    for line in verdicts(m, is_target):
        print(line)


def verdicts(m: Measured, is_target: bool) -> list[str]:
    """One line per target: met or not, or why this run cannot say."""
    if not is_target:
        return [
            f"  targets ({MAX_WALL_S:.0f} s wall, {MAX_TREE_RSS_MB:.0f} MB peak RSS) are for "
            f"--practices {TARGET_PRACTICES} --workers {TARGET_WORKERS} --outcomes-only: not judged"
        ]
    whole = m.failures == 0 and m.practices == TARGET_PRACTICES
    return [
        f"  wall {m.wall_s:.1f} s, target at most {MAX_WALL_S:.0f} s: "
        f"{'met' if whole and m.wall_s <= MAX_WALL_S else 'NOT met'}",
        f"  peak RSS {m.peak_tree_rss_mb:.0f} MB, target at most {MAX_TREE_RSS_MB:.0f} MB: "
        f"{'met' if whole and m.peak_tree_rss_mb <= MAX_TREE_RSS_MB else 'NOT met'}",
    ]


if __name__ == "__main__":
    main()
