"""`dentsim check` audits every kind of result: a replicated run, a group and a sweep, one
practice-year at a time, found as `dentsim report` finds them."""

from __future__ import annotations

import json
import shutil
import xml.etree.ElementTree as ET
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest

from dentsim.cli import main
from dentsim.experiments.tasks import FAIL_TASK_ENV
from dentsim.scenario import Scenario, apply_overrides
from tests.experiments.conftest import write_scenario

NIGHT_UTC_S = 8 * 3600  # 08:00 UTC: between 22:00 and 04:00 in every US zone


@pytest.fixture(scope="module")
def short(tiny: Scenario) -> Scenario:
    return apply_overrides(tiny, {"days": 30})


@pytest.fixture(scope="module")
def replicated(tmp_path_factory: pytest.TempPathFactory, short: Scenario) -> Path:
    folder = tmp_path_factory.mktemp("replicated")
    scenario = write_scenario(folder / "short.yaml", short)
    out = folder / "out"
    args = ["run", str(scenario), "--replications", "2", "--workers", "1", "--out", str(out)]
    assert main([*args, "--quiet"]) == 0
    return out


@pytest.fixture(scope="module")
def group(tmp_path_factory: pytest.TempPathFactory, short: Scenario) -> Path:
    folder = tmp_path_factory.mktemp("group")
    scenario = write_scenario(
        folder / "group.yaml", apply_overrides(short, {"group": {"practices": 2}})
    )
    out = folder / "out"
    assert main(["run", str(scenario), "--workers", "1", "--out", str(out), "--quiet"]) == 0
    return out


def call_at_night(run_dir: Path) -> None:
    """Move the run's first voice call to 08:00 UTC of its day: outside every calling window."""
    path = run_dir / "attempts.parquet"
    table = pq.read_table(path)
    row = pc.index(table["channel"], "voice").as_py()
    seconds = table["t_utc"].cast(pa.timestamp("s", "UTC")).cast(pa.int64()).to_numpy().copy()
    seconds[row] = seconds[row] // 86_400 * 86_400 + NIGHT_UTC_S
    times = pa.array(seconds, pa.int64()).cast(pa.timestamp("s", "UTC"))
    times = times.cast(table.schema.field("t_utc").type)
    table = table.set_column(table.schema.get_field_index("t_utc"), "t_utc", times)
    pq.write_table(table, path)


def suites(junit: Path) -> dict[str, ET.Element]:
    return {s.get("name"): s for s in ET.parse(junit).getroot().iter("testsuite")}


def test_check_audits_every_replication_of_a_replicated_run(
    replicated: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    junit, report = tmp_path / "check.xml", tmp_path / "check.json"
    assert main(["check", str(replicated), "--junit", str(junit), "--json", str(report)]) == 0
    out = capsys.readouterr().out
    labels = [r["label"] for r in json.loads((replicated / "run.json").read_text())["runs"]]
    assert len(labels) == 2 and all(label.split(",")[0] in out for label in labels)
    assert "PASS" in out
    assert set(suites(junit)) == {"replications/r000", "replications/r001"}
    data = json.loads(report.read_text())
    assert (data["kind"], data["ok"], data["practice_years"]) == ("replicated", True, 2)
    assert [r["dir"] for r in data["runs"]] == ["replications/r000", "replications/r001"]
    assert all(r["contacts_checked"] > 0 for r in data["runs"])


def test_check_fails_a_group_when_one_practice_breaks_a_rule_and_names_that_practice(
    group: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    broken = tmp_path / "broken"
    shutil.copytree(group, broken)
    call_at_night(broken / "practices" / "p00001")
    junit, report = tmp_path / "check.xml", tmp_path / "check.json"
    assert main(["check", str(broken), "--junit", str(junit), "--json", str(report)]) == 1
    out = capsys.readouterr().out
    assert "FAIL" in out and "1 of 2 practice-years" in out
    assert "practice 1 (" in out and "federal_calling_window" in out
    by_suite = suites(junit)
    assert set(by_suite) == {"practices/p00000", "practices/p00001"}
    assert by_suite["practices/p00000"].get("failures") == "0"
    failed = [
        c.get("name")
        for c in by_suite["practices/p00001"].iter("testcase")
        if c.find("failure") is not None
    ]
    assert "federal_calling_window" in failed
    data = json.loads(report.read_text())
    assert data["ok"] is False
    assert [r["ok"] for r in data["runs"]] == [True, False]


def test_check_audits_each_variant_and_replication_of_a_sweep(
    reference: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    junit = tmp_path / "check.xml"
    assert main(["check", str(reference), "--junit", str(junit)]) == 0
    out = capsys.readouterr().out
    for variant in ("base", "unknown_caller_id", "combine=false"):
        assert f"variant {variant}, replication 1" in out
    assert len(suites(junit)) == 3 * 2


def test_check_audits_the_finished_practice_years_and_notes_a_failed_task(
    tmp_path: Path,
    short: Scenario,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv(FAIL_TASK_ENV, "replications/r001")
    scenario = write_scenario(tmp_path / "short.yaml", short)
    out = tmp_path / "out"
    args = ["run", str(scenario), "--replications", "2", "--workers", "1", "--out", str(out)]
    assert main([*args, "--quiet"]) == 1
    capsys.readouterr()
    assert main(["check", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "1 task(s) failed" in printed
    assert "replication 0" in printed and "replication 1" not in printed


def test_check_of_a_folder_holding_no_result_exits_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["check", str(tmp_path)]) == 2
    assert "not a dentsim result directory" in capsys.readouterr().err


def test_check_of_an_unfinished_sweep_exits_2_and_says_so(
    reference: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    unfinished = tmp_path / "unfinished"
    shutil.copytree(reference, unfinished)
    for name in ("run.json", "results.parquet", "summary.parquet", "summary.json"):
        (unfinished / name).unlink()  # killed while its tasks ran: sweep.json and tasks only
    assert main(["check", str(unfinished)]) == 2
    assert f"{unfinished}: holds no finished run" in capsys.readouterr().err


def test_check_of_a_sweep_written_before_sweeps_had_a_run_json_audits_what_it_finds(
    reference: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    older = tmp_path / "older"
    shutil.copytree(reference, older)
    (older / "run.json").unlink()
    assert main(["check", str(older)]) == 0
    out = capsys.readouterr().out
    assert "6 practice-years" in out and "no run.json" in out


def test_a_practice_year_listed_twice_is_refused_not_audited_twice(
    replicated: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    twice = tmp_path / "twice"
    shutil.copytree(replicated, twice)
    manifest = json.loads((twice / "run.json").read_text())
    manifest["runs"].append(dict(manifest["runs"][0], dir="replications/./r000"))
    (twice / "run.json").write_text(json.dumps(manifest))
    assert main(["check", str(twice)]) == 2
    err = capsys.readouterr().err.strip()
    assert err == f"{twice / 'run.json'}: runs[2].dir: 'replications/./r000' is listed twice"
