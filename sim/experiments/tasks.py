"""Practice-years as tasks: one scenario simulated and written to a run directory, and the task
that does so in a worker, checkpointed by a `done.json` written last.

A task hands back only that small record, so memory stays flat however many tasks there are,
and a rerun with `resume` skips every finished task. Executors (executors.py) run lists of
tasks; replications, dental groups and sweeps are such lists.
"""

from __future__ import annotations

import copy
import functools
import gc
import hashlib
import json
import os
import platform
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any

import pyarrow as pa

from dentsim.domain.population import population_seed
from dentsim.results import metrics
from dentsim.results.rundir import check_run_dir, replace_run, staging_dir
from dentsim.results.warnings import run_warnings
from dentsim.scenario import Scenario
from dentsim.simulation.engine import simulate_practice
from dentsim.simulation.eventlog import (
    FORMAT_VERSION,
    patients_table,
    practices_table,
    write_json,
    write_run,
)

VERSIONED_PACKAGES = (
    "dentsim",
    "simpy",
    "numpy",
    "pyarrow",
    "pydantic",
    "faker",
    "holidays",
    "tzdata",
    "scipy",  # the t quantiles of replicated kpis.json and sweep summaries
)
DONE = "done.json"
# Test-only fault hooks, read by the worker: a task whose key is named here kills its own worker
# process on its first attempt (a marker file beside its directory remembers the attempt), or
# raises on every attempt.
KILL_TASK_ENV = "DENTSIM_TEST_KILL_TASK"
FAIL_TASK_ENV = "DENTSIM_TEST_FAIL_TASK"


@dataclass(frozen=True, slots=True)
class RunResult:
    """A single-run directory, once written.

    Attributes:
        out_dir: the run directory.
        kpis: kpis.json's content.
        manifest: run.json's content.
    """

    out_dir: Path
    kpis: dict[str, Any]
    manifest: dict[str, Any]


def package_versions() -> dict[str, str]:
    return dict(_package_versions())  # a copy: callers put it into their manifests


@functools.cache  # installed versions do not change while a process runs (7 ms to look up)
def _package_versions() -> dict[str, str]:
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
    result, _ = write_practice_run(scenario, 0, out_dir, progress)
    return result


@dataclass(frozen=True, slots=True)
class SimulatedRun:
    """One practice-year simulated in memory: everything its run directory would hold.

    Attributes:
        scenario: the resolved scenario it ran.
        tables: the event tables, practices and patients (docs/data.md), as Arrow tables.
        kpis: kpis.json's content.
        manifest: run.json's content, less the `files` a write adds.
        transcripts: one record per played call, or None when the scenario keeps none.
    """

    scenario: Scenario
    tables: dict[str, pa.Table]
    kpis: dict[str, Any]
    manifest: dict[str, Any]
    transcripts: list[dict[str, Any]] | None


def simulate_run(
    scenario: Scenario, practice_index: int = 0, progress: Callable[[int], None] | None = None
) -> SimulatedRun:
    """Simulate one practice-year in memory, with its KPIs and manifest; nothing is written."""
    started = time.perf_counter()
    run = simulate_practice(scenario, practice_index, progress)
    simulated = time.perf_counter()
    tables: dict[str, pa.Table] = {
        "practices": practices_table([run.practice]),
        "patients": patients_table(run.patients, scenario.start_date),
        **run.tables,
    }
    manifest: dict[str, Any] = {
        "format_version": FORMAT_VERSION,
        "scenario": scenario.resolved(),
        "seed": scenario.seed,
        "population_seed": population_seed(scenario),
        "versions": package_versions(),
        "event_counts": {name: t.num_rows for name, t in tables.items()},
        "warnings": run_warnings(scenario, run.practice.name, tables) + run.agent_faults.warnings(),
        "timings_s": {"simulate": round(simulated - started, 4)},
    }
    transcripts = run.transcripts if scenario.dialogue.transcripts else None
    return SimulatedRun(
        scenario=scenario,
        tables=tables,
        kpis=metrics.kpis(tables),
        manifest=manifest,
        transcripts=transcripts,
    )


def write_simulated(run: SimulatedRun, out_dir: Path) -> RunResult:
    """Write a simulated practice-year as a single-run directory (run.json last), in place of
    whatever run the directory held; a directory that is not a dentsim result is refused."""
    check_run_dir(out_dir)
    manifest = copy.deepcopy(run.manifest)  # write_run adds `files`; the run keeps its own
    staging = staging_dir(out_dir)
    try:
        write_run(staging, run.tables, manifest, run.kpis, run.transcripts)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)  # a full disk leaves no half-written files
        raise
    replace_run(out_dir, staging)
    return RunResult(out_dir=out_dir, kpis=run.kpis, manifest=manifest)


