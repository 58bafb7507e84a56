"""Protected terms: the audit's own copy of dentsim.compliance.phi's matching (a test pins the two
equal), so a matcher bug cannot hide itself."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

import numpy as np
import pyarrow as pa

from dentsim.compliance.audit.arrays import encode

# Texts and terms are compared after NFKC, case folding, dropping invisible characters and reading
# whitespace, hyphens and dashes as one space; a term inside an identifier where it stands (the
# practice's name, number and address, the names of the people reached) is not counted.
_INVISIBLE = dict.fromkeys(map(ord, "\u00ad\u180e\u200b\u200c\u200d\u2060\ufeff"))
_GAPS = re.compile(r"[\s\-\u2010-\u2015\u2212]+")


def _normalise(text: str) -> str:
    folded = unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", text).casefold())
    return _GAPS.sub(" ", folded.translate(_INVISIBLE))


def _phrase_pattern(phrases: Iterable[str], plural: bool) -> str:
    """Whole-word alternatives over normalised text, longest first (a word also in its plural);
    one look-behind for all that start with a word character (far faster to search)."""
    starts_word: list[str] = []
    other: list[str] = []
    for phrase in sorted(set(phrases), key=lambda x: (-len(x), x)):
        if plural and phrase[-1].isalpha():
            tail = r"(?:s|es)?(?!\w)"
        else:
            tail = r"(?!\w)" if re.match(r"\w", phrase[-1]) else ""
        (starts_word if re.match(r"\w", phrase[0]) else other).append(re.escape(phrase) + tail)
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
