"""A run directory holds one run: a rerun removes what the last run wrote and this one does not,
run.json lists the run's files, `check` reads only those, and a folder that is not a dentsim
result is refused before anything runs."""

from __future__ import annotations

import errno
import json
import shutil
from pathlib import Path

import pytest

import dentsim.experiments.tasks
import dentsim.simulation.eventlog
from dentsim.cli import main
from dentsim.compliance.audit import audit_run
from dentsim.errors import InputError
from dentsim.experiments.tasks import run_scenario
from dentsim.results.rundir import STAGING
from dentsim.scenario import Scenario, apply_overrides
from tests.experiments.conftest import write_scenario


def read(path: Path) -> dict:
    return json.loads(path.read_text())


def files_in(folder: Path) -> set[str]:
    return {p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()}


@pytest.fixture(scope="module")
def short(tiny: Scenario) -> Scenario:
    return apply_overrides(tiny, {"days": 30})


@pytest.fixture(scope="module")
def silent(short: Scenario) -> Scenario:
    """The same practice with transcripts switched off."""
    return apply_overrides(short, {"dialogue.transcripts": False})


def test_run_json_lists_every_file_the_run_wrote(tmp_path: Path, short: Scenario) -> None:
    out = tmp_path / "out"
    run_scenario(short, out)
    assert set(read(out / "run.json")["files"]) == files_in(out) - {"run.json"}
    assert "transcripts.jsonl" in read(out / "run.json")["files"]


def test_a_rerun_without_transcripts_leaves_no_transcripts_of_the_last_run(
    tmp_path: Path, short: Scenario, silent: Scenario
) -> None:
    out = tmp_path / "out"
    run_scenario(short, out)
    run_scenario(silent, out)
    assert not (out / "transcripts.jsonl").exists()
    assert "transcripts.jsonl" not in read(out / "run.json")["files"]
    assert audit_run(out).transcripts_checked is None


def test_replications_into_a_former_single_run_directory_keep_no_single_run_file(
    tmp_path: Path, short: Scenario
) -> None:
    scenario = write_scenario(tmp_path / "short.yaml", short)
    out = tmp_path / "out"
    assert main(["run", str(scenario), "--out", str(out), "--quiet"]) == 0
    args = ["run", str(scenario), "--out", str(out), "--replications", "2", "--workers", "1"]
    assert main([*args, "--quiet"]) == 0
    top = {p.name for p in out.iterdir()}
    assert top == {"run.json", "kpis.json", "replications"}
    assert read(out / "run.json")["files"] == ["kpis.json"]
    assert [r["dir"] for r in read(out / "run.json")["runs"]] == [
        "replications/r000",
        "replications/r001",
    ]


def test_a_single_run_into_a_former_replicated_directory_keeps_no_replication(
    tmp_path: Path, short: Scenario
) -> None:
    scenario = write_scenario(tmp_path / "short.yaml", short)
    out = tmp_path / "out"
    args = ["run", str(scenario), "--out", str(out), "--replications", "2", "--workers", "1"]
    assert main([*args, "--quiet"]) == 0
    assert main(["run", str(scenario), "--out", str(out), "--quiet"]) == 0
    assert not (out / "replications").exists()
    assert files_in(out) == set(read(out / "run.json")["files"]) | {"run.json"}


def test_a_rerun_leaves_a_users_own_files_alone(tmp_path: Path, short: Scenario, silent) -> None:
    out = tmp_path / "out"
    run_scenario(short, out)
    (out / "notes.txt").write_text("mine\n")
    (out / "analysis").mkdir()
    (out / "analysis" / "plot.png").write_bytes(b"png")
    run_scenario(silent, out)
    assert (out / "notes.txt").read_text() == "mine\n"
    assert (out / "analysis" / "plot.png").read_bytes() == b"png"
    assert not (out / "transcripts.jsonl").exists()


