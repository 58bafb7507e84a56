"""KPIs computed from the event log tables, never counted inside the model.

Definitions (also in docs/data.md):
- connect rate: voice attempts answered by the patient / voice attempts;
- contacted patients: distinct patients with at least one attempt for the use case;
- conversion: contacted patients who booked through the use case / contacted patients;
- opt-out rate: contacted patients who opted out (hard) / contacted patients; soft likewise.
  Per use case, an opt-out counts for the purposes of the contact in which it was said (the
  patient's latest contact, by the channel it came by, at or before it): a STOP answering a
  confirmation text is the confirmation's, not the recall's; one said in a recall|treatment_plan
  call counts for both;
- voice fallback recovery: visits that would have been missed unconfirmed, that the text did
  not confirm, and that a confirmation call (or its returned voicemail) saved / all visits that
  would have been missed and the text did not confirm.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from dentsim.vocabulary import BOOKING_USE_CASES, USE_CASES


def _ratio(num: float, den: float) -> float | None:
    return float(num) / float(den) if den else None


def _count(mask: pa.ChunkedArray | pa.Array) -> int:
    return int(pc.sum(mask).as_py() or 0)


def _purpose_mask(attempts: pa.Table, use_case: str) -> pa.ChunkedArray:
    return pc.match_substring_regex(attempts["purposes"], f"(^|\\|){use_case}($|\\|)")


def _ms(times: pa.ChunkedArray) -> np.ndarray:
    return times.cast(pa.timestamp("ms", tz="UTC")).cast(pa.int64()).to_numpy()


def said_in(attempts: pa.Table, optouts: pa.Table) -> np.ndarray:
    """For each opt-out, the row of `attempts` in which it was said (-1: none).

    That is the patient's latest contact by the channel the opt-out came by, at or before it was
    received: the call in which it was spoken, or the text a STOP or "later" replied to. An
    opt-out no contact preceded (recorded by staff, say) belongs to none.
    """
    n_a = attempts.num_rows
    if n_a == 0 or optouts.num_rows == 0:
        return np.full(optouts.num_rows, -1, np.int64)

    def who(table: pa.Table) -> np.ndarray:
        sms = pc.equal(table["channel"], "sms").to_numpy().astype(np.int64)
        return table["patient_id"].to_numpy().astype(np.int64) * 2 + sms

    _, rank = np.unique(np.concatenate([who(attempts), who(optouts)]), return_inverse=True)
    rank = rank.reshape(-1)
    t = np.concatenate([_ms(attempts["t_utc"]), _ms(optouts["t_utc"])])
    span = int(t.max() - t.min()) + 1
    key = rank * span + (t - t.min())  # one patient and channel, then time
    order = np.argsort(key[:n_a], kind="stable")
    pos = np.searchsorted(key[:n_a][order], key[n_a:], side="right") - 1
    row = order[np.maximum(pos, 0)]
    return np.where((pos >= 0) & (rank[row] == rank[n_a:]), row, -1)


def contact_kpis(attempts: pa.Table, optouts: pa.Table) -> dict[str, Any]:
    voice = pc.equal(attempts["channel"], "voice")
    n_voice = _count(voice)
    live = pc.and_(voice, pc.equal(attempts["answered_by"], "patient"))
    contacted = np.unique(attempts["patient_id"].to_numpy())
    reached = np.unique(attempts.filter(live)["patient_id"].to_numpy())

    def opted(kind: str) -> int:
        ids = optouts.filter(pc.equal(optouts["kind"], kind))["patient_id"].to_numpy()
        return int(len(np.intersect1d(np.unique(ids), contacted)))

    hard, soft = opted("hard"), opted("soft")
    return {
        "attempts": attempts.num_rows,
        "attempts_voice": n_voice,
        "attempts_sms": attempts.num_rows - n_voice,
        "patients_contacted": int(len(contacted)),
        "patients_reached_live": int(len(reached)),
        "connect_rate": _ratio(_count(live), n_voice),
        "voicemail_rate": _ratio(_count(pc.equal(attempts["result"], "voicemail")), n_voice),
        "opt_outs": hard,
        "opt_out_rate": _ratio(hard, len(contacted)),
        "soft_opt_outs": soft,
        "soft_opt_out_rate": _ratio(soft, len(contacted)),
        "ai_minutes": float((pc.sum(attempts.filter(voice)["duration_s"]).as_py() or 0) / 60.0),
        "sms_sent": attempts.num_rows - n_voice,
    }


def booking_kpis(attempts: pa.Table, bookings: pa.Table, appointments: pa.Table) -> dict[str, Any]:
    contacted = np.unique(attempts["patient_id"].to_numpy())
    booked = np.unique(bookings["patient_id"].to_numpy())
    ids = pa.array(bookings["booking_id"].to_numpy())
    appts = appointments.filter(pc.is_in(appointments["booking_id"], ids))
    attended = appts.filter(pc.equal(appts["status"], "attended"))
    return {
        "bookings": bookings.num_rows,
        "patients_booked": int(len(booked)),
        "conversion": _ratio(len(np.intersect1d(booked, contacted)), len(contacted)),
        "booked_revenue": float(pc.sum(appts["fee"]).as_py() or 0.0),
        "realised_revenue": float(pc.sum(attended["fee"]).as_py() or 0.0),
    }


def confirmation_kpis(appointments: pa.Table) -> dict[str, Any]:
    done = appointments.filter(pc.is_in(appointments["status"], pa.array(["attended", "no_show"])))
    via = done["confirmed_via"]
    attended = pc.equal(done["status"], "attended")
    would = done["would_no_show"]
    text_missed = pc.and_(would, pc.not_equal(via, "sms"))
    saved_by_voice = pc.and_(pc.and_(text_missed, pc.equal(via, "voice")), attended)
    prevented = pc.and_(pc.and_(would, pc.not_equal(via, "")), attended)
    return {
        "visits_due": done.num_rows,
        "confirmed_by_sms": _count(pc.equal(via, "sms")),
        "confirmed_by_voice": _count(pc.equal(via, "voice")),
        "no_shows": _count(pc.equal(done["status"], "no_show")),
        "would_be_no_shows": _count(would),
        "no_shows_prevented": _count(prevented),
        "voice_fallback_recovery": _ratio(_count(saved_by_voice), _count(text_missed)),
    }


def post_op_kpis(attempts: pa.Table, staff: pa.Table) -> dict[str, Any]:
    outcomes = attempts["outcome"].to_pylist()
    purposes = attempts["purposes"].to_pylist()
    checked = transfers = 0
    for purpose, outcome in zip(purposes, outcomes, strict=True):
        mine = dict(zip(purpose.split("|"), outcome.split("|"), strict=False)).get("post_op")
        checked += mine in ("checked_in", "transfer")
        transfers += mine == "transfer"
    callbacks = staff.filter(pc.equal(staff["kind"], "callback"))
    waits = callbacks["wait_s"].to_numpy()
    return {
        "check_ins": checked,
        "red_flags_in_calls": transfers,
        "warm_transfers": _count(pc.equal(staff["kind"], "transfer")),
        "staff_callbacks": callbacks.num_rows,
        "staff_callback_wait_h_median": float(np.median(waits) / 3600) if len(waits) else None,
    }


def kpis(tables: dict[str, pa.Table]) -> dict[str, Any]:
    """The KPI table: overall and per use case that had any attempt."""
    a, b, o = tables["attempts"], tables["bookings"], tables["optouts"]
    ap, staff = tables["appointments"], tables["staff_tasks"]
    overall = contact_kpis(a, o)
    overall.update(booking_kpis(a, b, ap))
    overall["staff_minutes"] = float((pc.sum(staff["duration_s"]).as_py() or 0) / 60.0)
    overall.update(
        {k: v for k, v in confirmation_kpis(ap).items() if k in ("no_shows", "no_shows_prevented")}
    )
    out: dict[str, Any] = {"overall": overall, "by_use_case": {}}
    said = said_in(a, o)
    for use_case in USE_CASES:
        mask = _purpose_mask(a, use_case)
        attempts = a.filter(mask)
        if not attempts.num_rows:
            continue
        in_mask = mask.to_numpy(zero_copy_only=False).astype(bool)[np.maximum(said, 0)]
        row = contact_kpis(attempts, o.filter(pa.array((said >= 0) & in_mask)))
        if use_case in BOOKING_USE_CASES:
            row.update(booking_kpis(attempts, b.filter(pc.equal(b["use_case"], use_case)), ap))
        elif use_case == "confirmation":
            row.update(confirmation_kpis(ap))
        elif use_case == "post_op":
            row.update(post_op_kpis(attempts, staff))
        out["by_use_case"][use_case] = row
    return out
