"""Rule checks on what the patient (or a stranger) asked for: hard opt-outs, soft opt-out pauses,
opt-out confirmations, do-not-call, no voicemail, and wrong numbers."""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from dentsim.compliance.audit.arrays import lookup, window_counts
from dentsim.compliance.audit.localtime import utc_text
from dentsim.compliance.audit.log import Hits, Log, no_hits
from dentsim.compliance.audit.terms import contains_terms, term_regex, terms_in
from dentsim.compliance.audit.vocabulary import ANSWERED_BY, CHANNELS, RESULTS, SCOPES
from dentsim.compliance.rules import RuleSet


def opt_out(log: Log, rules: RuleSet) -> Hits:
    rule = rules.opt_out
    never = np.iinfo(np.int64).max
    n_p = len(log.patient_id)
    earliest = np.full((n_p, 2), never, np.int64)  # column 0 voice, 1 sms
    hard = log.o_hard
    for ch, scope in ((0, 0), (1, 1)):  # SCOPES: voice, sms, all
        covers = hard & (
            (log.o_scope == scope) | (log.o_scope == 2) | (rule.scope == "all_channels")
        )
        np.minimum.at(earliest[:, ch], log.o_p[covers], log.o_t[covers])
    judged = ~log.only_purposes([rules.optout_confirmation.purpose])
    r, p = log.pair_row, log.pair_p
    limit = earliest[p, log.is_sms[r].astype(np.int64)]
    bad = judged[r] & (log.t[r] > limit)
    hit_rows, hit_p = r[bad], p[bad]

    def why(i: int) -> tuple[str, str]:
        row, pat = hit_rows[i], hit_p[i]
        t_opt = int(earliest[pat, int(log.is_sms[row])])
        j = int(np.flatnonzero(hard & (log.o_p == pat) & (log.o_t == t_opt))[0])
        ch = "sms" if log.is_sms[row] else "voice"
        return log.home_zone(pat), (
            f"{ch} contact ({log.purposes_text(row)}) after patient {log.patient_id[pat]}'s hard "
            f"opt-out {_received(log, j)} at {utc_text(t_opt)} (scope {SCOPES[log.o_scope[j]]})"
        )

    return Hits(int(judged.sum()), hit_rows, hit_p, why)


def _received(log: Log, j: int) -> str:
    """How opt-out j came to be known: received by a channel, or only in a contact's outcome."""
    row = int(log.o_attempt[j])
    if row < 0:
        return f"received by {CHANNELS[int(log.o_sms[j])]}"
    return f"in attempt {int(log.attempt_id[row])}'s outcome (no row in optouts.parquet)"


def _sorted_optouts(log: Log, mask: np.ndarray) -> tuple[np.ndarray, np.ndarray, int, int]:
    """Indices of the chosen opt-outs sorted by (patient, time), their sort keys, base, span."""
    idx = np.flatnonzero(mask)
    idx = idx[np.lexsort((log.o_t[idx], log.o_p[idx]))]
    values = [log.t, log.o_t[idx], log.o_pause[idx][log.o_pause[idx] >= 0]]
    nonempty = [v for v in values if len(v)]
    base = min(int(v.min()) for v in nonempty) - 1 if nonempty else 0
    span = max(int(v.max()) for v in nonempty) - base + 2 if nonempty else 1
    return idx, log.o_p[idx] * span + (log.o_t[idx] - base), base, span


def soft_pause(log: Log, rules: RuleSet) -> Hits:
    rule = rules.soft_opt_out_pause
    outreach = ~log.only_purposes(rule.exempt_purposes)
    idx, key, base, span = _sorted_optouts(log, ~log.o_hard)
    r, p = log.pair_row, log.pair_p
    sel = outreach[r]
    r, p = r[sel], p[sel]
    if len(idx) == 0 or len(r) == 0:
        return no_hits(int(outreach.sum()))
    # running latest pause end per patient, over that patient's soft opt-outs in time order
    pause_key = np.maximum.accumulate(log.o_p[idx] * span + (log.o_pause[idx] - base))
    j = np.searchsorted(key, p * span + (log.t[r] - base), side="left") - 1  # received before t
    ok = j >= 0
    jj = np.where(ok, j, 0)
    same = ok & (log.o_p[idx[jj]] == p)
    paused_until = pause_key[jj] - p * span + base
    bad = same & (log.t[r] < paused_until)
    hit_rows, hit_p, hit_until = r[bad], p[bad], paused_until[bad]

    def why(i: int) -> tuple[str, str]:
        row, pat, until = hit_rows[i], hit_p[i], int(hit_until[i])
        pausing = ~log.o_hard & (log.o_p == pat) & (log.o_t < log.t[row]) & (log.o_pause == until)
        j = int(np.flatnonzero(pausing)[0])
        return log.home_zone(pat), (
            f"{log.purposes_text(row)} contact while patient {log.patient_id[pat]}'s soft "
            f"opt-out {_received(log, j)} at {utc_text(int(log.o_t[j]))} pauses outreach until "
            f"{utc_text(until)}"
        )

    return Hits(int(outreach.sum()), hit_rows, hit_p, why)


