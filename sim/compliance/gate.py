"""The compliance gate: may this contact be placed at this moment, and if not, when?

The engine asks `Gate.check` for every contact right before it is placed, and `Gate.message`
for every voicemail or text before it is left. The rules come from sim/compliance/*.yaml (the
RuleSet); the decisions are this module's own. The audit (sim/compliance/audit/) re-derives every rule
independently and never imports this module, so a bug here cannot hide itself.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from typing import TYPE_CHECKING

import numpy as np

from dentsim.compliance.phi import ProtectedTerms, person_names
from dentsim.compliance.rules import LocalWindow, RuleSet
from dentsim.domain.calendar import DAY_S, HOUR_S, Clock, federal_holidays
from dentsim.scenario import WEEKDAYS, Scenario
from dentsim.vocabulary import LEGAL_POSTURES, USE_CASES

if TYPE_CHECKING:
    from dentsim.domain.pms import PracticeState
    from dentsim.domain.population import Patients, Practice
    from dentsim.simulation.planner import Touch

_UNKNOWN = object()  # a verdict not worked out yet (None is a verdict: permitted)
_SPLIT = object()  # an hour a window edge (or a change of offset) falls inside: judged by minute
MINUTE_S = 60
SEARCH_HOURS = 96  # how far ahead a time-of-day refusal looks for the next permitted hour
CAP_MEMORY_S = 9 * DAY_S  # longer than any cap's window (7 local days, 168 h, 24 h)


@dataclass(frozen=True, slots=True)
class Refusal:
    """A contact the gate refused: the rule, and when it may go (None: not today, drop it)."""

    rule_id: str
    retry_at: float | None


@dataclass(slots=True)
class Gate:
    rules: RuleSet
    clock: Clock
    scenario: Scenario
    patients: Patients
    practice: Practice
    _states: list[tuple[str, ...]] = field(init=False)
    _home_zone: list[str] = field(init=False)
    _postures: dict[str, str] = field(init=False)
    _hours: dict[tuple[tuple[str, ...], tuple[str, ...], str, int], object] = field(init=False)
    _minutes: dict[tuple[tuple[str, ...], tuple[str, ...], str, int], str | None] = field(
        init=False
    )
    _edges: tuple[int, ...] = field(init=False)  # local seconds of day where a verdict may change
    _sent: dict[str, list[tuple[float, int, str, str]]] = field(
        init=False
    )  # t, day, purposes, channel
    _protected: ProtectedTerms = field(init=False)
    _practice_ids: tuple[str, ...] = field(init=False)  # what identifies the caller
    _households: dict[int, list[int]] = field(init=False)  # household id -> patients, lazily
    # per text, purposes and channel: (a protected term beyond the practice's identification,
    # the verdict of the other message rules)
    _verdicts: dict[tuple[str, tuple[str, ...], str], tuple[bool, str | None]] = field(init=False)
    _consent_by_posture: dict[str, list[bool]] = field(init=False)
    _phones: list[str] = field(init=False)
    _state_capped: list[bool] = field(init=False)
    _local_infos: dict[tuple[str, float], tuple[float, str, date]] = field(init=False)
    _dnc: list[bool] = field(init=False)  # the internal do-not-call list, as it stands
    _text_allowed: list[bool] = field(init=False)
    _no_voicemail: list[bool] = field(init=False)
    _confirmation_purposes: tuple[str, ...] = field(init=False)
    _call_limits: dict[tuple[str, ...], int | None] = field(init=False)
    _day_at: tuple[int, float, int] = field(init=False)  # the last (patient, t, local day)

    def __post_init__(self) -> None:
        p = self.patients
        self._states = p.states
        self._home_zone = p.tz_address.tolist()
        self._dnc = p.do_not_call.tolist()
        self._confirmation_purposes = (self.rules.optout_confirmation.purpose,)
        self._text_allowed = p.text_allowed.tolist()
        self._no_voicemail = p.no_voicemail.tolist()
        campaigns = self.scenario.campaigns
        self._postures = {name: getattr(campaigns, name).legal_posture for name in USE_CASES}
        self._hours = {}
        self._minutes = {}
        self._edges = _window_edges(self.rules)
        self._sent = defaultdict(list)
        self._verdicts = {}
        self._consent_by_posture = {}
        self._phones = p.phone.tolist()
        self._call_limits = {}
        self._local_infos = {}
        self._day_at = (-1, 0.0, 0)
        capped = set(self.rules.state_daily_cap.states)
        self._state_capped = [bool(capped.intersection(s)) for s in self._states]
        self._protected = ProtectedTerms(self.rules.hipaa_minimum_necessary.terms)
        pr = self.practice
        self._practice_ids = (pr.name, pr.phone, pr.street, pr.city)
        self._households = {}

    # --- the contact ------------------------------------------------------------------------
    def check(self, touch: Touch, now: float, state: PracticeState) -> Refusal | None:
        """None when `touch` may be placed now; else the rule that refuses it."""
        refusal = self._person_rules(touch, now, state)
        if refusal is not None:
            return refusal
        rule_id = self._time_rules(touch, now)
        if rule_id is not None:
            if touch.purposes == self._confirmation_purposes:
                return Refusal(rule_id, None)  # a late confirmation would be one too many texts
            return Refusal(rule_id, self.next_permitted(touch, now))
        return self._caps(touch, now)

    def record(self, touch: Touch, now: float) -> None:
        """Remember a placed contact for the frequency caps of its number."""
        purposes = "|".join(touch.purposes)
        self._sent[touch.phone].append(
            (now, self._local_day(touch.patient, now), purposes, touch.channel)
        )

    def _person_rules(self, touch: Touch, now: float, state: PracticeState) -> Refusal | None:
        r = self.rules
        confirmation_text = touch.purposes == self._confirmation_purposes
        channel = touch.channel
        for patient in touch.patients:
            if r.internal_dnc.enabled and self._on_dnc_list(patient):
                return Refusal("internal_dnc", None)
            if r.wrong_number.enabled and self._marked_wrong(state, patient):
                return Refusal("wrong_number", None)
            if (
                r.opt_out.enabled
                and not confirmation_text
                and self._opted_out(state, patient, channel)
            ):
                return Refusal("opt_out", None)
            if channel == "sms" and r.sms_text_allowed.enabled and not self._text_allowed[patient]:
                return Refusal("sms_text_allowed", None)
            if r.soft_opt_out_pause.enabled and self._paused(state, patient, now):
                exempt = set(r.soft_opt_out_pause.exempt_purposes)
                if not set(touch.purposes) <= exempt:
                    return Refusal("soft_opt_out_pause", None)
        if r.consent_required.enabled and not confirmation_text and not self._consented(touch):
            return Refusal("consent_required", None)
        return None

    def _on_dnc_list(self, patient: int) -> bool:
        return self._dnc[patient]

    def _marked_wrong(self, state: PracticeState, patient: int) -> bool:
        return state.wrong_number[patient]

    def _paused(self, state: PracticeState, patient: int, now: float) -> bool:
        return state.paused_until_t[patient] > now

    def _opted_out(self, state: PracticeState, patient: int, channel: str) -> bool:
        if self.rules.opt_out.scope == "all_channels":
            return state.opted_out_voice[patient] or state.opted_out_sms[patient]
        return (
            state.opted_out_voice[patient] if channel == "voice" else state.opted_out_sms[patient]
        )

    def _consented(self, touch: Touch) -> bool:
        rule = self.rules.consent_required
        for item in touch.items:
            posture = self._postures.get(item.use_case, rule.default_posture)
            if not self._consent_on_file(posture)[item.patient]:
                return False
            if rule.number_on_file and self._phones[item.patient] != touch.phone:
                return False
        return True

    def _consent_on_file(self, posture: str) -> list[bool]:
        """Per patient: every consent flag the posture requires is on file (fixed for a run)."""
        on_file = self._consent_by_posture.get(posture)
        if on_file is None:
            required = self.rules.consent_required.requires.get(posture, ())  # type: ignore[call-overload]
            ok = np.ones(len(self.patients), dtype=bool)
            for flag in required:
                ok &= getattr(self.patients, flag)
            on_file = self._consent_by_posture[posture] = ok.tolist()
        return on_file

    # --- time of day, Sundays and holidays ------------------------------------------------------
    def _time_rules(self, touch: Touch, t: float) -> str | None:
        zones = self._zones(touch)
        if len(touch.patients) == 1:
            states = self._states[touch.patient]
        else:
            states = tuple(sorted({s for p in touch.patients for s in self._states[p]}))
        hour = int(t // HOUR_S)
        key = (zones, states, touch.channel, hour)
        verdict = self._hours.get(key, _UNKNOWN)
        if verdict is _UNKNOWN:
            start = hour * HOUR_S
            verdict = self._hours[key] = (
                _SPLIT
                if self._edge_within(zones, start)
                else self._hour_rules(zones, states, touch.channel, start)
            )
        if verdict is _SPLIT:  # "08:30", or a zone half an hour off UTC: judged minute by minute
            minute = int(t // MINUTE_S)
            mkey = (zones, states, touch.channel, minute)
            if mkey not in self._minutes:
                self._minutes[mkey] = self._hour_rules(
                    zones, states, touch.channel, minute * MINUTE_S
                )
            return self._minutes[mkey]
        return verdict  # type: ignore[return-value]

    def _edge_within(self, zones: tuple[str, ...], start: float) -> bool:
        """True when, in one of `zones`, a window edge or local midnight falls strictly inside the
        UTC hour from `start`: the time rules' verdict at `start` need not hold for the whole
        hour. (Edges are whole minutes, as are zone offsets; the clock changes an offset on a
        whole UTC hour.)"""
        for zone in zones:
            local_s = self._local_info(zone, start)[0]
            if any(0 < (e - local_s) % DAY_S < HOUR_S for e in self._edges):
                return True
        return False

    def _zones(self, touch: Touch) -> tuple[str, ...]:
        """Every candidate zone of the contact: each patient's address and area code zones."""
        return touch.zones

    def _hour_rules(
        self, zones: tuple[str, ...], states: tuple[str, ...], channel: str, t: float
    ) -> str | None:
        r = self.rules
        fed, sw, ban = r.federal_calling_window, r.state_calling_window, r.state_sunday_holiday_ban
        for zone in zones:
            local_s, weekday, d = self._local_info(zone, t)
            if fed.enabled and channel in fed.channels and not _inside(fed.window, local_s):
                return "federal_calling_window"
            if sw.enabled and channel in sw.channels:
                for s in states:
                    window = self._state_window(s, weekday)
                    if window is not None and not _inside(window, local_s):
                        return "state_calling_window"
            if (
                ban.enabled
                and channel in ban.channels
                and any(self._banned(s, weekday, d) for s in states)
            ):
                return "state_sunday_holiday_ban"
        return None

    def _local_info(self, zone: str, t: float) -> tuple[float, str, date]:
        """Local seconds of day, weekday and date in `zone` at `t`: cached, many contacts share them."""
        key = (zone, t)
        info = self._local_infos.get(key)
        if info is None:
            local_s, day = self._local(zone, t)
            info = (local_s, WEEKDAYS[self.clock.weekday(day)], self.clock.date_of(day))
            self._local_infos[key] = info
        return info

    def _state_window(self, state: str, weekday: str) -> LocalWindow | None:
        rule = self.rules.state_calling_window.states.get(state)  # type: ignore[call-overload]
        return None if rule is None else rule.by_weekday.get(weekday, rule.window)  # type: ignore[call-overload]

    def _banned(self, state: str, weekday: str, d: date) -> bool:
        ban = self.rules.state_sunday_holiday_ban
        b = ban.states.get(state)  # type: ignore[call-overload]
        return b is not None and (
            (b.sundays and weekday == "sun")
            or (b.holidays and _holiday(d, state, ban.holiday_calendar))
        )

    def next_permitted(self, touch: Touch, now: float) -> float | None:
        """The next whole hour, later the same local day, at which the time rules allow `touch`."""
        day = self._local_day(touch.patient, now)
        hour = int(now // HOUR_S) + 1
        for h in range(hour, hour + SEARCH_HOURS):
            t = float(h * HOUR_S)
            if self._local_day(touch.patient, t) != day:
                return None
            if self._time_rules(touch, t) is None:
                return t
        return None

    def _local(self, zone: str, t: float) -> tuple[float, int]:
        """Seconds after local midnight, and the local day, in `zone` at simulation time `t`."""
        local = self.clock.local_seconds(zone, t)
        return local % DAY_S, int(local // DAY_S)

    def _local_day(self, patient: int, t: float) -> int:
        last_patient, last_t, day = self._day_at
        if patient != last_patient or t != last_t:  # checking, then recording, asks twice
            day = int(self.clock.local_seconds(self._home_zone[patient], t) // DAY_S)
            self._day_at = (patient, t, day)
        return day

    # --- frequency caps per number -----------------------------------------------------------
    def _caps(self, touch: Touch, now: float) -> Refusal | None:
        r = self.rules
        history = self._sent.get(touch.phone)
        if not history:
            return None
        oldest = now - CAP_MEMORY_S
        if history[0][0] < oldest:  # contacts older than every cap window no longer count
            history[:] = [h for h in history if h[0] >= oldest]
        day = self._local_day(touch.patient, now)
        daily, weekly = r.healthcare_daily_cap, r.healthcare_weekly_cap
        counted: list[tuple[float, int, str, str]] | None = None
        if daily.enabled and touch.channel in daily.channels:
            counted = self._counted(history, touch, daily.not_counted_purposes)
            if daily.day == "local_calendar_day":
                n = len([h for h in counted if h[1] == day])
            else:
                n = len([h for h in counted if now - h[0] < DAY_S])
            if n >= daily.max_contacts:
                return Refusal("healthcare_daily_cap", None)
        if weekly.enabled and touch.channel in weekly.channels:
            if counted is None or weekly.not_counted_purposes != daily.not_counted_purposes:
                counted = self._counted(history, touch, weekly.not_counted_purposes)
            if weekly.week == "local_7_calendar_days":
                n = len([h for h in counted if day - 6 <= h[1] <= day])
            else:
                n = len([h for h in counted if now - h[0] < 7 * DAY_S])
            if n >= weekly.max_contacts:
                return Refusal("healthcare_weekly_cap", None)
        caps = r.state_daily_cap
        if (
            caps.enabled
            and touch.channel in caps.channels
            and (
                self._state_capped[touch.patient]
                if len(touch.patients) == 1
                else any(self._state_capped[p] for p in touch.patients)
            )
        ):
            states = {s for p in touch.patients for s in self._states[p]}
            for s in states:
                cap = caps.states.get(s)  # type: ignore[call-overload]
                if cap is None:
                    continue
                n = sum(
                    1 for h in history
                    if now - h[0] < cap.window_h * HOUR_S and not _only(h[2], caps.not_counted_purposes)
                )  # fmt: skip
                if n >= cap.max_contacts:
                    return Refusal("state_daily_cap", None)
        return None

    def _counted(
        self,
        history: list[tuple[float, int, str, str]],
        touch: Touch,
        not_counted: tuple[str, ...],
    ) -> list[tuple[float, int, str, str]]:
        """The number's earlier contacts that count toward a cap: voice and SMS together."""
        return [h for h in history if not _only(h[2], not_counted)]

    # --- what may be said or left -------------------------------------------------------------
    def may_leave_voicemail(self, touch: Touch) -> bool:
        rule = self.rules.confidential_no_voicemail
        return not (rule.enabled and any(self._no_voicemail[p] for p in touch.patients))

    def message(self, touch: Touch, text: str) -> str | None:
        """None when `text` may be left as a voicemail or sent as a text; else the refusing rule.

        Identification is not a protected detail: the practice's name, number and address and
        the names of the patients reached (and of their households) are not judged as terms.
        """
        key = (text, touch.purposes, touch.channel)
        verdict = self._verdicts.get(key)
        if verdict is None:  # a practice leaves the same few texts again and again
            protected = self.rules.hipaa_minimum_necessary.enabled and self._protected.said(
                text, self._practice_ids
            )
            verdict = self._verdicts[key] = (protected, self._message(touch, text))
        protected, other = verdict
        if protected and self._protected.said(text, self._practice_ids + self._names(touch)):
            return "hipaa_minimum_necessary"  # a term beyond the people's names too
        return other

    def _names(self, touch: Touch) -> tuple[str, ...]:
        """The names of the patients a contact reaches and of everyone in their households."""
        p = self.patients
        if not self._households:
            for i, h in enumerate(p.household_id.tolist()):
                self._households.setdefault(h, []).append(i)
        people = {m for i in touch.patients for m in self._households[int(p.household_id[i])]}
        return tuple(
            name
            for m in sorted(people)
            for name in person_names(str(p.first_name[m]), str(p.last_name[m]))
        )

    def _message(self, touch: Touch, text: str) -> str | None:
        """The message rules beyond the minimum necessary (fixed for a text, purposes, channel)."""
        r = self.rules
        exempt = [self._postures.get(u) == "healthcare_exempt" for u in touch.purposes]
        if any(exempt):
            if (
                touch.channel == "sms"
                and r.exempt_sms_length.enabled
                and len(text) > r.exempt_sms_length.max_length_chars
            ):
                return "exempt_sms_length"
            ident = r.exempt_identification
            if ident.enabled and (
                (ident.require_practice_name and self.practice.name not in text)
                or (ident.require_callback_number and self.practice.phone not in text)
            ):
                return "exempt_identification"
        return None

    def posture(self, purposes: tuple[str, ...]) -> str:
        """The legal posture a call is made under: the strictest of its purposes'."""
        postures = {
            self._postures.get(u, self.rules.consent_required.default_posture) for u in purposes
        }
        for strictest in LEGAL_POSTURES:  # strictest first
            if strictest in postures:
                return strictest
        return self.rules.consent_required.default_posture

    def max_call_s(self, touch: Touch) -> int | None:
        """The longest a call may last under the postures of its purposes (None: no limit)."""
        purposes = touch.purposes
        if purposes not in self._call_limits:
            rule = self.rules.exempt_voice_duration
            exempt = rule.enabled and any(self._postures.get(u) in rule.postures for u in purposes)
            self._call_limits[purposes] = rule.max_duration_s if exempt else None
        return self._call_limits[purposes]


def _window_edges(rules: RuleSet) -> tuple[int, ...]:
    """Every local time of day at which a time rule's verdict may change: local midnight (the
    weekday and the date change) and each edge of the federal and the state calling windows."""
    windows = [rules.federal_calling_window.window]
    for rule in rules.state_calling_window.states.values():
        windows.append(rule.window)
        windows.extend(rule.by_weekday.values())
    edges = {0}
    for w in windows:
        edges.update((w.start_s % DAY_S, w.end_s % DAY_S))
    return tuple(sorted(edges))


def _inside(window: LocalWindow, local_s: float) -> bool:
    return window.start_s <= local_s < window.end_s


@lru_cache(maxsize=4096)
def _only(purposes: str, not_counted: tuple[str, ...]) -> bool:
    """True when every purpose of a contact is one the cap does not count."""
    return bool(not_counted) and all(p in not_counted for p in purposes.split("|"))


def _holiday(d: date, state: str, calendar: str) -> bool:
    if calendar == "us_federal":
        return d in federal_holidays(d.year)
    return d in _state_holidays(state, d.year)


_STATE_HOLIDAYS: dict[tuple[str, int], frozenset[date]] = {}


def _state_holidays(state: str, year: int) -> frozenset[date]:
    key = (state, year)
    if key not in _STATE_HOLIDAYS:
        import holidays

        _STATE_HOLIDAYS[key] = frozenset(
            holidays.country_holidays("US", subdiv=state, years=year).keys()
        )
    return _STATE_HOLIDAYS[key]
