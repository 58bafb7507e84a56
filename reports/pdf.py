"""The PDF: the report's pages laid out with matplotlib (text and vector charts), reproducible bytes.

`PdfPages` gets fixed metadata (no creation or modification date), so the same input gives the
same file whatever the clock or SOURCE_DATE_EPOCH says.
"""

from __future__ import annotations

import io
import textwrap
from collections.abc import Sequence
from typing import Any, cast

import numpy as np
from matplotlib.axes import Axes
from matplotlib.backends.backend_pdf import PdfPages
from matplotlib.figure import Figure, SubFigure
from matplotlib.layout_engine import ConstrainedLayoutEngine
from matplotlib.patches import FancyBboxPatch
from matplotlib.transforms import Bbox

from dentsim.reports.charts import AMBER, GRID, INK, MUTED, RED, TEAL, Chart, style
from dentsim.reports.content import Content

PAGE_IN = (8.5, 11.0)
MARGIN_IN = 0.6
PDF_METADATA: dict[str, Any] = {
    "Title": "dentsim report",
    "Author": None,
    "Subject": None,
    "Keywords": None,
    "Creator": "dentsim reports",
    "Producer": "dentsim reports (matplotlib)",
    "CreationDate": None,
    "ModDate": None,
}
# one row of text: (text, size_pt, bold, color)
Line = tuple[str, float, bool, str]


def _chars(width_in: float, size_pt: float) -> int:
    """How many characters of DejaVu Sans fit on `width_in` inches at `size_pt` (roughly)."""
    return max(10, int(width_in * 72 / (size_pt * 0.56)))


def _page(heights_in: Sequence[float]) -> tuple[Figure, list[SubFigure]]:
    """A letter page cut into horizontal bands of the given heights (the rest is bottom margin)."""
    layout = ConstrainedLayoutEngine(w_pad=MARGIN_IN / 2, h_pad=0.02, hspace=0, wspace=0)
    fig = Figure(figsize=PAGE_IN, layout=layout)
    rest = PAGE_IN[1] - sum(heights_in) - MARGIN_IN
    bands = fig.subfigures(
        len(heights_in) + 2, 1, height_ratios=[MARGIN_IN, *heights_in, max(rest, 0.01)]
    )
    return fig, list(cast(np.ndarray, bands))[1:-1]


def _text(
    sub: SubFigure, height_in: float, lines: Sequence[Line], x_in: float = MARGIN_IN
) -> float:
    """Write wrapped lines from the top of a band; returns the inches used."""
    width_in = PAGE_IN[0] - x_in - MARGIN_IN
    y_in = 0.0
    for text, size, bold, color in lines:
        for part in textwrap.wrap(text, _chars(width_in, size)) or [""]:
            y_in += size * 1.35 / 72
            sub.text(x_in / PAGE_IN[0], 1 - y_in / height_in, part, fontsize=size,
                     fontweight="bold" if bold else "normal", color=color, va="baseline")  # fmt: skip
        y_in += size * 0.35 / 72
    return y_in


