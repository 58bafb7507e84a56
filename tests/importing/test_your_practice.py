"""The README's "Your practice" route end to end: import the example export, run the example
scenario on it, audit the run."""

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
    scenario = examples / "my_practice.yaml"
    short = scenario.read_text().replace("days: 365 ", "days: 60  ", 1)
    assert short != scenario.read_text()
    scenario.write_text(short)
    assert main(["validate", str(scenario)]) == 0
    out = tmp_path / "run"
    assert main(["run", str(scenario), "--out", str(out), "--quiet"]) == 0
    report = audit_run(out)
    assert report.ok and report.contacts_checked > 100
