"""Rule checks on permission: consent per legal posture and the number on file, the healthcare
exemption's limits (duration, length, identification), and texts allowed."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from dentsim.compliance.audit.log import Hits, Log
from dentsim.compliance.rules import RuleSet


def consent(log: Log, rules: RuleSet) -> Hits:
    rule = rules.consent_required

    def posture_of(purpose: str) -> str:
        if purpose in rule.written_consent_purposes or purpose == "marketing":
            return "written_consent"
        return log.postures.get(purpose, rule.default_posture)

    def needs(flag: str) -> Callable[[tuple[str, ...]], bool]:
        return lambda combo: any(
            flag in rule.requires[posture_of(x)]  # type: ignore[index]
            for x in combo
            if x not in rule.not_judged_purposes
        )

    judged = ~log.only_purposes(rule.not_judged_purposes)
    r, p = log.pair_row, log.pair_p
    lacks = np.zeros(len(r), np.int64)
    for bit, flag in ((1, "consent_healthcare"), (2, "consent_written")):
        lacks |= np.where(log.combo_flag(needs(flag))[r] & ~log.p_flags[flag][p], bit, 0)
    if rule.number_on_file and log.n:
        on_file = pc.equal(log.number, log.p_number.take(pa.array(log.pidx)))
        off = ~on_file.to_numpy(zero_copy_only=False).astype(bool)
        lacks |= np.where(log.pair_primary & off[r], 4, 0)
    bad = judged[r] & (lacks > 0)
    hit_rows, hit_p, hit_lacks = r[bad], p[bad], lacks[bad]

    def why(i: int) -> tuple[str, str]:
        row, pat, bits = hit_rows[i], hit_p[i], int(hit_lacks[i])
        said = []
        combo = log.combos[log.pcode[row]]
        for bit, flag in ((1, "consent_healthcare"), (2, "consent_written")):
            if bits & bit:
                who = [x for x in combo if needs(flag)((x,))]
                postures = ", ".join(f"{x}: {posture_of(x)}" for x in who)
                said.append(f"{flag} is false for patient {log.patient_id[pat]} ({postures})")
        if bits & 4:
            said.append(f"contacted {log.phone[row]}, the number on file is {log.p_phone[pat]}")
        return log.home_zone(pat), "; ".join(said)

    return Hits(int(judged.sum()), hit_rows, hit_p, why)


def _in_postures(log: Log, rules: RuleSet, postures: Iterable[str]) -> np.ndarray:
    chosen = set(postures)
    default = rules.consent_required.default_posture
    written = set(rules.consent_required.written_consent_purposes) | {"marketing"}

    def posture(x: str) -> str:
        return "written_consent" if x in written else log.postures.get(x, default)

    skip = set(rules.consent_required.not_judged_purposes)
    return log.combo_flag(lambda c: any(posture(x) in chosen for x in c if x not in skip))


def exempt_duration(log: Log, rules: RuleSet) -> Hits:
    rule = rules.exempt_voice_duration
    scope = _in_postures(log, rules, rule.postures) & ~log.is_sms
    rows = np.flatnonzero(scope & (log.duration_s > rule.max_duration_s))

    def why(i: int) -> tuple[str, str]:
        r = rows[i]
        return log.home_zone(log.pidx[r]), (
            f"voice contact of {int(log.duration_s[r])} s under the healthcare exemption; "
            f"at most {rule.max_duration_s} s"
        )

    return Hits(int(scope.sum()), rows, log.pidx[rows], why)


def exempt_length(log: Log, rules: RuleSet) -> Hits:
    rule = rules.exempt_sms_length
    scope = _in_postures(log, rules, rule.postures) & log.is_sms
    length = pc.utf8_length(log.message).to_numpy(zero_copy_only=False)
    rows = np.flatnonzero(scope & (length > rule.max_length_chars))

    def why(i: int) -> tuple[str, str]:
        r = rows[i]
        return log.home_zone(log.pidx[r]), (
            f"text of {int(length[r])} characters under the healthcare exemption; "
            f"at most {rule.max_length_chars}"
        )

    return Hits(int(scope.sum()), rows, log.pidx[rows], why)


def exempt_identification(log: Log, rules: RuleSet) -> Hits:
    rule = rules.exempt_identification
    # judged: every text, and every voice contact that left a message
    scope = _in_postures(log, rules, rule.postures) & (log.is_sms | log.has_message)
    rows = np.flatnonzero(scope)
    rows = rows[np.argsort(log.practice[rows], kind="stable")]
    texts = log.message.take(pa.array(rows))
    digits = pc.replace_substring_regex(texts, r"[^0-9]", "")
    no_name = np.zeros(len(rows), bool)
    no_number = np.zeros(len(rows), bool)
    bounds = np.flatnonzero(np.diff(log.practice[rows])) + 1
    for lo_, hi_ in zip(np.r_[0, bounds], np.r_[bounds, len(rows)], strict=True):
        lo, hi = int(lo_), int(hi_)
        if lo == hi:
            continue
        k = int(log.practice[rows[lo]])
        if rule.require_practice_name:
            name = log.practice_name[k]
            has = pc.match_substring(texts.slice(lo, hi - lo), name, ignore_case=True)
            no_name[lo:hi] = ~has.to_numpy(zero_copy_only=False).astype(bool)
        if rule.require_callback_number:
            number = re.sub(r"[^0-9]", "", log.practice_phone[k])
            has = pc.match_substring(digits.slice(lo, hi - lo), number)
            no_number[lo:hi] = ~has.to_numpy(zero_copy_only=False).astype(bool)
    bad = no_name | no_number
    hit_rows, hit_name, hit_number = rows[bad], no_name[bad], no_number[bad]

    def why(i: int) -> tuple[str, str]:
        r = hit_rows[i]
        k = log.practice[r]
        missing = [
            f"the practice name {log.practice_name[k]!r}" if hit_name[i] else "",
            f"the callback number {log.practice_phone[k]}" if hit_number[i] else "",
        ]
        kind = "text" if log.is_sms[r] else "voicemail"
        return log.home_zone(log.pidx[r]), (
            f"{kind} under the healthcare exemption lacks " + " and ".join(m for m in missing if m)
        )

    return Hits(len(rows), hit_rows, log.pidx[hit_rows], why)


def text_allowed(log: Log, rules: RuleSet) -> Hits:
    judged = log.is_sms & ~log.only_purposes(rules.sms_text_allowed.not_judged_purposes)
    r, p = log.pair_row, log.pair_p
    bad = judged[r] & ~log.p_flags["text_allowed"][p]
    hit_rows, hit_p = r[bad], p[bad]

    def why(i: int) -> tuple[str, str]:
        return log.home_zone(hit_p[i]), (
            f"text to patient {log.patient_id[hit_p[i]]}, whose record does not allow texts"
        )

    return Hits(int(judged.sum()), hit_rows, hit_p, why)
