"""The scripted agent, as a patient would hear it: who is calling, privacy first, rules kept."""

from __future__ import annotations

from dataclasses import replace

import pytest

from dentsim.agents.conformance.checks import protected_in, verified_at
from dentsim.agents.protocol import USE_CASES, Slot, Utterance
from dentsim.agents.voicemail import protected_terms_in, render_voicemail

from .calls import (
    CALLBACK,
    PRACTICE,
    VERIFIED,
    action_kinds,
    agent,
    agent_lines,
    call,
    context,
    line,
)

ALL_PURPOSES = [(p,) for p in USE_CASES] + [
    ("recall", "treatment_plan"),
    ("confirmation", "post_op"),
]


@pytest.mark.parametrize("purposes", ALL_PURPOSES)
def test_the_first_turn_names_the_practice_and_says_it_is_automated(
    purposes: tuple[str, ...],
) -> None:
    first = agent_lines(call({"opening": ["hang_up"]}, *purposes))[0]
    assert PRACTICE in first
    assert "automated assistant" in first


@pytest.mark.parametrize("purposes", ALL_PURPOSES)
def test_nothing_about_the_visit_is_said_before_the_date_of_birth(
    purposes: tuple[str, ...],
) -> None:
    result = call(
        {
            **VERIFIED,
            "offer_slots": ["accept_slot"],
            "check_symptoms": ["symptoms_ok"],
            "ask_confirmation": ["confirm"],
        },
        *purposes,
    )
    ctx = context(*purposes)
    verified_from = verified_at(result.turns, "patient")
    assert verified_from is not None
    before = [t.text for t in result.turns[:verified_from] if t.speaker == "agent"]
    assert before and all(protected_in(text, ctx.patient) == [] for text in before)
    assert "date of birth" in before[-1]


@pytest.mark.parametrize("purposes", ALL_PURPOSES)
@pytest.mark.parametrize("reply", ["not_me", "take_message", "ask_purpose"])
def test_scripted_agent_never_names_the_procedure_to_a_household_member(
    purposes: tuple[str, ...], reply: str
) -> None:
    result = call(
        {"opening": [reply], "ask_for_patient": [reply]}, *purposes, answered_by="household"
    )
    ctx = context(*purposes)
    for text in agent_lines(result):
        assert protected_in(text, ctx.patient) == [], text
        assert "wisdom" not in text.lower() and "Thursday" not in text
    assert result.outcome == "message_left"


def test_the_household_message_gives_only_the_practice_the_number_and_a_visit() -> None:
    result = call({"opening": ["not_me"]}, "post_op", answered_by="household")
    message = agent_lines(result)[-1]
    assert PRACTICE in message and CALLBACK in message and "a visit" in message
    assert action_kinds(result) == ["leave_message", "end_call"]


def test_a_wrong_number_is_marked_and_nothing_else_is_said() -> None:
    result = call({"opening": ["wrong_number"]}, "recall", answered_by="stranger")
    assert result.outcome == "wrong_person"
    assert action_kinds(result) == ["wrong_number", "end_call"]
    assert all(protected_terms_in(t) == [] for t in agent_lines(result))


@pytest.mark.parametrize(
    "text",
    [
        "STOP",
        "Please stop calling me.",
        "Take me off your list.",
        "Don't call me again.",
        "No me llamen.",
        "ya no quiero llamadas",
        "quit",
    ],
)
@pytest.mark.parametrize("when", ["opening", "verify_identity", "offer_slots"])
def test_an_opt_out_in_any_phrasing_is_acknowledged_recorded_and_ends_the_call(
    text: str, when: str
) -> None:
    replies: dict[str, list] = {**VERIFIED, "offer_slots": ["accept_slot"]}
    replies[when] = [line("other", text)]
    result = call(replies, "recall")
    last = result.turns[-1]
    assert last.speaker == "agent" and result.turns[-2].text == text
    assert [a.kind for a in last.actions] == ["opt_out", "end_call"]
    assert "won't call you again" in last.text
    assert result.outcome == "opt_out"
    assert "book" not in action_kinds(result)


def test_an_opt_out_on_picking_up_still_hears_who_was_calling() -> None:
    result = call({}, "recall", first=line("other", "Stop calling this number!"))
    (reply,) = agent_lines(result)
    assert reply.startswith(f"This is the automated assistant for {PRACTICE}.")
    assert action_kinds(result) == ["opt_out", "end_call"]


