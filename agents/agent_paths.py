"""The scripted agent's turns, compiled: for calls of one shape (script, offered slots, first
language), each turn is walked once per script state and reply, then kept.

The walk is the agent's own (`scripted.walk`), with slots as indices among those offered and
templates unfilled; `dentsim.agents.compiled` plays calls with it.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from typing import Any

from dentsim.agents.outcomes import ENDS_CALL
from dentsim.agents.protocol import Action, CallContext
from dentsim.agents.script import FIELDS
from dentsim.agents.script_graph import CompiledScript
from dentsim.agents.scripted import Said, ScriptedAgent, ScriptState, walk
from dentsim.agents.templates import Template, read_template

AGENT_FIELDS = frozenset(FIELDS)
_UNKNOWN = object()  # a shape not looked at yet
# what fills an agent template: (language, proposed slots, chosen slot), slots as offered indices
Fill = tuple[int, tuple[int, ...], int | None]


@dataclass(slots=True, eq=False)
class Check:
    """A turn whose path depends on time: would what it says so far, then a wait, run the call
    past its limit? Its words are counted as a turn's are (see `Step`).

    Attributes:
        words: the words of the literal texts (with the separators between them).
        fields: the placeholders, by their number in the shape.
    """

    words: int
    fields: tuple[int, ...]


@dataclass(slots=True, eq=False)
class Step:
    """An agent turn: what the agent does on one reply in one state, for every call of a shape.

    Attributes:
        intent: the turn's intent.
        actions: its actions (a booking's slot_id still None: see `books`).
        books: each booking among them: its position, and the offered slot it books.
        slots: the offered slots it proposes.
        n_slots: how many.
        said: the templates it says.
        words: the words of its text but for the placeholders' fills (0: no text).
        fields: the placeholders, by their number in the shape.
        blank: its text may be empty (no template, or one of placeholders alone).
        ends: it ends the call.
        after: the state the agent is in after it.
    """

    intent: str
    actions: tuple[Action, ...]
    books: tuple[tuple[int, int], ...]
    slots: tuple[int, ...]
    n_slots: int
    said: tuple[Said[int], ...]
    words: int
    fields: tuple[int, ...]
    blank: bool
    ends: bool
    after: AgentNode


@dataclass(slots=True, eq=False)
class AgentNode:
    """A state of the agent in calls of one shape, and the turns it takes from there.

    Attributes:
        state: the script state (slots as offered indices); None before the first turn.
        booked: the offered slots booked in earlier turns.
        steps: per (reply intent as the agent hears it, offered slot the patient named or
            -1), the turn taken.
        timed: the same for calls with a time limit, keyed also by the time checks' answers
            so far; a `Check` where one more answer is needed.
    """

    state: ScriptState[int] | None
    booked: frozenset[int]
    steps: dict[tuple[str, int], Step] = field(default_factory=dict)
    timed: dict[tuple[str, int, tuple[bool, ...]], Step | Check] = field(default_factory=dict)


@dataclass(slots=True, eq=False)
class Shape:
    """Calls alike for the agent: the same script, number of offered slots and first language.

    Attributes:
        script: the compiled script of the call's purposes.
        n_offered: how many slots the book offers.
        language: the language of the patient's record, an index into LANGUAGES.
        start: the state before the first turn.
        nodes: the agent's states met so far.
        fields: the placeholders met so far, each with its fill (numbered by position).
        field_numbers: the number of each.
        paths: the calls' paths, kept by `dentsim.agents.compiled`.
    """

    script: CompiledScript
    n_offered: int
    language: int
    start: AgentNode
    nodes: dict[tuple[ScriptState[int] | None, frozenset[int]], AgentNode] = field(
        default_factory=dict
    )
    fields: list[tuple[Fill, str]] = field(default_factory=list)
    field_numbers: dict[tuple[Fill, str], int] = field(default_factory=dict)
    paths: dict[Hashable, Any] = field(default_factory=dict)

    def node(self, state: ScriptState[int] | None, booked: frozenset[int]) -> AgentNode:
        found = self.nodes.get((state, booked))
        if found is None:
            found = self.nodes[(state, booked)] = AgentNode(state, booked)
        return found

    def counted(self, said: list[Said[int]] | tuple[Said[int], ...]) -> tuple[int, tuple[int, ...]]:
        """The words of the literal texts said (with the separators between them), and the
        placeholders, numbered."""
        words = len(said)
        fields = []
        for one in said:
            template = _read(one)
            words += template.spaces
            for name in template.fields:
                key = ((one.lang, one.proposed, one.chosen), name)
                number = self.field_numbers.get(key)
                if number is None:
                    number = self.field_numbers[key] = len(self.fields)
                    self.fields.append(key)
                fields.append(number)
        return words, tuple(fields)


def shape_of(agent: ScriptedAgent, context: CallContext) -> Shape | None:
    """The shape of this call for the agent (None: its script cannot be compiled, or has a
    template with a placeholder the compiled path does not count)."""
    key = (context.purposes, len(context.offered_slots), context.patient.language == "es")
    shapes: dict[Hashable, Shape | None] = agent.shapes
    shape = shapes.get(key, _UNKNOWN)
    if shape is not _UNKNOWN:
        return shape  # type: ignore[return-value]
    shape = None
    try:
        script = agent.compiled(context.purposes)
    except Exception:  # noqa: BLE001 - the turn-by-turn play reports it as the agent's error
        script = None
    if script is not None and all(
        read_template(t, AGENT_FIELDS) is not None
        for node in script.nodes
        for t in (*node.say, *node.reprompt)
    ):
        start = AgentNode(None, frozenset())
        shape = Shape(script, key[1], int(key[2]), start, {(None, frozenset()): start})
    shapes[key] = shape
    return shape


def step_of(shape: Shape, node: AgentNode, heard: str, named: int) -> Step:
    """The turn taken in a call without a time limit (walked once, then kept)."""
    step = _take(shape, node, heard, named, None)
    assert isinstance(step, Step)
    node.steps[(heard, named)] = step
    return step


def timed_step(
    shape: Shape, node: AgentNode, heard: str, named: int, count: Callable[[tuple[int, ...]], int],
    limit_s: float, said_at: float, spaces: int,
) -> Step:  # fmt: skip
    """The turn taken in a call with a time limit: the walk, with each time check answered
    for this call as `ScriptedAgent._over_time` answers it. `count` gives the spaces of the
    call's fills; the patient's last words began at `said_at` and had `spaces` spaces (-1:
    no words)."""
    script = shape.script
    s_per_word = 60.0 / script.speaking_rate_wpm
    answers: tuple[bool, ...] = ()
    while True:
        key = (heard, named, answers)
        took = node.timed.get(key)
        if took is None:
            took = node.timed[key] = _take(shape, node, heard, named, answers)
        if isinstance(took, Step):
            return took
        elapsed_s = said_at + (max(spaces, 0) + 1) * s_per_word
        words = took.words + count(took.fields)
        answers += (elapsed_s + words * s_per_word + script.wrap_up_reserve_s > limit_s,)


class _TimeAsked(Exception):
    """A turn's walk reached a time check it has no answer for yet."""

    def __init__(self, said: list[Said[int]]):
        super().__init__()
        self.said = said


def _itself(slot: int) -> Hashable:
    return slot


def _take(
    shape: Shape, node: AgentNode, intent: str, named: int, answers: tuple[bool, ...] | None
) -> Step | Check:
    """Walk the script for one reply (`answers`: the time checks' answers so far, None when
    the call has no time limit)."""
    asked = 0

    def over_time(said: list[Said[int]], one: Said[int]) -> bool:
        nonlocal asked
        assert answers is not None
        if asked == len(answers):
            raise _TimeAsked([*said, one])
        asked += 1
        return answers[asked - 1]

    try:
        walked = walk(
            shape.script, node.state, shape.language, intent, None if named < 0 else named,
            range(shape.n_offered), node.booked, _itself, None if answers is None else over_time,
        )  # fmt: skip
    except _TimeAsked as e:
        return Check(*shape.counted(e.said))
    words, fields = shape.counted(walked.said)
    booked = node.booked.union(slot for _, slot in walked.books)
    said = walked.said
    return Step(
        intent=walked.intent,
        actions=walked.actions,
        books=walked.books,
        slots=walked.slots,
        n_slots=len(walked.slots),
        said=said,
        words=words if said else 0,
        fields=fields,
        blank=len(said) == 1 and _read(said[0]).length == 0,
        ends=any(a.kind in ENDS_CALL for a in walked.actions),
        after=shape.node(walked.state, booked),
    )


def _read(said: Said[int]) -> Template:
    found = read_template(said.template, AGENT_FIELDS)
    assert found is not None  # the shape was made only for scripts whose templates all read
    return found
