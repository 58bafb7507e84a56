"""Rule checks on what was said: protected terms in messages and in agent turns before identity
is verified, judged beyond what identifies the caller and the callee."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.json as pj

from dentsim.compliance.audit.arrays import encode, lookup, missing_ids
from dentsim.compliance.audit.log import Hits, Log, no_hits
from dentsim.compliance.audit.terms import term_regex, terms_in
from dentsim.compliance.audit.vocabulary import ANSWERED_BY
from dentsim.compliance.rules import RuleSet
from dentsim.errors import InputError


class _Identities:
    """What identifies caller and callee of a contact: the practice's name, number and address,
    and the names of the patients the contact served and of everyone in their households."""

    def __init__(self, log: Log) -> None:
        self.log = log
        self._members: dict[tuple[int, int], list[int]] | None = None
        self._covered: dict[int, list[int]] = {}

    def practice(self, k: int) -> tuple[str, ...]:
        log = self.log
        return (log.practice_name[k], log.practice_phone[k], *log.practice_address[k])

    def of_contact(self, row: int) -> tuple[str, ...]:
        log = self.log
        if self._members is None:
            self._members = {}
            keys = zip(log.p_practice.tolist(), log.p_household.tolist(), strict=True)
            for p, key in enumerate(keys):
                self._members.setdefault(key, []).append(p)
            extra = ~log.pair_primary
            for r, p in zip(log.pair_row[extra].tolist(), log.pair_p[extra].tolist(), strict=True):
                self._covered.setdefault(r, []).append(p)
        served = [int(log.pidx[row]), *self._covered.get(row, [])]
        households = {(int(log.p_practice[p]), int(log.p_household[p])) for p in served}
        people = sorted({m for h in households for m in self._members[h]})
        first, last = log.p_names
        names = []
        for m in people:
            f, la = first[m].as_py(), last[m].as_py()
            names += [f, la, f"{f} {la}"]
        return (*self.practice(int(log.practice[row])), *names)


def _says_protected(
    log: Log, rows: np.ndarray, texts: pa.Array, pattern: str, ids: _Identities
) -> np.ndarray:
    """Per contact row and its text: a protected term beyond the identification of caller and
    callee. Judged once per practice and distinct text against the practice's identification,
    and again with the people's names only for the texts that still name a term."""
    out = np.zeros(len(rows), bool)
    if not pattern or len(rows) == 0:
        return out
    codes, values = encode(texts)
    pairs, inverse = np.unique(np.stack([log.practice[rows], codes]), axis=1, return_inverse=True)
    by_pair = np.array(
        [bool(terms_in(values[c], pattern, ids.practice(k))) for k, c in pairs.T.tolist()], bool
    )
    for j in np.flatnonzero(by_pair[inverse.reshape(-1)]).tolist():
        out[j] = bool(terms_in(values[codes[j]], pattern, ids.of_contact(int(rows[j]))))
    return out


def hipaa(log: Log, rules: RuleSet) -> Hits:
    pattern = term_regex(rules.hipaa_minimum_necessary.terms)
    rows = np.flatnonzero(log.has_message)
    ids = _Identities(log)
    found = _says_protected(log, rows, log.message.take(pa.array(rows)), pattern, ids)
    hit_rows = rows[found]

    def why(i: int) -> tuple[str, str]:
        r = int(hit_rows[i])
        kind = "text" if log.is_sms[r] else "voicemail"
        said = terms_in(log.message[r].as_py(), pattern, ids.of_contact(r))
        terms = ", ".join(repr(t) for t in said)
        return log.home_zone(log.pidx[r]), f"{kind} names protected details: {terms}"

    return Hits(len(rows), hit_rows, log.pidx[hit_rows], why)


def transcripts(log: Log, rules: RuleSet, present: bool = True) -> tuple[Hits, int | None]:
    """Agent turns with protected terms before identity is verified or to a non-patient; and,
    when run.json says every played call has a transcript (log.transcripts_expected), every
    answered call played without one, which cannot be judged and so is not proven compliant.

    transcripts.jsonl (read when `present`): one object per answered call, `attempt_id` and
    `turns`, each turn {speaker, intent, text, t_s, verified}; `verified` is true once the
    patient's identity is verified (a missing `verified` counts as false). The count returned
    is the calls in transcripts.jsonl, None when there is none.
    """
    path = log.run_dir / "transcripts.jsonl"
    if not present or not path.is_file():
        return _untranscribed(log, no_hits(), np.zeros(0, np.int64)), None
    if path.stat().st_size == 0:
        return _untranscribed(log, no_hits(), np.zeros(0, np.int64)), 0
    hits, call_rows = _transcripts(log, rules, path)
    return _untranscribed(log, hits, call_rows), hits.checked


