"""Compiled scripts: one flat state graph for a call's combination of purposes, the form the
scripted agent walks.

A call with several purposes runs them one after another, in the order `purpose_order`
gives, so the graph is per combination of purposes (the agent caches it).
"""

from __future__ import annotations

from dataclasses import dataclass

from dentsim.agents.protocol import LANGUAGES, Action
from dentsim.agents.script import (
    BACK,
    DONE,
    PURPOSE,
    CommonScript,
    ScriptSet,
    StateSpec,
    reachable,
)
from dentsim.errors import InputError

_BACK_INDEX = -1


@dataclass(frozen=True, slots=True)
class Node:
    """A compiled state. Targets are indices into `CompiledScript.nodes`; -1 is `$back`.

    Attributes:
        name: the state's name; a purpose's states are prefixed, as in "recall.offer".
        purpose: the use case whose script holds the state, None for a common state.
        intent: what the agent is doing in this state, one of AGENT_INTENTS.
        say: the template spoken on entering, by language index (LANGUAGES).
        reprompt: the template spoken when `$back` returns to the state, by language index.
        actions: the actions taken on entering; a booking's slot_id is filled in when the
            turn is taken.
        on: per patient intent, the state its reply leads to.
        next: the state that follows at once (the state waits for no reply), or None.
        proposes: 0 none, 1 the first slots, 2 the next ones.
        if_no_slots: where to go when there are no slots left to propose, or None.
        limit: how many times the state may be entered, 0 when unlimited.
        limit_index: position of this state's visit count in the agent state (-1 if none).
        over_limit: where to go instead once the limit is reached, or None.
        language: the language index the call switches to on entering, or None.
        ends_call: has an end_call or transfer action.
        books: has a book or reschedule action, so needs a chosen slot.
        in_interrupt: reached only by interrupting another state (never the one to resume).
    """

    name: str
    purpose: str | None
    intent: str
    say: tuple[str, ...]
    reprompt: tuple[str, ...]
    actions: tuple[Action, ...]
    on: dict[str, int]
    next: int | None
    proposes: int
    if_no_slots: int | None
    limit: int
    limit_index: int
    over_limit: int | None
    language: int | None
    ends_call: bool
    books: bool
    in_interrupt: bool


@dataclass(frozen=True, slots=True)
class CompiledScript:
    """The state graph of one combination of purposes.

    Attributes:
        purposes: the call's use cases in the order they are discussed.
        nodes: every state, common ones first, then each purpose's in that order.
        start: the state a call starts in.
        wrap_up: the state that ends a call running out of time.
        wrap_up_reserve_s: time kept back for the wrap-up under a duration limit, seconds.
        speaking_rate_wpm: words per minute, to time what the agent says.
        slots_per_offer: how many slots one offer proposes.
        answer: per patient intent on picking up, the state the call starts in instead.
        interrupts: per patient intent, the state that interrupts any other.
        fallbacks: per patient intent, the state for a reply the current state does not
            handle ("other" for anything not understood).
        limited: how many states carry a visit limit.
    """

    purposes: tuple[str, ...]
    nodes: tuple[Node, ...]
    start: int
    wrap_up: int
    wrap_up_reserve_s: float
    speaking_rate_wpm: float
    slots_per_offer: int
    answer: dict[str, int]
    interrupts: dict[str, int]
    fallbacks: dict[str, int]
    limited: int


def order_purposes(scripts: ScriptSet, purposes: tuple[str, ...]) -> tuple[str, ...]:
    """The purposes of a call in the order they are discussed (duplicates dropped)."""
    order = {p: i for i, p in enumerate(scripts.common.purpose_order)}
    unique = dict.fromkeys(purposes)
    for p in unique:
        if p not in scripts.purposes:
            raise InputError(
                f"{scripts.source}: no script for use case '{p}' (have: {', '.join(sorted(scripts.purposes))})"
            )
    return tuple(sorted(unique, key=lambda p: order.get(p, len(order))))


def compile_script(scripts: ScriptSet, purposes: tuple[str, ...]) -> CompiledScript:
    """One flat state graph for a call with these purposes."""
    ordered = order_purposes(scripts, purposes)
    c = scripts.common
    specs: list[tuple[str, str | None, StateSpec]] = [(n, None, s) for n, s in c.states.items()]
    for p in ordered:
        specs += [(f"{p}.{n}", p, s) for n, s in scripts.purposes[p].states.items()]
    index = {name: i for i, (name, _, _) in enumerate(specs)}
    entries = [index[f"{p}.{scripts.purposes[p].entry}"] for p in ordered]
    finish = index[c.finish]

    def resolve(target: str, purpose: str | None) -> int:
        if target == BACK:
            return _BACK_INDEX
        if target == PURPOSE:
            return entries[0] if entries else finish
        if target == DONE:
            assert purpose is not None
            k = ordered.index(purpose)
            return entries[k + 1] if k + 1 < len(entries) else finish
        if purpose is not None and f"{purpose}.{target}" in index:
            return index[f"{purpose}.{target}"]
        return index[target]

    def maybe(target: str | None, purpose: str | None) -> int | None:
        return None if target is None else resolve(target, purpose)

    interrupt_only = _interrupt_only(c)
    nodes: list[Node] = []
    limited = 0
    for name, purpose, s in specs:
        actions = tuple(
            Action("transfer", None, a.removeprefix("transfer_"), purpose)
            if a.startswith("transfer_")
            else Action(a, None, None, purpose)
            for a in s.actions
        )
        say = tuple(s.say.get(lang, s.say["en"]) for lang in LANGUAGES)
        reprompt = tuple(s.reprompt.get(lang, s.say.get(lang, s.say["en"])) for lang in LANGUAGES)
        nodes.append(
            Node(
                name=name,
                purpose=purpose,
                intent=s.intent,
                say=say,
                reprompt=reprompt,
                actions=actions,
                on={k: resolve(v, purpose) for k, v in s.on_reply.items()},
                next=maybe(s.next, purpose),
                proposes={None: 0, "slots": 1, "more_slots": 2}[s.proposes],
                if_no_slots=maybe(s.if_no_slots, purpose),
                limit=s.limit or 0,
                limit_index=limited if s.limit else -1,
                over_limit=maybe(s.over_limit, purpose),
                language=None if s.language is None else LANGUAGES.index(s.language),
                ends_call=any(a.kind in ("end_call", "transfer") for a in actions),
                books=any(a.kind in ("book", "reschedule") for a in actions),
                in_interrupt=purpose is None and name in interrupt_only,
            )
        )
        if s.limit:
            limited += 1
    return CompiledScript(
        purposes=ordered,
        nodes=tuple(nodes),
        start=index[c.start],
        wrap_up=index[c.wrap_up],
        wrap_up_reserve_s=c.wrap_up_reserve_s,
        speaking_rate_wpm=c.speaking_rate_wpm,
        slots_per_offer=c.slots_per_offer,
        answer={k: index[v] for k, v in c.answer.items()},
        interrupts={k: index[v] for k, v in c.interrupts.items()},
        fallbacks={k: index[v] for k, v in c.fallbacks.items()},
        limited=limited,
    )


def _interrupt_only(c: CommonScript) -> set[str]:
    """Common states reached only through an interrupt or fallback (so they never become
    the state to resume)."""
    main = reachable([c.start], c.states, {})
    side = reachable(
        [*c.interrupts.values(), *c.fallbacks.values(), *c.answer.values()], c.states, {}
    )
    return side - main
