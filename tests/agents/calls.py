"""Helpers for the dialogue tests: a call context, a scripted patient, and playing a call."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from dentsim.agents.dialogue import play_call
from dentsim.agents.patients import ScriptedPatient, ScriptedReply
from dentsim.agents.persona_files import default_text
from dentsim.agents.protocol import Agent, CallContext, CallResult, PatientView, Slot
from dentsim.agents.scripted import ScriptedAgent, scripted_agent

SLOTS = (
    Slot("slot-1", "Tuesday, April 14 at 9:30 am"),
    Slot("slot-2", "Wednesday, April 15 at 2 pm"),
    Slot("slot-3", "Thursday, April 16 at 11 am"),
    Slot("slot-4", "Friday, April 17 at 8 am"),
)
PRACTICE = "Bright Smiles Dental"
CALLBACK = "(208) 555-0100"

_AGENT: list[ScriptedAgent] = []


def agent() -> ScriptedAgent:
    """One scripted agent for all tests (it is pure, so sharing it is safe)."""
    if not _AGENT:
        _AGENT.append(scripted_agent())
    return _AGENT[0]


def context(
    *purposes: str,
    language: str = "en",
    procedure: str = "wisdom tooth extraction",
    slots: tuple[Slot, ...] = SLOTS,
    max_duration_s: float | None = None,
    legal_posture: str = "healthcare_consent",
) -> CallContext:
    patient = PatientView(
        "p-1",
        "Maria",
        "Lopez",
        "1985-03-03",
        language,
        procedure,
        "Thursday, May 14 at 10:30 am",
        "Dr. Patel",
    )
    return CallContext(
        PRACTICE, CALLBACK, purposes or ("recall",), patient, slots, legal_posture, max_duration_s
    )


def line(
    intent: str = "other", text: str | None = None, slot: int | None = None, language: str = "en"
) -> ScriptedReply:
    if text is None:
        text = default_text(intent, language)
    if slot is None and intent == "accept_slot":
        slot = 0
    return ScriptedReply(intent, text, slot)


def patient(
    replies: Mapping[str, Sequence[ScriptedReply | str]],
    answered_by: str = "patient",
    first: ScriptedReply | str = "hello",
    language: str = "en",
) -> ScriptedPatient:
    """A scripted patient; a bare string is an intent with its usual text."""

    def as_line(x: ScriptedReply | str) -> ScriptedReply:
        return line(x, language=language) if isinstance(x, str) else x

    return ScriptedPatient(
        answered_by,
        as_line(first),
        {k: tuple(as_line(x) for x in v) for k, v in replies.items()},
        line("hang_up"),
        language,
    )


VERIFIED = {"opening": ["is_me"], "verify_identity": ["verify_ok"]}


def call(
    replies: Mapping[str, Sequence[ScriptedReply | str]],
    *purposes: str,
    answered_by: str = "patient",
    first: ScriptedReply | str = "hello",
    language: str = "en",
    the_agent: Agent | None = None,
    ctx: CallContext | None = None,
    **context_args: object,
) -> CallResult:
    """Play one call of the scripted agent (or `the_agent`) against scripted lines."""
    ctx = ctx or context(*purposes, language=language, **context_args)  # type: ignore[arg-type]
    who = patient(replies, answered_by, first, language)
    return play_call(the_agent or agent(), who, ctx, np.random.default_rng(0))


def agent_lines(result: CallResult) -> list[str]:
    return [t.text for t in result.turns if t.speaker == "agent"]


def action_kinds(result: CallResult) -> list[str]:
    return [a.kind for a in result.actions]
