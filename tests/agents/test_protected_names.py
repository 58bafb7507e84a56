"""The agents' protected-detail checks: names identify, they do not disclose; a term is caught
however it is spelled (hyphens, spacing, line breaks, case, Unicode form)."""

from __future__ import annotations

import shutil
from dataclasses import replace
from pathlib import Path

import pytest

from dentsim.agents.conformance import Case, load_cases, run_suite
from dentsim.agents.conformance.checks import protected_in
from dentsim.agents.protocol import AgentTurn, CallContext, Utterance
from dentsim.agents.script import builtin_scripts_dir, load_scripts
from dentsim.agents.scripted import make_agent
from dentsim.agents.voicemail import protected_terms_in
from dentsim.errors import InputError

SPELLINGS = ["root-canal", "root  canal", "ROOT\ncanal", "Root\u00a0Canal", "root\u2014canal"]
PRACTICES = ["Root Canal & Implant Dentistry", "Crown & Bridge Dental Implant Center"]


def renamed(case: Case, practice: str, first: str, last: str) -> Case:
    patient = replace(case.context.patient, first_name=first, last_name=last)
    return replace(case, context=replace(case.context, practice_name=practice, patient=patient))


@pytest.mark.parametrize("practice", PRACTICES)
def test_the_scripted_agent_passes_every_case_for_patients_and_practices_named_after_terms(
    practice: str,
) -> None:
    cases = [renamed(c, practice, "Bill", "Crown") for c in load_cases()]
    failed = {r.case.name: r.failed_checks for r in run_suite(make_agent, cases) if not r.passed}
    assert failed == {}


@pytest.mark.parametrize("practice", ["Bright Smile Dental", PRACTICES[0]])
@pytest.mark.parametrize("spelling", SPELLINGS)
def test_an_agent_that_names_a_root_canal_before_verification_fails_however_it_is_spelled(
    spelling: str, practice: str
) -> None:
    class Leaky:
        def respond(self, context: CallContext, utterance: Utterance) -> AgentTurn:
            return AgentTurn(f"Hi, {context.practice_name} calling about your {spelling}.", "greet")

    case = next(c for c in load_cases() if c.answered_by == "patient")
    case = renamed(case, practice, "Bill", "Crown")
    [result] = run_suite(Leaky, [case])
    assert "no_phi_before_verification" in result.failed_checks


def test_the_patients_name_is_not_a_protected_detail_but_the_rest_of_the_line_is() -> None:
    case = renamed(load_cases()[0], "Bright Smile Dental", "Bill", "Bridges")
    patient = replace(case.context.patient, procedure="implant")
    assert protected_in("Is this Bill Bridges?", patient) == []
    assert protected_in("Bill, your bill-overdue notice", patient) == ["overdue"]
    caller = (PRACTICES[0], "(208) 555-0100")
    assert protected_in(f"This is {PRACTICES[0]} for Bill.", patient, caller) == []
    assert protected_in(f"This is {PRACTICES[0]} about the implant.", patient, caller) == [
        "implant",
        "implant",  # a term of the vocabulary, and this patient's own procedure
    ]


@pytest.mark.parametrize("spelling", SPELLINGS)
def test_the_voicemail_check_catches_a_term_however_it_is_spelled(spelling: str) -> None:
    assert protected_terms_in(f"Calling about your {spelling}.") == ["root canal"]


@pytest.mark.parametrize("spelling", SPELLINGS[:3])
def test_a_common_state_naming_a_hyphenated_or_spaced_term_does_not_load(
    tmp_path: Path, spelling: str
) -> None:
    folder = tmp_path / "scripts"
    shutil.copytree(builtin_scripts_dir(), folder, ignore=shutil.ignore_patterns("__*"))
    path = folder / "common.yaml"
    text = path.read_text(encoding="utf-8")
    old = "called about a visit, and"
    assert old in text
    written = spelling.replace("\n", "\\n")
    path.write_text(text.replace(old, f"called about the {written}, and", 1), encoding="utf-8")
    with pytest.raises(InputError) as e:
        load_scripts(folder)
    assert any("names protected details (root canal)" in p for p in e.value.problems)
