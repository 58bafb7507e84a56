"""Compiled calls: the built-in scripted agent against a built-in persona, its turns kept per
script state, words put together only where kept; calls alike without words share a result.

The result is the one `dialogue.play_turns` gives, draw for draw: the patient's replies are
the persona's own (`dentsim.agents.replies`), the agent's turns its own walk, kept per script
state (`dentsim.agents.agent_paths`). tests/agents/test_compiled_calls.py holds them side by side.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from dentsim.agents.agent_paths import Fill, Shape, Step, shape_of, step_of, timed_step
from dentsim.agents.optout import opt_out_kind
from dentsim.agents.outcomes import call_result, describe
from dentsim.agents.patients import PersonaPatient, SteeredPatient, fill, raw_draws, spoken_date
from dentsim.agents.persona_files import Persona, Text
from dentsim.agents.protocol import Action, CallContext, CallResult, Slot, Turn
from dentsim.agents.scripted import Fields, Said, ScriptedAgent, field_value
from dentsim.agents.templates import Template, inert, read_template, template_verdict
from dentsim.files import valid_unicode

if TYPE_CHECKING:
    import numpy as np

_PATIENT_FIELDS = frozenset({"first_name", "dob", "slot"})
_SLOT_FIELDS = frozenset({"slots", "slot"})  # the agent's placeholders that name slots
_OPT_OUT_INTENT = {None: None, "hard": "opt_out", "soft": "soft_opt_out"}
_PATHS_MAX = 5_000  # path steps kept per start (a long group run meets ever new ones)
_CACHE_MAX = 100_000
# whether a persona's texts can all be counted and checked without filling them, by its id
_PERSONAS_READ: dict[int, tuple[Persona, bool]] = {}
# (intent, text) of a patient's words without placeholders -> (spaces, intent the agent hears)
_UNFILLED: dict[tuple[str, str], tuple[int, str]] = {}
_PATIENT_TEMPLATES: dict[str, Template] = {}  # a patient's texts with placeholders, read
_TURNS: dict[tuple[object, ...], Turn] = {}  # transcript lines without words (see `_turn`)


# A turn of a call as compiled calls see it: the agent's (its step, its intent, its words)
# or the patient's (None, intent, spaces of the words, -1: no words).
_Event = tuple[Step | None, str, int]


@dataclass(slots=True, eq=False)
class _Path:
    """Calls that took the same turns at the same times, and the results of those that end
    there (without words: the calls share them).

    Attributes:
        next: the paths one turn longer, by that turn.
        results: the results of calls ending here, by the patient's last text, for calls
            that can share them (no booking, no filled-in last words).
    """

    next: dict[_Event, _Path] = field(default_factory=dict)
    results: dict[str, CallResult] | None = None


@dataclass(slots=True, eq=False)
class _Root:
    """The start of the paths of calls alike (shape, who answered, pace, turn limit).

    Attributes:
        start: the empty path.
        size: the paths kept.
    """

    start: _Path = field(default_factory=_Path)
    size: int = 0

    def path(self, events: list[_Event]) -> _Path:
        """The path of these turns (kept from now on)."""
        if len(events) >= _PATHS_MAX:  # a call of thousands of turns: not kept
            return _Path()
        path = self.start
        for event in events:
            found = path.next.get(event)
            if found is None:
                if self.size >= _PATHS_MAX:  # a long group run meets ever new paths
                    self.start, self.size = _Path(), 0
                    return self.path(events)
                self.size += 1
                found = path.next[event] = _Path()
            path = found
        return path


def play_compiled(
    agent: object,
    patient: object,
    context: CallContext,
    rng: np.random.Generator,
    max_turns: int,
    words_per_minute: float,
    pause_s: float,
    words: bool,
) -> CallResult | None:
    """`dialogue.play_turns`'s result for the built-in scripted agent (its default opt-out
    detector) against a built-in persona patient; None for any other call.

    With `words=False` the turns' texts are empty, except the patient's last.
    """
    if type(agent) is not ScriptedAgent or agent.opt_out_detector is not opt_out_kind:
        return None
    if type(patient) is SteeredPatient:
        person = patient.inner
        if type(person) is not PersonaPatient:
            return None
    elif type(patient) is PersonaPatient:
        person = patient
    else:
        return None
    offered = context.offered_slots
    if len(offered) > 1 and len({s.slot_id for s in offered}) != len(offered):
        return None  # the compiled turns tell slots apart by their ids
    shape = shape_of(agent, context)
    if shape is None or not _persona_reads(person.persona):
        return None
    answer = person.answer  # the patient's own reply, drawn as `choose` draws it
    raw = raw_draws(rng)
    memory = patient.remembering()
    call = _Call(context, shape, person.persona.language, patient.answered_by)
    read = call.read
    limit_s = context.max_duration_s
    s_per_word = 60.0 / words_per_minute
    t_s = said_at = 0.0  # the time, and when the patient's last words began (timed calls)
    error = ""

    memory, intent, text, slot = answer(memory, None, 0, rng, raw)
    spaces, heard = read(intent, text, -1)
    events: list[_Event] = [(None, intent, spaces)]
    # the patient's texts, each with the offered slot taken (without words, only the last)
    said = [(text, -1)]
    if limit_s is not None:
        t_s = (0.0 if spaces < 0 else (spaces + 1) * s_per_word) + pause_s
    named = -1
    node = shape.start
    agent_turns = 0
    while intent != "hang_up":
        if agent_turns >= max_turns:
            error = f"the agent did not end the call within {max_turns} turns"
            break
        try:
            if limit_s is None:
                step = node.steps.get((heard, named)) or step_of(shape, node, heard, named)
            else:
                step = timed_step(shape, node, heard, named, call.count, limit_s, said_at, spaces)
            step_words = step.words
            if step.fields:
                step_words += call.count(step.fields)
            if step.blank and not call.agent_text(step.said):
                step_words = 0
        except KeyboardInterrupt:
            raise
        except BaseException as e:  # as the turn-by-turn play reports the agent's failures
            error = f"the agent raised {describe(e)}"
            break
        agent_turns += 1
        events.append((step, step.intent, step_words))
        if limit_s is not None:
            t_s += (step_words * s_per_word if step_words else 0.0) + pause_s
        if step.ends:
            break
        node = step.after
        memory, intent, text, slot = answer(memory, step.intent, step.n_slots, rng, raw)
        named = step.slots[slot] if slot >= 0 else -1
        if text.formatted:
            spaces, heard = read(intent, text, named)
        else:  # most words have no placeholder: read once, kept in _UNFILLED
            spaces, heard = _UNFILLED.get((intent, text.template)) or read(intent, text, named)
        events.append((None, intent, spaces))
        if words:
            said.append((text, named))
        else:
            said[0] = (text, named)
        if limit_s is not None:
            said_at = t_s
            t_s += (0.0 if spaces < 0 else (spaces + 1) * s_per_word) + pause_s
    patient.memory = memory
    limited = agent_turns >= max_turns  # the call ended at the turn limit, as its turns say
    if words or (error and not limited) or text.formatted:
        return _result(events, call, said, s_per_word, pause_s, words, error)
    key = (patient.answered_by, words_per_minute, pause_s, max_turns)
    root = shape.paths.get(key)
    if root is None:
        root = shape.paths[key] = _Root()
    path = root.path(events)
    found = path.results.get(text.template) if path.results is not None else None
    if found is None:
        found = _result(events, call, said, s_per_word, pause_s, words, error)
        if not any(step is not None and step.books for step, _, _ in events):  # books: slots
            if path.results is None:
                path.results = {}
            path.results[text.template] = found
    return found


def _result(
    events: list[_Event], call: _Call, said: list[tuple[Text, int]], s_per_word: float,
    pause_s: float, words: bool, error: str,
) -> CallResult:  # fmt: skip
    """The result of a call that took these turns, the patient saying `said` (or only its
    last words, without `words`)."""
    offered = call.context.offered_slots
    last_said = max(i for i, (step, _, _) in enumerate(events) if step is None)
    texts = iter(said)
    turns: list[Turn] = []
    actions: list[Action] = []
    t_s = 0.0
    verified = False
    asked: Step | None = None  # the agent's last turn
    for i, (step, intent, n) in enumerate(events):
        if step is None:  # the patient's turn
            if words or i == last_said:  # without words, only the last (an opt-out's words)
                patient_text, named = next(texts)
                text = call.patient_text(patient_text, offered[named].label if named >= 0 else "")
                turns.append(Turn("patient", intent, text, t_s))
            else:
                turns.append(_turn(("patient", intent, t_s), "patient", intent, t_s, ()))
            t_s += (0.0 if n < 0 else (n + 1) * s_per_word) + pause_s
            if intent == "verify_ok" and asked is not None and asked.intent == "verify_identity":
                verified = verified or call.answered_by == "patient"
            continue
        asked = step
        acts = step.actions
        if step.books:
            booked = list(acts)
            for at, slot in step.books:
                booked[at] = Action(
                    booked[at].kind, offered[slot].slot_id, None, booked[at].purpose
                )
            acts = tuple(booked)
        if words:
            text = valid_unicode(call.agent_text(step.said))
            turns.append(Turn("agent", step.intent, text, t_s, acts))
        elif step.books:
            turns.append(Turn("agent", step.intent, "", t_s, acts))
        else:
            turns.append(_turn((step, t_s), "agent", step.intent, t_s, acts))
        t_s += (n * s_per_word if n else 0.0) + pause_s
        actions.extend(acts)
    hung_up = events[-1][0] is None and events[-1][1] == "hang_up"
    return call_result(
        turns, actions, t_s, pause_s, call.answered_by, verified, hung_up, error,
        call.context.purposes,
    )  # fmt: skip


def _turn(
    key: tuple[object, ...], speaker: str, intent: str, t_s: float, actions: tuple[Action, ...]
) -> Turn:
    """A transcript line without words, shared by the results that have it (most calls of a
    practice take a few paths, at a few times)."""
    found = _TURNS.get(key)
    if found is None:
        if len(_TURNS) >= _CACHE_MAX:
            _TURNS.clear()
        found = _TURNS[key] = Turn(speaker, intent, "", t_s, actions)
    return found


def _persona_reads(persona: Persona) -> bool:
    """Whether every text of the persona can be counted and checked without being filled."""
    known = _PERSONAS_READ.get(id(persona))
    if known is None or known[0] is not persona:
        ok = all(
            read_template(t.template, _PATIENT_FIELDS) is not None
            for texts in persona.texts.values()
            for t in texts
            if t.formatted
        )
        known = _PERSONAS_READ[id(persona)] = (persona, ok)  # holds it: its id is never reused
    return known[1]


class _Call:
    """One call's fills: their words counted, and filled in where the words are kept.

    Attributes:
        context: the call's setting.
        shape: the call's shape (its placeholders are numbered there).
        language: the persona's language (for the date of birth).
        answered_by: who answered.
        fields: the agent's fills by (language, proposed, chosen).
        spaces: the spaces of each placeholder's fill, by its number in the shape.
    """

    __slots__ = ("context", "shape", "language", "answered_by", "fields", "spaces", "_dob")

    def __init__(self, context: CallContext, shape: Shape, language: str, answered_by: str):
        self.context = context
        self.shape = shape
        self.language = language
        self.answered_by = answered_by
        self.fields: dict[Fill, Fields] = {}
        self.spaces: dict[int, int] = {}
        self._dob: str | None = None

    def filled(self, key: Fill) -> Fields:
        found = self.fields.get(key)
        if found is None:
            found = self.fields[key] = Fields(self.context, key[0], *self._slots(key))
        return found

    def count(self, fields: tuple[int, ...]) -> int:
        """The spaces the placeholders' fills add."""
        total = 0
        spaces = self.spaces
        for i in fields:
            n = spaces.get(i)
            if n is None:
                key, name = self.shape.fields[i]
                if name in _SLOT_FIELDS:
                    value = field_value(name, self.context, key[0], *self._slots(key))
                else:
                    value = field_value(name, self.context, key[0], (), None)
                n = spaces[i] = value.count(" ")
            total += n
        return total

    def _slots(self, key: Fill) -> tuple[tuple[Slot, ...], Slot | None]:
        """The slots of a fill: those proposed and the one chosen."""
        offered = self.context.offered_slots
        _, proposed, chosen = key
        return tuple(offered[i] for i in proposed), None if chosen is None else offered[chosen]

    def agent_text(self, said: tuple[Said[int], ...]) -> str:
        filled = self.filled
        return " ".join(s.template.format_map(filled((s.lang, s.proposed, s.chosen))) for s in said)

    def read(self, intent: str, text: Text, named: int) -> tuple[int, str]:
        """The spaces of a patient's words (-1: no words) and their intent as the agent hears
        it (an opt-out in the words counts); `named` is the offered slot taken (-1: none)."""
        if not text.formatted:
            key = (intent, text.template)
            known = _UNFILLED.get(key)
            if known is None:
                if len(_UNFILLED) >= _CACHE_MAX:
                    _UNFILLED.clear()
                words = text.template
                heard = _OPT_OUT_INTENT[opt_out_kind(intent, words)] or intent
                known = _UNFILLED[key] = (words.count(" ") if words else -1, heard)
            return known
        template = _PATIENT_TEMPLATES.get(text.template)
        if template is None:
            template = read_template(text.template, _PATIENT_FIELDS)
            assert template is not None  # the persona was checked
            _PATIENT_TEMPLATES[text.template] = template
        slot_label = self.context.offered_slots[named].label if named >= 0 else ""
        spaces = template.spaces
        empty = template.length == 0
        kept = template.apart  # the verdict kept per template holds (see `inert`)
        for name in template.fields:
            value = self._value(name, slot_label)
            spaces += value.count(" ")
            empty = empty and not value
            kept = kept and inert(value)
        if kept:
            kind = template_verdict(intent, template)
        else:  # a name such as "Stop" may be heard as one: check the words themselves
            kind = opt_out_kind(intent, self.patient_text(text, slot_label))
        return -1 if empty else spaces, _OPT_OUT_INTENT[kind] or intent

    def _value(self, name: str, slot_label: str) -> str:
        if name == "first_name":
            return self.context.patient.first_name
        if name == "slot":
            return slot_label
        if self._dob is None:
            self._dob = spoken_date(self.context.patient.date_of_birth, self.language)
        return self._dob

    def patient_text(self, text: Text, slot_label: str) -> str:
        if not text.formatted:
            return text.template
        return fill(text.template, self.context, self.language, slot_label)
