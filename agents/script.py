"""Dialogue scripts: the YAML format of the scripted agent's state machines, and loading and
checking a folder of them (`agents/scripts/*.yaml`).

`common.yaml` holds the states every call shares; one file per use case holds that
purpose's states. `dentsim.agents.script_graph` compiles them for a call's purposes.
"""

from __future__ import annotations

import string
from collections import deque
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field

from dentsim.agents.loading import (
    KeyPath,
    StrictModel,
    builtin_dir,
    load_with_positions,
    problem,
    unknown,
    yaml_files,
)
from dentsim.agents.protocol import (
    AGENT_INTENTS,
    LANGUAGES,
    PATIENT_INTENTS,
    TRANSFER_TARGETS,
    USE_CASES,
    Language,
)
from dentsim.agents.voicemail import protected_terms_in
from dentsim.errors import InputError
from dentsim.yamlio import Scalar, read_yaml

BACK, PURPOSE, DONE = "$back", "$purpose", "$done"
# Placeholders a template may use; the protected ones only after identity is verified.
FIELDS = frozenset(
    {"practice", "callback", "first_name", "voicemail", "slots", "slot", "appointment"}
    | {"procedure", "provider"}
)
PROTECTED_FIELDS = frozenset({"appointment", "procedure", "provider"})
# Action names a state may list: the protocol's kinds, with transfers naming their target.
ACTION_NAMES = (
    "book",
    "reschedule",
    "confirm",
    "cancel",
    "decline",
    "check_in",
    "opt_out",
    "soft_opt_out",
    "callback",
    "leave_message",
    "wrong_number",
    "end_call",
) + tuple(f"transfer_{t}" for t in TRANSFER_TARGETS)
_FORMATTER = string.Formatter()


class StateSpec(StrictModel):
    intent: str
    say: dict[str, str]
    reprompt: dict[str, str] = Field(default_factory=dict)
    on_reply: dict[str, str] = Field(default_factory=dict)
    next: str | None = None
    actions: list[str] = Field(default_factory=list)
    proposes: Literal["slots", "more_slots"] | None = None
    if_no_slots: str | None = None
    limit: int | None = Field(default=None, ge=1)
    over_limit: str | None = None
    language: Language | None = None


class CommonScript(StrictModel):
    kind: Literal["common"]
    start: str
    finish: str
    wrap_up: str
    wrap_up_reserve_s: float = Field(ge=0)
    speaking_rate_wpm: float = Field(gt=0)
    slots_per_offer: int = Field(ge=1)
    purpose_order: list[str]
    answer: dict[str, str] = Field(default_factory=dict)
    interrupts: dict[str, str] = Field(default_factory=dict)
    fallbacks: dict[str, str]
    states: dict[str, StateSpec]


class PurposeScript(StrictModel):
    kind: Literal["purpose"]
    use_case: str
    entry: str
    states: dict[str, StateSpec]


@dataclass(frozen=True, slots=True)
class ScriptSet:
    """The loaded, checked scripts: the common states and one script per use case.

    Attributes:
        common: the states every call shares, and the script's settings.
        purposes: the script of each use case, by use case.
        source: the folder they came from, for messages.
    """

    common: CommonScript
    purposes: dict[str, PurposeScript]
    source: str


def builtin_scripts_dir() -> Path:
    return builtin_dir("dentsim.agents.scripts")


@lru_cache(maxsize=16)
def load_scripts(folder: Path | None = None) -> ScriptSet:
    """Load and check every script of a folder (default: the built-in ones).

    Raises InputError with `FILE:LINE: key.path: problem` lines for a malformed file, a
    reference to a state that does not exist, or a state no transition reaches.
    """
    folder = builtin_scripts_dir() if folder is None else Path(folder)
    files = yaml_files(folder)
    common: tuple[CommonScript, Path, dict[KeyPath, Scalar]] | None = None
    purposes: dict[str, tuple[PurposeScript, Path, dict[KeyPath, Scalar]]] = {}
    errors: list[str] = []
    for path in files:
        kind = _kind_of(path)
        try:
            if kind == "common":
                if common is not None:
                    errors.append(
                        f"{path}:1: kind: a second common script (the first is {common[1]})"
                    )
                    continue
                c_model, c_pos = load_with_positions(path, CommonScript)
                common = (c_model, path, c_pos)
            else:
                p_model, p_pos = load_with_positions(path, PurposeScript)
                if p_model.use_case in purposes:
                    errors.append(
                        problem(
                            path,
                            p_pos,
                            ("use_case",),
                            f"a second script for '{p_model.use_case}' "
                            f"(the first is {purposes[p_model.use_case][1]})",
                        )
                    )
                    continue
                purposes[p_model.use_case] = (p_model, path, p_pos)
        except InputError as e:
            errors.extend(e.problems)
    if errors:
        raise InputError(errors)
    if common is None:
        raise InputError(f"{folder}: no common script (a YAML file with 'kind: common')")
    errors = _check(common, purposes)
    if errors:
        raise InputError(errors)
    return ScriptSet(common[0], {k: v[0] for k, v in purposes.items()}, str(folder))


