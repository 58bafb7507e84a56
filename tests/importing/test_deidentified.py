"""Nothing that identifies a person in the export reaches any output: every file of the practice
folder and the command's stdout and stderr are searched for every name, street, city, full ZIP,
phone number (in any format) and birth date of the input."""

from __future__ import annotations

import csv
import re
from datetime import date
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from tests.importing.conftest import EXAMPLE, GENERIC, MAPPING, run_import

PHONE = re.compile(r"(?:\+?1[\s.-]?)?\(?\d{3}\)?[\s.-]*\d{3}[\s.-]*\d{4}")


def identifying(folder: Path, file: str, cols: dict[str, list[str]], fmt: str) -> dict[str, set]:
    with (folder / file).open(encoding="utf-8-sig", newline="") as f:
        rows = list(csv.DictReader(f))
    found: dict[str, set] = {k: set() for k in cols}
    for r in rows:
        for kind, columns in cols.items():
            for c in columns:
                v = r[c].strip()
                if not v or v.startswith("0001"):
                    continue
                if kind == "phone":
                    found[kind].add(re.sub(r"\D", "", v)[-10:])
                elif kind == "birth":
                    found[kind].add(date.fromisoformat(v) if fmt == "iso" else
                                    date(int(v[6:]), int(v[:2]), int(v[3:5])))  # fmt: skip
                else:
                    found[kind].add(v.lower())
    return found


def outputs(folder: Path, stdout: str, stderr: str) -> tuple[list[object], list[str]]:
    """Every cell of every table, and every text (files other than tables, stdout, stderr)."""
    cells: list[object] = []
    texts = [stdout, stderr]
    for path in folder.iterdir():
        if path.suffix == ".parquet":
            for column in pq.read_table(path).columns:
                cells += column.to_pylist()
        else:
            texts.append(path.read_text(encoding="utf-8"))
    return cells, texts


def assert_clean(found: dict[str, set], cells: list[object], texts: list[str]) -> None:
    words = found["name"] | found["street"] | found["city"] | found["zip"]
    assert not {str(c).strip().lower() for c in cells if isinstance(c, str)} & words
    assert not {c for c in cells if isinstance(c, date)} & found["birth"]
    for text in texts:
        low = text.lower()
        for w in words:
            assert not re.search(rf"\b{re.escape(w)}\b", low), w
        for b in found["birth"]:
            assert b.isoformat() not in text and b.strftime("%m/%d/%Y") not in text
    numbers = [
        re.sub(r"\D", "", m)[-10:]
        for t in texts + [str(c) for c in cells]
        for m in PHONE.findall(t)
    ]
    assert numbers and not set(numbers) & found["phone"]


def test_an_open_dental_import_holds_nothing_of_the_export(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    found = identifying(EXAMPLE, "patient.csv", {
        "name": ["LName", "FName"], "street": ["Address"], "city": ["City"], "zip": ["Zip"],
        "phone": ["HmPhone", "WkPhone", "WirelessPhone"], "birth": ["Birthdate"],
    }, "iso")  # fmt: skip
    assert len(found["name"]) > 200 and len(found["phone"]) > 200 and len(found["birth"]) > 250
    code, out, err = run_import(capsys, EXAMPLE, "--out", tmp_path / "p")
    assert code == 0
    assert_clean(found, *outputs(tmp_path / "p", out, err))


def test_a_generic_csv_import_holds_nothing_of_the_export(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    found = identifying(GENERIC, "patients.csv", {
        "name": ["Last Name", "First Name"], "street": ["Street"], "city": ["City"],
        "zip": ["Zip"], "phone": ["Phone"], "birth": ["DOB"],
    }, "us")  # fmt: skip
    code, out, err = run_import(
        capsys, GENERIC, "--format", "csv", "--mapping", MAPPING, "--out", tmp_path / "g"
    )
    assert code == 0
    assert_clean(found, *outputs(tmp_path / "g", out, err))
