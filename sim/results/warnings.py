"""What a run's user must be told, beside its results: a practice name that itself discloses care,
and a compliance rule that refused a large share of the run's contacts. Printed by `dentsim run`
(and `dentsim validate` for the name) and kept in run.json's `warnings` (docs/data.md).
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

import pyarrow as pa

from dentsim.compliance.phi import ProtectedTerms
from dentsim.compliance.rules import RuleSet, load_rules
from dentsim.scenario import Scenario

# A rule that refuses (defers, drops, or withholds the message of) more than this share of a
# run's due contacts is reported. A clean baseline practice-year stays far below: its largest
# share is under 1 % (internal_dnc, opt_out, wrong_number each about 0.5 %), while a strategy
# that runs into the frequency caps (scenarios/aggressive.yaml: healthcare_weekly_cap 7 %) or a
# practice whose every text is dropped (100 %) is well above.
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


def refusal_warnings(deferrals: pa.Table, attempts: int) -> list[dict[str, Any]]:
    """One warning per rule that refused more than REFUSED_SHARE of the due contacts.

    Due contacts are the contacts placed (attempts) plus those dropped; a rule's refusals are
    its rows in the deferrals table, whatever their action (deferred, dropped,
    message_withheld).
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
        out.append(
            {
                "kind": "rule_refused_many_contacts",
                "rule_id": rule_id,
                "contacts": n,
                "due_contacts": due,
                "share": round(share, 4),
                "by_action": by_action,
                "message": (
                    f"{rule_id} refused {n:,} of {due:,} due contacts ({100 * share:.1f} %: "
                    f"{how}); see deferrals.parquet"
                ),
            }
        )
    return out


def run_warnings(
    scenario: Scenario, practice_name: str, tables: dict[str, pa.Table]
) -> list[dict[str, Any]]:
    """Every warning of one practice-year: its name, then the rules that refused many contacts."""
    name = practice_name_warning(practice_name, load_rules(scenario.rules_file))
    refused = refusal_warnings(tables["deferrals"], tables["attempts"].num_rows)
    return ([name] if name else []) + refused


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
