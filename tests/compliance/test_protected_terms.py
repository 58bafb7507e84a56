"""Names are not health information: protected terms are judged beyond what identifies the
caller and the callee, and match whatever the case, hyphens, spacing, line breaks or Unicode form.

The gate and the agents share sim/compliance/phi.py; the audit keeps its own copy, pinned equal here.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dentsim.agents.voicemail import render_sms, render_voicemail
from dentsim.compliance.audit import terms as audit_terms
from dentsim.compliance.phi import ProtectedTerms, packaged_terms
from dentsim.compliance.rules import load_rules
from dentsim.domain.population import generate
from dentsim.scenario import Scenario, apply_overrides
from dentsim.simulation.model import PracticeModel
from dentsim.simulation.planner import Item, touch
from tests.conftest import small

from .runlog import PRACTICE_PHONE, attempt, broken, local, patient, practice, sms, voicemail

NY = "America/New_York"
AT = local("2026-03-10 10:00", NY)
LATER = local("2026-03-12 10:00", NY)
TERMS = load_rules().hipaa_minimum_necessary.terms
SPELLINGS = ["root-canal", "root  canal", "ROOT\ncanal", "Root\u00a0Canal", "root\u2013canal"]
SPELLINGS += ["Root\tCanal", "root\r\ncanal", "ｒｏｏｔ ｃａｎａｌ", "root - canal"]


def name_of(term: str) -> str:
    """A term written as a name: 'root canal' -> 'Root Canal', 'x-ray' -> 'X-Ray'."""
    return term.title()


WORD_TERMS = [t for t in TERMS if t[0].isalpha()]
# practice names built from every term, three terms to a name (short enough for a whole SMS)
PRACTICE_NAMES = [
    f"{name_of(a)} {name_of(b)} & {name_of(c)} Dentistry"
    for a, b, c in zip(WORD_TERMS[0::3], WORD_TERMS[1::3], WORD_TERMS[2::3], strict=False)
] + ["Crown & Bridge Dental Implant Center", "Root Canal & Implant Dentistry"]


def turn(text: str, verified: bool, speaker: str = "agent") -> dict:
    return {"speaker": speaker, "intent": "inform", "text": text, "t_s": 1.0, "verified": verified}


# --- the matcher ----------------------------------------------------------------------------
@pytest.mark.parametrize("spelling", SPELLINGS)
def test_a_term_is_found_whatever_its_case_hyphens_spacing_line_breaks_or_unicode_form(
    spelling: str,
) -> None:
    assert packaged_terms().found(f"About your {spelling} next week.") == ["root canal"]


# other spellings of a term: its plural, its words written together or joined by an underscore,
# a Turkish capital I; each with what the shared matcher reports (the audit reports the same)
SPELLED = [
    ("Results of your biopsies", ["biopsies"]),
    ("two SURGERIES", ["surgeries"]),
    ("your cavities", ["cavities"]),
    ("surgerys, misspelt", ["surgerys"]),
    ("about the xray", ["xray"]),
    ("new XRays", ["xrays"]),
    ("your root_canal", ["root canal"]),
    ("your_root__canal_", ["root canal"]),
    ("your rootcanal", ["rootcanal"]),
    ("\u0130MPLANT D\u0130\u015e", ["implant"]),
    ("\u0131mplant", ["implant"]),
    ("two copays", ["copays"]),
]
# ordinary words near the terms, which must not start matching
NEAR_MISSES = [
    "Ray and Bridget play in the canal by the root cellar",
    "surge, surgeon, surgical, biopsied, implanted, crowning, bridged, decaying",
    "Xavier rays X-Men x y, copies, days, plays, keys, toys, boys, copy, cavit, surger",
    "Root_cellar rootbeer the_canal, Kansas City, \u0130stanbul, I\u0307",
    "extracted, fillingly, brace, crownies, implantation, gum_tree, grafting, pasta due",
]


@pytest.mark.parametrize(("text", "expected"), SPELLED)
def test_a_term_is_found_in_its_plural_written_together_or_with_a_turkish_capital_i(
    text: str, expected: list[str]
) -> None:
    assert packaged_terms().found(text) == expected
    assert audit_terms.terms_in(text, audit_terms.term_regex(TERMS)) == sorted(set(expected))


@pytest.mark.parametrize("text", NEAR_MISSES)
def test_ordinary_words_near_a_term_are_not_found(text: str) -> None:
    assert packaged_terms().found(text) == []
    assert audit_terms.terms_in(text, audit_terms.term_regex(TERMS)) == []


def test_invisible_characters_inside_a_word_do_not_hide_it() -> None:
    assert packaged_terms().found("your im\u00adplant and the cav\u200bity") == [
        "implant",
        "cavity",
    ]


def test_a_patients_name_is_identification_not_a_protected_term() -> None:
    names = ("Bill", "Smith", "Bill Smith")
    assert packaged_terms().found("Hi, is this Bill Smith?", names) == []
    assert packaged_terms().found("Bill, your bill is overdue.", names) == ["overdue"]


def test_a_term_that_only_overlaps_a_name_is_still_said() -> None:
    assert packaged_terms().found("This is Dr Root canal about you", ["Dr Root"]) == ["root canal"]


# --- the audit's own copy is the same matcher -----------------------------------------------
GAPS = st.sampled_from(
    [" ", "  ", "-", "\u00a0", "\n", " \r\n ", "\u2014", "\t", "\u00ad", "_", ""]
)
OTHER_SPELLINGS = [
    *("biopsies", "Surgeries", "xray", "XRAYS", "root_canal", "RootCanal", "\u0130MPLANT"),
    *("\u0131mplant", "i\u0307", "\u0130", "y", "ies", "canal", "ray", "x", "copays", "_"),
]
WORDS = st.sampled_from(
    [
        *TERMS,
        *(t.upper() for t in TERMS[:20]),
        *OTHER_SPELLINGS,
        *("Bill", "Smith", "Bridges", "next", "visit", "$5"),
    ]
)
TEXT_PART = st.one_of(
    WORDS, st.text(alphabet=st.characters(codec="utf-8"), max_size=6), st.sampled_from([",", "."])
)


@st.composite
def spoken(draw: st.DrawFn) -> tuple[str, list[str]]:
    """A text of terms, names and noise with varied spacing, and the identification at hand."""
    parts = draw(st.lists(TEXT_PART, max_size=8))
    gaps = draw(st.lists(GAPS, min_size=len(parts), max_size=len(parts)))
    text = "".join(p + g for p, g in zip(parts, gaps, strict=True))
    names = draw(st.lists(st.one_of(WORDS, st.text(max_size=8)), max_size=4))
    return text, names


@settings(max_examples=400, deadline=None)
@given(case=spoken(), terms=st.one_of(st.just(TERMS), st.lists(WORDS, max_size=5)))
def test_the_audit_finds_exactly_the_terms_the_gate_and_agents_find(
    case: tuple[str, list[str]], terms: tuple[str, ...] | list[str]
) -> None:
    text, names = case
    shared = ProtectedTerms(terms).found(text, names)
    audited = audit_terms.terms_in(text, audit_terms.term_regex(terms), names)
    assert audited == sorted(set(shared))


# --- the audit ------------------------------------------------------------------------------
@pytest.mark.parametrize("spelling", SPELLINGS)
def test_the_audit_catches_a_voicemail_about_your_root_canal_however_it_is_spelled(
    audit: Callable, spelling: str
) -> None:
    message = render_voicemail("Bright Smile Dental", PRACTICE_PHONE, ("recall",))
    message = message.replace("your next visit", f"your {spelling}")
    report = audit([patient()], [voicemail(AT, message=message)])
    assert broken(report) == {"hipaa_minimum_necessary"}
    assert "'root canal'" in report.result("hipaa_minimum_necessary").examples[0].why


@pytest.mark.parametrize("name", PRACTICE_NAMES)
def test_the_audit_passes_messages_that_name_a_practice_whose_name_holds_terms(
    audit: Callable, name: str
) -> None:
    pr = practice(name=name, street="12 Crown Bridge Road", city="Implant Falls")
    messages = [
        render_voicemail(name, PRACTICE_PHONE, ("recall",)),
        render_sms(name, PRACTICE_PHONE, ("confirmation",)),
    ]
    report = audit(
        [patient()],
        [voicemail(AT, message=messages[0]), sms(LATER, message=messages[1])],
        practices=[pr],
    )
    assert broken(report) == set()


def test_the_audit_still_catches_a_term_beyond_a_practice_name_that_holds_it(
    audit: Callable,
) -> None:
    name = "Root Canal & Implant Dentistry"
    message = render_voicemail(name, PRACTICE_PHONE, ("recall",)).replace(
        "your next visit", "your root-canal"
    )
    report = audit([patient()], [voicemail(AT, message=message)], practices=[practice(name=name)])
    assert broken(report) == {"hipaa_minimum_necessary"}
    why = report.result("hipaa_minimum_necessary").examples[0].why
    assert why == "voicemail names protected details: 'root canal'"


@pytest.mark.parametrize("term", WORD_TERMS)
def test_the_audit_passes_a_greeting_by_name_before_verification_for_a_patient_named_after_a_term(
    audit: Callable, term: str
) -> None:
    first, last = name_of(term), name_of(WORD_TERMS[-1 - WORD_TERMS.index(term)])
    spouse = patient(2, first_name="Crown", last_name=last, household_id=1)
    greeting = f"Hi, this is the assistant for Bright Smile Dental. Am I speaking with {first}?"
    turns = [turn(greeting, False), turn(f"Is {first} {last} or Crown there?", False)]
    report = audit(
        [patient(first_name=first, last_name=last), spouse],
        [attempt(AT)],
        transcripts=[{"attempt_id": 1, "turns": turns}],
    )
    assert broken(report) == set()


def test_the_audit_still_catches_a_term_said_to_a_patient_named_after_it_beyond_the_name(
    audit: Callable,
) -> None:
    turns = [turn("Hi Bill, about your crown work and your bill-overdue notice", False)]
    report = audit(
        [patient(first_name="Bill", last_name="Crown")],
        [attempt(AT)],
        transcripts=[{"attempt_id": 1, "turns": turns}],
    )
    assert broken(report) == {"hipaa_verify_before_phi"}
    assert "'overdue'" in report.result("hipaa_verify_before_phi").examples[0].why


def test_the_names_of_someone_else_s_household_are_not_identification(audit: Callable) -> None:
    stranger = patient(2, first_name="Bill", household_id=2)
    turns = [turn("Calling about Bill", False)]
    report = audit(
        [patient(), stranger], [attempt(AT)], transcripts=[{"attempt_id": 1, "turns": turns}]
    )
    assert broken(report) == {"hipaa_verify_before_phi"}


# --- the gate -------------------------------------------------------------------------------
def named_after_terms(scenario: Scenario, practice_name: str) -> PracticeModel:
    """A practice called `practice_name` whose patients are named after protected terms."""
    scenario = apply_overrides(scenario, {"practice.name": practice_name})
    pr, patients = generate(scenario)
    n = len(patients)
    first = [name_of(WORD_TERMS[i % len(WORD_TERMS)]) for i in range(n)]
    last = [name_of(WORD_TERMS[(7 * i + 3) % len(WORD_TERMS)]) for i in range(n)]
    patients = dataclasses.replace(patients, first_name=np.array(first), last_name=np.array(last))
    return PracticeModel.build(scenario, pr, patients, 0)


def a_touch(model: PracticeModel, channel: str, purpose: str = "recall"):  # type: ignore[no-untyped-def]
    p = 0
    return touch(
        p, str(model.patients.phone[p]), channel, 0.0, 0, ("America/Los_Angeles",),
        (Item(p, purpose, 0),),
    )  # fmt: skip


@pytest.mark.parametrize("name", PRACTICE_NAMES)
def test_the_gate_leaves_messages_naming_a_practice_whose_name_holds_terms(
    baseline: Scenario, name: str
) -> None:
    model = named_after_terms(small(baseline, population__patients=50), name)
    gate, pr = model.gate, model.practice
    for channel, text in (
        ("voice", render_voicemail(pr.name, pr.phone, ("recall",))),
        ("sms", render_sms(pr.name, pr.phone, ("recall",))),
        ("voice", f"{render_voicemail(pr.name, pr.phone, ('recall',))} From {pr.street}."),
    ):
        assert gate.message(a_touch(model, channel), text) is None, text


@pytest.mark.parametrize("practice_name", ["Bright Smile Dental", "Root Canal Dentistry"])
@pytest.mark.parametrize("spelling", SPELLINGS)
def test_the_gate_withholds_a_voicemail_about_your_root_canal_however_it_is_spelled(
    baseline: Scenario, spelling: str, practice_name: str
) -> None:
    model = named_after_terms(small(baseline, population__patients=50), practice_name)
    pr = model.practice
    text = render_voicemail(pr.name, pr.phone, ("recall",)).replace(
        "your next visit", f"your {spelling}"
    )
    assert model.gate.message(a_touch(model, "voice"), text) == "hipaa_minimum_necessary"


def test_the_gate_does_not_count_the_patients_own_name_but_counts_a_stranger_s(
    baseline: Scenario,
) -> None:
    model = named_after_terms(small(baseline, population__patients=50), "Bright Smile Dental")
    pr, patients = model.practice, model.patients
    home = np.flatnonzero(patients.household_id == patients.household_id[0])
    names = set(patients.first_name[home]) | set(patients.last_name[home])
    stranger = next(i for i in range(len(patients)) if patients.first_name[i] not in names)
    text = render_voicemail(pr.name, pr.phone, ("recall",))
    own = text.replace("Hello,", f"Hello {patients.first_name[0]} {patients.last_name[0]},")
    other = text.replace("Hello,", f"Hello {patients.first_name[stranger]},")
    assert model.gate.message(a_touch(model, "voice"), own) is None
    assert model.gate.message(a_touch(model, "voice"), other) == "hipaa_minimum_necessary"
