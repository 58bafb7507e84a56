"""The practice-management state the simulation changes: recalls, plans, appointments, opt-outs.

Plain arrays indexed by patient (and a dict of appointments); the domain modules read and
update them. The engine never decides anything from them itself.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from dentsim.domain.population import MONTH_DAYS, Patients

OUTREACH = ("recall", "reactivation", "treatment_plan", "post_op")
HISTORY = 16  # contact days remembered per patient, enough for any weekly cap
NONE = -(10**6)  # "no day": no cadence running, no retry pending


@dataclass(slots=True)
class Episodes:
    """One use case's cadence per patient: its anchor day and the next step."""

    anchor_day: np.ndarray  # int32: day the cadence counts from (may precede the run), or NONE
    step: np.ndarray  # int16: the next step
    retry_day: np.ndarray  # int32: a new cadence may start from this day
    pending: np.ndarray  # bool: a touch is planned and not yet placed

    @classmethod
    def empty(cls, n: int) -> Episodes:
        return cls(
            np.full(n, NONE, dtype=np.int32),
            np.zeros(n, dtype=np.int16),
            np.full(n, NONE, dtype=np.int32),
            np.zeros(n, dtype=bool),
        )

    def start(self, mask: np.ndarray, anchor: np.ndarray | int) -> None:
        self.anchor_day[mask] = anchor if np.isscalar(anchor) else np.asarray(anchor)[mask]
        self.step[mask] = 0

    def end(self, patient: int, retry_day: int = NONE) -> None:
        self.anchor_day[patient] = NONE
        self.step[patient] = 0
        self.retry_day[patient] = retry_day


@dataclass(slots=True, eq=False)  # one visit is one object: compared by identity
class Appointment:
    appointment_id: int
    patient: int
    kind: str  # hygiene | reactivation | treatment
    day: int
    slot: int
    t: int
    fee: float
    use_case: str  # what booked it: recall, reactivation, treatment_plan, checkout, prebooked
    booking_id: int
    row: int  # its row in the appointments table
    would_no_show: bool  # the latent draw says: missed if never confirmed
    would_no_show_confirmed: bool  # ... and missed even when confirmed
    status: str = "scheduled"
    confirmed_via: str = ""  # sms | voice | ''
    sms_t: float | None = None  # when the confirmation text went out
    voice_planned: bool = False


@dataclass(slots=True)
class PracticeState:
    n: int
    active: np.ndarray  # bool: lapsed past `inactive_after_months` -> False
    recall_due_day: np.ndarray  # int32
    recall_interval_days: np.ndarray  # int32
    last_visit_day: np.ndarray  # int32
    hygiene_appt: np.ndarray  # int64: upcoming hygiene or return visit id, or -1
    treatment_appt: np.ndarray  # int64: upcoming treatment visit id, or -1
    plan_value: np.ndarray  # float: an accepted plan not yet done, US$ (0: none)
    plan_day: np.ndarray  # int32: day the plan was accepted (before the run: negative)
    procedure_day: np.ndarray  # int32: last procedure (post-op anchor), -1 none
    paused_until_day: np.ndarray  # int32: soft opt-out pause, the first day outreach may resume
    # per-contact scalars live in lists: the hot path reads and writes them one at a time
    opted_out_voice: list[bool]
    opted_out_sms: list[bool]
    paused_until_t: list[float]  # the soft opt-out pause's exact end, simulation seconds
    wrong_number: list[bool]  # the number reached a stranger; never dialled again
    number_reassigned: list[bool]  # hidden truth: the number now belongs to someone else
    pressure: list[float]  # contact pressure, decaying
    pressure_t: list[float]  # when pressure was last updated
    last_contact_t: list[float]
    contact_days: np.ndarray  # int32 (n, HISTORY): ring buffer of contact days, all use cases
    contact_count: list[int]  # contacts so far (ring position)
    touch_days: dict[str, np.ndarray]  # per use case, ring buffers of touch days
    touch_count: dict[str, list[int]]
    latest_touch_day: dict[str, list[int]]  # per use case
    previous_touch_day: dict[str, list[int]]  # the touch before the latest, per use case
    episodes: dict[str, Episodes]
    appointments: dict[int, Appointment] = field(default_factory=dict)
    appointments_by_day: dict[int, list[Appointment]] = field(default_factory=dict)

    @classmethod
    def from_patients(cls, patients: Patients, number_reassigned: np.ndarray) -> PracticeState:
        n = len(patients)
        none = np.full(n, -1, dtype=np.int32)
        return cls(
            n=n,
            active=patients.status == "active",
            recall_due_day=patients.recall_due_day.copy(),
            recall_interval_days=np.round(patients.recall_interval_months * MONTH_DAYS).astype(
                np.int32
            ),
            last_visit_day=patients.last_hygiene_day.copy(),
            hygiene_appt=np.full(n, -1, dtype=np.int64),
            treatment_appt=np.full(n, -1, dtype=np.int64),
            plan_value=np.zeros(n),
            plan_day=none.copy(),
            procedure_day=none.copy(),
            paused_until_day=none.copy(),
            opted_out_voice=[False] * n,
            opted_out_sms=[False] * n,
            paused_until_t=[-1.0] * n,
            wrong_number=[False] * n,
            number_reassigned=number_reassigned.tolist(),
            pressure=[0.0] * n,
            pressure_t=[0.0] * n,
            last_contact_t=[-1e12] * n,
            contact_days=np.full((n, HISTORY), NONE, dtype=np.int32),
            contact_count=[0] * n,
            touch_days={u: np.full((n, HISTORY), NONE, dtype=np.int32) for u in OUTREACH},
            touch_count={u: [0] * n for u in OUTREACH},
            latest_touch_day={u: [NONE] * n for u in OUTREACH},
            previous_touch_day={u: [NONE] * n for u in OUTREACH},
            episodes={u: Episodes.empty(n) for u in OUTREACH},
        )

    def pause_outreach(self, patient: int, until_t: float, first_day: int) -> None:
        """A soft opt-out pauses outreach until `until_t` (outreach may resume on `first_day`).

        A pause never shortens: a second, shorter soft opt-out received during a pause leaves
        the running pause as it is; a longer one extends it.
        """
        if until_t > self.paused_until_t[patient]:
            self.paused_until_t[patient] = until_t
        if first_day > self.paused_until_day[patient]:
            self.paused_until_day[patient] = first_day

    def touches_in_week(self, use_case: str | None, day: int, patients: np.ndarray) -> np.ndarray:
        """Contacts (of one use case, or all) to each of `patients` in the 7 days ending `day`."""
        days = self.contact_days if use_case is None else self.touch_days[use_case]
        return (days[patients] > day - 7).sum(axis=1)

    def note_contact(self, patient: int, use_cases: tuple[str, ...], day: int) -> None:
        count = self.contact_count[patient]
        self.contact_days[patient, count % HISTORY] = day
        self.contact_count[patient] = count + 1
        for u in use_cases:
            days = self.touch_days.get(u)
            if days is not None:
                counts, latest = self.touch_count[u], self.latest_touch_day[u]
                count = counts[patient]
                days[patient, count % HISTORY] = day
                counts[patient] = count + 1
                self.previous_touch_day[u][patient] = latest[patient]
                latest[patient] = day
