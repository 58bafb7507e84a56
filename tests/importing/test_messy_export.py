"""A real export's mess: a byte-order mark, Windows line endings, trailing spaces, columns
dentsim does not know, blank phones and phones in every punctuation, 0001-01-01 for none, and
rows that cannot be used (skipped, counted, each named by file, line and column)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pyarrow.parquet as pq
import pytest
import yaml

from tests.importing.conftest import run_import

PATIENT = [
    "PatNum,LName,FName,PatStatus,Gender,Birthdate,Address,City,State,Zip,HmPhone,WkPhone,"
    "WirelessPhone,Guarantor,PreferContactMethod,TxtMsgOk,Language,Mystery Column",
    "1,Okafor ,Bill,0,0,1980-02-03,1 Elm St,Springfield,CA ,90210-1234,,,(213) 444-1234,1,4,1,eng,x",
    "2,Okafor,Ada,0,1,2012-05-06,1 Elm St,Springfield,CA,90210,213.444.1234 ,,,1,2,0,spa,y",
    "3,Nguyen,Ann,0,1,0001-01-01,2 Oak Ave,Shelbyville,CA,90211,,,213-444-9999,3,0,0,,z",
    "4,Bad,Status,x,1,1990-01-01,3 Pine Rd,Ogdenville,CA,90212,,,213-444-8888,4,0,0,,",
    "5,No,Phone,0,1,1990-01-01,4 Fir Ln,Ogdenville,CA,90212,,,,5,0,0,,",
    "6,Short,Number,0,0,1975-07-08,5 Ash Ct,Ogdenville,CA,90212,(213) 44-123,,+1 213 444 7777,6,0,1,,",
    "7,Odd,Date,0,0,13/45/2000,6 Bay St,Ogdenville,CA,90212,,,213 444 6666,7,0,0,,",
]
RECALL = [
    "RecallNum,PatNum,DateDue,DatePrevious,RecallInterval,RecallTypeNum,IsDisabled",
    "1,1,0001-01-01,2025-06-01,393216,1,0",
    "2,3,not-a-date,2025-03-01,196608,1,0",
    "3,2,2026-03-01,2025-09-01,393216,1,0",
]
APPOINTMENT = ["AptNum,PatNum,AptStatus,AptDateTime", "1,2,1,2026-03-01 10:00:00"]


def _write(path: Path, lines: list[str], bom: bool = False) -> None:
    path.write_bytes(("\ufeff" if bom else "").encode() + "\r\n".join(lines).encode() + b"\r\n")


def test_the_usual_mess_imports_and_bad_rows_are_skipped_and_named(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    export = tmp_path / "export"
    export.mkdir()
    _write(export / "patient.csv", PATIENT, bom=True)
    _write(export / "recall.csv", RECALL)
    _write(export / "appointment.csv", APPOINTMENT)
    code, out, err = run_import(capsys, export, "--out", tmp_path / "p", "--as-of", "2026-01-05")
    assert code == 0, err
    patient = export / "patient.csv"
    assert f"{patient}:5: column PatStatus: not a whole number; row skipped" in err
    assert f"{patient}:6: column WirelessPhone: no usable phone number" in err
    assert f"{patient}:7: column HmPhone: a phone number of 8 digits" in err
    assert f"{patient}:8: column Birthdate: not a date" in err
    assert f"{export / 'recall.csv'}:3: column DateDue: not a date" in err
    assert "44-123" not in err and "13/45" not in err  # a bad value is described, never quoted
    assert "2 rows skipped" in out
    profile = yaml.safe_load((tmp_path / "p" / "practice.yaml").read_text())
    assert profile["counts"]["skipped_rows"] == 2 and profile["counts"]["patients"] == 5
    t = pq.read_table(tmp_path / "p" / "patients.parquet").to_pandas()
    assert t.zip.tolist().count("902") == 5 and (t.state == "CA").all()
    # patients 1 and 2 give the same number in two formats: one line, shared, one household
    shared = t[t.phone_shared]
    assert len(shared) == 2 and shared.phone.nunique() == 1 and shared.household_id.nunique() == 1
    assert set(shared.phone_type) == {"wireless", "landline"} and set(shared.language) == {
        "en",
        "es",
    }
    assert t.phone.nunique() == 4
    # a 0001-01-01 due date is none: due = the last visit + the interval; the booked visit kept
    assert date(2025, 12, 1) in set(t.recall_due_date)
    assert t.next_visit_date.dropna().tolist() == [date(2026, 3, 1)]
    assert "without a birth date" in out


def test_a_row_with_an_unquoted_comma_is_skipped_not_read_into_the_wrong_columns(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    export = tmp_path / "export"
    export.mkdir()
    shifted = PATIENT[1].replace("1 Elm St", "1 Elm St, Apt 2")  # one cell more than the header
    short = ",".join(PATIENT[3].split(",")[:10])  # the phones and the rest cut off
    _write(export / "patient.csv", [PATIENT[0], shifted, PATIENT[2], short])
    _write(export / "recall.csv", RECALL)
    _write(export / "appointment.csv", APPOINTMENT)
    code, out, err = run_import(capsys, export, "--out", tmp_path / "p", "--as-of", "2026-01-05")
    assert code == 0, err
    patient = export / "patient.csv"
    assert f"{patient}:2: 19 cells, the header has 18; row skipped" in err
    assert f"{patient}:4: 10 cells, the header has 18; row skipped" in err
    profile = yaml.safe_load((tmp_path / "p" / "practice.yaml").read_text())
    assert profile["counts"]["skipped_rows"] == 2 and profile["counts"]["patients"] == 1


def test_an_export_whose_every_row_is_refused_says_why(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    export = tmp_path / "export"
    export.mkdir()
    no_phones = [
        PATIENT[0],
        *(f"{i},Name,Some,0,0,1980-01-01,,,CA,90210,,,,{i},0,0,," for i in range(1, 31)),
    ]
    _write(export / "patient.csv", no_phones)
    _write(export / "recall.csv", RECALL[:1])
    _write(export / "appointment.csv", APPOINTMENT[:1])
    code, _, err = run_import(capsys, export, "--out", tmp_path / "p", "--as-of", "2026-01-05")
    assert code == 2
    lines = err.strip().splitlines()
    assert (
        lines[0]
        == f"{export / 'patient.csv'}:2: column WirelessPhone: no usable phone number (WirelessPhone, HmPhone, WkPhone); row skipped"
    )
    assert lines[-2] == "... and 10 more"
    assert lines[-1] == "the export holds no patient that can be imported; nothing written"
    assert not (tmp_path / "p").exists()
