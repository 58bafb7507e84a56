"""What a dial or a text does: answer curves, machines, busy lines, strangers, carrier faults.

It knows nothing of what a call is about. Probabilities come from the scenario's
`telephony` block; draws come from the caller's generator (the `telephony` stream).
"""

from __future__ import annotations

from dataclasses import dataclass

from dentsim.scenario import WEEKDAYS, TelephonyConfig
from dentsim.streams import Draws


@dataclass(slots=True)  # one per dial: a plain record is a third of the cost of a frozen one
class Dial:
    """A voice dial's result before anyone speaks: who, if anyone, picked up."""

    result: str  # answered | machine | no_answer | busy | wrong_number | failed
    answered_by: str  # patient | household | stranger | machine | ''
    ring_s: int


@dataclass(frozen=True, slots=True)
class AnswerCurve:
    """Person-answer probability by patient-local hour (0-23) and weekday (0 = Monday)."""

    by_hour: list[float]  # 24 values (plain floats: read once per dial)
    by_weekday: list[float]  # 7 values
    known_caller_id_factor: float

    @classmethod
    def from_config(cls, cfg: TelephonyConfig) -> AnswerCurve:
        hours = sorted(cfg.p_answer_by_hour)
        by_hour = [
            float(cfg.p_answer_by_hour[min(hours, key=lambda k: (abs(k - h), k))])
            for h in range(24)
        ]
        by_weekday = [float(cfg.answer_factor_by_weekday.get(d, 1.0)) for d in WEEKDAYS]
        return cls(by_hour, by_weekday, cfg.known_caller_id_factor)

    def p_person(
        self, local_hour: int, weekday: int, known_caller_id: bool, propensity: float = 1.0
    ) -> float:
        p = self.by_hour[local_hour] * self.by_weekday[weekday] * propensity
        if known_caller_id:
            p *= self.known_caller_id_factor
        return min(1.0, p)


def dial(
    rng: Draws,
    cfg: TelephonyConfig,
    p_person: float,
    shared_phone: bool,
    number_reassigned: bool,
) -> Dial:
    """Place one voice dial. A reassigned number is answered by a stranger when anyone answers."""
    u_fault, u_answer, u_who = rng.random3()
    if u_fault < cfg.p_failed:
        return Dial("failed", "", 0)
    if u_fault < cfg.p_failed + cfg.p_busy:
        return Dial("busy", "", 5)
    ring_s = int(4 + u_who * 20)
    if u_answer < p_person:
        if number_reassigned:
            return Dial("wrong_number", "stranger", ring_s)
        if shared_phone and u_who < cfg.p_household_answers_shared_phone:
            return Dial("answered", "household", ring_s)
        return Dial("answered", "patient", ring_s)
    # nobody picked up: the machine answers with probability p_voicemail_box
    if (u_answer - p_person) / max(1e-12, 1.0 - p_person) < cfg.p_voicemail_box:
        return Dial("machine", "machine", cfg.ring_s)
    return Dial("no_answer", "", cfg.ring_s)


def send_sms(rng: Draws, cfg: TelephonyConfig, wireless: bool) -> str:
    """Send one text: landlines cannot take it; carriers drop a few."""
    if not wireless:
        return "undelivered"
    return "delivered" if rng.random() < cfg.p_sms_delivered else "undelivered"
