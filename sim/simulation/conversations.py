"""The bridge to dialogue: an answered call played by the scenario's agent against a persona
(or decided without words), and what the agent did in it carried out in the practice.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING

from dentsim.agents.amd import AmdModel, load_amd_model
from dentsim.agents.dialogue import decided_call, play_call
from dentsim.agents.loading import load_agent
from dentsim.agents.patients import Decisions, SteeredPatient, make_patient, pick_persona
from dentsim.agents.persona_files import PersonaSet, load_personas
from dentsim.agents.protocol import (
    Agent,
    CallContext,
    CallResult,
    Patient,
    PatientTraits,
    PatientView,
    Slot,
)
from dentsim.domain import behaviour, campaigns
from dentsim.domain.campaigns import POST_OP
from dentsim.domain.pms import Appointment
from dentsim.scenario import DialogueConfig
from dentsim.simulation.planner import Touch
from dentsim.simulation.records import Placed
from dentsim.simulation.responses import after_message, opt_out, opt_out_choice, press, soft_opt_out

if TYPE_CHECKING:
    from dentsim.simulation.model import PracticeModel

NO_DECISIONS = Decisions()  # whoever answered is not the patient: nothing was decided


@dataclass(frozen=True, slots=True)
class Talk:
    """Who talks on answered calls, and how.

    Attributes:
        agent: the scenario's calling agent.
        personas: the simulated patients and household members who answer.
        amd: the answering-machine detection model.
        play: whether calls are played word by word (else an ideal agent's actions stand in).
        words_per_minute: speaking pace, for a played call's duration.
        max_turns: the agent's turns before a call ends in `turn_limit`.
        transcripts: whether played calls are kept as transcripts.
    """

    agent: Agent
    personas: PersonaSet
    amd: AmdModel
    play: bool
    words_per_minute: float
    max_turns: int
    transcripts: bool

    @classmethod
    @lru_cache(maxsize=8)  # agents are pure: one serves every practice of a process
    def of(cls, cfg: DialogueConfig) -> Talk:
        return cls(
            agent=load_agent(cfg.agent), personas=load_personas(), amd=load_amd_model(),
            play=cfg.play, words_per_minute=cfg.words_per_minute, max_turns=cfg.max_turns,
            transcripts=cfg.transcripts,
        )  # fmt: skip


@dataclass(slots=True)
class AgentFaults:
    """Calls the agent cut short (agent_error, turn_limit) among those it played, and the first.

    A run says so in its summary and in run.json's warnings: an agent that fails is recorded
    call by call, never allowed to end the run, and never passed over in silence.

    Attributes:
        played: calls the agent played.
        calls: calls it cut short.
        first_attempt_id: the attempt of the first call cut short (-1: none).
        first_error: why that call ended.
    """

    played: int = 0
    calls: int = 0
    first_attempt_id: int = -1
    first_error: str = ""

    def count(self, attempt_id: int, call: CallResult) -> None:
        self.played += 1
        if call.error:
            self.calls += 1
            if self.calls == 1:
                self.first_attempt_id, self.first_error = attempt_id, call.error

    def warnings(self) -> list[dict[str, object]]:
        if not self.calls:
            return []
        return [{
            "kind": "agent_errors",
            "calls": self.calls,
            "calls_played": self.played,
            "first": {"attempt_id": self.first_attempt_id, "error": self.first_error},
            "message": (
                f"{self.calls:,} of {self.played:,} calls the agent played ended in agent_error "
                f"or turn_limit; the first (attempt {self.first_attempt_id}): {self.first_error}"
            ),
        }]  # fmt: skip


def transcript(attempt_id: int, call: CallResult) -> dict[str, object]:
    """One line of transcripts.jsonl; each agent turn says whether identity was verified yet."""
    verified, asked, turns = False, False, []
    for turn in call.turns:
        turns.append({"speaker": turn.speaker, "intent": turn.intent, "text": turn.text,
                      "t_s": round(turn.t_s, 1), "verified": verified})  # fmt: skip
        asked = asked or turn.intent == "verify_identity"
        if (
            turn.speaker == "patient"
            and turn.intent == "verify_ok"
            and call.answered_by == "patient"
        ):
            verified = verified or asked
    line = {"attempt_id": attempt_id, "answered_by": call.answered_by, "outcome": call.outcome,
            "turns": turns}  # fmt: skip
    if call.error:  # why the agent's part ended early (agent_error, turn_limit)
        line["error"] = call.error
    return line


@lru_cache(maxsize=64)
def booking_purpose(purposes: tuple[str, ...]) -> str | None:
    """The purpose of a call that books a visit, if any (recall, reactivation, treatment plan)."""
    return next((u for u in purposes if u in campaigns.BOOKING), None)


def _last_said(call: CallResult) -> str:
    """What the patient said last in the call (the words of an opt-out)."""
    return next((t.text for t in reversed(call.turns) if t.speaker == "patient"), "")


@dataclass(frozen=True, slots=True)
class Offered:
    """A slot offered in a call, as the practice's book knows it.

    Attributes:
        use_case: the booking use case it was offered for.
        day: the slot's day.
        slot: the slot's index in that day's book.
    """

    use_case: str
    day: int
    slot: int


def converse(
    m: PracticeModel, touch: Touch, now: float, answered_by: str, placed: Placed
) -> list[str]:
    """The conversation: the scenario's agent against the persona of whoever answered; returns
    each item's outcome.

    The patient's decisions (opt out, take a slot, confirm, a red flag) come from their
    calibrated behaviour; what is *done* (booked, recorded, transferred) comes from the
    agent's actions in the dialogue. Without `dialogue.play`, an ideal agent's actions
    stand in for the words.
    """
    p = touch.patient
    f, b = m.facts, m.scenario.behaviour
    rng = m.draws.dialogue
    booking = booking_purpose(touch.purposes)
    decided = NO_DECISIONS
    if answered_by == "patient":
        press(m, touch, now, "answered")
        decided = Decisions(
            opt_out=opt_out_choice(m, p),
            accept=booking is not None and behaviour.accepts(rng, b, booking, f.responsiveness[p]),
            confirm=rng.random() < b.p_answer_confirmation_call_confirms,
            red_flag=m.draws.clinical.random() < m.scenario.clinical.p_red_flag,
        )  # fmt: skip
    slots: dict[str, Offered] = {}
    offered: tuple[Slot, ...] = ()
    talk = m.talk
    if (
        booking is not None
        and answered_by == "patient"
        and m.visits.still_wanted(p, booking)
        and (talk.play or decided.accept)  # an ideal agent offers only to takers
    ):
        kind = campaigns.BOOKING[booking]
        book = m.visits.book_of(kind)
        day = m.clock.local_day(m.practice.tz, now)
        for d, s in m.visits.offer(p, booking, day):
            slot_id = f"{kind}:{d}:{s}"
            slots[slot_id] = Offered(use_case=booking, day=d, slot=s)
            label = spoken_time(m, book.slot_time(d, s)) if talk.play else slot_id
            offered += (Slot(slot_id=slot_id, label=label),)
    appt = m.state.appointments.get(touch.appointment_id) if touch.appointment_id >= 0 else None
    if talk.play:
        call = _play(m, touch, answered_by, decided, offered, appt)
        attempt_id = m.recorder.next_id("attempts")  # the row this call is recorded as
        m.agent_faults.count(attempt_id, call)
        if talk.transcripts:
            m.recorder.transcripts.append(transcript(attempt_id, call))
    else:
        mean_s = m.scenario.telephony.answered_call_s / (1 if answered_by == "patient" else 3)
        duration = behaviour.call_duration_s(rng, mean_s)
        call = decided_call(decided, touch.purposes, offered, answered_by, duration, rng.random())
    placed.duration_s += int(call.duration_s)
    _act(m, call, touch, now, slots, appt, placed)
    by_purpose = dict(call.purpose_outcomes)
    return [by_purpose.get(i.use_case, call.outcome) for i in touch.items]


def _play(
    m: PracticeModel, touch: Touch, answered_by: str, decided: Decisions,
    offered: tuple[Slot, ...], appt: Appointment | None,
) -> CallResult:  # fmt: skip
    """Play the call word by word with the persona of whoever answered."""
    p = touch.patient
    f, b = m.facts, m.scenario.behaviour
    gen = m.draws.dialogue.gen
    language = f.language[p]
    booking = booking_purpose(touch.purposes)
    p_accept = b.p_accept.get(booking, 0.2) if booking else 0.2  # type: ignore[call-overload]
    p_book = p_accept * f.responsiveness[p] / b.responsiveness_mean
    traits = PatientTraits(
        responsiveness=f.responsiveness[p],
        fatigue=min(1.0, m.state.pressure[p] / (2.0 * f.annoyance_threshold[p])),
        p_book=min(0.99, max(0.01, p_book)),
        p_red_flag=min(0.99, max(0.01, m.scenario.clinical.p_red_flag)),
    )  # fmt: skip
    talk = m.talk
    persona = pick_persona(answered_by, language, gen, talk.personas)
    person: Patient = make_patient(persona, traits, talk.personas)
    if answered_by == "patient":
        person = SteeredPatient(person, decided)  # type: ignore[arg-type]
    context = CallContext(
        practice_name=m.practice.name, callback_number=m.practice.phone, purposes=touch.purposes,
        patient=PatientView(
            patient_id=str(f.patient_id[p]), first_name=f.first_name[p], last_name=f.last_name[p],
            date_of_birth=f.birth_date[p], language=language,
            appointment=spoken_time(m, appt.t) if appt is not None else "",
        ),
        offered_slots=offered, legal_posture=m.gate.posture(touch.purposes),
        max_duration_s=m.gate.max_call_s(touch),
    )  # fmt: skip
    return play_call(
        talk.agent,
        person,
        context,
        gen,
        talk.max_turns,
        talk.words_per_minute,
        words=talk.transcripts,  # words are built only where a transcript keeps them
    )


def _act(
    m: PracticeModel, call: CallResult, touch: Touch, now: float, slots: dict[str, Offered],
    appt: Appointment | None, placed: Placed,
) -> None:  # fmt: skip
    """Carry out what the agent did in the call: book, confirm, record, transfer."""
    p = touch.patient
    visits = m.visits
    for action in call.actions:
        kind = action.kind
        if kind == "book" and action.slot_id in slots:
            chosen = slots[action.slot_id]
            use_case = chosen.use_case
            if visits.still_wanted(p, use_case) and visits.book(
                p, campaigns.BOOKING[use_case], chosen.day, use_case, via="call", now=now,
                slot=(chosen.day, chosen.slot),
            ):  # fmt: skip
                campaigns.succeeded(m.state, use_case, p)
        elif kind in ("confirm", "cancel", "reschedule"):
            if appt is None or appt.status != "scheduled":
                continue
            if kind == "confirm":
                appt.confirmed_via = "voice"
            else:
                visits.cancel(appt)
                if kind == "reschedule":
                    moved = visits.book(
                        p, appt.kind, appt.day + 2, "reschedule", via="call", now=now
                    )
                    if moved is not None:
                        moved.confirmed_via = "voice"
        elif kind == "check_in":
            campaigns.succeeded(m.state, POST_OP, p)
        elif kind == "transfer" and action.target == "clinical":
            campaigns.succeeded(m.state, POST_OP, p)
            placed.transfers.append(p)
        elif kind == "opt_out":
            opt_out(m, p, now, "voice", "all", "spoken", _last_said(call))
        elif kind == "soft_opt_out":
            soft_opt_out(m, p, now, "voice", _last_said(call))
        elif kind == "wrong_number":
            for q in touch.patients:
                m.state.wrong_number[q] = True
        elif kind == "leave_message":
            after_message(m, touch, now, placed, "household")


def spoken_time(m: PracticeModel, t: float) -> str:
    """'Tuesday, April 14 at 9:30 am': a visit's time as the agent says it (cached per time,
    since the same open slots are offered to many patients)."""
    spoken = m.spoken_times.get(t)
    if spoken is None:
        local = m.clock.local_datetime(m.practice.tz, t)
        hour = local.hour % 12 or 12
        spoken = (
            f"{local:%A, %B} {local.day} at {hour}:{local:%M} {'am' if local.hour < 12 else 'pm'}"
        )
        m.spoken_times[t] = spoken
    return spoken
