"""Benchmark: the compliance-stress scenario to millions of contacts, each practice-year audited
by `dentsim check`'s own audit (dentsim.api.audit), to zero violations.

    .venv/bin/python bench/bench_compliance_stress.py [--contacts 10000000] [--workers 2]

The target run (issue 14) is `--contacts 10000000 --workers 2`: at most 5 minutes wall, 0
violations. Practice-years of scenarios/compliance_stress.yaml (each practice index draws its own
patients) run in parallel processes until the contacts reach the target; each worker simulates a
year, writes its run directory as `dentsim run` does, audits it, deletes it when clean and hands
back only its counts, so neither memory nor disk grows with the contacts. A run directory with a
violation is kept, and its path printed. The wall time is split into simulate+write and audit in
proportion to the workers' time in each.
"""

from __future__ import annotations

import argparse
import functools
import gc
import shutil
import tempfile
import time
from collections import Counter
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from dataclasses import dataclass
from pathlib import Path

from dentsim.api import audit
from dentsim.compliance.audit import AuditReport
from dentsim.experiments.tasks import simulate_run, write_simulated
from dentsim.scenario import Scenario, load_scenario

ROOT = Path(__file__).resolve().parents[1]
STRESS = ROOT / "scenarios" / "compliance_stress.yaml"
TARGET_CONTACTS, TARGET_WORKERS, MAX_WALL_S = 10_000_000, 2, 300.0


@dataclass(frozen=True, slots=True)
class YearChecked:
    """One practice-year, simulated, written and audited in a worker.

    Attributes:
        index: the practice index.
        contacts: contacts the audit checked (rows of attempts.parquet).
        violations: violating contacts by rule id (rules without any left out).
        simulate_write_s: wall seconds to simulate and write the run directory.
        audit_s: wall seconds of the audit.
        kept: the run directory, when it was kept for its violations; else "".
    """

    index: int
    contacts: int
    violations: dict[str, int]
    simulate_write_s: float
    audit_s: float
    kept: str


@functools.cache  # once per worker process
def stress_scenario() -> Scenario:
    return load_scenario(STRESS)


def practice_year(index: int, out: str) -> YearChecked:
    """Simulate, write and audit one practice-year; delete its directory when it is clean."""
    run_dir = Path(out) / f"p{index:05d}"
    started = time.perf_counter()
    write_simulated(simulate_run(stress_scenario(), index), run_dir)
    written = time.perf_counter()
    report = audit(run_dir).report
    audited = time.perf_counter()
    assert isinstance(report, AuditReport)  # a single run directory
    violations = {r.rule_id: r.violations for r in report.results if r.violations}
    if not violations:
        shutil.rmtree(run_dir)
    gc.collect()  # a practice-year's reference cycles, before the worker's next task
    return YearChecked(
        index,
        report.contacts_checked,
        violations,
        written - started,
        audited - written,
        str(run_dir) if violations else "",
    )


def run_until(contacts: int, workers: int, out: str) -> list[YearChecked]:
    """Practice-years 0, 1, 2, ... on `workers` processes, one each in flight, until the
    finished ones hold `contacts` contacts."""
    done: list[YearChecked] = []
    with ProcessPoolExecutor(workers) as pool:
        running: set[Future[YearChecked]] = set()
        index = 0
        while True:
            while len(running) < workers and sum(y.contacts for y in done) < contacts:
                running.add(pool.submit(practice_year, index, out))
                index += 1
            if not running:
                return sorted(done, key=lambda y: y.index)
            finished, running = wait(running, return_when=FIRST_COMPLETED)
            done.extend(f.result() for f in finished)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--contacts", type=int, default=TARGET_CONTACTS)
    parser.add_argument("--workers", type=int, default=TARGET_WORKERS)
    args = parser.parse_args()
    out = tempfile.mkdtemp(prefix="dentsim-stress-")
    started = time.perf_counter()
    years = run_until(args.contacts, args.workers, out)
    wall_s = time.perf_counter() - started
    contacts = sum(y.contacts for y in years)
    violations = Counter[str]()
    for y in years:
        violations.update(y.violations)
    kept = [y.kept for y in years if y.kept]
    if not kept:
        shutil.rmtree(out)
    simulate_s = sum(y.simulate_write_s for y in years)
    audit_s = sum(y.audit_s for y in years)
    share = simulate_s / max(simulate_s + audit_s, 1e-9)
    print(
        f"compliance stress: {contacts:,} contacts in {len(years)} practice-years on "
        f"{args.workers} workers, {violations.total()} violations by dentsim check's audit"
        + (f" {dict(violations)}" if violations else "")
    )
    print(
        f"  {wall_s:.1f} s wall: simulate+write {wall_s * share:.1f} s, audit "
        f"{wall_s * (1 - share):.1f} s (worker seconds {simulate_s:.1f} and {audit_s:.1f})"
    )
    for path in kept:
        print(f"  kept for its violations: {path}")
    if args.contacts >= TARGET_CONTACTS and args.workers == TARGET_WORKERS:
        ok = wall_s <= MAX_WALL_S and not violations
        print(
            f"  target {TARGET_CONTACTS:,} contacts on {TARGET_WORKERS} workers in at most "
            f"{MAX_WALL_S:.0f} s with 0 violations: {'met' if ok else 'NOT met'}"
        )
    else:
        print(
            f"  the target is --contacts {TARGET_CONTACTS} --workers {TARGET_WORKERS} "
            f"(at most {MAX_WALL_S:.0f} s, 0 violations): not judged"
        )


if __name__ == "__main__":
    main()
