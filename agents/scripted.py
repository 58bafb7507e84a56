"""The scripted agent: replays the YAML dialogue scripts, one compiled state machine per call type.

It is a pure function of its inputs (its dialogue state travels in `AgentTurn.state` and
comes back as `CallContext.agent_state`), so one agent object serves every call. Its walk
through the script (`walk`) also serves compiled calls (`dentsim.agents.agent_paths`).
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Generic, NamedTuple, TypeVar

from dentsim.agents.optout import OptOut, opt_out_kind
from dentsim.agents.protocol import Action, AgentTurn, CallContext, Slot, Utterance
from dentsim.agents.script import ScriptSet, load_scripts
from dentsim.agents.script_graph import CompiledScript, Node, compile_script
from dentsim.agents.voicemail import render_voicemail

_BOOKING_KINDS = ("book", "reschedule")
_MAX_STEPS = 64  # states entered in one turn; a script cycle of `next` links stops here
# A slot as a turn's walk sees it: a Slot when the agent responds, its index among the offered
# slots when a call is compiled (dentsim.agents.compiled).
S = TypeVar("S")


@dataclass(frozen=True, slots=True)
class ScriptState(Generic[S]):
    """Where the scripted agent is: the state waiting for a reply, and what it remembers.

    Attributes:
        node: the state waiting for the patient's reply (an index into the compiled nodes).
        lang: the language the agent speaks, an index into LANGUAGES.
        resume: the state `$back` returns to.
        visits: entries into each state that carries a visit limit.
        proposed: the slots proposed in the last turn.
    """

    node: int
    lang: int
    resume: int
    visits: tuple[int, ...]
    proposed: tuple[S, ...]


class Said(NamedTuple, Generic[S]):
    """One template the agent says in a turn, with what fills it (a tuple: turns make many).

    Attributes:
        template: the words, with placeholders (see `dentsim.agents.script.FIELDS`).
        lang: the language, an index into LANGUAGES.
        proposed: the slots {slots} lists.
        chosen: the slot {slot} names, None when the patient chose none.
    """

    template: str
    lang: int
    proposed: tuple[S, ...]
    chosen: S | None


class Walked(NamedTuple, Generic[S]):
    """One turn of the script, before it is put into words.

    Attributes:
        said: the templates spoken, in order (the turn's text is them filled, joined by spaces).
        actions: the actions taken (a booking's slot_id still None: see `books`).
        books: each booking among them: its position, and the slot it books.
        intent: the turn's intent: that of the last state entered.
        slots: the slots proposed in the turn.
        state: where the agent waits for the reply.
    """

    said: tuple[Said[S], ...]
    actions: tuple[Action, ...]
    books: tuple[tuple[int, S], ...]
    intent: str
    slots: tuple[S, ...]
    state: ScriptState[S]


def walk(
    script: CompiledScript,
    state: ScriptState[S] | None,
    language: int,
    intent: str,
    said_slot: Hashable | None,
    offered: Sequence[S],
    booked: Iterable[Hashable],
    slot_id: Callable[[S], Hashable],
    over_time: Callable[[list[Said[S]], Said[S]], bool] | None,
) -> Walked[S]:
    """The scripted agent's turn: the states it enters on the patient's reply, and what it says
    and does there.

    `state` is None on the first turn (then `language`, the patient record's, is spoken);
    `intent` is the reply's, after the opt-out check; `said_slot` the id of the slot the
    patient named, if any; `booked` the ids of slots booked in earlier turns. `over_time`
    (None when the call has no time limit) says whether saying what was said so far and one
    more template, then waiting for a reply, would run the call past its limit.
    """
    nodes = script.nodes
    waiting: int | None
    if state is not None:
        waiting, lang, resume = state.node, state.lang, state.resume
        visits, proposed = state.visits, state.proposed
        node = nodes[waiting]
        target = script.interrupts.get(intent)
        if target is None:
            target = node.on.get(intent)
            if target is None:
                target = script.fallbacks.get(intent)
                if target is None:
                    target = node.on.get("other", script.fallbacks["other"])
                if not node.in_interrupt:
                    resume = waiting
    else:
        waiting, lang, resume = None, language, script.start
        visits, proposed = (0,) * script.limited, ()
        target = script.answer.get(intent, script.start)

    # the slot the patient picked: one offered, or the first proposed on "yes"
    chosen: S | None = None
    if said_slot is not None:
        chosen = next((s for s in offered if slot_id(s) == said_slot), None)
    elif intent in ("accept_slot", "affirm") and proposed:
        chosen = proposed[0]
    said: list[Said[S]] = []
    actions: list[Action] = []
    books: list[tuple[int, S]] = []
    booked_now: list[Hashable] = []
    last: Node = nodes[script.start]
    reprompt = False
    cur = target
    for _ in range(_MAX_STEPS):
        if cur < 0:  # $back: say the interrupted state's prompt again
            cur, reprompt = resume, True
        node = nodes[cur]
        if node.limit and not reprompt:
            k = node.limit_index
            if visits[k] >= node.limit:
                assert node.over_limit is not None
                cur = node.over_limit
                continue
            visits = (*visits[:k], visits[k] + 1, *visits[k + 1 :])
        if node.books and chosen is None:
            cur = script.fallbacks["other"]  # which slot? ask again
            if waiting is not None and not nodes[waiting].in_interrupt:
                resume = waiting
            continue
        if node.language is not None:
            lang = node.language
        if node.proposes:
            taken = {*booked, *booked_now}
            free = [s for s in offered if slot_id(s) not in taken]
            n = script.slots_per_offer
            slots = tuple(free[:n] if node.proposes == 1 else free[n : 2 * n])
            if not slots:
                assert node.if_no_slots is not None
                cur = node.if_no_slots
                continue
            proposed = slots
        one = Said((node.reprompt if reprompt else node.say)[lang], lang, proposed, chosen)
        if (
            over_time is not None
            and node.next is None
            and not node.ends_call
            and cur != script.wrap_up
            and over_time(said, one)
        ):
            cur = script.wrap_up
            continue
        said.append(one)
        if not reprompt:
            for action in node.actions:
                if action.kind in _BOOKING_KINDS:
                    assert chosen is not None
                    books.append((len(actions), chosen))
                    booked_now.append(slot_id(chosen))
                actions.append(action)
        last = node
        if node.next is None:
            break
        cur, reprompt = node.next, False
    return Walked(
        said=tuple(said),
        actions=tuple(actions),
        books=tuple(books),
        intent=last.intent,
        slots=proposed if last.proposes else (),
        state=ScriptState(cur, lang, resume, visits, proposed),
    )


class Fields(dict[str, str]):
    """A template's fields in one call, computed only when a template asks for them."""

    __slots__ = ("ctx", "lang", "proposed", "chosen")

    def __init__(
        self, ctx: CallContext, lang: int, proposed: tuple[Slot, ...], chosen: Slot | None
    ):
        super().__init__()
        self.ctx = ctx
        self.lang = lang
        self.proposed = proposed
        self.chosen = chosen

    def __missing__(self, key: str) -> str:
        value = self[key] = field_value(key, self.ctx, self.lang, self.proposed, self.chosen)
        return value


def field_value(
    key: str, ctx: CallContext, lang: int, proposed: tuple[Slot, ...], chosen: Slot | None
) -> str:
    """What the placeholder `key` says in a call, in language `lang`, with these slots."""
    if key == "practice":
        return ctx.practice_name
    if key == "callback":
        return ctx.callback_number
    if key == "first_name":
        return ctx.patient.first_name
    if key == "slots":
        return _spoken_list([s.label for s in proposed], lang)
    if key == "slot":
        return chosen.label if chosen is not None else ""
    if key == "voicemail":
        return render_voicemail(ctx.practice_name, ctx.callback_number, ctx.purposes)
    if key == "procedure":
        return ctx.patient.procedure or ("procedure" if lang == 0 else "procedimiento")
    if key == "provider":
        return ctx.patient.provider or ("your dentist" if lang == 0 else "su dentista")
    if key == "appointment":
        return ctx.patient.appointment or (
            "your upcoming visit" if lang == 0 else "su próxima visita"
        )
    raise KeyError(key)  # pragma: no cover - placeholders are checked when the script loads


def _spoken_list(items: list[str], lang: int) -> str:
    if len(items) <= 1:
        return items[0] if items else ""
    last = " or " if lang == 0 else " o "
    comma = "," if lang == 0 and len(items) > 2 else ""
    return ", ".join(items[:-1]) + comma + last + items[-1]


def _slot_id(slot: Slot) -> str:
    return slot.slot_id


class _Booked:
    """The ids of the slots booked in a call's turns so far, read only when slots are offered."""

    __slots__ = ("context",)

    def __init__(self, context: CallContext):
        self.context = context

    def __iter__(self) -> Iterator[str]:
        for turn in self.context.turns:
            for a in turn.actions:
                if a.kind in _BOOKING_KINDS and a.slot_id is not None:
                    yield a.slot_id


class ScriptedAgent:
    """An Agent that follows the dialogue scripts (built-in, or a folder of your own).

    Attributes:
        scripts: the scripts it follows.
        opt_out_detector: `(intent, text)` -> whether an utterance opts out ("hard", "soft"
            or None); the default reads both the intent and the text, in any phrasing.
        shapes: its turns walked once for compiled calls, by call shape (kept by
            `dentsim.agents.agent_paths`).
    """

    __slots__ = ("scripts", "opt_out_detector", "shapes", "_compiled")

    def __init__(
        self,
        scripts: ScriptSet | None = None,
        opt_out_detector: Callable[[str, str], OptOut | None] = opt_out_kind,
    ):
        self.scripts = load_scripts() if scripts is None else scripts
        self.opt_out_detector = opt_out_detector
        self._compiled: dict[tuple[str, ...], CompiledScript] = {}
        self.shapes: dict[Hashable, Any] = {}

    def compiled(self, purposes: tuple[str, ...]) -> CompiledScript:
        script = self._compiled.get(purposes)
        if script is None:
            script = self._compiled[purposes] = compile_script(self.scripts, purposes)
        return script

    def respond(self, context: CallContext, utterance: Utterance) -> AgentTurn:
        script = self._compiled.get(context.purposes) or self.compiled(context.purposes)
        intent = utterance.intent
        kind = self.opt_out_detector(intent, utterance.text)
        if kind is not None:
            intent = "opt_out" if kind == "hard" else "soft_opt_out"
        state = context.agent_state
        fills: list[Fields] = []

        def say(one: Said[Slot]) -> str:
            filled = fills[-1] if fills else None
            if (  # not the fill of the template before
                filled is None
                or filled.lang != one.lang
                or filled.proposed is not one.proposed
                or filled.chosen is not one.chosen
            ):
                filled = Fields(context, one.lang, one.proposed, one.chosen)
                fills.append(filled)
            return one.template.format_map(filled)

        too_long = None
        if context.max_duration_s is not None:

            def too_long(said: list[Said[Slot]], one: Said[Slot]) -> bool:
                parts = [say(s) for s in said]
                return self._over_time(context, utterance, script, parts, say(one))

        walked = walk(
            script,
            state if isinstance(state, ScriptState) else None,
            1 if context.patient.language == "es" else 0,
            intent,
            utterance.slot_id,
            context.offered_slots,
            _Booked(context),
            _slot_id,
            too_long,
        )
        actions = walked.actions
        if walked.books:
            booked = list(actions)
            for at, slot in walked.books:
                booked[at] = Action(booked[at].kind, slot.slot_id, None, booked[at].purpose)
            actions = tuple(booked)
        return AgentTurn(
            text=" ".join([say(s) for s in walked.said]),
            intent=walked.intent,
            actions=actions,
            slots=walked.slots,
            state=walked.state,
        )

    @staticmethod
    def _over_time(
        context: CallContext,
        utterance: Utterance,
        script: CompiledScript,
        parts: list[str],
        text: str,
    ) -> bool:
        """Would saying this and waiting for a reply run the call past its time limit?"""
        assert context.max_duration_s is not None
        s_per_word = 60.0 / script.speaking_rate_wpm
        elapsed_s = 0.0
        if context.turns:
            last = context.turns[-1]
            elapsed_s = last.t_s + (utterance.text.count(" ") + 1) * s_per_word
        words = sum(p.count(" ") + 1 for p in parts) + text.count(" ") + 1
        return elapsed_s + words * s_per_word + script.wrap_up_reserve_s > context.max_duration_s


def scripted_agent(scripts_dir: Path | None = None) -> ScriptedAgent:
    """The scripted agent for the built-in scripts, or for a folder of your own scripts."""
    return ScriptedAgent(load_scripts(None if scripts_dir is None else Path(scripts_dir)))


def make_agent() -> ScriptedAgent:
    """Factory for `dentsim agent-test dentsim.agents.scripted:make_agent`."""
    return scripted_agent()
