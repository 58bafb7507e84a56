"""PRACTICE_DIRs for tests, written from generated practices in the contract `dentsim import`
writes (docs/data.md, "An imported practice"), and scenarios that use them."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import yaml

from dentsim.domain.population import generate
from dentsim.scenario import Scenario
from dentsim.scenario.document import WRITTEN_NOT_WITH_FROM
from dentsim.simulation.eventlog import patients_table


def write_practice_dir(scenario: Scenario, folder: Path, share_plans: float = 0.06) -> Path:
    """The scenario's generated practice, exported on its start_date: ids 0..n-1, street and
    city blank, ZIP3, the prebooked visit as next_visit_date, a share of accepted plans."""
    folder.mkdir(parents=True, exist_ok=True)
    practice, patients = generate(scenario)
    exported_on = scenario.start_date
    table = patients_table(patients, exported_on)
    ids = {int(old): new for new, old in enumerate(patients.patient_id)}
    households = {int(h): new for new, h in enumerate(dict.fromkeys(patients.household_id))}
    n = len(patients)
    rng = np.random.default_rng(7)
    has_plan = rng.random(n) < share_plans
    start = np.datetime64(exported_on, "D")
    visit = start + patients.prebooked_day.astype("timedelta64[D]")
    plan_date = start - rng.integers(1, 90, n).astype("timedelta64[D]")
    columns: dict[str, Any] = {name: table.column(name) for name in table.column_names}
    columns |= {
        "patient_id": pa.array(np.arange(n), pa.int64()),
        "practice_id": pa.array(np.zeros(n), pa.int32()),
        "household_id": pa.array([households[int(h)] for h in patients.household_id], pa.int64()),
        "guarantor_id": pa.array([ids[int(g)] for g in patients.guarantor_id], pa.int64()),
        "street": pa.array([""] * n, pa.string()),
        "city": pa.array([""] * n, pa.string()),
        "zip": pa.array([z[:3] for z in patients.zip.tolist()], pa.string()),
        "next_visit_date": pa.array(visit, pa.date32(), mask=patients.prebooked_day < 0),
        "broken_appts": pa.array(rng.integers(0, 3, n), pa.int16()),
        "plan_value_usd": pa.array(np.round(rng.lognormal(6.8, 0.7, n), 2), mask=~has_plan),
        "plan_date": pa.array(plan_date, pa.date32(), mask=~has_plan),
    }
    pq.write_table(pa.table(columns), folder / "patients.parquet")
    profile = {
        "format_version": 1,
        "source": "csv",
        "exported_on": exported_on,
        "practice": {"state": practice.state, "providers": None, "name": None},
        "counts": {"patients": n, "plans": int(has_plan.sum())},
    }
    (folder / "practice.yaml").write_text(yaml.safe_dump(profile, sort_keys=False))
    return folder


def write_scenario_from(
    scenario: Scenario, path: Path, folder: str, start_date: date, **changes: Any
) -> Path:
    """A scenario file: `scenario` with `population: {from: folder}` (relative to `path`), none
    of the keys that do not apply with it, and `start_date`; `changes` replace top-level keys."""
    data = scenario.model_dump()
    for section, key in WRITTEN_NOT_WITH_FROM:
        del data[section][key]
    data["population"]["from"] = folder
    data["start_date"] = start_date
    data |= changes
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True))
    return path
