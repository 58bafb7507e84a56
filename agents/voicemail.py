"""Voicemail and SMS texts that carry the minimum necessary, and the check for protected details.

A message left on a machine, in a text, or with someone other than the patient names the
practice, gives the callback number, and says at most that it concerns a visit or recall.
"""

from __future__ import annotations

import re
from functools import lru_cache

import yaml

from agents.loading import builtin_dir

_PURPOSE_PHRASES = {
    "recall": "your next visit",
    "reactivation": "scheduling a visit",
    "confirmation": "your upcoming appointment",
    "post_op": "your recent visit",
    "treatment_plan": "scheduling your next appointment",
}


def _visit_phrase(purposes: tuple[str, ...]) -> str:
    phrases = [_PURPOSE_PHRASES.get(p, "a visit") for p in purposes]
    return phrases[0] if phrases else "a visit"


def render_voicemail(practice_name: str, callback_number: str, purposes: tuple[str, ...]) -> str:
    """The exact voicemail left on a first missed call."""
    return (
        f"Hello, this is the automated assistant for {practice_name}, calling about "
        f"{_visit_phrase(purposes)}. Please call us back at {callback_number}. Thank you."
    )


SMS_MAX_CHARS = 160  # FCC 15-72 healthcare exemption: texts of 160 characters or less


def render_sms(practice_name: str, callback_number: str, purposes: tuple[str, ...]) -> str:
    """The exact text sent for an SMS attempt (160 characters or fewer).

    A long practice name first gets a shorter wording, then is itself shortened; the
    callback number and the opt-out instruction always stay.
    """
    phrase = _visit_phrase(purposes)
    text = f"{practice_name}: we'd like to help with {phrase}. Reply or call {callback_number}. Reply STOP to opt out."
    if len(text) <= SMS_MAX_CHARS:
        return text
    tail = f": about {phrase}, call {callback_number}. Reply STOP to opt out."
    room = SMS_MAX_CHARS - len(tail)
    name = (
        practice_name
        if len(practice_name) <= room
        else practice_name[: max(0, room - 3)].rstrip() + "..."
    )
    return (name + tail)[:SMS_MAX_CHARS]


@lru_cache(maxsize=1)
def _protected_pattern() -> re.Pattern[str]:
    text = (builtin_dir("sim.rules") / "hipaa_vocabulary.yaml").read_text(encoding="utf-8")
    terms = [t for group in yaml.safe_load(text)["terms"].values() for t in group]
    words = sorted({t.lower() for t in terms}, key=len, reverse=True)
    alternatives = "|".join(
        re.escape(w) if not w[0].isalnum() else rf"\b{re.escape(w)}\b" for w in words
    )
    return re.compile(alternatives, re.IGNORECASE)


def protected_terms_in(text: str) -> list[str]:
    """The protected details (procedures, diagnoses, treatment, balances) found in `text`."""
    return [m.group(0).lower() for m in _protected_pattern().finditer(text)]


def render_optout_confirmation(practice_name: str) -> str:
    """The one text confirming an SMS opt-out: no marketing, nothing else."""
    return f"{practice_name}: you are unsubscribed and will get no more texts from us."
