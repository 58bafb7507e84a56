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
