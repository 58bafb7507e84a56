"""Dental groups (DSOs): each practice of a `group:` scenario drawn by index, run as an independent
practice-year task, and the group's KPIs pooled from the practices' counts
(dentsim.results.pooling, which the report of a group uses too).

Layout of a group run: DIR/run.json ("kind": "group"), DIR/kpis.json (the group, pooled),
DIR/practice_kpis.parquet, DIR/practices.parquet and DIR/practices/p00000/ ... (one single-run
directory per practice, each with its done.json checkpoint).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa

from dentsim import streams
from dentsim.domain.population import population_seed
from dentsim.errors import InputError
from dentsim.experiments.executors import Executor, Progress, run_tasks
from dentsim.experiments.experiment_dir import (
    ExperimentResult,
    begin_experiment,
    finish_experiment,
)
from dentsim.experiments.tasks import PracticeTask
from dentsim.results.kpitable import kpi_names, kpi_value
from dentsim.results.pooling import pooled_kpis, pooling_extras
from dentsim.results.rundir import GROUP_FILES
from dentsim.scenario import Scenario, apply_overrides
from dentsim.simulation.eventlog import write_parquet

GROUP_STREAM = "group"


def practice_scenario(scenario: Scenario, practice_index: int) -> Scenario:
    """The scenario of practice `practice_index` of the group, with the `group` key cleared.

    Drawn from the `group` stream of the population seed, keyed by the index, so a practice is
    the same whatever the group's size, the order tasks run in, or the scenario's seed when the
    population seed is set. Three uniforms are drawn, always in this order:
    the template, the state, the number of patients. Without templates, providers and hygiene
    chairs scale with the practice's patients from the scenario's own practice (at least 1).
    """
    if scenario.group is None:
        return scenario
    return apply_overrides(scenario, {"group": None, **practice_draw(scenario, practice_index)})


def practice_draw(scenario: Scenario, practice_index: int) -> dict[str, Any]:
    """What practice `practice_index` of the group changes in the scenario, as dotted keys
    (see `practice_scenario`); cheap enough to sum a large group's patients."""
    group = scenario.group
    if group is None:
        return {}
    u_template, u_state, u_patients = streams.stream(
        population_seed(scenario), GROUP_STREAM, practice_index
    ).random(3)
    base = scenario.practice
    state = _pick(group.state_mix, u_state) if group.state_mix else base.state
    if group.templates:
        weights = [t.weight for t in group.templates]
        template = group.templates[_index(weights, u_template)]
        patients, providers, chairs = template.patients, template.providers, template.hygiene_chairs
        state = template.state or state
    else:
        if group.patients is not None:
            span = group.patients.max - group.patients.min + 1
            patients = group.patients.min + min(int(u_patients * span), span - 1)
        else:
            patients = scenario.population.patients
        scale = patients / scenario.population.patients
        providers = max(1, round(base.providers * scale))
        chairs = max(1, round(base.hygiene_chairs * scale))
    return {
        "practice.state": state,
        "practice.providers": providers,
        "practice.hygiene_chairs": chairs,
        "population.patients": patients,
    }


def _index(weights: list[float], u: float) -> int:
    cumulative = np.cumsum(np.asarray(weights, dtype=np.float64))
    return min(int(np.searchsorted(cumulative / cumulative[-1], u, side="right")), len(weights) - 1)


def _pick(mix: Mapping[Any, float], u: float) -> str:
    keys = sorted(mix)
    return str(keys[_index([mix[k] for k in keys], u)])


def group_tasks(scenario: Scenario, out_dir: Path) -> list[PracticeTask]:
    """One task per practice: DIR/practices/p00000/ ..."""
    if scenario.group is None:
        raise ValueError("not a group scenario")
    tasks = []
    for i in range(scenario.group.practices):
        practice = practice_scenario(scenario, i)
        label = (
            f"practice {i} ({practice.practice.state}, {practice.population.patients} patients), "
            f"seed {scenario.seed}"
        )
        tasks.append(
            PracticeTask(
                key=f"practices/p{i:05d}",
                label=label,
                scenario=practice,
                out_root=out_dir,
                practice_index=i,
                extras=pooling_extras,
            )
        )
    return tasks


def practice_kpis_table(records: Iterable[dict[str, Any]]) -> pa.Table:
    """practice_kpis.parquet: one row per practice, scope and KPI."""
    ids: list[int] = []
    scopes: list[str] = []
    names: list[str] = []
    values: list[float | None] = []
    for record in records:
        for scope, kpi in kpi_names([record["kpis"]]):
            value = kpi_value(record["kpis"], scope, kpi)
            ids.append(record["practice_index"])
            scopes.append(scope)
            names.append(kpi)
            values.append(None if value is None else float(value))
    return pa.table(
        {
            "practice_id": pa.array(ids, pa.int32()),
            "scope": pa.array(scopes, pa.string()),
            "kpi": pa.array(names, pa.string()),
            "value": pa.array(values, pa.float64()),
        }
    )


PRACTICE_COLUMNS = {
    "practice_id": pa.int32(),
    "name": pa.string(),
    "state": pa.string(),
    "tz": pa.string(),
    "patients": pa.int32(),
    "providers": pa.int32(),
    "hygiene_chairs": pa.int32(),
}


def practices_summary_table(records: Iterable[dict[str, Any]]) -> pa.Table:
    """practices.parquet of a group: who each practice is (name, state, zone, size)."""
    rows = [r["practice"] for r in records]
    return pa.table({c: pa.array([row[c] for row in rows], t) for c, t in PRACTICE_COLUMNS.items()})


def run_group(
    scenario: Scenario,
    out_dir: Path,
    executor: Executor | None = None,
    resume: bool = False,
    progress: Progress | None = None,
) -> ExperimentResult:
    """Simulate every practice of the group and write the group's directory; run.json last."""
    if scenario.group is None:
        raise InputError("group: the scenario has no group block")
    executor = executor or Executor()
    tasks = group_tasks(scenario, out_dir)
    begin_experiment(out_dir, tasks)
    outcome = run_tasks(tasks, executor, resume, progress)
    records = outcome.in_order(tasks)
    kpis = pooled_kpis(records)
    kpis_file, practices_file = GROUP_FILES
    write_parquet(practice_kpis_table(records), out_dir / kpis_file)
    write_parquet(practices_summary_table(records), out_dir / practices_file)
    return finish_experiment(
        out_dir, kpis, scenario, records, outcome, executor,
        {"kind": "group", "group": scenario.group.name, "practices": scenario.group.practices,
         "practices_finished": len(records)},
        files=GROUP_FILES,
    )  # fmt: skip
