"""Play one answered call between an agent and a simulated patient: turn by turn, or compiled
for the built-in agent against a built-in persona (`dentsim.agents.compiled`), alike.

Pure: the only randomness is the generator passed in; time is computed from the words
spoken at a speaking rate, never read from a clock.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from dentsim.agents.compiled import play_compiled
from dentsim.agents.outcomes import ENDS_CALL, call_result, describe
from dentsim.agents.protocol import (
    ACTION_KINDS,
    Action,
    Agent,
    AgentTurn,
    CallContext,
    CallResult,
    Decisions,
    Patient,
    Slot,
    Turn,
)
from dentsim.files import valid_unicode
from dentsim.vocabulary import BOOKING_USE_CASES

if TYPE_CHECKING:
    import numpy as np

_ACTION_KINDS = frozenset(ACTION_KINDS)


def play_call(
    agent: Agent,
    patient: Patient,
    context: CallContext,
    rng: np.random.Generator,
    max_turns: int = 30,
    words_per_minute: float = 150.0,
    pause_s: float = 0.6,
    words: bool = True,
) -> CallResult:
    """Alternate the patient's and the agent's turns until someone ends the call.

    The patient speaks first (picking up the phone). The call ends when the agent's turn
    carries `end_call` or `transfer`, when the patient hangs up, or after `max_turns` agent
    turns. An agent that raises or returns something other than an AgentTurn ends the call
    there, with `error` saying why. `context` gives the call's setting; its `turns`,
    `identity_verified` and `agent_state` are filled in as the call goes.

    The built-in scripted agent against a built-in persona is played compiled (see
    `dentsim.agents.compiled`): the same result, faster. With `words=False` a compiled call's
    turns keep their speakers, intents, times and actions but not their texts, except the
    patient's last (the words of an opt-out); any other call is played turn by turn.
    """
    compiled = play_compiled(
        agent, patient, context, rng, max_turns, words_per_minute, pause_s, words
    )
    if compiled is not None:
        return compiled
    return play_turns(agent, patient, context, rng, max_turns, words_per_minute, pause_s)


def play_turns(
    agent: Agent,
    patient: Patient,
    context: CallContext,
    rng: np.random.Generator,
    max_turns: int = 30,
    words_per_minute: float = 150.0,
    pause_s: float = 0.6,
) -> CallResult:
    """`play_call`, turn by turn: each agent's own cost, and the reference for compiled calls."""
    s_per_word = 60.0 / words_per_minute
    turns: list[Turn] = []
    actions: list[Action] = []
    verified = False
    error = ""
    patient_hung_up = False
    ended = False
    t_s = 0.0
    agent_state: object = None
    ctx = context

    utterance = patient.reply(ctx, None, rng)
    turns.append(Turn("patient", utterance.intent, utterance.text, t_s))
    t_s += _speech_s(utterance.text, s_per_word) + pause_s
    if utterance.intent == "hang_up":
        patient_hung_up = ended = True

    agent_turns = 0
    while not ended:
        if agent_turns >= max_turns:
            error = f"the agent did not end the call within {max_turns} turns"
            break
        ctx = CallContext(
            context.practice_name,
            context.callback_number,
            context.purposes,
            context.patient,
            context.offered_slots,
            context.legal_posture,
            context.max_duration_s,
            verified,
            tuple(turns),
            agent_state,
        )
        try:
            turn = agent.respond(ctx, utterance)
        except KeyboardInterrupt:  # the user stopping the harness, not the agent failing
            raise
        except BaseException as e:  # foreign code: SystemExit and GeneratorExit end its call only
            error = f"the agent raised {describe(e)}"
            break
        try:
            problem = _malformed(turn)
        except KeyboardInterrupt:
            raise
        except BaseException as e:  # noqa: BLE001 - e.g. a property of a subclass that raises
            problem = f"the agent's turn could not be read: {describe(e)}"
        if problem:
            error = problem
            break
        agent_turns += 1
        turns.append(
            Turn("agent", valid_unicode(turn.intent), valid_unicode(turn.text), t_s, turn.actions)
        )
        t_s += _speech_s(turn.text, s_per_word) + pause_s
        if turn.actions:
            actions.extend(turn.actions)
            if any(a.kind in ENDS_CALL for a in turn.actions):
                break
        agent_state = turn.state
        utterance = patient.reply(ctx, turn, rng)
        turns.append(Turn("patient", utterance.intent, utterance.text, t_s))
        t_s += _speech_s(utterance.text, s_per_word) + pause_s
        if utterance.intent == "hang_up":
            patient_hung_up = True
            break
        if (
            utterance.intent == "verify_ok"
            and turn.intent == "verify_identity"
            and patient.answered_by == "patient"
        ):
            verified = True

    return call_result(
        turns, actions, t_s, pause_s, patient.answered_by, verified, patient_hung_up, error,
        context.purposes,
    )  # fmt: skip


