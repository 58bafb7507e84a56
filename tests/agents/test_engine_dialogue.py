"""Dialogue in the engine: every answered call is played, transcribed, timed by its words, and acted on."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from dentsim.compliance.audit import audit_run
from dentsim.experiments.tasks import run_scenario
from dentsim.scenario import Scenario, apply_overrides, load_scenario
from tests.conftest import BASELINE, small


@pytest.fixture(scope="module")
def scenario() -> Scenario:
    return small(load_scenario(BASELINE), days=90)


@pytest.fixture(scope="module")
def run_dir(scenario: Scenario, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("dialogue") / "run"
    run_scenario(scenario, out)
    return out


def transcripts(run: Path) -> list[dict]:
    return [json.loads(line) for line in (run / "transcripts.jsonl").read_text().splitlines()]


def test_every_answered_call_has_a_transcript_keyed_by_its_attempt(run_dir: Path) -> None:
    attempts = pq.read_table(run_dir / "attempts.parquet").to_pylist()
    answered = {
        a["attempt_id"]
        for a in attempts
        if a["answered_by"] in ("patient", "household", "stranger")
        and "hung_up_on_silence" not in a["outcome"]  # hung up while the machine detector listened
    }
    played = {t["attempt_id"] for t in transcripts(run_dir)}
    assert answered and played == answered


def test_a_transcript_opens_with_the_practice_and_the_ai_and_its_turns_are_timed(
    run_dir: Path,
) -> None:
    practice = pq.read_table(run_dir / "practices.parquet").to_pylist()[0]["name"]
    for t in transcripts(run_dir)[:200]:
        agent_turns = [turn for turn in t["turns"] if turn["speaker"] == "agent"]
        assert (
            practice in agent_turns[0]["text"] and "autom" in agent_turns[0]["text"]
        )  # automated, automático
        offsets = [turn["t_s"] for turn in t["turns"]]
        assert offsets == sorted(offsets)
        assert set(t["turns"][0]) == {"speaker", "intent", "text", "t_s", "verified"}


def test_call_duration_follows_the_words_spoken(run_dir: Path) -> None:
    attempts = {a["attempt_id"]: a for a in pq.read_table(run_dir / "attempts.parquet").to_pylist()}
    for t in transcripts(run_dir)[:200]:
        talk_s = t["turns"][-1]["t_s"]
        assert attempts[t["attempt_id"]]["duration_s"] >= talk_s  # ringing and detection come first


def test_bookings_come_from_the_agents_actions(run_dir: Path) -> None:
    booked_calls = {
        b["attempt_id"]
        for b in pq.read_table(run_dir / "bookings.parquet").to_pylist()
        if b["via"] == "call"
    }
    by_attempt = {t["attempt_id"]: t for t in transcripts(run_dir)}
    assert booked_calls
    for attempt_id in booked_calls:
        said = by_attempt[attempt_id]["turns"]
        assert any(
            turn["speaker"] == "patient" and turn["intent"] == "accept_slot" for turn in said
        )


def test_the_scripted_agent_never_speaks_a_protected_detail_unverified(run_dir: Path) -> None:
    report = audit_run(run_dir)
    result = next(r for r in report.results if r.rule_id == "hipaa_verify_before_phi")
    assert report.transcripts_checked and result.violations == 0


def test_a_leaky_agent_in_the_engine_is_caught_by_the_audit(
    scenario: Scenario, tmp_path: Path
) -> None:
    leaky = apply_overrides(
        scenario,
        {"dialogue.agent": "dentsim.agents.examples.leaky_household:make_agent", "campaigns.post_op.enabled": True,
         "clinical.p_procedure_at_hygiene_visit": 0.3, "population.share_households_sharing_home_phone": 1.0},
    )  # fmt: skip
    run_scenario(leaky, tmp_path / "leaky")
    report = audit_run(tmp_path / "leaky")
    result = next(r for r in report.results if r.rule_id == "hipaa_verify_before_phi")
    assert result.violations > 0


def test_the_outcomes_only_mode_skips_the_words_but_keeps_the_actions(
    scenario: Scenario, tmp_path: Path
) -> None:
    quick = apply_overrides(scenario, {"dialogue.play": False})
    run_scenario(quick, tmp_path / "quick")
    assert not (tmp_path / "quick" / "transcripts.jsonl").exists() or not transcripts(
        tmp_path / "quick"
    )
    bookings = pq.read_table(tmp_path / "quick" / "bookings.parquet").to_pylist()
    assert any(b["via"] == "call" for b in bookings)
    assert audit_run(tmp_path / "quick").contacts_checked > 0
