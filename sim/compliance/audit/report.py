"""The audit's records (examples, rule results, reports of one run or of many practice-years) and
their outputs: plain data, JSON and JUnit XML."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from dentsim.files import write_bytes, xml_document


@dataclass(frozen=True, slots=True)
class Example:
    """One violating contact, as a person reads it.

    Attributes:
        rule_id: The rule it broke.
        attempt_id: The contact (attempts.parquet's `attempt_id`).
        practice_id: The practice that placed it.
        patient_id: The patient it was judged for (a covered patient where the rule is per
            patient).
        t_utc: When it started, ISO 8601 with "Z".
        local_time: When it started where the rule looks, e.g.
            "2026-03-08 07:30 CDT (America/Chicago)".
        why: What broke the rule, in words.
    """

    rule_id: str
    attempt_id: int
    practice_id: int
    patient_id: int
    t_utc: str
    local_time: str
    why: str


@dataclass(frozen=True, slots=True)
class RuleResult:
    """The verdict on one rule: contacts judged, contacts that broke it, the first examples.

    Attributes:
        rule_id: The rule's id in the rules data.
        statement: What the rule says.
        source: Where the rule comes from, as the rules data cites it.
        enabled: False when the rules file disables it (then nothing is judged).
        checked: Contacts (or transcripts) the rule was judged on.
        violations: Contacts that broke it, each counted once.
        examples: The first violations in time order, at most the audit's `max_examples`.
    """

    rule_id: str
    statement: str
    source: str
    enabled: bool
    checked: int
    violations: int
    examples: tuple[Example, ...]


@dataclass(frozen=True, slots=True)
class AuditReport:
    """The audit of one run directory.

    Attributes:
        run_dir: The run directory audited.
        contacts_checked: Rows of attempts.parquet.
        patients: Rows of patients.parquet.
        opt_outs: Opt-outs judged: the rows of optouts.parquet and those only a contact's
            outcome records.
        transcripts_checked: Calls in transcripts.jsonl; None when the run has none.
        results: One verdict per rule of the rules data, in its order.
        notes: What the reader should know beyond the verdicts (data judged in a particular
            way, files ignored).
    """

    run_dir: str
    contacts_checked: int
    patients: int
    opt_outs: int
    transcripts_checked: int | None
    results: tuple[RuleResult, ...]
    notes: tuple[str, ...] = ()

    @property
    def violations(self) -> int:
        """Violating contacts summed over rules (a contact breaking two rules counts twice)."""
        return sum(r.violations for r in self.results)

    @property
    def ok(self) -> bool:
        return self.violations == 0

    def result(self, rule_id: str) -> RuleResult:
        for r in self.results:
            if r.rule_id == rule_id:
                return r
        raise KeyError(rule_id)

    def violations_by_rule(self) -> dict[str, int]:
        return {r.rule_id: r.violations for r in self.results}


@dataclass(frozen=True, slots=True)
class RunAudit:
    """The audit of one practice-year inside a replicated run, a group or a sweep.

    Attributes:
        key: Its folder under the result directory, e.g. "practices/p00003".
        label: For people, e.g. "practice 3 (CA, 1200 patients), seed 7".
        report: Its audit.
    """

    key: str
    label: str
    report: AuditReport


@dataclass(frozen=True, slots=True)
class ResultsAudit:
    """The audit of a replicated run, a group or a sweep: a report per practice-year inside.

    Attributes:
        root: The result directory audited.
        kind: "replicated", "group" or "sweep".
        runs: One audit per practice-year, in the result's order.
        notes: What the reader should know about the result as a whole (e.g. tasks that
            failed and hold no result).
    """

    root: str
    kind: str
    runs: tuple[RunAudit, ...]
    notes: tuple[str, ...] = ()

    @property
    def violations(self) -> int:
        return sum(r.report.violations for r in self.runs)

    @property
    def ok(self) -> bool:
        return self.violations == 0

    @property
    def contacts_checked(self) -> int:
        return sum(r.report.contacts_checked for r in self.runs)

    @property
    def failing(self) -> tuple[RunAudit, ...]:
        return tuple(r for r in self.runs if not r.report.ok)


def report_dict(report: AuditReport | ResultsAudit) -> dict[str, Any]:
    """The report as plain JSON-ready data; for many practice-years, one entry per run under
    "runs" ({"dir", "label", and its report}) beside the totals."""
    if isinstance(report, ResultsAudit):
        return {
            "run_dir": report.root,
            "kind": report.kind,
            "ok": report.ok,
            "violations": report.violations,
            "contacts_checked": report.contacts_checked,
            "practice_years": len(report.runs),
            "notes": list(report.notes),
            "runs": [
                {"dir": r.key, "label": r.label, **report_dict(r.report)} for r in report.runs
            ],
        }
    out = asdict(report)
    out["ok"] = report.ok
    out["violations"] = report.violations
    return out


def write_json(report: AuditReport | ResultsAudit, path: Path | str) -> None:
    """The report as JSON (see report_dict), written atomically."""
    text = json.dumps(report_dict(report), indent=2, ensure_ascii=False) + "\n"
    write_bytes(Path(path), text.encode("utf-8"))


def write_junit(report: AuditReport | ResultsAudit, path: Path | str) -> None:
    """JUnit XML: one testsuite per practice-year (one for a single run), one testcase per rule
    id in it; a failure lists its first examples; disabled rules skip."""
    suites = ET.Element("testsuites", name="dentsim check")
    if isinstance(report, ResultsAudit):
        for run in report.runs:
            _junit_suite(suites, run.report, run.key, f"dentsim.compliance.{run.key}", run.label)
    else:
        _junit_suite(suites, report, "dentsim.compliance", "dentsim.compliance", None)
    write_bytes(Path(path), xml_document(suites))


def _junit_suite(
    parent: ET.Element, report: AuditReport, name: str, classname: str, label: str | None
) -> None:
    failures = sum(1 for r in report.results if r.enabled and r.violations)
    skipped = sum(1 for r in report.results if not r.enabled)
    suite = ET.SubElement(
        parent,
        "testsuite",
        name=name,
        tests=str(len(report.results)),
        failures=str(failures),
        errors="0",
        skipped=str(skipped),
    )
    props = ET.SubElement(suite, "properties")
    for key, value in (
        *((("label", label),) if label is not None else ()),
        ("run_dir", report.run_dir),
        ("contacts_checked", str(report.contacts_checked)),
        ("patients", str(report.patients)),
        ("opt_outs", str(report.opt_outs)),
    ):
        ET.SubElement(props, "property", name=key, value=value)
    for r in report.results:
        case = ET.SubElement(suite, "testcase", classname=classname, name=r.rule_id)
        if not r.enabled:
            ET.SubElement(case, "skipped", message="rule disabled in the rules file")
        elif r.violations:
            failure = ET.SubElement(
                case,
                "failure",
                type="ComplianceViolation",
                message=f"{r.violations} of {r.checked} contacts break {r.rule_id}: {r.statement}",
            )
            failure.text = "\n".join(
                f"attempt {e.attempt_id} patient {e.patient_id} at {e.local_time}: {e.why}"
                for e in r.examples
            )
        else:
            ET.SubElement(
                case, "system-out"
            ).text = f"{r.checked} contacts checked; source: {r.source}"
