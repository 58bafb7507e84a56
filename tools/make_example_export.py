"""Write examples/opendental/ (and examples/generic/): a SYNTHETIC practice-management export.

A dentsim-generated practice (scenarios/baseline.yaml, 300 patients: no real person) written as
Open Dental's own tables as `SELECT * FROM <table>` gives them, with a real export's usual mess
(a UTF-8 byte-order mark, Windows line endings, phones as '(213) 555-0142' or '213.555.0142',
blank phones, dates 0001-01-01 for none, trailing spaces), and as one generic CSV for the route
`--format csv --mapping examples/mapping.yaml`. Run: python tools/make_example_export.py
"""

from __future__ import annotations

import csv
import sys
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import numpy as np

from dentsim.api import load_scenario
from dentsim.domain.population import Patients, generate

ROOT = Path(__file__).resolve().parents[1]
NONE = "0001-01-01"
RECALL_TYPES = [  # Open Dental's default recall types
    {"RecallTypeNum": 1, "Description": "Prophy", "DefaultInterval": 393216, "Procedures": "D0120,D1110"},
    {"RecallTypeNum": 2, "Description": "Child Prophy", "DefaultInterval": 393216, "Procedures": "D0120,D1120,D1208"},
    {"RecallTypeNum": 3, "Description": "Perio", "DefaultInterval": 196608, "Procedures": "D4910"},
    {"RecallTypeNum": 4, "Description": "4BWX", "DefaultInterval": 16777216, "Procedures": "D0274"},
]  # fmt: skip
TYPE_NUM = {"D1110": 1, "D1120": 2, "D4910": 3}
CONTACT = {"wireless": 4, "text": 8, "home_phone": 2, "email": 5, "none": 0}


def _phone(number: str, style: int) -> str:
    a, b, c = number.split("-")
    return (f"{a}-{b}-{c}", f"({a}) {b}-{c}", f"{a}.{b}.{c}", f"{a}{b}{c} ")[style % 4]


def _day(start: date, d: int) -> str:
    return (start + timedelta(days=int(d))).isoformat()


def opendental_tables(p: Patients, start: date, seed: int = 7) -> dict[str, list[dict[str, Any]]]:
    """Open Dental's patient, recall, appointment, recalltype, treatplan and proctp rows of the
    generated patients `p`, exported on `start` (the scenario's day 0)."""
    rng = np.random.default_rng(seed)
    n = len(p)
    num = {int(pid): 1000 + 7 * i for i, pid in enumerate(p.patient_id)}  # PatNums
    stamp = f"{start.isoformat()} 18:00:00"
    inactive = rng.random(n) < 0.05
    broken = rng.poisson(0.15, n)
    plan = rng.random(n) < 0.12
    patient, recall, appt, tp, proctp = [], [], [], [], []
    for i in range(n):
        pat = num[int(p.patient_id[i])]
        wireless = p.phone_type[i] == "wireless"
        phone = _phone(str(p.phone[i]), int(rng.integers(4)))
        contact = CONTACT[str(p.preferred_contact[i])]
        patient.append({
            "PatNum": pat, "LName": p.last_name[i], "FName": p.first_name[i], "MiddleI": "",
            "Preferred": "", "PatStatus": 2 if inactive[i] else 0,
            "Gender": 1 if p.sex[i] == "F" else 0, "Position": 0,
            "Birthdate": str(p.birth_date[i]), "SSN": "", "Address": p.street[i] + " ",
            "Address2": "", "City": p.city[i], "State": p.state[i], "Zip": p.zip[i],
            "HmPhone": "" if wireless else phone, "WkPhone": "",
            "WirelessPhone": phone if wireless else "", "Guarantor": num[int(p.guarantor_id[i])],
            "Email": "", "PriProv": 1, "PreferConfirmMethod": contact,
            "PreferContactMethod": contact,
            "PreferRecallMethod": 1 if p.do_not_call[i] else contact,
            "PreferContactConfidential": 7 if p.no_voicemail[i] else 0,
            "TxtMsgOk": (1 if p.text_allowed[i] else 2) if wireless else 0,
            "Language": "spa" if p.language[i] == "es" else "eng", "DateTStamp": stamp,
        })  # fmt: skip
        kind = str(p.recall_type[i])
        recall.append({
            "RecallNum": len(recall) + 1, "PatNum": pat, "DateDueCalc": _day(start, p.recall_due_day[i]),
            "DateDue": _day(start, p.recall_due_day[i]),
            "DatePrevious": _day(start, p.last_hygiene_day[i]),
            "RecallInterval": int(p.recall_interval_months[i]) << 16, "RecallStatus": 0,
            "Note": "", "IsDisabled": 0, "DateTStamp": stamp, "RecallTypeNum": TYPE_NUM[kind],
            "DateScheduled": _day(start, p.prebooked_day[i]) if p.prebooked_day[i] >= 0 else NONE,
        })  # fmt: skip
        if i % 3 == 0:  # bitewings every year: a recall that is not a hygiene visit
            recall.append({**recall[-1], "RecallNum": len(recall) + 1, "RecallTypeNum": 4,
                           "RecallInterval": 1 << 24, "DateScheduled": NONE})  # fmt: skip
        visits = [(p.last_hygiene_day[i], 2, 1)]
        if p.prebooked_day[i] >= 0:
            visits.append((p.prebooked_day[i], 1, 1))
        visits += [(p.last_hygiene_day[i] - 30 * (k + 1), 5, 0) for k in range(broken[i])]
        if plan[i]:
            visits.append((p.last_hygiene_day[i], 2, 0))  # the exam that found the treatment
        for day, status, hyg in visits:
            appt.append({
                "AptNum": len(appt) + 1, "PatNum": pat, "AptStatus": status, "Pattern": "//XX//",
                "Confirmed": 0, "Op": 1, "ProvNum": 1 + (i % 3), "ProvHyg": 4 + (i % 2) if hyg else 0,
                "AptDateTime": f"{_day(start, day)} 09:00:00", "IsHygiene": hyg, "DateTStamp": stamp,
            })  # fmt: skip
        if plan[i]:
            signed = _day(start, p.last_hygiene_day[i])
            tp.append({"TreatPlanNum": len(tp) + 1, "PatNum": pat, "DateTP": signed,
                       "Heading": "Proposed Treatment Plan", "Note": "", "TPStatus": 0,
                       "DateTSigned": f"{signed} 10:00:00", "Signature": "sig"})  # fmt: skip
            for fee in rng.choice([185.0, 950.0, 1250.0, 320.0], size=int(rng.integers(1, 3))):
                proctp.append({"ProcTPNum": len(proctp) + 1, "TreatPlanNum": len(tp), "PatNum": pat,
                               "ProcCode": "D2740", "Descript": "Crown", "FeeAmt": f"{fee:.2f}"})  # fmt: skip
    # former patients a real export holds: archived and deceased, never imported
    for k, status in enumerate((3, 3, 5)):
        patient.append({**patient[k], "PatNum": 900 + k, "PatStatus": status, "Guarantor": 900 + k})
    return {"patient": patient, "recall": recall, "appointment": appt, "recalltype": RECALL_TYPES,
            "treatplan": tp, "proctp": proctp}  # fmt: skip


