"""A flawed agent that only hears "stop" as an SMS keyword: "please stop calling" goes unheard.

Its opt-out detector matches the whole utterance against STOP / UNSUBSCRIBE, a rule
borrowed from text messaging; plain-language revocation ("please stop calling me", "no me
llamen") is treated as not understood and the call goes on. `dentsim agent-test
dentsim.agents.examples.ignores_stop:make_agent` fails opt_out_honoured.
"""

from __future__ import annotations

from dentsim.agents.optout import OptOut
from dentsim.agents.script import load_scripts
from dentsim.agents.scripted import ScriptedAgent

_KEYWORDS = {"stop", "unsubscribe"}


def keyword_only(intent: str, text: str) -> OptOut | None:
    """The bug: opt-outs recognised only from the intent label or a bare keyword."""
    if intent == "opt_out" or text.strip(" .!?").lower() in _KEYWORDS:
        return "hard"
    if intent == "soft_opt_out":
        return "soft"
    return None


def make_agent() -> ScriptedAgent:
    return ScriptedAgent(load_scripts(), opt_out_detector=keyword_only)
