"""The scenario schema: what a practice, its patients, its phones and its strategy look like.

Loaded from YAML with `load_scenario`; every problem is reported as `FILE:LINE: key.path: ...`.
`dentsim schema` prints its JSON Schema (`dentsim.inputs.json_schema`) so editors can complete and
check scenario files.

What validates runs: beyond types and ranges, the schema refuses what a run could not use (an
area code the table does not know, shares that are all 0, an empty cadence, dates outside the
calendar dentsim knows), and `load_scenario` checks every file the scenario names (the rules
file loads, the dialogue agent imports and makes an agent).

| module | sections |
|---|---|
| fields | the field types, limits and checks the sections share |
| practice | practice, book, staff, fees, clinical |
| patients | population, telephony, behaviour (and its pressure) |
| campaigns | the five use cases and their cadences |
| strategy | strategy, dialogue |
| group | group (a dental group of practices) |
| calibration | calibration (the record `dentsim calibrate` writes) |
| document | the top-level Scenario; loading, named files, overrides |
"""

from dentsim.scenario.campaigns import (
    CadenceStep,
    CampaignsConfig,
    ConfirmationConfig,
    MonthRange,
    OutreachConfig,
    PostOpConfig,
    ReactivationConfig,
    RecallConfig,
    TreatmentPlanConfig,
    VoicemailPolicy,
)
from dentsim.scenario.document import (
    Scenario,
    apply_overrides,
    check_named_files,
    load_scenario,
    with_files_from,
)
from dentsim.scenario.fields import (
    BOOK_DAYS_AFTER_END,
    FIRST_YEAR,
    MAX_SEATS,
    MAX_SEED,
    RUN_NAME,
    WEEKDAYS,
    ClockTime,
    Hours,
    Probability,
    Range,
    Strict,
    USState,
    Weekday,
    last_year,
    minutes_of,
)
from dentsim.scenario.group import GroupConfig, PatientRange, PracticeTemplate
from dentsim.scenario.patients import (
    BehaviourConfig,
    PopulationConfig,
    PressureConfig,
    TelephonyConfig,
)
from dentsim.scenario.practice import (
    BookConfig,
    ClinicalConfig,
    FeesConfig,
    PracticeConfig,
    Procedure,
    StaffConfig,
)
from dentsim.scenario.strategy import BurstConfig, DayRange, DialogueConfig, StrategyConfig

__all__ = [
    "BOOK_DAYS_AFTER_END",
    "FIRST_YEAR",
    "MAX_SEATS",
    "MAX_SEED",
    "RUN_NAME",
    "WEEKDAYS",
    "BehaviourConfig",
    "BookConfig",
    "BurstConfig",
    "CadenceStep",
    "CampaignsConfig",
    "ClinicalConfig",
    "ClockTime",
    "ConfirmationConfig",
    "DayRange",
    "DialogueConfig",
    "FeesConfig",
    "GroupConfig",
    "Hours",
    "MonthRange",
    "OutreachConfig",
    "PatientRange",
    "PopulationConfig",
    "PostOpConfig",
    "PracticeConfig",
    "PracticeTemplate",
    "PressureConfig",
    "Probability",
    "Procedure",
    "Range",
    "ReactivationConfig",
    "RecallConfig",
    "Scenario",
    "StaffConfig",
    "Strict",
    "StrategyConfig",
    "TelephonyConfig",
    "TreatmentPlanConfig",
    "USState",
    "VoicemailPolicy",
    "Weekday",
    "apply_overrides",
    "check_named_files",
    "last_year",
    "load_scenario",
    "minutes_of",
    "with_files_from",
]
