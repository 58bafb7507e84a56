"""Simulated people on the other end of the line: personas (stochastic) and scripted patients.

A persona (`agents/personas/*.yaml`) gives, for each thing the agent does, the weights of
what the person says back, tilted by the patient's traits. Randomness comes only from the
`numpy.random.Generator` the caller passes to `reply`.
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from pydantic import Field

from dentsim.agents.loading import (
    KeyPath,
    StrictModel,
    builtin_dir,
    load_with_positions,
    problem,
    unknown,
    yaml_files,
)
from dentsim.agents.protocol import (
    AGENT_INTENTS,
    ANSWERED_BY,
    PATIENT_INTENTS,
    AgentTurn,
    CallContext,
    Decisions,
    PatientTraits,
    Utterance,
)
from dentsim.errors import InputError
from dentsim.yamlio import Scalar

if TYPE_CHECKING:
    import numpy as np

LANGUAGES = ("en", "es")
STATE_KEYS = ("answer", "default", *AGENT_INTENTS)
# How each trait moves a weight: weight x exp(k x change); see PatientTraits.
TRAIT_REFERENCE = {"responsiveness": 0.5, "fatigue": 0.0, "p_book": 0.2, "p_red_flag": 0.03}
_ODDS_TRAITS = ("p_book", "p_red_flag")
# Replies a person gives less often each time they have already given them in the call.
ASKS_AGAIN = frozenset({"repeat", "who_is_this", "ask_purpose", "prefer_spanish", "hello"})
_MONTHS = {
    "en": ("January", "February", "March", "April", "May", "June", "July", "August")
    + ("September", "October", "November", "December"),
    "es": ("enero", "febrero", "marzo", "abril", "mayo", "junio", "julio", "agosto")
    + ("septiembre", "octubre", "noviembre", "diciembre"),
}


class PhraseFile(StrictModel):
    texts: dict[str, dict[str, list[str]]]


class PersonaSpec(StrictModel):
    name: str
    description: str
    answered_by: str
    language: str
    asks_again_decay: float = Field(ge=0, le=1)
    replies: dict[str, dict[str, float]]
    trait_effects: dict[str, dict[str, float]] = Field(default_factory=dict)
    texts: dict[str, dict[str, list[str]]] = Field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Text:
    template: str
    formatted: bool  # has placeholders


@dataclass(frozen=True, slots=True)
class Persona:
    """A compiled persona: per agent intent, the reply intents with base weights and tilts."""

    name: str
    answered_by: str
    language: str
    asks_again_decay: float
    # state -> (reply intents, base weights, tilt coefficients per intent in TRAIT_REFERENCE order)
    replies: Mapping[str, tuple[tuple[str, ...], tuple[float, ...], tuple[tuple[float, ...], ...]]]
    texts: Mapping[str, tuple[Text, ...]]  # intent -> texts in the persona's language


@dataclass(frozen=True, slots=True)
class PersonaSet:
    personas: Mapping[str, Persona]
    mix: Mapping[tuple[str, str], tuple[tuple[str, ...], tuple[float, ...]]]  # (who, language)
    source: str


# ---------------------------------------------------------------- loading


def _builtin_file(name: str) -> Path:
    return builtin_dir("dentsim.agents") / name


@lru_cache(maxsize=4)
def load_phrases(path: Path | None = None) -> dict[str, dict[str, tuple[str, ...]]]:
    """Default texts per patient intent and language (`agents/phrases.yaml`)."""
    path = _builtin_file("phrases.yaml") if path is None else path
    spec, positions = load_with_positions(path, PhraseFile)
    errors = _check_texts(path, positions, ("texts",), spec.texts)
    for intent in PATIENT_INTENTS:
        for lang in LANGUAGES:
            if not spec.texts.get(intent, {}).get(lang):
                errors.append(
                    problem(path, positions, ("texts",), f"no '{lang}' text for intent '{intent}'")
                )
    if errors:
        raise InputError(errors)
    return {i: {lang: tuple(t) for lang, t in by_lang.items()} for i, by_lang in spec.texts.items()}


def _check_texts(
    path: Path,
    positions: dict[KeyPath, Scalar],
    at: KeyPath,
    texts: dict[str, dict[str, list[str]]],
) -> list[str]:
    errors: list[str] = []
    for intent, by_lang in texts.items():
        if intent not in PATIENT_INTENTS:
            errors.append(
                problem(
                    path,
                    positions,
                    (*at, intent),
                    unknown("patient intent", intent, PATIENT_INTENTS),
                )
            )
        for lang, items in by_lang.items():
            if lang not in LANGUAGES:
                errors.append(
                    problem(
                        path, positions, (*at, intent, lang), unknown("language", lang, LANGUAGES)
                    )
                )
            if not items:
                errors.append(
                    problem(path, positions, (*at, intent, lang), "needs at least one text")
                )
            for i, text in enumerate(items):
                try:
                    text.format(first_name="", dob="", slot="")
                except (KeyError, IndexError, ValueError) as e:
                    errors.append(
                        problem(
                            path,
                            positions,
                            (*at, intent, lang, i),
                            f"bad placeholder {e}; allowed: {{first_name}}, {{dob}}, {{slot}}",
                        )
                    )
    return errors


def load_persona(
    path: Path, phrases: dict[str, dict[str, tuple[str, ...]]] | None = None
) -> Persona:
    """Load and check one persona file."""
    spec, positions = load_with_positions(path, PersonaSpec)
    errors: list[str] = []
    if spec.answered_by not in ANSWERED_BY:
        errors.append(
            problem(
                path,
                positions,
                ("answered_by",),
                unknown("kind of answerer", spec.answered_by, ANSWERED_BY),
            )
        )
    if spec.language not in LANGUAGES:
        errors.append(
            problem(path, positions, ("language",), unknown("language", spec.language, LANGUAGES))
        )
    if "answer" not in spec.replies:
        errors.append(
            problem(
                path,
                positions,
                ("replies",),
                "missing 'answer': what the person says on picking up",
            )
        )
    if "default" not in spec.replies:
        errors.append(
            problem(
                path, positions, ("replies",), "missing 'default': replies to anything not listed"
            )
        )
    for state, weights in spec.replies.items():
        at: KeyPath = ("replies", state)
        if state not in STATE_KEYS:
            errors.append(problem(path, positions, at, unknown("agent intent", state, STATE_KEYS)))
        for intent, w in weights.items():
            if intent not in PATIENT_INTENTS:
                errors.append(
                    problem(
                        path,
                        positions,
                        (*at, intent),
                        unknown("patient intent", intent, PATIENT_INTENTS),
                    )
                )
            if w < 0 or not math.isfinite(w):
                errors.append(
                    problem(
                        path, positions, (*at, intent), f"a weight must be a number >= 0, found {w}"
                    )
                )
        if not any(w > 0 for w in weights.values()):
            errors.append(
                problem(path, positions, at, "needs at least one reply with a weight above 0")
            )
    for trait, effects in spec.trait_effects.items():
        at = ("trait_effects", trait)
        if trait not in TRAIT_REFERENCE:
            errors.append(problem(path, positions, at, unknown("trait", trait, TRAIT_REFERENCE)))
        for intent in effects:
            if intent not in PATIENT_INTENTS:
                errors.append(
                    problem(
                        path,
                        positions,
                        (*at, intent),
                        unknown("patient intent", intent, PATIENT_INTENTS),
                    )
                )
    errors += _check_texts(path, positions, ("texts",), spec.texts)
    if errors:
        raise InputError(errors)
    phrases = load_phrases() if phrases is None else phrases
    traits = tuple(TRAIT_REFERENCE)
    replies = {}
    for state, weights in spec.replies.items():
        intents = tuple(i for i, w in weights.items() if w > 0)
        replies[state] = (
            intents,
            tuple(weights[i] for i in intents),
            tuple(
                tuple(spec.trait_effects.get(t, {}).get(i, 0.0) for t in traits) for i in intents
            ),
        )
    texts = {
        intent: tuple(
            Text(t, "{" in t)
            for t in spec.texts.get(intent, {}).get(spec.language)
            or phrases[intent].get(spec.language)
            or phrases[intent]["en"]
        )
        for intent in PATIENT_INTENTS
    }
    return Persona(
        spec.name, spec.answered_by, spec.language, spec.asks_again_decay, replies, texts
    )


class MixSpec(StrictModel):
    patient: dict[str, dict[str, float]]
    household: dict[str, dict[str, float]]
    stranger: dict[str, dict[str, float]]
    machine: dict[str, dict[str, float]]


@lru_cache(maxsize=8)
def load_personas(extra: Path | None = None) -> PersonaSet:
    """The built-in personas, plus those of an `extra` folder (a same-named one replaces a
    built-in), and the mix that picks among them (`agents/persona_mix.yaml`)."""
    phrases = load_phrases()
    personas: dict[str, Persona] = {}
    errors: list[str] = []
    for folder in (
        builtin_dir("dentsim.agents.personas"),
        *(() if extra is None else (Path(extra),)),
    ):
        seen: dict[str, Path] = {}
        for path in yaml_files(folder):
            try:
                persona = load_persona(path, phrases)
            except InputError as e:
                errors.extend(e.problems)
                continue
            if persona.name in seen:
                errors.append(
                    f"{path}:1: name: a second persona named '{persona.name}' (the first is {seen[persona.name]})"
                )
            seen[persona.name] = path
            personas[persona.name] = persona
    if errors:
        raise InputError(errors)
    mix_path = _builtin_file("persona_mix.yaml")
    spec, positions = load_with_positions(mix_path, MixSpec)
    mix: dict[tuple[str, str], tuple[tuple[str, ...], tuple[float, ...]]] = {}
    for who in ANSWERED_BY:
        for lang, weights in getattr(spec, who).items():
            for name, w in weights.items():
                if name not in personas:
                    errors.append(
                        problem(
                            mix_path,
                            positions,
                            (who, lang, name),
                            unknown("persona", name, personas),
                        )
                    )
                elif personas[name].answered_by != who:
                    errors.append(
                        problem(
                            mix_path,
                            positions,
                            (who, lang, name),
                            f"persona '{name}' answers as {personas[name].answered_by}, not {who}",
                        )
                    )
                if w < 0:
                    errors.append(
                        problem(mix_path, positions, (who, lang, name), "a weight must be >= 0")
                    )
            total = sum(weights.values())
            if total <= 0:
                errors.append(problem(mix_path, positions, (who, lang), "needs a weight above 0"))
            else:
                names = tuple(weights)
                mix[(who, lang)] = (names, tuple(_cumulative([weights[n] for n in names])))
    if errors:
        raise InputError(errors)
    return PersonaSet(personas, mix, str(extra or builtin_dir("dentsim.agents.personas")))


def _cumulative(weights: list[float]) -> list[float]:
    total = sum(weights)
    out, running = [], 0.0
    for w in weights:
        running += w / total
        out.append(running)
    out[-1] = 1.0
    return out


# ---------------------------------------------------------------- simulated people


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
            table = _TABLES[key] = (intents, _cumulative(list(weights)), weights)
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
                cumulative = _cumulative(damped)
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
    """One scripted line: an intent, its text, and (with accept_slot) which proposed slot."""

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


def default_text(intent: str, language: str = "en") -> str:
    """The first built-in phrase for an intent: what a scripted line says when it gives no text."""
    by_lang = load_phrases()[intent]
    return (by_lang.get(language) or by_lang["en"])[0]


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
