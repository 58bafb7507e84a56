"""A short scenario to calibrate (the baseline practice, 300 patients, 120 days) and observed
figures it can reach; the calibration itself runs once per session (2 replications)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import NamedTuple

import pytest

from dentsim.cli import main
from tests.conftest import BASELINE

OBSERVED = """\
# what the practice saw over its last year
connect_rate: {rate: 0.44, calls: 800}
conversion:
  recall: {rate: 0.25, patients: 150}
no_show_rate: {rate: 0.12, visits: 400}
"""


def short_scenario(folder: Path) -> Path:
    """The baseline file, its comments and all, with 300 patients and 120 days."""
    text = BASELINE.read_text(encoding="utf-8")
    text = re.sub(r"(?m)^  patients: 1800 ", "  patients: 300  ", text)
    text = re.sub(r"(?m)^days: 365 ", "days: 120 ", text)
    path = folder / "practice.yaml"
    path.write_text(text, encoding="utf-8")
    return path


class Calibrated(NamedTuple):
    source: Path
    observed: Path
    out: Path
    rc: int
    stdout: str
    stderr: str


@pytest.fixture(scope="session")
def calibrated(tmp_path_factory: pytest.TempPathFactory) -> Calibrated:
    folder = tmp_path_factory.mktemp("calibrate")
    source = short_scenario(folder)
    observed = folder / "observed.yaml"
    observed.write_text(OBSERVED, encoding="utf-8")
    out = folder / "out" / "calibrated.yaml"
    out.parent.mkdir()
    capture = pytest.MonkeyPatch()
    import io
    import sys

    stdout, stderr = io.StringIO(), io.StringIO()
    capture.setattr(sys, "stdout", stdout)
    capture.setattr(sys, "stderr", stderr)
    try:
        rc = main(
            ["calibrate", str(source), "--observed", str(observed), "--out", str(out),
             "--replications", "2", "--workers", "2", "--quiet"]
        )  # fmt: skip
    finally:
        capture.undo()
    return Calibrated(source, observed, out, rc, stdout.getvalue(), stderr.getvalue())
