"""The report's charts: each draws into a matplotlib (sub)figure, so one function serves PNG and PDF.

Matplotlib is used through `Figure` objects (no pyplot, no global state); `save_png` writes bytes
that depend only on the figure (no software tag), so the same input gives the same PNG.
"""

from __future__ import annotations

import calendar
import io
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any, cast

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
from matplotlib.axes import Axes  # noqa: E402
from matplotlib.figure import Figure, SubFigure  # noqa: E402
from matplotlib.patches import Patch  # noqa: E402
from matplotlib.ticker import FuncFormatter, MaxNLocator  # noqa: E402

from dentsim.reports import fmt  # noqa: E402
from dentsim.reports.compliance import Compliance  # noqa: E402
from dentsim.reports.results import kpi_estimate  # noqa: E402
from dentsim.reports.roi import (  # noqa: E402
    USE_CASES,
    Roi,
    Timeline,
)
from dentsim.reports.sweep import LOWER_IS_BETTER, Sweep  # noqa: E402
from dentsim.results.stats import Estimate  # noqa: E402

Canvas = Figure | SubFigure
Chart = Callable[[Canvas], None]

INK = "#1f2933"
MUTED = "#7b8794"
BLUE = "#2f6fb3"
TEAL = "#3aa59a"
AMBER = "#e0a526"
RED = "#c8463d"
GREEN_BAND = "#dcefdc"
GRID = "#e4e7eb"

# The smallest text a chart draws, in points. The HTML shows a chart at most as wide as its card,
# about 460 px for the half-width charts (4.6 in wide) and 940 px for the others (8 to 9 in) at a
# 1280 px window; 7.5 pt is then at least 10 px on screen (7.5 / 72 * 460 / 4.6 = 10.4).
SMALL = 7.5
HALF_WIDTH_IN = 4.6

RC: dict[str, Any] = {
    "font.family": "DejaVu Sans",
    "font.size": 9,
    "axes.edgecolor": MUTED,
    "axes.labelcolor": INK,
    "axes.titlesize": 10.5,
    "axes.titleweight": "bold",
    "axes.titlelocation": "left",
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "axes.axisbelow": True,
    "grid.color": GRID,
    "grid.linewidth": 0.8,
    "xtick.color": INK,
    "ytick.color": INK,
    "legend.frameon": False,
    "legend.fontsize": SMALL,
    "xtick.labelsize": SMALL,
    "ytick.labelsize": SMALL,
    "text.color": INK,
    "text.parse_math": False,  # "$" in dollar amounts and practice names is plain text
    "svg.hashsalt": "dentsim",
    "pdf.fonttype": 42,
    "path.simplify": True,
}

# Healthy-programme bands (the dental-outreach benchmarks): label, (scope, kpi), low, high, red line.
HEALTHY_BANDS: tuple[tuple[str, tuple[str, str], float, float, float | None], ...] = (
    ("Connect rate", ("overall", "connect_rate"), 0.35, 0.45, None),
    ("Opt-out rate", ("overall", "opt_out_rate"), 0.0, 0.015, 0.03),
    ("Recall conversion", ("recall", "conversion"), 0.15, 0.25, None),
    ("Treatment-plan conversion", ("treatment_plan", "conversion"), 0.18, 0.25, None),
    ("Reactivation conversion", ("reactivation", "conversion"), 0.08, 0.12, None),
)


SHORT_LABELS = {
    "recall": "Recall",
    "reactivation": "Reacti-\nvation",
    "confirmation": "Confir-\nmations",
    "post_op": "Post-op",
    "treatment_plan": "Treatment\nplans",
}


@contextmanager
def style() -> Iterator[None]:
    with matplotlib.rc_context(cast(Any, RC)):
        yield


def save_png(draw: Chart, size_in: tuple[float, float], dpi: int = 110) -> bytes:
    """Draw a chart on its own figure and return the PNG bytes (reproducible: no metadata)."""
    with style():
        fig = Figure(figsize=size_in, dpi=dpi, layout="constrained")
        draw(fig)
        buf = io.BytesIO()
        fig.savefig(buf, format="png", dpi=dpi, metadata={"Software": None})
    return buf.getvalue()


