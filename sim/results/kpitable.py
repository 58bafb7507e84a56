"""The shape of a KPI table (kpis.json: `overall` and `by_use_case`): walk it, read it, build it.

Replications, sweeps, group pooling and the statistics all go through these, so they agree on
which (scope, KPI) pairs a set of tables holds and in which order.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from dentsim.vocabulary import USE_CASES


def kpi_names(kpis: Iterable[dict[str, Any]]) -> list[tuple[str, str]]:
    """Every (scope, KPI) in a list of KPI tables: overall first, then use cases, first-seen order."""
    seen: dict[tuple[str, str], None] = {}
    tables = list(kpis)
    for table in tables:
        for kpi in table["overall"]:
            seen[("overall", kpi)] = None
    for use_case in USE_CASES:
        for table in tables:
            for kpi in table["by_use_case"].get(use_case, {}):
                seen[(use_case, kpi)] = None
    return list(seen)


def kpi_value(kpis: dict[str, Any], scope: str, kpi: str) -> Any:
    """One entry of a KPI table (None when the scope or the KPI is absent)."""
    row = kpis["overall"] if scope == "overall" else kpis["by_use_case"].get(scope, {})
    return row.get(kpi)


def nest(flat: dict[tuple[str, str], Any]) -> dict[str, Any]:
    """{(scope, kpi): x} -> {"overall": {kpi: x}, "by_use_case": {scope: {kpi: x}}}."""
    out: dict[str, Any] = {"overall": {}, "by_use_case": {}}
    for (scope, kpi), value in flat.items():
        row = out["overall"] if scope == "overall" else out["by_use_case"].setdefault(scope, {})
        row[kpi] = value
    return out
