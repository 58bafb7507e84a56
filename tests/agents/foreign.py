"""Agents as a user might write them, misbehaving: they exit, hang, crash, say strange things.

Each factory is referenced as `tests.agents.foreign:NAME` by the tests of the harness's
defences (tests/agents/test_foreign_agents.py) and of the shared vocabulary.
"""

from __future__ import annotations

import contextlib
import os
import sys
import time
from dataclasses import replace

from dentsim.agents.protocol import AgentTurn, CallContext, Utterance
from dentsim.agents.scripted import scripted_agent

# What the recording agent was given, call by call (the engine runs in this process in tests).
SEEN: list[tuple[str, tuple[str, ...]]] = []

STRANGE = "\x00\x08\x1b[31m\ud800 \uffff\ufffe [/red] <&> ]]> \U0001f600 \ud83d\ude00"


class Wrapped:
    """The scripted agent, with something done before (or instead of) some of its turns."""

    def __init__(self, before: str):
        self.inner = scripted_agent()
        self.before = before
        self.calls = 0

    def respond(self, context: CallContext, utterance: Utterance) -> AgentTurn:
        first = context.agent_state is None
        if first:
            self.calls += 1
        if self.before == "record" and first:
            SEEN.append((context.legal_posture, context.purposes))
        elif not first and (
            self.before == "exit_on_second_turn"
            or (self.before == "exit_every_third_call" and self.calls % 3 == 0)
        ):
            sys.exit(3)
        elif self.before == "generator_exit":
            raise GeneratorExit
        elif self.before == "interrupt":
            raise KeyboardInterrupt
        elif self.before == "bad_str":
            raise BadStr()
        elif "recall" in context.purposes:
            if self.before == "hang_on_recall":
                while True:  # swallows whatever is raised in it: only a process can be stopped
                    with contextlib.suppress(BaseException):
                        time.sleep(3600)
            if self.before == "os_exit_on_recall":
                os._exit(7)
        turn = self.inner.respond(context, utterance)
        if self.before == "strange_text":
            if first:  # the opening fails its check, which quotes it
                return replace(turn, text=f"Hello {STRANGE} from {context.practice_name}")
            raise ValueError(f"no more {STRANGE}")
        return turn


class BadStr(Exception):
    def __str__(self) -> str:
        raise RuntimeError("no message for you")


def recording() -> Wrapped:
    return Wrapped("record")


def exit_on_second_turn() -> Wrapped:
    return Wrapped("exit_on_second_turn")


def exit_every_third_call() -> Wrapped:
    return Wrapped("exit_every_third_call")


def generator_exit() -> Wrapped:
    return Wrapped("generator_exit")


def interrupt() -> Wrapped:
    return Wrapped("interrupt")


def bad_str() -> Wrapped:
    return Wrapped("bad_str")


def hang_on_recall() -> Wrapped:
    return Wrapped("hang_on_recall")


def os_exit_on_recall() -> Wrapped:
    return Wrapped("os_exit_on_recall")


def strange_text() -> Wrapped:
    return Wrapped("strange_text")


def exits_when_built() -> Wrapped:
    sys.exit(3)


def hangs_when_imported_or_built() -> Wrapped:
    while True:
        time.sleep(3600)
