"""`dentsim check`: exit codes, the printed report, JUnit XML and JSON."""

from __future__ import annotations

import importlib.util
import json
import xml.etree.ElementTree as ET

import pytest
from click.testing import CliRunner

from dentsim.cli.check import check
from dentsim.compliance.rules import RULE_IDS
from dentsim.errors import InputError

from .runlog import attempt, local, patient

NY = "America/New_York"


def invoke(args: list[str]) -> tuple[int, str, str]:
    """Run `check` as dentsim.cli.main does: InputError -> its lines on stderr, exit code 2."""
    result = CliRunner().invoke(check, args, standalone_mode=False)
    if isinstance(result.exception, InputError):
        return 2, result.stdout, "\n".join(result.exception.problems)
    if result.exception is not None:
        raise result.exception
    return result.return_value, result.stdout, result.stderr


@pytest.fixture
def clean_run(make_run):
    return make_run([patient()], [attempt(local("2026-03-10 10:00", NY))])


@pytest.fixture
def late_run(make_run):
    return make_run([patient()], [attempt(local("2026-03-10 21:30", NY))])


def test_a_compliant_run_exits_0(clean_run):
    code, out, _ = invoke([str(clean_run)])
    assert code == 0
    assert "PASS" in out


def test_a_violation_exits_1_and_prints_the_rule_and_an_example(late_run):
    code, out, _ = invoke([str(late_run)])
    assert code == 1
    assert "federal_calling_window" in out
    assert "patient 1, attempt 1, 2026-03-10 21:30 EDT (America/New_York)" in out
    assert "FAIL" in out


def test_junit_has_one_testcase_per_rule_and_a_failure_per_broken_rule(late_run, tmp_path):
    junit = tmp_path / "out" / "check.xml"
    code, _, _ = invoke([str(late_run), "--junit", str(junit)])
    suite = ET.parse(junit).getroot().find("testsuite")
    assert code == 1
    cases = {c.get("name"): c for c in suite.iter("testcase")}
    assert list(cases) == list(RULE_IDS)
    failure = cases["federal_calling_window"].find("failure")
    assert failure is not None
    assert "1 of 1 contacts" in failure.get("message")
    assert "21:30 EDT" in failure.text
    assert cases["opt_out"].find("failure") is None
    assert suite.get("failures") == "1"


def test_a_disabled_rule_is_skipped_in_junit(late_run, tmp_path):
    rules = tmp_path / "rules.yaml"
    rules.write_text("federal_calling_window:\n  enabled: false\n")
    junit = tmp_path / "check.xml"
    code, _, _ = invoke([str(late_run), "--rules", str(rules), "--junit", str(junit)])
    case = next(
        c for c in ET.parse(junit).iter("testcase") if c.get("name") == "federal_calling_window"
    )
    assert code == 0
    assert case.find("skipped") is not None


def test_json_holds_the_counts_and_examples(late_run, tmp_path):
    out = tmp_path / "check.json"
    invoke([str(late_run), "--json", str(out)])
    data = json.loads(out.read_text())
    assert data["ok"] is False
    federal = next(r for r in data["results"] if r["rule_id"] == "federal_calling_window")
    assert federal["violations"] == 1
    assert federal["examples"][0]["t_utc"] == "2026-03-11T01:30:00Z"


def test_a_missing_run_directory_exits_2(tmp_path):
    code, _, err = invoke([str(tmp_path / "nowhere")])
    assert code == 2
    assert "no such run directory" in err


def test_a_rules_file_with_a_bad_key_exits_2_naming_file_line_and_key(clean_run, tmp_path):
    rules = tmp_path / "rules.yaml"
    rules.write_text("healthcare_daily_cap:\n  max_contact: 2\n")
    code, _, err = invoke([str(clean_run), "--rules", str(rules)])
    assert code == 2
    assert err == (
        f"{rules}:2: healthcare_daily_cap.max_contact: unknown key 'max_contact'; "
        "did you mean 'max_contacts'?"
    )


@pytest.mark.skipif(
    importlib.util.find_spec("dentsim.agents.cli") is None,
    reason="dentsim.agents.cli not there yet",
)
def test_the_dentsim_command_runs_check_in_process(late_run, tmp_path, capsys):
    from dentsim.cli import main

    assert main(["check", str(late_run)]) == 1
    assert main(["check", str(tmp_path / "nowhere")]) == 2
    assert "no such run directory" in capsys.readouterr().err
