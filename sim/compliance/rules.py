"""The compliance rules as typed, frozen data, and `load_rules` (packaged defaults + a user's overrides).

Holds data only: the gate and the audit each judge contacts with their own code, so that one
bug cannot sit in both. Parsing ("HH:MM" to seconds) is data handling and lives here.
"""

from __future__ import annotations

import re
from functools import cache, cached_property
from pathlib import Path
from typing import Annotated, Any, Literal, TypeVar

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, PrivateAttr, field_validator

from dentsim.errors import InputError
from dentsim.vocabulary import LEGAL_POSTURES, Channel
from dentsim.vocabulary import LegalPosture as Posture
from dentsim.yamlio import Path_, Scalar, foreign_keys, load_model, read_yaml, validate_data

RULES_DIR = Path(__file__).resolve().parent
DEFAULT_RULES_FILE = RULES_DIR / "default.yaml"

RULE_IDS = (
    "federal_calling_window",
    "state_calling_window",
    "state_sunday_holiday_ban",
    "state_daily_cap",
    "healthcare_daily_cap",
    "healthcare_weekly_cap",
    "opt_out",
    "optout_confirmation",
    "soft_opt_out_pause",
    "consent_required",
    "exempt_voice_duration",
    "exempt_sms_length",
    "exempt_identification",
    "hipaa_minimum_necessary",
    "hipaa_verify_before_phi",
    "confidential_no_voicemail",
    "wrong_number",
    "internal_dnc",
    "sms_text_allowed",
)

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")  # index = datetime.weekday()

AppliesBy = Literal["address_state", "phone_state"]
Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
ConsentFlag = Literal["consent_healthcare", "consent_written"]
StateCode = Annotated[str, Field(pattern=r"^[A-Z]{2}$")]
PositiveInt = Annotated[int, Field(ge=1)]

T = TypeVar("T")


def _list_to_tuple(value: Any) -> Any:
    # YAML gives lists; strict mode accepts only tuples, and frozen data wants tuples.
    return tuple(value) if isinstance(value, list) else value


Seq = Annotated[tuple[T, ...], BeforeValidator(_list_to_tuple)]

_HHMM = re.compile(r"^([01]?[0-9]|2[0-4]):([0-5][0-9])$")


def seconds_of_day(hhmm: str) -> int:
    """'08:30' -> 30600; '24:00' -> 86400 (the end of the day)."""
    m = _HHMM.match(hhmm)
    if m is None or (m.group(1) == "24" and m.group(2) != "00"):
        raise ValueError(f"expected a time of day 'HH:MM' (00:00 to 24:00), found {hhmm!r}")
    return int(m.group(1)) * 3600 + int(m.group(2)) * 60


