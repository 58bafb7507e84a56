"""`dentsim validate` checks every kind of input file as that kind, and every file a scenario
names, so that what it accepts runs; `dentsim schema` prints each kind's JSON Schema."""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import pytest
import yaml

from dentsim.cli import main
from dentsim.errors import InputError
from dentsim.experiments.group import practice_scenario
from dentsim.inputs import KINDS
from dentsim.scenario import MAX_SEED, load_scenario
from tests.conftest import BASELINE, ROOT

SCENARIOS = ROOT / "scenarios"
BASE_TEXT = BASELINE.read_text()
SECRET = "s3cr3t-hash-9f8e7d"
BUSY_PERSONA = (ROOT / "agents" / "personas" / "busy.yaml").read_text()
BUSY_ANSWERED_BY_LINE = BUSY_PERSONA.splitlines().index("answered_by: patient") + 1


def one_error(argv: list[str], capsys: pytest.CaptureFixture[str]) -> str:
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    return lines[0]


def line_of(text: str, needle: str) -> int:
    return next(n for n, line in enumerate(text.splitlines(), start=1) if needle in line)


# ------------------------------------------------------------------- kinds of file


def test_validate_on_every_shipped_scenario_file_names_each_kind_and_exits_0(
    capsys: pytest.CaptureFixture[str],
) -> None:
    files = sorted(SCENARIOS.glob("*.yaml"))
    assert main(["validate", *map(str, files)]) == 0
    out = dict(line.split(": ", 1) for line in capsys.readouterr().out.strip().splitlines())
    assert out[str(SCENARIOS / "sweep_cadence.yaml")].startswith("valid sweep 'sweep_cadence'")
    assert out[str(SCENARIOS / "baseline.yaml")] == (
        "valid scenario 'baseline' (1,800 patients, 365 days)"
    )


def test_a_group_is_described_by_its_practices_and_their_patients_in_all(
    capsys: pytest.CaptureFixture[str],
) -> None:
    path = SCENARIOS / "dso_group.yaml"
    scenario = load_scenario(path)
    assert scenario.group is not None
    total = sum(
        practice_scenario(scenario, i).population.patients for i in range(scenario.group.practices)
    )
    assert main(["validate", str(path)]) == 0
    out = capsys.readouterr().out
    assert f"a group of 20 practices, {total:,} patients in all" in out
    assert "1800 patients" not in out and "1,800 patients" not in out


def test_packaged_rules_roi_inputs_and_a_conformance_case_validate_as_their_kinds(
    capsys: pytest.CaptureFixture[str],
) -> None:
    files = [
        ROOT / "sim" / "compliance" / "default.yaml",
        ROOT / "reports" / "roi_default.yaml",
        ROOT / "agents" / "cases" / "recall_wrong_number.yaml",
    ]
    assert main(["validate", *map(str, files)]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].endswith("valid rules file (19 of 19 rules judged, with the packaged rules)")
    assert out[1].endswith("valid ROI inputs")
    assert out[2].endswith("valid conformance case 'recall_wrong_number' (recall; scripted)")


