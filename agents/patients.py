"""Simulated people on the other end of the line: persona patients (stochastic, tilted by
traits), scripted patients, and persona patients steered by decisions made beforehand.

The personas themselves are data (`dentsim.agents.persona_files`). Randomness comes only from
the `numpy.random.Generator` the caller passes to `reply`.
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import numpy as np

from dentsim.agents.loading import unknown
from dentsim.agents.persona_files import (
    TRAIT_REFERENCE,
    Persona,
    PersonaSet,
    Text,
    cumulative_shares,
    load_personas,
)
from dentsim.agents.protocol import (
    AgentTurn,
    CallContext,
    Decisions,
    PatientTraits,
    Slot,
    Utterance,
)
from dentsim.agents.replies import ASKS_AGAIN as ASKS_AGAIN  # where persona_files points
from dentsim.agents.replies import Asked, Memory, Replies, first_memory
from dentsim.errors import InputError

_ODDS_TRAITS = ("p_book", "p_red_flag")
_MONTHS = {
    "en": ("January", "February", "March", "April", "May", "June", "July", "August")
    + ("September", "October", "November", "December"),
    "es": ("enero", "febrero", "marzo", "abril", "mayo", "junio", "julio", "agosto")
    + ("septiembre", "octubre", "noviembre", "diciembre"),
}


# Bit generators whose random() is their raw 64-bit draw, its top 53 bits scaled to [0, 1)
# (numpy's next_double for these): a raw draw read so is the same float, at half the cost.
_RAW_DOUBLES = (np.random.PCG64, np.random.PCG64DXSM, np.random.Philox, np.random.SFC64)
_UNIT = 1.0 / 9007199254740992.0  # 2**-53


def raw_draws(rng: np.random.Generator) -> Callable[[], int] | None:
    """`rng`'s raw draws when `(raw() >> 11) * 2**-53` is exactly `rng.random()` and leaves
    `rng` as it would (tests/agents/test_compiled_calls.py checks); None otherwise."""
    if type(rng) is np.random.Generator and type(rng.bit_generator) in _RAW_DOUBLES:
        return rng.bit_generator.random_raw  # type: ignore[no-any-return]
    return None


def spoken_date(iso: str, language: str) -> str:
    """'1985-03-03' -> 'March 3, 1985' (or '3 de marzo de 1985')."""
    try:
        y, m, d = iso.split("-")
        year, month, day = int(y), int(m), int(d)
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


# reply tables by (persona, rounded trait changes): the weights by dialogue state, and the
# cumulative shares drawn from by table key (see `replies.Replies.table`); shared by every call
_Tables = tuple[dict[str, tuple[float, ...]], dict[str | tuple[str, Asked], list[float]]]
_PERSONAS: dict[int, Persona] = {}
_TABLE_SETS_MAX = 5_000
_TABLE_SETS: dict[tuple[int, tuple[float, ...]], _Tables] = {}


class PersonaPatient:
    """A Patient that replies as a persona, tilted by one patient's traits. One per call."""

    __slots__ = ("persona", "answered_by", "memory", "_changes", "_tables")

    def __init__(self, persona: Persona, traits: PatientTraits | None = None):
        self.persona = persona
        self.answered_by = persona.answered_by
        self.memory: Memory | None = None  # what the patient remembers of the call so far
        self._changes = _trait_changes(traits or PatientTraits())
        self._tables: _Tables | None = None  # shared by the persona and changes

    def reply(
        self, context: CallContext, turn: AgentTurn | None, rng: np.random.Generator
    ) -> Utterance:
        if turn is None:
            return said(*self.choose(None, 0, rng), context, (), self.persona.language)
        chosen = self.choose(turn.intent, len(turn.slots), rng)
        return said(*chosen, context, turn.slots, self.persona.language)

    def choose(
        self, turn_intent: str | None, n_slots: int, rng: np.random.Generator
    ) -> tuple[str, Text, int]:
        """The reply to an agent's turn of this intent (None: the phone was just answered) that
        proposed `n_slots` slots: its intent, its text, and the slot it takes (-1: none)."""
        memory = self.remembering()
        chosen = self.answer(memory, turn_intent, n_slots, rng, raw_draws(rng))
        self.memory, intent, text, slot = chosen
        return intent, text, slot

    def remembering(self) -> Memory:
        """What the patient remembers of the call so far (at first, nothing)."""
        return self.memory or first_memory(self.persona, None)

    def answer(
        self, memory: Memory, turn_intent: str | None, n_slots: int, rng: np.random.Generator,
        raw: Callable[[], int] | None,
    ) -> tuple[Memory, str, Text, int]:  # fmt: skip
        """The reply from `memory` (this patient's own or a steered one's), drawn with this
        patient's tables, and what the patient remembers afterwards. `raw` is `rng`'s raw
        draws (see `raw_draws`), or None: the same floats, read faster."""
        replies = memory.replies.get((turn_intent, n_slots)) or memory.replies_to(
            turn_intent, n_slots
        )
        tables = self._tables or self._table_set()
        cumulative = tables[1].get(replies.table) or self._cumulative(tables, replies)
        intents = replies.intents
        u = rng.random() if raw is None else (raw() >> 11) * _UNIT
        i = bisect.bisect_right(cumulative, u)
        if i >= len(intents):
            i = len(intents) - 1
        a = replies.answers[i] or memory.answer(replies, turn_intent, n_slots, i)
        draws = a.draws
        if not draws:
            return a.after, a.intent, a.texts[0], -1
        if len(draws) == 1:  # the usual case, without a list
            u = rng.random() if raw is None else (raw() >> 11) * _UNIT
            pick = int(u * draws[0])
            text = a.texts[pick] if a.text_draw == 0 else a.texts[0]
            return a.after, a.intent, text, pick if a.slot_draw == 0 else -1
        picks = [int((rng.random() if raw is None else (raw() >> 11) * _UNIT) * n) for n in draws]
        text = a.texts[picks[a.text_draw]] if a.text_draw >= 0 else a.texts[0]
        return a.after, a.intent, text, picks[a.slot_draw] if a.slot_draw >= 0 else -1

    def _table_set(self) -> _Tables:
        key = (id(self.persona), self._changes)
        tables = _TABLE_SETS.get(key)
        if tables is None:
            if len(_TABLE_SETS) >= _TABLE_SETS_MAX:  # a long group run meets new trait mixes
                _TABLE_SETS.clear()
            _PERSONAS[id(self.persona)] = self.persona  # held, so that its id is never reused
            tables = _TABLE_SETS[key] = ({}, {})
        self._tables = tables
        return tables

    def _cumulative(self, tables: _Tables, replies: Replies) -> list[float]:
        """The shares to draw `replies` from, tilted by the traits (and damped by replies such as
        "say again?" given before)."""
        state = replies.state
        weights = tables[0].get(state)
        if weights is None:
            base = self.persona.replies[state][1]
            changes = self._changes
            tilted = []
            for b, terms in zip(base, _tilt_terms(self.persona, state), strict=True):
                if terms:  # a reply no trait tilts keeps its base weight (b * exp(0) is b)
                    exponent = 0.0
                    for t, k in terms:
                        exponent += k * changes[t]
                    b *= math.exp(exponent)
                tilted.append(b)
            weights = tables[0][state] = tuple(tilted)
        if replies.asked is not None:
            # people ask "say again?" less each time: damp those replies by what came before
            asked = dict(replies.asked)
            decay = self.persona.asks_again_decay
            damped = [
                w * decay ** asked.get(i, 0) for i, w in zip(replies.intents, weights, strict=True)
            ]
            if sum(damped) > 0:
                cumulative = tables[1][replies.table] = cumulative_shares(damped)
                return cumulative
        cumulative = tables[1].get(state) or cumulative_shares(list(weights))
        tables[1][state] = tables[1][replies.table] = cumulative
        return cumulative


