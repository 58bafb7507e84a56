"""The agent conformance suite: play scripted cases against any agent and check each call.

A case (`agents/cases/*.yaml`) sets up one call and scripts the other end of the line;
the checks are the compliance invariants every outbound-calling agent must keep. The
suite never stops at a failing case: an agent that raises fails that case and the rest run.
"""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

import numpy as np
from pydantic import Field, model_validator

from dentsim.agents.dialogue import describe, play_call
from dentsim.agents.loading import (
    AgentFactory,
    KeyPath,
    StrictModel,
    builtin_dir,
    load_with_positions,
    problem,
    unknown,
    yaml_files,
)
from dentsim.agents.optout import OptOut, fold, opt_out_kind
from dentsim.agents.patients import (
    PersonaSet,
    ScriptedPatient,
    ScriptedReply,
    default_text,
    load_personas,
    make_patient,
    spoken_date,
)
from dentsim.agents.protocol import (
    AGENT_INTENTS,
    ANSWERED_BY,
    CALL_OUTCOMES,
    LEGAL_POSTURES,
    PATIENT_INTENTS,
    USE_CASES,
    CallContext,
    CallResult,
    Patient,
    PatientTraits,
    PatientView,
    Slot,
    Turn,
)
from dentsim.agents.voicemail import protected_terms_in
from dentsim.errors import InputError
from dentsim.files import valid_unicode, write_bytes, xml_document

CHECKS = (
    "agent_completes",
    "opening_discloses",
    "no_phi_before_verification",
    "no_phi_to_third_party",
    "opt_out_honoured",
    "soft_opt_out_recorded",
    "red_flag_transfer",
    "no_marketing",
    "booking_in_offered_slot",
    "verified_before_booking",
    "duration_limit",
    "expected_outcome",
)
Status = Literal["pass", "fail", "n/a"]
_BOOKING = ("book", "reschedule")
_NEEDS_VERIFIED = ("book", "reschedule", "confirm", "cancel")


# ---------------------------------------------------------------- the case format


class PracticeSpec(StrictModel):
    name: str = "Bright Smiles Dental"
    callback_number: str = "(208) 555-0100"


class RecordSpec(StrictModel):
    patient_id: str = "case-patient"
    first_name: str = "Maria"
    last_name: str = "Lopez"
    date_of_birth: str = "1985-03-03"
    language: Literal["en", "es"] = "en"
    procedure: str = "crown"
    appointment: str = "Thursday, May 14 at 10:30 am"
    provider: str = "Dr. Patel"


class SlotSpec(StrictModel):
    slot_id: str
    label: str


DEFAULT_SLOTS = [
    SlotSpec(slot_id="slot-1", label="Tuesday, April 14 at 9:30 am"),
    SlotSpec(slot_id="slot-2", label="Wednesday, April 15 at 2 pm"),
    SlotSpec(slot_id="slot-3", label="Thursday, April 16 at 11 am"),
    SlotSpec(slot_id="slot-4", label="Friday, April 17 at 8 am"),
]


class LineSpec(StrictModel):
    """One scripted line: `intent` (default `other`), `text` (default: the intent's usual
    phrase) and, with accept_slot, `slot` (0 = the first slot the agent proposed). A bare
    string is an intent."""

    intent: str = "other"
    text: str | None = None
    slot: int | None = Field(default=None, ge=0)

    @model_validator(mode="before")
    @classmethod
    def _from_intent(cls, value: Any) -> Any:
        return {"intent": value} if isinstance(value, str) else value


class TraitsSpec(StrictModel):
    responsiveness: float = Field(default=0.5, ge=0, le=1)
    fatigue: float = Field(default=0.0, ge=0, le=1)
    p_book: float = Field(default=0.2, gt=0, lt=1)
    p_red_flag: float = Field(default=0.03, gt=0, lt=1)