def _kind_of(path: Path) -> str:
    data, _ = read_yaml(path)
    if isinstance(data, dict) and data.get("kind") == "common":
        return "common"
    return "purpose"


def _check(
    common: tuple[CommonScript, Path, dict[KeyPath, Scalar]],
    purposes: dict[str, tuple[PurposeScript, Path, dict[KeyPath, Scalar]]],
) -> list[str]:
    errors: list[str] = []
    c, c_path, c_pos = common
    common_names = set(c.states)
    for key in ("start", "finish", "wrap_up"):
        name = getattr(c, key)
        if name not in common_names:
            errors.append(problem(c_path, c_pos, (key,), unknown("state", name, common_names)))
    for i, use_case in enumerate(c.purpose_order):
        if use_case not in USE_CASES:
            errors.append(
                problem(
                    c_path, c_pos, ("purpose_order", i), unknown("use case", use_case, USE_CASES)
                )
            )
    for table in ("answer", "interrupts", "fallbacks"):
        for intent, target in getattr(c, table).items():
            at: KeyPath = (table, intent)
            if intent not in PATIENT_INTENTS:
                errors.append(
                    problem(c_path, c_pos, at, unknown("patient intent", intent, PATIENT_INTENTS))
                )
            if target not in common_names:
                errors.append(problem(c_path, c_pos, at, unknown("state", target, common_names)))
    if "other" not in c.fallbacks:
        errors.append(
            problem(
                c_path,
                c_pos,
                ("fallbacks",),
                "missing 'other': the state for anything not understood",
            )
        )
    for name, state in c.states.items():
        errors += _check_state(c_path, c_pos, name, state, common_names, set(), common=True)
    for use_case, (p, p_path, p_pos) in purposes.items():
        if use_case not in USE_CASES:
            errors.append(
                problem(p_path, p_pos, ("use_case",), unknown("use case", use_case, USE_CASES))
            )
        if p.entry not in p.states:
            errors.append(problem(p_path, p_pos, ("entry",), unknown("state", p.entry, p.states)))
        for name, state in p.states.items():
            errors += _check_state(
                p_path, p_pos, name, state, set(p.states), common_names, common=False
            )
    for use_case in c.purpose_order:
        if use_case in USE_CASES and use_case not in purposes:
            errors.append(
                problem(c_path, c_pos, ("purpose_order",), f"no script for use case '{use_case}'")
            )
    if errors:
        return errors
    # Reachability: every state must be reachable from where calls start.
    reached_common = reachable(
        [
            c.start,
            c.finish,
            c.wrap_up,
            *c.answer.values(),
            *c.interrupts.values(),
            *c.fallbacks.values(),
        ],
        c.states,
        {},
    )
    for p, p_path, p_pos in purposes.values():
        reached = reachable([p.entry], p.states, c.states)
        reached_common |= {n for n in reached if n not in p.states}
        for name in p.states:
            if name not in reached:
                errors.append(
                    problem(
                        p_path,
                        p_pos,
                        ("states", name),
                        f"state '{name}' is unreachable: no transition leads to it",
                    )
                )
    reached_common = reachable(sorted(reached_common), c.states, {})
    for name in c.states:
        if name not in reached_common:
            errors.append(
                problem(
                    c_path,
                    c_pos,
                    ("states", name),
                    f"state '{name}' is unreachable: no transition leads to it",
                )
            )
    return errors


def _targets(state: StateSpec) -> list[tuple[KeyPath, str]]:
    out: list[tuple[KeyPath, str]] = [(("on_reply", k), v) for k, v in state.on_reply.items()]
    for key in ("next", "if_no_slots", "over_limit"):
        value = getattr(state, key)
        if value is not None:
            out.append(((key,), value))
    return out


