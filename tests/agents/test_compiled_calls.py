"""Compiled calls: the built-in agent against a built-in persona gives, draw for draw, the result
the turn-by-turn play gives; without words, the same but the texts; any other agent is played
turn by turn."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dentsim.agents.compiled import play_compiled
from dentsim.agents.dialogue import play_call, play_turns
from dentsim.agents.optout import opt_out_kind
from dentsim.agents.patients import PersonaPatient, SteeredPatient, raw_draws
from dentsim.agents.persona_files import Persona, load_personas
from dentsim.agents.protocol import (
    PATIENT_INTENTS,
    USE_CASES,
    AgentTurn,
    CallContext,
    CallResult,
    Decisions,
    Patient,
    PatientTraits,
    PatientView,
    Slot,
    Utterance,
)
from dentsim.agents.scripted import ScriptedAgent
from dentsim.agents.templates import inert, read_template, template_verdict

from .calls import agent, patient


def _chatty(answered_by: str, language: str) -> Persona:
    """A persona that may say anything anywhere (verify_ok unasked, a slot never offered)."""
    base = load_personas().personas["cooperative"]
    weights = tuple(1.0 + (i % 3) for i in range(len(PATIENT_INTENTS)))
    tilts = tuple((0.5, -0.5, 0.0, 1.0) for _ in PATIENT_INTENTS)
    table = (PATIENT_INTENTS, weights, tilts)
    return Persona(
        f"chatty_{answered_by}_{language}", answered_by, language, 0.5,
        {"answer": table, "default": table}, base.texts,
    )  # fmt: skip


PERSONAS = {
    **load_personas().personas,
    **{p.name: p for p in (_chatty("patient", "en"), _chatty("household", "es"))},
}
# names a detector could hear as words: "stop", "cancel", apostrophes, "do"+"not", accents
NAMES = (
    "Maria", "Bill", "O'Brien", "Stop", "stop calling", "Cancel", "Do", "Not", "Mary Ann",
    "Zoë", "İlker", "Σοφία", "Don't call", "no me llames", "de", "Jo-Ann", "End", "", " ",
    "x'", "I'll call you", "Remove Me", "D'Angelo", "Nguyễn",
)  # fmt: skip
LABELS = ("Tuesday, April 14 at 9:30 am", "stop", "", "do not", "mañana a las 9", "Quit it")
DATES = ("1985-03-03", "1960-12-31", "stop", "", "1990-13-01", "not a date")


@st.composite
def calls(draw: st.DrawFn) -> tuple[str, PatientTraits, Decisions | None, CallContext, int]:
    """A call as the engine may place it, and some it never does (a persona, traits,
    decisions or none, the context, a seed)."""
    purposes = tuple(draw(st.lists(st.sampled_from(USE_CASES), min_size=1, max_size=3)))
    n_slots = draw(st.integers(0, 3))
    slots = tuple(Slot(f"s{i}", draw(st.sampled_from(LABELS))) for i in range(n_slots))
    view = PatientView(
        "p-1", draw(st.sampled_from(NAMES)), "Lopez", draw(st.sampled_from(DATES)),
        draw(st.sampled_from(("en", "es", "fr"))), draw(st.sampled_from(("", "crown"))),
        draw(st.sampled_from(("", "Thursday at 10"))), draw(st.sampled_from(("", "Dr. Stop"))),
    )  # fmt: skip
    context = CallContext(
        draw(st.sampled_from(("Bright Smiles Dental", "Stop Dental", "O'Brien & Sons"))),
        "(208) 555-0100", purposes, view, slots, "healthcare_consent",
        draw(st.sampled_from((None, None, 60.0, 20.0))),
    )  # fmt: skip
    unit = st.floats(0.01, 0.99)
    traits = PatientTraits(draw(unit), draw(unit), draw(unit), draw(unit))
    decisions = draw(
        st.none()
        | st.builds(
            Decisions,
            st.sampled_from((None, "hard", "soft")),
            st.booleans(),
            st.booleans(),
            st.booleans(),
        )  # fmt: skip
    )
    return (
        draw(st.sampled_from(sorted(PERSONAS))),
        traits,
        decisions,
        context,
        draw(st.integers(0, 2**32)),
    )


def person(persona: str, traits: PatientTraits, decisions: Decisions | None) -> Patient:
    inner = PersonaPatient(PERSONAS[persona], traits)
    return inner if decisions is None else SteeredPatient(inner, decisions)


def wordless(result: CallResult) -> CallResult:
    """The result with every text emptied but the patient's last."""
    last = max(i for i, t in enumerate(result.turns) if t.speaker == "patient")
    turns = tuple(t if i == last else replace(t, text="") for i, t in enumerate(result.turns))
    return replace(result, turns=turns)