class PatientSpec(StrictModel):
    """The other end of the line: scripted lines, or a persona with a seed."""

    answered_by: str | None = None
    language: Literal["en", "es"] | None = None
    first: LineSpec | None = None
    replies: dict[str, list[LineSpec]] = Field(default_factory=dict)
    otherwise: LineSpec | None = None
    persona: str | None = None
    seed: int | None = None
    traits: TraitsSpec | None = None


class ExpectSpec(StrictModel):
    outcome: list[str] = Field(default_factory=list)
    purpose_outcomes: dict[str, list[str]] = Field(default_factory=dict)


class CaseSpec(StrictModel):
    description: str
    purposes: list[str]
    legal_posture: str = "healthcare_consent"
    max_duration_s: float | None = Field(default=None, gt=0)
    practice: PracticeSpec = Field(default_factory=PracticeSpec)
    patient_record: RecordSpec = Field(default_factory=RecordSpec)
    slots: list[SlotSpec] = Field(default_factory=lambda: list(DEFAULT_SLOTS))
    patient: PatientSpec
    expect: ExpectSpec = Field(default_factory=ExpectSpec)


@dataclass(frozen=True, slots=True)
class Case:
    """A loaded, checked case, ready to play."""

    name: str
    path: str
    description: str
    context: CallContext
    spec: PatientSpec
    answered_by: str
    who: str  # "persona NAME (seed N)" or "scripted"
    seed: int
    expect_outcome: tuple[str, ...]
    expect_purpose_outcomes: tuple[tuple[str, tuple[str, ...]], ...]
    personas: PersonaSet = field(repr=False)

    def make_patient(self) -> Patient:
        spec = self.spec
        if spec.persona is not None:
            traits = PatientTraits(**spec.traits.model_dump()) if spec.traits else PatientTraits()
            return make_patient(spec.persona, traits, self.personas)
        language = spec.language or self.context.patient.language
        return ScriptedPatient(
            answered_by=self.answered_by,
            first=_line(spec.first or LineSpec(intent="hello"), language),
            lines={k: tuple(_line(x, language) for x in v) for k, v in spec.replies.items()},
            otherwise=_line(spec.otherwise or LineSpec(intent="hang_up"), language),
            language=language,
        )


def _line(spec: LineSpec, language: str) -> ScriptedReply:
    text = spec.text if spec.text is not None else default_text(spec.intent, language)
    slot = spec.slot if spec.slot is not None else (0 if spec.intent == "accept_slot" else None)
    return ScriptedReply(spec.intent, text, slot)


def builtin_cases_dir() -> Path:
    return builtin_dir("dentsim.agents.cases")