def _usd_axis(ax: Axes, axis: str = "y") -> None:
    formatter = FuncFormatter(lambda x, _: fmt.usd(x))
    (ax.yaxis if axis == "y" else ax.xaxis).set_major_formatter(formatter)


def _pct_axis(ax: Axes, axis: str = "y", decimals: int = 0) -> None:
    formatter = FuncFormatter(lambda x, _: f"{100 * x:.{decimals}f}%")
    (ax.yaxis if axis == "y" else ax.xaxis).set_major_formatter(formatter)


def _pct0(x: float) -> str:
    """A band edge: '35%', '1.5%'."""
    return f"{100 * x:.1f}".rstrip("0").rstrip(".") + " %"


def _yerr(est: Estimate) -> np.ndarray | None:
    if est.low is None or est.high is None:
        return None
    value = np.asarray(est.value, np.float64)
    low = np.nan_to_num(value - np.asarray(est.low), nan=0.0)
    high = np.nan_to_num(np.asarray(est.high) - value, nan=0.0)
    return np.vstack([np.maximum(low, 0), np.maximum(high, 0)])


def _thin_ticks(ax: Axes, labels: tuple[str, ...], every: int) -> None:
    ticks = np.arange(0, len(labels), every)
    ax.set_xticks(ticks, [labels[i] for i in ticks])


def _month_ticks(ax: Axes, labels: tuple[str, ...], starred: np.ndarray | None = None) -> None:
    """'Jan\n2026', 'Feb', ...: the year only on the first month and on each January; a starred
    month (partial) ends in '*'."""
    short = [
        lab.replace(" ", "\n") if i == 0 or lab.startswith("Jan") else lab.split(" ")[0]
        for i, lab in enumerate(labels)
    ]
    if starred is not None:
        short = [lab + ("*" if star else "") for lab, star in zip(short, starred, strict=True)]
    ax.set_xticks(np.arange(len(labels)), short)


def _legend_below(fig: Canvas, ncols: int) -> None:
    """The legend under the chart, outside the axes, so it never covers a bar, a point or a tick."""
    fig.legend(loc="outside lower center", ncols=ncols)


def partial_months(tl: Timeline) -> np.ndarray:
    """Per month of the run: True where the run holds only part of the calendar month."""
    first_day = np.searchsorted(tl.day_month, np.arange(len(tl.month_labels)))
    starts = [tl.start + timedelta(days=int(d)) for d in first_day]
    full = np.array([calendar.monthrange(d.year, d.month)[1] for d in starts])
    return np.asarray(tl.month_days < full)


def _month_ticks_marked(ax: Axes, tl: Timeline) -> None:
    """Month ticks, a partial month starred and the star explained under the axis."""
    partial = partial_months(tl)
    _month_ticks(ax, tl.month_labels, partial)
    if partial.any():
        days = ", ".join(
            f"{tl.month_labels[m]}: {tl.month_days[m]} days" for m in np.flatnonzero(partial)
        )
        ax.set_xlabel(f"* part of the month simulated ({days})", fontsize=SMALL, color=MUTED)


def _headroom(ax: Axes, factor: float = 1.22) -> None:
    low, high = ax.get_ylim()
    ax.set_ylim(low, high * factor)


BAR = 0.6  # bar thickness, in slots


def _min_slots(ax: Axes, n: int, axis: str, slots: int = 4) -> None:
    """Room for at least `slots` bars (or groups), so one bar stays one bar wide instead of
    filling the card; horizontal bars read top down."""
    half = max(n, slots) / 2
    mid = (n - 1) / 2
    if axis == "x":
        ax.set_xlim(mid - half, mid + half)
    else:
        ax.set_ylim(mid + half, mid - half)