@pytest.mark.parametrize(
    "said", [line("soft_opt_out"), line("other", "Not now. I'll call you when I'm ready.")]
)
def test_a_soft_opt_out_is_recorded_and_the_call_ends_politely(said) -> None:
    result = call({**VERIFIED, "offer_slots": [said]}, "treatment_plan")
    assert action_kinds(result)[-2:] == ["soft_opt_out", "end_call"]
    assert "wait to hear from you" in agent_lines(result)[-1]
    assert result.outcome == "soft_opt_out"


@pytest.mark.parametrize("when", ["answer", "opening", "verify_identity", "check_symptoms"])
def test_a_red_flag_goes_to_clinical_staff_in_the_very_next_turn(when: str) -> None:
    red = line("red_flag")
    replies: dict[str, list] = {**VERIFIED, "check_symptoms": ["symptoms_ok"]}
    if when != "answer":
        replies[when] = [red]
    result = call(replies, "post_op", first=red if when == "answer" else "hello")
    i = next(i for i, t in enumerate(result.turns) if t.intent == "red_flag")
    reply = result.turns[i + 1]
    assert [(a.kind, a.target) for a in reply.actions] == [("transfer", "clinical")]
    assert result.outcome == "transfer" and len(result.turns) == i + 2


def test_yes_to_the_symptom_question_is_treated_as_a_red_flag() -> None:
    result = call({**VERIFIED, "check_symptoms": ["affirm"]}, "post_op")
    assert result.actions[-1].target == "clinical"


@pytest.mark.parametrize("question", ["ask_cost", "ask_insurance"])
def test_a_cost_question_gets_no_figure_and_the_offer_of_a_human(question: str) -> None:
    result = call(
        {**VERIFIED, "offer_slots": [question], "offer_human": ["affirm"]},
        "treatment_plan",
        procedure="crown",
    )
    answer = agent_lines(result)[-2]
    assert "front desk" in answer and "$" not in answer
    assert protected_terms_in(answer) == []
    assert [(a.kind, a.target) for a in result.actions] == [("transfer", "front_desk")]


def test_declining_the_human_returns_to_the_slots_and_books() -> None:
    result = call(
        {**VERIFIED, "offer_slots": ["ask_cost", "accept_slot"], "offer_human": ["deny"]}, "recall"
    )
    assert result.outcome == "booked"


def test_rescheduling_moves_the_appointment_to_an_offered_slot() -> None:
    result = call(
        {
            **VERIFIED,
            "ask_confirmation": ["reschedule"],
            "offer_slots": [line("accept_slot", slot=1)],
        },
        "confirmation",
    )
    (move,) = [a for a in result.actions if a.kind == "reschedule"]
    assert move.slot_id == "slot-2" and move.purpose == "confirmation"
    assert result.outcome == "rescheduled"


def test_a_cancellation_is_recorded_only_after_offering_a_new_time() -> None:
    result = call(
        {**VERIFIED, "ask_confirmation": ["cancel"], "ask_reschedule": ["deny"]}, "confirmation"
    )
    assert [t.intent for t in result.turns if t.speaker == "agent"][-2] == "ask_reschedule"
    assert result.outcome == "cancelled"


def test_a_combined_call_books_each_purpose_into_its_own_offered_slot() -> None:
    result = call(
        {**VERIFIED, "offer_slots": ["accept_slot", "accept_slot"]}, "recall", "treatment_plan"
    )
    bookings = [(a.purpose, a.slot_id) for a in result.actions if a.kind == "book"]
    assert bookings == [("treatment_plan", "slot-1"), ("recall", "slot-2")]
    assert dict(result.purpose_outcomes) == {"recall": "booked", "treatment_plan": "booked"}


def test_when_no_offered_slot_suits_the_agent_books_nothing_and_arranges_a_callback() -> None:
    result = call({**VERIFIED, "offer_slots": ["other_time", "other_time"]}, "recall")
    assert "book" not in action_kinds(result)
    assert result.outcome == "callback_requested"