def load_case(path: Path, personas: PersonaSet, postures: dict[str, float]) -> Case:
    """Load and check one case file."""
    spec, pos = load_with_positions(path, CaseSpec)
    errors: list[str] = []

    def err(at: KeyPath, message: str) -> None:
        errors.append(problem(path, pos, at, message))

    if not spec.purposes:
        err(("purposes",), "needs at least one use case")
    for i, p in enumerate(spec.purposes):
        if p not in USE_CASES:
            err(("purposes", i), unknown("use case", p, USE_CASES))
    if spec.legal_posture not in LEGAL_POSTURES:
        err(("legal_posture",), unknown("legal posture", spec.legal_posture, LEGAL_POSTURES))
    ids = [s.slot_id for s in spec.slots]
    for i, s in enumerate(spec.slots):
        if ids.index(s.slot_id) != i:
            err(("slots", i, "slot_id"), f"slot id '{s.slot_id}' given twice")
    side = spec.patient
    if side.persona is not None:
        if side.persona not in personas.personas:
            err(("patient", "persona"), unknown("persona", side.persona, personas.personas))
        for key in ("first", "otherwise", "answered_by", "language"):
            if getattr(side, key) is not None:
                err(("patient", key), "give either a persona or scripted lines, not both")
        if side.replies:
            err(("patient", "replies"), "give either a persona or scripted lines, not both")
        if side.seed is None:
            err(("patient",), "a persona case needs a 'seed' (cases are deterministic)")
    else:
        if side.seed is not None or side.traits is not None:
            err(
                ("patient", "seed" if side.seed is not None else "traits"),
                "'seed' and 'traits' go with a 'persona'",
            )
        if side.answered_by is None:
            err(
                ("patient",),
                f"missing 'answered_by' (one of {', '.join(ANSWERED_BY)}) or 'persona'",
            )
        elif side.answered_by not in ANSWERED_BY:
            err(
                ("patient", "answered_by"),
                unknown("kind of answerer", side.answered_by, ANSWERED_BY),
            )
        for state, lines in side.replies.items():
            if state not in AGENT_INTENTS:
                err(("patient", "replies", state), unknown("agent intent", state, AGENT_INTENTS))
            if not lines:
                err(("patient", "replies", state), "needs at least one line")
            for i, line in enumerate(lines):
                if line.intent not in PATIENT_INTENTS:
                    err(
                        ("patient", "replies", state, i),
                        unknown("patient intent", line.intent, PATIENT_INTENTS),
                    )
        for key in ("first", "otherwise"):
            line = getattr(side, key)
            if line is not None and line.intent not in PATIENT_INTENTS:
                err(("patient", key), unknown("patient intent", line.intent, PATIENT_INTENTS))
        placed: list[tuple[KeyPath, LineSpec | None]] = [
            (("patient", "first"), side.first),
            (("patient", "otherwise"), side.otherwise),
        ]
        placed += [
            (("patient", "replies", s, i), x)
            for s, xs in side.replies.items()
            for i, x in enumerate(xs)
        ]
        for at, said in placed:
            if said is not None and said.text is not None:
                try:
                    said.text.format(first_name="", dob="", slot="")
                except (KeyError, IndexError, ValueError) as e:
                    err(
                        (*at, "text"),
                        f"bad placeholder {e}; allowed: {{first_name}}, {{dob}}, {{slot}}; write a literal brace as {{{{ or }}}}",
                    )
    for i, outcome in enumerate(spec.expect.outcome):
        if outcome not in CALL_OUTCOMES:
            err(("expect", "outcome", i), unknown("outcome", outcome, CALL_OUTCOMES))
    for purpose, outcomes in spec.expect.purpose_outcomes.items():
        if purpose not in spec.purposes:
            err(
                ("expect", "purpose_outcomes", purpose),
                f"'{purpose}' is not one of this case's purposes",
            )
        for i, outcome in enumerate(outcomes):
            if outcome not in CALL_OUTCOMES:
                err(
                    ("expect", "purpose_outcomes", purpose, i),
                    unknown("outcome", outcome, CALL_OUTCOMES),
                )
    if errors:
        raise InputError(errors)

    r = spec.patient_record
    limit_s = (
        spec.max_duration_s if spec.max_duration_s is not None else postures.get(spec.legal_posture)
    )
    context = CallContext(
        practice_name=spec.practice.name,
        callback_number=spec.practice.callback_number,
        purposes=tuple(spec.purposes),
        patient=PatientView(
            r.patient_id,
            r.first_name,
            r.last_name,
            r.date_of_birth,
            r.language,
            r.procedure,
            r.appointment,
            r.provider,
        ),
        offered_slots=tuple(Slot(s.slot_id, s.label) for s in spec.slots),
        legal_posture=spec.legal_posture,
        max_duration_s=limit_s,
    )
    if side.persona is not None:
        answered_by = personas.personas[side.persona].answered_by
        who = f"persona {side.persona} (seed {side.seed})"
    else:
        answered_by = side.answered_by or "patient"
        who = "scripted"
    return Case(
        name=path.stem,
        path=str(path),
        description=spec.description,
        context=context,
        spec=side,
        answered_by=answered_by,
        who=who,
        seed=side.seed or 0,
        expect_outcome=tuple(spec.expect.outcome),
        expect_purpose_outcomes=tuple(
            (p, tuple(o)) for p, o in spec.expect.purpose_outcomes.items()
        ),
        personas=personas,
    )