def _empty(ax: Axes, text: str) -> None:
    ax.text(0.5, 0.5, text, ha="center", va="center", color=MUTED, transform=ax.transAxes)
    ax.set_xticks([])
    ax.set_yticks([])
    ax.grid(False)


# ----------------------------------------------------------------------------- ROI charts


def revenue_by_month(roi: Roi) -> Chart:
    def draw(fig: Canvas) -> None:
        ax = fig.subplots()
        labels = roi.timeline.month_labels
        x = np.arange(len(labels))
        booked, realised = roi["booked_usd_by_month"], roi["realised_usd_by_month"]
        ax.bar(x - 0.2, booked.value, 0.4, yerr=_yerr(booked), color=BLUE, label="booked",
               error_kw={"ecolor": INK, "lw": 0.8, "capsize": 2})  # fmt: skip
        ax.bar(x + 0.2, realised.value, 0.4, yerr=_yerr(realised), color=TEAL,
               label="realised (patient came)", error_kw={"ecolor": INK, "lw": 0.8, "capsize": 2})  # fmt: skip
        _month_ticks_marked(ax, roi.timeline)
        _usd_axis(ax)
        _headroom(ax, 1.05)
        ax.set_title("Revenue from visits the AI booked, by month")
        _legend_below(fig, 2)
        ax.grid(axis="x", visible=False)

    return draw


def funnel(roi: Roi) -> Chart:
    def draw(fig: Canvas) -> None:
        ax = fig.subplots()
        cases = [uc for uc in USE_CASES if float(roi[f"funnel:{uc}"].value[0]) > 0]
        if not cases:
            _empty(ax, "no contacts in this run")
            return
        width = 0.27
        colors = (MUTED, BLUE, TEAL)
        names = ("contacted", "answered a call", "booked, confirmed, checked in")
        for k in range(3):
            est = [roi[f"funnel:{uc}"] for uc in cases]
            values = np.array([float(e.value[k]) for e in est])
            errors = [_yerr(e) for e in est]
            yerr = None
            if all(err is not None for err in errors):
                yerr = np.hstack([err[:, k : k + 1] for err in errors if err is not None])
            x = np.arange(len(cases)) + (k - 1) * width
            ax.bar(x, values, width * 0.95, color=colors[k], label=names[k], yerr=yerr,
                   error_kw={"ecolor": INK, "lw": 0.8, "capsize": 2})  # fmt: skip
            if k == 2:  # the result bar carries its count, above its error bar
                tops = values + (yerr[1] if yerr is not None else 0.0)
                for xi, value, top in zip(x, values, tops, strict=True):
                    ax.text(xi, top, fmt.count(value), ha="center", va="bottom", fontsize=SMALL)
        ax.set_xticks(np.arange(len(cases)), [SHORT_LABELS[uc] for uc in cases])
        _min_slots(ax, len(cases), "x")
        ax.set_ylabel("patients")
        _headroom(ax, 1.12)
        ax.set_title("From contact to result")
        _legend_below(fig, 2)
        ax.grid(axis="x", visible=False)

    return draw


