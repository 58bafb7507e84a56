"""The README's "Your practice" route end to end: import the example export, calibrate the example
scenario to the example's observed figures, run it, audit it, report it."""

from __future__ import annotations

import shutil
from pathlib import Path

from dentsim.cli import main
from dentsim.compliance.audit import audit_run
from tests.conftest import ROOT


def test_the_example_scenario_runs_the_imported_example_practice(tmp_path: Path) -> None:
    examples = tmp_path / "examples"
    shutil.copytree(ROOT / "examples", examples)
    practice = tmp_path / "my_practice"  # where examples/my_practice.yaml looks: ../my_practice
    assert main(["import", str(examples / "opendental"), "--out", str(practice)]) == 0
    scenario = examples / "my_practice.yaml"  # a year of the 300-patient example practice
    assert main(["validate", str(scenario)]) == 0
    # calibrated into another folder: the written file still finds the imported practice
    calibrated = tmp_path / "fitted" / "mine.yaml"
    args = ["calibrate", str(scenario), "--observed", str(examples / "observed.yaml")]
    assert main([*args, "--out", str(calibrated), "--replications", "2", "--quiet"]) == 0
    assert "from: ../my_practice" in calibrated.read_text()
    out = tmp_path / "run"
    assert main(["run", str(calibrated), "--out", str(out), "--quiet"]) == 0
    report = audit_run(out)
    assert report.ok and report.contacts_checked > 100
    assert main(["report", str(out)]) == 0
    html = (out / "report" / "report.html").read_text()
    assert "on the practice&#39;s own patients (imported), calibrated to its connect rate" in html


def test_a_practice_with_more_numbers_than_the_fiction_range_imports_validates_and_runs(
    tmp_path: Path,
) -> None:
    """10,000 patients in one state: numbers beyond 555-0100..0199 in their area codes, as the
    import documents; what the import writes, validate accepts and the run runs."""
    import pyarrow.parquet as pq
    from make_example_export import generated, opendental_tables, write_export  # tools/

    p, start = generated(10_000, seed=5)
    write_export(tmp_path / "export", opendental_tables(p, start))
    assert main(["import", str(tmp_path / "export"), "--out", str(tmp_path / "my_practice")]) == 0
    phones = pq.read_table(tmp_path / "my_practice" / "patients.parquet")["phone"].to_pylist()
    assert any(phone[8:10] != "01" for phone in phones)  # beyond the fiction range
    examples = tmp_path / "examples"
    examples.mkdir()
    text = (ROOT / "examples" / "my_practice.yaml").read_text()
    scenario = examples / "my_practice.yaml"
    scenario.write_text(text.replace("days: 365 ", "days: 10  ", 1))
    assert main(["validate", str(scenario)]) == 0
    out = tmp_path / "run"
    assert main(["run", str(scenario), "--out", str(out), "--quiet"]) == 0
    assert audit_run(out).ok


def test_a_state_that_is_not_one_is_refused_at_import(tmp_path: Path, capsys) -> None:
    out = tmp_path / "p"
    assert main(["import", str(ROOT / "examples" / "opendental"), "--out", str(out),
                 "--state", "ZZ"]) == 2  # fmt: skip
    assert "--state ZZ: expected the two capital letters of a US state" in capsys.readouterr().err
    assert not out.exists()
