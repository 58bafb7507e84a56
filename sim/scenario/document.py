"""The whole scenario: the top-level `Scenario` and its checks across sections, loading it from
YAML together with the files it names, and overrides on dotted keys."""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import date, timedelta
from pathlib import Path
from typing import Annotated, Any

from pydantic import Field, ValidationInfo, field_validator

from dentsim.errors import InputError
from dentsim.scenario.calibration import CalibrationRecord
from dentsim.scenario.campaigns import CampaignsConfig
from dentsim.scenario.fields import (
    BOOK_DAYS_AFTER_END,
    FIRST_YEAR,
    MAX_SEATS,
    MAX_SEED,
    RunName,
    Strict,
    last_year,
)
from dentsim.scenario.group import GroupConfig
from dentsim.scenario.patients import (
    GENERATED_ONLY,
    NOT_WITH_FROM,
    BehaviourConfig,
    PopulationConfig,
    TelephonyConfig,
)
from dentsim.scenario.practice import (
    BookConfig,
    ClinicalConfig,
    FeesConfig,
    PracticeConfig,
    StaffConfig,
)
from dentsim.scenario.strategy import DialogueConfig, StrategyConfig
from dentsim.yamlio import Path_, Scalar, read_yaml, validate_data

# keys a scenario with population.from may not write, even at their defaults
WRITTEN_NOT_WITH_FROM = (
    *(("population", key) for key in GENERATED_ONLY),
    ("clinical", "share_unscheduled_plans_at_start"),
)


class Scenario(Strict):
    name: RunName
    description: str = ""
    seed: Annotated[int, Field(ge=0, le=MAX_SEED)] = 0
    start_date: date
    days: Annotated[int, Field(ge=1, le=1096)] = 365
    practice: PracticeConfig
    population: PopulationConfig = Field(default_factory=PopulationConfig)
    telephony: TelephonyConfig
    book: BookConfig = Field(default_factory=BookConfig)
    strategy: StrategyConfig = Field(default_factory=StrategyConfig)
    campaigns: CampaignsConfig
    behaviour: BehaviourConfig = Field(default_factory=BehaviourConfig)
    dialogue: DialogueConfig = Field(default_factory=DialogueConfig)
    clinical: ClinicalConfig = Field(default_factory=ClinicalConfig)
    staff: StaffConfig = Field(default_factory=StaffConfig)
    fees: FeesConfig = Field(default_factory=FeesConfig)
    group: GroupConfig | None = Field(None, description="Simulate a group of practices")
    rules_file: str | None = Field(
        None,
        description="Compliance rules laid over the packaged ones (path relative to this file)",
    )
    calibration: CalibrationRecord | None = Field(
        None,
        description="Written by `dentsim calibrate`: the observed figures the behaviour was "
        "fitted to (the report names them); changes nothing in a run",
    )

    @field_validator("start_date")
    @classmethod
    def _start_in_calendar(cls, start: date) -> date:
        if not FIRST_YEAR <= start.year <= last_year():
            raise ValueError(
                f"dentsim simulates dates from {FIRST_YEAR}-01-01 to {last_year()}-12-31 "
                "(time zones and US holidays)"
            )
        return start

    @field_validator("days")
    @classmethod
    def _end_in_calendar(cls, days: int, info: ValidationInfo) -> int:
        start = info.data.get("start_date")
        if start is None:
            return days  # start_date itself is wrong, and reported
        last = start + timedelta(days=days + BOOK_DAYS_AFTER_END)
        if last.year > last_year():
            raise ValueError(
                f"from start_date {start}, {days} days and the appointment book's "
                f"{BOOK_DAYS_AFTER_END} days beyond them run to {last}, past {last_year()}-12-31, "
                "the last date dentsim knows (US holidays)"
            )
        return days

    @field_validator("clinical")
    @classmethod
    def _no_drawn_plans_with_from(cls, clinical: ClinicalConfig, info: ValidationInfo) -> Any:
        population = info.data.get("population")
        default = ClinicalConfig.model_fields["share_unscheduled_plans_at_start"].default
        imported = population is not None and population.from_ is not None
        if imported and clinical.share_unscheduled_plans_at_start != default:
            raise ValueError(f"share_unscheduled_plans_at_start: {NOT_WITH_FROM}")
        return clinical

    @field_validator("group")
    @classmethod
    def _one_imported_practice(cls, group: GroupConfig | None, info: ValidationInfo) -> Any:
        population = info.data.get("population")
        if group is not None and population is not None and population.from_ is not None:
            raise ValueError(
                "a group simulates many practices, and population.from imports one practice: "
                "remove group, or population.from"
            )
        return group

    @field_validator("group")
    @classmethod
    def _group_practices_fit(cls, group: GroupConfig | None, info: ValidationInfo) -> Any:
        """A group practice scales providers and chairs with its patients (dentsim.experiments.group): in range."""
        practice, population = info.data.get("practice"), info.data.get("population")
        if group is None or group.templates or practice is None or population is None:
            return group
        largest = group.patients.max if group.patients else population.patients
        seats = round(
            max(practice.providers, practice.hygiene_chairs) * largest / population.patients
        )
        if seats > MAX_SEATS:
            raise ValueError(
                f"a practice of {largest:,} patients would have {seats:,} providers or chairs "
                f"(practice.providers and hygiene_chairs for population.patients "
                f"{population.patients:,}, scaled), more than {MAX_SEATS:,}; give templates, or "
                "a larger population.patients"
            )
        return group

    def resolved(self) -> dict[str, Any]:
        """The scenario with every default filled in, as JSON-ready data (for run.json)."""
        return json.loads(self.model_dump_json())