@pytest.mark.parametrize(
    ("name", "text", "pattern"),
    [
        (
            "sweep.yaml",
            f"base: {BASELINE}\ngrid:\n  telephony.lynes: [2]\n",
            r":3: grid\.telephony\.lynes: no such scenario key 'telephony\.lynes'; did you mean 'telephony\.lines'\?",
        ),
        (
            "rules.yaml",
            "state_calling_window:\n  channels: [fax]\n",
            r":2: state_calling_window\.channels\[0\]: expected one of 'voice' or 'sms', found 'fax'",
        ),
        (
            "roi.yaml",
            "staff:\n  hourly_cost_usd: -5\n",
            r":2: staff\.hourly_cost_usd: input should be greater than or equal to 0, found -5",
        ),
        (
            "case.yaml",
            "description: x\npurposes: [recal]\npatient: {answered_by: patient}\n",
            r":2: purposes\[0\]: unknown use case 'recal'; did you mean 'recall'\?",
        ),
        (
            "persona.yaml",
            BUSY_PERSONA.replace("answered_by: patient", "answered_by: pateint", 1),
            rf":{BUSY_ANSWERED_BY_LINE}: answered_by: unknown kind of answerer 'pateint'; did you mean 'patient'\?",
        ),
    ],
    ids=["sweep", "rules", "roi", "case", "persona"],
)
def test_a_broken_file_of_each_kind_gets_its_own_kinds_error(
    name: str, text: str, pattern: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / name
    path.write_text(text)
    line = one_error(["validate", str(path)], capsys)
    assert line.startswith(f"{path}:")
    assert re.search(pattern, line), line


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_schema_prints_the_json_schema_of_each_kind(
    kind: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["schema", "--kind", kind]) == 0
    schema = json.loads(capsys.readouterr().out)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["title"].startswith("dentsim ")
    assert schema["additionalProperties"] is False
    assert schema["properties"]


def test_schema_of_a_sweep_has_its_keys_and_an_unknown_kind_is_refused(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["schema", "--kind", "sweep"]) == 0
    assert {"base", "variants", "grid"} <= set(json.loads(capsys.readouterr().out)["properties"])
    assert main(["schema", "--kind", "spreadsheet"]) == 2
    assert "spreadsheet" in capsys.readouterr().err


# ------------------------------------------------------------------- files a scenario names


def with_keys(tmp_path: Path, extra: str, name: str = "s.yaml") -> Path:
    path = tmp_path / name
    path.write_text(BASE_TEXT + "\n" + extra)
    return path


def test_a_missing_rules_file_is_named_at_the_scenarios_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = with_keys(tmp_path, "rules_file: nope.yaml\n")
    line = one_error(["validate", str(path)], capsys)
    n = line_of(path.read_text(), "rules_file:")
    assert line == f"{path}:{n}: rules_file: file not found: {tmp_path / 'nope.yaml'}"


def test_a_rules_file_that_does_not_load_is_refused_at_its_own_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "rules.yaml").write_text("opt_out:\n  scope: everything\n")
    path = with_keys(tmp_path, "rules_file: rules.yaml\n")
    line = one_error(["validate", str(path)], capsys)
    assert line.startswith(f"{tmp_path / 'rules.yaml'}:2: opt_out.scope: expected one of")


@pytest.mark.parametrize(
    "content",
    [f"root:{SECRET}:20228:0:99999:7:::\ndaemon:*:20228:0:99999:7:::\n", BASE_TEXT],
    ids=["shadow_like", "a_scenario"],
)
def test_a_rules_file_that_is_no_rules_file_is_one_line_that_quotes_none_of_it(
    content: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "other.yaml").write_text(content)
    path = with_keys(tmp_path, "rules_file: other.yaml\n")
    line = one_error(["validate", str(path)], capsys)
    assert line.startswith(f"{tmp_path / 'other.yaml'}:1: not a rules file: none of its ")
    assert SECRET not in line and "daemon" not in line


def test_a_rules_file_that_is_a_folder_is_named_at_the_scenarios_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "rules").mkdir()
    path = with_keys(tmp_path, "rules_file: rules\n")
    line = one_error(["validate", str(path)], capsys)
    n = line_of(path.read_text(), "rules_file:")
    assert line == f"{path}:{n}: rules_file: not a file: {tmp_path / 'rules'}"


def test_a_rules_file_whose_vocabulary_is_missing_is_refused_at_validate(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "rules.yaml").write_text(
        "hipaa_minimum_necessary:\n  vocabulary_file: words.yaml\n"
    )
    path = with_keys(tmp_path, "rules_file: rules.yaml\n")
    line = one_error(["validate", str(path)], capsys)
    assert line.startswith(
        f"{tmp_path / 'rules.yaml'}:2: hipaa_minimum_necessary.vocabulary_file: file not found"
    )


AGENT_MODULES = {
    "raises_on_import": (
        "raise RuntimeError('boom')\n",
        "cannot import module .*RuntimeError: boom",
    ),
    "exits_on_import": ("import sys\nsys.exit(3)\n", "cannot import module .*SystemExit: 3"),
    "no_factory": ("x = 1\n", "module '{m}' has no attribute 'make'"),
    "factory_exits": (
        "import sys\ndef make():\n    sys.exit(0)\n",
        r"calling {m}:make raised SystemExit\(0\); a factory must return an agent",
    ),
    "not_an_agent": (
        "def make():\n    return 42\n",
        r"the factory returned int, which has no respond\(context, utterance\) method",
    ),
    "factory_raises": (
        "def make():\n    raise RuntimeError('factory boom')\n",
        r"calling {m}:make raised RuntimeError: factory boom; a factory must return an agent",
    ),
    "factory_returns_none": (
        "def make():\n    return None\n",
        r"the factory returned NoneType, which has no respond",
    ),
}


