"""The words dentsim's tables, rules, engine and agents share: one place declares each of them.

Use cases, legal postures, channels, results, who answered, opt-out kinds and scopes, and the
outcomes of a contact: each as a `Literal` type (for annotations and schemas) and a tuple of its
values (for checks and loops; typed `tuple[str, ...]` so that code looping over several of them
stays simple). Every module imports them from here; docs/data.md and
docs/agents.md list the same values. The compliance audit keeps its own copy on purpose
(`sim/compliance/audit/vocabulary.py`), so that it stays independent of the code it checks; a
test pins the two equal.

Data only: no logic, no imports of the simulator (agents may import this module).
"""

from __future__ import annotations

from typing import Literal, get_args

# The five use cases, in the order the KPI tables list them.
UseCase = Literal["recall", "reactivation", "confirmation", "post_op", "treatment_plan"]
USE_CASES: tuple[str, ...] = get_args(UseCase)
# The use cases that book a visit (an offer of open slots).
BookingUseCase = Literal["recall", "reactivation", "treatment_plan"]
BOOKING_USE_CASES: tuple[str, ...] = get_args(BookingUseCase)

# The legal posture a use case is run under (docs/compliance.md), strictest first: prior express
# written consent (which also allows marketing content), a healthcare message to a number the
# patient gave, or one under the FCC's healthcare exemption (60 s calls, identification). A call
# serving several use cases is made under the strictest of their postures.
LegalPosture = Literal["written_consent", "healthcare_consent", "healthcare_exempt"]
LEGAL_POSTURES: tuple[str, ...] = get_args(LegalPosture)

Channel = Literal["voice", "sms"]
CHANNELS: tuple[str, ...] = get_args(Channel)

# attempts.result
VoiceResult = Literal["answered", "voicemail", "no_answer", "busy", "wrong_number", "failed"]
VOICE_RESULTS: tuple[str, ...] = get_args(VoiceResult)
SmsResult = Literal["delivered", "undelivered"]
SMS_RESULTS: tuple[str, ...] = get_args(SmsResult)
Result = Literal[VoiceResult, SmsResult]
RESULTS: tuple[str, ...] = get_args(Result)

# attempts.answered_by (empty when nobody answered) and the people a simulated call reaches.
AnsweredBy = Literal["patient", "household", "stranger", "machine"]
ANSWERED_BY: tuple[str, ...] = get_args(AnsweredBy)

# optouts.kind and optouts.scope
OptOutKind = Literal["hard", "soft"]
OPT_OUT_KINDS: tuple[str, ...] = get_args(OptOutKind)
OptOutScope = Literal["voice", "sms", "all"]
OPT_OUT_SCOPES: tuple[str, ...] = get_args(OptOutScope)

# How an answered call ended (dentsim.agents.protocol.CallResult.outcome and its per-purpose outcomes).
CallOutcome = Literal[
    "booked",
    "rescheduled",
    "confirmed",
    "cancelled",
    "declined",
    "checked_in",
    "opt_out",
    "soft_opt_out",
    "transfer",
    "callback_requested",
    "wrong_person",
    "message_left",
    "not_verified",
    "hung_up",
    "completed",
    "turn_limit",  # the agent did not end the call within dialogue.max_turns turns
    "agent_error",  # the agent raised, exited, or returned something that is not a turn
    "not_reached",  # per purpose only: the call ended before this purpose came up
]
CALL_OUTCOMES: tuple[str, ...] = get_args(CallOutcome)
# Outcomes of contacts where nobody talked with the agent.
ContactOutcome = Literal[
    "no_contact",  # nobody answered, or the line was busy or failed
    "message_clipped",  # a voicemail cut short by the answering machine
    "hung_up_on_silence",  # hung up during answering-machine detection
    "no_reply",  # a text without a reply
    "replied",  # a text the patient replied to
    "sent",  # the text confirming an opt-out
]
CONTACT_OUTCOMES: tuple[str, ...] = get_args(ContactOutcome)
# attempts.outcome (one per purpose, joined by "|")
Outcome = Literal[CallOutcome, ContactOutcome]
OUTCOMES: tuple[str, ...] = get_args(Outcome)