def test_a_folder_that_is_not_a_dentsim_result_is_refused_before_anything_runs(
    tmp_path: Path, short: Scenario, monkeypatch: pytest.MonkeyPatch
) -> None:
    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("simulated into a foreign folder")

    monkeypatch.setattr(dentsim.experiments.tasks, "simulate_practice", refuse)
    folder = tmp_path / "thesis"
    folder.mkdir()
    (folder / "chapter1.tex").write_text("\\section{Intro}\n")
    (folder / "kpis.json").write_text("{}\n")  # a name dentsim uses, but not dentsim's folder
    with pytest.raises(InputError, match=r"thesis: not empty and not a dentsim result"):
        run_scenario(short, folder)
    assert sorted(p.name for p in folder.iterdir()) == ["chapter1.tex", "kpis.json"]


def test_the_cli_refuses_a_foreign_folder_with_exit_2(
    tmp_path: Path, short: Scenario, capsys: pytest.CaptureFixture[str]
) -> None:
    scenario = write_scenario(tmp_path / "short.yaml", short)
    folder = tmp_path / "photos"
    folder.mkdir()
    (folder / "cat.jpg").write_bytes(b"jpg")
    for extra in ([], ["--replications", "2"]):
        assert main(["run", str(scenario), "--out", str(folder), "--quiet", *extra]) == 2
        assert "not empty and not a dentsim result directory" in capsys.readouterr().err
    assert [p.name for p in folder.iterdir()] == ["cat.jpg"]


def test_an_unfinished_run_without_run_json_is_taken_over(tmp_path: Path, short, silent) -> None:
    out = tmp_path / "out"
    run_scenario(short, out)
    (out / "run.json").unlink()  # killed before its run.json was written
    (out / ".attempts.parquet.tmp").write_bytes(b"half")
    run_scenario(silent, out)
    assert files_in(out) == set(read(out / "run.json")["files"]) | {"run.json"}


