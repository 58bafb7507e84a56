"""A persona patient's replies, compiled: for what the person remembers of the call and what the
agent just did, the draws a reply takes and what is said, worked out once and shared by calls.

Only the reply tables' weights depend on one patient's traits (`dentsim.agents.patients`
draws from them); everything else here is the same for every patient of a persona.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from functools import lru_cache

from dentsim.agents.persona_files import Persona, Text, default_text
from dentsim.agents.protocol import Decisions

# Replies a person gives less often each time they have already given them in the call.
ASKS_AGAIN = frozenset({"repeat", "who_is_this", "ask_purpose", "prefer_spanish", "hello"})
# replies that carry a decision: a persona's own choice among them is replaced by the decided one
DECIDING = frozenset(
    {
        "accept_slot", "other_time", "decline", "confirm", "cancel", "reschedule",
        "symptoms_ok", "symptoms_minor", "red_flag", "opt_out", "soft_opt_out",
        "hang_up", "callback_later",
    }
)  # fmt: skip
# what a person remembers having asked: (reply intent, times), sorted by intent
Asked = tuple[tuple[str, int], ...]


@dataclass(frozen=True, slots=True)
class Answer:
    """A reply once its intent is drawn: the further draws it takes and what is said.

    Attributes:
        intent: what the patient says (a decision may have replaced the intent drawn).
        draws: the sizes of the further draws, in order; a draw u picks int(u * size).
        text_draw: which draw picks the text among `texts` (-1: the first).
        slot_draw: which draw picks the slot among those just proposed (-1: none is taken).
        texts: the texts it may be said in.
        after: what the patient remembers afterwards.
    """

    intent: str
    draws: tuple[int, ...]
    text_draw: int
    slot_draw: int
    texts: tuple[Text, ...]
    after: Memory


@dataclass(slots=True, eq=False)
class Replies:
    """The replies a patient may give to one agent turn, from one memory.

    Attributes:
        state: the persona's reply table: "answer", an agent intent, or "default".
        intents: the table's reply intents, in order.
        asked: the replies given before that damp this table (None: none of its replies was).
        table: the key of the drawing table: `state`, or (`state`, `asked`) when damped.
        answers: per reply intent, its answer once worked out.
    """

    state: str
    intents: tuple[str, ...]
    asked: Asked | None
    table: str | tuple[str, Asked]
    answers: list[Answer | None]


@dataclass(slots=True, eq=False)
class Memory:
    """What a persona patient remembers in a call, and the replies it gives from there.

    Attributes:
        persona: who is speaking (held, so that its id is never reused while this lives).
        decisions: the patient's decisions, when steered (see `Decisions`); None otherwise.
        asked: the replies that people give less often each time, with the times given.
        spoke: a steered patient has answered an agent's turn (a hard opt-out is said first).
        replies: the replies by (agent intent, or None on picking up; slots proposed).
    """

    persona: Persona
    decisions: Decisions | None
    asked: Asked
    spoke: bool
    replies: dict[tuple[str | None, int], Replies] = field(default_factory=dict)

    def replies_to(self, turn_intent: str | None, n_slots: int) -> Replies:
        """The replies to an agent turn of this intent that proposed `n_slots` slots."""
        if turn_intent is None:
            state = "answer"
        else:
            state = turn_intent if turn_intent in self.persona.replies else "default"
        intents = self.persona.replies[state][0]
        given = {i for i, _ in self.asked}
        asked = self.asked if given.intersection(intents) else None
        replies = Replies(
            state, intents, asked, state if asked is None else (state, asked), [None] * len(intents)
        )
        self.replies[(turn_intent, n_slots)] = replies
        return replies

    def answer(self, replies: Replies, turn_intent: str | None, n_slots: int, i: int) -> Answer:
        """The answer when the reply drawn is the i-th of `replies` (worked out, then kept)."""
        persona, decided = self.persona, self.decisions
        intent = replies.intents[i]
        texts = persona.texts[intent]
        draws: list[int] = []
        text_draw = slot_draw = -1
        if len(texts) > 1:
            text_draw = len(draws)
            draws.append(len(texts))
        if intent == "accept_slot" and n_slots:
            slot_draw = len(draws)
            draws.append(n_slots)
        asked = self.asked
        if intent in ASKS_AGAIN:
            counts = dict(asked)
            counts[intent] = counts.get(intent, 0) + 1
            asked = tuple(sorted(counts.items()))
        spoke = self.spoke
        said = None
        if decided is not None:
            said = _decided(decided, turn_intent, intent, n_slots, spoke)
            spoke = spoke or turn_intent is not None
        if said is not None:  # a decision, in the persona's words: picked by further draws
            intent, text_draw, slot_draw = said, -1, -1
            if said == "accept_slot":
                slot_draw = len(draws)
                draws.append(n_slots)
            own = persona.texts.get(said)
            if own:
                texts, text_draw = own, len(draws)
                draws.append(len(own))
            else:
                texts = (_default(said, persona.language),)
        found = replies.answers[i] = Answer(
            intent, tuple(draws), text_draw, slot_draw, texts,
            remembered(persona, decided, asked, spoke),
        )  # fmt: skip
        return found


def _decided(
    d: Decisions, turn_intent: str | None, intent: str, n_slots: int, spoke: bool
) -> str | None:
    """What a steered patient says instead, when the persona itself would say `intent`
    (None: the persona's own reply stands)."""
    if turn_intent is None:  # picking up: decisions come later
        return "hello" if intent in DECIDING else None
    if d.opt_out == "hard" and not spoke:
        return "opt_out"
    if intent not in DECIDING:
        return None
    if turn_intent == "offer_slots":
        if d.opt_out == "soft":
            return "soft_opt_out"
        return "accept_slot" if d.accept and n_slots else "decline"
    if turn_intent == "ask_confirmation":
        return "confirm" if d.confirm else "cancel"
    if turn_intent == "check_symptoms":
        return "red_flag" if d.red_flag else "symptoms_ok"
    return "affirm"


_MEMORIES: dict[tuple[int, Decisions | None, Asked, bool], Memory] = {}
# first memories by persona and the decisions' fields (hashed faster than the Decisions)
_FIRST: dict[tuple[int, str | None, bool, bool, bool], Memory] = {}
assert [f.name for f in fields(Decisions)] == ["opt_out", "accept", "confirm", "red_flag"]


def remembered(persona: Persona, decisions: Decisions | None, asked: Asked, spoke: bool) -> Memory:
    """The memory of this content, shared by every call that reaches it."""
    key = (id(persona), decisions, asked, spoke)
    found = _MEMORIES.get(key)
    if found is None or found.persona is not persona:
        found = _MEMORIES[key] = Memory(persona, decisions, asked, spoke)
    return found


def first_memory(persona: Persona, decisions: Decisions | None) -> Memory:
    """What a patient remembers before the call: nothing (but its decisions, if steered)."""
    if decisions is None:
        return remembered(persona, None, (), False)
    d = decisions
    key = (id(persona), d.opt_out, d.accept, d.confirm, d.red_flag)
    found = _FIRST.get(key)
    if found is None or found.persona is not persona:
        found = _FIRST[key] = remembered(persona, decisions, (), False)
    return found


@lru_cache(maxsize=256)
def _default(intent: str, language: str) -> Text:
    """The default phrase, said as it is written (never filled in)."""
    return Text(default_text(intent, language), False)