_TILT_TERMS: dict[int, tuple[Persona, dict[str, tuple[tuple[tuple[int, float], ...], ...]]]] = {}


def _tilt_terms(persona: Persona, state: str) -> tuple[tuple[tuple[int, float], ...], ...]:
    """Per reply of a state, the traits that tilt it: (trait index, coefficient), in trait
    order, those of coefficient 0 left out (they add only a zero to the exponent)."""
    held = _TILT_TERMS.get(id(persona))
    if held is None or held[0] is not persona:
        held = _TILT_TERMS[id(persona)] = (persona, {})
    terms = held[1].get(state)
    if terms is None:
        tilts = persona.replies[state][2]
        terms = held[1][state] = tuple(
            tuple((t, k) for t, k in enumerate(tilt) if k) for tilt in tilts
        )
    return terms


def said(
    intent: str, text: Text, slot: int, context: CallContext, slots: tuple[Slot, ...], language: str
) -> Utterance:
    """The utterance of a chosen reply: its text filled in, and the slot taken among `slots`."""
    slot_id = None
    slot_label = ""
    if slot >= 0:
        slot_id, slot_label = slots[slot].slot_id, slots[slot].label
    if not text.formatted:
        return Utterance(intent, text.template, slot_id)
    return Utterance(intent, fill(text.template, context, language, slot_label), slot_id)


def fill(template: str, context: CallContext, language: str, slot: str) -> str:
    """A patient's text with {first_name}, {dob} (spoken) and {slot} filled in."""
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
            text = fill(text, context, self.language, slot_label)
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


class SteeredPatient:
    """A persona patient whose decisions are given (see `Decisions`); one per call."""

    __slots__ = ("inner", "answered_by", "decisions", "memory")

    def __init__(self, inner: PersonaPatient, decisions: Decisions):
        self.inner = inner
        self.answered_by = inner.answered_by
        self.decisions = decisions
        self.memory: Memory | None = None  # what the patient remembers of the call so far

    def reply(
        self, context: CallContext, turn: AgentTurn | None, rng: np.random.Generator
    ) -> Utterance:
        language = self.inner.persona.language
        if turn is None:
            return said(*self.choose(None, 0, rng), context, (), language)
        return said(*self.choose(turn.intent, len(turn.slots), rng), context, turn.slots, language)

    def choose(
        self, turn_intent: str | None, n_slots: int, rng: np.random.Generator
    ) -> tuple[str, Text, int]:
        """As `PersonaPatient.choose`: the persona's reply, where it carries a decision (see
        `replies.DECIDING`) the decided one, in the persona's words."""
        memory = self.remembering()
        chosen = self.inner.answer(memory, turn_intent, n_slots, rng, raw_draws(rng))
        self.memory, intent, text, slot = chosen
        return intent, text, slot

    def remembering(self) -> Memory:
        """What the patient remembers of the call so far (at first, nothing but its decisions)."""
        return self.memory or first_memory(self.inner.persona, self.decisions)