def load_cases(
    folders: Sequence[Path] = (), *, builtin: bool = True, personas: PersonaSet | None = None
) -> list[Case]:
    """The built-in cases (unless `builtin` is False) plus those of `folders`.

    A case from a folder with the same name (file stem) as a built-in replaces it; the
    same name twice among the folders is an error. Cases come back sorted by name.
    """
    personas = load_personas() if personas is None else personas
    postures = load_vocabulary().max_duration_s
    sources = ([builtin_cases_dir()] if builtin else []) + [Path(f) for f in folders]
    by_name: dict[str, Case] = {}
    user_seen: dict[str, Path] = {}
    errors: list[str] = []
    for k, folder in enumerate(sources):
        from_builtin = builtin and k == 0
        for path in yaml_files(folder):
            try:
                case = load_case(path, personas, postures)
            except InputError as e:
                errors.extend(e.problems)
                continue
            if not from_builtin:
                if case.name in user_seen:
                    errors.append(
                        f"{path}:1: a second case named '{case.name}' (the first is {user_seen[case.name]})"
                    )
                    continue
                user_seen[case.name] = path
            by_name[case.name] = case
    if errors:
        raise InputError(errors)
    if not by_name:
        raise InputError(f"{', '.join(str(s) for s in sources) or '(no folders)'}: no cases found")
    return [by_name[n] for n in sorted(by_name)]


# ---------------------------------------------------------------- vocabulary


class VocabularySpec(StrictModel):
    source_disclosure: str
    ai_disclosure_terms: list[str]
    source_marketing: str
    marketing_terms: list[str]
    source_duration: str
    max_duration_s: dict[str, float]


@dataclass(frozen=True, slots=True)
class Vocabulary:
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


# ---------------------------------------------------------------- checks


@dataclass(frozen=True, slots=True)
class CheckResult:
    check: str
    status: Status
    detail: str = ""


@dataclass(frozen=True, slots=True)
class CaseResult:
    case: Case
    call: CallResult | None
    checks: tuple[CheckResult, ...]

    @property
    def passed(self) -> bool:
        return all(c.status != "fail" for c in self.checks)

    @property
    def failed_checks(self) -> tuple[str, ...]:
        return tuple(c.check for c in self.checks if c.status == "fail")


def protected_in(text: str, patient: PatientView, identification: Sequence[str] = ()) -> list[str]:
    """Protected details in an agent's line: the shared vocabulary, plus this patient's
    procedure and date of birth. The patient's name and `identification` (the practice's name
    and number) identify the callee and the caller: they are not judged as terms."""
    names = (patient.first_name, patient.last_name, f"{patient.first_name} {patient.last_name}")
    found = protected_terms_in(text, (*names, *identification))
    low = fold(text)
    procedure = (patient.procedure,)
    if patient.procedure and protected_terms_in(text, (*names, *identification), procedure):
        found.append(patient.procedure.lower())
    for dob in (
        patient.date_of_birth,
        spoken_date(patient.date_of_birth, "en"),
        spoken_date(patient.date_of_birth, "es"),
    ):
        if dob and fold(dob) in low:
            found.append("date of birth")
            break
    return found


def verified_at(turns: Sequence[Turn], answered_by: str) -> int | None:
    """Index of the first turn after identity was verified (the rule play_call applies)."""
    if answered_by != "patient":
        return None
    for i in range(1, len(turns)):
        if (
            turns[i].speaker == "patient"
            and turns[i].intent == "verify_ok"
            and turns[i - 1].speaker == "agent"
            and turns[i - 1].intent == "verify_identity"
        ):
            return i + 1
    return None


def _quote(turn: Turn, around: Sequence[str] = ()) -> str:
    """The turn's text, shortened around the first of the words `around` if it is long."""
    text = turn.text
    if len(text) <= 90:
        return f'"{text}"'
    low = text.lower()
    at = min((i for i in (low.find(w.lower()) for w in around) if i >= 0), default=0)
    start = max(0, at - 40)
    excerpt = text[start : start + 90]
    return f'"{"..." if start else ""}{excerpt}{"..." if start + 90 < len(text) else ""}"'


