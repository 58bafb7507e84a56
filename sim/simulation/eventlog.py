"""Columnar event buffers, the Parquet writer and the run manifest.

One recorder per practice collects typed rows (sim/simulation/rows.py) in plain Python lists
(cheap to append in the hot path); `tables()` turns them into Arrow tables with the documented
schemas. `write_run`
writes a run directory atomically: every file goes to a temporary name, then is renamed.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from operator import attrgetter
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from dentsim.files import write_bytes
from dentsim.simulation.rows import SCHEMAS, TS, AppointmentRow, Row

FORMAT_VERSION = 1

PRACTICES_SCHEMA = pa.schema(
    [
        ("practice_id", pa.int32()),
        ("name", pa.string()),
        ("street", pa.string()),
        ("city", pa.string()),
        ("state", pa.string()),
        ("zip", pa.string()),
        ("tz", pa.string()),
        ("phone", pa.string()),
    ]
)
TIME_COLUMNS = {f.name for schema in SCHEMAS.values() for f in schema if f.type == TS}


@dataclass(slots=True)
class Recorder:
    """Rows of every event table for one practice; times are simulation seconds until `tables`.

    Attributes:
        epoch_s: the Unix time of simulation second 0.
        id_base: ids of this practice's rows start above it (unique across a group).
        rows: each table's rows, in the order they were added.
        transcripts: one line of transcripts.jsonl per call played (when switched on).
    """

    epoch_s: int
    id_base: int = 0
    rows: dict[str, list[Any]] = field(default_factory=dict)
    transcripts: list[dict[str, Any]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.rows = {name: [] for name in SCHEMAS}

    def add(self, row: Row) -> int:
        """Append one row to its table; returns its index there."""
        rows = self.rows[row.table]
        rows.append(row)
        return len(rows) - 1

    def next_id(self, table: str) -> int:
        """The id the next row of `table` gets."""
        return self.id_base + len(self.rows[table]) + 1

    def appointment(self, index: int) -> AppointmentRow:
        """The appointments row at `index` (its status changes as the visit is settled)."""
        row: AppointmentRow = self.rows["appointments"][index]
        return row

    def tables(self) -> dict[str, pa.Table]:
        """Every event table as Arrow, times as UTC timestamps."""
        out = {}
        for name, schema in SCHEMAS.items():
            rows = self.rows[name]
            arrays = []
            for f in schema:
                column = f.name  # read once: a pyarrow Field's name is a property call
                values = list(map(attrgetter(column), rows))
                if column in TIME_COLUMNS:
                    arr = pa.array(values, pa.float64()).to_numpy(zero_copy_only=False)
                    mask = np.isnan(arr)  # a missing time
                    seconds = np.where(mask, 0, arr).astype(np.int64) + self.epoch_s
                    arrays.append(pa.array(seconds, type=pa.int64(), mask=mask).cast(TS))
                else:
                    arrays.append(pa.array(values, type=f.type))
            out[name] = pa.Table.from_arrays(arrays, schema=schema)
        return out


def patients_table(patients: Any, start_date: Any) -> pa.Table:
    """patients.parquet: one row per patient, PMS-shaped, as the PMS stood at the start."""
    p = patients
    start = np.datetime64(start_date, "D")
    cols: dict[str, pa.Array] = {
        "patient_id": pa.array(p.patient_id, pa.int64()),
        "practice_id": pa.array(p.practice_id, pa.int32()),
        "first_name": pa.array(p.first_name.tolist(), pa.string()),
        "last_name": pa.array(p.last_name.tolist(), pa.string()),
        "birth_date": pa.array(p.birth_date.astype("datetime64[D]"), pa.date32()),
        "sex": pa.array(p.sex.tolist(), pa.string()),
        "household_id": pa.array(p.household_id, pa.int64()),
        "guarantor_id": pa.array(p.guarantor_id, pa.int64()),
        "street": pa.array(p.street.tolist(), pa.string()),
        "city": pa.array(p.city.tolist(), pa.string()),
        "state": pa.array(p.state.tolist(), pa.string()),
        "zip": pa.array(p.zip.tolist(), pa.string()),
        "phone": pa.array(p.phone.tolist(), pa.string()),
        "phone_type": pa.array(p.phone_type.tolist(), pa.string()),
        "phone_shared": pa.array(p.phone_shared, pa.bool_()),
        "phone_state": pa.array(p.phone_state.tolist(), pa.string()),
        "tz_address": pa.array(p.tz_address.tolist(), pa.string()),
        "tz_phone": pa.array(p.tz_phone.tolist(), pa.string()),
        "language": pa.array(p.language.tolist(), pa.string()),
        "status": pa.array(p.status.tolist(), pa.string()),
        "perio": pa.array(p.perio, pa.bool_()),
        "recall_interval_months": pa.array(p.recall_interval_months, pa.int8()),
        "recall_type": pa.array(p.recall_type.tolist(), pa.string()),
        "last_hygiene_date": pa.array(
            start + p.last_hygiene_day.astype("timedelta64[D]"), pa.date32()
        ),
        "recall_due_date": pa.array(start + p.recall_due_day.astype("timedelta64[D]"), pa.date32()),
        "preferred_contact": pa.array(p.preferred_contact.tolist(), pa.string()),
        "text_allowed": pa.array(p.text_allowed, pa.bool_()),
        "no_voicemail": pa.array(p.no_voicemail, pa.bool_()),
        "consent_healthcare": pa.array(p.consent_healthcare, pa.bool_()),
        "consent_written": pa.array(p.consent_written, pa.bool_()),
        "do_not_call": pa.array(p.do_not_call, pa.bool_()),
    }
    return pa.table(cols)


def practices_table(practices: list[Any]) -> pa.Table:
    return pa.Table.from_pylist(
        [{f.name: getattr(pr, f.name) for f in PRACTICES_SCHEMA} for pr in practices],
        schema=PRACTICES_SCHEMA,
    )


def write_parquet(table: pa.Table, path: Path) -> None:
    """Write `table` to `path` atomically, reproducibly (same table, same bytes), zstd-compressed."""
    tmp = path.with_name(f".{path.name}.tmp")
    pq.write_table(table, tmp, compression="zstd", write_statistics=True)
    os.replace(tmp, path)


def write_json(data: Any, path: Path) -> None:
    text = json.dumps(data, indent=2, sort_keys=False, default=str) + "\n"
    write_bytes(path, text.encode("utf-8"))


def write_jsonl(rows: list[dict[str, Any]], path: Path) -> None:
    """One JSON object a line, keys in their given order: the same rows give the same bytes."""
    tmp = path.with_name(f".{path.name}.tmp")
    with tmp.open("w", encoding="utf-8") as f:
        for row in rows:
            f.write(json.dumps(row, ensure_ascii=False, separators=(",", ":")))
            f.write("\n")
    os.replace(tmp, path)


def write_run(
    out_dir: Path,
    tables: dict[str, pa.Table],
    manifest: dict[str, Any],
    kpis: dict[str, Any],
    transcripts: list[dict[str, Any]] | None = None,
) -> None:
    """Write a run directory: every table as Parquet, transcripts, kpis.json, run.json last.

    run.json is written last, so a directory with a run.json holds a complete run; its `files`
    (added to `manifest`) lists every other file written.
    """
    out_dir.mkdir(parents=True, exist_ok=True)
    stale = out_dir / "run.json"
    if stale.exists():
        stale.unlink()
    files = []
    for name, table in tables.items():
        files.append(f"{name}.parquet")
        write_parquet(table, out_dir / files[-1])
    if transcripts is not None:
        files.append("transcripts.jsonl")
        write_jsonl(transcripts, out_dir / files[-1])
    files.append("kpis.json")
    write_json(kpis, out_dir / files[-1])
    manifest["files"] = files
    write_json(manifest, out_dir / "run.json")
