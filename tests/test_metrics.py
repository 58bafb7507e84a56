"""KPIs from hand-made event tables: an opt-out counts for the purposes of the contact it was said in."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pyarrow as pa

from dentsim.results import metrics
from dentsim.simulation.rows import SCHEMAS

T0 = datetime(2026, 3, 10, 15, tzinfo=UTC)


def contact(
    patient_id: int, days: float, purposes: str, channel: str = "voice", outcome: str = "declined"
) -> dict[str, Any]:
    return {
        "attempt_id": None, "practice_id": 1, "patient_id": patient_id,
        "t_utc": T0 + timedelta(days=days), "channel": channel, "phone": "614-555-0101",
        "purposes": purposes, "result": "answered" if channel == "voice" else "delivered",
        "answered_by": "patient" if channel == "voice" else "", "duration_s": 60,
        "message": "", "outcome": outcome, "covered_patient_ids": "",
    }  # fmt: skip


def opt_out(patient_id: int, days: float, channel: str, kind: str = "hard") -> dict[str, Any]:
    return {
        "practice_id": 1, "patient_id": patient_id, "t_utc": T0 + timedelta(days=days),
        "channel": channel, "scope": "all" if channel == "voice" else "sms",
        "how": "spoken" if channel == "voice" else "sms_reply", "kind": kind,
        "pause_until_utc": T0 + timedelta(days=days + 30) if kind == "soft" else None,
        "text": "stop",
    }  # fmt: skip


def kpis(attempts: list[dict[str, Any]], optouts: list[dict[str, Any]]) -> dict[str, Any]:
    for i, a in enumerate(attempts, start=1):
        a["attempt_id"] = i
    tables = {name: schema.empty_table() for name, schema in SCHEMAS.items()}
    tables["attempts"] = pa.Table.from_pylist(attempts, schema=SCHEMAS["attempts"])
    tables["optouts"] = pa.Table.from_pylist(optouts, schema=SCHEMAS["optouts"])
    return metrics.kpis(tables)


def by_use_case(k: dict[str, Any], key: str) -> dict[str, Any]:
    return {u: row[key] for u, row in k["by_use_case"].items()}


def test_an_opt_out_counts_for_the_purposes_of_the_contact_it_was_said_in() -> None:
    k = kpis(
        [
            # 1: a confirmation text, then a recall call in which they say stop
            contact(1, 0, "confirmation", "sms", "sent"),
            contact(1, 2, "recall", outcome="opt_out"),
            # 2: a recall call, then a confirmation text they answer STOP an hour later
            contact(2, 0, "recall"),
            contact(2, 3, "confirmation", "sms", "replied"),
            # 3: one call for two use cases, in which they say stop
            contact(3, 1, "recall|treatment_plan", outcome="opt_out|opt_out"),
        ],
        [opt_out(1, 2, "voice"), opt_out(2, 3 + 1 / 24, "sms"), opt_out(3, 1, "voice")],
    )
    assert k["overall"]["opt_outs"] == 3
    assert by_use_case(k, "opt_outs") == {"recall": 2, "confirmation": 1, "treatment_plan": 1}
    assert by_use_case(k, "patients_contacted") == {
        "recall": 3,
        "confirmation": 2,
        "treatment_plan": 1,
    }
    assert k["by_use_case"]["recall"]["opt_out_rate"] == 2 / 3


def test_a_text_reply_belongs_to_the_latest_text_before_it_not_a_later_call() -> None:
    k = kpis(
        [
            contact(1, 0, "treatment_plan", "sms", "replied"),
            contact(1, 1, "recall"),  # the STOP arrives by text after this call
        ],
        [opt_out(1, 1.5, "sms", kind="soft")],
    )
    assert by_use_case(k, "soft_opt_outs") == {"treatment_plan": 1, "recall": 0}
    assert k["overall"]["soft_opt_outs"] == 1


def test_an_opt_out_no_contact_preceded_counts_overall_only() -> None:
    k = kpis([contact(1, 2, "recall")], [opt_out(1, 1, "voice")])  # recorded by staff, say
    assert k["overall"]["opt_outs"] == 1
    assert by_use_case(k, "opt_outs") == {"recall": 0}
