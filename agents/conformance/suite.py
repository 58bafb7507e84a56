"""Running the suite: play each case against a fresh agent and check the call; an agent that
raises fails that case and the rest run."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from dentsim.agents.conformance.cases import Case
from dentsim.agents.conformance.checks import CheckResult, check_call
from dentsim.agents.dialogue import describe, play_call
from dentsim.agents.loading import AgentFactory
from dentsim.agents.protocol import CallResult
from dentsim.errors import InputError


@dataclass(frozen=True, slots=True)
class CaseResult:
    """One case played and checked.

    Attributes:
        case: the case.
        call: the played call, or None when the agent never got to play it (its factory
            raised, or its worker process was stopped).
        checks: every check's verdict, in CHECKS order (only `agent_completes` without a call).
    """

    case: Case
    call: CallResult | None
    checks: tuple[CheckResult, ...]

    @property
    def passed(self) -> bool:
        return all(c.status != "fail" for c in self.checks)

    @property
    def failed_checks(self) -> tuple[str, ...]:
        return tuple(c.check for c in self.checks if c.status == "fail")


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