def _check_state(
    path: Path,
    pos: dict[KeyPath, Scalar],
    name: str,
    state: StateSpec,
    local: set[str],
    shared: set[str],
    *,
    common: bool,
) -> list[str]:
    errors: list[str] = []
    at: KeyPath = ("states", name)
    specials = {BACK, PURPOSE} if common else {BACK, DONE}
    if state.intent not in AGENT_INTENTS:
        errors.append(
            problem(
                path, pos, (*at, "intent"), unknown("agent intent", state.intent, AGENT_INTENTS)
            )
        )
    for intent in state.on_reply:
        if intent not in PATIENT_INTENTS:
            errors.append(
                problem(
                    path,
                    pos,
                    (*at, "on_reply", intent),
                    unknown("patient intent", intent, PATIENT_INTENTS),
                )
            )
    for key_path, target in _targets(state):
        if target not in local and target not in shared and target not in specials:
            errors.append(
                problem(
                    path, pos, (*at, *key_path), unknown("state", target, local | shared | specials)
                )
            )
    if state.next is not None and state.on_reply:
        errors.append(
            problem(
                path,
                pos,
                (*at, "next"),
                "a state either continues ('next') or waits for a reply ('on_reply'), not both",
            )
        )
    if state.limit is not None and state.over_limit is None:
        errors.append(problem(path, pos, (*at, "limit"), "a 'limit' needs an 'over_limit' state"))
    if state.proposes is not None and state.if_no_slots is None:
        errors.append(
            problem(
                path,
                pos,
                (*at, "proposes"),
                "a state that proposes slots needs an 'if_no_slots' state",
            )
        )
    for i, action in enumerate(state.actions):
        if action not in ACTION_NAMES:
            errors.append(
                problem(path, pos, (*at, "actions", i), unknown("action", action, ACTION_NAMES))
            )
    if common and any(a in ("book", "reschedule") for a in state.actions):
        errors.append(
            problem(
                path,
                pos,
                (*at, "actions"),
                "bookings belong in a purpose script, after identity is verified",
            )
        )
    if "en" not in state.say:
        errors.append(problem(path, pos, (*at, "say"), "missing the English template 'en'"))
    for table in ("say", "reprompt"):
        for lang, template in getattr(state, table).items():
            where: KeyPath = (*at, table, lang)
            if lang not in LANGUAGES:
                errors.append(problem(path, pos, where, unknown("language", lang, LANGUAGES)))
            errors += _check_template(path, pos, where, template, state, common=common)
    return errors


def _check_template(
    path: Path,
    pos: dict[KeyPath, Scalar],
    where: KeyPath,
    template: str,
    state: StateSpec,
    *,
    common: bool,
) -> list[str]:
    try:
        names = [f for _, f, spec, conv in _FORMATTER.parse(template) if f is not None]
        specs = [(spec, conv) for _, f, spec, conv in _FORMATTER.parse(template) if f is not None]
    except ValueError as e:
        return [
            problem(
                path,
                pos,
                where,
                f"not a valid template ({e}); write a literal brace as {{{{ or }}}}",
            )
        ]
    errors: list[str] = []
    for field, (spec, conv) in zip(names, specs, strict=True):
        if field not in FIELDS:
            errors.append(
                problem(
                    path,
                    pos,
                    where,
                    unknown(
                        "placeholder", "{" + field + "}", sorted("{" + f + "}" for f in FIELDS)
                    ),
                )
            )
        elif common and field in PROTECTED_FIELDS:
            errors.append(
                problem(
                    path,
                    pos,
                    where,
                    f"{{{field}}} is a protected detail; common states are spoken before identity is verified",
                )
            )
        elif field in ("slots",) and state.proposes is None:
            errors.append(
                problem(
                    path, pos, where, "{slots} needs 'proposes: slots' or 'proposes: more_slots'"
                )
            )
        if spec or conv:
            errors.append(
                problem(path, pos, where, f"{{{field}}}: no format spec or conversion allowed")
            )
    if common:
        found = protected_terms_in(template)
        if found:
            errors.append(
                problem(
                    path,
                    pos,
                    where,
                    f"names protected details ({', '.join(sorted(set(found)))}); common states are spoken before identity is verified",
                )
            )
    return errors


def reachable(
    starts: list[str], states: dict[str, StateSpec], shared: dict[str, StateSpec]
) -> set[str]:
    """The states reached from `starts` by any transition: those of `states`, walked, and those
    of `shared` (another file's), named but not walked."""
    seen: set[str] = set()
    queue = deque(s for s in starts if s in states or s in shared)
    while queue:
        name = queue.popleft()
        if name in seen:
            continue
        seen.add(name)
        state = states.get(name) or shared.get(name)
        if state is None or name not in states:
            continue  # a shared state: reachable, walked by its own file's check
        for _, target in _targets(state):
            if target in states or target in shared:
                queue.append(target)
    return seen
