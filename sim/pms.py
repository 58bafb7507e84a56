"""The practice-management state the simulation changes: recalls, bookings, opt-outs, marks.

Plain arrays indexed by patient; the domain modules read and update them, the engine never
decides anything from them itself.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from sim.population import MONTH_DAYS, Patients


@dataclass(slots=True)
class PracticeState:
    recall_due_day: np.ndarray  # int32
    recall_interval_days: np.ndarray  # int32
    last_visit_day: np.ndarray  # int32
    booked_day: np.ndarray  # int32: the next booked hygiene visit, or -1
    episode_start_day: np.ndarray  # int32: day the current recall cadence began, or -1
    episode_step: np.ndarray  # int16: next cadence step
    episode_retry_day: np.ndarray  # int32: a new cadence may start from this day
    pending: np.ndarray  # bool: a touch is planned and not yet placed
    opted_out_voice: np.ndarray  # bool
    opted_out_sms: np.ndarray  # bool
    wrong_number: np.ndarray  # bool: the number reached a stranger; never dialled again
    number_reassigned: np.ndarray  # bool: hidden truth, the number now belongs to someone else
    eligible: np.ndarray  # bool: active, not on the internal do-not-call list, consent held
    last_contact_day_by_phone: dict[str, int] = field(default_factory=dict)

    @classmethod
    def from_patients(cls, patients: Patients, number_reassigned: np.ndarray) -> PracticeState:
        n = len(patients)
        interval_days = np.round(patients.recall_interval_months * MONTH_DAYS).astype(np.int32)
        return cls(
            recall_due_day=patients.recall_due_day.copy(),
            recall_interval_days=interval_days,
            last_visit_day=patients.last_hygiene_day.copy(),
            booked_day=np.full(n, -1, dtype=np.int32),
            episode_start_day=np.full(n, -1, dtype=np.int32),
            episode_step=np.zeros(n, dtype=np.int16),
            episode_retry_day=np.full(n, -(10**6), dtype=np.int32),
            pending=np.zeros(n, dtype=bool),
            opted_out_voice=np.zeros(n, dtype=bool),
            opted_out_sms=np.zeros(n, dtype=bool),
            wrong_number=np.zeros(n, dtype=bool),
            number_reassigned=number_reassigned,
            eligible=(patients.status == "active")
            & ~patients.do_not_call
            & patients.consent_healthcare,
        )

    def reachable(self) -> np.ndarray:
        """Patients the practice may still try to contact at all."""
        return self.eligible & ~self.wrong_number & ~(self.opted_out_voice & self.opted_out_sms)
