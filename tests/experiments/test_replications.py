"""`dentsim run --replications N`: independent replications of one practice and its patients,
KPIs as means with 95% intervals."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from dentsim.cli import main
from dentsim.domain import population
from dentsim.experiments.replications import replica, replication_seed
from dentsim.results.stats import kpi_support, mean_ci
from dentsim.scenario import Scenario, apply_overrides
from dentsim.simulation.model import PracticeModel
from tests.experiments.conftest import write_scenario

SINGLE_RUN_FILES = ("run.json", "kpis.json", "patients.parquet", "attempts.parquet", "done.json")


@pytest.fixture(scope="module")
def replicated(tmp_path_factory: pytest.TempPathFactory, tiny: Scenario) -> Path:
    folder = tmp_path_factory.mktemp("replicated")
    scenario = write_scenario(folder / "tiny.yaml", tiny)
    out = folder / "out"
    args = ["run", str(scenario), "--replications", "3", "--workers", "2", "--out", str(out)]
    assert main([*args, "--quiet"]) == 0
    return out


def read(path: Path) -> dict:
    return json.loads(path.read_text())


def test_the_manifest_says_replicated_with_its_seeds_and_resolved_scenario(
    replicated: Path, tiny: Scenario
) -> None:
    manifest = read(replicated / "run.json")
    assert manifest["kind"] == "replicated"
    assert manifest["replications"] == 3
    assert manifest["seed"] == tiny.seed
    assert manifest["seeds"] == [replication_seed(tiny.seed, r) for r in range(3)]
    assert manifest["scenario"] == tiny.resolved()
    assert manifest["failures"] == []


def test_each_replication_is_a_complete_single_run_directory(replicated: Path) -> None:
    dirs = sorted(p.name for p in (replicated / "replications").iterdir() if p.is_dir())
    assert dirs == ["r000", "r001", "r002"]
    for name in dirs:
        for f in SINGLE_RUN_FILES:
            assert (replicated / "replications" / name / f).is_file(), (name, f)


def test_kpis_are_the_mean_and_interval_of_the_replications_kpis(replicated: Path) -> None:
    summary = read(replicated / "kpis.json")
    runs = [read(replicated / "replications" / f"r{r:03d}" / "kpis.json") for r in range(3)]
    for kpi in ("attempts", "bookings", "connect_rate", "opt_out_rate"):
        assert summary["overall"][kpi] == mean_ci(
            [k["overall"][kpi] for k in runs], kpi_support(kpi)
        )
    recall = [k["by_use_case"].get("recall", {}).get("conversion") for k in runs]
    assert summary["by_use_case"]["recall"]["conversion"] == mean_ci(
        recall, kpi_support("conversion")
    )
    assert set(summary["overall"]["bookings"]) == {"mean", "ci_low", "ci_high", "n"}


def test_replications_are_of_one_practice_with_its_patients_and_only_what_happens_differs(
    replicated: Path, tiny: Scenario
) -> None:
    runs = [replicated / "replications" / f"r{r:03d}" for r in range(3)]
    for name in ("practices.parquet", "patients.parquet"):
        assert len({(run / name).read_bytes() for run in runs}) == 1, name
    assert len({(run / "attempts.parquet").read_bytes() for run in runs}) == 3
    assert len({json.dumps(read(run / "kpis.json"), sort_keys=True) for run in runs}) == 3
    manifests = [read(run / "run.json") for run in runs]
    assert [m["seed"] for m in manifests] == [replication_seed(tiny.seed, r) for r in range(3)]
    assert {m["population_seed"] for m in manifests} == {tiny.seed}
    assert {m["scenario"]["population"]["seed"] for m in manifests} == {tiny.seed}
    assert {read(run / "done.json")["population_seed"] for run in runs} == {tiny.seed}
    assert read(replicated / "run.json")["population_seed"] == tiny.seed


def test_every_replication_starts_from_the_same_pms_and_the_same_patient_traits(
    tiny: Scenario,
) -> None:
    def start(seed: int) -> PracticeModel:
        scenario = replica(tiny, seed)
        practice, patients = population.generate(scenario)
        model = PracticeModel.build(scenario, practice, patients, 0)
        model.initial_visits()
        return model

    a, b = start(replication_seed(tiny.seed, 0)), start(replication_seed(tiny.seed, 1))
    for name in ("recall_due_day", "hygiene_appt", "treatment_appt", "plan_value", "plan_day"):
        assert np.array_equal(getattr(a.state, name), getattr(b.state, name)), name
    assert a.state.number_reassigned == b.state.number_reassigned
    assert (a.state.plan_value > 0).any() and (a.state.hygiene_appt >= 0).any()
    for name in ("answer_propensity", "best_hour", "responsiveness", "annoyance_threshold"):
        assert np.array_equal(getattr(a.traits, name), getattr(b.traits, name)), name
    assert a.draws.telephony.random() != b.draws.telephony.random()  # what happens differs


def test_a_set_population_seed_keeps_the_patients_whatever_the_scenarios_seed(
    tiny: Scenario,
) -> None:
    pinned = apply_overrides(tiny, {"population.seed": 99})
    one = population.generate(apply_overrides(pinned, {"seed": 1}))[1]
    two = population.generate(apply_overrides(pinned, {"seed": 2}))[1]
    default = population.generate(apply_overrides(tiny, {"seed": 99}))[1]
    assert np.array_equal(one.first_name, two.first_name)
    assert np.array_equal(one.phone, default.phone)  # absent, the population seed is the seed
    assert replica(pinned, 5).population.seed == 99


def test_a_rerun_with_fewer_replications_leaves_no_stale_replication(
    tmp_path: Path, tiny: Scenario
) -> None:
    scenario = write_scenario(tmp_path / "tiny.yaml", apply_overrides(tiny, {"days": 30}))
    out = tmp_path / "out"
    for n in ("3", "2"):
        args = ["run", str(scenario), "--replications", n, "--workers", "1", "--out", str(out)]
        assert main([*args, "--quiet"]) == 0
    assert sorted(p.name for p in (out / "replications").iterdir()) == ["r000", "r001"]
    assert read(out / "kpis.json")["overall"]["attempts"]["n"] == 2


def test_a_group_scenario_is_not_replicated(
    tmp_path: Path, tiny: Scenario, capsys: pytest.CaptureFixture[str]
) -> None:
    group = apply_overrides(tiny, {"group": {"practices": 2}})
    scenario = write_scenario(tmp_path / "group.yaml", group)
    args = ["run", str(scenario), "--replications", "2", "--out", str(tmp_path / "out")]
    assert main([*args, "--quiet"]) == 2
    assert "--replications does not apply to a group scenario" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()