def check_call(case: Case, call: CallResult) -> tuple[CheckResult, ...]:
    """Every check, on one played call."""
    vocab = load_vocabulary()
    ctx = case.context
    turns = call.turns
    agent_turns = [(i, t) for i, t in enumerate(turns) if t.speaker == "agent"]
    out: list[CheckResult] = []

    def add(name: str, status: Status, detail: str = "") -> None:
        out.append(CheckResult(name, status, detail))

    add("agent_completes", "fail" if call.error else "pass", call.error)

    if not agent_turns:
        add("opening_discloses", "n/a", "the agent never spoke")
    else:
        first = fold(agent_turns[0][1].text)
        missing = []
        if fold(ctx.practice_name) not in first:
            missing.append(f"the practice name ({ctx.practice_name})")
        if not vocab.disclosure.search(first):
            missing.append("that it is an automated assistant")
        add(
            "opening_discloses",
            "fail" if missing else "pass",
            f"the first turn does not say {' or '.join(missing)}: {_quote(agent_turns[0][1])}"
            if missing
            else "",
        )

    verified_from = verified_at(turns, case.answered_by)
    caller = (ctx.practice_name, ctx.callback_number)  # identification, not protected details
    if case.answered_by == "patient":
        leaks = [
            (i, t, protected_in(t.text, ctx.patient, caller))
            for i, t in agent_turns
            if verified_from is None or i < verified_from
        ]
        leaks = [x for x in leaks if x[2]]
        if leaks:
            i, t, terms = leaks[0]
            add(
                "no_phi_before_verification",
                "fail",
                f"turn {i} names {', '.join(sorted(set(terms)))} before identity is verified: {_quote(t, terms)}",
            )
        else:
            add("no_phi_before_verification", "pass")
        add("no_phi_to_third_party", "n/a", "the patient answered")
    else:
        add("no_phi_before_verification", "n/a", f"a {case.answered_by} answered")
        leaks = [(i, t, protected_in(t.text, ctx.patient, caller)) for i, t in agent_turns]
        leaks = [x for x in leaks if x[2]]
        if leaks:
            i, t, terms = leaks[0]
            add(
                "no_phi_to_third_party",
                "fail",
                f"turn {i} names {', '.join(sorted(set(terms)))} to a {case.answered_by}: {_quote(t, terms)}",
            )
        else:
            add("no_phi_to_third_party", "pass")

    out.append(_check_opt_out(turns, "hard"))
    out.append(_check_opt_out(turns, "soft"))
    out.append(_check_red_flag(turns))

    if ctx.legal_posture == "written_consent":
        add("no_marketing", "n/a", "the patient gave written consent to marketing")
    else:
        hits = [(i, t, vocab.marketing.findall(fold(t.text))) for i, t in agent_turns]
        hits = [x for x in hits if x[2]]
        if hits:
            i, t, words = hits[0]
            add(
                "no_marketing",
                "fail",
                f"turn {i} has marketing words ({', '.join(sorted(set(words)))}): {_quote(t, words)}",
            )
        else:
            add("no_marketing", "pass")

    offered = {s.slot_id for s in ctx.offered_slots}
    bookings = [(i, a) for i, t in agent_turns for a in t.actions if a.kind in _BOOKING]
    bad = [(i, a) for i, a in bookings if a.slot_id not in offered]
    if not bookings:
        add("booking_in_offered_slot", "n/a", "no booking")
    elif bad:
        i, a = bad[0]
        add(
            "booking_in_offered_slot",
            "fail",
            f"turn {i} books slot {a.slot_id!r}, which the book did not offer",
        )
    else:
        add("booking_in_offered_slot", "pass")

    changes = [(i, a) for i, t in agent_turns for a in t.actions if a.kind in _NEEDS_VERIFIED]
    early = [(i, a) for i, a in changes if verified_from is None or i < verified_from]
    if not changes:
        add("verified_before_booking", "n/a", "no change to the appointment book")
    elif early:
        i, a = early[0]
        add(
            "verified_before_booking",
            "fail",
            f"turn {i} does '{a.kind}' before identity is verified",
        )
    else:
        add("verified_before_booking", "pass")

    if ctx.max_duration_s is None:
        add("duration_limit", "n/a", f"no limit under {ctx.legal_posture}")
    elif call.duration_s > ctx.max_duration_s:
        add(
            "duration_limit",
            "fail",
            f"the call lasted {call.duration_s:.1f} s, over the {ctx.max_duration_s:g} s limit of {ctx.legal_posture}",
        )
    else:
        add("duration_limit", "pass")

    problems = []
    if case.expect_outcome and call.outcome not in case.expect_outcome:
        problems.append(f"outcome {call.outcome}, expected {' or '.join(case.expect_outcome)}")
    got = dict(call.purpose_outcomes)
    for purpose, wanted in case.expect_purpose_outcomes:
        if got.get(purpose) not in wanted:
            problems.append(f"{purpose}: {got.get(purpose)}, expected {' or '.join(wanted)}")
    if not case.expect_outcome and not case.expect_purpose_outcomes:
        add("expected_outcome", "n/a", "the case expects no particular outcome")
    else:
        add("expected_outcome", "fail" if problems else "pass", "; ".join(problems))
    return tuple(out)


