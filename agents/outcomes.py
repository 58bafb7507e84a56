"""How a played call ends: its outcome and each purpose's, from what the agent did and what was said.

Shared by the turn-by-turn play (`dentsim.agents.dialogue`) and the compiled one
(`dentsim.agents.compiled`), so both give the same result record.
"""

from __future__ import annotations

from dentsim.agents.protocol import Action, CallResult, Turn
from dentsim.files import valid_unicode

# The outcome a call's actions give, strongest first.
ACTION_OUTCOMES = (
    ("opt_out", "opt_out"),
    ("soft_opt_out", "soft_opt_out"),
    ("transfer", "transfer"),
    ("reschedule", "rescheduled"),
    ("book", "booked"),
    ("confirm", "confirmed"),
    ("cancel", "cancelled"),
    ("callback", "callback_requested"),
    ("wrong_number", "wrong_person"),
    ("leave_message", "message_left"),
    ("check_in", "checked_in"),
    ("decline", "declined"),
)
ENDS_CALL = frozenset({"end_call", "transfer"})
_RANK = {kind: rank for rank, (kind, _) in enumerate(ACTION_OUTCOMES)}
_NONE = len(ACTION_OUTCOMES)
_PER_PURPOSE = frozenset({"reschedule", "book", "confirm", "cancel", "check_in", "decline"})
_PER_PURPOSE_OUTCOMES = frozenset(o for k, o in ACTION_OUTCOMES if k in _PER_PURPOSE)


def call_result(
    turns: list[Turn],
    actions: list[Action],
    t_s: float,
    pause_s: float,
    answered_by: str,
    verified: bool,
    hung_up: bool,
    error: str,
    purposes: tuple[str, ...],
) -> CallResult:
    """The record of a played call that ended at `t_s` (its last pause not counted)."""
    outcome = _outcome(actions, turns, error, hung_up, verified)
    return CallResult(
        outcome=outcome,
        turns=tuple(turns),
        actions=tuple(actions),
        duration_s=max(0.0, t_s - pause_s),
        answered_by=answered_by,
        identity_verified=verified,
        booked_slot_ids=tuple(
            a.slot_id for a in actions if a.slot_id and a.kind in ("book", "reschedule")
        ),
        purpose_outcomes=tuple((p, _purpose_outcome(p, actions, outcome)) for p in purposes),
        error=error,
    )


def _outcome(
    actions: list[Action], turns: list[Turn], error: str, hung_up: bool, verified: bool
) -> str:
    if error:
        return "turn_limit" if error.startswith("the agent did not end") else "agent_error"
    best = min([_RANK.get(a.kind, _NONE) for a in actions], default=_NONE)
    if best < _NONE:
        return ACTION_OUTCOMES[best][1]
    if hung_up:
        return "hung_up"
    if not verified and any(t.intent == "verify_fail" for t in turns if t.speaker == "patient"):
        return "not_verified"
    return "completed"


def _purpose_outcome(purpose: str, actions: list[Action], overall: str) -> str:
    """A purpose's own outcome when an action resolved it; else the call's, when that is not
    another purpose's (a call booked for recall did not book its treatment plan)."""
    best = min(
        [_RANK[a.kind] for a in actions if a.purpose == purpose and a.kind in _PER_PURPOSE],
        default=_NONE,
    )
    if best < _NONE:
        return ACTION_OUTCOMES[best][1]
    return "not_reached" if overall in _PER_PURPOSE_OUTCOMES else overall


def describe(error: BaseException, limit: int = 500) -> str:
    """'SystemExit: 3': an exception's type and message, whatever its __str__ does."""
    name = type(error).__name__
    try:
        message = str(error)
    except KeyboardInterrupt:
        raise
    except BaseException:  # noqa: BLE001 - a foreign exception's __str__ may itself fail
        return f"{name} (its message could not be read)"
    message = valid_unicode(message)
    if len(message) > limit:
        message = message[:limit] + "..."
    return f"{name}: {message}" if message else name
