"""The audit can fail: defects injected into the gate, one at a time, are each caught by rule id.

Each mutation replaces one decision of the gate with a wrong one, runs a small compliance-stress
practice under it, and audits the run. A defect the audit does not report under the right rule
fails the suite. The unmutated gate, on the same runs, must give zero violations.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from dentsim.compliance.audit import audit_run
from dentsim.compliance.gate import Gate
from dentsim.domain.pms import PracticeState
from dentsim.experiments.tasks import run_scenario
from dentsim.scenario import Scenario, apply_overrides, load_scenario
from dentsim.simulation import contacts as contacts_module
from tests.conftest import ROOT

STRESS = ROOT / "scenarios" / "compliance_stress.yaml"


def stress(**overrides: Any) -> Scenario:
    """A small compliance-stress practice: 400 patients over two months with a DST change."""
    base = {"population.patients": 400, "start_date": "2026-02-20", "days": 60}
    base.update({k.replace("__", "."): v for k, v in overrides.items()})
    return apply_overrides(load_scenario(STRESS), base)


def violations(scenario: Scenario, out: Path) -> dict[str, int]:
    run_scenario(scenario, out)
    report = audit_run(out)
    return {r.rule_id: r.violations for r in report.results if r.violations}


def _utc_clock(self: Gate, zone: str, t: float) -> tuple[float, int]:
    return t % 86_400, int(t // 86_400)  # the defect: UTC taken for local time


def _dst_off_by_one(self: Gate, zone: str, t: float) -> tuple[float, int]:
    local = self.clock.local_seconds(zone, t)
    day = int(local // 86_400)
    if self.clock.date_of(day).isoformat() in ("2026-03-08", "2026-11-01"):
        local -= 3600  # the defect: the offset of the day before, on the change day
    return local % 86_400, int(local // 86_400)


def _both_channels_separately(self: Gate, history: list, touch: Any, not_counted: Any) -> list:
    return [h for h in history if h[3] == touch.channel]  # the defect: caps counted per channel


def _voicemail_naming_the_procedure(name: str, phone: str, purposes: tuple[str, ...]) -> str:
    return f"Hello from {name} about your extraction follow-up. Please call {phone}."


def _pause_overwritten(self: PracticeState, patient: int, until_t: float, first_day: int) -> None:
    self.paused_until_t[patient] = until_t  # the defect: a shorter pause replaces a running one
    self.paused_until_day[patient] = first_day


MUTATIONS: dict[str, tuple[str, Callable[[pytest.MonkeyPatch], None], dict[str, Any]]] = {
    "ignores opt-outs": (
        "opt_out",
        lambda mp: mp.setattr(Gate, "_opted_out", lambda self, state, patient, channel: False),
        {"behaviour__p_opt_out_base": 0.05},
    ),
    "uses UTC instead of local time": (
        "federal_calling_window",
        lambda mp: mp.setattr(Gate, "_local", _utc_clock),
        {},
    ),
    "uses only the address zone": (
        "federal_calling_window",
        lambda mp: mp.setattr(
            Gate, "_zones", lambda self, touch: (self._home_zone[touch.patient],)
        ),
        {"population__share_out_of_state_area_code": 0.0},
    ),
    "ignores state windows": (
        "state_calling_window",
        lambda mp: mp.setattr(Gate, "_state_window", lambda self, state, weekday: None),
        {},
    ),
    "counts the daily cap per channel": (
        "healthcare_daily_cap",
        lambda mp: mp.setattr(Gate, "_counted", _both_channels_separately),
        {  # recall calls and treatment-plan texts fall due together, and are not combined
            "campaigns__recall__cadence": [{"day": 0, "channel": "voice"}],
            "campaigns__treatment_plan__cadence": [{"day": 7, "channel": "sms"}],
            "clinical__share_unscheduled_plans_at_start": 0.6,
            "population__share_text_allowed": 1.0,
        },
    ),
    "is an hour off on the DST change day": (
        "federal_calling_window",
        lambda mp: mp.setattr(Gate, "_local", _dst_off_by_one),
        {  # New Yorkers (no state window), everything planned for 21:00-22:00, just past the window
            "start_date": "2026-03-05",
            "days": 7,
            "population__patients": 800,
            "population__address_state_mix": {"NY": 1.0},
            "population__area_code_mix": {"212": 0.25, "718": 0.25, "917": 0.25, "646": 0.25},
            "strategy__call_hours": {"open": "21:00", "close": "22:00"},
        },
    ),
    "ignores Sunday and holiday bans": (
        "state_sunday_holiday_ban",
        lambda mp: mp.setattr(Gate, "_banned", lambda self, state, weekday, d: False),
        {},
    ),
    "lets a voicemail name the procedure": (
        "hipaa_minimum_necessary",
        lambda mp: (
            mp.setattr(contacts_module, "render_voicemail", _voicemail_naming_the_procedure),
            mp.setattr(Gate, "message", lambda self, touch, text: None),
        ),
        {},
    ),
    "dials a number marked wrong": (
        "wrong_number",
        lambda mp: mp.setattr(Gate, "_marked_wrong", lambda self, state, patient: False),
        {"population__share_reassigned_numbers": 0.2},
    ),
    "ignores a no-voicemail preference": (
        "confidential_no_voicemail",
        lambda mp: mp.setattr(Gate, "may_leave_voicemail", lambda self, touch: True),
        {"population__share_no_voicemail": 0.3},
    ),
    "ignores the internal do-not-call list": (
        "internal_dnc",
        lambda mp: mp.setattr(Gate, "_on_dnc_list", lambda self, patient: False),
        {"population__share_do_not_call": 0.2},
    ),
    "ignores the consent a posture needs": (
        "consent_required",
        lambda mp: mp.setattr(Gate, "_consented", lambda self, touch: True),
        {
            "campaigns__reactivation__legal_posture": "written_consent",
            "population__share_written_consent": 0.2,
        },
    ),
    "shortens a running pause": (
        "soft_opt_out_pause",
        lambda mp: mp.setattr(PracticeState, "pause_outreach", _pause_overwritten),
        {  # many soft opt-outs, some said in confirmation and post-op calls during a pause
            "dialogue__play": False,
            "behaviour__p_soft_opt_out_base": 0.5,
            "strategy__soft_opt_out_pause_days": {"min": 1, "max": 60},
            "clinical__p_procedure_at_hygiene_visit": 0.6,
            "clinical__share_unscheduled_plans_at_start": 0.6,
            "campaigns__confirmation__sms_first": False,
            "population__share_prebooked": 0.9,
        },
    ),
}


@pytest.mark.parametrize("name", sorted(MUTATIONS))
def test_the_audit_catches_a_gate_that(
    name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    rule_id, mutate, overrides = MUTATIONS[name]
    scenario = stress(**overrides)
    assert violations(scenario, tmp_path / "correct") == {}, "the correct gate must pass first"
    mutate(monkeypatch)
    found = violations(scenario, tmp_path / "mutant")
    assert found.get(rule_id, 0) > 0, (
        f"{name}: expected {rule_id}, audit found {found or 'nothing'}"
    )