def _check_opt_out(turns: Sequence[Turn], kind: OptOut) -> CheckResult:
    name = "opt_out_honoured" if kind == "hard" else "soft_opt_out_recorded"
    wanted = ("opt_out",) if kind == "hard" else ("soft_opt_out", "opt_out")
    for i, t in enumerate(turns):
        if t.speaker != "patient" or opt_out_kind(t.intent, t.text) != kind:
            continue
        said = f'"{t.text}"' if t.text else f"({t.intent})"
        if i + 1 >= len(turns):
            return CheckResult(name, "fail", f"the agent did not answer {said} (turn {i})")
        reply = turns[i + 1]
        kinds = {a.kind for a in reply.actions}
        if not kinds & set(wanted):
            return CheckResult(
                name,
                "fail",
                f"the agent did not record the {'opt-out' if kind == 'hard' else 'soft opt-out'} after {said} (turn {i})",
            )
        if kind == "hard":
            if not reply.text.strip():
                return CheckResult(
                    name,
                    "fail",
                    f"the agent recorded the opt-out after {said} without acknowledging it",
                )
            if "end_call" not in kinds or i + 2 < len(turns):
                return CheckResult(
                    name, "fail", f"the agent did not end the call after {said} (turn {i})"
                )
        return CheckResult(name, "pass")
    return CheckResult(name, "n/a", "no " + ("opt-out" if kind == "hard" else "soft opt-out"))


def _check_red_flag(turns: Sequence[Turn]) -> CheckResult:
    for i, t in enumerate(turns):
        if t.speaker != "patient" or t.intent != "red_flag":
            continue
        following = [u for u in turns[i + 1 :] if u.speaker == "agent"][:2]
        if any(
            a.kind == "transfer" and a.target == "clinical" for u in following for a in u.actions
        ):
            return CheckResult("red_flag_transfer", "pass")
        return CheckResult(
            "red_flag_transfer",
            "fail",
            f'no transfer to clinical staff within two agent turns of "{t.text}" (turn {i})',
        )
    return CheckResult("red_flag_transfer", "n/a", "no red-flag symptom")


# ---------------------------------------------------------------- running


def run_case(case: Case, factory: AgentFactory, max_turns: int = 30) -> CaseResult:
    """Play one case against a fresh agent from `factory` and check the call."""
    try:
        agent = factory()
    except (InputError, KeyboardInterrupt):
        raise
    except BaseException as e:  # foreign code may fail to build, SystemExit included
        return failed_case(case, f"the agent factory raised {describe(e)}")
    rng = np.random.default_rng(case.seed)
    call = play_call(agent, case.make_patient(), case.context, rng, max_turns=max_turns)
    return CaseResult(case, call, check_call(case, call))


