"""The directory of a many-run result (replications, a dental group, a sweep): readied before its
tasks run, and its kpis.json and run.json written once they have (run.json last).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from dentsim.domain.population import population_seed
from dentsim.experiments.executors import Executor, TaskFailure, TaskOutcome
from dentsim.experiments.tasks import PracticeTask, package_versions
from dentsim.results.rundir import prepare_run_dir
from dentsim.scenario import Scenario
from dentsim.simulation.eventlog import FORMAT_VERSION, write_json


@dataclass(frozen=True, slots=True)
class ExperimentResult:
    """A replicated run, a group or a sweep, once written.

    Attributes:
        out_dir: the result directory.
        kpis: the summary written to kpis.json (summary.json for a sweep).
        manifest: run.json's content.
        outcome: what the executor reports: finished records, failures, timings.
    """

    out_dir: Path
    kpis: dict[str, Any]
    manifest: dict[str, Any]
    outcome: TaskOutcome


def begin_experiment(out_dir: Path, tasks: Sequence[PracticeTask]) -> None:
    """Ready DIR before any task runs (dentsim.results.rundir.prepare_run_dir): refuse a folder
    that is not a dentsim result, drop its run.json (written again when the run completes) and
    every file of a previous run, except the folders of `tasks` (a resumed run reuses the
    finished ones; the others are rewritten)."""
    prepare_run_dir(out_dir, keep=[t.task_dir for t in tasks])


def finish_experiment(
    out_dir: Path, kpis: dict[str, Any], scenario: Scenario, records: Sequence[dict[str, Any]],
    outcome: TaskOutcome, executor: Executor, fields: dict[str, Any],
    files: Sequence[str] = (),
) -> ExperimentResult:  # fmt: skip
    """Write a replicated run's or a group's kpis.json, then its run.json (last: a run.json
    means the directory is complete); `fields` are the kind's own manifest fields, `files` the
    other files it wrote in DIR."""
    manifest = {
        "format_version": FORMAT_VERSION,
        **fields,
        "scenario": scenario.resolved(),
        "seed": scenario.seed,
        "population_seed": population_seed(scenario),
        "versions": package_versions(),
        "event_counts": summed_counts(records),
        "failures": [failure_entry(f) for f in outcome.failures],
        "resumed_tasks": outcome.resumed,
        "warnings": gathered_warnings(records),
        "executor": executor.describe(),
        "timings_s": {"total": outcome.wall_s},
        "files": [*files, "kpis.json"],
        "runs": listed_runs(records),
    }
    write_json(kpis, out_dir / "kpis.json")
    write_json(manifest, out_dir / "run.json")
    return ExperimentResult(out_dir=out_dir, kpis=kpis, manifest=manifest, outcome=outcome)


def gathered_warnings(records: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """run.json's `warnings` of a many-run result: each practice-year's, with its folder."""
    return [{"run": r["key"], **w} for r in records for w in r.get("warnings", [])]


def listed_runs(records: Iterable[dict[str, Any]]) -> list[dict[str, str]]:
    """run.json's `runs`: the folder and label of every finished practice-year, in task order."""
    return [{"dir": r["key"], "label": r["label"]} for r in records]


def summed_counts(records: Iterable[dict[str, Any]]) -> dict[str, int]:
    total: dict[str, int] = {}
    for record in records:
        for name, n in record["event_counts"].items():
            total[name] = total.get(name, 0) + int(n)
    return total


def failure_entry(failure: TaskFailure) -> dict[str, str]:
    return {"task": failure.key, "label": failure.label, "error": failure.error}
