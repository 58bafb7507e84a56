"""Simulated people on the other end of the line: persona patients (stochastic, tilted by
traits), scripted patients, and persona patients steered by decisions made beforehand.

The personas themselves are data (`dentsim.agents.persona_files`). Randomness comes only from
the `numpy.random.Generator` the caller passes to `reply`.
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from dentsim.agents.loading import unknown
from dentsim.agents.persona_files import (
    TRAIT_REFERENCE,
    Persona,
    PersonaSet,
    cumulative_shares,
    default_text,
    load_personas,
)
from dentsim.agents.protocol import AgentTurn, CallContext, Decisions, PatientTraits, Utterance
from dentsim.errors import InputError

if TYPE_CHECKING:
    import numpy as np

_ODDS_TRAITS = ("p_book", "p_red_flag")
# Replies a person gives less often each time they have already given them in the call.
ASKS_AGAIN = frozenset({"repeat", "who_is_this", "ask_purpose", "prefer_spanish", "hello"})
_MONTHS = {
    "en": ("January", "February", "March", "April", "May", "June", "July", "August")
    + ("September", "October", "November", "December"),
    "es": ("enero", "febrero", "marzo", "abril", "mayo", "junio", "julio", "agosto")
    + ("septiembre", "octubre", "noviembre", "diciembre"),
}


def spoken_date(iso: str, language: str) -> str:
    """'1985-03-03' -> 'March 3, 1985' (or '3 de marzo de 1985')."""
    try:
        year, month, day = (int(x) for x in iso.split("-"))
        name = _MONTHS[language if language in _MONTHS else "en"][month - 1]
    except (ValueError, IndexError):
        return iso
    return f"{day} de {name} de {year}" if language == "es" else f"{name} {day}, {year}"


def _trait_changes(traits: PatientTraits) -> tuple[float, ...]:
    """How far the traits are from the reference, rounded so that reply tables can be shared."""
    out = []
    for name, ref in TRAIT_REFERENCE.items():
        value = getattr(traits, name)
        if name in _ODDS_TRAITS:
            out.append(math.log(value / (1 - value)) - math.log(ref / (1 - ref)))
        else:
            out.append(value - ref)
    return tuple(round(c, 1) for c in out)


# reply tables by (persona, dialogue state, rounded trait changes), shared by every call
_PERSONAS: dict[int, Persona] = {}
_TABLES_MAX = 20_000
_TABLES: dict[
    tuple[int, str, tuple[float, ...]], tuple[tuple[str, ...], list[float], tuple[float, ...]]
] = {}


class PersonaPatient:
    """A Patient that replies as a persona, tilted by one patient's traits. One per call."""

    __slots__ = ("persona", "answered_by", "_changes", "_tables", "_asked")

    def __init__(self, persona: Persona, traits: PatientTraits | None = None):
        self.persona = persona
        self.answered_by = persona.answered_by
        self._changes = _trait_changes(traits or PatientTraits())
        self._tables: dict[str, tuple[tuple[str, ...], list[float], tuple[float, ...]]] = {}
        self._asked: dict[str, int] = {}

    def _table(self, state: str) -> tuple[tuple[str, ...], list[float], tuple[float, ...]]:
        key = (id(self.persona), state, self._changes)
        table = _TABLES.get(key)
        if table is None:
            if len(_TABLES) >= _TABLES_MAX:  # a long group run meets ever new trait mixes
                _TABLES.clear()
            _PERSONAS[id(self.persona)] = self.persona  # held, so that its id is never reused
            intents, base, tilts = self.persona.replies[state]
            changes = self._changes
            weights = tuple(
                b * math.exp(sum(k * c for k, c in zip(tilt, changes, strict=True)))
                for b, tilt in zip(base, tilts, strict=True)
            )
            table = _TABLES[key] = (intents, cumulative_shares(list(weights)), weights)
        self._tables[state] = table
        return table

    def reply(
        self, context: CallContext, turn: AgentTurn | None, rng: np.random.Generator
    ) -> Utterance:
        if turn is None:
            state = "answer"
        else:
            state = turn.intent if turn.intent in self.persona.replies else "default"
        intents, cumulative, weights = self._tables.get(state) or self._table(state)
        asked = self._asked
        if asked and any(i in asked for i in intents):
            # people ask "say again?" less each time: damp those replies by what came before
            decay = self.persona.asks_again_decay
            damped = [w * decay ** asked.get(i, 0) for i, w in zip(intents, weights, strict=True)]
            if sum(damped) > 0:
                cumulative = cumulative_shares(damped)
        intent = intents[min(bisect.bisect_right(cumulative, rng.random()), len(intents) - 1)]
        if intent in ASKS_AGAIN:
            asked[intent] = asked.get(intent, 0) + 1
        texts = self.persona.texts[intent]
        text = texts[int(rng.random() * len(texts))] if len(texts) > 1 else texts[0]
        slot_id = None
        slot_label = ""
        if intent == "accept_slot" and turn is not None and turn.slots:
            slot = turn.slots[int(rng.random() * len(turn.slots))]
            slot_id, slot_label = slot.slot_id, slot.label
        if not text.formatted:
            return Utterance(intent, text.template, slot_id)
        return Utterance(
            intent, _fill(text.template, context, self.persona.language, slot_label), slot_id
        )


