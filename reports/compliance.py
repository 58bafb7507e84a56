"""The compliance page's figures: the independent audit's verdicts, the gate's deferrals, local hours.

Violations come from `dentsim.compliance.audit.audit_run` (it reads the event log; it does not simulate).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pyarrow.compute as pc

from dentsim.compliance.audit import Example, audit_run, local_seconds
from dentsim.compliance.rules import RuleSet, load_rules
from dentsim.reports.results import Run, seconds
from dentsim.reports.rule_words import rule_sentence

MAX_EXAMPLES = 5


@dataclass(frozen=True, slots=True)
class RuleRow:
    rule_id: str
    statement: str
    source: str
    enabled: bool
    checked: int
    violations: int


@dataclass(frozen=True, slots=True)
class DeferralRow:
    rule_id: str
    deferred: int
    dropped: int
    mean_delay_h: float | None  # of the deferred contacts


@dataclass(slots=True)
class Compliance:
    """Counts summed over every run of the directory (replications or practices)."""

    n_runs: int = 0
    contacts_checked: int = 0
    patients: int = 0
    opt_outs: int = 0  # opt-out requests the audit judged (hard and soft, rows and outcomes)
    hard_opt_outs: int = 0  # rows of optouts.parquet of each kind
    soft_opt_outs: int = 0
    rules: list[RuleRow] = field(default_factory=list)
    examples: list[Example] = field(default_factory=list)
    deferrals: list[DeferralRow] = field(default_factory=list)
    contacts_by_hour: np.ndarray = field(default_factory=lambda: np.zeros((2, 24)))  # voice, sms
    window_h: tuple[float, float] = (8.0, 21.0)
    notes: list[str] = field(default_factory=list)

    @property
    def violations(self) -> int:
        return sum(r.violations for r in self.rules)


def compliance(runs: list[tuple[Path, Run]], rules_file: Path | None = None) -> Compliance:
    """Audit every run with the rules in force and gather the page's counts."""
    rules = load_rules(rules_file)
    out = Compliance(n_runs=len(runs))
    window = rules.federal_calling_window.window
    out.window_h = (window.start_s / 3600, window.end_s / 3600)
    checked: dict[str, int] = {}
    violated: dict[str, int] = {}
    deferred: dict[str, list[float]] = {}
    dropped: dict[str, int] = {}
    for run_dir, run in runs:
        report = audit_run(run_dir, rules, max_examples=MAX_EXAMPLES)
        out.contacts_checked += report.contacts_checked
        out.patients += report.patients
        out.opt_outs += report.opt_outs
        out.hard_opt_outs += _rows_of_kind(run, "hard")
        out.soft_opt_outs += _rows_of_kind(run, "soft")
        for r in report.results:
            checked[r.rule_id] = checked.get(r.rule_id, 0) + r.checked
            violated[r.rule_id] = violated.get(r.rule_id, 0) + r.violations
            room = MAX_EXAMPLES - len(out.examples)
            out.examples.extend(r.examples[: max(room, 0)])
        for note in report.notes:
            if note not in out.notes:
                out.notes.append(note)
        _add_deferrals(run, deferred, dropped)
        out.contacts_by_hour += contacts_by_local_hour(run)
    out.rules = _rule_rows(rules, checked, violated)
    out.deferrals = [
        DeferralRow(
            rule_id,
            len(deferred.get(rule_id, [])),
            dropped.get(rule_id, 0),
            float(np.mean(deferred[rule_id])) if deferred.get(rule_id) else None,
        )
        for rule_id in sorted(set(deferred) | set(dropped))
    ]
    return out


def _rows_of_kind(run: Run, kind: str) -> int:
    kinds = run.tables["optouts"]["kind"]
    return int(pc.sum(pc.equal(kinds, kind)).as_py() or 0) if len(kinds) else 0


def _rule_rows(rules: RuleSet, checked: dict[str, int], violated: dict[str, int]) -> list[RuleRow]:
    return [
        RuleRow(
            rule_id,
            rule_sentence(rule_id, rule),
            rule.source,
            rule.enabled,
            checked.get(rule_id, 0),
            violated.get(rule_id, 0),
        )
        for rule_id, rule in rules.by_id().items()
    ]


def _add_deferrals(run: Run, deferred: dict[str, list[float]], dropped: dict[str, int]) -> None:
    d = run.tables["deferrals"]
    if not len(d):
        return
    rule_ids = d["rule_id"].to_pylist()
    actions = d["action"].to_pylist()
    delay_h = (seconds(d["t_next_utc"]) - seconds(d["t_utc"])) / 3600.0
    next_known = np.asarray(pc.is_valid(d["t_next_utc"]).to_numpy(zero_copy_only=False))
    for rule_id, action, delay, known in zip(rule_ids, actions, delay_h, next_known, strict=True):
        if action == "dropped":
            dropped[rule_id] = dropped.get(rule_id, 0) + 1
        else:
            deferred.setdefault(rule_id, [])
            if known:
                deferred[rule_id].append(float(delay))


def contacts_by_local_hour(run: Run) -> np.ndarray:
    """Contacts per hour of the patient's local time (address zone): rows voice, sms."""
    attempts, patients = run.tables["attempts"], run.tables["patients"]
    out = np.zeros((2, 24))
    if not len(attempts) or not len(patients):
        return out
    ids = patients["patient_id"].to_numpy()
    zones = patients["tz_address"].to_pylist()
    names = sorted(set(zones))
    index = {name: i for i, name in enumerate(names)}
    zone_of_patient = np.array([index[z] for z in zones], np.int64)
    order = np.argsort(ids)
    at = np.searchsorted(ids, attempts["patient_id"].to_numpy(), sorter=order)
    at = np.clip(at, 0, len(ids) - 1)
    row = order[at]
    known = ids[row] == attempts["patient_id"].to_numpy()
    t = seconds(attempts["t_utc"])[known]
    hour = (local_seconds(t, zone_of_patient[row[known]], names) % 86_400) // 3600
    sms = np.asarray(pc.equal(attempts["channel"], "sms").to_numpy(zero_copy_only=False))[known]
    out[0] = np.bincount(hour[~sms], minlength=24)[:24]
    out[1] = np.bincount(hour[sms], minlength=24)[:24]
    return out
