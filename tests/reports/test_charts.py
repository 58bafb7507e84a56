"""The charts as a reader sees them: text big enough at 1280 px, legends off the data, labels
inside the picture, partial months marked, Pareto names apart, one bar not a whole card."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.text import Text
from matplotlib.transforms import Bbox

from dentsim.reports import charts
from dentsim.reports.compliance import Compliance, DeferralRow
from dentsim.reports.report import CHART_SIZE_IN, _run_report
from dentsim.reports.results import open_results
from dentsim.reports.roi import load_roi_inputs
from dentsim.reports.sweep import Cell, Sweep

# How wide the HTML shows a chart at a 1280 px window: a card's width (about 940 px), or half a
# card for the charts side by side (about 460 px). The PNG is scaled to it.
DISPLAY_PX = {"funnel": 460, "kpi_bands": 460, "optout_trend": 460, "contacts_by_week": 460}
CARD_PX = 940


@pytest.fixture(scope="module")
def run_charts(replicated_dir):
    _, draws, _, _ = _run_report(open_results(replicated_dir), load_roi_inputs(None), None)
    return draws


def render(draw, size_in):
    with charts.style():
        fig = Figure(figsize=size_in, dpi=110, layout="constrained")
        FigureCanvasAgg(fig)
        draw(fig)
        fig.draw_without_rendering()
    return fig, fig.canvas.get_renderer()


def texts(fig):
    return [t for t in fig.findobj(Text) if t.get_visible() and t.get_text().strip()]


def overlaps(a: Bbox, b: Bbox) -> bool:
    return a.x0 < b.x1 and b.x0 < a.x1 and a.y0 < b.y1 and b.y0 < a.y1


def test_every_chart_text_is_at_least_10_px_at_1280_px(run_charts):
    for name, draw in run_charts.items():
        size = CHART_SIZE_IN[name]
        fig, _ = render(draw, size)
        scale = DISPLAY_PX.get(name, CARD_PX) / (size[0] * 72)  # screen px per point
        for t in texts(fig):
            assert t.get_fontsize() >= charts.SMALL, (name, t.get_text())
            assert t.get_fontsize() * scale >= 10, (name, t.get_text(), t.get_fontsize())


def test_legends_never_cover_the_data_or_the_ticks(run_charts):
    checked = 0
    for name, draw in run_charts.items():
        fig, r = render(draw, CHART_SIZE_IN[name])
        for legend in [*fig.legends, *(ax.get_legend() for ax in fig.axes if ax.get_legend())]:
            box = legend.get_window_extent(r)
            for ax in fig.axes:
                assert not overlaps(box, ax.get_window_extent(r)), name  # the data area
                for label in ax.get_xticklabels() + ax.get_yticklabels():
                    if label.get_text():
                        assert not overlaps(box, label.get_window_extent(r)), (name, label)
            checked += 1
    assert checked >= 5


def test_titles_axis_labels_and_legends_stay_inside_the_picture(run_charts):
    for name, draw in run_charts.items():
        fig, r = render(draw, CHART_SIZE_IN[name])
        frame = fig.bbox.padded(1)
        parts = [*fig.legends]
        for ax in fig.axes:
            parts += [ax.xaxis.label, ax.yaxis.label, ax.title, *ax.texts]
        for part in parts:
            if isinstance(part, Text) and not part.get_text():
                continue
            box = part.get_window_extent(r)
            assert frame.contains(box.x0, box.y0) and frame.contains(box.x1, box.y1), (name, part)


def test_a_partial_month_is_starred_and_a_barely_simulated_one_left_out(replicated_dir):
    page, draws, _, _ = _run_report(open_results(replicated_dir), load_roi_inputs(None), None)
    fig, _ = render(draws["revenue_by_month"], CHART_SIZE_IN["revenue_by_month"])
    ax = fig.axes[0]
    labels = [t.get_text() for t in ax.get_xticklabels()]
    # the small scenario: 120 days from Jan 5, so January and the last month are partial
    assert labels[0].endswith("*") and labels[-1].endswith("*")
    assert not any(lab.endswith("*") for lab in labels[1:-1])
    assert "part of the month simulated" in ax.get_xlabel()
    fig, _ = render(draws["optout_trend"], CHART_SIZE_IN["optout_trend"])
    line = next(line for line in fig.axes[0].lines if line.get_label() == "opted out")
    y = np.asarray(line.get_ydata(), float)
    assert np.isnan(y[-1]) and np.isfinite(y[:-1]).all()  # May 2026: 5 days simulated


def sweep_of(points: dict[str, tuple[float, float]]) -> Sweep:
    cells = {}
    for name, (bookings, opt_out) in points.items():
        cells[(name, "bookings")] = Cell(bookings, bookings - 5, bookings + 5, 0, 0, 0)
        cells[(name, "opt_out_rate")] = Cell(opt_out, opt_out - 0.001, opt_out + 0.001, 0, 0, 0)
    names = tuple(points)
    return Sweep("a", names, {n: {} for n in names}, 3, ("bookings", "opt_out_rate"), cells,
                 names[:2])  # fmt: skip


def test_pareto_names_never_overlap_even_on_one_point():
    s = sweep_of({"a": (120, 0.012), "b": (120.2, 0.0121), "c": (119.9, 0.012),
                  "a_much_longer_name": (120.1, 0.0119), "e": (140, 0.02)})  # fmt: skip
    fig, r = render(charts.pareto(s), CHART_SIZE_IN["pareto"])
    names = [t for t in fig.axes[0].texts if t.get_text()]
    assert len(names) == 5
    for a, b in itertools.combinations(names, 2):
        # the names themselves (an annotation's own extent includes its leader line)
        assert not overlaps(Text.get_window_extent(a, r), Text.get_window_extent(b, r)), (a, b)


def test_one_bar_does_not_fill_its_chart():
    c = Compliance(n_runs=1, deferrals=[DeferralRow("internal_dnc", 0, 12, None)])
    fig, r = render(charts.deferrals_by_rule(c), CHART_SIZE_IN["deferrals_by_rule"])
    ax = fig.axes[0]
    bars = [p for p in ax.patches if p.get_width() > 0]
    assert len(bars) == 1
    assert bars[0].get_window_extent(r).height < 0.25 * ax.get_window_extent(r).height


def test_a_replicated_hour_of_day_chart_shows_the_mean_not_the_sum():
    c = Compliance(n_runs=4)
    c.contacts_by_hour[0, 10] = 400.0
    fig, _ = render(charts.contacts_by_hour(c, per_run=True), CHART_SIZE_IN["contacts_by_hour"])
    heights = [p.get_height() for p in fig.axes[0].patches if p.get_height() > 0]
    assert max(heights) == pytest.approx(100.0)
