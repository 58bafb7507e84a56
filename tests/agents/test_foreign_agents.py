"""A user's agent is foreign code: whatever it does, the harness records it and goes on.

An agent that exits, raises GeneratorExit, hangs, kills its process or says text no file format
can hold fails its call or its case; the run and the conformance suite finish and write their
reports. The agents are in tests/agents/foreign.py. Tests that could hang if the harness did not
defend itself run `dentsim` in a subprocess with a time limit.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow.parquet as pq
import pytest
import yaml
from click.testing import CliRunner

from dentsim.agents import isolation
from dentsim.agents.cli import agent_test
from dentsim.agents.conformance import (
    Case,
    load_cases,
    report_json,
    run_case,
    run_suite,
    write_reports,
)
from dentsim.agents.dialogue import play_call
from dentsim.agents.protocol import Action, AgentTurn
from dentsim.experiments.tasks import run_scenario
from dentsim.scenario import load_scenario
from tests.agents import foreign
from tests.agents.calls import VERIFIED, context, patient
from tests.conftest import BASELINE, ROOT, small

FOREIGN = "tests.agents.foreign"


def call_with(agent: Any) -> Any:
    """A recall call the scripted agent would book, played by `agent`."""
    replies = {**VERIFIED, "offer_slots": ["accept_slot"], "confirm_booking": ["affirm"]}
    return play_call(agent, patient(replies), context("recall"), np.random.default_rng(1))


# ---------------------------------------------------------------- one call


@pytest.mark.parametrize(
    ("factory", "named"),
    [
        (foreign.exit_on_second_turn, "SystemExit: 3"),
        (foreign.generator_exit, "GeneratorExit"),
        (foreign.bad_str, "BadStr (its message could not be read)"),
    ],
)
def test_an_agent_that_exits_or_raises_anything_ends_its_call_as_agent_error(
    factory: Any, named: str
) -> None:
    result = call_with(factory())
    assert result.outcome == "agent_error"
    assert result.error.startswith("the agent raised ") and named in result.error


def test_ctrl_c_during_an_agents_turn_still_stops_the_harness() -> None:
    with pytest.raises(KeyboardInterrupt):
        call_with(foreign.interrupt())


def test_text_that_is_not_unicode_is_recorded_with_replacement_characters() -> None:
    result = call_with(foreign.strange_text())
    opening = next(t for t in result.turns if t.speaker == "agent").text
    assert "\ufffd" in opening and "\ud800" not in opening
    assert "\U0001f600 \U0001f600" in opening  # a surrogate pair is the character it encodes
    opening.encode("utf-8")  # every file format can hold it now
    assert result.outcome == "agent_error" and "ValueError: no more" in result.error
    result.error.encode("utf-8")


# ---------------------------------------------------------------- the conformance suite


def test_a_factory_that_exits_fails_each_case_naming_it() -> None:
    (case,) = [c for c in load_cases() if c.name == "recall_cooperative_books"]
    result = run_case(case, foreign.exits_when_built)
    assert result.failed_checks == ("agent_completes",)
    assert "the agent factory raised SystemExit: 3" in result.checks[0].detail


def test_agent_test_reports_an_agent_that_calls_sys_exit_and_exits_1(tmp_path: Path) -> None:
    junit, report = tmp_path / "agent.xml", tmp_path / "agent.json"
    result = CliRunner().invoke(
        agent_test,
        [f"{FOREIGN}:exit_on_second_turn", "-k", "cooperative"]
        + ["--junit", str(junit), "--json", str(report)],
        standalone_mode=False,
    )
    assert result.exception is None, result.output
    assert result.return_value == 1
    data = json.loads(report.read_text(encoding="utf-8"))
    assert data["cases"] == 3 and data["failed"] == 3
    for case in data["results"]:
        assert case["outcome"] == "agent_error"
        (check,) = [c for c in case["checks"] if c["check"] == "agent_completes"]
        assert check["status"] == "fail" and "SystemExit: 3" in check["detail"]
    assert ET.fromstring(junit.read_bytes()).find("testsuite").get("failures") == "3"  # type: ignore[union-attr]


def test_strange_text_keeps_the_junit_and_json_reports_well_formed(tmp_path: Path) -> None:
    junit, report = tmp_path / "agent.xml", tmp_path / "agent.json"
    result = CliRunner().invoke(
        agent_test,
        [f"{FOREIGN}:strange_text", "-k", "recall_cooperative"]
        + ["--junit", str(junit), "--json", str(report)],
        standalone_mode=False,
    )
    assert result.exception is None, result.output
    assert result.return_value == 1
    assert "[/red] <&>" in result.output  # printed as said, not read as markup

    root = ET.fromstring(junit.read_bytes())  # raises on an ill-formed document
    failures = {f.get("type"): f for f in root.iter("failure")}
    assert set(failures) >= {"opening_discloses", "agent_completes"}
    said = failures["opening_discloses"].get("message") or ""
    assert "\\x00\\x08\\x1b[31m\ufffd \\uffff\\ufffe [/red] <&> ]]> \U0001f600" in said
    transcript = root.find(".//system-out")
    assert transcript is not None and "\\x1b[31m" in (transcript.text or "")

    data = json.loads(report.read_text(encoding="utf-8"))  # raises on ill-formed JSON
    (case,) = data["results"]
    agent_text = case["transcript"][1]["text"]
    assert agent_text.startswith("Hello \x00\x08\x1b[31m\ufffd \uffff\ufffe [/red]")


def test_reports_are_well_formed_whatever_strings_reach_them(tmp_path: Path) -> None:
    # a case file name, an agent reference or an error text can hold what the agent's turns
    # cannot (they are cleaned as they are recorded): the writers clean what they write
    result = run_suite(foreign.strange_text, [COOPERATIVE()])
    junit, report = tmp_path / "agent.xml", tmp_path / "agent.json"
    write_reports(result, "odd\ud800\x01agent", junit, report)
    root = ET.fromstring(junit.read_bytes())
    assert root.find(".//property[@name='agent']").get("value") == "odd\ufffd\\x01agent"  # type: ignore[union-attr]
    assert json.loads(report.read_text(encoding="utf-8"))["agent"] == "odd\ufffd\x01agent"


def dentsim(*args: str, timeout_s: float = 120) -> subprocess.CompletedProcess[str]:
    """`dentsim ARGS` in a subprocess, from the repository root, killed after `timeout_s`."""
    return subprocess.run(
        [sys.executable, "-m", "dentsim.cli", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout_s,
        check=False,
    )


def test_a_hanging_agent_fails_its_case_after_the_case_timeout_and_the_suite_goes_on(
    tmp_path: Path,
) -> None:
    junit, report = tmp_path / "agent.xml", tmp_path / "agent.json"
    done = dentsim(
        "agent-test", f"{FOREIGN}:hang_on_recall", "-k", "cooperative", "--case-timeout", "2",
        "--junit", str(junit), "--json", str(report),
    )  # fmt: skip
    assert done.returncode == 1, done.stderr
    results = {r["case"]: r for r in json.loads(report.read_text(encoding="utf-8"))["results"]}
    hung = results.pop("recall_cooperative_books")
    assert not hung["passed"] and hung["outcome"] is None
    assert hung["checks"] == [
        {
            "check": "agent_completes",
            "status": "fail",
            "detail": "the case did not finish within 2 s (--case-timeout); the agent was stopped",
        }
    ]
    assert len(results) == 2 and all(r["passed"] for r in results.values())
    ET.fromstring(junit.read_bytes())
    assert "did not finish within 2 s" in done.stdout


def test_an_agent_that_kills_its_process_fails_its_case_and_the_suite_goes_on(
    tmp_path: Path,
) -> None:
    report = tmp_path / "agent.json"
    done = dentsim(
        "agent-test", f"{FOREIGN}:os_exit_on_recall", "-k", "cooperative", "--json", str(report)
    )
    assert done.returncode == 1, done.stderr
    results = {r["case"]: r for r in json.loads(report.read_text(encoding="utf-8"))["results"]}
    (check,) = results.pop("recall_cooperative_books")["checks"]
    assert check["detail"] == "the agent ended its process (exit code 7)"
    assert all(r["passed"] for r in results.values())


def test_an_agent_that_does_not_load_within_the_case_timeout_is_bad_input(tmp_path: Path) -> None:
    report = tmp_path / "agent.json"
    done = dentsim(
        "agent-test", f"{FOREIGN}:hangs_when_imported_or_built", "--case-timeout", "1",
        "--json", str(report),
    )  # fmt: skip
    assert done.returncode == 2
    assert done.stderr.strip() == (
        f"{FOREIGN}:hangs_when_imported_or_built: loading the agent (importing {FOREIGN} and "
        "calling hangs_when_imported_or_built once) did not finish within 1 s (--case-timeout)"
    )
    assert not report.exists()


# ---------------------------------------------------------------- a run


@pytest.fixture(scope="module")
def exiting_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, int, str]:
    """`dentsim run` of a short year whose agent exits on every third call."""
    folder = tmp_path_factory.mktemp("exiting")
    scenario = yaml.safe_load(BASELINE.read_text(encoding="utf-8"))
    scenario["days"], scenario["population"]["patients"] = 30, 300
    scenario["dialogue"] = {"agent": f"{FOREIGN}:exit_every_third_call"}
    path = folder / "exiting.yaml"
    path.write_text(yaml.safe_dump(scenario), encoding="utf-8")
    done = dentsim("run", str(path), "--out", str(folder / "run"), "--quiet")
    return folder / "run", done.returncode, done.stderr


def test_a_run_whose_agent_exits_records_agent_error_and_finishes(
    exiting_run: tuple[Path, int, str],
) -> None:
    run_dir, code, stderr = exiting_run
    assert code == 0, stderr
    attempts = pq.read_table(run_dir / "attempts.parquet").to_pylist()
    failed = [a for a in attempts if "agent_error" in a["outcome"]]
    assert failed and len(failed) < len([a for a in attempts if a["answered_by"]])
    lines = (run_dir / "transcripts.jsonl").read_text(encoding="utf-8").splitlines()
    errors = [t["error"] for t in map(json.loads, lines) if "error" in t]
    assert len(errors) == len(failed) and set(errors) == {"the agent raised SystemExit: 3"}


def test_a_run_with_agent_errors_says_so_in_its_summary_and_run_json(
    exiting_run: tuple[Path, int, str],
) -> None:
    run_dir, _, stderr = exiting_run
    attempts = pq.read_table(run_dir / "attempts.parquet").to_pylist()
    n = sum("agent_error" in a["outcome"] for a in attempts)
    played = len((run_dir / "transcripts.jsonl").read_text(encoding="utf-8").splitlines())
    warnings = json.loads((run_dir / "run.json").read_text(encoding="utf-8"))["warnings"]
    (faults,) = [w for w in warnings if w["kind"] == "agent_errors"]
    assert (faults["calls"], faults["calls_played"]) == (n, played)
    assert faults["first"]["error"] == "the agent raised SystemExit: 3"
    assert faults["first"]["attempt_id"] == min(
        a["attempt_id"] for a in attempts if "agent_error" in a["outcome"]
    )
    assert (
        f"warning: {n} of {played} calls the agent played ended in agent_error or turn_limit; "
        f"the first (attempt {faults['first']['attempt_id']}): the agent raised SystemExit: 3"
        in stderr
    )


def test_a_run_whose_agent_behaves_records_no_agent_errors(tmp_path: Path) -> None:
    run_scenario(small(load_scenario(BASELINE), days=30), tmp_path / "run")
    manifest = json.loads((tmp_path / "run" / "run.json").read_text(encoding="utf-8"))
    assert [w for w in manifest["warnings"] if w["kind"] == "agent_errors"] == []


class _Returns:
    """An agent that returns `turn` whatever it is asked."""

    def __init__(self, turn: object):
        self.turn = turn

    def respond(self, context: Any, utterance: Any) -> Any:
        return self.turn


@pytest.mark.parametrize(
    ("turn", "why"),
    [
        (AgentTurn("Hi", "opening", (Action(["book"]),)), "unknown action ['book']"),  # type: ignore[arg-type]
        (
            AgentTurn("Hi", "opening", (Action("book", slot_id=object()),)),  # type: ignore[arg-type]
            "'book' action has a slot_id of type object, expected str",
        ),
        (AgentTurn("Hi", "opening", slots=("slot-1",)), "proposes a slot of type str"),  # type: ignore[arg-type]
    ],
)
def test_a_turn_whose_parts_are_not_what_the_protocol_says_is_an_agent_error(
    turn: AgentTurn, why: str
) -> None:
    result = call_with(_Returns(turn))
    assert result.outcome == "agent_error" and why in result.error
    json.dumps(report_json(run_suite(lambda: _Returns(turn), [COOPERATIVE()]), "x"))


def COOPERATIVE() -> Case:  # noqa: N802 - reads as a constant
    (case,) = [c for c in load_cases() if c.name == "recall_cooperative_books"]
    return case


def _state(pid: int) -> str:
    """A process's state letter (Z: a zombie, ended), or "" when it is gone."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return ""


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_killing_agent_test_leaves_no_agent_running() -> None:
    harness = subprocess.Popen(
        [sys.executable, "-m", "dentsim.cli", "agent-test", f"{FOREIGN}:hang_on_recall"]
        + ["-k", "recall_cooperative", "--case-timeout", "600"],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    children = Path(f"/proc/{harness.pid}/task/{harness.pid}/children")
    deadline = time.monotonic() + 60
    workers: list[int] = []
    while not workers and time.monotonic() < deadline and harness.poll() is None:
        workers = [int(p) for p in children.read_text().split()]
        time.sleep(0.1)
    try:
        assert workers, "no worker process started"
        time.sleep(1.0)  # the worker is in the hanging case now
        harness.kill()
        harness.wait(10)
        deadline = time.monotonic() + 10
        while any(_state(w) not in ("", "Z") for w in workers) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert all(_state(w) in ("", "Z") for w in workers)
    finally:
        harness.kill()
        for w in workers:
            if _state(w) not in ("", "Z"):
                os.kill(w, signal.SIGKILL)


def test_the_spawn_start_method_used_off_linux_stops_a_hanging_case_too(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(isolation, "START_METHOD", "spawn")
    cases = [c for c in load_cases() if c.name.endswith("_cooperative_books")]
    results = isolation.run_isolated(f"{FOREIGN}:hang_on_recall", cases, case_timeout_s=3)
    by_name = {r.case.name: r for r in results}
    assert by_name["reactivation_cooperative_books"].passed
    (check,) = by_name["recall_cooperative_books"].checks
    assert check.detail.startswith("the case did not finish within 3 s")