def load_scenario(path: Path | str) -> Scenario:
    """Read and validate a scenario file, and every file it names (see `check_named_files`)."""
    path = Path(path)
    data, positions = read_yaml(path)
    scenario = with_files_from(validate_data(data, positions, Scenario, path), path)
    check_named_files(scenario, path, positions)
    return scenario


def with_files_from(scenario: Scenario, path: Path | str) -> Scenario:
    """The scenario with a relative `rules_file` and `population.from` taken as relative to the
    file at `path`."""

    def resolved(named: str | None) -> str | None:
        if named is None or Path(named).is_absolute():
            return named
        return str((Path(path).parent / named).resolve())

    population = scenario.population.model_copy(
        update={"from_": resolved(scenario.population.from_)}
    )
    return scenario.model_copy(
        update={"rules_file": resolved(scenario.rules_file), "population": population}
    )


def check_named_files(
    scenario: Scenario, path: Path | str, positions: Mapping[Path_, Scalar] | None = None
) -> None:
    """Load what the scenario names, as a run would: its rules file and its dialogue agent.

    A rules file's own problems are reported at its own lines; a missing rules file, or an
    agent that does not import or make an agent, at the scenario's line for the key.
    """
    from dentsim.agents.loading import load_factory
    from dentsim.compliance.rules import load_rules
    from dentsim.domain.imported import check_imported

    def where(*key: str) -> str:
        line = positions[key].line if positions and key in positions else 1
        return f"{path}:{line}: {'.'.join(key)}"

    problems: list[str] = []
    if scenario.rules_file is not None:
        rules = Path(scenario.rules_file)
        if not rules.is_file():
            found = "not a file" if rules.exists() else "file not found"
            problems.append(f"{where('rules_file')}: {found}: {rules}")
        else:
            try:
                load_rules(rules)
            except InputError as e:
                problems += e.problems
    try:
        load_factory(scenario.dialogue.agent, where("dialogue", "agent"), must_make_agent=True)
    except InputError as e:
        problems += e.problems
    if scenario.population.from_ is not None:
        problems += [
            f"{where(*key)}: {NOT_WITH_FROM}"
            for key in WRITTEN_NOT_WITH_FROM
            if positions and key in positions
        ]
        problems += check_imported(
            scenario, where("population", "from"), where("practice", "state")
        )
    if problems:
        raise InputError(problems)


def apply_overrides(scenario: Scenario, overrides: dict[str, Any]) -> Scenario:
    """A new scenario with dotted keys replaced, e.g. {"telephony.lines": 8}; validated again.

    Unknown keys raise KeyError naming the dotted key; bad values raise pydantic's error.
    """
    data = scenario.model_dump()
    for dotted, value in overrides.items():
        node = data
        *parents, leaf = dotted.split(".")
        for part in parents:
            if not isinstance(node, dict) or part not in node or not isinstance(node[part], dict):
                raise KeyError(dotted)
            node = node[part]
        if leaf not in node and not _allows_key(scenario, parents):
            raise KeyError(dotted)
        node[leaf] = value
    return Scenario.model_validate(data, strict=False)


def _allows_key(scenario: Scenario, parents: list[str]) -> bool:
    """True where the parent is a free mapping (e.g. p_answer_by_hour), not a model."""
    node: Any = scenario
    for part in parents:
        node = node.get(part) if isinstance(node, dict) else getattr(node, part, None)
    return isinstance(node, dict)