def _fill(template: str, context: CallContext, language: str, slot: str) -> str:
    return template.format(
        first_name=context.patient.first_name,
        dob=spoken_date(context.patient.date_of_birth, language) if "{dob}" in template else "",
        slot=slot,
    )


@dataclass(frozen=True, slots=True)
class ScriptedReply:
    """One scripted line.

    Attributes:
        intent: the patient intent it carries, one of PATIENT_INTENTS.
        text: the words, with {first_name}, {dob} or {slot} where the call fills them in.
        slot_index: with accept_slot, which of the slots just proposed (0 is the first; past
            the end, the last); None otherwise.
    """

    intent: str
    text: str
    slot_index: int | None = None


class ScriptedPatient:
    """A Patient that says scripted lines: per agent intent, the next line of its list.

    When a list runs out its last line is said again; an agent intent with no list gets
    `otherwise` (by default, hanging up).
    """

    __slots__ = ("answered_by", "language", "first", "lines", "otherwise", "_used")

    def __init__(
        self,
        answered_by: str,
        first: ScriptedReply,
        lines: Mapping[str, tuple[ScriptedReply, ...]],
        otherwise: ScriptedReply,
        language: str = "en",
    ):
        self.answered_by = answered_by
        self.language = language
        self.first = first
        self.lines = lines
        self.otherwise = otherwise
        self._used: dict[str, int] = {}

    def reply(
        self, context: CallContext, turn: AgentTurn | None, rng: np.random.Generator
    ) -> Utterance:
        if turn is None:
            line = self.first
        else:
            options = self.lines.get(turn.intent)
            if not options:
                line = self.otherwise
            else:
                k = self._used.get(turn.intent, 0)
                self._used[turn.intent] = k + 1
                line = options[min(k, len(options) - 1)]
        slot_id, slot_label = None, ""
        if line.slot_index is not None and turn is not None and turn.slots:
            slot = turn.slots[min(line.slot_index, len(turn.slots) - 1)]
            slot_id, slot_label = slot.slot_id, slot.label
        text = line.text
        if "{" in text:
            text = _fill(text, context, self.language, slot_label)
        return Utterance(line.intent, text, slot_id)


def make_patient(
    persona: str, traits: PatientTraits | None = None, personas: PersonaSet | None = None
) -> PersonaPatient:
    """A simulated person for one call, speaking as the named persona with these traits."""
    personas = load_personas() if personas is None else personas
    found = personas.personas.get(persona)
    if found is None:
        raise InputError(unknown("persona", persona, personas.personas))
    return PersonaPatient(found, traits)


def pick_persona(
    answered_by: str, language: str, rng: np.random.Generator, personas: PersonaSet | None = None
) -> str:
    """Draw a persona name for whoever answered, from the persona mix (`agents/persona_mix.yaml`)."""
    personas = load_personas() if personas is None else personas
    names, cumulative = (
        personas.mix.get((answered_by, language)) or personas.mix[(answered_by, "en")]
    )
    return names[min(bisect.bisect_right(cumulative, rng.random()), len(names) - 1)]


# replies that carry a decision: a persona's own choice among them is replaced by the decided one
DECIDING = frozenset(
    {
        "accept_slot", "other_time", "decline", "confirm", "cancel", "reschedule",
        "symptoms_ok", "symptoms_minor", "red_flag", "opt_out", "soft_opt_out",
        "hang_up", "callback_later",
    }
)  # fmt: skip


class SteeredPatient:
    """A persona patient whose decisions are given (see `Decisions`); one per call."""

    __slots__ = ("inner", "answered_by", "decisions", "_spoke")

    def __init__(self, inner: PersonaPatient, decisions: Decisions):
        self.inner = inner
        self.answered_by = inner.answered_by
        self.decisions = decisions
        self._spoke = False

    def reply(
        self, context: CallContext, turn: AgentTurn | None, rng: np.random.Generator
    ) -> Utterance:
        said = self.inner.reply(context, turn, rng)
        d = self.decisions
        if turn is None:  # picking up: decisions come later
            return self._say("hello", context, rng) if said.intent in DECIDING else said
        if d.opt_out == "hard" and not self._spoke:
            self._spoke = True
            return self._say("opt_out", context, rng)
        self._spoke = True
        if said.intent not in DECIDING:
            return said
        if turn.intent == "offer_slots":
            if d.opt_out == "soft":
                return self._say("soft_opt_out", context, rng)
            if d.accept and turn.slots:
                slot = turn.slots[int(rng.random() * len(turn.slots))]
                return self._say("accept_slot", context, rng, slot.slot_id, slot.label)
            return self._say("decline", context, rng)
        if turn.intent == "ask_confirmation":
            return self._say("confirm" if d.confirm else "cancel", context, rng)
        if turn.intent == "check_symptoms":
            return self._say("red_flag" if d.red_flag else "symptoms_ok", context, rng)
        return self._say("affirm", context, rng)

    def _say(
        self, intent: str, context: CallContext, rng: np.random.Generator,
        slot_id: str | None = None, slot_label: str = "",
    ) -> Utterance:  # fmt: skip
        persona = self.inner.persona
        texts = persona.texts.get(intent)
        if texts:
            text = texts[int(rng.random() * len(texts))]
            template = text.template
            if text.formatted:
                template = _fill(template, context, persona.language, slot_label)
            return Utterance(intent, template, slot_id)
        return Utterance(intent, default_text(intent, persona.language), slot_id)
