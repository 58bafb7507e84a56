"""The kinds of YAML file a user writes for dentsim: how each is recognised by its keys, loaded
(by the loader the commands themselves use, so what validates is what runs) and described, and
its JSON Schema. `dentsim validate` and `dentsim schema` are thin layers over this module.

| kind | recognised by a top-level key | loaded by |
|---|---|---|
| sweep | `base` | dentsim.experiments.sweep_file.load_sweep (the base scenario too) |
| rules | `format_version` or a rule id | dentsim.compliance.rules.load_rules (laid over the packaged rules) |
| case | `purposes`, `patient`, `patient_record`, `slots` or `expect` | dentsim.agents.conformance.load_case |
| persona | `replies` (with `answered_by`) | dentsim.agents.persona_files.load_persona (for `agent-test --personas`) |
| roi | `fees_usd` or `ai`, or only keys ROI inputs have | dentsim.reports.roi.load_roi_inputs |
| observed | `connect_rate`, `conversion`, ... (a practice's figures) | dentsim.calibration.observed.load_observed |
| scenario | anything else | dentsim.scenario.load_scenario (and the files it names) |

A file with no key of any kind, and none of a scenario's, is taken as the kind its keys are
closest to in spelling (`federal_calling_windw:` a rules file, `fee_usd:` ROI inputs), so that
its loader says "did you mean".
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from dentsim.scenario import Scenario, load_scenario
from dentsim.yamlio import read_yaml

CASE_KEYS = frozenset({"purposes", "patient", "patient_record", "slots", "expect"})
PERSONA_KEYS = frozenset({"replies", "answered_by"})
ROI_KEYS = frozenset({"fees_usd", "ai"})
OBSERVED_KEYS = frozenset(
    {"connect_rate", "voicemail_rate", "conversion", "no_show_rate", "opt_out_rate"}
)


@dataclass(frozen=True, slots=True)
class Kind:
    name: str
    title: str
    check: Callable[[Path], str]  # loads the file; returns a one-line description of it
    schema: Callable[[], dict[str, Any]]


def kind_of(data: Any) -> str:
    """The kind of a file's top-level data, by the keys only that kind has (see the table)."""
    from dentsim.compliance.rules import RULE_IDS

    keys = {k for k in data if isinstance(k, str)} if isinstance(data, dict) else set()
    if "base" in keys:
        return "sweep"
    if "format_version" in keys or keys & set(RULE_IDS):
        return "rules"
    if keys & CASE_KEYS:
        return "case"
    if "replies" in keys:
        return "persona"
    if keys & OBSERVED_KEYS:
        return "observed"
    if keys & ROI_KEYS or (keys and _fits_roi(data)):
        return "roi"
    return _closest_kind(keys)


def _closest_kind(keys: set[str]) -> str:
    """A file none of whose keys is a scenario's is the kind its (misspelt) keys are closest to:
    its loader then says "did you mean"; otherwise, and on a tie, a scenario."""
    import difflib

    from dentsim.compliance.rules import RULE_IDS
    from dentsim.reports.roi import RoiInputs

    if not keys or keys & set(Scenario.model_fields):
        return "scenario"
    vocabularies = {
        "rules": {"format_version", *RULE_IDS},
        "roi": set(RoiInputs.model_fields),
        "case": set(CASE_KEYS),
        "persona": set(PERSONA_KEYS),
    }
    near = {
        kind: sum(bool(difflib.get_close_matches(k, words, n=1, cutoff=0.8)) for k in keys)
        for kind, words in vocabularies.items()
    }
    best = max(near.values())
    winners = [kind for kind, n in near.items() if n == best]
    return winners[0] if best and len(winners) == 1 else "scenario"


def _fits_roi(data: dict[str, Any]) -> bool:
    """Every key, and every key of each section, is one ROI inputs have (`staff:` alone is
    a scenario's or the ROI's section: its keys tell)."""
    from pydantic import BaseModel

    from dentsim.reports.roi import RoiInputs

    for key, value in data.items():
        field = RoiInputs.model_fields.get(key) if isinstance(key, str) else None
        if field is None:
            return False
        section = field.annotation
        if (
            isinstance(value, dict)
            and isinstance(section, type)
            and issubclass(section, BaseModel)
            and any(k not in section.model_fields for k in value)
        ):
            return False
    return True


def validate_file(path: Path | str) -> str:
    """Load the file as its kind; its description, or InputError naming FILE:LINE: key.path."""
    path = Path(path)
    data, _ = read_yaml(path)
    return f"{path}: {KINDS[kind_of(data)].check(path)}"