def optout_confirmation(log: Log, rules: RuleSet) -> Hits:
    rule = rules.optout_confirmation
    is_conf = log.combo_flag(lambda c: rule.purpose in c)
    rows = np.flatnonzero(is_conf)
    p = log.pidx[rows]
    idx, key, base, span = _sorted_optouts(log, np.ones(len(log.o_p), bool))
    reason = np.zeros(len(rows), np.int64)
    opt_t = np.zeros(len(rows), np.int64)
    if len(rows):
        received = np.zeros(len(idx), bool)
        for ch in rule.received_channels:
            received |= log.o_sms[idx] == (ch == "sms")
        j = np.searchsorted(key, p * span + (log.t[rows] - base), side="right") - 1
        jj = np.clip(j, 0, max(len(idx) - 1, 0))
        if len(idx):
            matched = (j >= 0) & (log.o_p[idx[jj]] == p) & received[jj]
            opt_t = log.o_t[idx[jj]]
            matched &= log.t[rows] - opt_t <= rule.within_s
        else:
            matched = np.zeros(len(rows), bool)
        every = int(np.ptp(log.t[rows])) + 1  # a window wider than the log: a rank
        rank = window_counts(np.where(matched, jj, -1), log.t[rows], log.t[rows], every)
        wrong_channel = log.is_sms[rows] != (rule.channel == "sms")
        other = ~log.only_purposes([rule.purpose])[rows]
        marketing = contains_terms(
            log.message.take(pa.array(rows)), term_regex(rule.marketing_terms)
        )
        # the first reason found is the one reported
        reason = np.select(
            [wrong_channel, other, ~matched, rank > rule.max_per_opt_out, marketing],
            [1, 2, 3, 4, 5],
            0,
        )
    bad = reason > 0
    hit_rows, hit_reason, hit_opt_t = rows[bad], reason[bad], opt_t[bad]
    pattern = term_regex(rule.marketing_terms)

    def why(i: int) -> tuple[str, str]:
        row = hit_rows[i]
        pat = log.pidx[row]
        texts = {
            1: f"an opt-out confirmation sent by voice; only {rule.channel} is allowed",
            2: f"an opt-out confirmation that also carries {log.purposes_text(row)}",
            3: (
                f"an opt-out confirmation with no {'/'.join(rule.received_channels)} opt-out "
                f"in the {rule.within_s} s before it"
            ),
            4: (
                f"more than {rule.max_per_opt_out} confirmation(s) of the opt-out received "
                f"at {utc_text(int(hit_opt_t[i]))}"
            ),
            5: "an opt-out confirmation with marketing: "
            + ", ".join(terms_in(str(log.message[row]), pattern)),
        }
        return log.home_zone(pat), texts[int(hit_reason[i])]

    return Hits(len(rows), hit_rows, log.pidx[hit_rows], why)


def no_voicemail(log: Log, rules: RuleSet) -> Hits:
    machine = ANSWERED_BY.index("machine")
    left = (
        ~log.is_sms
        & log.has_message
        & ((log.result == RESULTS.index("voicemail")) | (log.answered_by == machine))
    )
    r, p = log.pair_row, log.pair_p
    bad = left[r] & log.p_flags["no_voicemail"][p]
    hit_rows, hit_p = r[bad], p[bad]

    def why(i: int) -> tuple[str, str]:
        return log.home_zone(hit_p[i]), (
            f"voicemail left for patient {log.patient_id[hit_p[i]]}, who asked for no voicemail"
        )

    return Hits(int(left.sum()), hit_rows, hit_p, why)


def wrong_number(log: Log, rules: RuleSet) -> Hits:
    per_number = rules.wrong_number.scope == "number"
    r, p = log.pair_row, log.pair_p
    owner = log.practice[r] if per_number else p
    key = owner * log.n_phones + log.phone_code[r]
    marks = log.result[r] == RESULTS.index("wrong_number")
    if not marks.any():
        return no_hits(log.n)
    mark_keys, inverse = np.unique(key[marks], return_inverse=True)
    first_mark = np.full(len(mark_keys), np.iinfo(np.int64).max, np.int64)
    np.minimum.at(first_mark, inverse.reshape(-1), log.t[r[marks]])
    pos, found = lookup(mark_keys, np.arange(len(mark_keys)), key)
    bad = found & (log.t[r] > first_mark[pos])
    if per_number:
        bad &= log.pair_primary
    hit_rows, hit_p, hit_mark = r[bad], p[bad], first_mark[pos][bad]

    def why(i: int) -> tuple[str, str]:
        whose = "" if per_number else f" for patient {log.patient_id[hit_p[i]]}"
        return log.home_zone(hit_p[i]), (
            f"{log.phone[hit_rows[i]]} reached a stranger (wrong_number) at "
            f"{utc_text(int(hit_mark[i]))} and was contacted again{whose}"
        )

    return Hits(log.n, hit_rows, hit_p, why)


def dnc(log: Log, rules: RuleSet) -> Hits:
    r, p = log.pair_row, log.pair_p
    bad = log.p_flags["do_not_call"][p]
    hit_rows, hit_p = r[bad], p[bad]

    def why(i: int) -> tuple[str, str]:
        return log.home_zone(hit_p[i]), (
            f"patient {log.patient_id[hit_p[i]]} is on the practice's do-not-call list"
        )

    return Hits(log.n, hit_rows, hit_p, why)
