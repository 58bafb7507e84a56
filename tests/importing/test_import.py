"""`dentsim import` on the example export: the practice folder's contract (docs/data.md), the
counts, determinism, and the refusals that write nothing."""

from __future__ import annotations

import re
import shutil
from datetime import date
from pathlib import Path

import pyarrow.parquet as pq
import pytest
import yaml

from dentsim.api import load_scenario
from dentsim.domain.population import generate
from dentsim.simulation.eventlog import patients_table
from tests.conftest import BASELINE
from tests.importing.conftest import EXAMPLE, GENERIC, MAPPING, run_import

EXTRA = {"next_visit_date": "date32[day]", "broken_appts": "int16", "plan_value_usd": "double",
         "plan_date": "date32[day]"}  # fmt: skip


def test_the_folder_holds_the_run_patients_columns_and_the_four_added(imported: Path) -> None:
    scenario = load_scenario(BASELINE)
    run_schema = patients_table(generate(scenario)[1], scenario.start_date).schema
    schema = pq.read_schema(imported / "patients.parquet")
    assert [(f.name, str(f.type)) for f in schema] == [
        *((f.name, str(f.type)) for f in run_schema),
        *EXTRA.items(),
    ]
    assert sorted(p.name for p in imported.iterdir()) == ["patients.parquet", "practice.yaml"]


def test_practice_yaml_counts_what_the_table_holds(imported: Path) -> None:
    profile = yaml.safe_load((imported / "practice.yaml").read_text())
    t = pq.read_table(imported / "patients.parquet").to_pandas()
    assert profile["format_version"] == 1 and profile["source"] == "opendental"
    assert profile["exported_on"] == date(2026, 1, 5)  # the export's DateTStamp
    assert profile["practice"] == {"state": "CA", "providers": 5, "name": None}
    c = profile["counts"]
    assert c["patients"] == len(t) == 300  # the archived and deceased rows are not imported
    assert c["active"] == (t.status == "active").sum() and c["inactive"] == 17
    assert c["booked"] == t.next_visit_date.notna().sum() > 0
    assert c["plans"] == t.plan_value_usd.notna().sum() > 0
    assert c["skipped_rows"] == 0
    open_active = (t.status == "active") & t.next_visit_date.isna()
    assert c["overdue"] == (open_active & (t.recall_due_date < date(2026, 1, 5))).sum() > 0
    assert list(t.patient_id) == list(range(300)) and (t.practice_id == 0).all()
    assert (t.street == "").all() and (t.city == "").all() and (t.zip.str.len() == 3).all()
    assert t.phone.str.fullmatch(r"\d{3}-555-01\d\d").all()
    # households: a guarantor is a patient of the household
    by_id = t.set_index("patient_id")
    assert (by_id.loc[t.guarantor_id, "household_id"].to_numpy() == t.household_id).all()


