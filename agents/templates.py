"""Templates read once: the words a filled template has without filling it, and whether what
fills it can change the opt-out verdict on it (so a verdict can be kept per template).
"""

from __future__ import annotations

import re
import string
from dataclasses import dataclass
from functools import lru_cache

from dentsim.agents.optout import OptOut, builtin_phrases, fold, load_classifier, normalise
from dentsim.agents.optout import opt_out_kind as _opt_out_kind

_FORMATTER = string.Formatter()
_WORD_CHAR = re.compile(r"[a-z0-9]")
_CACHE_MAX = 50_000  # values (names, dates, slot labels) kept; a long run meets ever new ones


@dataclass(frozen=True, slots=True)
class Template:
    """A template and what filling it adds to its literal text.

    Attributes:
        text: the template, as written (with its placeholders).
        fields: its placeholders, in order.
        spaces: the spaces in its literal text; a filled value adds its own.
        length: the characters of its literal text.
        apart: each placeholder has a separator (a character opt-out matching reads as a
            space: a space, punctuation) or the text's start or end on either side, so a
            filled value's words never join the template's.
    """

    text: str
    fields: tuple[str, ...]
    spaces: int
    length: int
    apart: bool


@lru_cache(maxsize=4096)
def read_template(text: str, allowed: frozenset[str]) -> Template | None:
    """The template `text`, or None when a placeholder is not one of `allowed` or carries a
    format spec or conversion (its filled words are then not the value's)."""
    pieces: list[str | None] = []  # literal text, or None for a placeholder
    fields: list[str] = []
    try:
        parsed = list(_FORMATTER.parse(text))
    except ValueError:
        return None
    for literal, field, spec, conversion in parsed:
        if literal:
            if pieces and pieces[-1] is not None:
                pieces[-1] += literal
            else:
                pieces.append(literal)
        if field is not None:
            if field not in allowed or spec or conversion:
                return None
            pieces.append(None)
            fields.append(field)
    literal_text = "".join(p for p in pieces if p is not None)
    apart = True
    for i, piece in enumerate(pieces):
        if piece is None:
            before = pieces[i - 1] if i > 0 else ""
            after = pieces[i + 1] if i + 1 < len(pieces) else ""
            if (
                before is None
                or after is None
                or (before and not _separator(before[-1]))
                or (after and not _separator(after[0]))
            ):  # two placeholders side by side
                apart = False
    return Template(text, tuple(fields), literal_text.count(" "), len(literal_text), apart)


def _separator(char: str) -> bool:
    """Whether opt-out matching reads `char` as a space between words (not as part of a word,
    and not dropped as an apostrophe is)."""
    folded = fold(char)
    return bool(folded) and not _WORD_CHAR.search(folded)


@lru_cache(maxsize=1)
def _phrase_words() -> frozenset[str]:
    """Every word of the built-in opt-out keywords and phrases, and "do" and "not" (which
    matching joins into "dont")."""
    p = builtin_phrases()
    words = {"do", "not", "dont"}
    for phrase in (*p.hard_keywords, *p.hard_phrases, *p.soft_phrases):
        words.update(normalise(phrase).split())
    return frozenset(words)


@lru_cache(maxsize=1)
def _digitless_phrases() -> bool:
    """Whether no opt-out phrase has a word with a digit: then a word's digits never decide a
    match, nor whether it is a phrase's word."""
    return not any(c.isdigit() for word in _phrase_words() for c in word)


_NEUTRAL = "zqxv"  # a word no opt-out phrase uses (checked where it is used)
_INERT: dict[str, bool] = {}
_ZERO_DIGITS = str.maketrans("123456789", "000000000")


def inert(value: str) -> bool:
    """Whether filling `value` into a template where it stands apart (see `Template.apart`)
    cannot change the template's opt-out verdict under the built-in phrases.

    So it is when the value has words, its first and last are in no opt-out phrase (no
    phrase can run across its edges, and the whole text is no keyword), and no phrase
    lies within it: matches are then those of the template's literal text alone.
    """
    known = _INERT.get(value)
    if known is None:
        if len(_INERT) >= _CACHE_MAX:
            _INERT.clear()
        # values that differ only in digits (dates) have one answer, when no phrase has a digit
        alike = value.translate(_ZERO_DIGITS) if _digitless_phrases() else value
        known = _INERT.get(alike)
        if known is None:
            known = _INERT[alike] = _inert(alike)
        _INERT[value] = known
    return known


def _inert(value: str) -> bool:
    words = normalise(value)
    phrase_words = _phrase_words()
    classifier = load_classifier()
    return bool(
        words
        and words.split(" ", 1)[0] not in phrase_words
        and words.rsplit(" ", 1)[-1] not in phrase_words
        and not classifier.hard_pattern.search(words)
        and not classifier.soft_pattern.search(words)
    )


_VERDICTS: dict[tuple[str, str], OptOut | None] = {}


def template_verdict(intent: str, template: Template) -> OptOut | None:
    """The built-in opt-out verdict on an utterance of `template`, for any inert values filled
    in where the placeholders stand apart (see `inert`)."""
    key = (intent, template.text)
    if key in _VERDICTS:
        return _VERDICTS[key]
    if len(_VERDICTS) >= _CACHE_MAX:
        _VERDICTS.clear()
    assert _NEUTRAL not in _phrase_words()
    neutral = template.text.format_map(dict.fromkeys(template.fields, _NEUTRAL))
    verdict = _VERDICTS[key] = _opt_out_kind(intent, neutral)
    return verdict
