"""The agent conformance suite: play scripted cases against any agent and check each call.

A case (`agents/cases/*.yaml`) sets up one call and scripts the other end of the line;
the checks are the compliance invariants every outbound-calling agent must keep. The
suite never stops at a failing case: an agent that raises fails that case and the rest run.

Modules: `cases` (the case format and loading), `vocabulary` (`agents/conformance.yaml`),
`checks` (judging one call), `suite` (running cases), `reports` (JSON and JUnit XML).
"""

from dentsim.agents.conformance.cases import Case, load_case, load_cases
from dentsim.agents.conformance.checks import CHECKS, CheckResult, check_call
from dentsim.agents.conformance.reports import report_json, report_junit, write_reports
from dentsim.agents.conformance.suite import CaseResult, run_case, run_suite

__all__ = [
    "CHECKS",
    "Case",
    "CaseResult",
    "CheckResult",
    "check_call",
    "load_case",
    "load_cases",
    "report_json",
    "report_junit",
    "run_case",
    "run_suite",
    "write_reports",
]
