"""Unreadable input is exit 2 with one clear line naming the file and the column, never a traceback."""

from __future__ import annotations

import json

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from dentsim.compliance.audit import audit_run
from dentsim.errors import InputError

from .runlog import attempt, local, optout, patient

AT = local("2026-03-10 10:00", "America/New_York")


@pytest.fixture
def run_dir(make_run):
    return make_run([patient()], [attempt(AT)])


def problems_of(run_dir) -> list[str]:
    with pytest.raises(InputError) as e:
        audit_run(run_dir)
    return e.value.problems


def rewrite(path, transform):
    table = pq.read_table(path)
    pq.write_table(transform(table), path)


def test_a_missing_run_directory_is_named(tmp_path):
    assert problems_of(tmp_path / "nowhere") == [f"{tmp_path / 'nowhere'}: no such run directory"]


def test_a_missing_file_is_named(run_dir):
    (run_dir / "optouts.parquet").unlink()
    assert problems_of(run_dir) == [f"{run_dir / 'optouts.parquet'}: file not found"]


def test_a_missing_run_json_is_named(run_dir):
    (run_dir / "run.json").unlink()
    assert problems_of(run_dir) == [f"{run_dir / 'run.json'}: file not found"]


def test_a_missing_column_is_named(run_dir):
    path = run_dir / "attempts.parquet"
    rewrite(path, lambda t: t.drop_columns(["t_utc"]))
    assert problems_of(run_dir) == [f"{path}: column 't_utc': missing (expected timestamp (UTC))"]


def test_a_column_of_the_wrong_type_is_named(run_dir):
    path = run_dir / "attempts.parquet"
    rewrite(
        path,
        lambda t: t.set_column(
            t.schema.get_field_index("t_utc"), "t_utc", pa.array(["2026-03-10T14:00:00Z"])
        ),
    )
    assert problems_of(run_dir) == [f"{path}: column 't_utc': expected timestamp, found string"]


def test_a_timestamp_without_a_time_zone_is_refused(run_dir):
    path = run_dir / "attempts.parquet"
    rewrite(
        path,
        lambda t: t.set_column(
            t.schema.get_field_index("t_utc"), "t_utc", t.column("t_utc").cast(pa.timestamp("s"))
        ),
    )
    (problem,) = problems_of(run_dir)
    assert problem.startswith(f"{path}: column 't_utc': expected timestamp, found timestamp[")
    assert problem.endswith("without a time zone")


def test_a_boolean_column_of_text_is_named(run_dir):
    path = run_dir / "patients.parquet"
    rewrite(
        path,
        lambda t: t.set_column(
            t.schema.get_field_index("do_not_call"), "do_not_call", pa.array(["no"])
        ),
    )
    assert problems_of(run_dir) == [f"{path}: column 'do_not_call': expected boolean, found string"]


def test_an_unknown_channel_is_named(make_run):
    run_dir = make_run([patient()], [attempt(AT, channel="email")])
    (problem,) = problems_of(run_dir)
    assert problem.startswith(
        f"{run_dir / 'attempts.parquet'}: column 'channel': unexpected value 'email'"
    )


def test_an_unknown_purpose_is_named(make_run):
    run_dir = make_run([patient()], [attempt(AT, purposes="recall|birthday")])
    (problem,) = problems_of(run_dir)
    assert "column 'purposes': unknown purpose 'birthday'" in problem


def test_a_contact_with_an_unknown_patient_is_named(make_run):
    run_dir = make_run([patient(1)], [attempt(AT, 7)])
    assert problems_of(run_dir) == [
        f"{run_dir / 'attempts.parquet'}: column 'patient_id': 1 ids not in patients.parquet (e.g. 7)"
    ]


def test_an_unknown_time_zone_is_named(make_run):
    run_dir = make_run([patient(tz_phone="America/Atlantis")], [attempt(AT)])
    assert problems_of(run_dir) == [
        f"{run_dir / 'patients.parquet'}: column 'tz_phone': unknown time zone 'America/Atlantis'"
    ]


def test_a_soft_opt_out_without_a_pause_end_is_named(make_run):
    run_dir = make_run([patient()], [], [optout(AT, kind="soft")])
    (problem,) = problems_of(run_dir)
    assert problem.startswith(f"{run_dir / 'optouts.parquet'}: column 'pause_until_utc'")


def test_an_unknown_legal_posture_is_named(make_run):
    run_dir = make_run([patient()], [attempt(AT)], campaigns={"recall": {"legal_posture": "yolo"}})
    (problem,) = problems_of(run_dir)
    assert problem.startswith(f"{run_dir / 'run.json'}: scenario.campaigns.recall.legal_posture")


def test_another_format_version_is_refused(run_dir):
    (run_dir / "run.json").write_text(json.dumps({"format_version": 2, "scenario": {}}))
    (problem,) = problems_of(run_dir)
    assert "format_version" in problem


def test_every_problem_is_reported_at_once(run_dir):
    (run_dir / "optouts.parquet").unlink()
    (run_dir / "practices.parquet").unlink()
    assert len(problems_of(run_dir)) == 2


def test_an_empty_log_passes(make_run):
    report = audit_run(make_run([patient()], []))
    assert report.ok
    assert report.contacts_checked == 0
