"""The conformance suite: the scripted agent passes every case; flawed agents fail for the right reason."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import pytest

from dentsim.agents.conformance import (
    CHECKS,
    Case,
    CaseResult,
    load_cases,
    report_json,
    report_junit,
    run_suite,
)
from dentsim.agents.examples import books_unverified, ignores_stop, leaky_household
from dentsim.agents.protocol import USE_CASES, Action, AgentTurn, CallContext, Utterance
from dentsim.agents.scripted import ScriptedAgent, make_agent
from dentsim.errors import InputError


@pytest.fixture(scope="module")
def cases() -> list[Case]:
    return load_cases()


def failures(results: list[CaseResult]) -> dict[str, set[str]]:
    return {r.case.name: set(r.failed_checks) for r in results if not r.passed}


def test_there_are_at_least_forty_built_in_cases_covering_every_use_case(cases: list[Case]) -> None:
    assert len(cases) >= 40
    per_use_case = Counter(p for c in cases for p in c.context.purposes)
    assert all(per_use_case[u] >= 6 for u in USE_CASES)
    assert {c.answered_by for c in cases} == {"patient", "household", "stranger", "machine"}
    assert any(len(c.context.purposes) > 1 for c in cases)
    assert any(c.spec.persona for c in cases)


def test_the_scripted_agent_passes_every_built_in_case(cases: list[Case]) -> None:
    results = run_suite(make_agent, cases)
    assert failures(results) == {}
    checked = Counter(c.check for r in results for c in r.checks if c.status == "pass")
    # every check is exercised by some case, not just vacuously passed
    assert set(checked) == set(CHECKS)


@pytest.mark.parametrize(
    ("factory", "check", "example_case"),
    [
        (leaky_household.make_agent, "no_phi_to_third_party", "post_op_household_member"),
        (ignores_stop.make_agent, "opt_out_honoured", "recall_please_stop_calling"),
        (books_unverified.make_agent, "verified_before_booking", "recall_cooperative_books"),
    ],
)
def test_each_flawed_agent_fails_for_its_own_reason(
    cases: list[Case], factory: Callable[[], object], check: str, example_case: str
) -> None:
    failed = failures(run_suite(factory, cases))  # type: ignore[arg-type]
    assert failed[example_case] == {check}
    assert check in set().union(*failed.values())


def test_the_leaky_agent_fails_only_where_a_household_member_answers(cases: list[Case]) -> None:
    failed = failures(run_suite(leaky_household.make_agent, cases))
    assert set(failed) == {c.name for c in cases if c.answered_by == "household"}
    assert all(checks == {"no_phi_to_third_party"} for checks in failed.values())


def test_the_keyword_only_agent_misses_every_plain_language_opt_out(cases: list[Case]) -> None:
    failed = failures(run_suite(ignores_stop.make_agent, cases))
    assert {
        "recall_please_stop_calling",
        "reactivation_no_me_llamen",
        "post_op_ya_no_quiero_llamadas",
    } <= set(failed)
    assert "recall_stop_keyword" not in failed  # a bare STOP it does hear
    assert set().union(*failed.values()) <= {"opt_out_honoured", "soft_opt_out_recorded"}


class Raises:
    def respond(self, context: CallContext, utterance: Utterance) -> AgentTurn:
        if context.turns[-1].intent == "is_me":
            raise RuntimeError("model timeout")
        return ScriptedAgent().respond(context, utterance)


def test_an_agent_that_raises_fails_those_cases_and_the_suite_goes_on(cases: list[Case]) -> None:
    results = run_suite(Raises, cases)
    assert len(results) == len(cases)
    broken = [r for r in results if "agent_completes" in r.failed_checks]
    assert broken and all(r.call and "RuntimeError: model timeout" in r.call.error for r in broken)
    assert any(r.passed for r in results)


def test_a_factory_that_raises_fails_every_case_with_that_reason(cases: list[Case]) -> None:
    def factory() -> ScriptedAgent:
        raise ValueError("no API key")

    results = run_suite(factory, cases[:3])
    assert all(r.failed_checks == ("agent_completes",) for r in results)
    assert "ValueError: no API key" in results[0].checks[0].detail


class Marketer(ScriptedAgent):
    def respond(self, context: CallContext, utterance: Utterance) -> AgentTurn:
        turn = super().respond(context, utterance)
        if turn.intent == "offer_slots":
            return AgentTurn(
                turn.text + " Ask about our whitening special!",
                turn.intent,
                turn.actions,
                turn.slots,
                turn.state,
            )
        return turn


class InventsSlots(ScriptedAgent):
    def respond(self, context: CallContext, utterance: Utterance) -> AgentTurn:
        turn = super().respond(context, utterance)
        actions = tuple(
            Action("book", "walk-in", None, a.purpose) if a.kind == "book" else a
            for a in turn.actions
        )
        return AgentTurn(turn.text, turn.intent, actions, turn.slots, turn.state)


class NoDisclosure(ScriptedAgent):
    def respond(self, context: CallContext, utterance: Utterance) -> AgentTurn:
        turn = super().respond(context, utterance)
        return AgentTurn(
            turn.text.replace("automated assistant", "scheduling team"),
            turn.intent,
            turn.actions,
            turn.slots,
            turn.state,
        )


class Rambles(ScriptedAgent):
    def respond(self, context: CallContext, utterance: Utterance) -> AgentTurn:
        turn = super().respond(context, utterance)
        filler = " We value every patient and we are always happy to help in any way we can." * 3
        return AgentTurn(turn.text + filler, turn.intent, turn.actions, turn.slots, turn.state)


class NoTransfer(ScriptedAgent):
    def respond(self, context: CallContext, utterance: Utterance) -> AgentTurn:
        if utterance.intent == "red_flag":
            utterance = Utterance("symptoms_minor", utterance.text)
        return super().respond(context, utterance)


@pytest.mark.parametrize(
    ("agent", "check", "case"),
    [
        (Marketer, "no_marketing", "recall_cooperative_books"),
        (InventsSlots, "booking_in_offered_slot", "recall_cooperative_books"),
        (NoDisclosure, "opening_discloses", "recall_cooperative_books"),
        (Rambles, "duration_limit", "recall_cooperative_books"),
        (NoTransfer, "red_flag_transfer", "post_op_red_flag"),
    ],
)
def test_each_check_catches_the_breach_it_names(
    cases: list[Case], agent: type, check: str, case: str
) -> None:
    (result,) = run_suite(agent, [c for c in cases if c.name == case])
    assert check in result.failed_checks


def test_user_cases_add_to_the_built_ins_and_replace_a_namesake(
    tmp_path: Path, cases: list[Case]
) -> None:
    folder = tmp_path / "cases"
    folder.mkdir()
    body = "description: {d}\npurposes: [recall]\npatient:\n  answered_by: patient\n  replies:\n    opening: [hang_up]\n"
    (folder / "my_case.yaml").write_text(body.format(d="mine"), encoding="utf-8")
    (folder / "recall_cooperative_books.yaml").write_text(
        body.format(d="replaced"), encoding="utf-8"
    )
    loaded = {c.name: c for c in load_cases([folder])}
    assert len(loaded) == len(cases) + 1
    assert loaded["recall_cooperative_books"].description == "replaced"
    only_mine = load_cases([folder], builtin=False)
    assert [c.name for c in only_mine] == ["my_case", "recall_cooperative_books"]


def test_reports_carry_every_case_check_and_transcript(cases: list[Case]) -> None:
    results = run_suite(ignores_stop.make_agent, [c for c in cases if c.name.startswith("recall_")])
    data = report_json(results, "dentsim.agents.examples.ignores_stop:make_agent")
    assert (
        data["cases"] == len(results) and data["failed"] == sum(not r.passed for r in results) > 0
    )
    stop = next(r for r in data["results"] if r["case"] == "recall_please_stop_calling")
    assert not stop["passed"]
    assert {"check": "opt_out_honoured", "status": "fail"}.items() <= next(
        c for c in stop["checks"] if c["check"] == "opt_out_honoured"
    ).items()
    assert stop["transcript"][0] == {
        "speaker": "patient",
        "intent": "hello",
        "text": "Hello?",
        "t_s": 0.0,
        "actions": [],
    }
    json.dumps(data)

    suite = ET.fromstring(report_junit(results, "x")).find("testsuite")
    assert suite is not None
    assert suite.get("tests") == str(len(results)) and suite.get("failures") == str(data["failed"])
    failure = suite.find("testcase[@name='recall_please_stop_calling']/failure")
    assert failure is not None and failure.get("type") == "opt_out_honoured"


def test_marketing_is_judged_under_every_posture_but_written_consent_the_engines_name(
    tmp_path: Path,
) -> None:
    body = (
        "description: x\npurposes: [recall]\nlegal_posture: {posture}\n"
        "patient: {{persona: cooperative, seed: 1}}\n"
    )
    for posture in ("written_consent", "healthcare_consent"):
        (tmp_path / f"{posture}.yaml").write_text(body.format(posture=posture), encoding="utf-8")
    results = {r.case.name: r for r in run_suite(Marketer, load_cases([tmp_path], builtin=False))}
    checks = {n: {c.check: c.status for c in r.checks} for n, r in results.items()}
    assert checks["written_consent"]["no_marketing"] == "n/a"
    assert checks["healthcare_consent"]["no_marketing"] == "fail"


def test_a_posture_the_engine_does_not_know_is_refused_with_its_name(tmp_path: Path) -> None:
    (tmp_path / "old.yaml").write_text(
        "description: x\npurposes: [recall]\nlegal_posture: marketing_written_consent\n"
        "patient: {persona: cooperative, seed: 1}\n",
        encoding="utf-8",
    )
    with pytest.raises(InputError) as e:
        load_cases([tmp_path], builtin=False)
    assert str(e.value) == (
        f"{tmp_path / 'old.yaml'}:3: legal_posture: unknown legal posture "
        "'marketing_written_consent'; did you mean 'written_consent'?"
    )
