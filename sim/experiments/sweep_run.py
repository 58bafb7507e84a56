"""Running a sweep: every (variant, replication) as a task, then the sweep's result files:
results.parquet, summary.json, summary.parquet, pareto.json, sweep.json, failures.json and
timings.json (see docs/experiments.md), with paired differences from the base variant.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pyarrow as pa

from dentsim.experiments.executors import Executor, Progress, run_tasks
from dentsim.experiments.experiment_dir import (
    ExperimentResult,
    begin_experiment,
    failure_entry,
    gathered_warnings,
    listed_runs,
)
from dentsim.experiments.sweep_file import BASE, Sweep
from dentsim.results.kpitable import kpi_names, kpi_value, nest
from dentsim.results.rundir import SWEEP_FILES, SWEEP_MANIFEST
from dentsim.results.stats import ANY, CONFIDENCE, kpi_support, mean_ci
from dentsim.simulation.eventlog import FORMAT_VERSION, write_json, write_parquet

PARETO_MAX, PARETO_MIN = "bookings", "opt_out_rate"


def run_sweep(
    sweep: Sweep,
    out_dir: Path,
    executor: Executor | None = None,
    resume: bool = False,
    progress: Progress | None = None,
) -> ExperimentResult:
    """Run every (variant, replication) and write the sweep's result files, run.json last.

    Every file but timings.json and run.json is a function of the sweep alone: byte-identical
    whatever the executor, the number of workers, or the order tasks finish in.
    """
    executor = executor or Executor()
    tasks = sweep.tasks(out_dir)
    begin_experiment(out_dir, tasks)
    write_json(sweep.resolved(), out_dir / SWEEP_MANIFEST)
    outcome = run_tasks(tasks, executor, resume, progress)
    by_key = {t.key: (v, r) for t, (v, r) in zip(tasks, _pairs(sweep), strict=True)}
    kpis: dict[tuple[str, int], dict[str, Any]] = {}
    for task in tasks:
        if task.key in outcome.records:
            kpis[by_key[task.key]] = outcome.records[task.key]["kpis"]
    summary = summarise_sweep(sweep, kpis)
    write_parquet(results_table(sweep, kpis), out_dir / "results.parquet")
    write_parquet(summary_table(summary), out_dir / "summary.parquet")
    write_json(summary, out_dir / "summary.json")
    write_json(pareto(summary), out_dir / "pareto.json")
    write_json(
        [
            {"variant": by_key[f.key][0], "replication": by_key[f.key][1], "task": f.key}
            | {"seed": sweep.seeds[by_key[f.key][1]], "error": f.error}
            for f in outcome.failures
        ],
        out_dir / "failures.json",
    )
    write_json(
        {
            "executor": executor.describe(),
            "wall_s": outcome.wall_s,
            "tasks": len(tasks),
            "resumed_tasks": outcome.resumed,
            "task_s": {t.key: outcome.task_s[t.key] for t in tasks if t.key in outcome.task_s},
        },
        out_dir / "timings.json",
    )
    manifest = {
        "format_version": FORMAT_VERSION,
        "kind": "sweep",
        "sweep": sweep.name,
        "failures": [failure_entry(f) for f in outcome.failures],
        "files": [SWEEP_MANIFEST, *SWEEP_FILES],
        "runs": listed_runs(outcome.in_order(tasks)),
        "warnings": gathered_warnings(outcome.in_order(tasks)),
    }
    write_json(manifest, out_dir / "run.json")  # last: a run.json means the sweep is complete
    return ExperimentResult(out_dir=out_dir, kpis=summary, manifest=manifest, outcome=outcome)


def _pairs(sweep: Sweep) -> list[tuple[str, int]]:
    return [(v.name, r) for v in sweep.variants for r in range(sweep.replications)]


def results_table(sweep: Sweep, kpis: dict[tuple[str, int], dict[str, Any]]) -> pa.Table:
    """results.parquet: one row per variant, replication, scope and KPI."""
    cols: dict[str, list[Any]] = {k: [] for k in ("variant", "replication", "seed", "scope")}
    cols |= {"kpi": [], "value": []}
    for variant, r in _pairs(sweep):
        table = kpis.get((variant, r))
        if table is None:
            continue
        for scope, kpi in kpi_names([table]):
            value = kpi_value(table, scope, kpi)
            for column, item in zip(
                cols,
                (variant, r, sweep.seeds[r], scope, kpi, None if value is None else float(value)),
                strict=True,
            ):
                cols[column].append(item)
    types = (pa.string(), pa.int32(), pa.int64(), pa.string(), pa.string(), pa.float64())
    return pa.table({c: pa.array(v, t) for (c, v), t in zip(cols.items(), types, strict=True)})


def summarise_sweep(sweep: Sweep, kpis: dict[tuple[str, int], dict[str, Any]]) -> dict[str, Any]:
    """Per variant, scope and KPI: mean and 95 % interval (cut to the KPI's support), and the
    paired difference from the base variant over the replications both finished (same seed,
    same patients)."""
    replications = range(sweep.replications)
    variants: dict[str, Any] = {}
    for v in sweep.variants:
        tables = [kpis[(v.name, r)] for r in replications if (v.name, r) in kpis]
        flat: dict[tuple[str, str], Any] = {}
        for scope, kpi in kpi_names(tables):
            mine = [_value(kpis.get((v.name, r)), scope, kpi) for r in replications]
            base = [_value(kpis.get((BASE, r)), scope, kpi) for r in replications]
            diffs = [
                a - b for a, b in zip(mine, base, strict=True) if a is not None and b is not None
            ]
            diff = mean_ci(diffs, ANY)  # a difference may take either sign
            flat[(scope, kpi)] = mean_ci(mine, kpi_support(kpi)) | {
                "diff_mean": diff["mean"],
                "diff_ci_low": diff["ci_low"],
                "diff_ci_high": diff["ci_high"],
                "diff_n": diff["n"],
            }
        variants[v.name] = nest(flat)
    return {
        "sweep": sweep.name,
        "base_variant": BASE,
        "replications": sweep.replications,
        "confidence": CONFIDENCE,
        "variants": variants,
    }


def _value(table: dict[str, Any] | None, scope: str, kpi: str) -> float | None:
    value = kpi_value(table, scope, kpi) if table is not None else None
    return None if value is None else float(value)


SUMMARY_FIELDS = (
    "n", "mean", "ci_low", "ci_high", "diff_n", "diff_mean", "diff_ci_low", "diff_ci_high",
)  # fmt: skip


def summary_table(summary: dict[str, Any]) -> pa.Table:
    """summary.parquet: summary.json flattened, one row per variant, scope and KPI."""
    rows = []
    for variant, table in summary["variants"].items():
        for scope, kpi in kpi_names([table]):
            entry = kpi_value(table, scope, kpi)
            rows.append({"variant": variant, "scope": scope, "kpi": kpi} | entry)
    schema = pa.schema(
        [("variant", pa.string()), ("scope", pa.string()), ("kpi", pa.string())]
        + [(f, pa.int32() if f in ("n", "diff_n") else pa.float64()) for f in SUMMARY_FIELDS]
    )
    return pa.Table.from_pylist(rows, schema=schema)


def pareto(summary: dict[str, Any]) -> dict[str, Any]:
    """The variants no other beats on both overall bookings (more) and opt-out rate (less)."""
    points = []
    for variant, table in summary["variants"].items():
        bookings = table["overall"].get(PARETO_MAX, {}).get("mean")
        opt_out = table["overall"].get(PARETO_MIN, {}).get("mean")
        if bookings is not None and opt_out is not None:
            points.append((variant, bookings, opt_out))

    def dominated(p: tuple[str, float, float]) -> bool:
        return any(q[1] >= p[1] and q[2] <= p[2] and (q[1] > p[1] or q[2] < p[2]) for q in points)

    front = sorted((p for p in points if not dominated(p)), key=lambda p: (-p[1], p[2], p[0]))
    return {
        "scope": "overall",
        "objectives": {PARETO_MAX: "maximise", PARETO_MIN: "minimise"},
        "statistic": "mean over replications",
        "front": [name for name, _, _ in front],
        "points": [
            {"variant": n, PARETO_MAX: b, PARETO_MIN: o, "on_front": not dominated((n, b, o))}
            for n, b, o in points
        ],
    }
