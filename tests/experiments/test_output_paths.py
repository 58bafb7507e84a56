"""Every output path is checked before any work: a path under a file, a folder where a file is
wanted, a FIFO or a folder that cannot be written is bad input (exit 2, one clear line), never a
simulated year followed by a traceback, nor a command that blocks."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

import dentsim.cli.check
import dentsim.experiments.tasks
from dentsim.cli import main
from dentsim.experiments.tasks import run_scenario
from dentsim.scenario import Scenario, apply_overrides
from tests.experiments.conftest import write_scenario


@pytest.fixture(scope="module")
def short(tiny: Scenario) -> Scenario:
    return apply_overrides(tiny, {"days": 30})


@pytest.fixture(scope="module")
def scenario_file(tmp_path_factory: pytest.TempPathFactory, short: Scenario) -> Path:
    return write_scenario(tmp_path_factory.mktemp("scenario") / "short.yaml", short)


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory: pytest.TempPathFactory, short: Scenario) -> Path:
    out = tmp_path_factory.mktemp("run") / "out"
    run_scenario(short, out)
    return out


@pytest.fixture
def no_simulation(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("a practice-year was simulated before the output path was checked")

    monkeypatch.setattr(dentsim.experiments.tasks, "simulate_practice", refuse)


@pytest.fixture
def a_file(tmp_path: Path) -> Path:
    path = tmp_path / "notes.txt"
    path.write_text("a file, not a folder\n")
    return path


@pytest.fixture
def fifo(tmp_path: Path) -> Path:
    path = tmp_path / "pipe"
    os.mkfifo(path)
    return path


def error_of(capsys: pytest.CaptureFixture[str]) -> str:
    err = capsys.readouterr().err
    assert "Traceback" not in err
    return err


@pytest.mark.parametrize("extra", [[], ["--replications", "2", "--workers", "1"]])
def test_run_out_under_a_file_exits_2_before_simulating(
    scenario_file, a_file, extra, no_simulation, capsys
) -> None:
    out = a_file / "run"
    assert main(["run", str(scenario_file), "--out", str(out), "--quiet", *extra]) == 2
    assert f"{out}: cannot be created: {a_file} is a file, not a directory" in error_of(capsys)


def test_run_out_on_a_fifo_exits_2_and_leaves_it(scenario_file, fifo, no_simulation, capsys):
    assert main(["run", str(scenario_file), "--out", str(fifo), "--quiet"]) == 2
    assert str(fifo) in error_of(capsys)
    assert stat.S_ISFIFO(fifo.stat().st_mode)


def test_sweep_out_under_a_file_exits_2_before_any_task(sweep_file, a_file, capsys) -> None:
    out = a_file / "sweep"
    assert main(["sweep", str(sweep_file), "--out", str(out), "--quiet"]) == 2
    assert f"{a_file} is a file, not a directory" in error_of(capsys)


def test_check_junit_into_a_folder_exits_2_before_auditing(
    run_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys
) -> None:
    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("audited before the output path was checked")

    monkeypatch.setattr(dentsim.cli.check, "audit", refuse)
    assert main(["check", str(run_dir), "--junit", str(tmp_path)]) == 2
    assert f"--junit {tmp_path}: is a directory; expected a file name" in error_of(capsys)


def test_check_json_to_a_fifo_exits_2_without_blocking_and_leaves_it(
    run_dir: Path, fifo: Path, capsys
) -> None:
    assert main(["check", str(run_dir), "--json", str(fifo)]) == 2
    assert f"--json {fifo}: not a regular file" in error_of(capsys)
    assert stat.S_ISFIFO(fifo.stat().st_mode)


def test_check_junit_under_a_file_exits_2(run_dir: Path, a_file: Path, capsys) -> None:
    assert main(["check", str(run_dir), "--junit", str(a_file / "check.xml")]) == 2
    assert f"{a_file} is a file, not a directory" in error_of(capsys)


@pytest.mark.parametrize("where", ["under_a_file", "a_file"])
def test_report_out_that_cannot_be_a_folder_exits_2(run_dir, a_file, where, capsys) -> None:
    out = a_file / "report" if where == "under_a_file" else a_file
    assert main(["report", str(run_dir), "--out", str(out)]) == 2
    assert str(a_file) in error_of(capsys)


def test_agent_test_junit_into_a_folder_exits_2_before_any_case(tmp_path: Path, capsys) -> None:
    assert main(["agent-test", "dentsim.agents.scripted:make_agent", "--junit", str(tmp_path)]) == 2
    assert f"--junit {tmp_path}: is a directory" in error_of(capsys)


def test_check_json_onto_a_symbolic_link_exits_2_and_leaves_the_link(
    run_dir: Path, tmp_path: Path, capsys
) -> None:
    target = tmp_path / "results.json"
    target.write_text("{}\n")
    link = tmp_path / "latest.json"  # like /dev/stdout, which an atomic rename would replace
    link.symlink_to(target)
    assert main(["check", str(run_dir), "--json", str(link)]) == 2
    assert f"--json {link}: is a symbolic link" in error_of(capsys)
    assert link.is_symlink() and target.read_text() == "{}\n"


@pytest.mark.skipif(not Path("/proc/self").is_dir(), reason="needs a /proc file system")
def test_an_output_where_nothing_can_be_created_exits_2_before_simulating(
    scenario_file, no_simulation, capsys
) -> None:
    assert main(["run", str(scenario_file), "--out", "/proc/dentsim-run", "--quiet"]) == 2
    assert "/proc/dentsim-run: cannot write in /proc" in error_of(capsys)
