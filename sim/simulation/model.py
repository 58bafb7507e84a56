"""One practice's world, and what happens when a contact is placed, answered or returned.

Everything here is plain Python over the domain modules (telephony, behaviour, book,
campaigns, gate); `sim/simulation/engine.py` only decides *when* these methods run.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np

from dentsim import streams
from dentsim.agents.amd import AmdModel, detect, load_amd_model
from dentsim.agents.dialogue import decided_call, play_call
from dentsim.agents.loading import load_agent
from dentsim.agents.patients import (
    Decisions,
    PersonaSet,
    SteeredPatient,
    load_personas,
    make_patient,
    pick_persona,
)
from dentsim.agents.protocol import (
    Agent,
    CallContext,
    CallResult,
    Patient,
    PatientTraits,
    PatientView,
    Slot,
)
from dentsim.agents.voicemail import render_optout_confirmation, render_sms, render_voicemail
from dentsim.compliance.gate import Gate
from dentsim.compliance.rules import load_rules
from dentsim.domain import behaviour, campaigns, telephony
from dentsim.domain.behaviour import Traits
from dentsim.domain.book import Book
from dentsim.domain.calendar import DAY_S, Clock
from dentsim.domain.campaigns import CONFIRMATION, POST_OP, REACTIVATION, RECALL, TREATMENT_PLAN
from dentsim.domain.pms import Appointment, PracticeState
from dentsim.domain.population import Patients, Practice
from dentsim.scenario import BOOK_DAYS_AFTER_END, WEEKDAYS, DialogueConfig, Scenario, minutes_of
from dentsim.simulation.eventlog import Recorder
from dentsim.simulation.planner import Item, Planner, Touch, touch

OFF_HOURS_H = 3  # a call this many hours from the patient's best hour counts as off-hours
OPTOUT_CONFIRMATION = "optout_confirmation"
# refusals that will not change by tomorrow: the cadence is given up instead of retried daily
NEVER_PERMITTED = frozenset(
    {"internal_dnc", "wrong_number", "opt_out", "consent_required", "sms_text_allowed"}
)
OPTOUT_CONFIRMATION_DELAY_S = 30.0  # the one text confirming an SMS opt-out goes within seconds


@dataclass(frozen=True, slots=True)
class Deferred:
    """The gate refused a contact for now; it may go at `retry_at` (simulation seconds)."""

    retry_at: float


@dataclass(slots=True)
class Placed:
    """What a placed contact (or a reply, or a visit) set in motion."""

    duration_s: int = 0
    texts: list[tuple[float, Touch]] = field(default_factory=list)  # delay, a text to send
    callbacks: list[tuple[float, int, tuple[str, ...]]] = field(default_factory=list)
    replies: list[tuple[float, int, str, int]] = field(
        default_factory=list
    )  # delay, patient, kind, appt
    transfers: list[int] = field(default_factory=list)

    def follows(self) -> bool:
        """Whether anything follows: a text, a returned call, a reply or a transfer."""
        return bool(self.texts or self.callbacks or self.replies or self.transfers)


@dataclass(frozen=True, slots=True)
class Facts:
    """Per-patient facts the hot path reads, as Python lists (numpy scalar access is slow)."""

    patient_id: list[int]
    home_zone: list[str]
    phone_shared: list[bool]
    wireless: list[bool]
    no_voicemail: list[bool]
    best_hour: list[int]
    answer_propensity: list[float]
    responsiveness: list[float]
    annoyance_threshold: list[float]
    trust_known_caller: list[float]
    prefers_sms: list[bool]
    first_name: list[str]  # what an agent may see: PatientView
    last_name: list[str]
    birth_date: list[str]  # ISO dates
    language: list[str]

    @classmethod
    def of(cls, patients: Patients, traits: Traits) -> Facts:
        return cls(
            patients.patient_id.tolist(), patients.tz_address.tolist(), patients.phone_shared.tolist(),
            (patients.phone_type == "wireless").tolist(), patients.no_voicemail.tolist(),
            traits.best_hour.tolist(), traits.answer_propensity.tolist(), traits.responsiveness.tolist(),
            traits.annoyance_threshold.tolist(), traits.trust_known_caller.tolist(),
            traits.prefers_sms.tolist(), patients.first_name.tolist(), patients.last_name.tolist(),
            [str(d) for d in patients.birth_date], patients.language.tolist(),
        )  # fmt: skip


@dataclass(frozen=True, slots=True)
class Talk:
    """Who talks on answered calls: the scenario's agent, the personas, the AMD model."""

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
            load_agent(cfg.agent), load_personas(), load_amd_model(), cfg.play, cfg.words_per_minute,
            cfg.max_turns, cfg.transcripts,
        )  # fmt: skip


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


