"""A group's practices side by side: one row per practice from practice_kpis.parquet (its overall
KPIs) and practices.parquet (its name, state and size), as plain dicts other figures can join."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq

from dentsim.reports import fmt
from dentsim.reports.results import read_columns

KPI_COLUMNS = ("practice_id", "scope", "kpi", "value")
PRACTICE_COLUMNS = ("practice_id", "name", "state", "patients")


def practice_rows(root: Path) -> list[dict[str, Any]]:
    """Per practice, in practice order: practice_id, name, state, patients and every overall KPI
    (`attempts`, `bookings`, `connect_rate`...). Without practices.parquet (older groups), a
    practice is named by its number and its state and size are None."""
    kpis = read_columns(root / "practice_kpis.parquet", KPI_COLUMNS, "docs/reports.md")
    rows: dict[int, dict[str, Any]] = {}
    for r in kpis.to_pylist():
        if r["scope"] == "overall" and r["practice_id"] is not None:
            rows.setdefault(int(r["practice_id"]), {})[str(r["kpi"])] = r["value"]
    described: dict[int, dict[str, Any]] = {}
    path = root / "practices.parquet"
    if path.is_file() and set(PRACTICE_COLUMNS) <= set(pq.read_schema(path).names):
        for p in read_columns(path, PRACTICE_COLUMNS, "docs/data.md").to_pylist():
            described[int(p["practice_id"])] = p
    out = []
    for practice_id in sorted(rows):
        about = described.get(practice_id) or {}
        out.append(
            {
                "practice_id": practice_id,
                "name": about.get("name") or f"Practice {practice_id + 1}",
                "state": about.get("state"),
                "patients": about.get("patients"),
                **rows[practice_id],
            }
        )
    return out


@dataclass(frozen=True, slots=True)
class Column:
    """A column of the per-practice table: the row key it shows, its heading, its format
    (None: text, left-aligned)."""

    key: str
    label: str
    format: fmt.Formatter | None = None


PRACTICE_TABLE_COLUMNS = (
    Column("name", "Practice"),
    Column("state", "State"),
    Column("patients", "Patients", fmt.count),
    Column("attempts", "Contacts", fmt.count),
    Column("connect_rate", "Connect rate", fmt.pct),
    Column("bookings", "Bookings", fmt.count),
    Column("conversion", "Conversion", fmt.pct),
    Column("opt_outs", "Opt-outs", fmt.count),
    Column("opt_out_rate", "Opt-out rate", fmt.pct),
)


def practice_table(
    rows: Sequence[dict[str, Any]], columns: Sequence[Column] = PRACTICE_TABLE_COLUMNS
) -> dict[str, Any]:
    """The group's per-practice table from `rows` (practice_rows, with whatever a caller joins
    to them, e.g. dollars per practice with their own Column). A column no row has is left out."""
    shown = [c for c in columns if any(r.get(c.key) is not None for r in rows)]

    def cell(row: dict[str, Any], c: Column) -> str:
        value = row.get(c.key)
        if value is None:
            return "-"
        return c.format(float(value)) if c.format is not None else str(value)

    return {
        "columns": [(c.label, c.format is not None) for c in shown],
        "rows": [[cell(r, c) for c in shown] for r in rows],
    }
