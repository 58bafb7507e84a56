"""One practice's world and what happens when a contact is placed or a visit comes due.

Everything here is plain Python over the domain modules (telephony, behaviour, book,
campaigns, gate); `sim/engine.py` only decides *when* these methods run.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from agents.voicemail import render_sms, render_voicemail
from sim import behaviour, campaigns, streams, telephony
from sim.book import Book
from sim.calendar import Clock
from sim.eventlog import Recorder
from sim.planner import Planner, Touch
from sim.pms import PracticeState
from sim.population import Patients, Practice
from sim.rules import gate
from sim.scenario import Scenario

OPT_OUT_PAUSE_NONE = None


@dataclass(frozen=True, slots=True)
class Visit:
    patient: int
    day: int
    slot: int
    t: int
    appointment_row: int


@dataclass(slots=True)
class Placed:
    """What a placed contact set in motion: its length, and what follows later."""

    duration_s: int
    visits: list[Visit] = field(default_factory=list)
    callbacks: list[tuple[float, int]] = field(default_factory=list)  # (delay_s, patient)


@dataclass(slots=True)
class PracticeModel:
    scenario: Scenario
    practice_index: int
    clock: Clock
    practice: Practice
    patients: Patients
    state: PracticeState
    book: Book
    planner: Planner
    recorder: Recorder
    curve: telephony.AnswerCurve
    zones: list[tuple[str, ...]]
    rng_telephony: np.random.Generator
    rng_dialogue: np.random.Generator

    @classmethod
    def build(
        cls, scenario: Scenario, practice: Practice, patients: Patients, practice_index: int
    ) -> PracticeModel:
        seed = scenario.seed
        clock = Clock(scenario.start_date)
        traits = streams.stream(seed, streams.TRAITS, practice_index)
        number_reassigned = (
            traits.random(len(patients)) < scenario.population.share_reassigned_numbers
        )
        state = PracticeState.from_patients(patients, number_reassigned)
        zones = patients.zones
        horizon = scenario.days + 200
        book = Book(scenario.practice, clock, practice.tz, horizon)
        planner = Planner(
            scenario, clock, patients, zones, streams.stream(seed, "planner", practice_index)
        )
        recorder = Recorder(clock.unix_seconds(0), id_base=practice_index * 100_000_000)
        model = cls(
            scenario, practice_index, clock, practice, patients, state, book, planner, recorder,
            telephony.AnswerCurve.from_config(scenario.telephony), zones,
            streams.stream(seed, streams.TELEPHONY, practice_index),
            streams.stream(seed, streams.DIALOGUE, practice_index),
        )  # fmt: skip
        return model

    # --- visits booked before the simulation starts -------------------------------------
    def prebooked_visits(self) -> list[Visit]:
        visits = []
        for patient in np.flatnonzero(self.patients.prebooked_day >= 0).tolist():
            slot = self.book.first_open(int(self.patients.prebooked_day[patient]))
            if slot is not None:
                visits.append(self._book(patient, slot, booking_id=-1))
        return visits

    # --- a contact ---------------------------------------------------------------------
    def place(self, touch: Touch, now: float) -> Placed | None:
        """Place `touch` now, or return None when the gate refuses it (recorded as a deferral)."""
        for i in touch.items:
            self.state.pending[i.patient] = False
        refused = gate.permit(self.clock, touch.zones, now)
        if refused is not None:
            self._defer(touch, now, refused)
            return None
        self.state.last_contact_day_by_phone[touch.phone] = touch.day
        for i in touch.items:
            campaigns.recall_touch_placed(
                self.state, self.scenario.campaigns.recall, i.patient, touch.day
            )
        if touch.channel == "voice":
            return self._call(touch, now)
        return self._text(touch, now)

    def _call(self, touch: Touch, now: float) -> Placed:
        cfg = self.scenario.telephony
        recall = self.scenario.campaigns.recall
        patient = touch.patient
        weekday = self.clock.weekday(self.clock.local_day(touch.zones[0], now))
        hour = self.clock.local_minute_of_day(self.patients.tz_address[patient], now) // 60
        p_person = self.curve.p_person(hour, weekday, cfg.caller_id == "practice_main")
        dial = telephony.dial(
            self.rng_telephony, cfg, p_person,
            bool(self.patients.phone_shared[patient]), bool(self.state.number_reassigned[patient]),
        )  # fmt: skip
        placed = Placed(duration_s=dial.ring_s)
        result, message, outcome = dial.result, "", "no_contact"
        if dial.result == "wrong_number":
            outcome = "wrong_number"
            for p in touch.patients:
                self.state.wrong_number[p] = True
        elif dial.result == "machine":
            leave = self._leave_voicemail(touch)
            if leave:
                result = "voicemail"
                message = render_voicemail(self.practice.name, self.practice.phone, touch.purposes)
                placed.duration_s += cfg.voicemail_s
                outcome = "message_left"
                self._maybe_callback(placed, patient)
            else:
                result = "no_answer"
        elif dial.result == "answered" and dial.answered_by == "household":
            placed.duration_s += behaviour.answered_call_s(
                self.rng_dialogue, cfg.answered_call_s / 3
            )
            outcome = "message_left"
            self._maybe_callback(placed, patient)
        elif dial.result == "answered":
            placed.duration_s += behaviour.answered_call_s(self.rng_dialogue, cfg.answered_call_s)
            offered = self.book.offer(
                max(touch.day + self.scenario.book.first_bookable_day_offset,
                    int(self.state.recall_due_day[patient]) - 7),
                recall.slots_offered, recall.booking_horizon_days,
            )  # fmt: skip
            outcome = behaviour.answered_outcome(self.rng_dialogue, recall, len(offered))
            if outcome == "booked":
                slot = offered[int(self.rng_dialogue.integers(len(offered)))]
                placed.visits.append(
                    self._book(patient, slot, self.recorder.next_id("bookings"), now, "call")
                )
            elif outcome == "opt_out":
                self._opt_out(patient, now, "voice", "all", "spoken", "please stop calling me")
        self._attempt(
            touch, now, "voice", result, dial.answered_by, placed.duration_s, message, outcome
        )
        return placed

    def _text(self, touch: Touch, now: float) -> Placed:
        patient = touch.patient
        wireless = self.patients.phone_type[patient] == "wireless"
        result = telephony.send_sms(self.rng_telephony, self.scenario.telephony, bool(wireless))
        message = render_sms(self.practice.name, self.practice.phone, touch.purposes)
        placed = Placed(duration_s=0)
        outcome = "no_reply"
        if result == "delivered":
            if behaviour.sms_reply(self.rng_dialogue, self.scenario.campaigns.recall) == "stop":
                outcome = "opt_out"
                self._opt_out(patient, now + 600, "sms", "sms", "sms_reply", "STOP")
            else:
                self._maybe_callback(placed, patient)
        self._attempt(touch, now, "sms", result, "", 0, message, outcome)
        return placed

    def _leave_voicemail(self, touch: Touch) -> bool:
        if any(self.patients.no_voicemail[p] for p in touch.patients):
            return False
        policy = self.scenario.campaigns.recall.voicemail
        if policy == "always":
            return True
        if policy == "never":
            return False
        return all(i.step == 0 for i in touch.items)

    def _maybe_callback(self, placed: Placed, patient: int) -> None:
        delay = behaviour.callback_delay_s(self.rng_dialogue, self.scenario.campaigns.recall)
        if delay is not None:
            placed.callbacks.append((delay, patient))

    # --- inbound callbacks and visits ---------------------------------------------------
    def callback(self, patient: int, now: float) -> Visit | None:
        """A patient returns a message: they book if nothing is booked and they agree."""
        if (
            self.state.booked_day[patient] >= 0
            or self.state.opted_out_voice[patient] & self.state.opted_out_sms[patient]
        ):
            return None
        recall = self.scenario.campaigns.recall
        day = self.clock.local_day(self.practice.tz, now)
        offered = self.book.offer(
            day + self.scenario.book.first_bookable_day_offset,
            recall.slots_offered,
            recall.booking_horizon_days,
        )
        if offered and self.rng_dialogue.random() < recall.p_book_if_reached:
            slot = offered[int(self.rng_dialogue.integers(len(offered)))]
            return self._book(patient, slot, self.recorder.next_id("bookings"), now, "callback")
        return None

    def attend(self, visit: Visit) -> Visit | None:
        """The visit's hour has come: attended (the next recall is set) or missed.

        An attended patient may book the next cleaning at checkout; that visit is returned.
        """
        if self.rng_dialogue.random() < self.scenario.book.p_no_show:
            self.recorder.set("appointments", visit.appointment_row, status="no_show")
            campaigns.visit_missed(self.state, visit.patient)
            return None
        self.recorder.set("appointments", visit.appointment_row, status="attended")
        campaigns.visit_attended(self.state, visit.patient, visit.day)
        if self.rng_dialogue.random() < self.scenario.book.p_book_next_at_visit:
            slot = self.book.first_open(int(self.state.recall_due_day[visit.patient]))
            if slot is not None:
                return self._book(visit.patient, slot, booking_id=-1)
        return None

    # --- records ------------------------------------------------------------------------
    def _book(
        self,
        patient: int,
        slot: tuple[int, int],
        booking_id: int,
        now: float = 0.0,
        via: str = "prebooked",
    ) -> Visit:
        day, s = slot
        self.book.take(day, s)
        t = self.book.slot_time(day, s)
        campaigns.visit_booked(self.state, patient, day)
        pid = int(self.patients.patient_id[patient])
        if booking_id >= 0:
            self.recorder.add(
                "bookings", booking_id=booking_id, practice_id=self.practice.practice_id, patient_id=pid,
                t_utc=now, appointment_utc=t, use_case=campaigns.RECALL, via=via,
                attempt_id=self.recorder.next_id("attempts") if via == "call" else -1,
            )  # fmt: skip
        row = self.recorder.add(
            "appointments", appointment_id=self.recorder.next_id("appointments"),
            practice_id=self.practice.practice_id, patient_id=pid, t_utc=t, kind="hygiene",
            status="scheduled", booking_id=booking_id, fee=self.scenario.book.fee_hygiene_visit,
        )  # fmt: skip
        return Visit(patient, day, s, t, row)

    def _attempt(
        self,
        touch: Touch,
        now: float,
        channel: str,
        result: str,
        answered_by: str,
        duration_s: int,
        message: str,
        outcome: str,
    ) -> None:
        ids = self.patients.patient_id
        covered = "|".join(str(ids[p]) for p in touch.patients if p != touch.patient)
        self.recorder.add(
            "attempts", attempt_id=self.recorder.next_id("attempts"), practice_id=self.practice.practice_id,
            patient_id=int(ids[touch.patient]), t_utc=now, channel=channel, phone=touch.phone,
            purposes="|".join(touch.purposes), result=result, answered_by=answered_by,
            duration_s=int(duration_s), message=message, outcome=outcome, covered_patient_ids=covered,
        )  # fmt: skip

    def _opt_out(
        self, patient: int, t: float, channel: str, scope: str, how: str, text: str
    ) -> None:
        if scope in ("voice", "all"):
            self.state.opted_out_voice[patient] = True
        if scope in ("sms", "all"):
            self.state.opted_out_sms[patient] = True
        self.recorder.add(
            "optouts", practice_id=self.practice.practice_id, patient_id=int(self.patients.patient_id[patient]),
            t_utc=t, channel=channel, scope=scope, how=how, kind="hard", pause_until_utc=None, text=text,
        )  # fmt: skip

    def _defer(self, touch: Touch, now: float, rule_id: str) -> None:
        self.recorder.add(
            "deferrals", practice_id=self.practice.practice_id, patient_id=int(self.patients.patient_id[touch.patient]),
            t_utc=now, channel=touch.channel, purposes="|".join(touch.purposes), rule_id=rule_id,
            action="deferred", t_next_utc=None,
        )  # fmt: skip
