"""Recognise an opt-out in free text (a spoken line or an SMS reply): hard, soft, or none.

The phrases are data (`agents/opt_out.yaml`); agents, the conformance suite, the engine and
the audit all call `classify_opt_out`, so they agree on what counts as "stop".
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from pydantic import BaseModel, ConfigDict

from dentsim.agents.loading import builtin_dir
from dentsim.vocabulary import OptOutKind as OptOut
from dentsim.yamlio import load_model

# Accents and typographic apostrophes folded so "más" = "mas" and "don’t" = "don't".
_FOLD = str.maketrans(
    {
        "á": "a",
        "à": "a",
        "â": "a",
        "ä": "a",
        "é": "e",
        "è": "e",
        "ê": "e",
        "ë": "e",
        "í": "i",
        "ì": "i",
        "î": "i",
        "ï": "i",
        "ó": "o",
        "ò": "o",
        "ô": "o",
        "ö": "o",
        "ú": "u",
        "ù": "u",
        "û": "u",
        "ü": "u",
        "ñ": "n",
        "’": "",
        "‘": "",
        "'": "",
        "`": "",
    }
)
_NON_WORD = re.compile(r"[^a-z0-9]+")
_DO_NOT = re.compile(r"\bdo not\b")


class OptOutPhrases(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)

    source: str
    hard_keywords: list[str]
    hard_phrases: list[str]
    soft_phrases: list[str]


@dataclass(frozen=True, slots=True)
class OptOutClassifier:
    """The compiled phrase lists."""

    hard_keywords: frozenset[str]
    hard_pattern: re.Pattern[str]
    soft_pattern: re.Pattern[str]


def fold(text: str) -> str:
    """Lower case, with accents and apostrophes folded ("Más" -> "mas", "don't" -> "dont")."""
    return text.lower().translate(_FOLD)


def normalise(text: str) -> str:
    """Folded (see `fold`), punctuation to single spaces, "do not" as "dont"."""
    words = _NON_WORD.sub(" ", fold(text)).strip()
    return _DO_NOT.sub("dont", words)


def _alternation(phrases: list[str]) -> re.Pattern[str]:
    normalised = sorted({normalise(p) for p in phrases if normalise(p)}, key=len, reverse=True)
    if not normalised:
        return re.compile(r"(?!)")  # matches nothing
    body = "|".join(re.escape(p) for p in normalised)
    return re.compile(rf"(?<![a-z0-9])(?:{body})(?![a-z0-9])")


def compile_phrases(phrases: OptOutPhrases) -> OptOutClassifier:
    return OptOutClassifier(
        hard_keywords=frozenset(normalise(k) for k in phrases.hard_keywords),
        hard_pattern=_alternation(phrases.hard_phrases),
        soft_pattern=_alternation(phrases.soft_phrases),
    )


@lru_cache(maxsize=8)
def load_classifier(path: Path | None = None) -> OptOutClassifier:
    """The classifier for a phrase file (default: the built-in `agents/opt_out.yaml`)."""
    return compile_phrases(
        load_model(
            builtin_dir("dentsim.agents") / "opt_out.yaml" if path is None else path, OptOutPhrases
        )
    )


def builtin_phrases() -> OptOutPhrases:
    """The built-in phrase lists, as data (for personas that speak them and for tests)."""
    return load_model(builtin_dir("dentsim.agents") / "opt_out.yaml", OptOutPhrases)


@lru_cache(maxsize=8192)
def classify_opt_out(text: str) -> OptOut | None:
    """'hard' if `text` revokes consent, 'soft' if the patient will get in touch when ready, else None.

    >>> classify_opt_out("Please stop calling me."), classify_opt_out("No me llames más")
    ('hard', 'hard')
    >>> classify_opt_out("I'll call you when I'm ready"), classify_opt_out("Tuesday works")
    ('soft', None)
    """
    if not text:
        return None
    classifier = load_classifier()
    words = normalise(text)
    if words in classifier.hard_keywords or classifier.hard_pattern.search(words):
        return "hard"
    if classifier.soft_pattern.search(words):
        return "soft"
    return None


# Intents whose text may carry a soft opt-out ("no thanks, I'll call you when I'm ready");
# a clear intent such as accept_slot is not second-guessed by a soft phrase.
_SOFT_BY_TEXT = frozenset({"other", "decline", "no", "callback_later"})


def opt_out_kind(intent: str, text: str) -> OptOut | None:
    """The opt-out an utterance carries, from its intent and its text together.

    A hard opt-out in the text always counts, whatever the intent, except that a red-flag
    symptom takes precedence (the call goes to clinical staff, who handle the rest).
    """
    if intent == "red_flag":
        return None
    if intent == "opt_out":
        return "hard"
    found = classify_opt_out(text)
    if found == "hard":
        return "hard"
    if intent == "soft_opt_out" or (found == "soft" and intent in _SOFT_BY_TEXT):
        return "soft"
    return None
