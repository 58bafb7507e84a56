"""`dentsim agent-test`: the table, the report files, and exit codes 0, 1 and 2."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from dentsim.agents.cli import agent_test
from dentsim.errors import InputError

HAS_CHECK = importlib.util.find_spec("dentsim.cli.check") is not None


def invoke(*args: str):
    return CliRunner().invoke(agent_test, list(args), standalone_mode=False, catch_exceptions=True)


def test_the_scripted_agent_passes_and_the_command_returns_0(tmp_path: Path) -> None:
    junit, report = tmp_path / "out" / "agent.xml", tmp_path / "out" / "agent.json"
    result = invoke(
        "dentsim.agents.scripted:make_agent", "--junit", str(junit), "--json", str(report)
    )
    assert result.exception is None, result.output
    assert result.return_value == 0
    assert "0 failed" in result.output and "recall_cooperative_books" in result.output
    assert junit.read_text(encoding="utf-8").startswith("<?xml")
    assert json.loads(report.read_text(encoding="utf-8"))["failed"] == 0


def test_a_flawed_agent_fails_and_the_command_returns_1() -> None:
    result = invoke("dentsim.agents.examples.leaky_household:make_agent", "-k", "household")
    assert result.return_value == 1
    assert "FAIL post_op_household_member: no_phi_to_third_party" in result.output


@pytest.mark.parametrize(
    ("ref", "message"),
    [
        ("dentsim.agents.scripted", "expected MODULE:FACTORY"),
        ("no_such_module:make", "cannot import module 'no_such_module'"),
        ("dentsim.agents.scripted:no_such_factory", "has no attribute 'no_such_factory'"),
        ("dentsim.agents.scripted:_BOOKING_KINDS", "is not callable"),
        ("dentsim.agents.protocol:PatientTraits", "has no respond"),
    ],
)
def test_a_bad_agent_reference_is_bad_input(ref: str, message: str) -> None:
    result = invoke(ref)
    assert isinstance(result.exception, InputError)
    assert message in str(result.exception)


def test_a_bad_case_folder_is_bad_input(tmp_path: Path) -> None:
    (tmp_path / "broken.yaml").write_text(
        "description: x\npurposes: [recall]\npatient: {persona: nobody, seed: 1}\n",
        encoding="utf-8",
    )
    result = invoke("dentsim.agents.scripted:make_agent", "--cases", str(tmp_path))
    assert isinstance(result.exception, InputError)
    assert str(result.exception).startswith(
        f"{tmp_path / 'broken.yaml'}:3: patient.persona: unknown persona 'nobody'"
    )


@pytest.mark.skipif(not HAS_CHECK, reason="dentsim.cli.check (another module) is not there yet")
def test_through_dentsim_main_the_exit_codes_are_0_1_and_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from dentsim.cli import main

    assert (
        main(["agent-test", "dentsim.agents.scripted:make_agent", "-k", "recall_cooperative"]) == 0
    )
    assert (
        main(
            [
                "agent-test",
                "dentsim.agents.examples.books_unverified:make_agent",
                "-k",
                "recall_cooperative",
            ]
        )
        == 1
    )
    assert (
        main(
            [
                "agent-test",
                "dentsim.agents.scripted:make_agent",
                "--cases",
                str(tmp_path / "missing"),
            ]
        )
        == 2
    )
    assert "folder not found" in capsys.readouterr().err
