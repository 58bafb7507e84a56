"""The example export, imported once per session, and a helper that runs `dentsim import`."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from dentsim.cli import main
from tests.conftest import ROOT

sys.path.insert(0, str(ROOT / "tools"))

EXAMPLE = ROOT / "examples" / "opendental"
GENERIC = ROOT / "examples" / "generic"
MAPPING = ROOT / "examples" / "mapping.yaml"


def run_import(capsys: pytest.CaptureFixture[str], *args: str | Path) -> tuple[int, str, str]:
    """`dentsim import ARGS...`: exit code, stdout, stderr."""
    code = main(["import", *map(str, args)])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture(scope="session")
def imported(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("imported") / "practice"
    assert main(["import", str(EXAMPLE), "--out", str(out)]) == 0
    return out