def test_the_same_export_gives_the_same_bytes(
    imported: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run_import(capsys, EXAMPLE, "--out", tmp_path / "again")[0] == 0
    for name in ("patients.parquet", "practice.yaml"):
        assert (tmp_path / "again" / name).read_bytes() == (imported / name).read_bytes()


def test_an_import_replaces_an_earlier_one_and_refuses_a_foreign_folder(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "p"
    assert run_import(capsys, EXAMPLE, "--out", out)[0] == 0
    code, stdout, _ = run_import(capsys, EXAMPLE, "--out", out, "--as-of", "2026-02-01")
    assert code == 0 and "as of 2026-02-01" in stdout
    assert yaml.safe_load((out / "practice.yaml").read_text())["exported_on"] == date(2026, 2, 1)
    (out / "notes.txt").write_text("mine")
    code, _, err = run_import(capsys, EXAMPLE, "--out", out)
    assert code == 2 and "notes.txt" in err and (out / "notes.txt").read_text() == "mine"
    assert [p.name for p in tmp_path.iterdir()] == ["p"]  # no staging folder left


@pytest.mark.parametrize(
    ("table", "column"),
    [("patient", "Guarantor"), ("recall", "DateDue"), ("appointment", "AptStatus")],
)
def test_a_missing_required_column_exits_2_naming_file_and_column(
    table: str, column: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    export = tmp_path / "export"
    shutil.copytree(EXAMPLE, export)
    path = export / f"{table}.csv"
    lines = path.read_text(encoding="utf-8-sig").splitlines()
    header = lines[0].split(",")
    at = header.index(column)
    path.write_text("\n".join(",".join(c for k, c in enumerate(ln.split(",")) if k != at)
                              for ln in lines) + "\n")  # fmt: skip
    code, stdout, err = run_import(capsys, export, "--out", tmp_path / "out")
    assert code == 2 and f"{path}:1: missing required column {column}" in err
    assert "Traceback" not in err and not (tmp_path / "out").exists()


def test_a_missing_table_and_a_missing_folder_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    export = tmp_path / "export"
    shutil.copytree(EXAMPLE, export)
    (export / "recall.csv").unlink()
    code, _, err = run_import(capsys, export, "--out", tmp_path / "out")
    assert code == 2 and "recall.csv: missing" in err and not (tmp_path / "out").exists()
    code, _, err = run_import(capsys, tmp_path / "nowhere", "--out", tmp_path / "out")
    assert code == 2 and "not a folder" in err


def test_the_generic_csv_route_reads_the_same_practice(
    imported: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "g"
    code, stdout, err = run_import(
        capsys,
        GENERIC,
        "--format",
        "csv",
        "--mapping",
        MAPPING,
        "--out",
        out,
        "--as-of",
        "2026-01-05",
    )
    assert code == 0, err
    a = pq.read_table(imported / "patients.parquet").to_pandas()
    b = pq.read_table(out / "patients.parquet").to_pandas()
    for column in ("status", "recall_type", "phone_type", "phone_shared", "language",
                   "text_allowed", "do_not_call", "recall_due_date", "last_hygiene_date",
                   "next_visit_date", "plan_value_usd"):  # fmt: skip
        assert sorted(map(str, a[column])) == sorted(map(str, b[column])), column
    assert yaml.safe_load((out / "practice.yaml").read_text())["source"] == "csv"


def test_a_bad_mapping_names_file_line_and_key(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "map.yaml"
    text = MAPPING.read_text().replace("  status: {A: active", "  status: {A: activ")
    bad.write_text(text.replace("  phone_type: Phone Type", "  phone_typo: Phone Type"))
    code, _, err = run_import(
        capsys, GENERIC, "--format", "csv", "--mapping", bad, "--out", tmp_path / "o"
    )
    assert code == 2
    line = next(i for i, ln in enumerate(text.splitlines(), 1) if "phone_type: Phone Type" in ln)
    assert f"{bad}:{line}: columns.phone_typo" in err
    assert "values.status.A" in err and not (tmp_path / "o").exists()


@pytest.mark.parametrize("form", ["%d.%m.%Q", "%Y", "%m/%d"])
def test_a_mapping_date_form_that_cannot_read_a_date_is_refused_at_its_line(
    form: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text = MAPPING.read_text()
    mapping = tmp_path / "mapping.yaml"
    mapping.write_text(re.sub(r'(?m)^date_format: "[^"]*"', f'date_format: "{form}"', text))
    args = [GENERIC, "--format", "csv", "--mapping"]
    code, _, err = run_import(capsys, *args, mapping, "--out", tmp_path / "p")
    assert code == 2 and not (tmp_path / "p").exists()
    line = (
        text.splitlines().index(next(x for x in text.splitlines() if x.startswith("date_format")))
        + 1
    )
    assert err.strip() == (
        f"{mapping}:{line}: date_format: expected a form that reads a whole date (year, month "
        f"and day), for example '%m/%d/%Y', found '{form}'"
    )
