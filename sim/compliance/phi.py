"""Protected details in what is said or left: one normalisation and one matcher for the gate and
the agents' checks (sim/compliance/audit/terms.py keeps its own copy on purpose; a test pins the
two equal).

Text and terms are compared after NFKC, case folding, dropping invisible characters (soft
hyphens, zero-width spaces and joiners), reading Turkish dotted and dotless i as "i"
("İMPLANT"), and reading every run of whitespace, underscores, hyphens and dashes as one space:
"root-canal", "root_canal", "root  canal", "ROOT\\ncanal" and "Root\\u00a0Canal" all say
"root canal". A term matches as a whole word or phrase, its words also written together
("xray", "rootcanal"), and its last word also in its plural ("crowns", "braces", "biopsies" for
"biopsy").

What identifies the caller and the callee (the practice's name, number and address; the
patient's and household members' names) is identification, not health information: a term
found entirely inside an identifier where it stands ("Bill" the patient, "Bridges Family
Dentistry" the practice) is not counted. A term that only overlaps one ("Dr. Root canal") is.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from functools import cache, lru_cache
from importlib import resources

import yaml

INVISIBLE = "\u00ad\u180e\u200b\u200c\u200d\u2060\ufeff"  # soft hyphen, zero-width characters
DASHES = "-\u2010\u2011\u2012\u2013\u2014\u2015\u2212"  # hyphens, dashes, minus (after NFKC)
# Turkish: "İ" case-folds to "i" + combining dot above; dotless "ı" is an "i" too
_DROP = str.maketrans({**dict.fromkeys(map(ord, INVISIBLE)), ord("\u0131"): "i"})
_SPACES = re.compile(rf"[\s_{re.escape(DASHES)}]+")
_WORD = re.compile(r"\w")


def normalise(text: str) -> str:
    """`text` as terms are compared: NFKC, case-folded, invisible characters dropped, Turkish
    dotted and dotless i read as "i", and whitespace, underscores, hyphens and dashes read as
    one space."""
    folded = unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", text).casefold())
    return _SPACES.sub(" ", folded.translate(_DROP).replace("i\u0307", "i"))


def _alternation(phrases: Iterable[str], plural: bool) -> str:
    """A regex for any of the normalised phrases as a whole word: no word character may touch
    one. The words of a phrase may also be written together ("xray"); with `plural`, a phrase
    ending in a letter also matches in its plural ("-s", "-es"; "-y" after a consonant also as
    "-ies"). Longest first, so that at one position the longest phrase is the one found. The
    phrases that start with a word character share one look-behind (30 times faster to search
    than one look-behind per phrase)."""
    worded: list[str] = []
    other: list[str] = []
    for p in sorted(set(phrases), key=lambda p: (-len(p), p)):
        body = p
        if plural and p[-1].isalpha():
            if len(p) > 1 and p[-1] == "y" and p[-2].isalpha() and p[-2] not in "aeiouy":
                body, tail = p[:-1], r"(?:ies|ys?)(?!\w)"  # biopsy, biopsies (and biopsys)
            else:
                tail = r"(?:s|es)?(?!\w)"
        else:
            tail = r"(?!\w)" if _WORD.match(p[-1]) else ""
        pattern = " ?".join(re.escape(w) for w in body.split(" "))  # "x ray": also "xray"
        (worded if _WORD.match(p[0]) else other).append(pattern + tail)
    groups = ([rf"(?<!\w)(?:{'|'.join(worded)})"] if worded else []) + other
    return "|".join(groups)


def _phrases(words: Iterable[str]) -> tuple[str, ...]:
    return tuple(sorted({w for w in (normalise(x).strip() for x in words) if w}))


class ProtectedTerms:
    """A compiled vocabulary of protected terms (procedures, diagnoses, treatment, money)."""

    __slots__ = ("_any", "_every", "terms")

    def __init__(self, terms: Iterable[str]) -> None:
        self.terms = _phrases(terms)  # normalised
        body = _alternation(self.terms, plural=True)
        self._any = re.compile(body) if body else None
        # every match, overlapping ones too: "wisdom tooth removal" holds two terms
        self._every = re.compile(f"(?=({body}))") if body else None

    def found(self, text: str, identification: Iterable[str] = ()) -> list[str]:
        """The protected terms said in `text` beyond `identification` (the names and numbers of
        the caller and the callee), as normalised and in order of appearance."""
        if self._any is None or self._every is None:
            return []
        norm = normalise(text)
        if not self._any.search(norm):
            return []
        spans = identifier_spans(norm, identification)
        hits = []
        for m in self._every.finditer(norm):
            start, end = m.start(1), m.end(1)
            if not any(a <= start and end <= b for a, b in spans):
                hits.append(m.group(1))
        return hits

    def said(self, text: str, identification: Iterable[str] = ()) -> bool:
        """True when `text` says a protected term beyond `identification`."""
        return bool(self.found(text, identification))


def identifier_spans(norm: str, identification: Iterable[str]) -> list[tuple[int, int]]:
    """Where the identifiers stand in normalised text: at each position the longest one that
    starts there, as a whole word or phrase (an identifier without a letter or digit is none)."""
    pattern = _identifier_pattern(_phrases(identification))
    if pattern is None:
        return []
    return [(m.start(1), m.end(1)) for m in pattern.finditer(norm)]


@lru_cache(maxsize=4096)
def _identifier_pattern(phrases: tuple[str, ...]) -> re.Pattern[str] | None:
    usable = [p for p in phrases if any(c.isalnum() for c in p)]
    if not usable:
        return None
    return re.compile(f"(?=({_alternation(usable, plural=False)}))")


def person_names(first_name: str, last_name: str) -> tuple[str, ...]:
    """What identifies a person: the first name, the last name, and both together."""
    return (first_name, last_name, f"{first_name} {last_name}")


@cache
def packaged_terms() -> ProtectedTerms:
    """The packaged vocabulary (sim/compliance/hipaa_vocabulary.yaml), for checks that have no
    scenario's rules at hand: the agents' checks and the names the population generator picks.
    The gate and the audit read the rules' own list (a rules file may name another vocabulary
    and add terms)."""
    text = (
        resources.files("dentsim.compliance").joinpath("hipaa_vocabulary.yaml").read_text("utf-8")
    )
    return ProtectedTerms(t for group in yaml.safe_load(text)["terms"].values() for t in group)