def generic_rows(tables: dict[str, list[dict[str, Any]]]) -> list[dict[str, Any]]:
    """The same patients as one generic CSV (Dentrix-like headers and codes)."""
    recalls = {r["PatNum"]: r for r in tables["recall"] if r["RecallTypeNum"] != 4}
    plans = {t["PatNum"]: t for t in tables["treatplan"]}
    fees: dict[int, float] = {}
    for r in tables["proctp"]:
        fees[r["TreatPlanNum"]] = fees.get(r["TreatPlanNum"], 0.0) + float(r["FeeAmt"])
    rows = []
    for pt in tables["patient"]:
        if pt["PatStatus"] not in (0, 2):
            continue
        r = recalls[pt["PatNum"]]
        t = plans.get(pt["PatNum"])
        cell = bool(pt["WirelessPhone"])
        rows.append({
            "Patient ID": pt["PatNum"], "Guarantor ID": pt["Guarantor"],
            "Last Name": pt["LName"], "First Name": pt["FName"],
            "Status": "A" if pt["PatStatus"] == 0 else "I", "Sex": "F" if pt["Gender"] == 1 else "M",
            "DOB": date.fromisoformat(pt["Birthdate"]).strftime("%m/%d/%Y"),
            "Street": pt["Address"], "City": pt["City"], "State": pt["State"], "Zip": pt["Zip"],
            "Phone": pt["WirelessPhone"] or pt["HmPhone"], "Phone Type": "Cell" if cell else "Home",
            "Language": "Spanish" if pt["Language"] == "spa" else "English",
            "Text OK": "Y" if pt["TxtMsgOk"] == 1 else "N",
            "Do Not Call": "Y" if pt["PreferRecallMethod"] == 1 else "N",
            "Recall Type": {1: "Adult Prophy", 2: "Child Prophy", 3: "Perio Maint"}[r["RecallTypeNum"]],
            "Recall Months": r["RecallInterval"] >> 16, "Last Hygiene": r["DatePrevious"],
            "Recall Due": r["DateDue"],
            "Next Appt": "" if r["DateScheduled"] == NONE else r["DateScheduled"],
            "Plan Amount": f"{fees[t['TreatPlanNum']]:.2f}" if t else "",
            "Plan Date": t["DateTP"] if t else "",
        })  # fmt: skip
    return rows


def write_csv(path: Path, rows: list[dict[str, Any]], bom: bool = False) -> None:
    """Windows line endings (the csv module's own), optionally a UTF-8 byte-order mark."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8-sig" if bom else "utf-8", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)


def write_export(folder: Path, tables: dict[str, list[dict[str, Any]]]) -> None:
    for name, rows in tables.items():
        write_csv(folder / f"{name}.csv", rows, bom=name == "patient")


def generated(patients: int, seed: int = 16) -> tuple[Patients, date]:
    scenario = load_scenario(
        ROOT / "scenarios/baseline.yaml", {"population.patients": patients}, seed=seed
    )
    _, p = generate(scenario)
    return p, scenario.start_date


def main(argv: list[str]) -> int:
    patients = int(argv[0]) if argv else 300
    p, start = generated(patients)
    tables = opendental_tables(p, start)
    write_export(ROOT / "examples/opendental", tables)
    write_csv(ROOT / "examples/generic/patients.csv", generic_rows(tables))
    print(f"examples/opendental: {len(tables['patient'])} patient rows, exported on {start}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