def kpi_bands(kpis: dict[str, Any]) -> Chart:
    def draw(fig: Canvas) -> None:
        axes = fig.subplots(len(HEALTHY_BANDS), 1)
        fig.suptitle("Against a healthy programme", x=0.02, ha="left", fontsize=10.5,
                     fontweight="bold")  # fmt: skip
        for ax, (label, (scope, key), low, high, red) in zip(axes, HEALTHY_BANDS, strict=True):
            row = kpis.get("overall") if scope == "overall" else kpis.get("by_use_case", {})
            row = (row or {}).get(scope, {}) if scope != "overall" else (row or {})
            value, lo, hi = kpi_estimate(row.get(key))
            right = max(high * 1.6, (red or 0) * 1.25, (hi or value or 0) * 1.15)
            ax.axvspan(low, high, color=GREEN_BAND, zorder=0)
            if red is not None:
                ax.axvline(red, color=RED, lw=1.2, ls="--")
                ax.text(red, 0.95, " 3% red line", color=RED, fontsize=SMALL, va="top",
                        transform=ax.get_xaxis_transform())  # fmt: skip
            ax.set_xlim(0, right)
            ax.set_ylim(-1, 1)
            ax.set_yticks([])
            ax.grid(False)
            ax.spines["left"].set_visible(False)
            _pct_axis(ax, "x", 1 if right < 0.1 else 0)
            ax.xaxis.set_major_locator(MaxNLocator(4, steps=[1, 2, 2.5, 5, 10]))
            band = f"healthy {_pct0(low)}-{_pct0(high)}" if low else f"healthy below {_pct0(high)}"
            if value is None:
                ax.set_title(f"{label}: no contacts", fontsize=SMALL + 0.5, loc="left")
                continue
            inside = low <= value <= high
            color = TEAL if inside else (RED if red is not None and value > red else AMBER)
            xerr = None
            if lo is not None and hi is not None:
                xerr = [[max(value - lo, 0)], [max(hi - value, 0)]]
            ax.errorbar([value], [0], xerr=xerr, fmt="o", ms=8, color=color, ecolor=INK,
                        capsize=3, lw=1)  # fmt: skip
            ax.set_title(f"{label}: {fmt.pct(value)}  ({band})", fontsize=SMALL + 0.5, loc="left",
                         fontweight="normal")  # fmt: skip

    return draw


def optout_trend(roi: Roi) -> Chart:
    def draw(fig: Canvas) -> None:
        ax = fig.subplots()
        labels = roi.timeline.month_labels
        x = np.arange(len(labels))
        est = roi["hard_optout_rate_by_month"]
        # a month the run barely touches has too few contacts for a rate: left out
        short = roi.timeline.month_days < 15
        value = np.where(short, np.nan, np.asarray(est.value, np.float64))
        top = max(0.042, float(np.nanmax(value)) * 1.3 if np.isfinite(value).any() else 0.0)
        if est.high is not None and np.isfinite(est.high).any():
            top = max(top, float(np.nanmax(est.high)) * 1.05)
        ax.axhspan(0, 0.015, color=GREEN_BAND, zorder=0, label="healthy (below 1.5%)")
        ax.axhline(0.03, color=RED, lw=1.2, ls="--", label="3% red line")
        if est.low is not None and est.high is not None:
            low = np.where(short, np.nan, np.asarray(est.low, np.float64))
            high = np.where(short, np.nan, np.asarray(est.high, np.float64))
            ax.fill_between(x, low, high, color=BLUE, alpha=0.18, lw=0)
        ax.plot(x, value, "o-", color=BLUE, lw=1.6, ms=4, label="opted out")
        ax.set_ylim(0, top)
        _month_ticks(ax, labels)
        if short.any():
            left_out = ", ".join(labels[m] for m in np.flatnonzero(short))
            ax.set_xlabel(f"left out, under 15 days simulated: {left_out}", color=MUTED)
        _pct_axis(ax, "y", 1)
        ax.set_title("Opt-outs per patient contacted")
        _legend_below(fig, 2)

    return draw


