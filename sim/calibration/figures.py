"""Each figure a practice observes: how a run measures it, and the one behaviour parameter that
drives it (the parameter `dentsim calibrate` fits to it)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from dentsim.errors import InputError
from dentsim.results import metrics
from dentsim.scenario import Scenario
from dentsim.scenario.calibration import FIGURE_LABELS
from dentsim.simulation.engine import simulate_practice

NO_SHOW_CONFIRMED = "behaviour.p_no_show_confirmed"


@dataclass(frozen=True, slots=True)
class Driver:
    """The parameter fitted to a figure, and the range the scenario schema allows it.

    Attributes:
        key: its dotted scenario key.
        low, high: its bounds (the scenario's own limits for the key).
        why: what it does, for the written scenario's comment.
    """

    key: str
    low: float
    high: float
    why: str


DRIVERS: dict[str, Driver] = {
    "connect_rate": Driver(
        "behaviour.own_practice_answer_factor", 0.5, 3.0, "scales every patient's answer curve"
    ),
    "voicemail_rate": Driver(
        "telephony.p_voicemail_box", 0.0, 1.0, "unanswered dials that reach a machine"
    ),
    "conversion.recall": Driver("behaviour.p_accept.recall", 0.0, 1.0, "acceptance of a slot"),
    "conversion.reactivation": Driver(
        "behaviour.p_accept.reactivation", 0.0, 1.0, "acceptance of a slot"
    ),
    "conversion.treatment_plan": Driver(
        "behaviour.p_accept.treatment_plan", 0.0, 1.0, "acceptance of a slot"
    ),
    "no_show_rate": Driver(
        "behaviour.p_no_show_unconfirmed",
        0.0,
        1.0,
        "no-shows of unconfirmed visits (confirmed ones keep their ratio to it)",
    ),
    "opt_out_rate": Driver(
        "behaviour.p_opt_out_base", 0.0, 1.0, "opt-out hazard of a contact at zero pressure"
    ),
}


def current(scenario: Scenario, key: str) -> float:
    """The value of a dotted key in the scenario (defaults included)."""
    node: Any = scenario.model_dump()
    for part in key.split("."):
        node = node[part]
    return float(node)


def bounds(scenario: Scenario, figure: str) -> tuple[float, float]:
    """The fitted parameter's range; the no-show one stops where the confirmed rate, kept in
    ratio, would pass 1."""
    driver = DRIVERS[figure]
    high = driver.high
    if figure == "no_show_rate":
        unconfirmed, confirmed = current(scenario, driver.key), current(scenario, NO_SHOW_CONFIRMED)
        if unconfirmed > 0 and confirmed > unconfirmed:
            high = unconfirmed / confirmed
    return driver.low, high


def overrides(scenario: Scenario, values: dict[str, float]) -> dict[str, float]:
    """The dotted overrides that set each figure's parameter to its value (figure -> value)."""
    out = {}
    for figure, value in values.items():
        out[DRIVERS[figure].key] = value
        if figure == "no_show_rate":
            unconfirmed = current(scenario, DRIVERS[figure].key)
            if unconfirmed > 0:  # a confirmed visit's no-show rate keeps its ratio to it
                ratio = current(scenario, NO_SHOW_CONFIRMED) / unconfirmed
                out[NO_SHOW_CONFIRMED] = min(1.0, value * ratio)
    return out


def _no_show_rate(tables: dict[str, pa.Table]) -> float | None:
    appts = tables["appointments"]
    done = appts.filter(pc.is_in(appts["status"], pa.array(["attended", "no_show"])))
    missed = int(pc.sum(pc.equal(done["status"], "no_show")).as_py() or 0)
    return missed / done.num_rows if done.num_rows else None


def _kpi(scope: str, key: str) -> Callable[[dict[str, Any], dict[str, pa.Table]], float | None]:
    def value(kpis: dict[str, Any], tables: dict[str, pa.Table]) -> float | None:
        row = kpis["overall"] if scope == "overall" else kpis["by_use_case"].get(scope, {})
        return row.get(key)

    return value


MEASURES: dict[str, Callable[[dict[str, Any], dict[str, pa.Table]], float | None]] = {
    "connect_rate": _kpi("overall", "connect_rate"),
    "voicemail_rate": _kpi("overall", "voicemail_rate"),
    "conversion.recall": _kpi("recall", "conversion"),
    "conversion.reactivation": _kpi("reactivation", "conversion"),
    "conversion.treatment_plan": _kpi("treatment_plan", "conversion"),
    "no_show_rate": lambda kpis, tables: _no_show_rate(tables),
    "opt_out_rate": _kpi("overall", "opt_out_rate"),
}


def measure(task: tuple[Scenario, tuple[str, ...]]) -> list[float | None]:
    """Simulate one practice-year and measure the figures (None: the run had nothing to
    measure, e.g. no recall contact). A top-level function, for worker processes."""
    scenario, figures = task
    tables = simulate_practice(scenario).tables
    kpis = metrics.kpis(tables)
    return [MEASURES[f](kpis, tables) for f in figures]


def check_measurable(scenario: Scenario, figures: list[str], where: dict[str, str]) -> None:
    """Refuse a figure the scenario cannot produce (a use case it does not run), before any
    simulation: InputError naming the observed file's line."""
    problems = []
    for figure in figures:
        section, _, use_case = figure.partition(".")
        if section == "conversion" and not getattr(scenario.campaigns, use_case).enabled:
            problems.append(
                f"{where[figure]}: the scenario does not run {use_case} "
                f"(campaigns.{use_case}), so it cannot be fitted to the observed "
                f"{FIGURE_LABELS[figure]}"
            )
    if problems:
        raise InputError(problems)
