"""Benchmark: the compliance-stress scenario to at least 1 million contacts, audited to zero.

    .venv/bin/python bench/bench_compliance_stress.py [--contacts 1000000] [--workers 2]

Simulates practice-years of scenarios/compliance_stress.yaml (each practice index draws its own
patients) in parallel processes until the contacts reach the target, writes each run directory,
audits each with `dentsim.compliance.audit.audit_run`, and prints the contacts, the violations per rule (the
target is none) and the wall time.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from collections import Counter
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from dentsim.compliance.audit import audit_run
from dentsim.results import metrics
from dentsim.scenario import load_scenario
from dentsim.simulation.engine import simulate_practice
from dentsim.simulation.eventlog import patients_table, practices_table, write_run

ROOT = Path(__file__).resolve().parents[1]
STRESS = ROOT / "scenarios" / "compliance_stress.yaml"


def practice_year(args: tuple[int, str]) -> tuple[int, dict[str, int]]:
    """Simulate and audit one practice-year; return its contacts and violations by rule."""
    index, out = args
    scenario = load_scenario(STRESS)
    run = simulate_practice(scenario, index)
    tables = {
        "practices": practices_table([run.practice]),
        "patients": patients_table(run.patients, scenario.start_date),
        **run.tables,
    }
    run_dir = Path(out) / f"p{index:04d}"
    manifest = {"format_version": 1, "scenario": scenario.resolved(), "seed": scenario.seed}
    write_run(run_dir, tables, manifest, metrics.kpis(tables))
    report = audit_run(run_dir)
    return report.contacts_checked, {
        r.rule_id: r.violations for r in report.results if r.violations
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--contacts", type=int, default=1_000_000)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    started = time.perf_counter()
    contacts, years, violations = 0, 0, Counter[str]()
    with tempfile.TemporaryDirectory() as out, ProcessPoolExecutor(args.workers) as pool:
        index = 0
        while contacts < args.contacts:
            batch = [(index + i, out) for i in range(args.workers * 2)]
            index += len(batch)
            for n, found in pool.map(practice_year, batch):
                contacts += n
                years += 1
                violations.update(found)
    wall = time.perf_counter() - started
    print(
        f"compliance stress: {contacts:,} contacts in {years} practice-years, "
        f"{sum(violations.values())} violations {dict(violations) or ''}, {wall:.0f} s wall "
        f"on {args.workers} workers"
    )


if __name__ == "__main__":
    main()
