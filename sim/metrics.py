"""KPIs computed from the event log tables, never counted inside the model.

Definitions (also in docs/data.md):
- connect rate: voice attempts answered by the patient / voice attempts;
- contacted patients: distinct patients with at least one attempt for the use case;
- conversion: distinct patients booked through the use case / contacted patients;
- opt-out rate: distinct patients who opted out / contacted patients.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

USE_CASES = ("recall", "reactivation", "confirmation", "post_op", "treatment_plan")


def _ratio(num: float, den: float) -> float | None:
    return float(num) / float(den) if den else None


def _ids(table: pa.Table, column: str, mask: Any = None) -> np.ndarray:
    col = table[column] if mask is None else pc.filter(table[column], mask)
    return np.unique(col.to_numpy())


def attempt_kpis(
    attempts: pa.Table,
    bookings: pa.Table,
    optouts: pa.Table,
    appointments: pa.Table,
    use_case: str | None,
) -> dict[str, Any]:
    if use_case is not None:
        mask = pc.match_substring_regex(attempts["purposes"], f"(^|\\|){use_case}($|\\|)")
        attempts = attempts.filter(mask)
        bookings = bookings.filter(pc.equal(bookings["use_case"], use_case))
    voice = pc.equal(attempts["channel"], "voice")
    sms = pc.equal(attempts["channel"], "sms")
    n_voice = int(pc.sum(voice).as_py() or 0)
    n_sms = int(pc.sum(sms).as_py() or 0)
    live = pc.and_(voice, pc.equal(attempts["answered_by"], "patient"))
    n_live = int(pc.sum(live).as_py() or 0)
    n_vm = int(pc.sum(pc.equal(attempts["result"], "voicemail")).as_py() or 0)
    contacted = _ids(attempts, "patient_id")
    reached = _ids(attempts, "patient_id", live)
    booked_patients = np.unique(bookings["patient_id"].to_numpy())
    opted = np.intersect1d(np.unique(optouts["patient_id"].to_numpy()), contacted)
    booked_ids = bookings["booking_id"].to_numpy()
    appt_booked = appointments.filter(pc.is_in(appointments["booking_id"], pa.array(booked_ids)))
    attended = appt_booked.filter(pc.equal(appt_booked["status"], "attended"))
    no_show = appt_booked.filter(pc.equal(appt_booked["status"], "no_show"))
    duration = attempts.filter(voice)["duration_s"]
    return {
        "attempts": attempts.num_rows,
        "attempts_voice": n_voice,
        "attempts_sms": n_sms,
        "patients_contacted": int(len(contacted)),
        "patients_reached_live": int(len(reached)),
        "connect_rate": _ratio(n_live, n_voice),
        "voicemail_rate": _ratio(n_vm, n_voice),
        "bookings": bookings.num_rows,
        "patients_booked": int(len(booked_patients)),
        "conversion": _ratio(len(np.intersect1d(booked_patients, contacted)), len(contacted)),
        "opt_outs": int(len(opted)),
        "opt_out_rate": _ratio(len(opted), len(contacted)),
        "visits_attended": attended.num_rows,
        "no_shows": no_show.num_rows,
        "booked_revenue": float(pc.sum(appt_booked["fee"]).as_py() or 0.0),
        "realised_revenue": float(pc.sum(attended["fee"]).as_py() or 0.0),
        "ai_minutes": float((pc.sum(duration).as_py() or 0) / 60.0),
        "sms_sent": n_sms,
    }


def kpis(tables: dict[str, pa.Table]) -> dict[str, Any]:
    """The KPI table: overall and per use case that had any attempt."""
    a, b, o, ap = tables["attempts"], tables["bookings"], tables["optouts"], tables["appointments"]
    out: dict[str, Any] = {"overall": attempt_kpis(a, b, o, ap, None), "by_use_case": {}}
    for use_case in USE_CASES:
        row = attempt_kpis(a, b, o, ap, use_case)
        if row["attempts"]:
            out["by_use_case"][use_case] = row
    return out
