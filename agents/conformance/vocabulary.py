"""The suite's vocabulary (`agents/conformance.yaml`): AI-disclosure words, marketing words and
the call-duration limit of each legal posture, each with its source."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from dentsim.agents.loading import StrictModel, builtin_dir, load_with_positions, problem, unknown
from dentsim.agents.optout import fold
from dentsim.agents.protocol import LEGAL_POSTURES
from dentsim.errors import InputError


class VocabularySpec(StrictModel):
    source_disclosure: str
    ai_disclosure_terms: list[str]
    source_marketing: str
    marketing_terms: list[str]
    source_duration: str
    max_duration_s: dict[str, float]


@dataclass(frozen=True, slots=True)
class Vocabulary:
    """The vocabulary, compiled for matching.

    Attributes:
        disclosure: matches any AI-disclosure term, as a whole word, in folded text.
        marketing: matches any marketing term, as a whole word, in folded text.
        max_duration_s: the longest call each legal posture allows, seconds (postures without
            a limit are absent).
    """

    disclosure: re.Pattern[str]
    marketing: re.Pattern[str]
    max_duration_s: dict[str, float]


def _terms(terms: list[str]) -> re.Pattern[str]:
    words = sorted({fold(t) for t in terms}, key=len, reverse=True)
    return re.compile(r"(?<!\w)(?:" + "|".join(re.escape(w) for w in words) + r")(?!\w)")


@lru_cache(maxsize=1)
def load_vocabulary() -> Vocabulary:
    """AI-disclosure words, marketing words and duration limits (`agents/conformance.yaml`)."""
    path = builtin_dir("dentsim.agents") / "conformance.yaml"
    spec, pos = load_with_positions(path, VocabularySpec)
    for posture in spec.max_duration_s:
        if posture not in LEGAL_POSTURES:
            raise InputError(
                problem(
                    path,
                    pos,
                    ("max_duration_s", posture),
                    unknown("legal posture", posture, LEGAL_POSTURES),
                )
            )
    return Vocabulary(
        _terms(spec.ai_disclosure_terms), _terms(spec.marketing_terms), dict(spec.max_duration_s)
    )
