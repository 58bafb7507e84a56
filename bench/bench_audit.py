"""Benchmark `dentsim check`: synthesise a valid run directory of 1M attempts, audit it, print the median.

    python bench/bench_audit.py [--attempts 1000000] [--repeats 5] [--keep DIR]

The log is random but valid (every column of the contract, every patient and practice known);
its contacts are spread over a year at random local daytimes, so some break rules: the audit
does its full work, examples included. Target: at most 10 s for 1M attempts on one core.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

# (state, address zone, area code's zones, area code): the audit places a number by its area code
PLACES = [
    ("OH", "America/New_York", "America/New_York", "614"),
    ("FL", "America/New_York", "America/New_York", "305"),
    ("FL", "America/Chicago", "America/Chicago|America/New_York", "850"),
    ("TX", "America/Chicago", "America/Chicago", "512"),
    ("LA", "America/Chicago", "America/Chicago", "504"),
    ("AZ", "America/Phoenix", "America/Phoenix", "602"),
    ("ID", "America/Boise", "America/Boise|America/Los_Angeles", "208"),
    ("WA", "America/Los_Angeles", "America/Los_Angeles", "206"),
    ("HI", "Pacific/Honolulu", "Pacific/Honolulu", "808"),
    ("MD", "America/New_York", "America/New_York", "410"),
]
PURPOSES = [
    "recall",
    "reactivation",
    "confirmation",
    "post_op",
    "treatment_plan",
    "recall|treatment_plan",
]
RESULTS = ["answered", "voicemail", "no_answer", "busy", "failed"]
START_UTC_S = 1_767_225_600  # 2026-01-01T00:00:00Z
YEAR_S = 365 * 86_400


def synthesise(run_dir: Path, n_attempts: int, seed: int = 7) -> None:
    """Write run.json and the four tables of a random, valid run (vectorised)."""
    rng = np.random.default_rng(seed)
    n_practices, n_patients = 50, max(n_attempts // 10, 100)
    run_dir.mkdir(parents=True, exist_ok=True)
    campaigns = {
        "recall": {"legal_posture": "healthcare_consent"},
        "reactivation": {"legal_posture": "healthcare_exempt"},
        "confirmation": {},
        "post_op": {},
        "treatment_plan": {"legal_posture": "healthcare_consent"},
    }
    (run_dir / "run.json").write_text(
        json.dumps({"format_version": 1, "scenario": {"campaigns": campaigns}, "seed": seed})
    )
    practice_ids = np.arange(1, n_practices + 1, dtype=np.int32)
    names = [f"Practice {i} Dental" for i in practice_ids]
    callbacks = [f"{200 + i}-555-01{i % 100:02d}" for i in practice_ids]
    pq.write_table(
        pa.table(
            {
                "practice_id": practice_ids,
                "name": names,
                "street": [f"{i} Main Street" for i in practice_ids],
                "city": ["Columbus"] * n_practices,
                "state": ["OH"] * n_practices,
                "tz": ["America/New_York"] * n_practices,
                "phone": callbacks,
            }
        ),
        run_dir / "practices.parquet",
    )

    place = rng.integers(0, len(PLACES), n_patients)
    states = np.array([p[0] for p in PLACES])
    zones = np.array([p[1] for p in PLACES])
    phone_zones = np.array([p[2] for p in PLACES])
    patient_ids = np.arange(1, n_patients + 1, dtype=np.int64)
    patient_practice = rng.integers(1, n_practices + 1, n_patients).astype(np.int32)
    area = np.array([p[3] for p in PLACES])[place]
    line = rng.integers(0, 100, n_patients)
    phones = pc.binary_join_element_wise(
        pa.array(area), pa.array(np.char.zfill(line.astype(str), 2)), "-555-01"
    )
    flags = {
        k: rng.random(n_patients) < p
        for k, p in (
            ("consent_healthcare", 0.97),
            ("consent_written", 0.3),
            ("text_allowed", 0.8),
            ("no_voicemail", 0.05),
            ("do_not_call", 0.002),
        )
    }
    pq.write_table(
        pa.table(
            {
                "patient_id": patient_ids,
                "practice_id": patient_practice,
                "first_name": pa.array(["Ann"] * n_patients),
                "last_name": pa.array(["Lee"] * n_patients),
                "birth_date": pa.array(np.full(n_patients, 3653, np.int32), pa.date32()),
                "household_id": patient_ids,
                "phone": phones,
                "phone_type": pa.array(["wireless"] * n_patients),
                "phone_shared": np.zeros(n_patients, bool),
                "state": states[place],
                "phone_state": states[place],
                "tz_address": zones[place],
                "tz_phone": phone_zones[place],
                **flags,
                "language": pa.array(["en"] * n_patients),
            }
        ),
        run_dir / "patients.parquet",
    )

    who = rng.integers(0, n_patients, n_attempts)
    day = rng.integers(0, 365, n_attempts)
    # 13:00-24:00 UTC: daytime in the continental zones, mostly inside the windows
    t = START_UTC_S + day * 86_400 + rng.integers(13 * 3600, 24 * 3600, n_attempts)
    t.sort()
    is_sms = rng.random(n_attempts) < 0.35
    result = np.array(RESULTS)[rng.integers(0, len(RESULTS), n_attempts)]
    result = np.where(is_sms, "delivered", result)
    voicemail = result == "voicemail"
    practice = patient_practice[who]
    name = pa.array(np.array(names)[practice - 1])
    callback = pa.array(np.array(callbacks)[practice - 1])
    vm_text = pc.binary_join_element_wise(
        "Hello, this is the automated assistant for ",
        name,
        ", calling about your next visit. Please call us back at ",
        callback,
        ". Thank you.",
        "",
    )
    sms_text = pc.binary_join_element_wise(
        name,
        ": we'd like to help with your next visit. Reply or call ",
        callback,
        ". Reply STOP to opt out.",
        "",
    )
    message = pc.if_else(pa.array(is_sms), sms_text, pc.if_else(pa.array(voicemail), vm_text, ""))
    covered = np.where(
        rng.random(n_attempts) < 0.05, rng.integers(1, n_patients + 1, n_attempts), 0
    )
    covered_text = pc.if_else(pa.array(covered > 0), pa.array(covered.astype(str)), "")
    pq.write_table(
        pa.table(
            {
                "attempt_id": np.arange(1, n_attempts + 1, dtype=np.int64),
                "practice_id": practice,
                "patient_id": patient_ids[who],
                "t_utc": pa.array(t, pa.timestamp("s", tz="UTC")),
                "channel": np.where(is_sms, "sms", "voice"),
                "phone": phones.take(pa.array(who)),
                "purposes": np.array(PURPOSES)[rng.integers(0, len(PURPOSES), n_attempts)],
                "result": result,
                "answered_by": np.where(
                    result == "answered", "patient", np.where(voicemail, "machine", "")
                ),
                "duration_s": np.where(is_sms, 0, rng.integers(5, 90, n_attempts)).astype(np.int32),
                "message": message,
                "outcome": pa.array([""] * n_attempts),
                "covered_patient_ids": covered_text,
            }
        ),
        run_dir / "attempts.parquet",
    )

    n_opt = n_patients // 50
    opt_t = START_UTC_S + rng.integers(0, YEAR_S, n_opt)
    soft = rng.random(n_opt) < 0.3
    pq.write_table(
        pa.table(
            {
                "patient_id": rng.choice(patient_ids, n_opt, replace=False),
                "t_utc": pa.array(opt_t, pa.timestamp("s", tz="UTC")),
                "channel": np.where(rng.random(n_opt) < 0.5, "sms", "voice"),
                "scope": np.array(["all", "voice", "sms"])[rng.integers(0, 3, n_opt)],
                "how": pa.array(["spoken"] * n_opt),
                "kind": np.where(soft, "soft", "hard"),
                "pause_until_utc": pa.array(
                    np.where(soft, opt_t + 45 * 86_400, 0),
                    pa.timestamp("s", tz="UTC"),
                    mask=~soft,
                ),
                "text": pa.array(["please stop"] * n_opt),
            }
        ),
        run_dir / "optouts.parquet",
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--attempts", type=int, default=1_000_000)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--keep", type=Path, help="write the run here and keep it")
    parser.add_argument(
        "--all-cores", action="store_true", help="let pyarrow use every core (default: one core)"
    )
    args = parser.parse_args(argv)
    if not args.all_cores:
        # one core: pin the process, and keep pyarrow's thread pools to one thread
        if hasattr(os, "sched_setaffinity"):
            os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})
        pa.set_cpu_count(1)
        pa.set_io_thread_count(1)

    from dentsim.compliance.audit import audit_run
    from dentsim.compliance.rules import load_rules

    with tempfile.TemporaryDirectory() as tmp:
        run_dir = args.keep or Path(tmp) / "run"
        t0 = time.perf_counter()
        synthesise(run_dir, args.attempts)
        print(f"synthesised {args.attempts:,} attempts in {time.perf_counter() - t0:.1f} s")
        rules = load_rules()
        seconds = []
        for _ in range(args.repeats):
            t0 = time.perf_counter()
            report = audit_run(run_dir, rules)
            seconds.append(time.perf_counter() - t0)
        print(
            f"violations by rule: {dict((k, v) for k, v in report.violations_by_rule().items() if v)}"
        )
        print(f"runs: {', '.join(f'{s:.2f}' for s in seconds)} s")
        cores = "all cores" if args.all_cores else "one core"
        median = statistics.median(seconds)
        print(f"median: {median:.2f} s for {report.contacts_checked:,} attempts ({cores})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
