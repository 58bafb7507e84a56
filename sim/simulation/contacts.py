"""Placing a contact: the gate's say, the dial or the text, what came of it, and its row in the
event log (an attempt, or a deferral when the gate refused).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from dentsim.agents.amd import detect
from dentsim.agents.voicemail import render_optout_confirmation, render_sms, render_voicemail
from dentsim.domain import behaviour, campaigns, telephony
from dentsim.domain.calendar import DAY_S
from dentsim.simulation.conversations import converse
from dentsim.simulation.planner import Touch
from dentsim.simulation.records import Deferred, Placed, TextReply
from dentsim.simulation.responses import OPTOUT_CONFIRMATION, after_message, opt_out_choice, press
from dentsim.simulation.rows import AttemptRow, DeferralRow

if TYPE_CHECKING:
    from dentsim.simulation.model import PracticeModel

# refusals that will not change by tomorrow: the cadence is given up instead of retried daily
NEVER_PERMITTED = frozenset(
    {"internal_dnc", "wrong_number", "opt_out", "consent_required", "sms_text_allowed"}
)


def place(m: PracticeModel, touch: Touch, now: float) -> Placed | Deferred | None:
    """Place `touch` now. None when it is no longer needed or the gate drops it; `Deferred`
    when the gate allows it later today."""
    state = m.state
    episodes = state.episodes
    for i in touch.items:
        if i.use_case in episodes:
            episodes[i.use_case].pending[i.patient] = False
    if touch.appointment_id >= 0:
        appt = state.appointments.get(touch.appointment_id)
        if appt is None or appt.status != "scheduled" or appt.confirmed_via:
            return None  # the visit was confirmed, cancelled or moved meanwhile
    refused = m.gate.check(touch, now, state)
    if refused is not None:
        defer(m, touch, now, refused.rule_id, refused.retry_at)
        if refused.rule_id in NEVER_PERMITTED:
            for i in touch.items:
                campaigns.given_up(state, m.scenario.campaigns, i.use_case, i.patient, touch.day)
        return None if refused.retry_at is None else Deferred(retry_at=refused.retry_at)
    if touch.channel == "sms":
        message = render_sms(m.practice.name, m.practice.phone, touch.purposes)
        if touch.purposes == (OPTOUT_CONFIRMATION,):
            message = render_optout_confirmation(m.practice.name)
        withheld = m.gate.message(touch, message)
        if withheld is not None:
            defer(m, touch, now, withheld, None)
            return None
    m.gate.record(touch, now)
    day = touch.day
    if len(touch.items) == 1:
        state.note_contact(touch.patient, touch.purposes, day)
    else:
        for p in touch.patients:
            state.note_contact(p, tuple(i.use_case for i in touch.items if i.patient == p), day)
    for i in touch.items:
        campaigns.touch_placed(state, m.scenario.campaigns, i.use_case, i.patient, day)
    if touch.channel == "voice":
        return _call(m, touch, now)
    return _text(m, touch, now, message)


def _call(m: PracticeModel, touch: Touch, now: float) -> Placed:
    """Dial: nobody, a machine (a voicemail, if one may be left) or a person to talk with."""
    cfg = m.scenario.telephony
    patient = touch.patient
    f = m.facts
    local = m.clock.local_seconds(f.home_zone[patient], now)
    hour = int(local % DAY_S) // 3600
    known = cfg.caller_id == "practice_main"
    p_person = m.curve.p_person(
        hour, m.clock.weekday(int(local // DAY_S)), known, f.trust_known_caller[patient]
    )
    p_person = min(
        1.0,
        p_person
        * behaviour.answer_multiplier(
            f.answer_propensity[patient],
            f.best_hour[patient],
            hour,
            m.scenario.behaviour.best_hour_boost,
        ),
    )
    dial = telephony.dial(
        m.draws.telephony,
        cfg,
        p_person,
        f.phone_shared[patient],
        m.state.number_reassigned[patient],
    )
    placed = Placed(duration_s=dial.ring_s)
    result, message, outcomes = dial.result, "", ["no_contact"] * len(touch.items)
    answered_by = dial.answered_by
    gen = m.draws.dialogue.gen
    if dial.result == "machine":
        amd = detect(m.talk.amd, True, gen)
        placed.duration_s += int(amd.message_delay_s if amd.verdict == "machine" else amd.delay_s)
        message = m.voicemails.get(touch.purposes) or _voicemail(m, touch.purposes)
        withheld = m.gate.message(touch, message) if _leave_voicemail(m, touch) else "no"
        if withheld is None and amd.voicemail in ("delivered", "clipped"):
            result = "voicemail"
            placed.duration_s += cfg.voicemail_s
            outcomes = [
                "message_left" if amd.voicemail == "delivered" else "message_clipped"
            ] * len(touch.items)
            after_message(m, touch, now, placed, "voicemail")
        else:
            message = ""
            result = "no_answer"
            press(m, touch, now, "no_answer")
            if withheld not in (None, "no"):
                defer(m, touch, now, withheld, None, action="message_withheld")
    elif dial.result in ("answered", "wrong_number"):
        amd = detect(m.talk.amd, False, gen)
        placed.duration_s += int(amd.delay_s)
        if amd.person_hung_up:
            outcomes = ["hung_up_on_silence"] * len(touch.items)  # during machine detection
            press(m, touch, now, "no_answer")
        else:
            outcomes = converse(m, touch, now, answered_by, placed)
        if dial.result == "wrong_number":  # the call's disposition marks the number in the PMS
            for p in touch.patients:
                m.state.wrong_number[p] = True
    else:
        press(m, touch, now, "no_answer")
    limit = m.gate.max_call_s(touch)
    if limit is not None:  # the agent wraps up within the exemption's limit
        placed.duration_s = min(placed.duration_s, limit)
    _attempt(m, touch, now, result, answered_by, placed.duration_s, message, outcomes)
    return placed


def _voicemail(m: PracticeModel, purposes: tuple[str, ...]) -> str:
    """The voicemail for these purposes (one text per purposes: cached)."""
    text = render_voicemail(m.practice.name, m.practice.phone, purposes)
    m.voicemails[purposes] = text
    return text


def _leave_voicemail(m: PracticeModel, touch: Touch) -> bool:
    """Whether the gate and the use case's voicemail policy let a message be left."""
    if not m.gate.may_leave_voicemail(touch):
        return False
    policy = getattr(m.scenario.campaigns, touch.items[0].use_case).voicemail
    if policy == "always":
        return True
    if policy == "never":
        return False
    return all(i.step == 0 for i in touch.items)