def _table(
    sub: SubFigure,
    height_in: float,
    header: Sequence[str],
    rows: Sequence[Sequence[str]],
    col_in: Sequence[float],
    size_pt: float = 8.0,
    right: Sequence[bool] = (),
    bold_last: bool = False,
    colors: Sequence[Sequence[str]] | None = None,
) -> None:
    """A plain table: header, rule, rows (each cell may hold two lines split by a newline)."""
    x0 = MARGIN_IN
    lefts = [x0 + sum(col_in[:i]) for i in range(len(col_in))]
    row_in = size_pt * 1.45 / 72

    def put(
        y_in: float, cells: Sequence[str], bold: bool, color_row: Sequence[str] | None
    ) -> float:
        lines_used = 1
        for i, cell in enumerate(cells):
            is_right = i < len(right) and right[i]
            x = (lefts[i] + col_in[i] - 0.05) if is_right else lefts[i]
            for k, part in enumerate(str(cell).split("\n")):
                color = (color_row[i] if color_row else INK) if k == 0 else MUTED
                sub.text(x / PAGE_IN[0], 1 - (y_in + (k + 0.8) * row_in) / height_in, part,
                         fontsize=size_pt if k == 0 else size_pt - 1.2, ha="right" if is_right else "left",
                         fontweight="bold" if bold else "normal", color=color)  # fmt: skip
                lines_used = max(lines_used, k + 1)
        return lines_used * row_in + 0.04

    y = put(0.0, header, True, [MUTED] * len(header))
    total_w = sum(col_in)
    sub.add_artist(_hline(sub, x0, total_w, y, height_in))
    for n, row in enumerate(rows):
        bold = bold_last and n == len(rows) - 1
        y += put(y, row, bold, colors[n] if colors else None)


def _hline(sub: SubFigure, x0_in: float, w_in: float, y_in: float, h_in: float) -> Any:
    from matplotlib.lines import Line2D

    y = 1 - y_in / h_in
    return Line2D([x0_in / PAGE_IN[0], (x0_in + w_in) / PAGE_IN[0]], [y, y],
                  transform=sub.transSubfigure, color=GRID, lw=0.8)  # fmt: skip


def _cards(sub: SubFigure, height_in: float, cards: Sequence[tuple[str, str, str]]) -> None:
    n = len(cards)
    gap_in = 0.15
    width_in = (PAGE_IN[0] - 2 * MARGIN_IN - gap_in * (n - 1)) / n
    for i, (label, value, note) in enumerate(cards):
        x_in = MARGIN_IN + i * (width_in + gap_in)
        box = FancyBboxPatch(
            (x_in / PAGE_IN[0], 0.04), width_in / PAGE_IN[0], 0.92,
            boxstyle="round,pad=0,rounding_size=0.02", transform=sub.transSubfigure,
            facecolor="#fbfcfd", edgecolor=GRID, lw=0.8,
        )  # fmt: skip
        sub.add_artist(box)
        x = (x_in + 0.12) / PAGE_IN[0]
        sub.text(x, 0.8, label.upper(), fontsize=6.8, color=MUTED, fontweight="bold")
        main, _, ci = value.partition(" (")
        sub.text(x, 0.55, main, fontsize=15 if len(main) < 12 else 12, fontweight="bold", color=INK)
        notes = textwrap.wrap(note, _chars(width_in - 0.2, 6.5))[:3]
        if ci:
            notes = [f"({ci}"[: _chars(width_in - 0.2, 6.5)], *notes[:2]]
        for k, part in enumerate(notes):
            sub.text(x, 0.36 - k * 0.12, part, fontsize=6.5, color=MUTED)


def _header(sub: SubFigure, h_in: float, title: str, subtitle: str) -> None:
    """The page title: 16 pt on one line, or a smaller size over two when it is long."""
    fits = len(title) <= _chars(PAGE_IN[0] - 2 * MARGIN_IN, 16) * 0.9
    _text(sub, h_in, [(title, 16 if fits else 13, True, INK), (subtitle, 9, False, MUTED)])


def _table_height_in(rows: Sequence[Sequence[str]], size_pt: float) -> float:
    """The height `_table` needs: the header and each row, as many lines as its tallest cell."""
    row_in = size_pt * 1.45 / 72
    lines = [max(str(cell).count("\n") + 1 for cell in row) for row in rows]
    return (1 + len(rows)) * (row_in + 0.04) + sum(n - 1 for n in lines) * row_in + 0.1


