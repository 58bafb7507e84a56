"""docs/data.md describes the files as they are written."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from dentsim.simulation.eventlog import write_run
from dentsim.simulation.rows import SCHEMAS
from tests.conftest import ROOT


def test_the_documented_time_type_is_the_one_the_files_hold(tmp_path: Path) -> None:
    write_run(tmp_path, {name: s.empty_table() for name, s in SCHEMAS.items()}, {}, {})
    held = {
        str(f.type)
        for name in SCHEMAS
        for f in pq.read_schema(tmp_path / f"{name}.parquet")
        if pa.types.is_timestamp(f.type)
    }
    assert held == {"timestamp[ms, tz=UTC]"}  # Parquet keeps no seconds unit: whole seconds in ms
    doc = (ROOT / "docs" / "data.md").read_text(encoding="utf-8")
    assert "`timestamp[ms, UTC]`" in doc
    assert "timestamp[s" not in doc
