"""Benchmark: one baseline practice-year (population generation included) side by side with the
bare-SimPy stand-in of the same contact count (bench/standin.py), in CPU time; and its peak RSS.

    .venv/bin/python bench/bench_practice_year.py [SCENARIO] [--runs 7] [--outcomes-only | --played]

Both modes by default: outcomes only (`dialogue.play: false`) and every answered call played with
its transcript kept in memory (`dialogue.play: true, dialogue.transcripts: true`). Per mode: one
warm-up of each, then the two alternate, `--runs` times each (at least 5 for a target figure); each
run starts from a collected heap and is timed with time.process_time. Targets (issue 14): the
practice-year at most 1.0x the stand-in with outcomes only, at most 1.5x with every call played;
at most 150 MB peak resident memory, read from a fresh process that runs one practice-year cold.
"""

from __future__ import annotations

import argparse
import gc
import resource
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path

from standin import standin

from dentsim.scenario import Scenario, apply_overrides, load_scenario
from dentsim.simulation.engine import simulate_practice

ROOT = Path(__file__).resolve().parents[1]
MODES = {  # mode -> (its overrides, the target ratio to the stand-in)
    "outcomes only": ({"dialogue.play": False}, 1.0),
    "every call played": ({"dialogue.play": True, "dialogue.transcripts": True}, 1.5),
}
MAX_RSS_MB = 150.0


def cpu_s(work: Callable[[], object]) -> float:
    gc.collect()  # the previous run's garbage is not charged to this one
    started = time.process_time()
    work()
    return time.process_time() - started


def attempts_of(scenario: Scenario) -> int:
    return int(simulate_practice(scenario).tables["attempts"].num_rows)


def compare(scenario: Scenario, runs: int) -> tuple[int, list[float], list[float]]:
    """CPU seconds of `runs` alternating practice-years and stand-ins, after a warm-up of each."""
    contacts = attempts_of(scenario)  # the warm-up, and the count the stand-in places
    standin(contacts, seed=0)
    year_s, standin_s = [], []
    for run in range(runs):
        year_s.append(cpu_s(partial(simulate_practice, scenario)))
        standin_s.append(cpu_s(partial(standin, contacts, seed=run)))
    return contacts, year_s, standin_s


def peak_rss_mb(scenario_path: str, mode: str) -> tuple[float, float]:
    """Peak resident memory (MB) of a fresh process that runs one practice-year of `mode`, and
    its peak before the run (interpreter, imports, the scenario)."""
    done = subprocess.run(
        [sys.executable, __file__, scenario_path, "--rss-child", mode],
        check=True,
        capture_output=True,
        text=True,
    )
    before, after = done.stdout.split()[-2:]
    return float(after), float(before)


def rss_child(scenario_path: str, mode: str) -> None:
    scenario = apply_overrides(load_scenario(scenario_path), MODES[mode][0])
    print(peak_rss_so_far_mb())
    simulate_practice(scenario)
    print(peak_rss_so_far_mb())


def peak_rss_so_far_mb() -> float:
    """This process's peak resident memory. Linux's VmHWM counts from exec; getrusage's ru_maxrss
    would also count the parent's memory at the fork (measured: the parent's 206 MB reported as
    the child's peak)."""
    try:
        status = Path("/proc/self/status").read_text(encoding="ascii")
    except OSError:  # not Linux
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024 / 1024  # macOS: bytes
    kb = next(line.split()[1] for line in status.splitlines() if line.startswith("VmHWM:"))
    return int(kb) / 1024


def spread(times: list[float]) -> str:
    return f"median {statistics.median(times):.3f} s (min {min(times):.3f}, max {max(times):.3f})"


def met(ok: bool) -> str:
    return "met" if ok else "NOT met"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("scenario", nargs="?", default=str(ROOT / "scenarios" / "baseline.yaml"))
    parser.add_argument("--runs", type=int, default=7)
    pick = parser.add_mutually_exclusive_group()
    pick.add_argument("--outcomes-only", action="store_true", help="Only dialogue.play: false")
    pick.add_argument("--played", action="store_true", help="Only every answered call played")
    parser.add_argument("--no-rss", action="store_true", help="Skip the peak-memory runs")
    parser.add_argument("--rss-child", choices=list(MODES), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.rss_child:
        rss_child(args.scenario, args.rss_child)
        return
    modes = list(MODES)
    if args.outcomes_only or args.played:
        modes = ["outcomes only" if args.outcomes_only else "every call played"]
    base = load_scenario(args.scenario)
    print(
        f"practice-year {base.name} vs bare-SimPy stand-in, CPU time, {args.runs} alternating "
        f"runs each after one warm-up{'' if args.runs >= 5 else ' (fewer than 5: no target figure)'}"
    )
    for mode in modes:
        overrides, target = MODES[mode]
        contacts, year_s, standin_s = compare(apply_overrides(base, overrides), args.runs)
        ratio = statistics.median(year_s) / statistics.median(standin_s)
        print(f"  {mode}: {contacts:,} contacts")
        print(f"    practice-year {spread(year_s)}")
        print(f"    stand-in      {spread(standin_s)}")
        print(f"    ratio {ratio:.2f}x (target at most {target:.1f}x: {met(ratio <= target)})")
    if not args.no_rss:
        for mode in modes:
            mb, before_mb = peak_rss_mb(args.scenario, mode)
            print(
                f"  peak RSS of one practice-year ({mode}, fresh process): {mb:.0f} MB, "
                f"{before_mb:.0f} MB of it before the run (target at most {MAX_RSS_MB:.0f} MB: "
                f"{met(mb <= MAX_RSS_MB)})"
            )


if __name__ == "__main__":
    main()