def write_practice_run(
    scenario: Scenario,
    practice_index: int,
    out_dir: Path,
    progress: Callable[[int], None] | None = None,
) -> tuple[RunResult, dict[str, pa.Table]]:
    """Simulate one practice-year and write its single-run directory; also return its tables.

    A directory that cannot take the run is refused before the simulation; the previous run is
    replaced only once this one is simulated and written, so a failure or a kill leaves it whole.
    """
    check_run_dir(out_dir)
    started = time.perf_counter()
    run = simulate_run(scenario, practice_index, progress)
    result = write_simulated(run, out_dir)
    result.manifest["timings_s"]["total"] = round(time.perf_counter() - started, 4)
    return result, run.tables


# --- tasks -------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PracticeTask:
    """One practice-year to simulate into `out_root / key`, checkpointed by a done.json there.

    Attributes:
        key: the task's directory under the output directory, e.g. "replications/r003".
        label: for people: "replication 3, seed 123".
        scenario: the scenario it runs, seed included.
        out_root: the output directory.
        practice_index: the practice's index (its id; a group's practices differ).
        extras: extra small results computed from the tables in the worker (a top-level
            function, so that it pickles), kept in done.json's `extras`.
    """

    key: str
    label: str
    scenario: Scenario
    out_root: Path
    practice_index: int = 0
    extras: Callable[[dict[str, pa.Table]], dict[str, Any]] | None = None

    @property
    def task_dir(self) -> Path:
        return self.out_root / self.key


def scenario_digest(scenario: Scenario) -> str:
    """A fingerprint of the resolved scenario: a checkpoint is reused only for the same one."""
    text = json.dumps(scenario.resolved(), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


def run_task(task: PracticeTask) -> dict[str, Any]:
    """Worker side: simulate, write the task directory, then its done.json; return that record."""
    try:
        return _run_task(task)
    finally:
        # A practice-year leaves hundreds of MB of reference cycles (the model and its SimPy
        # processes). Left to the generational collector, they pile up in a long-lived worker
        # task after task; collected here, a worker's memory stays flat. What survives the
        # collection (modules, loaded data, caches) is frozen, so that the next task's
        # collection skips it: 15 ms instead of 45 ms per task, measured.
        gc.collect()
        gc.freeze()


def _run_task(task: PracticeTask) -> dict[str, Any]:
    _injected_faults(task)
    if task.task_dir.exists():
        shutil.rmtree(task.task_dir)  # a partial directory from an interrupted attempt
    started = time.perf_counter()
    result, tables = write_practice_run(task.scenario, task.practice_index, task.task_dir)
    practice = tables["practices"].to_pylist()[0]
    record = {
        "key": task.key,
        "label": task.label,
        "seed": task.scenario.seed,
        "population_seed": population_seed(task.scenario),
        "practice_index": task.practice_index,
        "scenario_sha256": scenario_digest(task.scenario),
        "practice": {
            "practice_id": practice["practice_id"],
            "name": practice["name"],
            "state": practice["state"],
            "tz": practice["tz"],
            "patients": tables["patients"].num_rows,
            "providers": task.scenario.practice.providers,
            "hygiene_chairs": task.scenario.practice.hygiene_chairs,
        },
        "event_counts": result.manifest["event_counts"],
        "warnings": result.manifest["warnings"],
        "kpis": result.kpis,
        "extras": task.extras(tables) if task.extras is not None else {},
        "elapsed_s": round(time.perf_counter() - started, 4),
    }
    write_json(record, task.task_dir / DONE)
    return record


def _injected_faults(task: PracticeTask) -> None:
    if os.environ.get(FAIL_TASK_ENV) == task.key:
        raise RuntimeError(f"injected failure ({FAIL_TASK_ENV})")
    if os.environ.get(KILL_TASK_ENV) == task.key:
        marker = task.task_dir.with_name(f".{task.task_dir.name}.killed")
        if not marker.exists():
            marker.parent.mkdir(parents=True, exist_ok=True)
            marker.touch()
            os._exit(17)


def finished_record(task: PracticeTask) -> dict[str, Any] | None:
    """The task's checkpoint, when it finished before with the same scenario; else None."""
    path = task.task_dir / DONE
    try:
        record = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    same = record.get("key") == task.key and record.get("scenario_sha256") == scenario_digest(
        task.scenario
    )
    return record if same else None