class _Data(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


class LocalWindow(_Data):
    """Permitted start times of a contact, local to the called party: [start_local, end_local)."""

    start_local: str
    end_local: str

    @field_validator("start_local", "end_local")
    @classmethod
    def _is_time_of_day(cls, v: str) -> str:
        seconds_of_day(v)
        return v

    @field_validator("end_local")
    @classmethod
    def _after_start(cls, v: str, info: Any) -> str:
        start = info.data.get("start_local")
        if start is not None and seconds_of_day(v) <= seconds_of_day(start):
            raise ValueError(f"end_local must be later than start_local ({start})")
        return v

    @cached_property
    def start_s(self) -> int:
        """Seconds after local midnight of the first permitted start."""
        return seconds_of_day(self.start_local)

    @cached_property
    def end_s(self) -> int:
        """Seconds after local midnight from which a contact may no longer start."""
        return seconds_of_day(self.end_local)


class Rule(_Data):
    """What every rule carries: its statement, its source, and whether it is judged."""

    statement: str
    source: str
    enabled: bool = True


class FederalCallingWindow(Rule):
    channels: Seq[Channel]
    window: LocalWindow


class StateWindow(_Data):
    source: str
    window: LocalWindow
    by_weekday: dict[Weekday, LocalWindow] = Field(default_factory=dict)


class StateCallingWindow(Rule):
    channels: Seq[Channel]
    applies_by: Seq[AppliesBy]
    states: dict[StateCode, StateWindow]


class StateBan(_Data):
    source: str
    sundays: bool
    holidays: bool


class StateSundayHolidayBan(Rule):
    channels: Seq[Channel]
    applies_by: Seq[AppliesBy]
    holiday_calendar: Literal["us_federal", "us_state"]
    states: dict[StateCode, StateBan]


class StateCap(_Data):
    source: str
    max_contacts: PositiveInt
    window_h: PositiveInt
    per_subject: bool


class StateDailyCap(Rule):
    channels: Seq[Channel]
    applies_by: Seq[AppliesBy]
    not_counted_purposes: Seq[str] = ()
    states: dict[StateCode, StateCap]


class HealthcareDailyCap(Rule):
    channels: Seq[Channel]
    not_counted_purposes: Seq[str] = ()
    max_contacts: PositiveInt
    day: Literal["local_calendar_day", "rolling_24h"]


class HealthcareWeeklyCap(Rule):
    channels: Seq[Channel]
    not_counted_purposes: Seq[str] = ()
    max_contacts: PositiveInt
    week: Literal["local_7_calendar_days", "rolling_168h"]


class OptOut(Rule):
    scope: Literal["as_recorded", "all_channels"]


class OptoutConfirmation(Rule):
    purpose: str
    channel: Channel
    received_channels: Seq[Channel]
    within_s: PositiveInt
    max_per_opt_out: PositiveInt
    marketing_terms: Seq[str] = ()


class SoftOptOutPause(Rule):
    exempt_purposes: Seq[str] = ()


class ConsentRequired(Rule):
    default_posture: Posture
    requires: dict[Posture, Seq[ConsentFlag]]
    written_consent_purposes: Seq[str] = ()
    not_judged_purposes: Seq[str] = ()
    number_on_file: bool

    @field_validator("requires")
    @classmethod
    def _every_posture(cls, v: dict[str, tuple[str, ...]]) -> dict[str, tuple[str, ...]]:
        missing = sorted(set(LEGAL_POSTURES) - set(v))
        if missing:
            raise ValueError(f"give the consent flags of every posture; missing {missing}")
        return v


class ExemptVoiceDuration(Rule):
    postures: Seq[Posture]
    max_duration_s: PositiveInt


class ExemptSmsLength(Rule):
    postures: Seq[Posture]
    max_length_chars: PositiveInt


class ExemptIdentification(Rule):
    postures: Seq[Posture]
    require_practice_name: bool
    require_callback_number: bool


class HipaaMinimumNecessary(Rule):
    vocabulary_file: str
    extra_terms: Seq[str] = ()
    # Filled by load_rules from vocabulary_file + extra_terms; read it through `terms`.
    _terms: tuple[str, ...] = PrivateAttr(default=())

    @property
    def terms(self) -> tuple[str, ...]:
        """Every protected term, lower case, from the vocabulary file and extra_terms."""
        return self._terms


class HipaaVerifyBeforePhi(Rule):
    agent_speakers: Seq[str]


class WrongNumber(Rule):
    scope: Literal["patient", "number"]


class SmsTextAllowed(Rule):
    not_judged_purposes: Seq[str] = ()


class RuleSet(_Data):
    """Every compliance rule, by id. Read the parameters directly; see docs/compliance.md."""

    format_version: Literal[1]
    federal_calling_window: FederalCallingWindow
    state_calling_window: StateCallingWindow
    state_sunday_holiday_ban: StateSundayHolidayBan
    state_daily_cap: StateDailyCap
    healthcare_daily_cap: HealthcareDailyCap
    healthcare_weekly_cap: HealthcareWeeklyCap
    opt_out: OptOut
    optout_confirmation: OptoutConfirmation
    soft_opt_out_pause: SoftOptOutPause
    consent_required: ConsentRequired
    exempt_voice_duration: ExemptVoiceDuration
    exempt_sms_length: ExemptSmsLength
    exempt_identification: ExemptIdentification
    hipaa_minimum_necessary: HipaaMinimumNecessary
    hipaa_verify_before_phi: HipaaVerifyBeforePhi
    confidential_no_voicemail: Rule
    wrong_number: WrongNumber
    internal_dnc: Rule
    sms_text_allowed: SmsTextAllowed

    def by_id(self) -> dict[str, Rule]:
        """Rule id -> rule, in the documented order."""
        return {rule_id: getattr(self, rule_id) for rule_id in RULE_IDS}


class Vocabulary(_Data):
    """The HIPAA vocabulary file: protected terms by group."""

    source: str
    terms: dict[str, Seq[str]]


def load_rules(path: Path | str | None = None) -> RuleSet:
    """The packaged rules, with the user file at `path` laid over them (None: the defaults).

    Merge: mappings merge key by key, recursively (a new state adds to a table, one parameter
    changes one parameter); lists and values replace the default whole; `null` removes the key
    (a state leaves its table; a parameter with a default returns to it). Unknown keys and bad
    values raise InputError lines `FILE:LINE: key.path: problem`, naming the user's file.
    """
    if path is None:
        return _default_rules()
    path = Path(path)
    default_data, _ = read_yaml(DEFAULT_RULES_FILE)
    user_data, positions = read_yaml(path)
    if not isinstance(user_data, dict):
        raise InputError(f"{path}:1: expected a mapping of rule ids at the top level")
    if foreign_keys(user_data, list(RuleSet.model_fields)):
        # likely not a rules file at all (a scenario, or no YAML of ours): quote none of it
        raise InputError(
            f"{path}:1: not a rules file: none of its {len(user_data)} top-level keys is a rule "
            f"id or format_version (see sim/compliance/default.yaml)"
        )
    merged = _overlay(default_data, user_data)
    rules = validate_data(merged, positions, RuleSet, path)
    user_hipaa = user_data.get("hipaa_minimum_necessary")
    named_by_user = isinstance(user_hipaa, dict) and "vocabulary_file" in user_hipaa
    base = path.resolve().parent if named_by_user else RULES_DIR
    return _with_vocabulary(rules, base, positions if named_by_user else None, path)


@cache
def _default_rules() -> RuleSet:
    rules = load_model(DEFAULT_RULES_FILE, RuleSet)
    return _with_vocabulary(rules, RULES_DIR, None, DEFAULT_RULES_FILE)


def _overlay(base: Any, over: Any) -> Any:
    if not (isinstance(base, dict) and isinstance(over, dict)):
        return over
    out = dict(base)
    for key, value in over.items():
        if value is None:
            out.pop(key, None)
        else:
            out[key] = _overlay(base.get(key), value)
    return out


def _with_vocabulary(
    rules: RuleSet, base: Path, positions: dict[Path_, Scalar] | None, rules_path: Path
) -> RuleSet:
    rule = rules.hipaa_minimum_necessary
    vocab_path = base / rule.vocabulary_file
    if not vocab_path.is_file():
        where = (rules_path, "hipaa_minimum_necessary.vocabulary_file")
        line = positions[("hipaa_minimum_necessary", "vocabulary_file")].line if positions else 1
        raise InputError(f"{where[0]}:{line}: {where[1]}: file not found: {vocab_path}")
    vocabulary = load_model(vocab_path, Vocabulary)
    words = [t for group in vocabulary.terms.values() for t in group] + list(rule.extra_terms)
    terms = tuple(sorted({w.strip().lower() for w in words if w.strip()}))
    rule._terms = terms  # private attribute: the model stays frozen for its fields
    return rules
