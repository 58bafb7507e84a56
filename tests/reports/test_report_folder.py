"""A report's folder holds one report: a new report replaces every file of the earlier one and
removes those it does not write itself, keeps a user's own files, and a full disk or a kill while
writing leaves the earlier report whole."""

from __future__ import annotations

import errno
import json
import shutil
from pathlib import Path

import pytest

from dentsim.cli import main
from dentsim.reports import report as report_module
from dentsim.reports.report import STAGING, ReportFiles, build_report

USERS_OWN = {"notes.md": b"mine\n", "charts/logo.png": b"my logo"}


def files_in(folder: Path) -> dict[str, bytes]:
    return {
        p.relative_to(folder).as_posix(): p.read_bytes() for p in folder.rglob("*") if p.is_file()
    }


def written(files: ReportFiles, roi_json: bool) -> set[str]:
    names = {"report.html", "report.pdf", *(f"charts/{p.name}" for p in files.charts)}
    return names | ({"roi.json"} if roi_json else set())


def too_short(run_dir: Path, where: Path) -> Path:
    """The run, read as 70 days: too short for a steady state, so its report has no tornado."""
    shutil.copytree(run_dir, where)
    manifest = json.loads((where / "run.json").read_text())
    manifest["scenario"]["days"] = 70
    (where / "run.json").write_text(json.dumps(manifest))
    return where


def test_a_report_into_a_used_folder_leaves_no_file_of_the_earlier_report_but_the_users(
    run_dir: Path, sweep_dir: Path, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    first = build_report(run_dir, out)
    assert "tornado" in {p.stem for p in first.charts}
    for name, data in USERS_OWN.items():
        (out / name).write_bytes(data)

    second = build_report(too_short(run_dir, tmp_path / "short"), out)
    assert "tornado" not in {p.stem for p in second.charts}
    assert set(files_in(out)) == written(second, roi_json=True) | set(USERS_OWN)

    third = build_report(sweep_dir, out)  # a sweep writes no roi.json and no run charts
    assert set(files_in(out)) == written(third, roi_json=False) | set(USERS_OWN)
    assert {n: files_in(out)[n] for n in USERS_OWN} == USERS_OWN


def test_a_full_disk_part_way_leaves_the_earlier_report_whole_and_no_partial_file(
    run_dir: Path, sweep_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "out"
    build_report(run_dir, out)
    before = files_in(out)
    real = report_module.write_bytes
    done: list[Path] = []

    def fills_up(path: Path, data: bytes) -> None:
        if len(done) == 2:
            raise OSError(errno.ENOSPC, "No space left on device", str(path))
        done.append(path)
        real(path, data)

    monkeypatch.setattr(report_module, "write_bytes", fills_up)
    with pytest.raises(OSError):
        build_report(sweep_dir, out)
    assert len(done) == 2  # the new report was part-way through writing when the disk filled
    assert files_in(out) == before
    assert not [p for p in out.rglob(".*")]


def test_a_report_killed_while_writing_leaves_the_earlier_one_and_the_next_tidies(
    run_dir: Path, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    build_report(run_dir, out)
    before = files_in(out)
    half = out / STAGING  # what a kill -9 in the middle of writing leaves behind
    (half / "charts").mkdir(parents=True)
    (half / "charts" / "funnel.png").write_bytes(b"half")
    assert {n: d for n, d in files_in(out).items() if not n.startswith(STAGING)} == before
    build_report(run_dir, out)
    assert files_in(out) == before  # the same input, the same bytes, and nothing left over


def test_the_command_line_says_a_full_disk_in_one_line_without_promises(
    sweep_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys
) -> None:
    def full(path: Path, data: bytes) -> None:
        raise OSError(errno.ENOSPC, "No space left on device", str(path))

    monkeypatch.setattr(report_module, "write_bytes", full)
    out = tmp_path / "out"
    assert main(["report", str(sweep_dir), "--out", str(out)]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert err == [f"{out / STAGING / 'charts' / 'pareto.png'}: No space left on device"]
    assert not [p for p in out.rglob("*") if p.is_file()]