def roi_pages(c: Content, charts: dict[str, Chart]) -> list[Figure]:
    assert c.roi is not None
    roi = c.roi
    pages = []
    rows = [
        [r["use_case"], r["outcomes"], r["unit"], r["booked"],
         r["realised"] + (f"\n{r['realised_ci']}" if r["realised_ci"] else ""),
         r["beyond"] + (f"\n{r['beyond_ci']}" if r["beyond_ci"] else "")]
        for r in [*roi["rows"], roi["total"]]
    ]  # fmt: skip
    table_in = _table_height_in(rows, 8)
    fig, (head, cards, summary, table, chart, notes) = _page(
        [1.0, 1.15, 0.85, table_in, 4.75 - table_in, 2.1]
    )
    _header(head, 1.0, c.title, c.subtitle)
    _cards(cards, 1.15, roi["cards"])
    _text(summary, 0.85, [(roi["summary"], 9.5, False, INK)])
    _table(
        table, table_in,
        ["Use case", "Result", "Value each", "Booked", "Realised", "Beyond manual"],
        rows, [1.6, 1.4, 0.75, 0.95, 1.3, 1.3], size_pt=8, right=[False, False, True, True, True, True],
        bold_last=True,
    )  # fmt: skip
    charts["revenue_by_month"](chart)
    _text(
        notes,
        2.1,
        [("Assumptions", 8.5, True, INK)]
        + [(f"- {a}", 7, False, MUTED) for a in roi["assumptions"]],
    )
    pages.append(fig)

    fig, (head, grid, costs) = _page([0.55, 7.4, 2.2])
    _text(head, 0.55, [("How the programme ran", 13, True, INK)])
    cells = cast(np.ndarray, grid.subfigures(2, 2, wspace=0.04, hspace=0.04)).ravel()
    for cell, name in zip(
        cells, ("funnel", "kpi_bands", "optout_trend", "contacts_by_week"), strict=True
    ):
        charts[name](cell)
    lines: list[Line] = [("Cost and staff time", 8.5, True, INK)]
    lines += [(f"{label}: {value}", 7.5, False, INK) for label, value in roi["costs"]]
    for name in ("funnel", "kpi_bands", "optout_trend"):
        lines += [(f"- {a}", 6.8, False, MUTED) for a in c.figures[name].assumptions]
    _text(costs, 2.2, lines)
    pages.append(fig)
    return pages


def compliance_pages(c: Content, charts: dict[str, Chart]) -> list[Figure]:
    assert c.compliance is not None
    page = c.compliance
    verdict_color = TEAL if page["ok"] else RED
    fig, (head, chart, cost, table, examples) = _page([1.25, 3.0, 1.1, 3.3, 1.1])
    _text(head, 1.25, [("Compliance audit", 13, True, INK), (page["headline"], 15, True, verdict_color),
                       ("  ".join(f"{k}: {v}." for k, v in page["facts"]), 8, False, MUTED)])  # fmt: skip
    charts["contacts_by_hour"](chart)
    _text(cost, 1.1, [("What compliance cost", 8.5, True, INK), (page["cost"], 8, False, INK)]
          + [(d["summary"], 7.5, False, INK) for d in page["deferrals"][:4]])  # fmt: skip
    rows = [[r["rule_id"], r["checked"], r["violations"]] for r in page["rules"]]
    colors = [[INK, INK, RED if r["bad"] else TEAL] for r in page["rules"]]
    _table(table, 3.3, ["Rule", "Contacts checked", "Violations"], rows, [3.2, 1.5, 1.2],
           size_pt=7.2, right=[False, True, True], colors=colors)  # fmt: skip
    if page["examples"]:
        _text(examples, 1.1, [("First violations found", 8, True, INK)]
              + [(f"{e['rule_id']}, {e['when']}: {e['why']}", 6.8, False, INK)
                 for e in page["examples"][:4]])  # fmt: skip
    pages = [fig]

    fig, (head, body) = _page([0.55, 9.7])
    _text(head, 0.55, [("Rules in force, with their sources", 13, True, INK)])
    lines: list[Line] = []
    for r in page["rules"]:
        state = "" if r["enabled"] else " (disabled)"
        lines += [(f"{r['rule_id']}{state}", 7.2, True, INK), (r["statement"], 6.6, False, INK),
                  (f"Source: {r['source']}", 6.3, False, MUTED)]  # fmt: skip
    lines += [(f"Note: {n}", 6.5, False, AMBER) for n in page["notes"]]
    _text(body, 9.7, lines)
    pages.append(fig)
    return pages


