"""Opt-outs are recognised in any phrasing, in English and Spanish, and ordinary replies are not."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dentsim.agents.optout import builtin_phrases, classify_opt_out, opt_out_kind
from dentsim.agents.persona_files import load_phrases

HARD = [
    "stop",
    "STOP",
    "Stop.",
    "stop!!",
    "quit",
    "QUIT",
    "end",
    "unsubscribe",
    "Unsubscribe",
    "opt out",
    "Opt-Out",
    "revoke",
    "please stop calling me",
    "Please STOP calling me.",
    "take me off your list",
    "Can you take me off your list?",
    "don't call me again",
    "Don’t call me again",  # typographic apostrophe
    "do not call me again",
    "never call this number again",
    "no more calls please",
    "remove my number",
    "leave me alone",
    "I'm not interested, stop calling",
    "no me llamen",
    "No me llamen más.",
    "no me llames más",
    "no me llames mas",  # without the accent
    "ya no quiero llamadas",
    "Dejen de llamarme, por favor.",
    "quítenme de la lista",
    "ALTO",
]
SOFT = [
    "I'll call you when I'm ready",
    "I’ll call you when I’m ready.",
    "Not now, I'll reach out when I'm ready to book.",
    "I will call you",
    "yo les llamo cuando esté lista",
]
NEITHER = [
    "",
    "Tuesday works for me.",
    "Yes, speaking.",
    "I need to cancel my appointment",
    "Can you stop by the front desk?",
    "My stopwatch broke",
    "I'm not interested.",
    "The bus stop is near your office",
    "Sí, soy yo.",
    "Call me back later, I'm driving.",
]


@pytest.mark.parametrize("text", HARD)
def test_every_phrasing_of_stop_is_a_hard_opt_out(text: str) -> None:
    assert classify_opt_out(text) == "hard"


@pytest.mark.parametrize("text", SOFT)
def test_calling_when_ready_is_a_soft_opt_out(text: str) -> None:
    assert classify_opt_out(text) == "soft"


@pytest.mark.parametrize("text", NEITHER)
def test_ordinary_replies_are_not_opt_outs(text: str) -> None:
    assert classify_opt_out(text) is None


def test_a_hard_opt_out_wins_over_a_soft_one_in_the_same_breath() -> None:
    assert classify_opt_out("I'll call you when I'm ready, and stop calling me.") == "hard"


def test_every_listed_keyword_and_phrase_classifies_as_its_own_kind() -> None:
    phrases = builtin_phrases()
    assert all(classify_opt_out(k) == "hard" for k in phrases.hard_keywords)
    assert all(classify_opt_out(f"Well, {p}.") == "hard" for p in phrases.hard_phrases)
    assert all(classify_opt_out(f"Well, {p}.") == "soft" for p in phrases.soft_phrases)


def test_no_simulated_patient_line_reads_as_an_opt_out_unless_it_is_one() -> None:
    for intent, by_language in load_phrases().items():
        for texts in by_language.values():
            for text in texts:
                found = classify_opt_out(
                    text.format(first_name="Maria", dob="March 3", slot="Tuesday")
                )
                expected = {"opt_out": "hard", "soft_opt_out": "soft"}.get(intent)
                assert found == expected, (intent, text)


def test_an_opt_out_label_counts_whatever_the_words() -> None:
    assert opt_out_kind("opt_out", "mm-hm") == "hard"
    assert opt_out_kind("soft_opt_out", "mm-hm") == "soft"


def test_a_soft_phrase_does_not_override_a_clear_acceptance() -> None:
    assert opt_out_kind("accept_slot", "Tuesday works, I'll call you if anything changes") is None
    assert opt_out_kind("decline", "No thanks, I'll call you when I'm ready") == "soft"


def test_a_red_flag_takes_precedence_over_an_opt_out_in_the_same_line() -> None:
    assert opt_out_kind("red_flag", "It's bleeding a lot, and stop calling me") is None


@given(st.text(max_size=200))
def test_classification_never_fails_and_gives_one_of_three_answers(text: str) -> None:
    assert classify_opt_out(text) in ("hard", "soft", None)


@given(st.text(alphabet=st.characters(categories=["L", "Zs"]), max_size=60))
def test_saying_please_stop_calling_me_anywhere_is_an_opt_out(prefix: str) -> None:
    assert classify_opt_out(f"{prefix}. Please stop calling me.") == "hard"
