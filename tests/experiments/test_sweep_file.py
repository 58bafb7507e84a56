"""A sweep file is checked like a scenario: one FILE:LINE: key.path line per problem, exit 2,
nothing written; every override is checked against the scenario schema."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from dentsim.cli import main
from dentsim.experiments.sweep_file import load_sweep
from dentsim.scenario import Scenario
from tests.conftest import ROOT
from tests.experiments.conftest import SWEEP_TEXT, write_sweep


def edit(old: str, new: str) -> str:
    assert old in SWEEP_TEXT, old
    return SWEEP_TEXT.replace(old, new, 1)


CASES = {
    "unknown_top_level_key": (
        SWEEP_TEXT + "replicatons: 3\n",
        r"sweep\.yaml:10: replicatons: unknown key 'replicatons'; did you mean 'replications'\?",
    ),
    "unknown_scenario_key_with_a_hint": (
        edit("telephony.caller_id: unknown", "telephony.caler_id: unknown"),
        r"sweep\.yaml:7: variants\[0\]\.overrides\.telephony\.caler_id: no such scenario key "
        r"'telephony\.caler_id'; did you mean 'telephony\.caller_id'\?",
    ),
    "override_value_outside_its_choices": (
        edit("telephony.caller_id: unknown", "telephony.caller_id: unkown"),
        r"sweep\.yaml:7: variants\[0\]\.overrides\.telephony\.caller_id: expected one of "
        r"'practice_main' or 'unknown', found 'unkown'; did you mean 'unknown'\?",
    ),
    "override_value_read_as_false_by_yaml": (
        edit("telephony.caller_id: unknown", "telephony.caller_id: no"),
        r"sweep\.yaml:7: variants\[0\]\.overrides\.telephony\.caller_id: .*found false: "
        r"YAML reads the unquoted word no as false",
    ),
    "override_value_checked_strictly": (
        edit("telephony.caller_id: unknown", 'telephony.lines: "8"'),
        r"sweep\.yaml:7: variants\[0\]\.overrides\.telephony\.lines: expected a whole number, "
        r"found '8'",
    ),
    "override_breaking_a_section_check": (
        edit("telephony.caller_id: unknown", 'strategy.call_hours.close: "08:00"'),
        r"sweep\.yaml:7: variants\[0\]\.overrides\.strategy\.call_hours\.close: "
        r"close \(08:00\) must be after open \(09:00\)",
    ),
    "bad_grid_value": (
        edit("strategy.combine: [false]", "strategy.combine: [false, sometimes]"),
        r"sweep\.yaml:9: grid\.strategy\.combine\[1\]: expected true or false, found 'sometimes'",
    ),
    "unknown_grid_key": (
        edit("strategy.combine: [false]", "strategy.combined: [false]"),
        r"sweep\.yaml:9: grid\.strategy\.combined: no such scenario key 'strategy\.combined'; "
        r"did you mean 'strategy\.combine'\?\n$",
    ),
    "seed_overridden_by_a_variant": (
        edit("telephony.caller_id: unknown", "seed: 7"),
        r"sweep\.yaml:7: variants\[0\]\.overrides\.seed: cannot be overridden: the sweep sets "
        r"the seeds",
    ),
    "population_seed_overridden_by_a_variant": (
        edit("telephony.caller_id: unknown", "population.seed: 7"),
        r"sweep\.yaml:7: variants\[0\]\.overrides\.population\.seed: cannot be overridden: "
        r"every variant and replication runs on the base's practice and patients",
    ),
    "variant_named_base": (
        edit("name: unknown_caller_id", "name: base"),
        r"sweep\.yaml:5: variants\[0\]\.name: the name 'base' is taken",
    ),
    "variant_name_with_a_slash": (
        edit("name: unknown_caller_id", "name: a/b"),
        r"sweep\.yaml:5: variants\[0\]\.name: string should match pattern",
    ),
    "missing_base_file": (
        edit("base: tiny.yaml", "base: nowhere.yaml"),
        r"sweep\.yaml:2: base: no scenario file at .*nowhere\.yaml",
    ),
    "nothing_to_compare": (
        "base: tiny.yaml\n",
        r"sweep\.yaml:1: \(top level\): a sweep needs `variants`, a `grid`, or both",
    ),
    "zero_replications": (
        edit("replications: 2", "replications: 0"),
        r"sweep\.yaml:3: replications: .*greater than or equal to 1, found 0",
    ),
}


@pytest.mark.parametrize("case", CASES)
def test_a_bad_sweep_file_is_one_clear_line_exit_2_and_nothing_written(
    case: str, tmp_path: Path, tiny: Scenario, capsys: pytest.CaptureFixture[str]
) -> None:
    text, expected = CASES[case]
    sweep = write_sweep(tmp_path, tiny, text)
    out = tmp_path / "out"
    assert main(["sweep", str(sweep), "--out", str(out), "--quiet"]) == 2
    err = capsys.readouterr().err
    assert re.search(expected, err), err
    assert "Traceback" not in err
    assert not out.exists()


def test_every_problem_of_a_sweep_file_is_reported_at_once(tmp_path: Path, tiny: Scenario) -> None:
    text = edit("telephony.caller_id: unknown", "telephony.caler_id: unknown").replace(
        "strategy.combine: [false]", "strategy.combine: [sometimes]"
    )
    with pytest.raises(Exception) as raised:
        load_sweep(write_sweep(tmp_path, tiny, text))
    assert len(raised.value.problems) == 2  # type: ignore[attr-defined]


def test_the_base_comes_first_then_named_variants_then_one_per_grid_combination(
    tmp_path: Path, tiny: Scenario
) -> None:
    text = edit(
        "strategy.combine: [false]",
        "strategy.combine: [true, false]\n  strategy.dial_time: [spread, burst]",
    )
    sweep = load_sweep(write_sweep(tmp_path, tiny, text))
    assert [v.name for v in sweep.variants] == [
        "base",
        "unknown_caller_id",
        "combine=true,dial_time=spread",
        "combine=true,dial_time=burst",
        "combine=false,dial_time=spread",
        "combine=false,dial_time=burst",
    ]
    burst = sweep.variants[3].scenario
    assert (burst.strategy.combine, burst.strategy.dial_time) == (True, "burst")
    assert sweep.variants[1].scenario.telephony.caller_id == "unknown"


def test_named_variants_without_a_grid_add_no_unnamed_copy_of_the_base(
    tmp_path: Path, tiny: Scenario
) -> None:
    text = SWEEP_TEXT.split("grid:")[0]
    sweep = load_sweep(write_sweep(tmp_path, tiny, text))
    assert [v.name for v in sweep.variants] == ["base", "unknown_caller_id"]
    assert len(sweep.tasks(tmp_path / "out")) == 2 * 2


def test_a_grid_without_named_variants_gives_the_base_and_its_combinations(
    tmp_path: Path, tiny: Scenario
) -> None:
    text = "name: grid_only\nbase: tiny.yaml\ngrid:\n  strategy.combine: [true, false]\n"
    sweep = load_sweep(write_sweep(tmp_path, tiny, text))
    assert [v.name for v in sweep.variants] == ["base", "combine=true", "combine=false"]


def test_every_variant_shares_one_seed_per_replication(tmp_path: Path, tiny: Scenario) -> None:
    sweep = load_sweep(write_sweep(tmp_path, tiny), replications=4)
    tasks = sweep.tasks(tmp_path / "out")
    by_replication: dict[str, set[int]] = {}
    for task in tasks:
        by_replication.setdefault(task.key[-4:], set()).add(task.scenario.seed)
    assert len(tasks) == 3 * 4
    assert all(len(seeds) == 1 for seeds in by_replication.values())
    assert len({s for seeds in by_replication.values() for s in seeds}) == 4


def test_the_shipped_cadence_sweep_is_valid() -> None:
    sweep = load_sweep(ROOT / "scenarios" / "sweep_cadence.yaml")
    names = [v.name for v in sweep.variants]
    assert names[0] == "base"
    assert {"unknown_caller_id", "no_combine", "dial_time=best_hour", "dial_time=burst"} <= set(
        names
    )
    assert sweep.replications >= 2