def contacts_by_week(roi: Roi) -> Chart:
    def draw(fig: Canvas) -> None:
        ax = fig.subplots()
        labels = roi.timeline.week_labels
        x = np.arange(len(labels))
        voice, sms = roi["voice_by_week"].value, roi["sms_by_week"].value
        ax.bar(x, voice, 0.85, color=BLUE, label="calls")
        ax.bar(x, sms, 0.85, bottom=voice, color=AMBER, label="texts")
        _thin_ticks(ax, labels, max(1, -(-len(labels) // 4)))
        _headroom(ax, 1.05)
        ax.set_ylabel("contacts per week")
        ax.set_title("Contacts per week, by channel")
        _legend_below(fig, 2)
        ax.grid(axis="x", visible=False)

    return draw


# ----------------------------------------------------------------------------- compliance charts


def contacts_by_hour(c: Compliance, per_run: bool = False) -> Chart:
    """Contacts by the patient's local hour; `per_run`: the mean of the runs (replications of
    one practice), as the report's other charts show them, not their sum."""
    counts = c.contacts_by_hour / max(c.n_runs, 1) if per_run else c.contacts_by_hour

    def draw(fig: Canvas) -> None:
        ax = fig.subplots()
        start, end = c.window_h
        hours = np.arange(24)
        ax.axvspan(start, end, color=GREEN_BAND, zorder=0,
                   label=f"permitted {_hhmm(start)}-{_hhmm(end)}")  # fmt: skip
        for edge in (start, end):
            ax.axvline(edge, color=TEAL, lw=1.2, ls="--")
        ax.bar(hours + 0.05, counts[0], 0.9, align="edge", color=BLUE, label="calls")
        ax.bar(hours + 0.05, counts[1], 0.9, align="edge", bottom=counts[0],
               color=AMBER, label="texts")  # fmt: skip
        ax.set_xlim(0, 24)
        ax.set_xticks(np.arange(0, 25, 2), [f"{h:02d}:00" for h in range(0, 25, 2)])
        _headroom(ax, 1.05)
        ax.set_xlabel("hour of the day where the patient lives")
        ax.set_ylabel("contacts, mean per replication" if per_run else "contacts")
        ax.set_title("When the contacts landed, in the patient's local time")
        _legend_below(fig, 4)
        ax.grid(axis="x", visible=False)

    return draw


def _hhmm(hour: float) -> str:
    return f"{int(hour):02d}:{round(60 * (hour % 1)):02d}"


def violations_by_rule(c: Compliance) -> Chart:
    def draw(fig: Canvas) -> None:
        ax = fig.subplots()
        rows = [r for r in c.rules if r.violations]
        if not rows:
            _empty(ax, "no violations")
            return
        y = np.arange(len(rows))
        ax.barh(y, [r.violations for r in rows], BAR, color=RED)
        for i, r in enumerate(rows):
            ax.text(r.violations, i, f" {r.violations:,}", va="center", fontsize=SMALL)
        ax.set_yticks(y, [r.rule_id for r in rows])
        _min_slots(ax, len(rows), "y")
        ax.set_xlabel("contacts that broke the rule")
        ax.set_title("Violations by rule")
        ax.grid(axis="y", visible=False)

    return draw


def deferrals_by_rule(c: Compliance) -> Chart:
    def draw(fig: Canvas) -> None:
        ax = fig.subplots()
        rows = c.deferrals
        if not rows:
            _empty(ax, "the gate deferred no contact")
            return
        y = np.arange(len(rows))
        deferred = np.array([r.deferred for r in rows], np.float64)
        dropped = np.array([r.dropped for r in rows], np.float64)
        ax.barh(y, deferred, BAR, color=AMBER, label="deferred (sent later)")
        ax.barh(y, dropped, BAR, left=deferred, color=RED, label="dropped (never sent)")
        ax.set_yticks(y, [r.rule_id for r in rows])
        _min_slots(ax, len(rows), "y")
        ax.set_xlabel("contacts held back by the compliance gate")
        ax.set_title("What compliance cost: contacts deferred or dropped, by rule")
        _legend_below(fig, 2)
        ax.grid(axis="y", visible=False)

    return draw


# ----------------------------------------------------------------------------- sweep charts


def _variant_color(s: Sweep, name: str) -> str:
    if name == s.base:
        return MUTED
    return TEAL if name in s.pareto else BLUE


def pareto(s: Sweep) -> Chart:
    def draw(fig: Canvas) -> None:
        ax = fig.subplots()
        points = []
        for name in s.variants:
            b, o = s.cell(name, "bookings"), s.cell(name, "opt_out_rate")
            if b.mean is None or o.mean is None:
                continue
            points.append((name, o, b))
            xerr = (
                None if o.low is None or o.high is None else [[o.mean - o.low], [o.high - o.mean]]
            )
            yerr = (
                None if b.low is None or b.high is None else [[b.mean - b.low], [b.high - b.mean]]
            )
            on_front = name in s.pareto
            ax.errorbar([o.mean], [b.mean], xerr=xerr, yerr=yerr, fmt="o",
                        ms=9 if on_front else 6, color=_variant_color(s, name),
                        ecolor=GRID if not on_front else TEAL, capsize=2, lw=1, zorder=3)  # fmt: skip
        if not points:
            _empty(ax, "no bookings or opt-out rate in summary.parquet")
            return
        front = sorted(
            (float(o.mean or 0.0), float(b.mean or 0.0))
            for name, o, b in points
            if name in s.pareto
        )
        if front:
            fx, fy = zip(*front, strict=True)
            ax.plot(fx, fy, "-", color=TEAL, lw=2, alpha=0.6, label="Pareto front", zorder=2)
            _legend_below(fig, 1)
        ax.axvline(0.015, color=TEAL, lw=0.8, ls=":")
        ax.axvline(0.03, color=RED, lw=1, ls="--")
        _pct_axis(ax, "x", 1)
        named = [(n + (" (base)" if n == s.base else ""), o.mean, b.mean) for n, o, b in points]
        _side_labels(fig, ax, [(n, float(x or 0.0), float(y or 0.0)) for n, x, y in named])
        ax.set_xlabel("opt-out rate (lower is better)")
        ax.set_ylabel("bookings over the run (higher is better)")
        ax.set_title("Bookings against opt-outs: the Pareto front")

    return draw


def _side_labels(fig: Canvas, ax: Axes, points: list[tuple[str, float, float]]) -> None:
    """Each point's name in a column right of the axes, in the order of the points' heights and
    joined to its point by a thin line: however close the points, no two names overlap."""
    low, high = ax.get_ylim()
    axes_height_in = fig.bbox.height / fig.dpi * 0.75
    gap = SMALL * 1.6 / 72 / axes_height_in  # one line of text, as a fraction of the axes
    order = sorted(points, key=lambda p: (-p[2], p[0]))
    placed: list[float] = []
    for _, _, y in order:  # top down, each name at least a line below the one above
        at = min((y - low) / (high - low), 1.0)
        placed.append(min(at, placed[-1] - gap) if placed else at)
    floor = 0.0
    for i in reversed(range(len(placed))):  # and none below the axes: push up from the bottom
        placed[i] = max(placed[i], floor)
        floor = placed[i] + gap
    for (name, x, y), at in zip(order, placed, strict=True):
        ax.annotate(name, (x, y), xytext=(1.03, at), textcoords="axes fraction", va="center",
                    fontsize=SMALL, annotation_clip=False,
                    arrowprops={"arrowstyle": "-", "color": MUTED, "lw": 0.5,
                                "shrinkA": 2, "shrinkB": 4})  # fmt: skip


def kpis_by_variant_grid(s: Sweep) -> tuple[int, int]:
    """Rows and columns of the KPI small multiples."""
    n = max(len(s.kpis), 1)
    cols = min(n, 3)
    return -(-n // cols), cols


def kpis_by_variant_height_in(s: Sweep) -> float:
    rows, _ = kpis_by_variant_grid(s)
    return rows * (0.9 + 0.32 * len(s.variants))


def kpis_by_variant(s: Sweep) -> Chart:
    def draw(fig: Canvas) -> None:
        rows, cols = kpis_by_variant_grid(s)
        axes = np.atleast_1d(fig.subplots(rows, cols, sharey=True)).ravel()
        y = np.arange(len(s.variants))
        for ax, key in zip(axes, s.kpis, strict=False):
            f = fmt.kpi(key)
            for i, name in enumerate(s.variants):
                c = s.cell(name, key)
                if c.mean is None:
                    continue
                xerr = None
                if c.low is not None and c.high is not None:
                    xerr = [[c.mean - c.low], [c.high - c.mean]]
                ax.errorbar([c.mean], [i], xerr=xerr, fmt="o", color=_variant_color(s, name),
                            ecolor=INK, capsize=2, lw=1, ms=5)  # fmt: skip
            ax.set_yticks(y, list(s.variants))
            ax.set_ylim(len(s.variants) - 0.5, -0.5)
            ax.xaxis.set_major_formatter(FuncFormatter(lambda x, _, f=f: f(x)))
            ax.xaxis.set_major_locator(MaxNLocator(4, steps=[1, 2, 2.5, 5, 10]))
            better = "lower is better" if key in LOWER_IS_BETTER else "higher is better"
            ax.set_title(f"{key.replace('_', ' ')}\n({better})", fontsize=SMALL + 1)
            ax.grid(axis="y", visible=False)
        for ax in axes[len(s.kpis) :]:
            ax.set_visible(False)

    return draw


# ----------------------------------------------------------------------------- ROI: steady state


def mark_warmup(ax: Axes, weeks: float, label: str = "one-time catch-up") -> None:
    """Shade the warm-up on a chart whose x axis counts weeks from the start (bars at 0, 1, ...)."""
    if weeks > 0:
        ax.axvspan(-0.5, weeks - 0.5, color=AMBER, alpha=0.12, lw=0, zorder=0, label=label)


def recovered_by_week(roi: Roi) -> Chart:
    """Recovered revenue by booking week, the warm-up shaded, the steady weekly rate drawn."""

    def draw(fig: Canvas) -> None:
        ax = fig.subplots()
        full = roi.timeline.days // 7  # a partial last week would read as a drop: left out
        labels = roi.timeline.week_labels[:full]
        x = np.arange(len(labels))
        weekly = np.asarray(roi["recovered_by_booking_week"].value, np.float64)[:full]
        warm_weeks = float(roi["warmup_days"]) / 7
        mark_warmup(ax, warm_weeks)
        colors = [AMBER if i < warm_weeks else TEAL for i in x]
        ax.bar(x, weekly, 0.85, color=colors)
        steady = float(roi["steady:beyond_manual_usd"]) / 365 * 7
        if np.isfinite(steady):
            ax.axhline(steady, color=INK, lw=1.2, ls="--",
                       label=f"steady rate {fmt.usd(steady)} a week")  # fmt: skip
        _thin_ticks(ax, labels, max(1, -(-len(labels) // 6)))
        _usd_axis(ax)
        _headroom(ax, 1.15)
        ax.set_title("Recovered revenue by the week it was booked")
        _legend_below(fig, 2)
        ax.grid(axis="x", visible=False)

    return draw


def tornado(roi: Roi) -> Chart:
    """The steady net return with each assumption at its low and high value, largest swing on top."""

    def draw(fig: Canvas) -> None:
        ax = fig.subplots()
        s = roi.sensitivity
        if s is None:
            _empty(ax, "no steady state measured")
            return
        rows = s.rows
        y = np.arange(len(rows))
        base = s.base_net
        for i, r in enumerate(rows):
            for net, color, text in ((r.net_at_low, AMBER, r.low), (r.net_at_high, BLUE, r.high)):
                ax.barh(i, net - base, left=base, color=color, height=0.6)
                ax.text(net, i, f" {text} ", va="center", fontsize=8,
                        ha="left" if net >= base else "right")  # fmt: skip
        ax.axvline(base, color=INK, lw=1.2)
        ax.set_yticks(y, [r.assumption for r in rows], fontsize=8.5)
        ax.invert_yaxis()
        low, high = ax.get_xlim()
        pad = 0.18 * (high - low)
        ax.set_xlim(low - pad, high + pad)
        _usd_axis(ax, "x")
        ax.set_xlabel(f"steady-state net return a year (line: {fmt.usd(base)} as given)")
        ax.set_title("What the net return depends on")
        handles = [Patch(color=AMBER, label="assumption at its low value"),
                   Patch(color=BLUE, label="at its high value")]  # fmt: skip
        # below the axes, so it never covers a bar
        fig.legend(handles=handles, loc="outside lower center", ncols=2)
        ax.grid(axis="y", visible=False)

    return draw
