"""What validates runs, wherever the practice is and whatever number a patient has: a short
practice-year in every state and DC, and one run that dials every area code of the table, each
run and then checked by the audit (exit 0 both times)."""

from __future__ import annotations

import typing
from collections import Counter
from pathlib import Path

import pyarrow.parquet as pq
import pytest
import yaml

from dentsim.cli import main
from dentsim.data import area_codes, codes_by_state
from dentsim.scenario import USState
from tests.conftest import BASELINE

STATES = typing.get_args(USState)


def scenario_file(path: Path, **sections: dict[str, object]) -> Path:
    """The baseline, two weeks, with the given sections' keys replaced."""
    data = yaml.safe_load(BASELINE.read_text())
    data["days"] = 14
    for section, keys in sections.items():
        data.setdefault(section, {}).update(keys)
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


def test_every_state_and_dc_has_area_codes_and_washington_has_its_six() -> None:
    assert set(codes_by_state()) == set(STATES)
    assert sorted(codes_by_state()["WA"]) == ["206", "253", "360", "425", "509", "564"]


def test_a_short_practice_year_runs_and_passes_the_audit_in_every_state_and_dc(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    failed = []
    for state in STATES:
        path = scenario_file(
            tmp_path / f"{state}.yaml", practice={"state": state}, population={"patients": 40}
        )
        out = tmp_path / state
        ran = main(["run", str(path), "--out", str(out), "--quiet"])
        checked = main(["check", str(out)]) if ran == 0 else None
        if (ran, checked) != (0, 0):
            failed.append((state, ran, checked))
    assert not failed, (failed, capsys.readouterr().err[-2000:])
    # the runs did contact patients (a run that places no contact would prove little)
    attempts = pq.read_table(tmp_path / "WA" / "attempts.parquet")
    assert attempts.num_rows > 0


def test_one_run_dials_every_area_code_of_the_table_and_passes_the_audit(tmp_path: Path) -> None:
    # 4,000 patients with their own phones, the area codes drawn uniformly from every code of the
    # table (about 11 patients per code), 40 lines for two weeks: every code gets patients and
    # dialled contacts. A code without either is named by the assertions below.
    codes = sorted(area_codes())
    path = scenario_file(
        tmp_path / "codes.yaml",
        population={
            "patients": 4000,
            "mean_household_size": 1.0,
            "share_households_sharing_home_phone": 0.0,
            "share_prebooked": 0.0,
            "area_code_mix": dict.fromkeys(codes, 1.0),
        },
        telephony={"lines": 40},
        dialogue={"play": False},
    )
    out = tmp_path / "run"
    assert main(["run", str(path), "--out", str(out), "--quiet"]) == 0
    assert main(["check", str(out)]) == 0
    patients = pq.read_table(out / "patients.parquet").to_pylist()
    dialled = Counter(a["phone"][:3] for a in pq.read_table(out / "attempts.parquet").to_pylist())
    assert sorted({p["phone"][:3] for p in patients}) == codes
    assert sorted(dialled) == codes
    table = area_codes()
    misplaced = [
        p["phone"]
        for p in patients
        if (p["phone_state"], p["tz_phone"])
        != (table[p["phone"][:3]].state, "|".join(table[p["phone"][:3]].zones))
    ]
    assert not misplaced