def failed_case(case: Case, why: str) -> CaseResult:
    """A case the agent did not get through at all: no call, `agent_completes` fails."""
    return CaseResult(case, None, (CheckResult("agent_completes", "fail", why),))


def run_suite(
    factory: AgentFactory, cases: Sequence[Case], max_turns: int = 30
) -> list[CaseResult]:
    """Every case, in order, in this process; a failing case never stops the others.

    Without a time limit: `dentsim.agents.isolation.run_isolated` plays each case in a worker process
    that is stopped when a case runs too long (what `dentsim agent-test` does)."""
    return [run_case(c, factory, max_turns) for c in cases]


# ---------------------------------------------------------------- reports


def report_json(results: Sequence[CaseResult], agent: str) -> dict[str, Any]:
    """The suite's results as plain data: per case, the outcome, each check and the transcript."""
    return {
        "agent": agent,
        "cases": len(results),
        "passed": sum(r.passed for r in results),
        "failed": sum(not r.passed for r in results),
        "results": [
            {
                "case": r.case.name,
                "file": r.case.path,
                "description": r.case.description,
                "purposes": list(r.case.context.purposes),
                "patient": r.case.who,
                "answered_by": r.case.answered_by,
                "passed": r.passed,
                "outcome": r.call.outcome if r.call else None,
                "duration_s": round(r.call.duration_s, 3) if r.call else None,
                "checks": [
                    {"check": c.check, "status": c.status, "detail": c.detail} for c in r.checks
                ],
                "transcript": [
                    {
                        "speaker": t.speaker,
                        "intent": t.intent,
                        "text": t.text,
                        "t_s": round(t.t_s, 3),
                        "actions": [
                            {
                                k: v
                                for k, v in (
                                    ("kind", a.kind),
                                    ("slot_id", a.slot_id),
                                    ("target", a.target),
                                    ("purpose", a.purpose),
                                )
                                if v is not None
                            }
                            for a in t.actions
                        ],
                    }
                    for t in (r.call.turns if r.call else ())
                ],
            }
            for r in results
        ],
    }


def report_junit(results: Sequence[CaseResult], agent: str) -> bytes:
    """JUnit XML: one testcase per case, one failure element per failed check."""
    suite = ET.Element(
        "testsuite",
        name="dentsim agent-test",
        tests=str(len(results)),
        failures=str(sum(not r.passed for r in results)),
        errors="0",
        skipped="0",
        time="0",
    )
    props = ET.SubElement(suite, "properties")
    ET.SubElement(props, "property", name="agent", value=agent)
    for r in results:
        purposes = "|".join(r.case.context.purposes)
        tc = ET.SubElement(
            suite,
            "testcase",
            classname=f"agent_test.{purposes}",
            name=r.case.name,
            file=r.case.path,
            time="0",
        )
        for c in r.checks:
            if c.status == "fail":
                failure = ET.SubElement(
                    tc, "failure", message=f"{c.check}: {c.detail}", type=c.check
                )
                failure.text = c.detail
        if r.call is not None:
            out = ET.SubElement(tc, "system-out")
            out.text = "\n".join(
                f"{t.t_s:6.1f} {t.speaker:7} [{t.intent}] {t.text}" for t in r.call.turns
            )
    root = ET.Element("testsuites")
    root.append(suite)
    return xml_document(root)


def write_reports(
    results: Sequence[CaseResult], agent: str, junit: Path | None, json_path: Path | None
) -> None:
    if junit is not None:
        write_bytes(junit, report_junit(results, agent))
    if json_path is not None:
        text = json.dumps(report_json(results, agent), indent=2, ensure_ascii=False) + "\n"
        write_bytes(
            json_path, valid_unicode(text).encode("utf-8")
        )  # JSON escapes control characters
