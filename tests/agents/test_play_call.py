"""Playing one call: the transcript, its clock, verification, outcomes, and agents that misbehave."""

from __future__ import annotations

import ast
from pathlib import Path

import numpy as np
import pytest

from dentsim.agents.dialogue import play_call
from dentsim.agents.protocol import Action, AgentTurn, CallContext, Utterance

from .calls import VERIFIED, call, context, patient


class Recorder:
    """An agent that asks for the date of birth, then books slot-1; it notes what it was told."""

    def __init__(self) -> None:
        self.seen_verified: list[bool] = []

    def respond(self, context: CallContext, utterance: Utterance) -> AgentTurn:
        self.seen_verified.append(context.identity_verified)
        if context.agent_state is None:
            return AgentTurn("Hi, automated assistant here. Is this Maria?", "opening", state=1)
        if context.agent_state == 1:
            return AgentTurn("Your date of birth, please?", "verify_identity", state=2)
        return AgentTurn(
            "Booked.", "confirm_booking", (Action("book", "slot-1"), Action("end_call"))
        )


def test_time_offsets_follow_the_words_spoken_at_the_speaking_rate() -> None:
    result = call({**VERIFIED, "offer_slots": ["accept_slot"]}, "recall")
    slow = play_call(
        Recorder(), patient(VERIFIED), context(), np.random.default_rng(0), words_per_minute=100
    )
    assert [t.t_s for t in result.turns] == sorted(t.t_s for t in result.turns)
    for before, after in zip(result.turns, result.turns[1:], strict=False):
        words = len(before.text.split())
        assert after.t_s - before.t_s == pytest.approx(words * 60 / 150 + 0.6)
    last = result.turns[-1]
    assert result.duration_s == pytest.approx(last.t_s + len(last.text.split()) * 60 / 150)
    fast = play_call(
        Recorder(), patient(VERIFIED), context(), np.random.default_rng(0), words_per_minute=200
    )
    assert slow.duration_s > fast.duration_s


def test_identity_counts_as_verified_only_once_the_patient_answers_the_question() -> None:
    recorder = Recorder()
    result = play_call(recorder, patient(VERIFIED), context(), np.random.default_rng(0))
    assert recorder.seen_verified == [False, False, True]
    assert result.identity_verified and result.outcome == "booked"


def test_a_household_member_giving_a_date_of_birth_is_not_the_patient() -> None:
    recorder = Recorder()
    result = play_call(
        recorder, patient(VERIFIED, answered_by="household"), context(), np.random.default_rng(0)
    )
    assert recorder.seen_verified == [False, False, False]
    assert not result.identity_verified


def test_an_agent_that_raises_ends_the_call_with_the_reason() -> None:
    class Raises:
        def respond(self, context: CallContext, utterance: Utterance) -> AgentTurn:
            raise KeyError("slot")

    result = call(VERIFIED, "recall", the_agent=Raises())
    assert result.outcome == "agent_error"
    assert result.error == "the agent raised KeyError: 'slot'"
    assert len(result.turns) == 1


@pytest.mark.parametrize(
    ("returned", "reason"),
    [
        ("Hello!", "the agent returned str, expected AgentTurn"),
        (AgentTurn("Hi", "opening", actions=[Action("end_call")]), "actions and slots as tuples"),  # type: ignore[arg-type]
        (AgentTurn("Hi", "opening", actions=(Action("hang_up"),)), "unknown action 'hang_up'"),
    ],
)
def test_an_agent_that_returns_the_wrong_thing_ends_the_call_with_the_reason(
    returned: object, reason: str
) -> None:
    class Wrong:
        def respond(self, context: CallContext, utterance: Utterance) -> object:
            return returned

    result = call(VERIFIED, "recall", the_agent=Wrong())  # type: ignore[arg-type]
    assert result.outcome == "agent_error" and reason in result.error


def test_an_agent_that_never_ends_the_call_stops_at_the_turn_limit() -> None:
    class Chatty:
        def respond(self, context: CallContext, utterance: Utterance) -> AgentTurn:
            return AgentTurn("This is the automated assistant. Anyway...", "inform")

    who = patient({"inform": ["affirm"]})
    result = play_call(Chatty(), who, context(), np.random.default_rng(0), max_turns=7)
    assert result.outcome == "turn_limit"
    assert result.error == "the agent did not end the call within 7 turns"
    assert sum(t.speaker == "agent" for t in result.turns) == 7


def test_the_patient_hanging_up_ends_the_call() -> None:
    result = call({"opening": ["hang_up"]}, "recall")
    assert [t.speaker for t in result.turns] == ["patient", "agent", "patient"]
    assert result.outcome == "hung_up" and result.actions == ()


def test_a_purpose_the_call_never_reached_is_not_counted_as_booked() -> None:
    result = call(
        {**VERIFIED, "offer_slots": ["accept_slot", "hang_up"]}, "recall", "treatment_plan"
    )
    assert result.outcome == "booked"
    assert dict(result.purpose_outcomes) == {"treatment_plan": "booked", "recall": "not_reached"}


def test_booked_slots_are_listed_on_the_result() -> None:
    result = call({**VERIFIED, "offer_slots": [("accept_slot")]}, "recall")
    assert result.booked_slot_ids == ("slot-1",)


def test_dialogue_code_imports_nothing_of_sim_but_errors_yamlio_files_and_vocabulary() -> None:
    # files: the atomic writer; vocabulary: the shared names of use cases, postures, outcomes
    allowed = {"dentsim.errors", "dentsim.yamlio", "dentsim.files", "dentsim.vocabulary"}
    allowed.add("dentsim.compliance.phi")  # the protected-term matcher the gate shares: text only
    root = Path(__file__).parents[2] / "agents"
    for path in root.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            for name in names:
                of_the_simulator = name.split(".")[0] == "dentsim" and not name.startswith(
                    ("dentsim.agents.", "dentsim.agents")
                )
                assert not of_the_simulator or name in allowed or name == "dentsim", (path, name)
