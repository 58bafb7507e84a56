"""Calling windows that end on the half hour: the gate judges a contact at its minute, not at the
whole UTC hour it falls in (rules may set "08:30" to "20:30")."""

from __future__ import annotations

from pathlib import Path

import pytest

from dentsim.cli import main
from dentsim.compliance.gate import Refusal
from dentsim.domain.calendar import DAY_S
from dentsim.domain.population import generate
from dentsim.experiments.tasks import run_scenario
from dentsim.scenario import Scenario, apply_overrides, load_scenario
from dentsim.simulation.model import PracticeModel
from dentsim.simulation.planner import Item, Touch, touch
from tests.conftest import ROOT, small

HALF_HOUR_RULES = """\
federal_calling_window:
  window: {start_local: "08:30", end_local: "20:30"}
state_calling_window:
  enabled: false
"""


@pytest.fixture
def half_hour_rules(tmp_path: Path) -> Path:
    path = tmp_path / "halfhour_rules.yaml"
    path.write_text(HALF_HOUR_RULES, encoding="utf-8")
    return path


def recall_call(model: PracticeModel, patient: int, t: float) -> Touch:
    day = model.clock.local_day(model.facts.home_zone[patient], t)
    return touch(
        patient, str(model.patients.phone[patient]), "voice", t, day, model.zones[patient],
        (Item(patient, "recall", 0),),
    )  # fmt: skip


def at_local(model: PracticeModel, zone: str, day: int, hh: int, mm: int) -> float:
    """The simulation time at which it is hh:mm on local day `day` in `zone`."""
    target = day * DAY_S + hh * 3600 + mm * 60
    t = float(target)
    for _ in range(3):
        t += target - model.clock.local_seconds(zone, t)
    assert model.clock.local_seconds(zone, t) == target
    return t


def test_the_gate_refuses_a_call_at_20_31_when_the_window_ends_at_20_30(
    baseline: Scenario, half_hour_rules: Path
) -> None:
    scenario = small(baseline, population__patients=60, rules_file=str(half_hour_rules))
    practice, patients = generate(scenario)
    model = PracticeModel.build(scenario, practice, patients, 0)
    day = next(d for d in range(1, 15) if model.clock.weekday(d) == 1)  # a Tuesday
    # a patient reached in one zone, whom nothing but the time of day could refuse
    candidates = [p for p in range(len(patients)) if len(model.zones[p]) == 1]
    p = next(
        p
        for p in candidates
        if model.gate.check(
            recall_call(model, p, t := at_local(model, model.zones[p][0], day, 12, 0)),
            t,
            model.state,
        )
        is None
    )
    zone = model.zones[p][0]
    gate = model.gate
    for hh, mm, expected in [
        (20, 0, None),  # the hour is judged first at its start...
        (20, 29, None),
        (20, 31, Refusal("federal_calling_window", None)),  # ...but 20:31 is past the window
        (20, 30, Refusal("federal_calling_window", None)),
        (8, 29, "federal_calling_window"),
        (8, 30, None),
    ]:
        t = at_local(model, zone, day, hh, mm)
        refusal = gate.check(recall_call(model, p, t), t, model.state)
        if isinstance(expected, str):  # refused, to be retried later the same day
            assert refusal is not None and refusal.rule_id == expected, (hh, mm, refusal)
            assert refusal.retry_at is not None and refusal.retry_at > t
            assert (
                gate.check(recall_call(model, p, refusal.retry_at), refusal.retry_at, model.state)
                is None
            )
        else:
            assert refusal == expected, (hh, mm)


def test_a_run_under_half_hour_windows_passes_dentsim_check(
    half_hour_rules: Path, tmp_path: Path
) -> None:
    scenario = apply_overrides(
        load_scenario(ROOT / "scenarios" / "compliance_stress.yaml"),
        {
            "rules_file": str(half_hour_rules),
            "population.patients": 300,
            "days": 14,
            "strategy.dial_time": "spread",
        },
    )
    run_scenario(scenario, tmp_path / "run")
    assert main(["check", "--rules", str(half_hour_rules), str(tmp_path / "run")]) == 0
