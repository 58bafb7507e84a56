"""The strategy comparison: a sweep's summary table, its Pareto front and its KPIs per variant."""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyarrow as pa

from dentsim.errors import InputError
from dentsim.reports.results import read_columns, read_json

SUMMARY_COLUMNS = (
    "variant",
    "scope",
    "kpi",
    "mean",
    "ci_low",
    "ci_high",
    "diff_mean",
    "diff_ci_low",
    "diff_ci_high",
)
RESULTS_COLUMNS = ("variant", "replication", "seed", "scope", "kpi", "value")
# The KPIs of the comparison, in the order a product manager reads them.
TABLE_KPIS = (
    "bookings",
    "conversion",
    "connect_rate",
    "opt_out_rate",
    "realised_revenue",
    "attempts",
)
# higher is better, except for these
LOWER_IS_BETTER = {"opt_out_rate", "soft_opt_out_rate", "no_shows", "attempts", "ai_minutes"}


@dataclass(frozen=True, slots=True)
class Cell:
    mean: float | None
    low: float | None
    high: float | None
    diff: float | None
    diff_low: float | None
    diff_high: float | None


@dataclass(frozen=True, slots=True)
class Sweep:
    base: str | None
    variants: tuple[str, ...]
    overrides: dict[str, dict[str, Any]]
    replications: int
    kpis: tuple[str, ...]  # overall KPIs shown, in TABLE_KPIS order
    cells: dict[tuple[str, str], Cell]  # (variant, kpi), overall scope
    pareto: tuple[str, ...]

    def cell(self, variant: str, kpi: str) -> Cell:
        return self.cells.get((variant, kpi), Cell(None, None, None, None, None, None))


def read_sweep(root: Path, manifest: dict[str, Any]) -> Sweep:
    """Read summary.parquet, pareto.json and sweep.json (results.parquet is checked, not needed)."""
    summary = _table(root / "summary.parquet", SUMMARY_COLUMNS)
    _table(root / "results.parquet", RESULTS_COLUMNS)
    pareto_path = root / "pareto.json"
    pareto = read_json(pareto_path) if pareto_path.is_file() else []
    if isinstance(pareto, dict):  # {"front": [...], "points": [...]}
        pareto = pareto.get("front")
    if not isinstance(pareto, list) or not all(isinstance(p, str) for p in pareto):
        raise InputError(
            f"{pareto_path}: expected a list of variant names (or an object with a 'front' list)"
        )
    rows = summary.to_pylist()
    cells: dict[tuple[str, str], Cell] = {}
    for r in rows:
        if r["scope"] != "overall":
            continue
        cells[(str(r["variant"]), str(r["kpi"]))] = Cell(
            *(_finite(r[c]) for c in SUMMARY_COLUMNS[3:])
        )
    listed = manifest.get("variants") or []
    if not isinstance(listed, list):
        raise InputError(f"{root / 'sweep.json'}: variants: expected a list")
    names = [str(v.get("name")) for v in listed if isinstance(v, dict)]
    names += sorted({str(r["variant"]) for r in rows} - set(names))
    overrides = {
        str(v.get("name")): dict(v.get("overrides") or {}) for v in listed if isinstance(v, dict)
    }
    kpis = tuple(k for k in TABLE_KPIS if any((v, k) in cells for v in names))
    return Sweep(
        base=_base(manifest.get("base_variant", manifest.get("base")), names, cells),
        variants=tuple(names),
        overrides=overrides,
        replications=int(manifest.get("replications") or 0),
        kpis=kpis,
        cells=cells,
        pareto=tuple(pareto),
    )


def _base(given: Any, names: list[str], cells: dict[tuple[str, str], Cell]) -> str | None:
    """The base variant: named by sweep.json, or the one whose paired differences are all zero."""
    if isinstance(given, str) and given in names:
        return given
    if "base" in names:
        return "base"
    for name in names:
        diffs = [c.diff for (v, _), c in cells.items() if v == name]
        if diffs and all(d == 0 for d in diffs):
            return name
    return None


def _table(path: Path, columns: tuple[str, ...]) -> pa.Table:
    return read_columns(path, columns, "docs/reports.md")


def _finite(value: Any) -> float | None:
    if value is None:
        return None
    x = float(value)
    return x if math.isfinite(x) else None
