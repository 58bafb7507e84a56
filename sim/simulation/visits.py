"""The practice's visits and its clinical staff: booking, cancelling and settling appointments
(with their rows in the event log), and the hours staff are on duty for red-flag transfers.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from dentsim.domain import campaigns
from dentsim.domain.book import Book
from dentsim.domain.calendar import DAY_S, Clock
from dentsim.domain.campaigns import POST_OP, REACTIVATION, RECALL, TREATMENT_PLAN
from dentsim.domain.pms import Appointment, PracticeState
from dentsim.domain.population import Patients
from dentsim.scenario import BOOK_DAYS_AFTER_END, WEEKDAYS, Scenario, minutes_of
from dentsim.simulation.eventlog import Recorder
from dentsim.simulation.rows import AppointmentRow, BookingRow, StaffTaskRow
from dentsim.streams import Draws


def open_books(scenario: Scenario, clock: Clock, tz: str) -> dict[str, Book]:
    """The `hygiene` and `treatment` books, open through the run and the weeks after it."""
    horizon = scenario.days + BOOK_DAYS_AFTER_END
    treatment = scenario.practice.model_copy(
        update={
            "hygiene_chairs": scenario.practice.providers,
            "hygiene_visit_minutes": scenario.clinical.treatment_visit_minutes,
        }
    )
    return {
        "hygiene": Book(scenario.practice, clock, tz, horizon),
        "treatment": Book(treatment, clock, tz, horizon),
    }


@dataclass(frozen=True, slots=True)
class Visits:
    """The appointment books and every visit in them, kept in step with the PMS state.

    Attributes:
        scenario: the resolved scenario (fees, no-show and clinical probabilities).
        practice_id: the practice's id, for the rows.
        patient_ids: each patient's id by row index, for the rows.
        state: the PMS state the visits are noted in.
        books: the `hygiene` and `treatment` appointment books.
        recorder: where bookings and appointments are recorded.
        rng_book: slots, no-shows, self-booking.
        rng_clinical: procedures and plans found at visits.
    """

    scenario: Scenario
    practice_id: int
    patient_ids: list[int]
    state: PracticeState
    books: dict[str, Book]
    recorder: Recorder
    rng_book: Draws
    rng_clinical: Draws

    def book_of(self, kind: str) -> Book:
        """The book a visit of `kind` goes in."""
        return self.books["treatment" if kind == "treatment" else "hygiene"]

    # --- the PMS as it stands at the start -----------------------------------------------------
    def initial(self, patients: Patients, rng: np.random.Generator) -> None:
        """Book the visits booked before the run; note accepted plans still to be scheduled
        (an imported practice's own, else drawn)."""
        prebooked_day = patients.prebooked_day
        for patient in np.flatnonzero(prebooked_day >= 0).tolist():
            self.book(patient, "hygiene", int(prebooked_day[patient]), "prebooked")
        if patients.plan_value is not None and patients.plan_day is not None:
            self.state.plan_value[:] = patients.plan_value
            self.state.plan_day[:] = patients.plan_day
            return
        clinical = self.scenario.clinical
        has_plan = rng.random(self.state.n) < clinical.share_unscheduled_plans_at_start
        self.state.plan_value[has_plan] = self.plan_values(rng, int(has_plan.sum()))
        self.state.plan_day[has_plan] = -rng.integers(1, 90, int(has_plan.sum()))

    def plan_values(self, rng: np.random.Generator, n: int) -> np.ndarray:
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
            appt = self.book(
                patient, "reactivation" if lapsed else "hygiene", day + lead_days, "self"
            )
            if appt is not None:
                for use_case in (RECALL, REACTIVATION):
                    campaigns.succeeded(self.state, use_case, patient)

    # --- what outreach may book ----------------------------------------------------------------
    def still_wanted(self, patient: int, use_case: str) -> bool:
        """Whether the booking use case still has a visit to book for the patient."""
        if use_case == TREATMENT_PLAN:
            return self.state.plan_value[patient] > 0 and self.state.treatment_appt[patient] < 0
        return bool(self.state.hygiene_appt[patient] < 0)

    def next_visit(self, patient: int) -> Appointment | None:
        """The patient's next scheduled visit, hygiene first."""
        for key in (self.state.hygiene_appt[patient], self.state.treatment_appt[patient]):
            appt = self.state.appointments.get(int(key))
            if appt is not None and appt.status == "scheduled":
                return appt
        return None

    def offer(self, patient: int, use_case: str, day: int) -> list[tuple[int, int]]:
        """The open slots (day, slot) the agent may offer for a booking use case."""
        kind = campaigns.BOOKING[use_case]
        start = day + self.scenario.book.first_bookable_day_offset
        if use_case == RECALL:
            start = max(start, int(self.state.recall_due_day[patient]) - 7)
        cfg = getattr(self.scenario.campaigns, use_case)
        return self.book_of(kind).offer(
            start, cfg.slots_offered, cfg.booking_horizon_days, self.rng_book
        )

    def book_use_case(
        self, patient: int, use_case: str, day: int, now: float, via: str, rng: Draws
    ) -> Appointment | None:
        """Book one of the slots the use case would offer, picked with `rng` (a returned
        message: no dialogue)."""
        offered = self.offer(patient, use_case, day)
        if not offered:
            return None
        slot = offered[rng.integers(0, len(offered))]
        appt = self.book(
            patient, campaigns.BOOKING[use_case], slot[0], use_case, via=via, now=now, slot=slot
        )
        if appt is not None:
            campaigns.succeeded(self.state, use_case, patient)
        return appt

    # --- the book and its rows -----------------------------------------------------------------
    def book(
        self, patient: int, kind: str, from_day: int, booked_by: str, *, via: str = "",
        now: float = 0.0, slot: tuple[int, int] | None = None,
    ) -> Appointment | None:  # fmt: skip
        """Book `slot`, or the first open one from `from_day`; `via` names outreach's way
        (`call`, `callback`, `sms_reply`), which also records a booking row."""
        book = self.book_of(kind)
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
        pid = self.patient_ids[patient]
        recorder = self.recorder
        booking_id = -1
        if via:
            booking_id = recorder.next_id("bookings")
            recorder.add(BookingRow(
                booking_id=booking_id, practice_id=self.practice_id, patient_id=pid, t_utc=now,
                appointment_utc=t, use_case=booked_by, via=via,
                attempt_id=recorder.next_id("attempts") if via == "call" else -1,
            ))  # fmt: skip
        appointment_id = recorder.next_id("appointments")
        would_no_show = u < b.p_no_show_unconfirmed
        row = recorder.add(AppointmentRow(
            appointment_id=appointment_id, practice_id=self.practice_id, patient_id=pid, t_utc=t,
            kind=kind, status="scheduled", booking_id=booking_id, booked_by=booked_by, fee=fee,
            confirmed_via="", would_no_show=would_no_show,
        ))  # fmt: skip
        appt = Appointment(
            appointment_id=appointment_id, patient=patient, kind=kind, day=day, slot=s, t=t,
            fee=fee, use_case=booked_by, booking_id=booking_id, row=row,
            would_no_show=would_no_show, would_no_show_confirmed=u < b.p_no_show_confirmed,
        )  # fmt: skip
        self.state.appointments[appointment_id] = appt
        self.state.appointments_by_day.setdefault(day, []).append(appt)
        if kind == "treatment":
            self.state.treatment_appt[patient] = appointment_id
        else:
            self.state.hygiene_appt[patient] = appointment_id
        return appt

    def cancel(self, appt: Appointment) -> None:
        self.book_of(appt.kind).release(appt.day, appt.slot)
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
        row = self.recorder.appointment(appt.row)
        row.status, row.confirmed_via = status, appt.confirmed_via

    # --- the visit's hour ----------------------------------------------------------------------
    def of_day(self, day: int) -> list[Appointment]:
        """The visits booked on `day` still to be settled, in the order of their hours."""
        return sorted(self.state.appointments_by_day.get(day, ()), key=lambda a: a.t)

    def attend(self, appt: Appointment) -> None:
        """The visit's hour: attended or missed, and what an attended visit leads to."""
        if appt.status != "scheduled":
            return
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
            return
        self._status(appt, "attended")
        clinical = self.scenario.clinical
        rng = self.rng_clinical
        if appt.kind == "treatment":
            self.state.treatment_appt[p] = -1
            self.state.plan_value[p] = 0.0
            self.state.plan_day[p] = -1
            self._procedure(p, appt.day)
            return
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
            s.plan_value[p] = float(self.plan_values(rng.gen, 1)[0])
            s.plan_day[p] = appt.day
            if rng.random() < clinical.p_schedule_plan_at_checkout:
                self.book(p, "treatment", appt.day + 7, "checkout")
        if rng.random() < self.scenario.book.p_book_next_at_visit:
            self.book(p, "hygiene", int(s.recall_due_day[p]), "checkout")

    def _procedure(self, patient: int, day: int) -> None:
        if self.scenario.campaigns.post_op.enabled:
            self.state.procedure_day[patient] = day
            self.state.episodes[POST_OP].end(patient)


@dataclass(frozen=True, slots=True)
class Staff:
    """The practice's clinical staff: when they are on duty, and the tasks red flags give them.

    Attributes:
        scenario: the resolved scenario (opening hours, holidays).
        clock: simulation time to the practice's local time.
        tz: the practice's time zone.
        practice_id: the practice's id, for the rows.
        patient_ids: each patient's id by row index, for the rows.
        recorder: where staff tasks are recorded.
    """

    scenario: Scenario
    clock: Clock
    tz: str
    practice_id: int
    patient_ids: list[int]
    recorder: Recorder

    def _open_minutes(self, day: int) -> tuple[int, int] | None:
        """The practice's opening and closing minute on `day`; None when it is closed."""
        practice = self.scenario.practice
        hours = practice.opening_hours.get(WEEKDAYS[self.clock.weekday(day)])
        if hours is None or (
            practice.closed_on_federal_holidays and self.clock.is_federal_holiday(day)
        ):
            return None
        return minutes_of(hours.open), minutes_of(hours.close)

    def on_duty(self, t: float) -> bool:
        minutes = self._open_minutes(self.clock.local_day(self.tz, t))
        if minutes is None:
            return False
        return minutes[0] <= self.clock.local_minute_of_day(self.tz, t) < minutes[1]

    def until_on_duty_s(self, t: float) -> float:
        """Seconds until clinical staff are next on duty (0 when they are now)."""
        if self.on_duty(t):
            return 0.0
        day = self.clock.local_day(self.tz, t)
        for d in range(day, day + 14):
            minutes = self._open_minutes(d)
            if minutes is None:
                continue
            opens = self.clock.at_local(self.tz, d, minutes[0])
            if opens > t:
                return float(opens - t)
        return DAY_S

    def task(
        self, patient: int, kind: str, requested: float, started: float, duration_s: float
    ) -> None:
        """Record a transfer or callback staff did for a red flag."""
        self.recorder.add(StaffTaskRow(
            practice_id=self.practice_id, patient_id=self.patient_ids[patient], kind=kind,
            reason="red_flag", t_utc=requested, t_started_utc=started,
            wait_s=int(started - requested), duration_s=int(duration_s),
        ))  # fmt: skip
