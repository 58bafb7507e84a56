"""Voicemail and SMS texts that carry the minimum necessary, and the check for protected details.

A message left on a machine, in a text, or with someone other than the patient names the
practice, gives the callback number, and says at most that it concerns a visit or recall.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache

from dentsim.compliance.phi import ProtectedTerms, packaged_terms

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


def protected_terms_in(
    text: str, identification: Iterable[str] = (), vocabulary: tuple[str, ...] | None = None
) -> list[str]:
    """The protected details (procedures, diagnoses, treatment, balances) said in `text`
    beyond `identification`: the practice's name and number, the people's names (those are
    identification, not health information). Terms are matched as sim/compliance/phi.py says:
    whole words, whatever the case, hyphens, spacing, line breaks or Unicode form.
    `vocabulary` replaces the packaged terms (e.g. one patient's own procedure)."""
    terms = packaged_terms() if vocabulary is None else _terms(vocabulary)
    return terms.found(text, identification)


@lru_cache(maxsize=256)
def _terms(vocabulary: tuple[str, ...]) -> ProtectedTerms:
    return ProtectedTerms(vocabulary)


def render_optout_confirmation(practice_name: str) -> str:
    """The one text confirming an SMS opt-out: no marketing, nothing else."""
    return f"{practice_name}: you are unsubscribed and will get no more texts from us."