def _speech_s(text: str, s_per_word: float) -> float:
    if not text:
        return 0.0
    return (text.count(" ") + 1) * s_per_word


def _malformed(turn: object) -> str:
    """Why an agent's return value is not a usable AgentTurn, or "" when it is."""
    if not isinstance(turn, AgentTurn):
        return f"the agent returned {type(turn).__name__}, expected AgentTurn"
    if not isinstance(turn.text, str) or not isinstance(turn.intent, str):
        return "the agent's turn needs text and intent as str"
    if not isinstance(turn.actions, tuple) or not isinstance(turn.slots, tuple):
        return "the agent's turn needs actions and slots as tuples"
    for a in turn.actions:
        if not isinstance(a, Action):
            return f"the agent's turn has an action of type {type(a).__name__}, expected Action"
        if not isinstance(a.kind, str) or a.kind not in _ACTION_KINDS:
            return f"the agent's turn has an unknown action {a.kind!r}"
        for name in ("slot_id", "target", "purpose"):
            value = getattr(a, name)
            if value is not None and not isinstance(value, str):
                return f"the agent's '{a.kind}' action has a {name} of type {type(value).__name__}, expected str"
    for slot in turn.slots:
        if not isinstance(slot, Slot) or not isinstance(slot.slot_id, str):
            return f"the agent's turn proposes a slot of type {type(slot).__name__}, expected Slot"
    return ""


def decided_call(
    decisions: Decisions,
    purposes: tuple[str, ...],
    offered: tuple[Slot, ...],
    answered_by: str,
    duration_s: float,
    pick: float,
) -> CallResult:
    """A call's result without its words: what an ideal agent does with the patient's decisions.

    For runs that need outcomes, not transcripts (large sweeps and groups): the same actions
    a conforming agent records, so both paths book, confirm, transfer and opt out alike.
    `pick` in [0, 1) chooses among the offered slots.
    """
    actions: list[Action] = []
    outcomes: list[tuple[str, str]] = []
    if answered_by == "stranger":
        actions.append(Action("wrong_number"))
        outcomes = [(p, "wrong_person") for p in purposes]
    elif answered_by != "patient":
        actions.append(Action("leave_message"))
        outcomes = [(p, "message_left") for p in purposes]
    elif decisions.opt_out == "hard":
        actions.append(Action("opt_out"))
        outcomes = [(p, "opt_out") for p in purposes]
    else:
        booked = False
        for p in purposes:
            if p in BOOKING_USE_CASES:
                if decisions.opt_out == "soft":
                    outcome = "soft_opt_out"
                elif decisions.accept and offered and not booked:
                    slot = offered[int(pick * len(offered))]
                    actions.append(Action("book", slot.slot_id, None, p))
                    outcome, booked = "booked", True
                else:
                    outcome = "declined"
            elif p == "confirmation":
                outcome = "confirmed" if decisions.confirm else "cancelled"
                actions.append(Action("confirm" if decisions.confirm else "cancel", purpose=p))
            elif p == "post_op":
                outcome = "transfer" if decisions.red_flag else "checked_in"
                actions.append(
                    Action("transfer", target="clinical", purpose=p)
                    if decisions.red_flag
                    else Action("check_in", purpose=p)
                )
            else:
                outcome = "completed"
            outcomes.append((p, outcome))
        if decisions.opt_out == "soft":
            actions.append(Action("soft_opt_out"))
    overall = outcomes[0][1] if outcomes else "completed"
    booked_ids = tuple(a.slot_id for a in actions if a.kind == "book" and a.slot_id)
    return CallResult(
        overall, (), tuple(actions), duration_s, answered_by, answered_by == "patient", booked_ids,
        tuple(outcomes),
    )  # fmt: skip
