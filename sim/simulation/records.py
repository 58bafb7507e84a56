"""What passes between the engine and the practice model, as typed records: the model says
what a contact set in motion, the engine decides when it happens.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from dentsim.simulation.planner import Touch


@dataclass(frozen=True, slots=True)
class Deferred:
    """The gate refused a contact for now.

    Attributes:
        retry_at: when it may go (simulation seconds).
    """

    retry_at: float


@dataclass(frozen=True, slots=True)
class LaterText:
    """A text to send a little later (the one confirming an opt-out).

    Attributes:
        delay_s: seconds from now.
        touch: the text.
    """

    delay_s: float
    touch: Touch


@dataclass(frozen=True, slots=True)
class ReturnedCall:
    """A patient will return a message: they call the practice back.

    Attributes:
        delay_s: seconds from the end of the contact.
        patient: the patient (row index).
        use_cases: what the message was about.
    """

    delay_s: float
    patient: int
    use_cases: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class TextReply:
    """A patient will reply to a text.

    Attributes:
        delay_s: seconds from the text.
        patient: the patient (row index).
        kind: `confirm`, `cancel`, `reschedule`, `stop` or `later`.
        appointment_id: the visit a confirmation text was about, or -1.
    """

    delay_s: float
    patient: int
    kind: str
    appointment_id: int


@dataclass(slots=True)
class Placed:
    """What a placed contact (or a reply, or a returned call) set in motion; the model fills
    it in as the contact unfolds.

    Attributes:
        duration_s: seconds the contact holds a line (0 for a text).
        texts: texts to send later.
        callbacks: patients who will return a message.
        replies: text replies on their way.
        transfers: patients (row indices) with a red flag, for a warm transfer to clinical staff.
    """

    duration_s: int = 0
    texts: list[LaterText] = field(default_factory=list)
    callbacks: list[ReturnedCall] = field(default_factory=list)
    replies: list[TextReply] = field(default_factory=list)
    transfers: list[int] = field(default_factory=list)

    def follows(self) -> bool:
        """Whether anything follows: a text, a returned call, a reply or a transfer."""
        return bool(self.texts or self.callbacks or self.replies or self.transfers)
