"""The command's tables stay readable in an 80-column terminal: no label or value is cut, so no
two rows look alike; a wide terminal keeps one table."""

from __future__ import annotations

import io
import re

import pytest
from rich.console import Console

from dentsim.cli.tables import ci_table, kpi_table, sweep_table
from dentsim.results.stats import mean_ci, summarise

OVERALL = {
    "attempts": 12964, "attempts_voice": 11041, "attempts_sms": 1923, "patients_contacted": 1487,
    "patients_reached_live": 1268, "connect_rate": 0.406, "voicemail_rate": 0.178,
    "opt_outs": 22, "opt_out_rate": 0.015, "soft_opt_outs": 45, "soft_opt_out_rate": 0.03,
    "ai_minutes": 8464.7, "sms_sent": 1923, "bookings": 423, "patients_booked": 361,
    "conversion": 0.243, "booked_revenue": 123456.0, "realised_revenue": 101234.0,
    "staff_minutes": 1234.5, "no_shows": 87, "no_shows_prevented": 41,
}  # fmt: skip
USE_CASES = {
    "recall": {"attempts": 5910, "bookings": 271, "conversion": 0.197},
    "reactivation": {"attempts": 1223, "bookings": 39, "conversion": 0.1},
    "confirmation": {"visits_due": 1800, "would_be_no_shows": 210, "voice_fallback_recovery": 0.4},
    "post_op": {"check_ins": 301, "staff_callbacks": 12, "staff_callback_wait_h_median": 13.0},
    "treatment_plan": {"attempts": 2664, "bookings": 98, "booked_revenue": 98765.0},
}
KPIS = {"overall": OVERALL, "by_use_case": USE_CASES}
LABELS = [*OVERALL, *(k for row in USE_CASES.values() for k in row)]


def text(renderable: object, width: int) -> str:
    out = io.StringIO()
    Console(file=out, width=width, color_system=None).print(renderable)
    return out.getvalue()


def words(rendered: str) -> set[str]:
    return set(re.findall(r"[\w.%$,±=+-]+", rendered))


def replicated() -> dict:
    return summarise([KPIS, KPIS | {"overall": {k: v * 1.1 for k, v in OVERALL.items()}}])


@pytest.mark.parametrize(
    ("table", "values"),
    [
        ("kpis", {"12,964", "40.6%", "$123,456"}),
        ("replicated", {"13,612.2", "8,236.2", "$129,629"}),
    ],
)
def test_every_kpi_label_and_value_is_whole_in_80_columns(table: str, values: set[str]) -> None:
    made = kpi_table(KPIS, "baseline") if table == "kpis" else ci_table(replicated(), "baseline")
    rendered = text(made, 80)
    assert "…" not in rendered
    assert max(len(line) for line in rendered.splitlines()) <= 80
    assert set(LABELS) <= words(rendered)
    assert values | {"treatment_plan", "confirmation", "reactivation"} <= words(rendered)


def test_a_wide_terminal_keeps_one_kpi_table() -> None:
    rendered = text(kpi_table(KPIS, "baseline"), 200)
    assert rendered.count("KPI") == 1
    assert "…" not in rendered


def test_the_sweep_table_keeps_variant_names_and_values_whole_in_80_columns() -> None:
    entry = mean_ci([100.0, 110.0]) | {"diff_mean": 5.0, "diff_ci_low": 1.0, "diff_ci_high": 9.0}
    rates = mean_ci([0.01, 0.02]) | {"diff_mean": 0.001, "diff_ci_low": 0.0, "diff_ci_high": 0.002}
    names = ["base", "unknown_caller_id", "dial_time=best_hour,cap_per_week=2",
             "dial_time=burst,cap_per_week=2"]  # fmt: skip
    overall = {"bookings": entry, "opt_out_rate": rates, "connect_rate": rates, "conversion": rates}
    summary = {
        "sweep": "cadence",
        "base_variant": "base",
        "replications": 2,
        "variants": {n: {"overall": overall, "by_use_case": {}} for n in names},
    }
    rendered = text(sweep_table(summary, {"front": names[:1]}), 80)
    assert "…" not in rendered
    assert max(len(line) for line in rendered.splitlines()) <= 80
    for name in names:
        assert name in rendered.replace("\n", "") or name in words(rendered)
    assert {"105.0", "±", "63.5"} <= words(rendered)


def test_an_interval_cut_at_zero_shows_its_ends_not_a_plus_minus() -> None:
    summary = summarise(
        [
            {"overall": {"sms_sent": v, "attempts": 100 + v}, "by_use_case": {}}
            for v in [0] * 9 + [1]
        ]
    )
    rendered = text(ci_table(summary, "baseline"), 80)
    assert "0.1 (0.0 to 0.3)" in " ".join(rendered.split())
    assert "100.1 ± 0.2" in " ".join(rendered.split())
