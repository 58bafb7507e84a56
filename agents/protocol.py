"""The dialogue protocol: the records an agent and a simulated patient exchange, and their interfaces.

Everything here is plain data (frozen slotted dataclasses) so that a call can be replayed,
compared and written out; nothing imports the simulation engine.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal, Protocol, get_args, runtime_checkable

# The words the engine and the agents share (use cases, legal postures, who answered, outcomes)
# come from one module; they are re-exported here for agent authors.
from dentsim.vocabulary import ANSWERED_BY as ANSWERED_BY
from dentsim.vocabulary import CALL_OUTCOMES as CALL_OUTCOMES
from dentsim.vocabulary import LEGAL_POSTURES as LEGAL_POSTURES
from dentsim.vocabulary import USE_CASES as USE_CASES

if TYPE_CHECKING:
    import numpy as np

# The languages a call can be held in: patient records, scripts, personas and phrases use these.
Language = Literal["en", "es"]
LANGUAGES: tuple[str, ...] = get_args(Language)

# What the patient side says, as the simulator knows it (ground truth). `other` is an
# utterance the agent must understand from its text alone, like a real speech transcript.
PATIENT_INTENTS = (
    "hello",  # picks up the phone
    "is_me",  # "yes, speaking"
    "not_me",  # a household member: "she's not in, I'm her husband"
    "take_message",  # a household member offers to pass a message on
    "ask_purpose",  # "what is this about?"
    "wrong_number",  # a stranger: "nobody by that name here"
    "verify_ok",  # gives a name and date of birth that match the record
    "verify_fail",  # cannot or will not, or gives ones that do not match
    "who_is_this",
    "accept_slot",  # takes one of the slots just proposed (see Utterance.slot_id)
    "other_time",  # none of those times work
    "decline",
    "affirm",  # yes
    "deny",  # no
    "confirm",  # keeps the appointment
    "cancel",  # cancels the appointment
    "reschedule",
    "ask_cost",
    "ask_insurance",
    "symptoms_ok",
    "symptoms_minor",  # soreness that is expected after the procedure
    "red_flag",  # heavy bleeding, fever, swelling getting worse, severe pain
    "opt_out",  # revokes consent: stop calling
    "soft_opt_out",  # "I'll call you when I'm ready"
    "callback_later",  # busy now, call again later
    "repeat",  # "sorry, what was that?"
    "prefer_spanish",
    "machine_greeting",  # an answering machine's greeting
    "silence",
    "hang_up",
    "other",
)

# What the agent is doing in a turn; a simulated patient reacts to this.
AGENT_INTENTS = (
    "opening",  # names the practice, discloses the AI, asks for the patient
    "ask_for_patient",
    "identify_caller",
    "verify_identity",
    "offer_slots",
    "confirm_booking",
    "ask_confirmation",
    "ask_reschedule",
    "check_symptoms",
    "give_advice",
    "offer_human",
    "clarify",
    "repeat",
    "switch_language",
    "acknowledge_opt_out",
    "acknowledge_soft_opt_out",
    "transfer",
    "callback",
    "leave_message",
    "apologize",
    "goodbye",
    "wrap_up",
    "inform",
    "other",
)

# What an agent may do besides speaking. A transfer or end_call ends the AI's part of the call.
ACTION_KINDS = (
    "book",  # slot_id: a new appointment in an offered slot
    "reschedule",  # slot_id: moves the existing appointment to an offered slot
    "confirm",
    "cancel",
    "decline",  # records that the patient declined this purpose
    "check_in",  # records a post-op check-in without concerns
    "opt_out",  # records a revocation of consent (hard opt-out)
    "soft_opt_out",  # records "I'll call when I'm ready" (pauses the cadence)
    "transfer",  # target: "clinical" or "front_desk"
    "callback",  # asks the office to call back
    "leave_message",  # a minimal message with a household member or a machine
    "wrong_number",  # marks the number as not the patient's
    "end_call",
)

TRANSFER_TARGETS = ("clinical", "front_desk")


@dataclass(frozen=True, slots=True)
class Slot:
    """An open appointment time the book offers: an id the engine understands and a spoken label."""

    slot_id: str
    label: str  # e.g. "Tuesday, April 14 at 9:30 am"


@dataclass(frozen=True, slots=True)
class PatientView:
    """The patient fields an agent may see. `procedure` and `date_of_birth` are protected."""

    patient_id: str
    first_name: str
    last_name: str
    date_of_birth: str  # ISO date, for verification only; never to be spoken
    language: str = "en"  # "en" | "es", from the patient record
    procedure: str = ""  # the recent or planned procedure, e.g. "wisdom tooth extraction"
    appointment: str = ""  # spoken label of the booked visit (confirmation calls)
    provider: str = ""  # e.g. "Dr. Patel"


@dataclass(frozen=True, slots=True)
class Utterance:
    """What the patient side said: its intent (ground truth), its text, and a chosen slot."""

    intent: str
    text: str
    slot_id: str | None = None  # with accept_slot: which proposed slot


@dataclass(frozen=True, slots=True)
class Action:
    """Something the agent does: book, record an opt-out, transfer, end the call..."""

    kind: str  # one of ACTION_KINDS
    slot_id: str | None = None  # book, reschedule
    target: str | None = None  # transfer: "clinical" | "front_desk"
    purpose: str | None = None  # the use case the action resolves, when it is about one


@dataclass(frozen=True, slots=True)
class AgentTurn:
    """The agent's turn: what it says, what it is doing, the slots it proposes, its actions.

    `state` is the agent's own note to itself: the harness hands it back in the next
    CallContext (as `agent_state`) and otherwise ignores it, so an agent can stay a pure
    function of its inputs.
    """

    text: str
    intent: str
    actions: tuple[Action, ...] = ()
    slots: tuple[Slot, ...] = ()  # the slots proposed in this turn, in the order spoken
    state: object = None


@dataclass(frozen=True, slots=True)
class Turn:
    """One line of the transcript."""

    speaker: str  # "agent" | "patient"
    intent: str
    text: str
    t_s: float  # offset from the moment the call was answered, seconds
    actions: tuple[Action, ...] = ()


@dataclass(frozen=True, slots=True)
class CallContext:
    """Everything an agent knows when it takes its turn."""

    practice_name: str
    callback_number: str
    purposes: tuple[str, ...]  # use cases of this call, e.g. ("recall", "treatment_plan")
    patient: PatientView
    offered_slots: tuple[Slot, ...]  # the open slots the book offers for this call
    legal_posture: str = "healthcare_consent"  # one of LEGAL_POSTURES
    max_duration_s: float | None = None  # a limit the legal posture sets, if any
    identity_verified: bool = False  # set by the harness: the patient passed verification
    turns: tuple[Turn, ...] = ()  # the transcript so far
    agent_state: object = None  # the `state` of the agent's previous turn


@dataclass(frozen=True, slots=True)
class CallResult:
    """How a call went: its outcome, transcript, actions and duration."""

    outcome: str  # one of CALL_OUTCOMES
    turns: tuple[Turn, ...]
    actions: tuple[Action, ...]
    duration_s: float
    answered_by: str
    identity_verified: bool
    booked_slot_ids: tuple[str, ...]
    purpose_outcomes: tuple[tuple[str, str], ...]  # (use case, outcome) per purpose of the call
    error: str = ""  # why the call was cut short by the agent's fault, "" when it behaved


@dataclass(frozen=True, slots=True)
class PatientTraits:
    """Per-patient traits the engine fills; personas tilt their reply probabilities by them.

    At the reference values (the defaults) a persona replies with its own base weights.
    `p_book` and `p_red_flag` act on odds: for a persona whose base probability of accepting
    an offered slot equals 0.2, the probability becomes `p_book` (to within the 0.1 log-odds rounding
    that lets calls share reply tables).
    """

    responsiveness: float = 0.5  # [0, 1]: how readily the patient engages
    fatigue: float = 0.0  # [0, 1]: recent-contact pressure (calls and texts lately)
    p_book: float = 0.2  # (0, 1): base propensity to take an offered slot
    p_red_flag: float = 0.03  # (0, 1): propensity to report a red-flag symptom after surgery

    def __post_init__(self) -> None:
        for name in ("responsiveness", "fatigue"):
            value = getattr(self, name)
            if not 0.0 <= value <= 1.0:
                raise ValueError(f"PatientTraits.{name} must be in [0, 1], got {value}")
        for name in ("p_book", "p_red_flag"):
            value = getattr(self, name)
            if not 0.0 < value < 1.0:
                raise ValueError(f"PatientTraits.{name} must be in (0, 1), got {value}")


@runtime_checkable
class Agent(Protocol):
    """An outbound-calling agent: context and the patient's last utterance in, its turn out."""

    def respond(self, context: CallContext, utterance: Utterance) -> AgentTurn: ...


@runtime_checkable
class Patient(Protocol):
    """The simulated person who answered. One object serves one call (it may keep state)."""

    answered_by: str  # one of ANSWERED_BY

    def reply(
        self, context: CallContext, turn: AgentTurn | None, rng: np.random.Generator
    ) -> Utterance:
        """The reply to the agent's `turn`; `turn` is None when the phone has just been answered."""
        ...


@dataclass(frozen=True, slots=True)
class Decisions:
    """What a patient has decided before the call, from their calibrated behaviour.

    The simulation decides these (opt-out hazards from fatigue, acceptance from traits); the
    persona says them in its own words and leaves every other reply to its character.
    """

    opt_out: str | None = None  # "hard" | "soft" | None
    accept: bool = False  # takes an offered slot
    confirm: bool = True  # keeps the appointment
    red_flag: bool = False  # reports a red-flag symptom after a procedure
