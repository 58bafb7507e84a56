"""Protected terms: the audit's own copy of dentsim.compliance.phi's matching (a test pins the two
equal), so a matcher bug cannot hide itself."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

import numpy as np
import pyarrow as pa

from dentsim.compliance.audit.arrays import encode

# Texts and terms are compared after NFKC, case folding, dropping invisible characters, reading
# Turkish dotted and dotless i as "i", and reading whitespace, underscores, hyphens and dashes as
# one space; a term inside an identifier where it stands (the practice's name, number and
# address, the names of the people reached) is not counted.
_INVISIBLE = dict.fromkeys(map(ord, "\u00ad\u180e\u200b\u200c\u200d\u2060\ufeff"))
_INVISIBLE[ord("\u0131")] = "i"  # dotless i
_GAPS = re.compile(r"[\s_\-\u2010-\u2015\u2212]+")


def _normalise(text: str) -> str:
    folded = unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", text).casefold())
    # "İ" case-folds to "i" and a combining dot above
    return _GAPS.sub(" ", folded.translate(_INVISIBLE).replace("i\u0307", "i"))


def _phrase_pattern(phrases: Iterable[str], plural: bool) -> str:
    """Whole-word alternatives over normalised text, longest first, their words also written
    together ("xray"; a word also in its plural: -s, -es, consonant-y as -ies); one look-behind
    for all that start with a word character (far faster to search)."""
    starts_word: list[str] = []
    other: list[str] = []
    for phrase in sorted(set(phrases), key=lambda x: (-len(x), x)):
        stem = phrase
        if plural and phrase[-1].isalpha():
            if phrase.endswith("y") and phrase[-2:-1].isalpha() and phrase[-2] not in "aeiouy":
                stem, tail = phrase[:-1], r"(?:ies|ys?)(?!\w)"
            else:
                tail = r"(?:s|es)?(?!\w)"
        else:
            tail = r"(?!\w)" if re.match(r"\w", phrase[-1]) else ""
        joined = " ?".join(map(re.escape, stem.split(" ")))
        (starts_word if re.match(r"\w", phrase[0]) else other).append(joined + tail)
    head = [r"(?<!\w)(?:" + "|".join(starts_word) + ")"] if starts_word else []
    return "|".join(head + other)


def term_regex(terms: Iterable[str]) -> str:
    """One pattern matching any term, over normalised text ('' when there are none)."""
    return _phrase_pattern({w for w in (_normalise(t).strip() for t in terms) if w}, plural=True)


def terms_in(text: str, pattern: str, identification: Iterable[str] = ()) -> list[str]:
    """The distinct terms `text` says beyond `identification`, normalised, sorted."""
    norm = _normalise(text)
    if not pattern or not re.search(pattern, norm):
        return []
    names = {w for w in (_normalise(x).strip() for x in identification) if w}
    names = {w for w in names if any(c.isalnum() for c in w)}
    spans = []
    if names:
        spans = [
            (m.start(1), m.end(1))
            for m in re.finditer(f"(?=({_phrase_pattern(names, plural=False)}))", norm)
        ]
    return sorted(
        {
            m.group(1)
            for m in re.finditer(f"(?=({pattern}))", norm)
            if not any(a <= m.start(1) and m.end(1) <= b for a, b in spans)
        }
    )


def contains_terms(texts: pa.Array, pattern: str) -> np.ndarray:
    """Per text: it says a term (judged once per distinct text)."""
    if not pattern or len(texts) == 0:
        return np.zeros(len(texts), bool)
    codes, values = encode(texts)
    per_value = np.array([bool(terms_in(v, pattern)) for v in values] + [False], bool)
    return per_value[codes]
