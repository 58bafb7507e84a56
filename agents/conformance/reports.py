"""The suite's reports: its results as JSON (every check and transcript) and as JUnit XML (one
testcase per case, one failure per failed check), written atomically."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from dentsim.agents.conformance.suite import CaseResult
from dentsim.files import valid_unicode, write_bytes, xml_document


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
    """Write the JUnit XML and the JSON report, each where given (None: not written)."""
    if junit is not None:
        write_bytes(junit, report_junit(results, agent))
    if json_path is not None:
        text = json.dumps(report_json(results, agent), indent=2, ensure_ascii=False) + "\n"
        # JSON escapes control characters; a lone surrogate from an agent's text cannot be UTF-8
        write_bytes(json_path, valid_unicode(text).encode("utf-8"))
