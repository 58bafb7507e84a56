"""Runs: one scenario to a run directory (replications, sweeps and executors build on this)."""

from __future__ import annotations

import platform
import time
from collections.abc import Callable
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any

import pyarrow as pa

from sim import metrics
from sim.engine import simulate_practice
from sim.eventlog import FORMAT_VERSION, patients_table, practices_table, write_run
from sim.scenario import Scenario

VERSIONED_PACKAGES = (
    "dentsim",
    "simpy",
    "numpy",
    "pyarrow",
    "pydantic",
    "faker",
    "holidays",
    "tzdata",
)


@dataclass(frozen=True, slots=True)
class RunResult:
    out_dir: Path
    kpis: dict[str, Any]
    manifest: dict[str, Any]


def package_versions() -> dict[str, str]:
    versions = {"python": platform.python_version()}
    for name in VERSIONED_PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "not installed"
    return versions


def run_scenario(
    scenario: Scenario, out_dir: Path, progress: Callable[[int], None] | None = None
) -> RunResult:
    """Simulate the scenario's practice and write its run directory (see docs/data.md)."""
    started = time.perf_counter()
    run = simulate_practice(scenario, 0, progress)
    simulated = time.perf_counter()
    tables: dict[str, pa.Table] = {
        "practices": practices_table([run.practice]),
        "patients": patients_table(run.patients, scenario.start_date),
        **run.tables,
    }
    kpis = metrics.kpis(tables)
    manifest: dict[str, Any] = {
        "format_version": FORMAT_VERSION,
        "scenario": scenario.resolved(),
        "seed": scenario.seed,
        "versions": package_versions(),
        "event_counts": {name: t.num_rows for name, t in tables.items()},
        "timings_s": {"simulate": round(simulated - started, 4)},
    }
    write_run(out_dir, tables, manifest, kpis)
    manifest["timings_s"]["total"] = round(time.perf_counter() - started, 4)
    return RunResult(out_dir, kpis, manifest)
