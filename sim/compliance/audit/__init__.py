"""The independent compliance audit: judge every contact of an event log against the rules data.

Every rule is re-derived from the rules data and the run's tables with numpy and pyarrow (no
per-contact Python loop). Nothing of the gate, of dentsim.compliance.phi or of
dentsim.domain.calendar is imported, so one bug cannot sit in both; the time-zone arithmetic and
the protected-term matcher here are the audit's own.

Modules: reading (the run directory's files), places (numbers, area codes, candidate places),
localtime (local time per zone), log (the tables as aligned arrays), terms (protected terms), the
rule checks (checks_windows, checks_caps, checks_optouts, checks_consent, checks_content), and
report (the records, JSON and JUnit XML).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import numpy as np

from dentsim.compliance.audit import (
    checks_caps,
    checks_consent,
    checks_content,
    checks_optouts,
    checks_windows,
)
from dentsim.compliance.audit.localtime import local_seconds, local_text, utc_text
from dentsim.compliance.audit.log import Hits, Log, load_log
from dentsim.compliance.audit.places import area_codes, national_number
from dentsim.compliance.audit.reading import COLUMNS
from dentsim.compliance.audit.report import (
    AuditReport,
    Example,
    ResultsAudit,
    RuleResult,
    RunAudit,
    report_dict,
    write_json,
    write_junit,
)
from dentsim.compliance.audit.vocabulary import STATES
from dentsim.compliance.rules import RuleSet, load_rules
from dentsim.errors import InputError

__all__ = [
    "STATES",
    "AuditReport",
    "Example",
    "ResultsAudit",
    "RuleResult",
    "RunAudit",
    "area_codes",
    "audit_run",
    "local_seconds",
    "national_number",
    "report_dict",
    "write_json",
    "write_junit",
]


# rule id -> its check; hipaa_verify_before_phi reads transcripts.jsonl and is judged in audit_run
_CHECKS: dict[str, Callable[[Log, RuleSet], Hits]] = {
    "federal_calling_window": checks_windows.federal_window,
    "state_calling_window": checks_windows.state_window,
    "state_sunday_holiday_ban": checks_windows.state_ban,
    "state_daily_cap": checks_caps.state_cap,
    "healthcare_daily_cap": lambda log, rules: checks_caps.healthcare_cap(log, rules, weekly=False),
    "healthcare_weekly_cap": lambda log, rules: checks_caps.healthcare_cap(log, rules, weekly=True),
    "opt_out": checks_optouts.opt_out,
    "optout_confirmation": checks_optouts.optout_confirmation,
    "soft_opt_out_pause": checks_optouts.soft_pause,
    "consent_required": checks_consent.consent,
    "exempt_voice_duration": checks_consent.exempt_duration,
    "exempt_sms_length": checks_consent.exempt_length,
    "exempt_identification": checks_consent.exempt_identification,
    "hipaa_minimum_necessary": checks_content.hipaa,
    "confidential_no_voicemail": checks_optouts.no_voicemail,
    "wrong_number": checks_optouts.wrong_number,
    "internal_dnc": checks_optouts.dnc,
    "sms_text_allowed": checks_consent.text_allowed,
}


def audit_run(
    run_dir: Path | str, rules: RuleSet | None = None, max_examples: int = 10
) -> AuditReport:
    """Judge every contact in `run_dir` against `rules` (None: the packaged defaults).

    Raises InputError (one line per problem, naming the file and column) when the run
    directory cannot be read as the event-log contract describes.
    """
    rules = rules if rules is not None else load_rules()
    run_dir = Path(run_dir)
    log = load_log(run_dir, rules)
    with_transcripts = _check_listed_files(log)
    results: list[RuleResult] = []
    transcripts_checked: int | None = None
    for rule_id, rule in rules.by_id().items():
        if not rule.enabled:
            results.append(
                RuleResult(
                    rule_id=rule_id,
                    statement=rule.statement,
                    source=rule.source,
                    enabled=False,
                    checked=0,
                    violations=0,
                    examples=(),
                )
            )
            continue
        if rule_id == "hipaa_verify_before_phi":
            hits, transcripts_checked = checks_content.transcripts(log, rules, with_transcripts)
            if transcripts_checked is None and not log.transcripts_expected:
                log.notes.append(
                    "no transcripts.jsonl in the run: hipaa_verify_before_phi not judged"
                )
        else:
            hits = _CHECKS[rule_id](log, rules)
        results.append(_result(log, rule_id, rule.statement, rule.source, hits, max_examples))
    return AuditReport(
        run_dir=str(run_dir),
        contacts_checked=log.n,
        patients=len(log.patient_id),
        opt_outs=len(log.o_p),
        transcripts_checked=transcripts_checked,
        results=tuple(results),
        notes=tuple(log.notes),
    )


def _check_listed_files(log: Log) -> bool:
    """Whether transcripts.jsonl belongs to the run. run.json lists the files its run wrote (older
    runs do not: then every file present belongs): a table the audit reads must be listed, and a
    transcripts.jsonl that is not listed is another run's, ignored with a note."""
    path = log.run_dir / "run.json"
    try:
        listed = json.loads(path.read_text(encoding="utf-8")).get("files")
    except (OSError, ValueError, AttributeError):  # load_log has read and checked it
        listed = None
    if not isinstance(listed, list):
        return True
    unlisted = [name for name in COLUMNS if name not in listed]
    if unlisted:
        raise InputError(
            [
                f"{log.run_dir / name}: not among the files run.json lists "
                "(left by another run?); rerun into an empty directory"
                for name in unlisted
            ]
        )
    missing = [
        name
        for name in (*COLUMNS, "transcripts.jsonl")
        if name in listed and not (log.run_dir / name).is_file()
    ]
    if missing:
        raise InputError(
            [
                f"{log.run_dir / name}: listed in run.json but "
                + ("not a file" if (log.run_dir / name).exists() else "not found")
                + "; the run directory is incomplete or was changed after the run"
                for name in missing
            ]
        )
    if "transcripts.jsonl" in listed:
        return True
    if (log.run_dir / "transcripts.jsonl").exists():
        log.notes.append(
            "transcripts.jsonl is not among the files run.json lists (left by another run?): "
            "ignored"
        )
    return False


def _result(
    log: Log, rule_id: str, statement: str, source: str, hits: Hits, max_examples: int
) -> RuleResult:
    """The verdict on one rule: violating contacts (each once) and the first examples by time."""
    violations = len(np.unique(hits.rows))
    order = (
        np.lexsort((log.attempt_id[hits.rows], log.t[hits.rows])) if len(hits.rows) else hits.rows
    )
    examples: list[Example] = []
    seen: set[int] = set()
    for i in order:
        if len(examples) >= max_examples:
            break
        r = int(hits.rows[i])
        if r in seen:
            continue
        seen.add(r)
        zone, why = hits.why(int(i))
        examples.append(
            Example(
                rule_id=rule_id,
                attempt_id=int(log.attempt_id[r]),
                practice_id=int(log.practice_id[log.practice[r]]),
                patient_id=int(log.patient_id[hits.patients[i]]),
                t_utc=utc_text(int(log.t[r])),
                local_time=local_text(int(log.t[r]), zone),
                why=why,
            )
        )
    return RuleResult(
        rule_id=rule_id,
        statement=statement,
        source=source,
        enabled=True,
        checked=hits.checked,
        violations=violations,
        examples=tuple(examples),
    )
