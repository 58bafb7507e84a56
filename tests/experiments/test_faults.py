"""Nothing finished is lost: a killed worker's task reruns, an interrupted sweep resumes, and a
task that fails every time is reported while every other task completes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from dentsim.cli import main
from dentsim.experiments.executors import Executor
from dentsim.experiments.sweep_file import load_sweep
from dentsim.experiments.sweep_run import run_sweep
from dentsim.experiments.tasks import FAIL_TASK_ENV, KILL_TASK_ENV
from tests.experiments.conftest import copy_run, same_results


def read(path: Path) -> dict:
    return json.loads(path.read_text())


@pytest.mark.parametrize("executor", ["local", "dask"])
def test_a_worker_killed_mid_sweep_loses_nothing_and_the_results_equal_an_undisturbed_run(
    executor: str,
    tmp_path: Path,
    sweep_file: Path,
    reference: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv(KILL_TASK_ENV, "variants/unknown_caller_id/r000")
    out = tmp_path / "out"
    args = ["sweep", str(sweep_file), "--out", str(out), "--workers", "2", "--executor", executor]
    assert main([*args, "--quiet"]) == 0
    assert (out / "variants" / "unknown_caller_id" / ".r000.killed").exists()  # it did die once
    assert same_results(reference, out) == []


def test_a_task_that_always_fails_is_named_and_every_other_task_completes(
    tmp_path: Path,
    sweep_file: Path,
    reference: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv(FAIL_TASK_ENV, "variants/combine=false/r001")
    out = tmp_path / "out"
    assert main(["sweep", str(sweep_file), "--out", str(out), "--workers", "2", "--quiet"]) == 1
    seed = read(reference / "sweep.json")["seeds"][1]
    assert f"failed: variant combine=false, replication 1, seed {seed}: RuntimeError" in (
        capsys.readouterr().err
    )
    assert read(out / "failures.json") == [
        {
            "variant": "combine=false",
            "replication": 1,
            "task": "variants/combine=false/r001",
            "seed": seed,
            "error": f"RuntimeError: injected failure ({FAIL_TASK_ENV}) (after 3 attempts)",
        }
    ]
    done = sorted(p.parent.relative_to(out).as_posix() for p in out.glob("variants/*/*/done.json"))
    assert len(done) == 5 and "variants/combine=false/r001" not in done


def test_resume_skips_finished_tasks_and_reruns_the_unfinished(
    tmp_path: Path, sweep_file: Path, reference: Path
) -> None:
    out = copy_run(reference, tmp_path / "out")
    unfinished = out / "variants" / "base" / "r001"
    (unfinished / "done.json").unlink()  # a task interrupted after writing its tables
    finished = out / "variants" / "unknown_caller_id" / "r000" / "done.json"
    stamp = finished.stat().st_mtime_ns
    for name in ("results.parquet", "summary.json"):
        (out / name).unlink()
    args = ["sweep", str(sweep_file), "--out", str(out), "--workers", "1", "--resume"]
    assert main([*args, "--quiet"]) == 0
    assert read(out / "timings.json")["resumed_tasks"] == 5
    assert finished.stat().st_mtime_ns == stamp
    assert (unfinished / "done.json").exists()
    assert same_results(reference, out) == []


def test_a_checkpoint_of_another_scenario_is_not_reused(
    tmp_path: Path, sweep_file: Path, reference: Path
) -> None:
    out = copy_run(reference, tmp_path / "out")
    changed = sweep_file.parent / "changed.yaml"
    changed.write_text(
        sweep_file.read_text().replace("caller_id: unknown", "caller_id: practice_main")
    )
    assert (
        main(["sweep", str(changed), "--out", str(out), "--workers", "1", "--resume", "--quiet"])
        == 0
    )
    assert read(out / "timings.json")["resumed_tasks"] == 4  # unknown_caller_id's two reran
    results = read(out / "summary.json")["variants"]
    assert (
        results["unknown_caller_id"]["overall"]["attempts"]
        == results["base"]["overall"]["attempts"]
    )


def test_an_interrupted_sweep_resumes_where_it_stopped(
    tmp_path: Path, sweep_file: Path, reference: Path
) -> None:
    sweep = load_sweep(sweep_file)
    out = tmp_path / "out"

    def interrupt_after_two(done: int, total: int) -> None:
        if done >= 2:
            raise KeyboardInterrupt  # Ctrl-C, as the parent sees it between two tasks

    with pytest.raises(KeyboardInterrupt):
        run_sweep(sweep, out, Executor("local", 1), progress=interrupt_after_two)
    assert not (out / "results.parquet").exists()
    assert len(list(out.glob("variants/*/*/done.json"))) == 2
    result = run_sweep(sweep, out, Executor("local", 2), resume=True)
    assert result.outcome.resumed == 2
    assert same_results(reference, out) == []
