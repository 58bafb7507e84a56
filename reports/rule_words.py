"""Each compliance rule as a sentence with its own numbers ("At most 3 contacts in any 7 days"),
built from the rule's parameters so a rules file laid over the defaults is stated as it is judged.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from dentsim.compliance import rules as r

PURPOSE_WORDS = {
    "recall": "hygiene recalls",
    "reactivation": "reactivations",
    "confirmation": "confirmations",
    "post_op": "post-op check-ins",
    "treatment_plan": "treatment-plan follow-ups",
    "marketing": "marketing",
    "optout_confirmation": "opt-out confirmations",
}
POSTURE_WORDS = {
    "healthcare_consent": "healthcare consent",
    "healthcare_exempt": "the healthcare exemption",
    "written_consent": "written consent",
}
CONSENT_WORDS = {"consent_healthcare": "healthcare consent", "consent_written": "written consent"}
APPLIES_WORDS = {
    "address_state": "the address's state",
    "phone_state": "the phone's area-code state",
}
CHANNEL_WORDS = {"voice": "calls", "sms": "texts"}
DAY_WORDS = {
    "mon": "Mondays", "tue": "Tuesdays", "wed": "Wednesdays", "thu": "Thursdays",
    "fri": "Fridays", "sat": "Saturdays", "sun": "Sundays",
}  # fmt: skip


def _join(words: Iterable[str], last: str = "and") -> str:
    items = list(words)
    if len(items) <= 1:
        return "".join(items)
    return f"{', '.join(items[:-1])} {last} {items[-1]}"


def _channels(channels: Iterable[str]) -> str:
    return _join(CHANNEL_WORDS.get(c, c) for c in channels)


def _purposes(purposes: Iterable[str]) -> str:
    return _join(PURPOSE_WORDS.get(p, p.replace("_", " ")) for p in purposes)


def _times(n: int, one: str, many: str) -> str:
    return f"{n:,} {one if n == 1 else many}"


def _by(applies_by: Iterable[str]) -> str:
    return _join(APPLIES_WORDS.get(a, a) for a in applies_by)


def _span(w: r.LocalWindow) -> str:
    return f"{w.start_local}-{w.end_local}"


def _grouped(states: dict[str, Any], say: Callable[[Any], str]) -> str:
    """'FL and OK: ...; MD: ...': states that share a rule stated once."""
    groups: dict[str, list[str]] = {}
    for state, value in sorted(states.items()):
        groups.setdefault(say(value), []).append(state)
    return "; ".join(f"{_join(names)}: {words}" for words, names in groups.items())


def _not_counted(purposes: Iterable[str]) -> str:
    items = list(purposes)
    return f" ({_purposes(items)} not counted)" if items else ""


def _federal(rule: r.FederalCallingWindow) -> str:
    return (
        f"Every contact ({_channels(rule.channels)}) starts between {rule.window.start_local} "
        f"and {rule.window.end_local} in the patient's local time, in every time zone the "
        "patient may be in (the address's and the phone's area code's)."
    )


def _state_window(rule: r.StateCallingWindow) -> str:
    def say(s: r.StateWindow) -> str:
        days = "".join(f", {DAY_WORDS[day]} {_span(w)}" for day, w in s.by_weekday.items())
        return _span(s.window) + days

    return (
        f"Where a state sets a narrower calling window, {_channels(rule.channels)} start inside "
        f"it, judged by {_by(rule.applies_by)}: {_grouped(rule.states, say)}."
    )


def _state_ban(rule: r.StateSundayHolidayBan) -> str:
    calendar = "federal" if rule.holiday_calendar == "us_federal" else "state"

    def say(s: r.StateBan) -> str:
        days = [w for w, on in (("Sundays", s.sundays), (f"{calendar} holidays", s.holidays)) if on]
        return f"none on {_join(days, 'or')}" if days else "no ban"

    return (
        f"No {_join((CHANNEL_WORDS.get(c, c) for c in rule.channels), 'or')} on the days a state bans, by the local date and "
        f"{_by(rule.applies_by)}: {_grouped(rule.states, say)}."
    )


def _state_cap(rule: r.StateDailyCap) -> str:
    def say(s: r.StateCap) -> str:
        subject = "on the same subject" if s.per_subject else "on any subject"
        return (
            f"at most {_times(s.max_contacts, 'contact', 'contacts')} in any "
            f"{_times(s.window_h, 'hour', 'hours')} to one number, {subject}"
        )

    return (
        f"Where a state caps contacts ({_channels(rule.channels)}), by {_by(rule.applies_by)}: "
        f"{_grouped(rule.states, say)}{_not_counted(rule.not_counted_purposes)}."
    )


def _daily_cap(rule: r.HealthcareDailyCap) -> str:
    local = rule.day == "local_calendar_day"
    return _practice_cap(rule, "a day (the patient's local date)" if local else "in any 24 hours")


def _weekly_cap(rule: r.HealthcareWeeklyCap) -> str:
    local = rule.week == "local_7_calendar_days"
    return _practice_cap(
        rule, "in any 7 days (the patient's local dates)" if local else "in any 168 hours"
    )


def _practice_cap(rule: r.HealthcareDailyCap | r.HealthcareWeeklyCap, period: str) -> str:
    return (
        f"At most {_times(rule.max_contacts, 'contact', 'contacts')} {period} from the "
        f"practice to one number, {_channels(rule.channels)} counted together"
        f"{_not_counted(rule.not_counted_purposes)}."
    )


def _opt_out(rule: r.OptOut) -> str:
    scope = (
        "on the channels it names"
        if rule.scope == "as_recorded"
        else "on every channel, whichever it came by"
    )
    return f"No contact after a hard opt-out, from the second it is received, {scope}."


def _optout_confirmation(rule: r.OptoutConfirmation) -> str:
    within = (
        f"{rule.within_s // 60:,} minutes" if rule.within_s % 60 == 0 else f"{rule.within_s:,} s"
    )
    received = _join(CHANNEL_WORDS.get(c, c)[:-1] for c in rule.received_channels)
    return (
        f"After an opt-out by {received}, at most "
        f"{_times(rule.max_per_opt_out, 'confirmation text', 'confirmation texts')}, within "
        f"{within}, with no marketing words ({_times(len(rule.marketing_terms), 'term', 'terms')} "
        "checked) and no other purpose."
    )


def _soft_pause(rule: r.SoftOptOutPause) -> str:
    exempt = [p for p in rule.exempt_purposes if p != "optout_confirmation"]
    rest = f"; {_purposes(exempt)} about care already booked go on" if exempt else ""
    return (
        f'A soft opt-out ("call me later") pauses outreach until the date recorded with it{rest}.'
    )


def _consent(rule: r.ConsentRequired) -> str:
    needs = []
    for posture, flags in rule.requires.items():
        what = _join(CONSENT_WORDS.get(f, f) for f in flags) or "no consent"
        needs.append(f"a use case under {POSTURE_WORDS.get(posture, posture)} needs {what}")
    marketing = (
        f"; {_purposes(rule.written_consent_purposes)} always needs written consent"
        if rule.written_consent_purposes
        else ""
    )
    number = "; the number contacted is the one on file" if rule.number_on_file else ""
    return (
        f"Every purpose of a contact has the consent it needs on file: {', '.join(needs)}"
        f"{marketing}{number}."
    )


def _voice_duration(rule: r.ExemptVoiceDuration) -> str:
    return (
        f"A call relying on the healthcare exemption lasts "
        f"{_times(rule.max_duration_s, 'second', 'seconds')} or less."
    )


def _sms_length(rule: r.ExemptSmsLength) -> str:
    return (
        f"A text relying on the healthcare exemption is "
        f"{_times(rule.max_length_chars, 'character', 'characters')} or less."
    )


def _identification(rule: r.ExemptIdentification) -> str:
    parts = [
        w
        for w, on in (
            ("names the practice", rule.require_practice_name),
            ("gives its callback number", rule.require_callback_number),
        )
        if on
    ]
    if not parts:
        return "A voicemail or text relying on the healthcare exemption needs no identification."
    return f"A voicemail or text relying on the healthcare exemption {_join(parts)}."


def _hipaa_terms(rule: r.HipaaMinimumNecessary) -> str:
    extra = (
        f", {len(rule.extra_terms):,} of them added by the rules file" if rule.extra_terms else ""
    )
    return (
        "No voicemail or text names a procedure, diagnosis, treatment or balance "
        f"({_times(len(rule.terms), 'protected term', 'protected terms')} checked{extra})."
    )


def _verify(rule: r.HipaaVerifyBeforePhi) -> str:
    return (
        "On a call, the AI says nothing protected before the patient's identity is verified, "
        "nor to anyone but the patient."
    )


def _wrong_number(rule: r.WrongNumber) -> str:
    if rule.scope == "number":
        return "A number that reached a stranger is never used again, for any patient."
    return "A number that reached a stranger is never contacted again for that patient."


SENTENCES: dict[str, Callable[[Any], str]] = {
    "federal_calling_window": _federal,
    "state_calling_window": _state_window,
    "state_sunday_holiday_ban": _state_ban,
    "state_daily_cap": _state_cap,
    "healthcare_daily_cap": _daily_cap,
    "healthcare_weekly_cap": _weekly_cap,
    "opt_out": _opt_out,
    "optout_confirmation": _optout_confirmation,
    "soft_opt_out_pause": _soft_pause,
    "consent_required": _consent,
    "exempt_voice_duration": _voice_duration,
    "exempt_sms_length": _sms_length,
    "exempt_identification": _identification,
    "hipaa_minimum_necessary": _hipaa_terms,
    "hipaa_verify_before_phi": _verify,
    "confidential_no_voicemail": lambda _: (
        "No message is left on a machine for a patient who asked for no voicemail."
    ),
    "wrong_number": _wrong_number,
    "internal_dnc": lambda _: "A patient on the practice's do-not-call list gets no contact.",
    "sms_text_allowed": lambda _: "A text goes only to a patient whose record allows texts.",
}


def rule_sentence(rule_id: str, rule: r.Rule) -> str:
    """The rule in words, with its parameters; the rules file's own statement for a rule this
    module does not know (none today: every packaged rule has a sentence, as a test checks)."""
    say = SENTENCES.get(rule_id)
    return say(rule) if say is not None else rule.statement