def json_schema(kind: str) -> dict[str, Any]:
    schema = KINDS[kind].schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = f"dentsim {KINDS[kind].title}"
    return schema


# ---------------------------------------------------------------------------- each kind


def _scenario(path: Path) -> str:
    scenario = load_scenario(path)
    return f"valid scenario '{scenario.name}' ({holds(scenario)}, {scenario.days} days)"


def holds(scenario: Scenario) -> str:
    """'1,800 patients', or for a group '20 practices, 33,412 patients in all'."""
    if scenario.population.from_ is not None:
        from dentsim.domain.imported import patients_in

        return f"{patients_in(scenario.population.from_):,} patients, imported"
    if scenario.group is None:
        return f"{scenario.population.patients:,} patients"
    from dentsim.experiments.group import practice_draw

    patients = sum(
        int(practice_draw(scenario, i)["population.patients"])
        for i in range(scenario.group.practices)
    )
    practices = scenario.group.practices
    return f"a group of {practices:,} practice{'s' if practices > 1 else ''}, {patients:,} patients in all"


def _sweep(path: Path) -> str:
    from dentsim.experiments.sweep_file import load_sweep

    sweep = load_sweep(path)
    return (
        f"valid sweep '{sweep.name}' ({len(sweep.variants)} variants with the base, "
        f"x {sweep.replications} replications, on {sweep.base_file}: {holds(sweep.base)}, "
        f"{sweep.base.days} days)"
    )


def _sweep_schema() -> dict[str, Any]:
    from dentsim.experiments.sweep_file import SweepConfig

    return SweepConfig.model_json_schema()


def _rules(path: Path) -> str:
    from dentsim.compliance.rules import load_rules

    rules = load_rules(path)
    enabled = sum(rule.enabled for rule in rules.by_id().values())
    return f"valid rules file ({enabled} of {len(rules.by_id())} rules judged, with the packaged rules)"


def _rules_schema() -> dict[str, Any]:
    from dentsim.compliance.rules import RuleSet

    schema = RuleSet.model_json_schema()
    schema["description"] = (
        "The compliance rules. A rules file (a scenario's rules_file, or `dentsim check --rules`) "
        "gives only what it changes: it is laid over the packaged rules, so no key is required "
        "there, and null removes a key."
    )
    return schema


def _case(path: Path) -> str:
    from dentsim.agents.conformance import load_case
    from dentsim.agents.conformance.vocabulary import load_vocabulary
    from dentsim.agents.persona_files import load_personas

    case = load_case(path, load_personas(), load_vocabulary().max_duration_s)
    return f"valid conformance case '{case.name}' ({', '.join(case.context.purposes)}; {case.who})"


def _case_schema() -> dict[str, Any]:
    from dentsim.agents.conformance.cases import CaseSpec

    return CaseSpec.model_json_schema()


def _persona(path: Path) -> str:
    from dentsim.agents.persona_files import load_persona, load_phrases

    persona = load_persona(path, load_phrases())
    return f"valid persona '{persona.name}' ({persona.answered_by}, {persona.language})"


def _persona_schema() -> dict[str, Any]:
    from dentsim.agents.persona_files import PersonaSpec

    return PersonaSpec.model_json_schema()


def _roi(path: Path) -> str:
    from dentsim.reports.roi import load_roi_inputs

    load_roi_inputs(path)
    return "valid ROI inputs"


def _roi_schema() -> dict[str, Any]:
    from dentsim.reports.roi import RoiInputs

    return RoiInputs.model_json_schema()


def _observed(path: Path) -> str:
    from dentsim.calibration.observed import load_observed

    figures = load_observed(path)
    return f"valid observed figures ({', '.join(o.label for o in figures)})"


def _observed_schema() -> dict[str, Any]:
    from dentsim.calibration.observed import ObservedFile

    return ObservedFile.model_json_schema()


KINDS: dict[str, Kind] = {
    "scenario": Kind("scenario", "scenario", _scenario, Scenario.model_json_schema),
    "sweep": Kind("sweep", "sweep", _sweep, _sweep_schema),
    "rules": Kind("rules", "compliance rules", _rules, _rules_schema),
    "roi": Kind("roi", "ROI inputs", _roi, _roi_schema),
    "case": Kind("case", "agent conformance case", _case, _case_schema),
    "persona": Kind("persona", "caller persona", _persona, _persona_schema),
    "observed": Kind("observed", "observed figures", _observed, _observed_schema),
}