@settings(max_examples=400, deadline=None)
@given(calls(), st.sampled_from((30, 30, 3)), st.sampled_from((150.0, 110.0)))
def test_a_compiled_call_is_the_turn_by_turn_call_field_by_field(
    call: tuple[str, PatientTraits, Decisions | None, CallContext, int],
    max_turns: int,
    words_per_minute: float,
) -> None:
    persona, traits, decisions, context, seed = call
    played = {}
    for how in ("turns", "words", "no words"):
        rng = np.random.default_rng(seed)
        who = person(persona, traits, decisions)
        if how == "turns":
            played[how] = play_turns(agent(), who, context, rng, max_turns, words_per_minute)
        else:
            found = play_compiled(
                agent(), who, context, rng, max_turns, words_per_minute, 0.6, how == "words"
            )
            assert found is not None, "a built-in agent and persona are played compiled"
            played[how] = found
        played[how + " draws"] = rng.random()  # the generator is left where it was
    assert played["words"] == played["turns"]
    assert played["words draws"] == played["turns draws"] == played["no words draws"]
    assert played["no words"] == wordless(played["turns"])


@pytest.mark.parametrize("persona", ["chatty_patient_en", "chatty_household_es", "hard_of_hearing"])
def test_paths_the_property_test_rarely_meets_are_compiled_as_played(persona: str) -> None:
    """Replies no built-in persona gives where it gives them (verify_ok unasked, say), and
    "say again?" after one purpose booked and the next one's slots offered: 300 calls each."""
    for seed in range(300):
        context = _context()
        if seed % 3 == 1:
            context = replace(context, offered_slots=(), purposes=("confirmation", "post_op"))
        elif seed % 3 == 2:  # a booking, then another purpose's offer in a later turn
            context = replace(context, purposes=("recall", "treatment_plan"))
        decisions = Decisions(accept=seed % 2 == 0) if seed % 5 else None
        rng = np.random.default_rng(seed)
        turns = play_turns(agent(), person(persona, PatientTraits(), decisions), context, rng)
        rng = np.random.default_rng(seed)
        compiled = play_call(agent(), person(persona, PatientTraits(), decisions), context, rng)
        assert compiled == turns, seed


def test_a_call_played_twice_from_its_kept_path_is_the_same() -> None:
    persona, traits = "cooperative", PatientTraits()
    context = replace(
        _context(), patient=replace(_context().patient, first_name="Stop"), offered_slots=()
    )
    results = [
        play_call(agent(), person(persona, traits, None), context, np.random.default_rng(7))
        for _ in range(2)
    ]
    wordless_results = [
        play_call(
            agent(), person(persona, traits, None), context, np.random.default_rng(7), words=False
        )
        for _ in range(3)
    ]
    assert results[0] == results[1]
    assert wordless_results[0] == wordless_results[1] == wordless_results[2]
    assert wordless_results[2] == wordless(results[0])


def test_without_words_the_patients_last_words_are_kept_for_an_opt_out() -> None:
    context = _context()
    said = []
    for seed in range(40):
        who = person("cooperative", PatientTraits(), Decisions(opt_out="hard"))
        call = play_call(agent(), who, context, np.random.default_rng(seed), words=False)
        assert call.outcome == "opt_out"
        said.append([t.text for t in call.turns])
    assert all(texts[-2] and not any(texts[:-2]) and not texts[-1] for texts in said)


class CountingAgent:
    """A user's agent: the scripted one behind a wrapper, counting its turns."""

    def __init__(self) -> None:
        self.turns = 0

    def respond(self, context: CallContext, utterance: Utterance) -> AgentTurn:
        self.turns += 1
        return agent().respond(context, utterance)


class OwnAgent(ScriptedAgent):
    """A subclass of the built-in agent is a user's agent too."""