def test_a_failed_simulation_leaves_the_previous_run_whole(
    tmp_path: Path, short: Scenario, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "out"
    run_scenario(short, out)
    before = {name: (out / name).read_bytes() for name in files_in(out)}

    def crash(*args: object, **kwargs: object) -> None:
        raise RuntimeError("the simulation broke")

    monkeypatch.setattr(dentsim.experiments.tasks, "simulate_practice", crash)
    with pytest.raises(RuntimeError):
        run_scenario(short, out)
    assert {name: (out / name).read_bytes() for name in files_in(out)} == before


def test_check_reads_only_the_files_run_json_lists(tmp_path: Path, short, silent) -> None:
    noisy, quiet = tmp_path / "noisy", tmp_path / "quiet"
    run_scenario(short, noisy)
    run_scenario(silent, quiet)
    calls = [json.loads(line) for line in (noisy / "transcripts.jsonl").read_text().splitlines()]
    # a transcript from elsewhere in which the agent names a procedure to an unverified person
    calls[0]["turns"] = [{"speaker": "agent", "text": "about your root canal", "verified": False}]
    shutil.copy(noisy / "transcripts.jsonl", quiet / "transcripts.jsonl")
    (quiet / "transcripts.jsonl").write_text("".join(json.dumps(c) + "\n" for c in calls))
    report = audit_run(quiet)
    assert report.transcripts_checked is None
    assert report.ok
    assert any("transcripts.jsonl" in note and "not among" in note for note in report.notes)


def test_check_refuses_a_table_run_json_does_not_list(tmp_path: Path, short: Scenario) -> None:
    out = tmp_path / "out"
    run_scenario(short, out)
    manifest = read(out / "run.json")
    manifest["files"].remove("optouts.parquet")
    (out / "run.json").write_text(json.dumps(manifest))
    with pytest.raises(InputError, match=r"optouts.parquet: not among the files run.json lists"):
        audit_run(out)


def test_a_sweep_writes_run_json_last_listing_its_files_and_practice_years(
    reference: Path,
) -> None:
    manifest = read(reference / "run.json")
    assert manifest["kind"] == "sweep"
    assert set(manifest["files"]) == {p.name for p in reference.iterdir() if p.is_file()} - {
        "run.json"
    }
    sweep = read(reference / "sweep.json")
    assert [r["dir"] for r in manifest["runs"]] == [
        f"{v['folder']}/r{r:03d}" for v in sweep["variants"] for r in range(2)
    ]


def test_check_of_an_interrupted_run_says_it_holds_no_finished_run(
    tmp_path: Path, short: Scenario, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out"
    run_scenario(short, out)
    (out / "run.json").unlink()  # killed while writing: run.json comes last
    assert main(["check", str(out)]) == 2
    assert f"{out}: holds no finished run" in capsys.readouterr().err


def test_a_rerun_removes_the_last_runs_report_and_keeps_a_users_file_beside_it(
    tmp_path: Path, short: Scenario, silent: Scenario
) -> None:
    out = tmp_path / "out"
    run_scenario(short, out)
    report = out / "report"  # as `dentsim report` writes it by default
    (report / "charts").mkdir(parents=True)
    for name in ("report.html", "report.pdf", "roi.json", "charts/funnel.png"):
        (report / name).write_bytes(b"of the last run")
    (report / "comments.md").write_text("mine\n")
    run_scenario(silent, out)
    assert files_in(report) == {"comments.md"}


def test_a_full_disk_while_writing_leaves_the_previous_run_whole_and_no_partial_file(
    tmp_path: Path, short: Scenario, silent: Scenario, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "out"
    run_scenario(short, out)
    before = {name: (out / name).read_bytes() for name in files_in(out)}
    real = dentsim.simulation.eventlog.write_parquet
    written: list[Path] = []

    def fills_up(table: object, path: Path) -> None:
        if written:
            raise OSError(errno.ENOSPC, "No space left on device", str(path))
        written.append(path)
        real(table, path)  # type: ignore[arg-type]

    monkeypatch.setattr(dentsim.simulation.eventlog, "write_parquet", fills_up)
    with pytest.raises(OSError):
        run_scenario(silent, out)
    assert written  # the new run was part-way through writing when the disk filled
    assert {name: (out / name).read_bytes() for name in files_in(out)} == before
    assert not [p.name for p in out.iterdir() if p.name.startswith(".")]


def test_a_run_killed_while_writing_leaves_the_previous_run_readable_and_the_rerun_tidies(
    tmp_path: Path, short: Scenario, silent: Scenario
) -> None:
    out = tmp_path / "out"
    run_scenario(short, out)
    before = {name: (out / name).read_bytes() for name in files_in(out)}
    half = out / STAGING  # what a kill -9 in the middle of writing leaves behind
    half.mkdir()
    (half / "attempts.parquet").write_bytes(b"half")
    assert {n: (out / n).read_bytes() for n in files_in(out) if not n.startswith(STAGING)} == before
    assert audit_run(out).ok
    run_scenario(silent, out)
    assert files_in(out) == set(read(out / "run.json")["files"]) | {"run.json"}


def test_the_command_line_says_a_full_disk_in_one_line(
    tmp_path: Path, short: Scenario, monkeypatch: pytest.MonkeyPatch, capsys
) -> None:
    def full(table: object, path: Path) -> None:
        raise OSError(errno.ENOSPC, "No space left on device", str(path))

    monkeypatch.setattr(dentsim.simulation.eventlog, "write_parquet", full)
    scenario = write_scenario(tmp_path / "short.yaml", short)
    assert main(["run", str(scenario), "--out", str(tmp_path / "out")]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].endswith(".parquet: No space left on device")
    assert not (tmp_path / "out" / "run.json").exists()
    assert not [p for p in (tmp_path / "out").rglob("*") if p.is_file()]