def sweep_pages(c: Content, charts: dict[str, Chart]) -> list[Figure]:
    assert c.sweep is not None
    s = c.sweep
    n_rows = len(s["rows"])
    table_in = min(0.45 + 0.42 * n_rows, 5.5)
    fig, (head, table, chart) = _page([0.9, table_in, max(3.0, 9.6 - 0.9 - table_in)])
    _header(head, 0.9, c.title, c.subtitle)
    kpi_w = (PAGE_IN[0] - 2 * MARGIN_IN - 1.5) / max(len(s["kpis"]), 1)
    rows, colors = [], []
    for r in s["rows"]:
        name = r["variant"] + (" (base)" if r["is_base"] else "") + (" *" if r["on_front"] else "")
        rows.append(
            [name]
            + [
                f"{cell['value']}\n{cell['diff'].split(' (')[0] if cell['diff'] else cell['ci']}"
                for cell in r["cells"]
            ]
        )
        colors.append([INK] + [INK for _ in r["cells"]])
    _table(table, table_in, ["Variant"] + [k.replace(" ", "\n", 1) for k in s["kpis"]], rows, [1.5] + [kpi_w] * len(s["kpis"]),
           size_pt=7.5, right=[False] + [True] * len(s["kpis"]))  # fmt: skip
    charts["pareto"](chart)
    pages = [fig]
    chart_in = min(s["kpis_height_in"], 8.0)
    fig, (head, chart, notes) = _page([0.55, chart_in, 1.2])
    _text(head, 0.55, [("KPIs per variant, with 95 % intervals", 13, True, INK)])
    charts["kpis_by_variant"](chart)
    _text(notes, 1.2, [(s["note"], 7.5, False, MUTED), ("* on the Pareto front of bookings against opt-outs. "
                       "Second line of each cell: the paired difference from the base variant.", 7.5, False, MUTED)])  # fmt: skip
    pages.append(fig)
    return pages


def write_pdf(c: Content, charts: dict[str, Chart]) -> bytes:
    """The report's pages as PDF bytes (same content, same bytes)."""
    buf = io.BytesIO()
    with style():
        pages: list[Figure] = []
        if c.roi is not None:
            pages += roi_pages(c, charts)
        if c.compliance is not None:
            pages += compliance_pages(c, charts)
        if c.sweep is not None:
            pages += sweep_pages(c, charts)
        with PdfPages(buf, metadata=PDF_METADATA) as pdf:
            for page in pages:
                _settle_layout(page)
                pdf.savefig(page)
    return buf.getvalue()


def _settle_layout(fig: Figure) -> None:
    """Lay the page out once, round every position the layout found, and keep them.

    The constrained-layout solver's last bits vary from one process to the next, and a PDF
    writes positions to ten decimals, so an unrounded page could differ in a few bytes between
    two runs. Rounded to a millionth of the page (under a thousandth of a point), the same
    input gives the same file.
    """
    fig.draw_without_rendering()
    fig.set_layout_engine("none")
    for part in fig.findobj(lambda a: isinstance(a, SubFigure)):
        bbox = cast(SubFigure, part).bbox_relative
        bbox.set_points(_rounded(bbox.get_points()))
    for ax in fig.findobj(lambda a: isinstance(a, Axes)):
        ax = cast(Axes, ax)
        ax.set_position(Bbox(_rounded(ax.get_position(original=False).get_points())), "both")


def _rounded(points: np.ndarray) -> np.ndarray:
    return np.round(points, 6) + 0.0  # + 0.0: no negative zero
