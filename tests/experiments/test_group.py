"""Dental groups: practices drawn by index, one task each, the group's KPIs pooled from counts."""

from __future__ import annotations

import json
import shutil
from collections import Counter
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import yaml

from dentsim.cli import main
from dentsim.domain.population import generate
from dentsim.experiments.group import practice_scenario
from dentsim.reports.report import band_kpis
from dentsim.reports.results import COLUMNS as REPORT_COLUMNS
from dentsim.reports.results import open_results, read_run
from dentsim.results import metrics
from dentsim.results.pooling import EXTRAS_COLUMNS, MEDIANS_HOURS, RATIO_DENOMINATORS, SUMMED
from dentsim.scenario import Scenario, apply_overrides, load_scenario
from dentsim.simulation.engine import simulate_practice
from dentsim.simulation.rows import SCHEMAS
from tests.conftest import ROOT
from tests.experiments.conftest import write_scenario

GROUP = {
    "name": "test group",
    "practices": 3,
    "patients": {"min": 100, "max": 200},
    "state_mix": {"CA": 0.5, "NY": 0.3, "TX": 0.2},
}


@pytest.fixture(scope="module")
def group(tiny: Scenario) -> Scenario:
    """A small group where post-op red flags often end in staff callbacks (a pooled median)."""
    return apply_overrides(
        tiny,
        {
            "group": GROUP,
            "clinical.p_procedure_at_hygiene_visit": 0.3,
            "clinical.p_red_flag": 0.9,
            "staff.transfer_patience_s": 0,
        },
    )


@pytest.fixture(scope="module")
def group_run(tmp_path_factory: pytest.TempPathFactory, group: Scenario) -> Path:
    folder = tmp_path_factory.mktemp("group")
    out = folder / "out"
    args = ["run", str(write_scenario(folder / "group.yaml", group)), "--out", str(out)]
    assert main([*args, "--workers", "2", "--quiet"]) == 0
    return out


def read(path: Path) -> dict:
    return json.loads(path.read_text())


def test_a_practice_is_the_same_whatever_the_size_of_its_group(group: Scenario) -> None:
    bigger = apply_overrides(group, {"group.practices": 500})
    for index in (0, 2):
        assert practice_scenario(group, index) == practice_scenario(bigger, index)
    assert practice_scenario(group, 0) != practice_scenario(group, 1)


def test_a_groups_practices_differ_and_stay_with_their_population_seed(group: Scenario) -> None:
    drawn = [generate(practice_scenario(group, i), i) for i in range(3)]
    assert len({practice.name for practice, _ in drawn}) == 3
    assert len({patients.phone[0] for _, patients in drawn}) == 3
    pinned = apply_overrides(group, {"population.seed": 5})

    def practices(seed: int) -> list[tuple[str, str, int]]:
        drawn = [practice_scenario(apply_overrides(pinned, {"seed": seed}), i) for i in range(3)]
        return [
            (generate(p, i)[0].name, p.practice.state, p.population.patients)
            for i, p in enumerate(drawn)
        ]

    assert practices(1) == practices(2)


def test_practices_are_drawn_within_the_group_and_are_plain_scenarios(group: Scenario) -> None:
    practices = [practice_scenario(group, i) for i in range(300)]
    assert all(p.group is None for p in practices)
    assert all(100 <= p.population.patients <= 200 for p in practices)
    assert {p.population.patients for p in practices} >= {100, 200} or len(
        {p.population.patients for p in practices}
    ) > 50
    states = Counter(p.practice.state for p in practices)
    assert set(states) == {"CA", "NY", "TX"}
    assert states["CA"] > states["NY"] > states["TX"]
    assert all(p.practice.providers >= 1 and p.practice.hygiene_chairs >= 1 for p in practices)


def test_providers_and_chairs_scale_with_a_drawn_practice_size(baseline: Scenario) -> None:
    scenario = apply_overrides(
        baseline, {"group": {"practices": 2, "patients": {"min": 3600, "max": 3600}}}
    )
    practice = practice_scenario(scenario, 0)  # twice the reference 1,800 patients
    assert practice.population.patients == 3600
    assert (practice.practice.providers, practice.practice.hygiene_chairs) == (6, 6)


def test_templates_are_drawn_by_weight_and_fix_size_and_state(tiny: Scenario) -> None:
    templates = [
        {"weight": 3, "patients": 120, "providers": 2, "hygiene_chairs": 2},
        {"weight": 1, "patients": 240, "providers": 4, "hygiene_chairs": 5, "state": "TX"},
    ]
    scenario = apply_overrides(tiny, {"group": {"practices": 400, "templates": templates}})
    practices = [practice_scenario(scenario, i) for i in range(400)]
    big = [p for p in practices if p.population.patients == 240]
    assert 70 <= len(big) <= 130  # a quarter of 400, within 4.5 standard deviations
    assert all(p.practice.state == "TX" and p.practice.hygiene_chairs == 5 for p in big)
    small = [p for p in practices if p.population.patients == 120]
    assert len(small) + len(big) == 400
    assert all(p.practice.state == tiny.practice.state for p in small)