def _text(m: PracticeModel, touch: Touch, now: float, message: str) -> Placed:
    """Send the text; a delivered one may bring a reply (a STOP too) or a returned call."""
    patient = touch.patient
    result = telephony.send_sms(m.draws.telephony, m.scenario.telephony, m.facts.wireless[patient])
    placed = Placed()
    outcome = "no_reply"
    rng = m.draws.dialogue
    if touch.purposes == (OPTOUT_CONFIRMATION,):
        outcome = "sent"
    elif result == "delivered":
        press(m, touch, now, "sms")
        b = m.scenario.behaviour
        if touch.appointment_id >= 0:
            kind = behaviour.confirmation_reply(rng, b, m.facts.prefers_sms[patient])
            appointment_id = touch.appointment_id
        else:
            choice = opt_out_choice(m, patient)
            kind = None if choice is None else "stop" if choice == "hard" else "later"
            appointment_id = -1
        if kind is not None:
            placed.replies.append(TextReply(
                delay_s=behaviour.sms_reply_delay_s(rng, b), patient=patient, kind=kind,
                appointment_id=appointment_id,
            ))  # fmt: skip
            outcome = "replied"
        elif touch.appointment_id < 0:
            after_message(m, touch, now, placed, None)
    _attempt(m, touch, now, result, "", 0, message, [outcome] * len(touch.items))
    return placed


def _attempt(
    m: PracticeModel, touch: Touch, now: float, result: str, answered_by: str, duration_s: int,
    message: str, outcomes: list[str],
) -> None:  # fmt: skip
    """Record the contact in attempts: one outcome per item, in the order of its purposes."""
    ids = m.facts.patient_id
    if len(touch.items) == 1:
        covered, outcome = "", outcomes[0]
    else:
        covered = "|".join(str(ids[p]) for p in touch.patients if p != touch.patient)
        by_purpose = dict(zip((i.use_case for i in touch.items), outcomes, strict=True))
        outcome = "|".join(by_purpose[u] for u in touch.purposes)
    recorder = m.recorder
    recorder.add(AttemptRow(
        attempt_id=recorder.next_id("attempts"), practice_id=m.practice.practice_id,
        patient_id=ids[touch.patient], t_utc=now, channel=touch.channel, phone=touch.phone,
        purposes="|".join(touch.purposes), result=result, answered_by=answered_by,
        duration_s=int(duration_s), message=message, outcome=outcome,
        covered_patient_ids=covered,
    ))  # fmt: skip


def defer(
    m: PracticeModel, touch: Touch, now: float, rule_id: str, retry_at: float | None,
    action: str = "",
) -> None:  # fmt: skip
    """Record what the gate refused: deferred to `retry_at`, or dropped for today."""
    m.recorder.add(DeferralRow(
        practice_id=m.practice.practice_id, patient_id=m.facts.patient_id[touch.patient],
        t_utc=now, channel=touch.channel, purposes="|".join(touch.purposes), rule_id=rule_id,
        action=action or ("dropped" if retry_at is None else "deferred"), t_next_utc=retry_at,
    ))  # fmt: skip
