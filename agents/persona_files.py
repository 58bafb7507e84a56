"""Personas as data: load and check the persona files (`agents/personas/*.yaml`), the default
phrases (`agents/phrases.yaml`) and the persona mix (`agents/persona_mix.yaml`).

A persona gives, for each thing the agent does, the weights of what the person says back and
how the patient's traits tilt them; `dentsim.agents.patients` makes it speak.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

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
from dentsim.agents.protocol import AGENT_INTENTS, ANSWERED_BY, LANGUAGES, PATIENT_INTENTS
from dentsim.errors import InputError
from dentsim.yamlio import Scalar

STATE_KEYS = ("answer", "default", *AGENT_INTENTS)
# How each trait moves a weight: weight x exp(k x change); see PatientTraits.
TRAIT_REFERENCE = {"responsiveness": 0.5, "fatigue": 0.0, "p_book": 0.2, "p_red_flag": 0.03}


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
    """One text a persona may say.

    Attributes:
        template: the words, with {first_name}, {dob} or {slot} where the call fills them in.
        formatted: whether the template has placeholders (a text without is said as it is).
    """

    template: str
    formatted: bool


@dataclass(frozen=True, slots=True)
class Persona:
    """A compiled persona: per agent intent, the reply intents with base weights and tilts.

    Attributes:
        name: the persona's name, as cases and the persona mix refer to it.
        answered_by: who this persona is on the line, one of ANSWERED_BY.
        language: the language it speaks, one of LANGUAGES.
        asks_again_decay: the factor by which a reply such as "say again?" is damped for each
            time the person has already given it in the call (`patients.ASKS_AGAIN`).
        replies: per dialogue state (an agent intent, "answer" or "default"), the reply intents
            with a weight above 0, their base weights, and per intent its tilt coefficients in
            TRAIT_REFERENCE order.
        texts: per patient intent, the texts in the persona's language (its own, else the
            default phrases).
    """

    name: str
    answered_by: str
    language: str
    asks_again_decay: float
    replies: Mapping[str, tuple[tuple[str, ...], tuple[float, ...], tuple[tuple[float, ...], ...]]]
    texts: Mapping[str, tuple[Text, ...]]


@dataclass(frozen=True, slots=True)
class PersonaSet:
    """The personas a run or a suite speaks with, and the mix that picks among them.

    Attributes:
        personas: every persona by name.
        mix: per (who answered, language), the persona names and their cumulative weights.
        source: the folder the personas came from, for messages.
    """

    personas: Mapping[str, Persona]
    mix: Mapping[tuple[str, str], tuple[tuple[str, ...], tuple[float, ...]]]
    source: str


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
                why = bad_placeholder(text)
                if why is not None:
                    errors.append(problem(path, positions, (*at, intent, lang, i), why))
    return errors


def bad_placeholder(text: str) -> str | None:
    """What is wrong with the placeholders of a patient's text, or None when nothing is."""
    try:
        text.format(first_name="", dob="", slot="")
    except (KeyError, IndexError, ValueError) as e:
        return f"bad placeholder {e}; allowed: {{first_name}}, {{dob}}, {{slot}}"
    return None


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
                mix[(who, lang)] = (names, tuple(cumulative_shares([weights[n] for n in names])))
    if errors:
        raise InputError(errors)
    return PersonaSet(personas, mix, str(extra or builtin_dir("dentsim.agents.personas")))


def cumulative_shares(weights: list[float]) -> list[float]:
    """Running shares of the total weight, the last exactly 1.0 (for drawing with bisect)."""
    total = sum(weights)
    out, running = [], 0.0
    for w in weights:
        running += w / total
        out.append(running)
    out[-1] = 1.0
    return out


def default_text(intent: str, language: str = "en") -> str:
    """The first built-in phrase for an intent: what a scripted line says when it gives no text."""
    by_lang = load_phrases()[intent]
    return (by_lang.get(language) or by_lang["en"])[0]
