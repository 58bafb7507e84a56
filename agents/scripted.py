"""The scripted agent: replays the YAML dialogue scripts, one compiled state machine per call type.

It is a pure function of its inputs (its dialogue state travels in `AgentTurn.state` and
comes back as `CallContext.agent_state`), so one agent object serves every call.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from dentsim.agents.optout import OptOut, opt_out_kind
from dentsim.agents.protocol import Action, AgentTurn, CallContext, Slot, Utterance
from dentsim.agents.script import ScriptSet, load_scripts
from dentsim.agents.script_graph import CompiledScript, Node, compile_script
from dentsim.agents.voicemail import render_voicemail

_BOOKING_KINDS = ("book", "reschedule")
_MAX_STEPS = 64  # states entered in one turn; a script cycle of `next` links stops here


@dataclass(frozen=True, slots=True)
class ScriptState:
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
    proposed: tuple[Slot, ...]


class _Fields(dict[str, str]):
    """Template fields, computed only when a template asks for them."""

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
        ctx = self.ctx
        value: str
        if key == "practice":
            value = ctx.practice_name
        elif key == "callback":
            value = ctx.callback_number
        elif key == "first_name":
            value = ctx.patient.first_name
        elif key == "slots":
            value = _spoken_list([s.label for s in self.proposed], self.lang)
        elif key == "slot":
            value = self.chosen.label if self.chosen is not None else ""
        elif key == "voicemail":
            value = render_voicemail(ctx.practice_name, ctx.callback_number, ctx.purposes)
        elif key == "procedure":
            value = ctx.patient.procedure or ("procedure" if self.lang == 0 else "procedimiento")
        elif key == "provider":
            value = ctx.patient.provider or ("your dentist" if self.lang == 0 else "su dentista")
        elif key == "appointment":
            value = ctx.patient.appointment or (
                "your upcoming visit" if self.lang == 0 else "su próxima visita"
            )
        else:  # pragma: no cover - placeholders are checked when the script loads
            raise KeyError(key)
        self[key] = value
        return value


def _spoken_list(items: list[str], lang: int) -> str:
    if len(items) <= 1:
        return items[0] if items else ""
    last = " or " if lang == 0 else " o "
    comma = "," if lang == 0 and len(items) > 2 else ""
    return ", ".join(items[:-1]) + comma + last + items[-1]


class ScriptedAgent:
    """An Agent that follows the dialogue scripts (built-in, or a folder of your own).

    `opt_out_detector(intent, text)` says whether an utterance opts out ("hard", "soft" or
    None); the default reads both the intent and the text, in any phrasing.
    """

    __slots__ = ("scripts", "opt_out_detector", "_compiled")

    def __init__(
        self,
        scripts: ScriptSet | None = None,
        opt_out_detector: Callable[[str, str], OptOut | None] = opt_out_kind,
    ):
        self.scripts = load_scripts() if scripts is None else scripts
        self.opt_out_detector = opt_out_detector
        self._compiled: dict[tuple[str, ...], CompiledScript] = {}

    def compiled(self, purposes: tuple[str, ...]) -> CompiledScript:
        script = self._compiled.get(purposes)
        if script is None:
            script = self._compiled[purposes] = compile_script(self.scripts, purposes)
        return script

    def respond(self, context: CallContext, utterance: Utterance) -> AgentTurn:
        script = self._compiled.get(context.purposes) or self.compiled(context.purposes)
        nodes = script.nodes
        intent = utterance.intent
        kind = self.opt_out_detector(intent, utterance.text)
        if kind is not None:
            intent = "opt_out" if kind == "hard" else "soft_opt_out"

        state = context.agent_state
        waiting: int | None
        if isinstance(state, ScriptState):
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
            waiting, lang, resume = (
                None,
                (1 if context.patient.language == "es" else 0),
                script.start,
            )
            visits, proposed = (0,) * script.limited, ()
            target = script.answer.get(intent, script.start)

        chosen = self._chosen_slot(context, utterance, intent, proposed)
        parts: list[str] = []
        actions: list[Action] = []
        fields: _Fields | None = None
        booked_now: list[str] = []
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
                slots = self._slots(context, script, node.proposes, booked_now)
                if not slots:
                    assert node.if_no_slots is not None
                    cur = node.if_no_slots
                    continue
                proposed = slots
            if fields is None or fields.lang != lang or node.proposes:
                fields = _Fields(context, lang, proposed, chosen)
            text = (node.reprompt if reprompt else node.say)[lang].format_map(fields)
            waits = node.next is None and not node.ends_call
            if (
                waits
                and context.max_duration_s is not None
                and cur != script.wrap_up
                and self._over_time(context, utterance, script, parts, text)
            ):
                cur = script.wrap_up
                continue
            parts.append(text)
            if not reprompt:
                for action in node.actions:
                    if action.kind in _BOOKING_KINDS:
                        assert chosen is not None
                        action = Action(action.kind, chosen.slot_id, None, action.purpose)
                        booked_now.append(chosen.slot_id)
                    actions.append(action)
            last = node
            if node.next is None:
                break
            cur, reprompt = node.next, False
        return AgentTurn(
            text=" ".join(parts),
            intent=last.intent,
            actions=tuple(actions),
            slots=proposed if last.proposes else (),
            state=ScriptState(cur, lang, resume, visits, proposed),
        )

    @staticmethod
    def _chosen_slot(
        context: CallContext, utterance: Utterance, intent: str, proposed: tuple[Slot, ...]
    ) -> Slot | None:
        """The slot the patient picked: one the book offers, or the first proposed on an "affirm"."""
        if utterance.slot_id is not None:
            for slot in context.offered_slots:
                if slot.slot_id == utterance.slot_id:
                    return slot
            return None
        if intent in ("accept_slot", "affirm") and proposed:
            return proposed[0]
        return None

    @staticmethod
    def _slots(
        context: CallContext, script: CompiledScript, which: int, booked_now: list[str]
    ) -> tuple[Slot, ...]:
        booked = set(booked_now)
        for turn in context.turns:
            for action in turn.actions:
                if action.kind in _BOOKING_KINDS and action.slot_id is not None:
                    booked.add(action.slot_id)
        free = [s for s in context.offered_slots if s.slot_id not in booked]
        n = script.slots_per_offer
        return tuple(free[:n] if which == 1 else free[n : 2 * n])

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