def _untranscribed(log: Log, hits: Hits, call_rows: np.ndarray) -> Hits:
    """`hits` and every played call (log.played) no transcript line holds, when the run's
    scenario promised one per played call; `call_rows` the contacts the transcripts hold."""
    if not log.transcripts_expected:
        return hits
    missing = log.played.copy()
    missing[call_rows] = False
    rows = np.flatnonzero(missing).astype(np.int64)
    if not len(rows):
        return hits
    n_hits = len(hits.rows)

    def why(i: int) -> tuple[str, str]:
        if i < n_hits:
            return hits.why(i)
        r = int(rows[i - n_hits])
        return log.home_zone(log.pidx[r]), (
            "answered call played without a transcript (run.json: dialogue.play and "
            "transcripts on): not judged"
        )

    return Hits(
        hits.checked + len(rows),
        np.concatenate([hits.rows, rows]).astype(np.int64),
        np.concatenate([hits.patients, log.pidx[rows]]).astype(np.int64),
        why,
    )


def _transcripts(log: Log, rules: RuleSet, path: Path) -> tuple[Hits, np.ndarray]:
    """The judged transcripts: hits and the contact row of every call transcribed."""
    try:
        table = pj.read_json(path)
    except pa.ArrowException as e:
        raise InputError(f"{path}: not valid JSON lines ({e})") from None
    problems = []
    for col in ("attempt_id", "turns"):
        if col not in table.column_names:
            problems.append(f"{path}: field '{col}': missing")
    if problems:
        raise InputError(problems)
    turns = table.column("turns").combine_chunks()
    ids = table.column("attempt_id").combine_chunks()
    if not pa.types.is_integer(ids.type):
        raise InputError(f"{path}: field 'attempt_id': expected integer, found {ids.type}")
    order = np.argsort(log.attempt_id, kind="stable")
    call_rows, found = lookup(log.attempt_id[order], order, ids.to_numpy().astype(np.int64))
    if not found.all():
        raise InputError(missing_ids(path, "attempt_id", ids.to_numpy(), found, "attempts.parquet"))
    if pa.types.is_list(turns.type) and pa.types.is_null(turns.type.value_type):
        return no_hits(len(table)), call_rows  # not one turn in any call
    if not (pa.types.is_list(turns.type) and pa.types.is_struct(turns.type.value_type)):
        raise InputError(
            f"{path}: field 'turns': expected a list of turn objects, found {turns.type}"
        )
    turn_fields = {f.name for f in turns.type.value_type}
    for name in ("speaker", "text"):
        if name not in turn_fields:
            raise InputError(f"{path}: field 'turns[].{name}': missing")
    flat = pc.list_flatten(turns)
    parent = pc.list_parent_indices(turns).to_numpy().astype(np.int64)
    speaker = pc.fill_null(flat.field("speaker"), "")
    text = pc.fill_null(flat.field("text"), "")
    if "verified" in turn_fields:
        verified = pc.fill_null(flat.field("verified"), False).to_numpy(zero_copy_only=False)
    else:
        verified = np.zeros(len(flat), bool)
    agent = pc.is_in(speaker, pa.array(list(rules.hipaa_verify_before_phi.agent_speakers)))
    agent_np = agent.to_numpy(zero_copy_only=False).astype(bool)
    pattern = term_regex(rules.hipaa_minimum_necessary.terms)
    rows_of_turn = call_rows[parent]
    to_patient = log.answered_by[rows_of_turn] == ANSWERED_BY.index("patient")
    judged = np.flatnonzero(agent_np & (~verified.astype(bool) | ~to_patient))
    ids = _Identities(log)
    protected = np.zeros(len(flat), bool)
    protected[judged] = _says_protected(
        log, rows_of_turn[judged], text.take(pa.array(judged)), pattern, ids
    )
    bad_turn = protected  # only agent turns before verification or to another are judged
    # one hit per call: its first bad turn
    bad_idx = np.flatnonzero(bad_turn)
    _, first = np.unique(parent[bad_idx], return_index=True)
    bad_idx = bad_idx[first]
    hit_rows = rows_of_turn[bad_idx]

    def why(i: int) -> tuple[str, str]:
        j = int(bad_idx[i])
        r = hit_rows[i]
        who = ANSWERED_BY[int(log.answered_by[r])] or "nobody"
        said = terms_in(text[j].as_py(), pattern, ids.of_contact(int(r)))
        terms = ", ".join(repr(t) for t in said)
        when = "before identity was verified" if not verified[j] else f"to the {who}"
        return log.home_zone(log.pidx[r]), f"agent said {terms} {when} (answered by {who})"

    return Hits(len(table), hit_rows, log.pidx[hit_rows], why), call_rows