@dataclass(slots=True)
class AgentFaults:
    """Calls the agent cut short (agent_error, turn_limit) among those it played, and the first.

    A run says so in its summary and in run.json's warnings: an agent that fails is recorded
    call by call, never allowed to end the run, and never passed over in silence.
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


NO_DECISIONS = Decisions()  # whoever answered is not the patient: nothing was decided


@lru_cache(maxsize=64)
def _booking_purpose(purposes: tuple[str, ...]) -> str | None:
    """The purpose of a call that books a visit, if any (recall, reactivation, treatment plan)."""
    return next((u for u in purposes if u in campaigns.BOOKING), None)


def _last_said(call: CallResult) -> str:
    """What the patient said last in the call (the words of an opt-out)."""
    return next((t.text for t in reversed(call.turns) if t.speaker == "patient"), "")


@dataclass(slots=True)
class PracticeModel:
    scenario: Scenario
    practice_index: int
    clock: Clock
    practice: Practice
    patients: Patients
    traits: Traits
    state: PracticeState
    books: dict[str, Book]
    planner: Planner
    recorder: Recorder
    curve: telephony.AnswerCurve
    zones: list[tuple[str, ...]]
    rng_telephony: streams.Draws
    rng_dialogue: streams.Draws
    rng_book: streams.Draws
    rng_clinical: streams.Draws
    facts: Facts
    gate: Gate
    talk: Talk
    agent_faults: AgentFaults = field(default_factory=AgentFaults)
    spoken_times: dict[float, str] = field(default_factory=dict)
    voicemails: dict[tuple[str, ...], str] = field(default_factory=dict)

    @classmethod
    def build(
        cls, scenario: Scenario, practice: Practice, patients: Patients, practice_index: int
    ) -> PracticeModel:
        seed, n = scenario.seed, len(patients)
        clock = Clock(scenario.start_date)
        trait_rng = streams.stream(seed, streams.TRAITS, practice_index)
        traits = Traits.draw(scenario.behaviour, n, trait_rng)
        number_reassigned = trait_rng.random(n) < scenario.population.share_reassigned_numbers
        state = PracticeState.from_patients(patients, number_reassigned)
        zones = patients.zones
        horizon = scenario.days + BOOK_DAYS_AFTER_END
        treatment = scenario.practice.model_copy(
            update={
                "hygiene_chairs": scenario.practice.providers,
                "hygiene_visit_minutes": scenario.clinical.treatment_visit_minutes,
            }
        )
        books = {
            "hygiene": Book(scenario.practice, clock, practice.tz, horizon),
            "treatment": Book(treatment, clock, practice.tz, horizon),
        }
        planner = Planner(
            scenario,
            clock,
            patients,
            zones,
            traits,
            streams.draws(seed, "planner", practice_index),
        )
        return cls(
            scenario, practice_index, clock, practice, patients, traits, state, books, planner,
            Recorder(clock.unix_seconds(0), id_base=practice_index * 100_000_000),
            telephony.AnswerCurve.from_config(scenario.telephony), zones,
            streams.draws(seed, streams.TELEPHONY, practice_index),
            streams.draws(seed, streams.DIALOGUE, practice_index),
            streams.draws(seed, streams.BOOK, practice_index),
            streams.draws(seed, "clinical", practice_index),
            Facts.of(patients, traits),
            Gate(load_rules(scenario.rules_file), clock, scenario, patients, practice),
            Talk.of(scenario.dialogue),
        )  # fmt: skip

    # --- the PMS as it stands at the start ---------------------------------------------------
    def initial_visits(self) -> None:
        """Book the visits booked before the run; note accepted plans still to be scheduled."""
        for patient in np.flatnonzero(self.patients.prebooked_day >= 0).tolist():
            self._book(patient, "hygiene", int(self.patients.prebooked_day[patient]), "prebooked")
        clinical = self.scenario.clinical
        rng = streams.stream(self.scenario.seed, streams.POPULATION + ".plans", self.practice_index)
        has_plan = rng.random(self.state.n) < clinical.share_unscheduled_plans_at_start
        self.state.plan_value[has_plan] = self._plan_values(rng, int(has_plan.sum()))
        self.state.plan_day[has_plan] = -rng.integers(1, 90, int(has_plan.sum()))

    def _plan_values(self, rng: np.random.Generator, n: int) -> np.ndarray:
        """Accepted plans' values in US$: log-normal around the scenario's median."""
        c = self.scenario.clinical
        return np.round(c.plan_value_median * np.exp(rng.normal(0, c.plan_value_sigma, n)), 2)

    def self_bookings(self, day: int) -> None:
        """Patients due or overdue who call the practice on their own today (no outreach)."""
        s = self.state
        p_month = self.scenario.behaviour.p_self_book_per_month
        p_day = 1.0 - (1.0 - p_month) ** (1.0 / 30.0)
        due = s.active & (s.hygiene_appt < 0) & (s.recall_due_day <= day)
        draws = self.rng_book.gen.random(s.n)
        for patient in np.flatnonzero(due & (draws < p_day)).tolist():
            lapsed = (
                day - s.last_visit_day[patient]
                > self.scenario.campaigns.reactivation.last_seen_months.min * 30.4375
            )
            lead_days = self.rng_book.integers(3, 22)  # patients book one to three weeks out
            appt = self._book(
                patient, "reactivation" if lapsed else "hygiene", day + lead_days, "self"
            )
            if appt is not None:
                for use_case in (RECALL, REACTIVATION):
                    campaigns.succeeded(self.state, use_case, patient)

    # --- a contact ---------------------------------------------------------------------------
    def place(self, touch: Touch, now: float) -> Placed | Deferred | None:
        """Place `touch` now. None when it is no longer needed or the gate drops it;
        `Deferred` when the gate allows it later today."""
        episodes = self.state.episodes
        for i in touch.items:
            if i.use_case in episodes:
                episodes[i.use_case].pending[i.patient] = False
        if touch.appointment_id >= 0:
            appt = self.state.appointments.get(touch.appointment_id)
            if appt is None or appt.status != "scheduled" or appt.confirmed_via:
                return None  # the visit was confirmed, cancelled or moved meanwhile
        refused = self.gate.check(touch, now, self.state)
        if refused is not None:
            self._defer(touch, now, refused.rule_id, refused.retry_at)
            if refused.rule_id in NEVER_PERMITTED:
                for i in touch.items:
                    campaigns.given_up(
                        self.state, self.scenario.campaigns, i.use_case, i.patient, touch.day
                    )
            return None if refused.retry_at is None else Deferred(refused.retry_at)
        if touch.channel == "sms":
            message = render_sms(self.practice.name, self.practice.phone, touch.purposes)
            if touch.purposes == (OPTOUT_CONFIRMATION,):
                message = render_optout_confirmation(self.practice.name)
            withheld = self.gate.message(touch, message)
            if withheld is not None:
                self._defer(touch, now, withheld, None)
                return None
        self.gate.record(touch, now)
        day = touch.day
        if len(touch.items) == 1:
            self.state.note_contact(touch.patient, touch.purposes, day)
        else:
            for p in touch.patients:
                self.state.note_contact(
                    p, tuple(i.use_case for i in touch.items if i.patient == p), day
                )
        for i in touch.items:
            campaigns.touch_placed(self.state, self.scenario.campaigns, i.use_case, i.patient, day)
        if touch.channel == "voice":
            return self._call(touch, now)
        return self._text(touch, now, message)

    def _call(self, touch: Touch, now: float) -> Placed:
        cfg = self.scenario.telephony
        patient = touch.patient
        f = self.facts
        local = self.clock.local_seconds(f.home_zone[patient], now)
        hour = int(local % DAY_S) // 3600
        known = cfg.caller_id == "practice_main"
        p_person = self.curve.p_person(
            hour, self.clock.weekday(int(local // DAY_S)), known, f.trust_known_caller[patient]
        )
        p_person = min(
            1.0,
            p_person
            * behaviour.answer_multiplier(
                f.answer_propensity[patient],
                f.best_hour[patient],
                hour,
                self.scenario.behaviour.best_hour_boost,
            ),
        )
        dial = telephony.dial(
            self.rng_telephony,
            cfg,
            p_person,
            f.phone_shared[patient],
            self.state.number_reassigned[patient],
        )
        placed = Placed(duration_s=dial.ring_s)
        result, message, outcomes = dial.result, "", ["no_contact"] * len(touch.items)
        answered_by = dial.answered_by
        gen = self.rng_dialogue.gen
        if dial.result == "machine":
            amd = detect(self.talk.amd, True, gen)
            placed.duration_s += int(
                amd.message_delay_s if amd.verdict == "machine" else amd.delay_s
            )
            message = self.voicemails.get(touch.purposes) or self._voicemail(touch.purposes)
            withheld = self.gate.message(touch, message) if self._leave_voicemail(touch) else "no"
            if withheld is None and amd.voicemail in ("delivered", "clipped"):
                result = "voicemail"
                placed.duration_s += cfg.voicemail_s
                outcomes = [
                    "message_left" if amd.voicemail == "delivered" else "message_clipped"
                ] * len(touch.items)
                self._after_message(touch, now, placed, "voicemail")
            else:
                message = ""
                result = "no_answer"
                self._press(touch, now, "no_answer")
                if withheld not in (None, "no"):
                    self._defer(touch, now, withheld, None, action="message_withheld")
        elif dial.result in ("answered", "wrong_number"):
            amd = detect(self.talk.amd, False, gen)
            placed.duration_s += int(amd.delay_s)
            if amd.person_hung_up:
                outcomes = ["hung_up_on_silence"] * len(touch.items)  # during machine detection
                self._press(touch, now, "no_answer")
            else:
                outcomes = self._dialogue(touch, now, answered_by, placed)
            if dial.result == "wrong_number":  # the call's disposition marks the number in the PMS
                for p in touch.patients:
                    self.state.wrong_number[p] = True
        else:
            self._press(touch, now, "no_answer")
        limit = self.gate.max_call_s(touch)
        if limit is not None:  # the agent wraps up within the exemption's limit
            placed.duration_s = min(placed.duration_s, limit)
        self._attempt(
            touch, now, "voice", result, answered_by, placed.duration_s, message, outcomes
        )
        return placed

    def _dialogue(self, touch: Touch, now: float, answered_by: str, placed: Placed) -> list[str]:
        """The conversation: the scenario's agent against the persona of whoever answered.

        The patient's decisions (opt out, take a slot, confirm, a red flag) come from their
        calibrated behaviour; what is *done* (booked, recorded, transferred) comes from the
        agent's actions in the dialogue. Without `dialogue.play`, an ideal agent's actions
        stand in for the words.
        """
        p = touch.patient
        f, b = self.facts, self.scenario.behaviour
        booking = _booking_purpose(touch.purposes)
        decided = NO_DECISIONS
        if answered_by == "patient":
            self._press(touch, now, "answered")
            decided = Decisions(
                opt_out=self._opt_out_choice(p),
                accept=booking is not None and behaviour.accepts(self.rng_dialogue, b, booking, f.responsiveness[p]),
                confirm=self.rng_dialogue.random() < b.p_answer_confirmation_call_confirms,
                red_flag=self.rng_clinical.random() < self.scenario.clinical.p_red_flag,
            )  # fmt: skip
        slots: dict[str, tuple[str, int, int]] = {}
        offered: tuple[Slot, ...] = ()
        wanted = booking is not None and answered_by == "patient" and self._still_wanted(p, booking)
        if wanted and (self.talk.play or decided.accept):  # an ideal agent offers only to takers
            kind = campaigns.BOOKING[booking]  # type: ignore[index]
            book = self.books["treatment" if kind == "treatment" else "hygiene"]
            day = self.clock.local_day(self.practice.tz, now)
            for d, s in self._offer(p, booking, day):  # type: ignore[arg-type]
                slot_id = f"{kind}:{d}:{s}"
                slots[slot_id] = (booking, d, s)  # type: ignore[assignment]
                label = self._spoken_time(book.slot_time(d, s)) if self.talk.play else slot_id
                offered += (Slot(slot_id, label),)
        appt = (
            self.state.appointments.get(touch.appointment_id) if touch.appointment_id >= 0 else None
        )
        if self.talk.play:
            call = self._play(touch, answered_by, decided, offered, appt)
            attempt_id = self.recorder.next_id("attempts")  # the row this call is recorded as
            self.agent_faults.count(attempt_id, call)
            if self.talk.transcripts:
                self.recorder.transcripts.append(transcript(attempt_id, call))
        else:
            mean_s = self.scenario.telephony.answered_call_s / (
                1 if answered_by == "patient" else 3
            )
            duration = behaviour.call_duration_s(self.rng_dialogue, mean_s)
            call = decided_call(
                decided, touch.purposes, offered, answered_by, duration, self.rng_dialogue.random()
            )
        placed.duration_s += int(call.duration_s)
        self._act(call, touch, now, slots, appt, placed)
        by_purpose = dict(call.purpose_outcomes)
        return [by_purpose.get(i.use_case, call.outcome) for i in touch.items]

    def _play(
        self, touch: Touch, answered_by: str, decided: Decisions, offered: tuple[Slot, ...],
        appt: Appointment | None,
    ) -> CallResult:  # fmt: skip
        """Play the call word by word with the persona of whoever answered."""
        p = touch.patient
        f, b = self.facts, self.scenario.behaviour
        gen = self.rng_dialogue.gen
        language = f.language[p]
        booking = _booking_purpose(touch.purposes)
        p_accept = b.p_accept.get(booking, 0.2) if booking else 0.2  # type: ignore[call-overload]
        p_book = p_accept * f.responsiveness[p] / b.responsiveness_mean
        traits = PatientTraits(
            responsiveness=f.responsiveness[p],
            fatigue=min(1.0, self.state.pressure[p] / (2.0 * f.annoyance_threshold[p])),
            p_book=min(0.99, max(0.01, p_book)),
            p_red_flag=min(0.99, max(0.01, self.scenario.clinical.p_red_flag)),
        )  # fmt: skip
        persona = pick_persona(answered_by, language, gen, self.talk.personas)
        person: Patient = make_patient(persona, traits, self.talk.personas)
        if answered_by == "patient":
            person = SteeredPatient(person, decided)  # type: ignore[arg-type]
        context = CallContext(
            self.practice.name, self.practice.phone, touch.purposes,
            PatientView(
                str(f.patient_id[p]), f.first_name[p], f.last_name[p], f.birth_date[p], language,
                appointment=self._spoken_time(appt.t) if appt is not None else "",
            ),
            offered, self.gate.posture(touch.purposes), self.gate.max_call_s(touch),
        )  # fmt: skip
        return play_call(
            self.talk.agent, person, context, gen, self.talk.max_turns, self.talk.words_per_minute
        )

    def _act(
        self, call: CallResult, touch: Touch, now: float, slots: dict[str, tuple[str, int, int]],
        appt: Appointment | None, placed: Placed,
    ) -> None:  # fmt: skip
        """Carry out what the agent did in the call: book, confirm, record, transfer."""
        p = touch.patient
        for action in call.actions:
            kind = action.kind
            if kind == "book" and action.slot_id in slots:
                use_case, d, s = slots[action.slot_id]
                if self._still_wanted(p, use_case) and self._book(
                    p, campaigns.BOOKING[use_case], d, use_case, via="call", now=now, slot=(d, s)
                ):
                    campaigns.succeeded(self.state, use_case, p)
            elif kind == "confirm" and appt is not None and appt.status == "scheduled":
                appt.confirmed_via = "voice"
            elif kind == "cancel" and appt is not None and appt.status == "scheduled":
                self._cancel(appt)
            elif kind == "reschedule" and appt is not None and appt.status == "scheduled":
                self._cancel(appt)
                moved = self._book(p, appt.kind, appt.day + 2, "reschedule", via="call", now=now)
                if moved is not None:
                    moved.confirmed_via = "voice"
            elif kind == "check_in":
                campaigns.succeeded(self.state, POST_OP, p)
            elif kind == "transfer" and action.target == "clinical":
                campaigns.succeeded(self.state, POST_OP, p)
                placed.transfers.append(p)
            elif kind == "opt_out":
                self._opt_out(p, now, "voice", "all", "spoken", _last_said(call))
            elif kind == "soft_opt_out":
                self._soft_opt_out(p, now, "voice", _last_said(call))
            elif kind == "wrong_number":
                for q in touch.patients:
                    self.state.wrong_number[q] = True
            elif kind == "leave_message":
                self._after_message(touch, now, placed, "household")

    def _offer(self, patient: int, use_case: str, day: int) -> list[tuple[int, int]]:
        """The open slots the agent may offer for a booking use case."""
        kind = campaigns.BOOKING[use_case]
        start = day + self.scenario.book.first_bookable_day_offset
        if use_case == RECALL:
            start = max(start, int(self.state.recall_due_day[patient]) - 7)
        cfg = getattr(self.scenario.campaigns, use_case)
        book = self.books["treatment" if kind == "treatment" else "hygiene"]
        return book.offer(start, cfg.slots_offered, cfg.booking_horizon_days, self.rng_book)

    def _spoken_time(self, t: float) -> str:
        """'Tuesday, April 14 at 9:30 am': a visit's time as the agent says it (cached per time,
        since the same open slots are offered to many patients)."""
        spoken = self.spoken_times.get(t)
        if spoken is None:
            local = self.clock.local_datetime(self.practice.tz, t)
            hour = local.hour % 12 or 12
            spoken = f"{local:%A, %B} {local.day} at {hour}:{local:%M} {'am' if local.hour < 12 else 'pm'}"
            self.spoken_times[t] = spoken
        return spoken

    def _text(self, touch: Touch, now: float, message: str) -> Placed:
        patient = touch.patient
        result = telephony.send_sms(
            self.rng_telephony, self.scenario.telephony, self.facts.wireless[patient]
        )
        placed = Placed()
        outcome = "no_reply"
        if touch.purposes == (OPTOUT_CONFIRMATION,):
            outcome = "sent"
        elif result == "delivered":
            self._press(touch, now, "sms")
            b = self.scenario.behaviour
            if touch.appointment_id >= 0:
                reply = behaviour.confirmation_reply(
                    self.rng_dialogue, b, self.facts.prefers_sms[patient]
                )
                if reply is not None:
                    delay = behaviour.sms_reply_delay_s(self.rng_dialogue, b)
                    placed.replies.append((delay, patient, reply, touch.appointment_id))
                    outcome = "replied"
            else:
                choice = self._opt_out_choice(patient)
                if choice is not None:
                    delay = behaviour.sms_reply_delay_s(self.rng_dialogue, b)
                    placed.replies.append(
                        (delay, patient, "stop" if choice == "hard" else "later", -1)
                    )
                    outcome = "replied"
                else:
                    self._after_message(touch, now, placed, None)
        self._attempt(touch, now, "sms", result, "", 0, message, [outcome] * len(touch.items))
        return placed

    # --- what follows a message --------------------------------------------------------------
    def _after_message(
        self, touch: Touch, now: float, placed: Placed, pressure_kind: str | None
    ) -> None:
        if pressure_kind is not None:
            self._press(touch, now, pressure_kind)
        patient = touch.patient
        responsiveness = self.facts.responsiveness[patient]
        if touch.channel == "sms" and self.facts.prefers_sms[patient]:
            responsiveness = min(1.0, responsiveness * 1.3)
        delay = behaviour.returns_message(
            self.rng_dialogue, self.scenario.behaviour, responsiveness
        )
        if delay is not None:
            placed.callbacks.append((delay, patient, touch.purposes))

    def inbound(self, patient: int, use_cases: tuple[str, ...], now: float) -> Placed:
        """A patient returns a message; the agent takes the call and handles what is still open."""
        placed = Placed()
        if self.state.opted_out_voice[patient] and self.state.opted_out_sms[patient]:
            return placed
        day = self.clock.local_day(self.practice.tz, now)
        b = self.scenario.behaviour
        for use_case in use_cases:
            if use_case in campaigns.BOOKING:
                if self._still_wanted(patient, use_case) and behaviour.accepts(
                    self.rng_dialogue, b, use_case, self.facts.responsiveness[patient]
                ):
                    self._book_use_case(patient, use_case, day, now, "callback")
            elif use_case == CONFIRMATION:
                appt = self._next_visit(patient)
                if appt is not None and not appt.confirmed_via:
                    appt.confirmed_via = "voice"
            elif use_case == POST_OP and self.state.procedure_day[patient] >= 0:
                campaigns.succeeded(self.state, POST_OP, patient)
                if self.rng_clinical.random() < self.scenario.clinical.p_red_flag:
                    placed.transfers.append(patient)
        return placed

    def reply(self, patient: int, kind: str, appointment_id: int, now: float) -> Placed:
        """A text reply arrives: confirm, cancel, reschedule, stop, later, or free text."""
        placed = Placed()
        appt = self.state.appointments.get(appointment_id)
        live = appt is not None and appt.status == "scheduled"
        if kind == "stop":
            self._opt_out(patient, now, "sms", "sms", "sms_reply", "STOP")
            day = self.clock.local_day(self.facts.home_zone[patient], now)
            confirm = touch(
                patient, str(self.patients.phone[patient]), "sms", now + OPTOUT_CONFIRMATION_DELAY_S,
                day, self.zones[patient], (Item(patient, OPTOUT_CONFIRMATION, 0),),
            )  # fmt: skip
            placed.texts.append((OPTOUT_CONFIRMATION_DELAY_S, confirm))
        elif kind == "later":
            self._soft_opt_out(patient, now, "sms", "Not now, I'll call when I'm ready")
        elif kind == "confirm" and live:
            appt.confirmed_via = "sms"  # type: ignore[union-attr]
        elif kind == "cancel" and live:
            self._cancel(appt)  # type: ignore[arg-type]
        elif kind == "reschedule" and live:
            self._cancel(appt)  # type: ignore[arg-type]
            day = self.clock.local_day(self.practice.tz, now)
            moved = self._book(patient, appt.kind, day + 2, "reschedule", via="sms_reply", now=now)  # type: ignore[union-attr]
            if moved is not None:
                moved.confirmed_via = "sms"
        return placed

    # --- visits ------------------------------------------------------------------------------
    def visits_of(self, day: int) -> list[Appointment]:
        """The visits booked on `day` still to be settled, in the order of their hours."""
        return sorted(self.state.appointments_by_day.get(day, ()), key=lambda a: a.t)

    def attend(self, appt: Appointment) -> Placed:
        """The visit's hour: attended or missed; what the visit leads to comes back in `Placed`."""
        placed = Placed()
        if appt.status != "scheduled":
            return placed
        self._unlist(appt)
        missed = appt.would_no_show_confirmed if appt.confirmed_via else appt.would_no_show
        p = appt.patient
        if missed:
            self._status(appt, "no_show")
            if appt.kind == "treatment":
                self.state.treatment_appt[p] = -1
                self.state.plan_day[p] = appt.day
            else:
                self.state.hygiene_appt[p] = -1
            return placed
        self._status(appt, "attended")
        clinical = self.scenario.clinical
        rng = self.rng_clinical
        if appt.kind == "treatment":
            self.state.treatment_appt[p] = -1
            self.state.plan_value[p] = 0.0
            self.state.plan_day[p] = -1
            self._procedure(p, appt.day)
            return placed
        s = self.state
        s.hygiene_appt[p] = -1
        s.active[p] = True
        s.last_visit_day[p] = appt.day
        s.recall_due_day[p] = appt.day + s.recall_interval_days[p]
        for use_case in (RECALL, REACTIVATION):
            s.episodes[use_case].end(p)
        if rng.random() < clinical.p_procedure_at_hygiene_visit:
            self._procedure(p, appt.day)
        p_plan = (
            clinical.p_plan_at_reactivation_visit
            if appt.kind == "reactivation"
            else clinical.p_plan_at_hygiene_visit
        )
        if s.plan_value[p] == 0 and rng.random() < p_plan:
            s.plan_value[p] = float(self._plan_values(rng.gen, 1)[0])
            s.plan_day[p] = appt.day
            if rng.random() < clinical.p_schedule_plan_at_checkout:
                self._book(p, "treatment", appt.day + 7, "checkout")
        if rng.random() < self.scenario.book.p_book_next_at_visit:
            self._book(p, "hygiene", int(s.recall_due_day[p]), "checkout")
        return placed

    def _procedure(self, patient: int, day: int) -> None:
        if self.scenario.campaigns.post_op.enabled:
            self.state.procedure_day[patient] = day
            self.state.episodes[POST_OP].end(patient)

    # --- clinical staff --------------------------------------------------------------------------
    def staff_on_duty(self, t: float) -> bool:
        tz = self.practice.tz
        day = self.clock.local_day(tz, t)
        hours = self.scenario.practice.opening_hours.get(WEEKDAYS[self.clock.weekday(day)])
        if hours is None or (
            self.scenario.practice.closed_on_federal_holidays and self.clock.is_federal_holiday(day)
        ):
            return False
        minute = self.clock.local_minute_of_day(tz, t)
        return minutes_of(hours.open) <= minute < minutes_of(hours.close)

    def until_on_duty_s(self, t: float) -> float:
        """Seconds until clinical staff are next on duty (0 when they are now)."""
        if self.staff_on_duty(t):
            return 0.0
        tz = self.practice.tz
        day = self.clock.local_day(tz, t)
        for d in range(day, day + 14):
            hours = self.scenario.practice.opening_hours.get(WEEKDAYS[self.clock.weekday(d)])
            if hours is None or (
                self.scenario.practice.closed_on_federal_holidays
                and self.clock.is_federal_holiday(d)
            ):
                continue
            opens = self.clock.at_local(tz, d, minutes_of(hours.open))
            if opens > t:
                return float(opens - t)
        return DAY_S

    def staff_task(
        self, patient: int, kind: str, requested: float, started: float, duration_s: float
    ) -> None:
        self.recorder.add(
            "staff_tasks", practice_id=self.practice.practice_id,
            patient_id=self.facts.patient_id[patient], kind=kind, reason="red_flag",
            t_utc=requested, t_started_utc=started, wait_s=int(started - requested),
            duration_s=int(duration_s),
        )  # fmt: skip

    # --- helpers -------------------------------------------------------------------------------
    def _opt_out_choice(self, patient: int) -> str | None:
        b = self.scenario.behaviour
        fatigue = behaviour.fatigue_multiplier(
            b, self.state.pressure[patient], self.facts.annoyance_threshold[patient]
        )
        return behaviour.opt_out_choice(self.rng_dialogue, b, fatigue)

    def _press(self, touch: Touch, now: float, kind: str) -> None:
        """Add this contact's pressure to every patient it reached."""
        b = self.scenario.behaviour
        s = self.state
        week_ago = touch.day - 7
        f = self.facts
        for p in touch.patients:
            repeat = False
            for i in touch.items:
                previous = s.previous_touch_day.get(i.use_case)
                if i.patient == p and previous is not None and previous[p] > week_ago:
                    repeat = True
            hour = int(self.clock.local_seconds(f.home_zone[p], now) % DAY_S) // 3600
            off_hours = abs(hour - f.best_hour[p]) >= OFF_HOURS_H
            same_day = now - s.last_contact_t[p] < 12 * 3600
            decayed = behaviour.decayed_pressure(
                s.pressure[p], now - s.pressure_t[p], b.fatigue_half_life_days
            )
            s.pressure[p] = decayed + behaviour.pressure_added(b, kind, repeat, off_hours, same_day)
            s.pressure_t[p] = now
            s.last_contact_t[p] = now

    def _voicemail(self, purposes: tuple[str, ...]) -> str:
        """The voicemail for these purposes (one text per purposes: cached)."""
        text = render_voicemail(self.practice.name, self.practice.phone, purposes)
        self.voicemails[purposes] = text
        return text

    def _leave_voicemail(self, touch: Touch) -> bool:
        if not self.gate.may_leave_voicemail(touch):
            return False
        policy = getattr(self.scenario.campaigns, touch.items[0].use_case).voicemail
        if policy == "always":
            return True
        if policy == "never":
            return False
        return all(i.step == 0 for i in touch.items)

    def _still_wanted(self, patient: int, use_case: str) -> bool:
        if use_case == TREATMENT_PLAN:
            return self.state.plan_value[patient] > 0 and self.state.treatment_appt[patient] < 0
        return bool(self.state.hygiene_appt[patient] < 0)

    def _next_visit(self, patient: int) -> Appointment | None:
        for key in (self.state.hygiene_appt[patient], self.state.treatment_appt[patient]):
            appt = self.state.appointments.get(int(key))
            if appt is not None and appt.status == "scheduled":
                return appt
        return None

    def _book_use_case(
        self, patient: int, use_case: str, day: int, now: float, via: str
    ) -> Appointment | None:
        """Book one of the slots the use case would offer (a returned message, no dialogue)."""
        offered = self._offer(patient, use_case, day)
        if not offered:
            return None
        slot = offered[self.rng_dialogue.integers(0, len(offered))]
        appt = self._book(
            patient, campaigns.BOOKING[use_case], slot[0], use_case, via=via, now=now, slot=slot
        )
        if appt is not None:
            campaigns.succeeded(self.state, use_case, patient)
        return appt

    def _book(
        self, patient: int, kind: str, from_day: int, booked_by: str, via: str = "", now: float = 0.0,
        slot: tuple[int, int] | None = None,
    ) -> Appointment | None:  # fmt: skip
        book = self.books["treatment" if kind == "treatment" else "hygiene"]
        slot = slot or book.first_open(max(from_day, 0), rng=self.rng_book)
        if slot is None:
            return None
        day, s = slot
        book.take(day, s)
        t = book.slot_time(day, s)
        fees = self.scenario.fees
        fee = {"hygiene": fees.hygiene_visit, "reactivation": fees.reactivation_visit}.get(
            kind, float(self.state.plan_value[patient])
        )
        b = self.scenario.behaviour
        u = self.rng_book.random()
        pid = self.facts.patient_id[patient]
        booking_id = -1
        if via:
            booking_id = self.recorder.next_id("bookings")
            self.recorder.add(
                "bookings", booking_id=booking_id, practice_id=self.practice.practice_id, patient_id=pid,
                t_utc=now, appointment_utc=t, use_case=booked_by, via=via,
                attempt_id=self.recorder.next_id("attempts") if via == "call" else -1,
            )  # fmt: skip
        appointment_id = self.recorder.next_id("appointments")
        row = self.recorder.add(
            "appointments", appointment_id=appointment_id, practice_id=self.practice.practice_id,
            patient_id=pid, t_utc=t, kind=kind, status="scheduled", booking_id=booking_id,
            booked_by=booked_by, fee=fee, confirmed_via="", would_no_show=u < b.p_no_show_unconfirmed,
        )  # fmt: skip
        appt = Appointment(
            appointment_id, patient, kind, day, s, t, fee, booked_by, booking_id, row,
            would_no_show=u < b.p_no_show_unconfirmed, would_no_show_confirmed=u < b.p_no_show_confirmed,
        )  # fmt: skip
        self.state.appointments[appointment_id] = appt
        self.state.appointments_by_day.setdefault(day, []).append(appt)
        if kind == "treatment":
            self.state.treatment_appt[patient] = appointment_id
        else:
            self.state.hygiene_appt[patient] = appointment_id
        return appt

    def _cancel(self, appt: Appointment) -> None:
        book = self.books["treatment" if appt.kind == "treatment" else "hygiene"]
        book.release(appt.day, appt.slot)
        self._status(appt, "cancelled")
        self._unlist(appt)
        if appt.kind == "treatment":
            self.state.treatment_appt[appt.patient] = -1
        else:
            self.state.hygiene_appt[appt.patient] = -1

    def _unlist(self, appt: Appointment) -> None:
        self.state.appointments.pop(appt.appointment_id, None)
        same_day = self.state.appointments_by_day.get(appt.day, [])
        if appt in same_day:
            same_day.remove(appt)

    def _status(self, appt: Appointment, status: str) -> None:
        appt.status = status
        self.recorder.set("appointments", appt.row, status=status, confirmed_via=appt.confirmed_via)

    def _attempt(
        self, touch: Touch, now: float, channel: str, result: str, answered_by: str, duration_s: int,
        message: str, outcomes: list[str],
    ) -> None:  # fmt: skip
        ids = self.facts.patient_id
        if len(touch.items) == 1:
            covered, outcome = "", outcomes[0]
        else:
            covered = "|".join(str(ids[p]) for p in touch.patients if p != touch.patient)
            by_purpose = dict(zip((i.use_case for i in touch.items), outcomes, strict=True))
            outcome = "|".join(by_purpose[u] for u in touch.purposes)
        self.recorder.add(
            "attempts", attempt_id=self.recorder.next_id("attempts"), practice_id=self.practice.practice_id,
            patient_id=ids[touch.patient], t_utc=now, channel=channel, phone=touch.phone,
            purposes="|".join(touch.purposes), result=result, answered_by=answered_by,
            duration_s=int(duration_s), message=message,
            outcome=outcome, covered_patient_ids=covered,
        )  # fmt: skip

    def _opt_out(
        self, patient: int, t: float, channel: str, scope: str, how: str, text: str
    ) -> None:
        if scope in ("voice", "all"):
            self.state.opted_out_voice[patient] = True
        if scope in ("sms", "all"):
            self.state.opted_out_sms[patient] = True
        self.recorder.add(
            "optouts", practice_id=self.practice.practice_id, patient_id=self.facts.patient_id[patient],
            t_utc=t, channel=channel, scope=scope, how=how, kind="hard", pause_until_utc=None, text=text,
        )  # fmt: skip

    def _soft_opt_out(self, patient: int, t: float, channel: str, text: str) -> None:
        pause = self.scenario.strategy.soft_opt_out_pause_days
        days = self.rng_dialogue.integers(pause.min, pause.max + 1)
        day = self.clock.local_day(self.practice.tz, t)
        self.state.pause_outreach(patient, t + days * DAY_S, day + days + 1)
        self.recorder.add(
            "optouts", practice_id=self.practice.practice_id, patient_id=self.facts.patient_id[patient],
            t_utc=t, channel=channel, scope="all", how="spoken" if channel == "voice" else "sms_reply",
            kind="soft", pause_until_utc=t + days * DAY_S, text=text,
        )  # fmt: skip

    def _defer(
        self, touch: Touch, now: float, rule_id: str, retry_at: float | None, action: str = ""
    ) -> None:
        """Record what the gate refused: deferred to `retry_at`, or dropped for today."""
        self.recorder.add(
            "deferrals", practice_id=self.practice.practice_id, patient_id=self.facts.patient_id[touch.patient],
            t_utc=now, channel=touch.channel, purposes="|".join(touch.purposes), rule_id=rule_id,
            action=action or ("dropped" if retry_at is None else "deferred"), t_next_utc=retry_at,
        )  # fmt: skip
