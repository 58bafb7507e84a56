"""Conformance cases: the case file format (`agents/cases/*.yaml`), and loading and checking
case files into `Case` records ready to play."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import Field, model_validator

from dentsim.agents.conformance.vocabulary import load_vocabulary
from dentsim.agents.loading import (
    KeyPath,
    StrictModel,
    builtin_dir,
    load_with_positions,
    problem,
    unknown,
    yaml_files,
)
from dentsim.agents.patients import ScriptedPatient, ScriptedReply, make_patient
from dentsim.agents.persona_files import PersonaSet, bad_placeholder, default_text, load_personas
from dentsim.agents.protocol import (
    AGENT_INTENTS,
    ANSWERED_BY,
    CALL_OUTCOMES,
    LEGAL_POSTURES,
    PATIENT_INTENTS,
    USE_CASES,
    CallContext,
    Language,
    Patient,
    PatientTraits,
    PatientView,
    Slot,
)
from dentsim.errors import InputError


class PracticeSpec(StrictModel):
    name: str = "Bright Smiles Dental"
    callback_number: str = "(208) 555-0100"


class RecordSpec(StrictModel):
    patient_id: str = "case-patient"
    first_name: str = "Maria"
    last_name: str = "Lopez"
    date_of_birth: str = "1985-03-03"
    language: Language = "en"
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
    language: Language | None = None
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
    """A loaded, checked case, ready to play.

    Attributes:
        name: the file's stem; a user's case replaces the built-in case of the same name.
        path: the file it came from.
        description: what the case is about, from the file.
        context: the call the agent is given.
        spec: the other end of the line, as the file scripts it.
        answered_by: who picks up (the persona's answerer for a persona case).
        who: "persona NAME (seed N)" or "scripted", for reports.
        seed: the seed of the call's generator (0 for a scripted case).
        expect_outcome: outcomes the call may end with; empty when any will do.
        expect_purpose_outcomes: per use case, the outcomes it may end with.
        personas: the personas a persona case draws from.
    """

    name: str
    path: str
    description: str
    context: CallContext
    spec: PatientSpec
    answered_by: str
    who: str
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
            why = bad_placeholder(said.text) if said is not None and said.text is not None else None
            if why is not None:
                err((*at, "text"), f"{why}; write a literal brace as {{{{ or }}}}")
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
