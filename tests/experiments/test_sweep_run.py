"""`dentsim sweep`: variants on common random numbers, result files, and results that do not
depend on the executor or the number of workers."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from dentsim.cli import main
from dentsim.experiments.sweep_run import pareto
from dentsim.results.stats import kpi_support, mean_ci
from tests.experiments.conftest import same_results

VARIANTS = ["base", "unknown_caller_id", "combine=false"]


def read(path: Path) -> dict:
    return json.loads(path.read_text())


def test_every_variant_and_replication_meets_the_same_practice_and_patients(
    reference: Path,
) -> None:
    def table(variant: str, r: int, name: str) -> bytes:
        return (reference / "variants" / variant / f"r{r:03d}" / name).read_bytes()

    for name in ("practices.parquet", "patients.parquet"):
        assert len({table(v, r, name) for v in VARIANTS for r in range(2)}) == 1, name
    assert table("base", 0, "attempts.parquet") != table("base", 1, "attempts.parquet")
    sweep = read(reference / "sweep.json")
    assert sweep["population_seed"] == sweep["base_scenario"]["seed"]


def test_the_strategy_and_not_the_patients_makes_the_difference(reference: Path) -> None:
    def attempts(variant: str) -> bytes:
        return (reference / "variants" / variant / "r000" / "attempts.parquet").read_bytes()

    assert attempts("unknown_caller_id") != attempts("base")


def test_results_parquet_has_one_row_per_variant_replication_scope_and_kpi(
    reference: Path,
) -> None:
    results = pq.read_table(reference / "results.parquet")
    assert results.schema.names == ["variant", "replication", "seed", "scope", "kpi", "value"]
    assert [str(t) for t in results.schema.types] == [
        "string", "int32", "int64", "string", "string", "double"
    ]  # fmt: skip
    sweep = read(reference / "sweep.json")
    rows = results.to_pylist()
    for variant in VARIANTS:
        for r in range(2):
            kpis = read(reference / "variants" / variant / f"r{r:03d}" / "kpis.json")
            mine = [x for x in rows if x["variant"] == variant and x["replication"] == r]
            assert {x["seed"] for x in mine} == {sweep["seeds"][r]}
            overall = {x["kpi"]: x["value"] for x in mine if x["scope"] == "overall"}
            assert overall == {
                k: (None if v is None else float(v)) for k, v in kpis["overall"].items()
            }
            scopes = {x["scope"] for x in mine} - {"overall"}
            assert scopes == set(kpis["by_use_case"])


def test_the_summary_gives_means_and_paired_differences_from_the_base(reference: Path) -> None:
    summary = read(reference / "summary.json")
    rows = pq.read_table(reference / "results.parquet").to_pylist()

    def values(variant: str, kpi: str) -> list[float]:
        got = {
            x["replication"]: x["value"]
            for x in rows
            if x["variant"] == variant and x["scope"] == "overall" and x["kpi"] == kpi
        }
        return [got[r] for r in range(2)]

    for kpi in ("bookings", "attempts", "connect_rate"):
        mine, base = values("unknown_caller_id", kpi), values("base", kpi)
        entry = summary["variants"]["unknown_caller_id"]["overall"][kpi]
        diff = mean_ci([a - b for a, b in zip(mine, base, strict=True)])
        assert {k: entry[k] for k in ("mean", "ci_low", "ci_high", "n")} == mean_ci(
            mine, kpi_support(kpi)
        )
        assert (entry["diff_mean"], entry["diff_ci_low"], entry["diff_ci_high"]) == (
            diff["mean"], diff["ci_low"], diff["ci_high"]
        )  # fmt: skip
        assert summary["variants"]["base"]["overall"][kpi]["diff_mean"] == 0.0


def test_summary_parquet_is_summary_json_flattened(reference: Path) -> None:
    summary = read(reference / "summary.json")
    table = pq.read_table(reference / "summary.parquet").to_pylist()
    assert len(table) == sum(
        len(v["overall"]) + sum(len(u) for u in v["by_use_case"].values())
        for v in summary["variants"].values()
    )
    for row in table:
        variant = summary["variants"][row["variant"]]
        scope = (
            variant["overall"]
            if row["scope"] == "overall"
            else variant["by_use_case"][row["scope"]]
        )
        assert {k: v for k, v in row.items() if k not in ("variant", "scope", "kpi")} == scope[
            row["kpi"]
        ]


def test_the_pareto_file_holds_the_variants_no_other_beats_on_bookings_and_opt_outs(
    reference: Path,
) -> None:
    front = read(reference / "pareto.json")
    summary = read(reference / "summary.json")
    assert front == pareto(summary)
    assert {p["variant"] for p in front["points"]} == set(VARIANTS)


def test_pareto_front_keeps_non_dominated_variants_only() -> None:
    def variant(bookings: float, opt_out: float) -> dict:
        return {"overall": {"bookings": {"mean": bookings}, "opt_out_rate": {"mean": opt_out}}}

    summary = {
        "variants": {
            "base": variant(100, 0.010),
            "more_and_calmer": variant(120, 0.008),  # dominates base
            "most_but_noisy": variant(150, 0.030),
            "quietest": variant(80, 0.002),
            "worse_than_quietest": variant(70, 0.004),
        }
    }
    got = pareto(summary)
    assert got["front"] == ["most_but_noisy", "more_and_calmer", "quietest"]
    assert [p["on_front"] for p in got["points"]] == [False, True, True, True, False]


def test_timings_are_kept_apart_from_the_results(reference: Path) -> None:
    timings = read(reference / "timings.json")
    assert timings["tasks"] == 6 and timings["wall_s"] > 0
    assert set(timings["task_s"]) == {f"variants/{v}/r{r:03d}" for v in VARIANTS for r in range(2)}
    assert read(reference / "failures.json") == []


@pytest.mark.parametrize(
    "executor",
    [["--workers", "1"], ["--executor", "dask", "--workers", "2"]],
    ids=["1_local", "dask"],
)
def test_results_are_byte_identical_whatever_the_executor_and_the_number_of_workers(
    executor: list[str], tmp_path: Path, sweep_file: Path, reference: Path
) -> None:
    out = tmp_path / "out"
    assert main(["sweep", str(sweep_file), "--out", str(out), "--quiet", *executor]) == 0
    assert same_results(reference, out) == []
    assert read(out / "timings.json")["executor"] != read(reference / "timings.json")["executor"]


def test_a_sweep_runs_on_an_existing_dask_scheduler(
    tmp_path: Path, sweep_file: Path, reference: Path
) -> None:
    from distributed import LocalCluster

    with LocalCluster(
        n_workers=2, threads_per_worker=1, host="127.0.0.1", dashboard_address="127.0.0.1:0"
    ) as cluster:
        address = cluster.scheduler_address
        assert address.startswith("tcp://127.0.0.1:")
        out = tmp_path / "out"
        assert (
            main(["sweep", str(sweep_file), "--out", str(out), "--scheduler", address, "--quiet"])
            == 0
        )
    assert same_results(reference, out) == []
    assert read(out / "timings.json")["executor"] == f"dask scheduler {address}"