def test_a_slot_the_book_did_not_offer_is_never_booked() -> None:
    ctx = context("recall")
    turn = agent().respond(ctx, Utterance("hello", "Hello?"))
    said = [
        Utterance("is_me", "Yes."),
        Utterance("verify_ok", "March 3, 1985."),
        Utterance("accept_slot", "Saturday at noon works.", slot_id="slot-99"),
    ]
    for u in said:
        turn = agent().respond(replace(ctx, agent_state=turn.state), u)
    assert all(a.kind != "book" for a in turn.actions)
    assert turn.intent == "offer_slots"  # it asks again which slot


def test_who_is_this_gets_the_practice_and_the_same_question_again() -> None:
    result = call(
        {
            "opening": ["who_is_this", "is_me"],
            "verify_identity": ["verify_ok"],
            "offer_slots": ["accept_slot"],
        },
        "recall",
    )
    second = agent_lines(result)[1]
    assert second.startswith(f"This is the automated assistant for {PRACTICE}")
    assert second.endswith("Am I speaking with Maria?")
    assert result.outcome == "booked"


def test_a_spanish_record_gets_a_spanish_call() -> None:
    result = call({**VERIFIED, "offer_slots": ["accept_slot"]}, "recall", language="es")
    lines = agent_lines(result)
    assert lines[0].startswith("Hola") and "asistente automático" in lines[0]
    assert "fecha de nacimiento" in lines[1]
    assert result.outcome == "booked"


def test_asking_for_spanish_switches_the_rest_of_the_call() -> None:
    result = call(
        {
            "opening": ["prefer_spanish", "is_me"],
            "verify_identity": ["verify_ok"],
            "offer_slots": ["accept_slot"],
        },
        "recall",
        language="es",
    )
    lines = agent_lines(result)
    assert "español" in lines[1] and lines[1].endswith("¿Hablo con Maria?")
    assert "fecha de nacimiento" in lines[2]


def test_an_answering_machine_gets_exactly_the_minimum_necessary_voicemail() -> None:
    result = call({}, "post_op", answered_by="machine", first="machine_greeting")
    (message,) = agent_lines(result)
    assert message == render_voicemail(PRACTICE, CALLBACK, ("post_op",))
    assert protected_terms_in(message) == []
    assert result.outcome == "message_left"


def test_a_failed_verification_ends_the_call_without_any_detail() -> None:
    result = call(
        {"opening": ["is_me"], "verify_identity": ["verify_fail", "verify_fail"]},
        "treatment_plan",
        procedure="crown",
    )
    assert not result.identity_verified
    assert all(protected_in(t, context().patient) == [] for t in agent_lines(result))
    assert result.outcome == "not_verified" and action_kinds(result) == ["end_call"]


def test_an_exempt_call_wraps_up_before_its_sixty_seconds_run_out() -> None:
    long_winded = {
        "opening": ["who_is_this", "repeat", "is_me"],
        "verify_identity": ["repeat", "verify_ok"],
        "offer_slots": ["other_time", "repeat", "accept_slot"],
    }
    unlimited = call(long_winded, "recall")
    limited = call(long_winded, "recall", max_duration_s=60.0, legal_posture="healthcare_exempt")
    assert unlimited.duration_s > 60.0
    assert limited.duration_s <= 60.0
    assert limited.turns[-1].intent == "wrap_up" and limited.outcome == "callback_requested"


def test_the_agent_is_a_pure_function_of_context_and_utterance() -> None:
    ctx = context("recall")
    a, b = (
        agent().respond(ctx, Utterance("hello", "Hi")),
        agent().respond(ctx, Utterance("hello", "Hi")),
    )
    assert a == b
    # one agent object serves interleaved calls: state travels in the context, not the agent
    first = call({**VERIFIED, "offer_slots": ["accept_slot"]}, "recall")
    again = call({**VERIFIED, "offer_slots": ["accept_slot"]}, "recall")
    assert first == again


def test_proposed_slots_are_the_first_offered_ones_and_travel_with_the_turn() -> None:
    ctx = context("recall", slots=(Slot("a", "Monday at 9"), Slot("b", "Monday at 10")))
    result = call({**VERIFIED, "offer_slots": ["decline"]}, ctx=ctx)
    offer = next(t for t in result.turns if t.intent == "offer_slots")
    assert "Monday at 9 or Monday at 10" in offer.text
    assert result.outcome == "declined"
