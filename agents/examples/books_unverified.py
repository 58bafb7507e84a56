"""A flawed agent that takes "yes, speaking" as proof of identity and books straight away.

Skipping the date-of-birth question shortens calls, and lets whoever answers change the
patient's appointments: `dentsim agent-test dentsim.agents.examples.books_unverified:make_agent`
fails verified_before_booking.
"""

from __future__ import annotations

from dataclasses import replace

from dentsim.agents.protocol import AgentTurn, CallContext, Utterance
from dentsim.agents.scripted import ScriptedAgent, scripted_agent


class BooksUnverifiedAgent:
    """The scripted agent, except that it answers its own identity question."""

    def __init__(self, inner: ScriptedAgent | None = None):
        self.inner = inner or scripted_agent()

    def respond(self, context: CallContext, utterance: Utterance) -> AgentTurn:
        turn = self.inner.respond(context, utterance)
        if turn.intent == "verify_identity":
            # the bug: pretend the patient already gave a matching date of birth
            assumed = replace(context, identity_verified=True, agent_state=turn.state)
            turn = self.inner.respond(assumed, Utterance("verify_ok", ""))
        return turn


def make_agent() -> BooksUnverifiedAgent:
    return BooksUnverifiedAgent()
