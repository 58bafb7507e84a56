"""Read a result directory's files for the report. What a directory holds (a run, replications, a
sweep, a group) is found by dentsim.results.rundir.open_results, which `dentsim check` uses too.

Reads only: the report never simulates. Every unreadable input raises `InputError` naming the file.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from dentsim.errors import InputError
from dentsim.results.rundir import Kind as Kind
from dentsim.results.rundir import PracticeYear as PracticeYear
from dentsim.results.rundir import Results as Results
from dentsim.results.rundir import json_object
from dentsim.results.rundir import open_results as open_results
from dentsim.results.rundir import read_json as read_json
from dentsim.simulation.eventlog import SCHEMAS

DAY_S = 86_400

# The columns the report reads, per table (see sim/simulation/eventlog.py for the full schemas),
# those a group's KPIs pool from among them (dentsim.results.pooling.EXTRAS_COLUMNS).
COLUMNS: dict[str, tuple[str, ...]] = {
    "practices": ("practice_id", "name", "tz"),
    "patients": ("patient_id", "status", "tz_address"),
    "attempts": ("patient_id", "t_utc", "channel", "purposes", "duration_s"),
    "bookings": ("booking_id", "patient_id", "t_utc", "use_case"),
    "appointments": ("booking_id", "t_utc", "status", "confirmed_via", "would_no_show"),
    "optouts": ("patient_id", "t_utc", "kind"),
    "deferrals": ("t_utc", "purposes", "rule_id", "action", "t_next_utc", "patient_id"),
    "staff_tasks": ("t_utc", "duration_s", "kind", "wait_s"),
}
# Tables added after the first runs; an older run without them reads as "none recorded".
OPTIONAL_TABLES = ("deferrals", "staff_tasks")


@dataclass(frozen=True, slots=True)
class Run:
    """One single-run directory, read: its manifest, KPIs and the tables the report uses."""

    path: Path
    manifest: dict[str, Any]
    kpis: dict[str, Any]
    tables: dict[str, pa.Table]

    @property
    def scenario(self) -> dict[str, Any]:
        scenario = self.manifest.get("scenario")
        return scenario if isinstance(scenario, dict) else {}


def read_run(run_dir: Path) -> Run:
    """Read a single-run directory: run.json, kpis.json and the report's columns of each table."""
    manifest = json_object(run_dir / "run.json")
    kpis = json_object(run_dir / "kpis.json")
    tables = {name: _read_table(run_dir, name, cols) for name, cols in COLUMNS.items()}
    return Run(run_dir, manifest, kpis, tables)


def _read_table(run_dir: Path, name: str, columns: tuple[str, ...]) -> pa.Table:
    path = run_dir / f"{name}.parquet"
    if not path.is_file() and name in OPTIONAL_TABLES:
        return SCHEMAS[name].empty_table().select(list(columns))
    return read_columns(path, columns, "docs/data.md")


def read_columns(path: Path, columns: tuple[str, ...], contract: str) -> pa.Table:
    """The named columns of a Parquet file; InputError naming the file when it is missing,
    unreadable or lacks one (`contract`: the document that lists the columns)."""
    if not path.is_file():
        raise InputError(f"{path}: file not found")
    try:
        schema = pq.read_schema(path)
    except (pa.ArrowException, OSError) as e:
        raise InputError(f"{path}: not a readable Parquet file ({e})") from None
    missing = [c for c in columns if schema.get_field_index(c) < 0]
    if missing:
        raise InputError(f"{path}: missing column(s) {', '.join(missing)} (see {contract})")
    return pq.read_table(path, columns=list(columns))


def seconds(column: pa.ChunkedArray) -> np.ndarray:
    """A timestamp column as int64 seconds since 1970 UTC (nulls as 0)."""
    if not len(column):
        return np.zeros(0, np.int64)
    if pa.types.is_timestamp(column.type):
        per_s = {"s": 1, "ms": 1_000, "us": 1_000_000, "ns": 1_000_000_000}[column.type.unit]
        ticks = pc.fill_null(column.cast(pa.int64()), 0).to_numpy()
        return np.floor_divide(ticks, per_s).astype(np.int64)
    return np.asarray(column.to_numpy(), np.int64)


def start_epoch_s(scenario: dict[str, Any]) -> int:
    """Seconds since 1970 of midnight UTC of the scenario's start date (simulation time 0)."""
    start = scenario.get("start_date")
    try:
        day = date.fromisoformat(str(start))
    except ValueError:
        raise InputError(
            f"run.json: scenario.start_date: expected a date, found {start!r}"
        ) from None
    return (day - date(1970, 1, 1)).days * DAY_S


def kpi_estimate(value: Any) -> tuple[float | None, float | None, float | None]:
    """A KPI entry as (value, low, high): a plain number, or a replicated {mean, ci_low, ci_high}."""
    if isinstance(value, dict):
        return _num(value.get("mean")), _num(value.get("ci_low")), _num(value.get("ci_high"))
    return _num(value), None, None


def _num(value: Any) -> float | None:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None
