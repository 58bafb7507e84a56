"""The tables the commands print: KPIs of a run, means with intervals of replications, and a
sweep's variants side by side, each fitted to the terminal's width without cutting a value."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from rich.cells import cell_len
from rich.console import Console, ConsoleOptions, RenderResult
from rich.table import Table


@dataclass(frozen=True, slots=True)
class FittedTable:
    """A table that fits the terminal without cutting anything: its value columns go into as
    many tables, one under the other, as the width needs, each repeating the label column (a
    label too long even then is folded onto a second line, never cut short).

    Attributes:
        title: Printed above the first table.
        label: The label column's header.
        headers: The value columns' headers.
        rows: (label, one cell per header) for each row.
    """

    title: str
    label: str
    headers: tuple[str, ...]
    rows: tuple[tuple[str, tuple[str, ...]], ...]

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        yield from self.tables(options.max_width)

    def tables(self, width: int) -> list[Table]:
        # Rich's default table: a border, then per column one space each side and a border.
        labels = [self.label, *(label for label, _ in self.rows)]
        values = [
            max(cell_len(h), *(cell_len(cells[i]) for _, cells in self.rows))
            for i, h in enumerate(self.headers)
        ]
        label_w = min(max(map(cell_len, labels)), max(width - 7 - max(values, default=0), 8))
        chunks: list[list[int]] = [[]]
        room = width - 4 - label_w
        for i, w in enumerate(values):
            if chunks[-1] and sum(values[j] + 3 for j in chunks[-1]) + w + 3 > room:
                chunks.append([])
            chunks[-1].append(i)
        tables = []
        for n, chunk in enumerate(chunks):
            table = Table(title=self.title if n == 0 else None)
            table.add_column(self.label, overflow="fold", max_width=label_w)
            for i in chunk:
                table.add_column(self.headers[i], justify="right", overflow="fold")
            for label, cells in self.rows:
                table.add_row(label, *(cells[i] for i in chunk))
            tables.append(table)
        return tables


def _by_scope_table(
    kpis: dict[str, Any], title: str, cell: Callable[[str, Any], str]
) -> FittedTable:
    """A KPI per row; one column overall, one per use case; `cell(key, value)` formats a value."""
    columns = {"overall": kpis["overall"], **kpis["by_use_case"]}
    keys = dict.fromkeys(k for col in columns.values() for k in col)
    rows = tuple((key, tuple(cell(key, col.get(key)) for col in columns.values())) for key in keys)
    return FittedTable(title=title, label="KPI", headers=tuple(columns), rows=rows)


def kpi_table(kpis: dict[str, Any], title: str) -> FittedTable:
    """The KPI table: one column overall, one per use case."""
    return _by_scope_table(kpis, title, _fmt)


def _fmt(key: str, value: Any) -> str:
    if value is None:
        return "-"
    if key.endswith(("_rate", "_recovery")) or key == "conversion":
        return f"{100 * value:.1f}%"
    if key.endswith("revenue"):
        return f"${value:,.0f}"
    if isinstance(value, float):
        return f"{value:,.1f}"
    return f"{value:,}"


SWEEP_COLUMNS = ("bookings", "opt_out_rate", "connect_rate", "conversion")
SWEEP_DIFFS = ("bookings", "opt_out_rate")


def sweep_table(summary: dict[str, Any], front: dict[str, Any]) -> FittedTable:
    """One row per variant: overall means ± 95% half-widths, and paired differences from base."""
    base = summary["base_variant"]
    headers = []
    for kpi in SWEEP_COLUMNS:
        headers += [kpi, f"Δ {kpi}"] if kpi in SWEEP_DIFFS else [kpi]
    rows = []
    for name, kpis in summary["variants"].items():
        cells = []
        for kpi in SWEEP_COLUMNS:
            entry = kpis["overall"].get(kpi, {})
            cells.append(_fmt_ci(kpi, entry.get("mean"), entry.get("ci_low"), entry.get("ci_high")))
            if kpi in SWEEP_DIFFS:
                diff = _fmt_ci(
                    kpi, entry.get("diff_mean"), entry.get("diff_ci_low"), entry.get("diff_ci_high")
                )
                cells.append("" if name == base else diff)
        rows.append((f"{name}{' *' if name in front['front'] else ''}", tuple(cells)))
    title = (
        f"{summary['sweep']}: means ± 95% interval over {summary['replications']} "
        f"replications; Δ: paired difference from {base}; *: Pareto front (bookings, opt-outs)"
    )
    return FittedTable(title=title, label="variant", headers=tuple(headers), rows=tuple(rows))


def ci_table(summary: dict[str, Any], title: str) -> FittedTable:
    """The replicated KPI table: mean ± 95% half-width, overall and per use case."""

    def cell(key: str, e: dict[str, Any] | None) -> str:
        e = e or {}
        return _fmt_ci(key, e.get("mean"), e.get("ci_low"), e.get("ci_high"))

    return _by_scope_table(summary, title, cell)


def _fmt_ci(key: str, mean: Any, low: Any, high: Any) -> str:
    """'12.3 ± 1.4' for a whole t interval; '0.1 (0.0 to 0.3)' for one cut to its quantity's
    support (dentsim.results.stats); the mean alone when there is no interval."""
    if mean is None:
        return "-"
    if low is None or high is None:
        return _fmt(key, mean)
    if math.isclose(high - mean, mean - low, rel_tol=1e-9, abs_tol=1e-12):
        return f"{_fmt(key, mean)} ± {_fmt(key, high - mean)}"
    return f"{_fmt(key, mean)} ({_fmt(key, low)} to {_fmt(key, high)})"
