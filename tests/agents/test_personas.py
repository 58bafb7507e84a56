"""Simulated patients: deterministic given a generator, tilted by traits as documented."""

from __future__ import annotations

import random
from collections import Counter
from pathlib import Path

import numpy as np
import pytest

from dentsim.agents.dialogue import play_call
from dentsim.agents.patients import PersonaPatient, make_patient, pick_persona
from dentsim.agents.persona_files import load_persona, load_personas
from dentsim.agents.protocol import AgentTurn, PatientTraits, Slot

from .calls import agent, context

ALWAYS_ACCEPTS = Path(__file__).parent / "data" / "always_accepts.yaml"
OFFER = AgentTurn(
    "I have Tuesday or Wednesday.",
    "offer_slots",
    slots=(Slot("a", "Tuesday"), Slot("b", "Wednesday")),
)


def reply_counts(
    patient: PersonaPatient, turn: AgentTurn | None, n: int, seed: int = 0
) -> Counter[str]:
    """What one patient says to the same turn n times (replies to a slot offer keep no memory)."""
    rng = np.random.default_rng(seed)
    ctx = context("recall")
    return Counter(patient.reply(ctx, turn, rng).intent for _ in range(n))


def test_every_built_in_persona_loads_and_answers_as_declared() -> None:
    personas = load_personas().personas
    assert {
        "cooperative",
        "busy",
        "sceptical",
        "annoyed",
        "hard_of_hearing",
        "spanish_preferring",
        "household_member",
    } <= set(personas)
    assert personas["household_member"].answered_by == "household"
    assert personas["spanish_preferring"].language == "es"


def test_the_same_seed_gives_the_same_call_and_another_seed_another() -> None:
    ctx = context("recall")
    calls = [
        play_call(agent(), make_patient("sceptical"), ctx, np.random.default_rng(seed))
        for seed in (7, 7, 8, 9, 10)
    ]
    assert calls[0] == calls[1]
    assert any(c.turns != calls[0].turns for c in calls[2:])


def test_patients_use_only_the_generator_they_are_given() -> None:
    ctx = context("recall")
    random.seed(1)
    np.random.seed(1)  # noqa: NPY002 - perturbing the legacy global state on purpose
    first = play_call(agent(), make_patient("busy"), ctx, np.random.default_rng(3))
    random.seed(2)
    np.random.seed(2)  # noqa: NPY002
    second = play_call(agent(), make_patient("busy"), ctx, np.random.default_rng(3))
    assert first == second


def test_fatigue_makes_opting_out_more_likely() -> None:
    persona = load_personas().personas["cooperative"]
    rested = reply_counts(PersonaPatient(persona, PatientTraits(fatigue=0.0)), OFFER, 4000)
    tired = reply_counts(PersonaPatient(persona, PatientTraits(fatigue=1.0)), OFFER, 4000)
    assert tired["opt_out"] + tired["soft_opt_out"] > 3 * (
        rested["opt_out"] + rested["soft_opt_out"]
    )


def test_low_responsiveness_means_more_hang_ups() -> None:
    persona = load_personas().personas["busy"]
    engaged = reply_counts(PersonaPatient(persona, PatientTraits(responsiveness=1.0)), OFFER, 4000)
    distracted = reply_counts(
        PersonaPatient(persona, PatientTraits(responsiveness=0.0)), OFFER, 4000
    )
    assert distracted["hang_up"] > 2 * engaged["hang_up"]


def write_reference_persona(tmp_path: Path) -> Path:
    path = tmp_path / "reference.yaml"
    path.write_text(
        "name: reference\n"
        "description: accepts an offered slot with probability 0.2 at the reference traits\n"
        "answered_by: patient\nlanguage: en\nasks_again_decay: 0.5\n"
        "replies:\n  answer: {hello: 1.0}\n"
        "  offer_slots: {accept_slot: 0.2, decline: 0.5, other_time: 0.3}\n"
        "  default: {hang_up: 1.0}\n"
        "trait_effects:\n  p_book: {accept_slot: 1.0}\n",
        encoding="utf-8",
    )
    return path


@pytest.mark.parametrize("p_book", [0.05, 0.2, 0.5, 0.8])
def test_p_book_is_the_booking_probability_of_a_persona_at_the_reference(
    tmp_path: Path, p_book: float
) -> None:
    persona = load_persona(write_reference_persona(tmp_path))
    n = 40_000
    counts = reply_counts(PersonaPatient(persona, PatientTraits(p_book=p_book)), OFFER, n, seed=1)
    share = counts["accept_slot"] / n
    assert abs(share - p_book) < 4 * (p_book * (1 - p_book) / n) ** 0.5 + 0.005
    # the other replies keep their proportions between themselves
    assert counts["decline"] / counts["other_time"] == pytest.approx(5 / 3, rel=0.08)


def test_an_accepted_slot_is_one_of_those_proposed() -> None:
    persona = load_persona(ALWAYS_ACCEPTS)
    rng = np.random.default_rng(0)
    picked = {
        PersonaPatient(persona).reply(context("recall"), OFFER, rng).slot_id for _ in range(200)
    }
    assert picked == {"a", "b"}


def test_asking_to_repeat_gets_rarer_each_time() -> None:
    persona = load_personas().personas["hard_of_hearing"]
    rng = np.random.default_rng(5)
    ctx = context("recall")
    turn = AgentTurn("Am I speaking with Maria?", "opening")
    repeats_by_position = Counter()
    for _ in range(2000):
        patient = PersonaPatient(persona)
        for position in range(4):
            if patient.reply(ctx, turn, rng).intent == "repeat":
                repeats_by_position[position] += 1
    assert repeats_by_position[0] > repeats_by_position[1] > repeats_by_position[3]


def test_the_persona_mix_speaks_for_whoever_answered() -> None:
    rng = np.random.default_rng(0)
    assert pick_persona("household", "en", rng) == "household_member"
    assert pick_persona("patient", "es", rng) == "spanish_preferring"
    assert pick_persona("machine", "en", rng) == "answering_machine"
    patients = Counter(pick_persona("patient", "en", rng) for _ in range(3000))
    assert set(patients) == {"cooperative", "busy", "sceptical", "annoyed", "hard_of_hearing"}
    assert patients["cooperative"] == max(patients.values())


def test_traits_out_of_range_are_refused() -> None:
    with pytest.raises(ValueError, match="fatigue"):
        PatientTraits(fatigue=1.5)
    with pytest.raises(ValueError, match="p_book"):
        PatientTraits(p_book=0.0)
