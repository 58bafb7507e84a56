"""Replications: one practice, with its patients, run with independent seeds derived from the
scenario's, and summarised as means with 95 % Student t intervals (dentsim.results.stats) in
DIR/kpis.json. Every replication keeps the scenario's population seed, so only what happens varies.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from dentsim.domain.population import population_seed
from dentsim.errors import InputError
from dentsim.experiments.executors import Executor, Progress, run_tasks
from dentsim.experiments.experiment_dir import (
    ExperimentResult,
    begin_experiment,
    finish_experiment,
)
from dentsim.experiments.tasks import PracticeTask
from dentsim.results.stats import CONFIDENCE, summarise
from dentsim.scenario import Scenario

SEED_RULE = "replication r: SeedSequence(seed).spawn(r + 1)[r].generate_state(1, uint64)[0] >> 1"


def replication_seed(seed: int, replication: int) -> int:
    """The seed of replication r: `SeedSequence(seed).spawn(r + 1)[r]`'s first 64-bit word, shifted
    right one bit to fit a scenario seed (0 <= seed < 2**63). Independent of how many run."""
    child = np.random.SeedSequence(seed, spawn_key=(replication,))
    return int(child.generate_state(1, np.uint64)[0] >> np.uint64(1))


def replica(scenario: Scenario, seed: int) -> Scenario:
    """The scenario run with `seed`, on the same practice and patients: its population seed
    (dentsim.domain.population.population_seed) stays, written out in the replica."""
    population = scenario.population.model_copy(update={"seed": population_seed(scenario)})
    return scenario.model_copy(update={"seed": seed, "population": population})


def replication_tasks(scenario: Scenario, out_dir: Path, replications: int) -> list[PracticeTask]:
    tasks = []
    for r in range(replications):
        seed = replication_seed(scenario.seed, r)
        tasks.append(
            PracticeTask(
                key=f"replications/r{r:03d}",
                label=f"replication {r}, seed {seed}",
                scenario=replica(scenario, seed),
                out_root=out_dir,
            )
        )
    return tasks


def run_replications(
    scenario: Scenario,
    out_dir: Path,
    replications: int,
    executor: Executor | None = None,
    resume: bool = False,
    progress: Progress | None = None,
) -> ExperimentResult:
    """Run `replications` independent replications of the practice and write DIR/kpis.json with
    95 % intervals.

    Layout: DIR/run.json ("kind": "replicated"), DIR/kpis.json, DIR/replications/r000/ ... (each
    a single-run directory). run.json is written last.
    """
    if scenario.group is not None:
        raise InputError(
            "--replications: a group scenario (group:) is not replicated; "
            "run it with other --seed values instead"
        )
    if replications < 1:
        raise InputError(f"--replications: expected at least 1, found {replications}")
    executor = executor or Executor()
    tasks = replication_tasks(scenario, out_dir, replications)
    begin_experiment(out_dir, tasks)
    outcome = run_tasks(tasks, executor, resume, progress)
    records = outcome.in_order(tasks)
    summary = summarise([r["kpis"] for r in records])
    return finish_experiment(
        out_dir, summary, scenario, records, outcome, executor,
        {"kind": "replicated", "replications": replications, "seed_rule": SEED_RULE,
         "seeds": [t.scenario.seed for t in tasks], "confidence": CONFIDENCE},
    )  # fmt: skip