def test_a_users_agent_is_played_turn_by_turn() -> None:
    context = _context()
    counting = CountingAgent()
    call = play_call(
        counting, person("busy", PatientTraits(), None), context, np.random.default_rng(1)
    )
    assert counting.turns == sum(t.speaker == "agent" for t in call.turns) > 0
    rng = np.random.default_rng(1)
    for other in (
        counting,
        OwnAgent(),
        ScriptedAgent(opt_out_detector=lambda intent, text: opt_out_kind(intent, text)),
    ):
        assert play_compiled(other, person("busy", PatientTraits(), None), context, rng, 30, 150.0, 0.6, False) is None  # fmt: skip
    scripted = patient({"opening": ["is_me"]})
    assert play_compiled(agent(), scripted, context, rng, 30, 150.0, 0.6, False) is None
    twice = replace(context, offered_slots=(Slot("a", "Monday"), Slot("a", "Tuesday")))
    steered = person("busy", PatientTraits(), Decisions())
    assert play_compiled(agent(), steered, twice, rng, 30, 150.0, 0.6, False) is None


@pytest.mark.parametrize(
    ("value", "inert_"),
    [("Bill", True), ("O'Brien", True), ("Mary Ann", True), ("March 3, 1985", True),
     ("3 de marzo de 1985", True), ("Stop", False), ("stop calling", False), ("Do", False),
     ("Not", False), ("", False), ("'", False), ("Ann stop it Lee", False)],
)  # fmt: skip
def test_a_value_is_inert_only_when_no_opt_out_phrase_can_use_its_words(
    value: str, inert_: bool
) -> None:
    assert inert(value) is inert_


@pytest.mark.parametrize(
    ("template", "apart"),
    [("Yes, this is {first_name}.", True), ("{first_name}'s partner.", False),
     ("{dob}.", True), ("{first_name}{dob}", False), ("Sure{slot}", False), ("{slot}", True)],
)  # fmt: skip
def test_a_placeholder_stands_apart_only_between_separators(template: str, apart: bool) -> None:
    found = read_template(template, frozenset({"first_name", "dob", "slot"}))
    assert found is not None and found.apart is apart


@settings(max_examples=300, deadline=None)
@given(
    st.sampled_from(("is_me", "verify_ok", "accept_slot", "other", "decline", "not_me")),
    st.sampled_from(
        ("Yes, this is {first_name}.", "Sure, it's {dob}.", "{slot} works for me.",
         "No, this is {first_name}'s partner.", "{slot}", "Stop? {first_name}, call me")
    ),
    st.text(min_size=1, max_size=12)
    | st.sampled_from(NAMES)
    | st.sampled_from(("calling Bob", "Bob it", "me alone", "Ann stop", "out Lee", "calling")),
)  # fmt: skip
def test_the_verdict_kept_per_template_is_the_verdict_on_the_filled_words(
    intent: str, template: str, value: str
) -> None:
    found = read_template(template, frozenset({"first_name", "dob", "slot"}))
    assert found is not None
    if found.apart and inert(value):
        filled = template.format(first_name=value, dob=value, slot=value)
        assert template_verdict(intent, found) == opt_out_kind(intent, filled)


def _context() -> CallContext:
    return CallContext(
        "Bright Smiles Dental", "(208) 555-0100", ("recall",),
        PatientView("p-1", "Maria", "Lopez", "1985-03-03"),
        (Slot("a", "Monday at 9"), Slot("b", "Monday at 10"), Slot("c", "Tuesday at 8")),
    )  # fmt: skip


@pytest.mark.parametrize(
    "bit_generator",
    [np.random.PCG64, np.random.PCG64DXSM, np.random.Philox, np.random.SFC64, np.random.MT19937],
)
def test_raw_draws_are_the_generators_own_floats_and_leave_it_where_it_would_be(
    bit_generator: type[np.random.BitGenerator],
) -> None:
    read, drawn = np.random.Generator(bit_generator(11)), np.random.Generator(bit_generator(11))
    raw = raw_draws(read)
    if bit_generator is np.random.MT19937:  # its floats take two 32-bit draws: not read raw
        assert raw is None
        return
    assert raw is not None
    floats = [(raw() >> 11) * 2.0**-53 for _ in range(2000)]
    assert floats == [drawn.random() for _ in range(2000)]
    assert repr(read.bit_generator.state) == repr(drawn.bit_generator.state)