@pytest.mark.parametrize("case", sorted(AGENT_MODULES))
def test_a_dialogue_agent_that_does_not_load_is_refused_at_validate_at_its_line(
    case: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    code, pattern = AGENT_MODULES[case]
    module = f"dentsim_test_agent_{case}"
    (tmp_path / f"{module}.py").write_text(code)
    monkeypatch.syspath_prepend(str(tmp_path))
    path = with_keys(tmp_path, f"dialogue: {{agent: '{module}:make'}}\n")
    line = one_error(["validate", str(path)], capsys)
    n = line_of(path.read_text(), "dialogue:")
    assert line.startswith(f"{path}:{n}: dialogue.agent: "), line
    assert re.search(pattern.format(m=module), line), line


def test_an_agent_module_that_does_not_exist_is_refused_by_validate_and_by_run(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = with_keys(tmp_path, "dialogue: {agent: 'no_such_module_anywhere:make'}\n")
    expected = (
        f"{path}:{line_of(path.read_text(), 'dialogue:')}: dialogue.agent: cannot import module "
        "'no_such_module_anywhere' (no_such_module_anywhere:make): ModuleNotFoundError"
    )
    assert one_error(["validate", str(path)], capsys).startswith(expected)
    out = tmp_path / "out"
    assert one_error(["run", str(path), "--out", str(out), "--quiet"], capsys).startswith(expected)
    assert not out.exists()


def test_a_factory_that_raises_is_refused_by_run_too_and_nothing_is_written(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "dentsim_test_agent_boom.py").write_text("import os\nmake = os.system\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    path = with_keys(tmp_path, "dialogue: {agent: 'dentsim_test_agent_boom:make'}\n")
    expected = f"{path}:{line_of(path.read_text(), 'dialogue:')}: dialogue.agent: calling "
    out = tmp_path / "out"
    line = one_error(["run", str(path), "--out", str(out), "--quiet"], capsys)
    assert line.startswith(expected) and "raised TypeError" in line, line
    assert not out.exists()


def test_loading_a_runs_agent_turns_a_factory_that_fails_later_into_one_line() -> None:
    # the run loads the agent again after validating: a factory that fails then is bad input
    # (exit 2), not a traceback
    from dentsim.agents.loading import load_agent, load_factory

    calls: list[int] = []

    def flaky() -> object:
        calls.append(1)
        if len(calls) > 1:
            raise RuntimeError("second time")
        from dentsim.agents.scripted import make_agent

        return make_agent()

    module = type(sys)("dentsim_test_agent_flaky")
    module.make = flaky  # type: ignore[attr-defined]
    sys.modules[module.__name__] = module
    try:
        with pytest.raises(InputError) as raised:
            load_agent("dentsim_test_agent_flaky:make", "s.yaml:9: dialogue.agent")
        assert raised.value.problems == [
            "s.yaml:9: dialogue.agent: calling dentsim_test_agent_flaky:make raised "
            "RuntimeError: second time; a factory must return an agent"
        ]
        # agent-test's loading keeps a raising factory, to report it in each case it plays
        assert load_factory("dentsim_test_agent_flaky:make") is flaky
    finally:
        del sys.modules[module.__name__]


def test_a_sweep_variant_whose_agent_factory_raises_is_refused_at_its_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "dentsim_test_agent_vboom.py").write_text(
        "def make():\n    raise RuntimeError('boom')\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    sweep = tmp_path / "sweep.yaml"
    sweep.write_text(
        f"base: {BASELINE}\nvariants:\n"
        "  - name: boom\n    overrides: {dialogue.agent: 'dentsim_test_agent_vboom:make'}\n"
    )
    assert one_error(["validate", str(sweep)], capsys) == (
        f"{sweep}:4: variants[0].overrides.dialogue.agent: calling dentsim_test_agent_vboom:make "
        "raised RuntimeError: boom; a factory must return an agent"
    )


# ------------------------------------------------------------------- the seed, and edge values


def test_a_seed_beyond_the_schemas_range_is_refused_on_the_command_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out"
    assert main(["run", str(BASELINE), "--seed", str(2**64), "--out", str(out), "--quiet"]) == 2
    err = capsys.readouterr().err
    assert f"{2**64} is not in the range 0<=x<={MAX_SEED}" in err
    assert "Traceback" not in err and not out.exists()
    assert MAX_SEED == 2**63 - 1


def small_text(**sections: dict[str, object]) -> str:
    data = yaml.safe_load(BASE_TEXT)
    data["days"] = 21
    data["population"]["patients"] = 200
    for section, keys in sections.items():
        data.setdefault(section, {}).update(keys)
    return yaml.safe_dump(data, sort_keys=False)


@pytest.mark.parametrize(
    ("name", "sections"),
    [
        ("largest_seed", {}),
        ("no_red_flags", {"clinical": {"p_red_flag": 0.0, "p_procedure_at_hygiene_visit": 1.0}}),
        (
            "every_check_in_a_red_flag",
            {"clinical": {"p_red_flag": 1.0, "p_procedure_at_hygiene_visit": 1.0}},
        ),
    ],
)
def test_edge_values_that_validate_also_run(
    name: str, sections: dict[str, dict[str, object]], tmp_path: Path
) -> None:
    path = tmp_path / f"{name}.yaml"
    path.write_text(small_text(**sections))
    assert main(["validate", str(path)]) == 0
    seed = ["--seed", str(MAX_SEED)] if name == "largest_seed" else []
    assert main(["run", str(path), "--out", str(tmp_path / "out"), "--quiet", *seed]) == 0


def test_files_a_sweep_variant_names_are_checked_at_validate_at_the_sweeps_lines(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "rules.yaml").write_text("opt_out:\n  scope: all_channels\n")
    sweep = tmp_path / "sweep.yaml"
    sweep.write_text(
        f"base: {BASELINE}\nvariants:\n"
        "  - name: good_rules\n    overrides: {rules_file: rules.yaml}\n"
        "  - name: no_agent\n    overrides: {dialogue.agent: 'no_such_agent_module:make'}\n"
        "  - name: no_rules\n    overrides: {rules_file: nope.yaml}\n"
    )
    assert main(["validate", str(sweep)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err == [
        f"{sweep}:6: variants[1].overrides.dialogue.agent: cannot import module "
        "'no_such_agent_module' (no_such_agent_module:make): ModuleNotFoundError: "
        "No module named 'no_such_agent_module'",
        f"{sweep}:8: variants[2].overrides.rules_file: file not found: {tmp_path / 'nope.yaml'}",
    ]


def test_an_agent_named_by_its_old_repository_path_gets_a_hint_to_the_dentsim_name(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # installed, dentsim's agents are dentsim.agents; `agents` is nobody's (or the user's own)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(sys, "path", [p for p in sys.path if p and Path(p).resolve() != ROOT])
    path = with_keys(tmp_path, "dialogue: {agent: 'agents.scripted:make_agent'}\n")
    line = one_error(["validate", str(path)], capsys)
    assert line.endswith("did you mean 'dentsim.agents.scripted:make_agent'?"), line


@pytest.mark.parametrize("base", ["sweep.yaml", "other.yaml"])
def test_a_sweep_whose_base_is_a_sweep_gets_one_line(
    base: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    body = "variants:\n  - name: short\n    overrides: {days: 2}\n"
    (tmp_path / "other.yaml").write_text(f"base: {BASELINE}\n{body}")
    sweep = tmp_path / "sweep.yaml"
    sweep.write_text(f"base: {base}\n{body}")
    itself = " (this file itself)" if base == "sweep.yaml" else ""
    assert one_error(["validate", str(sweep)], capsys) == (
        f"{sweep}:1: base: {base} is a sweep{itself}, expected a scenario"
    )


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "federal_calling_windw:\n  enabled: false\n",
            "federal_calling_windw: unknown key 'federal_calling_windw'; "
            "did you mean 'federal_calling_window'?",
        ),
        (
            "fee_usd:\n  hygiene_visit: 100\n",
            "fee_usd: unknown key 'fee_usd'; did you mean 'fees_usd'?",
        ),
    ],
    ids=["rules", "roi"],
)
def test_a_file_whose_only_key_is_misspelt_is_read_as_the_closest_kind(
    text: str, expected: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "f.yaml"
    path.write_text(text)
    assert one_error(["validate", str(path)], capsys) == f"{path}:1: {expected}"


def test_every_packaged_persona_validates_as_a_persona(capsys: pytest.CaptureFixture[str]) -> None:
    files = sorted((ROOT / "agents" / "personas").glob("*.yaml"))
    assert main(["validate", *map(str, files)]) == 0
    out = capsys.readouterr().out.splitlines()
    assert len(out) == len(files) >= 9
    assert all(
        re.search(r": valid persona '\w+' \((patient|household|stranger|machine), \w\w\)$", line)
        for line in out
    )