def test_the_group_run_writes_the_documented_layout(group_run: Path, group: Scenario) -> None:
    manifest = read(group_run / "run.json")
    assert manifest["kind"] == "group"
    assert manifest["practices"] == manifest["practices_finished"] == 3
    assert manifest["scenario"] == group.resolved()
    for i in range(3):
        practice = group_run / "practices" / f"p{i:05d}"
        for name in ("run.json", "kpis.json", "done.json", "attempts.parquet", "patients.parquet"):
            assert (practice / name).is_file(), (i, name)
        assert pq.read_table(practice / "practices.parquet")["practice_id"].to_pylist() == [i]
    practices = pq.read_table(group_run / "practices.parquet")
    assert practices["practice_id"].to_pylist() == [0, 1, 2]
    assert practices["patients"].to_pylist() == [
        practice_scenario(group, i).population.patients for i in range(3)
    ]


def test_practice_kpis_hold_one_row_per_practice_scope_and_kpi(group_run: Path) -> None:
    table = pq.read_table(group_run / "practice_kpis.parquet")
    assert table.schema.names == ["practice_id", "scope", "kpi", "value"]
    rows = table.to_pylist()
    for i in range(3):
        kpis = read(group_run / "practices" / f"p{i:05d}" / "kpis.json")
        mine = {(r["scope"], r["kpi"]): r["value"] for r in rows if r["practice_id"] == i}
        assert mine[("overall", "attempts")] == kpis["overall"]["attempts"]
        assert len(mine) == len(kpis["overall"]) + sum(len(u) for u in kpis["by_use_case"].values())


def test_group_kpis_equal_the_kpis_of_all_practices_events_taken_together(group_run: Path) -> None:
    tables = {
        name: pa.concat_tables(
            pq.read_table(group_run / "practices" / f"p{i:05d}" / f"{name}.parquet")
            for i in range(3)
        )
        for name in SCHEMAS
    }
    expected = metrics.kpis(tables)
    got = read(group_run / "kpis.json")
    for kpi, scope in (("staff_callback_wait_h_median", "post_op"), ("conversion", "recall")):
        assert expected["by_use_case"][scope][kpi] is not None, kpi  # each rule is exercised
    assert expected["by_use_case"]["confirmation"]["voice_fallback_recovery"] is not None
    assert got.keys() == expected.keys()
    assert got["by_use_case"].keys() == expected["by_use_case"].keys()
    for scope in ["overall", *expected["by_use_case"]]:
        mine = got["overall"] if scope == "overall" else got["by_use_case"][scope]
        theirs = expected["overall"] if scope == "overall" else expected["by_use_case"][scope]
        assert mine.keys() == theirs.keys(), scope
        for kpi, value in theirs.items():
            assert mine[kpi] == (None if value is None else pytest.approx(value, rel=1e-12)), kpi


def test_a_report_of_a_group_without_kpis_json_pools_as_run_does(
    group_run: Path, tmp_path: Path
) -> None:
    copy = tmp_path / "group"
    shutil.copytree(group_run, copy)
    (copy / "kpis.json").unlink()
    results = open_results(copy)
    pooled = band_kpis(results, [read_run(d) for d in results.run_dirs])
    assert pooled == read(group_run / "kpis.json")


def test_the_report_reads_every_column_the_pooling_needs() -> None:
    for table, columns in EXTRAS_COLUMNS.items():
        assert set(columns) <= set(REPORT_COLUMNS[table]), table


def test_every_kpi_of_the_metrics_has_a_rule_for_pooling_over_practices(tiny: Scenario) -> None:
    run = simulate_practice(apply_overrides(tiny, {"days": 120}))
    kpis = metrics.kpis(run.tables)
    names = set(kpis["overall"]) | {k for row in kpis["by_use_case"].values() for k in row}
    unpooled = names - SUMMED - set(RATIO_DENOMINATORS) - set(MEDIANS_HOURS)
    assert not unpooled, (
        f"add these KPIs to a pooling rule in sim/results/pooling.py: {sorted(unpooled)}"
    )


def test_a_state_mix_of_zero_shares_is_bad_input(
    tmp_path: Path, tiny: Scenario, capsys: pytest.CaptureFixture[str]
) -> None:
    # the schema refuses it, so the file is written by hand
    data = {**tiny.model_dump(), "group": {"practices": 2, "state_mix": {"CA": 0.0}}}
    path = tmp_path / "group.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    assert main(["run", str(path), "--out", str(tmp_path / "out"), "--quiet"]) == 2
    err = capsys.readouterr().err
    assert f"{path}:" in err and "group.state_mix: the shares must not all be 0" in err
    assert not (tmp_path / "out").exists()


def test_the_shipped_dso_group_is_a_twenty_practice_group_of_real_sizes() -> None:
    scenario = load_scenario(ROOT / "scenarios" / "dso_group.yaml")
    assert scenario.group is not None and scenario.group.practices == 20
    sizes = [practice_scenario(scenario, i).population.patients for i in range(20)]
    assert all(800 <= n <= 2500 for n in sizes)


def test_the_dso_group_is_the_baseline_practice_at_scale() -> None:
    """dso_group.yaml copies the baseline's keys; a recalibrated baseline must be copied over."""
    group = load_scenario(ROOT / "scenarios" / "dso_group.yaml").resolved()
    baseline = load_scenario(ROOT / "scenarios" / "baseline.yaml").resolved()
    differ = [
        key
        for key in baseline.keys() - {"name", "description", "group"}
        if group[key] != baseline[key]
    ]
    assert not differ, f"copy these sections of baseline.yaml into dso_group.yaml: {differ}"
