"""A flawed agent that tells a household member what the call is about: the procedure.

The bug looks helpful ("so they know it's important") and breaks HIPAA minimum necessary:
`dentsim agent-test dentsim.agents.examples.leaky_household:make_agent` fails no_phi_to_third_party.
"""

from __future__ import annotations

from dataclasses import replace

from dentsim.agents.protocol import AgentTurn, CallContext, Utterance
from dentsim.agents.scripted import ScriptedAgent, scripted_agent


class LeakyHouseholdAgent:
    """The scripted agent, except that its message for a household member names the procedure."""

    def __init__(self, inner: ScriptedAgent | None = None):
        self.inner = inner or scripted_agent()

    def respond(self, context: CallContext, utterance: Utterance) -> AgentTurn:
        turn = self.inner.respond(context, utterance)
        if turn.intent == "leave_message" and utterance.intent != "machine_greeting":
            detail = context.patient.procedure or "treatment"
            text = turn.text.replace("about a visit", f"about the follow-up for their {detail}")
            return replace(turn, text=text)
        return turn


def make_agent() -> LeakyHouseholdAgent:
    return LeakyHouseholdAgent()
