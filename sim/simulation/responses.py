"""How patients respond to outreach outside a conversation: the pressure contacts add, opting
out, returning a message, and replying to a text.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from dentsim.domain import behaviour, campaigns
from dentsim.domain.calendar import DAY_S
from dentsim.domain.campaigns import CONFIRMATION, POST_OP
from dentsim.simulation.planner import Item, Touch, touch
from dentsim.simulation.records import LaterText, Placed, ReturnedCall
from dentsim.simulation.rows import OptOutRow

if TYPE_CHECKING:
    from dentsim.simulation.model import PracticeModel

OFF_HOURS_H = 3  # a call this many hours from the patient's best hour counts as off-hours
OPTOUT_CONFIRMATION = "optout_confirmation"
OPTOUT_CONFIRMATION_DELAY_S = 30.0  # the one text confirming an SMS opt-out goes within seconds


# --- what a contact does to the patients it reaches ---------------------------------------------
def press(m: PracticeModel, touch: Touch, now: float, kind: str) -> None:
    """Add this contact's pressure to every patient it reached."""
    b = m.scenario.behaviour
    s = m.state
    week_ago = touch.day - 7
    f = m.facts
    for p in touch.patients:
        repeat = False
        for i in touch.items:
            previous = s.previous_touch_day.get(i.use_case)
            if i.patient == p and previous is not None and previous[p] > week_ago:
                repeat = True
        hour = int(m.clock.local_seconds(f.home_zone[p], now) % DAY_S) // 3600
        off_hours = abs(hour - f.best_hour[p]) >= OFF_HOURS_H
        same_day = now - s.last_contact_t[p] < 12 * 3600
        decayed = behaviour.decayed_pressure(
            s.pressure[p], now - s.pressure_t[p], b.fatigue_half_life_days
        )
        s.pressure[p] = decayed + behaviour.pressure_added(b, kind, repeat, off_hours, same_day)
        s.pressure_t[p] = now
        s.last_contact_t[p] = now


def opt_out_choice(m: PracticeModel, patient: int) -> str | None:
    """Whether the patient opts out now (`hard`, `soft`), given the pressure they feel."""
    b = m.scenario.behaviour
    fatigue = behaviour.fatigue_multiplier(
        b, m.state.pressure[patient], m.facts.annoyance_threshold[patient]
    )
    return behaviour.opt_out_choice(m.draws.dialogue, b, fatigue)


def after_message(
    m: PracticeModel, touch: Touch, now: float, placed: Placed, pressure_kind: str | None
) -> None:
    """A message was left (voicemail, text, household member): the patient may return it."""
    if pressure_kind is not None:
        press(m, touch, now, pressure_kind)
    patient = touch.patient
    responsiveness = m.facts.responsiveness[patient]
    if touch.channel == "sms" and m.facts.prefers_sms[patient]:
        responsiveness = min(1.0, responsiveness * 1.3)
    delay = behaviour.returns_message(m.draws.dialogue, m.scenario.behaviour, responsiveness)
    if delay is not None:
        placed.callbacks.append(
            ReturnedCall(delay_s=delay, patient=patient, use_cases=touch.purposes)
        )


# --- opting out ------------------------------------------------------------------------------
def opt_out(
    m: PracticeModel, patient: int, t: float, channel: str, scope: str, how: str, text: str
) -> None:
    """A hard opt-out: no more contacts on `scope` (`voice`, `sms` or `all`)."""
    if scope in ("voice", "all"):
        m.state.opted_out_voice[patient] = True
    if scope in ("sms", "all"):
        m.state.opted_out_sms[patient] = True
    m.recorder.add(OptOutRow(
        practice_id=m.practice.practice_id, patient_id=m.facts.patient_id[patient], t_utc=t,
        channel=channel, scope=scope, how=how, kind="hard", pause_until_utc=None, text=text,
    ))  # fmt: skip


def soft_opt_out(m: PracticeModel, patient: int, t: float, channel: str, text: str) -> None:
    """ "I'll call when I'm ready": outreach pauses for a drawn number of days."""
    pause = m.scenario.strategy.soft_opt_out_pause_days
    days = m.draws.dialogue.integers(pause.min, pause.max + 1)
    day = m.clock.local_day(m.practice.tz, t)
    m.state.pause_outreach(patient, t + days * DAY_S, day + days + 1)
    m.recorder.add(OptOutRow(
        practice_id=m.practice.practice_id, patient_id=m.facts.patient_id[patient], t_utc=t,
        channel=channel, scope="all", how="spoken" if channel == "voice" else "sms_reply",
        kind="soft", pause_until_utc=t + days * DAY_S, text=text,
    ))  # fmt: skip


# --- what comes back -------------------------------------------------------------------------
def inbound(m: PracticeModel, patient: int, use_cases: tuple[str, ...], now: float) -> Placed:
    """A patient returns a message; the agent takes the call and handles what is still open."""
    placed = Placed()
    if m.state.opted_out_voice[patient] and m.state.opted_out_sms[patient]:
        return placed
    day = m.clock.local_day(m.practice.tz, now)
    b = m.scenario.behaviour
    rng = m.draws.dialogue
    for use_case in use_cases:
        if use_case in campaigns.BOOKING:
            if m.visits.still_wanted(patient, use_case) and behaviour.accepts(
                rng, b, use_case, m.facts.responsiveness[patient]
            ):
                m.visits.book_use_case(patient, use_case, day, now, "callback", rng)
        elif use_case == CONFIRMATION:
            appt = m.visits.next_visit(patient)
            if appt is not None and not appt.confirmed_via:
                appt.confirmed_via = "voice"
        elif use_case == POST_OP and m.state.procedure_day[patient] >= 0:
            campaigns.succeeded(m.state, POST_OP, patient)
            if m.draws.clinical.random() < m.scenario.clinical.p_red_flag:
                placed.transfers.append(patient)
    return placed


def reply(m: PracticeModel, patient: int, kind: str, appointment_id: int, now: float) -> Placed:
    """A text reply arrives: confirm, cancel, reschedule, stop, later, or free text."""
    placed = Placed()
    appt = m.state.appointments.get(appointment_id)
    live = appt is not None and appt.status == "scheduled"
    if kind == "stop":
        opt_out(m, patient, now, "sms", "sms", "sms_reply", "STOP")
        day = m.clock.local_day(m.facts.home_zone[patient], now)
        confirm = touch(
            patient=patient, phone=str(m.patients.phone[patient]), channel="sms",
            t=now + OPTOUT_CONFIRMATION_DELAY_S, day=day, zones=m.zones[patient],
            items=(Item(patient=patient, use_case=OPTOUT_CONFIRMATION, step=0),),
        )  # fmt: skip
        placed.texts.append(LaterText(delay_s=OPTOUT_CONFIRMATION_DELAY_S, touch=confirm))
    elif kind == "later":
        soft_opt_out(m, patient, now, "sms", "Not now, I'll call when I'm ready")
    elif appt is None or not live:
        pass  # the visit was settled, cancelled or moved meanwhile
    elif kind == "confirm":
        appt.confirmed_via = "sms"
    elif kind == "cancel":
        m.visits.cancel(appt)
    elif kind == "reschedule":
        m.visits.cancel(appt)
        day = m.clock.local_day(m.practice.tz, now)
        moved = m.visits.book(patient, appt.kind, day + 2, "reschedule", via="sms_reply", now=now)
        if moved is not None:
            moved.confirmed_via = "sms"
    return placed
