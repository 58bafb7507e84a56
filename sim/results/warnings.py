"""What a run's user must be told, beside its results: a practice name that itself discloses care,
and a compliance rule that refused a large share of the run's contacts. Printed by `dentsim run`
(and `dentsim validate` for the name) and kept in run.json's `warnings` (docs/data.md).
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from dentsim.compliance.phi import ProtectedTerms
from dentsim.compliance.rules import RuleSet, load_rules
from dentsim.scenario import Scenario, minutes_of

# A rule that refuses (defers, drops, or withholds the message of) more than this share of a
# run's due contacts is reported. A clean baseline practice-year stays far below: its largest
# share is under 1% (internal_dnc, opt_out, wrong_number each about 0.5%), while a strategy
# that runs into the frequency caps (scenarios/aggressive.yaml: healthcare_weekly_cap 7%) or a
# practice whose every text is dropped (100%) is well above.
REFUSED_SHARE = 0.05
REFUSED_MIN_CONTACTS = 20  # fewer refusals than this are not a trend, whatever the share


def practice_name_terms(name: str, rules: RuleSet) -> list[str]:
    """The protected terms a practice's name says on its own (none when the rule is off)."""
    rule = rules.hipaa_minimum_necessary
    if not rule.enabled:
        return []
    return list(dict.fromkeys(ProtectedTerms(rule.terms).found(name)))


def practice_name_warning(name: str, rules: RuleSet) -> dict[str, Any] | None:
    """A warning when the practice's name itself names protected details, else None."""
    terms = practice_name_terms(name, rules)
    if not terms:
        return None
    said = ", ".join(repr(t) for t in terms)
    return {
        "kind": "practice_name_discloses_care",
        "practice": name,
        "terms": terms,
        "message": (
            f"the practice name {name!r} names protected details ({said}); every voicemail and "
            "text names the practice, so whoever hears one learns that. The name counts as "
            "identification: no contact is withheld for it, but consider a name without them"
        ),
    }


def refusal_warnings(
    deferrals: pa.Table, attempts: int, late: Counter[str] | None = None, lines: int = 0
) -> list[dict[str, Any]]:
    """One warning per rule that refused more than REFUSED_SHARE of the due contacts.

    Due contacts are the contacts placed (attempts) plus those dropped; a rule's refusals are
    its rows in the deferrals table, whatever their action (deferred, dropped,
    message_withheld). `late`: per rule, the calls it refused after the strategy's call hours
    (`calls_after_call_hours`): calls that waited that long for one of the `lines`, whose
    refusal the rule is not the cause of.
    """
    rules = deferrals.column("rule_id").to_pylist()
    actions = deferrals.column("action").to_pylist()
    due = attempts + sum(a == "dropped" for a in actions)
    out = []
    for rule_id, n in sorted(Counter(rules).items(), key=lambda kv: (-kv[1], kv[0])):
        if n < REFUSED_MIN_CONTACTS or n <= REFUSED_SHARE * due:
            continue
        by_action = dict(
            sorted(Counter(a for r, a in zip(rules, actions, strict=True) if r == rule_id).items())
        )
        share = n / due
        how = ", ".join(f"{action.replace('_', ' ')} {k:,}" for action, k in by_action.items())
        waited = (late or Counter())[rule_id]
        cause = ""
        if waited * 2 > n:  # most of them: the dialer's lines, not the rule, are the cause
            cause = (
                f"; {waited:,} of them were calls still waiting for one of the {lines} line(s) "
                "when the strategy's call hours had ended: the lines cannot place the day's "
                "calls (raise telephony.lines, or plan fewer contacts a day)"
            )
        out.append(
            {
                "kind": "rule_refused_many_contacts",
                "rule_id": rule_id,
                "contacts": n,
                "due_contacts": due,
                "share": round(share, 4),
                "by_action": by_action,
                "after_call_hours": waited,
                "message": (
                    f"{rule_id} refused {n:,} of {due:,} due contacts ({100 * share:.1f}%: "
                    f"{how}){cause}; see deferrals.parquet"
                ),
            }
        )
    return out


def run_warnings(
    scenario: Scenario, practice_name: str, tables: dict[str, pa.Table]
) -> list[dict[str, Any]]:
    """Every warning of one practice-year: its name, then the rules that refused many contacts."""
    name = practice_name_warning(practice_name, load_rules(scenario.rules_file))
    refused = refusal_warnings(
        tables["deferrals"],
        tables["attempts"].num_rows,
        calls_after_call_hours(scenario, tables),
        scenario.telephony.lines,
    )
    return ([name] if name else []) + refused


def calls_after_call_hours(scenario: Scenario, tables: dict[str, pa.Table]) -> Counter[str]:
    """Per rule, the calls it refused at a local time (the patient's address zone) outside the
    strategy's call hours. The planner places no call there: such a call was pushed late by
    busy lines."""
    d = tables["deferrals"].filter(pc.equal(tables["deferrals"]["channel"], "voice"))
    if not d.num_rows:
        return Counter()
    patients = tables["patients"]
    zone_of = dict(
        zip(patients["patient_id"].to_pylist(), patients["tz_address"].to_pylist(), strict=True)
    )
    zones = pa.array([zone_of.get(p, "UTC") for p in d["patient_id"].to_pylist()])
    hours = scenario.strategy.call_hours
    open_m, close_m = minutes_of(hours.open), minutes_of(hours.close)
    out: Counter[str] = Counter()
    for zone in pc.unique(zones).to_pylist():
        mine = d.filter(pc.equal(zones, zone))
        local = mine["t_utc"].cast(pa.timestamp("ms", tz=zone))
        minute = pc.add(pc.multiply(pc.hour(local), 60), pc.minute(local)).to_numpy()
        outside = (minute < open_m) | (minute >= close_m)
        out.update(r for r, o in zip(mine["rule_id"].to_pylist(), outside, strict=True) if o)
    return out


def file_warnings(path: Path | str) -> list[str]:
    """The warnings `dentsim validate` prints for a file it accepted, as
    FILE:LINE: key.path: warning: ...: a scenario's (or a sweep's base scenario's) practice name
    that names protected details. A generated name never does: dentsim.domain.population keeps protected
    terms out of it."""
    from dentsim.inputs import kind_of
    from dentsim.scenario import load_scenario
    from dentsim.yamlio import read_yaml

    path = Path(path)
    data, positions = read_yaml(path)
    kind = kind_of(data)
    if kind == "sweep" and isinstance(data.get("base"), str):
        return file_warnings(path.parent / data["base"])
    if kind != "scenario":
        return []
    scenario = load_scenario(path)
    name = scenario.practice.name
    warning = None if name is None else practice_name_warning(name, load_rules(scenario.rules_file))
    if warning is None:
        return []
    where = positions.get(("practice", "name"))
    return [f"{path}:{where.line if where else 1}: practice.name: warning: {warning['message']}"]
