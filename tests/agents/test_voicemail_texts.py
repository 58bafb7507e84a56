"""Voicemail and SMS texts carry the minimum necessary and fit their limits."""

from __future__ import annotations

from itertools import combinations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dentsim.agents.protocol import USE_CASES
from dentsim.agents.voicemail import SMS_MAX_CHARS, protected_terms_in, render_sms, render_voicemail

PURPOSES = [(p,) for p in USE_CASES] + list(combinations(USE_CASES, 2))


@pytest.mark.parametrize("purposes", PURPOSES)
def test_messages_name_the_practice_and_number_and_nothing_protected(
    purposes: tuple[str, ...],
) -> None:
    for text in (
        render_voicemail("Bright Smiles Dental", "(208) 555-0100", purposes),
        render_sms("Bright Smiles Dental", "(208) 555-0100", purposes),
    ):
        assert "Bright Smiles Dental" in text and "(208) 555-0100" in text
        assert protected_terms_in(text) == []


def test_the_protected_check_finds_procedures_diagnoses_and_money() -> None:
    found = protected_terms_in("About your Root Canal and the $120 balance for the abscess.")
    assert set(found) == {"root canal", "$", "balance", "abscess"}


@given(name=st.text(min_size=1, max_size=200).filter(str.strip), purpose=st.sampled_from(USE_CASES))
def test_an_sms_never_exceeds_160_characters_and_keeps_the_opt_out(name: str, purpose: str) -> None:
    text = render_sms(name, "(208) 555-0100", (purpose,))
    assert len(text) <= SMS_MAX_CHARS
    assert text.endswith("Reply STOP to opt out.")
