"""Small scenarios and sweeps on disk for the experiment tests, and a reference sweep run once."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from dentsim.cli import main
from dentsim.scenario import Scenario
from tests.conftest import small

RESULT_FILES = ("results.parquet", "summary.json", "summary.parquet", "pareto.json", "sweep.json")

# base + a named variant + a one-value grid, times two replications: six small tasks
SWEEP_TEXT = """\
name: tiny_sweep
base: tiny.yaml
replications: 2
variants:
  - name: unknown_caller_id
    overrides:
      telephony.caller_id: unknown
grid:
  strategy.combine: [false]
"""


@pytest.fixture(scope="session")
def tiny(baseline: Scenario) -> Scenario:
    return small(baseline, population__patients=150, days=60)


def write_scenario(path: Path, scenario: Scenario) -> Path:
    path.write_text(yaml.safe_dump(scenario.model_dump(), sort_keys=False))
    return path


def write_sweep(folder: Path, base: Scenario, text: str = SWEEP_TEXT) -> Path:
    """A sweep file in `folder` whose `base: tiny.yaml` is `base`."""
    folder.mkdir(parents=True, exist_ok=True)
    write_scenario(folder / "tiny.yaml", base)
    (folder / "sweep.yaml").write_text(text)
    return folder / "sweep.yaml"


@pytest.fixture(scope="session")
def sweep_file(tmp_path_factory: pytest.TempPathFactory, tiny: Scenario) -> Path:
    return write_sweep(tmp_path_factory.mktemp("sweep"), tiny)


@pytest.fixture(scope="session")
def reference(tmp_path_factory: pytest.TempPathFactory, sweep_file: Path) -> Path:
    """The tiny sweep run undisturbed on two local workers."""
    out = tmp_path_factory.mktemp("reference") / "out"
    assert main(["sweep", str(sweep_file), "--out", str(out), "--workers", "2", "--quiet"]) == 0
    return out


def copy_run(source: Path, target: Path) -> Path:
    shutil.copytree(source, target)
    return target


def same_results(a: Path, b: Path) -> list[str]:
    """The result files that differ between two sweep directories (byte for byte)."""
    return [f for f in RESULT_FILES if (a / f).read_bytes() != (b / f).read_bytes()]
