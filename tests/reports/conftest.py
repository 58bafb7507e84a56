"""Result directories to report on: a small real run, and replicated, sweep and group layouts.

The replicated, sweep and group directories are written here by hand, following the layout
docs/reports.md describes, so these tests do not depend on the experiment writers.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any, NamedTuple
from unittest.mock import patch

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from dentsim.experiments.tasks import run_scenario
from dentsim.reports import report as report_module
from dentsim.reports.content import Content
from dentsim.reports.report import ReportFiles, build_report
from dentsim.scenario import Scenario
from tests.conftest import small

KPI_MEAN_KEYS = ("mean", "ci_low", "ci_high", "n")


@pytest.fixture(scope="session")
def run_dir(baseline: Scenario, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A real single run: the baseline practice shrunk to 300 patients and 120 days."""
    out = tmp_path_factory.mktemp("single") / "run"
    run_scenario(small(baseline), out)
    return out


def _mean_kpis(tables: list[dict[str, Any]]) -> dict[str, Any]:
    """A replicated kpis.json: {KPI: {mean, ci_low, ci_high, n}} from per-replication values."""

    def summarise(rows: list[dict[str, Any]]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for key in dict.fromkeys(k for r in rows for k in r):
            values = np.array([r[key] for r in rows if r.get(key) is not None], np.float64)
            if not len(values):
                continue
            half = 4.303 * values.std(ddof=1) / np.sqrt(len(values)) if len(values) > 1 else 0.0
            mean = float(values.mean())
            out[key] = dict(
                zip(KPI_MEAN_KEYS, (mean, mean - half, mean + half, len(values)), strict=True)
            )
        return out

    cases = dict.fromkeys(uc for t in tables for uc in t["by_use_case"])
    return {
        "overall": summarise([t["overall"] for t in tables]),
        "by_use_case": {
            uc: summarise([t["by_use_case"][uc] for t in tables if uc in t["by_use_case"]])
            for uc in cases
        },
    }


def write_replicated(root: Path, scenario: Scenario, seeds: list[int]) -> Path:
    """DIR/run.json (kind replicated), DIR/kpis.json (means), DIR/replications/rNNN/ runs."""
    kpis = []
    for i, seed in enumerate(seeds):
        result = run_scenario(
            scenario.model_copy(update={"seed": seed}), root / "replications" / f"r{i:03d}"
        )
        kpis.append(result.kpis)
    manifest = {
        "format_version": 1,
        "kind": "replicated",
        "scenario": scenario.resolved(),
        "seeds": seeds,
    }
    (root / "kpis.json").write_text(json.dumps(_mean_kpis(kpis)))
    (root / "run.json").write_text(json.dumps(manifest, default=str))
    return root


@pytest.fixture(scope="session")
def replicated_dir(baseline: Scenario, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_replicated(
        tmp_path_factory.mktemp("replicated") / "rep", small(baseline), [1, 2, 3]
    )


@pytest.fixture(scope="session")
def group_dir(run_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """DIR/run.json (kind group), DIR/kpis.json, practice_kpis.parquet, practices/pNNNNN/."""
    root = tmp_path_factory.mktemp("group") / "grp"
    for i in range(2):
        shutil.copytree(run_dir, root / "practices" / f"p{i:05d}")
    run = json.loads((run_dir / "run.json").read_text())
    kpis = json.loads((run_dir / "kpis.json").read_text())
    (root / "run.json").write_text(json.dumps({**run, "kind": "group", "practices": 2}))
    (root / "kpis.json").write_text(json.dumps(kpis))
    rows = [
        {"practice_id": i, "scope": "overall", "kpi": k, "value": float(v)}
        for i in range(2)
        for k, v in kpis["overall"].items()
        if v is not None
    ]
    pq.write_table(pa.Table.from_pylist(rows), root / "practice_kpis.parquet")
    return root


SWEEP_VARIANTS = {
    "base": {},
    "sms_first": {"campaigns.recall.cadence[0].channel": "sms"},
    "burst": {"strategy.dial_time": "burst"},
    "best_hour": {"strategy.dial_time": "best_hour"},
}
# per variant: (bookings, opt_out_rate, connect_rate)
SWEEP_MEANS = {
    "base": (120.0, 0.012, 0.40),
    "sms_first": (110.0, 0.008, 0.33),
    "burst": (115.0, 0.031, 0.36),
    "best_hour": (131.0, 0.013, 0.44),
}


def write_sweep(root: Path, variants: dict[str, dict[str, Any]] = SWEEP_VARIANTS) -> Path:
    """results.parquet, summary.parquet, pareto.json and sweep.json with made-up numbers."""
    root.mkdir(parents=True)
    rng = np.random.default_rng(7)
    results, summary = [], []
    base = SWEEP_MEANS["base"]
    for name in variants:
        means = SWEEP_MEANS[name]
        for k, kpi in enumerate(("bookings", "opt_out_rate", "connect_rate")):
            values = means[k] * (1 + 0.03 * rng.standard_normal(5))
            for r, value in enumerate(values):
                results.append({"variant": name, "replication": r, "seed": 100 + r,
                                "scope": "overall", "kpi": kpi, "value": float(value)})  # fmt: skip
            half = 0.04 * means[k]
            diff = 0.0 if name == "base" else means[k] - base[k]
            summary.append({"variant": name, "scope": "overall", "kpi": kpi, "mean": means[k],
                            "ci_low": means[k] - half, "ci_high": means[k] + half,
                            "diff_mean": diff, "diff_ci_low": diff - half / 2,
                            "diff_ci_high": diff + half / 2})  # fmt: skip
            summary.append({**summary[-1], "scope": "recall"})
    pq.write_table(pa.Table.from_pylist(results), root / "results.parquet")
    pq.write_table(pa.Table.from_pylist(summary), root / "summary.parquet")
    (root / "pareto.json").write_text(json.dumps(["sms_first", "best_hour"]))
    sweep = {
        "kind": "sweep",
        "base": "base",
        "variants": [{"name": n, "overrides": o} for n, o in variants.items()],
        "replications": 5,
    }
    (root / "sweep.json").write_text(json.dumps(sweep))
    return root


@pytest.fixture(scope="session")
def sweep_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_sweep(tmp_path_factory.mktemp("sweep") / "sw")


@pytest.fixture(scope="session")
def single_report(run_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> ReportFiles:
    return build_report(run_dir, tmp_path_factory.mktemp("single_report"))


class Built(NamedTuple):
    """A report's files and the Content they were laid out from (every string a reader sees)."""

    files: ReportFiles
    content: Content


def build_keeping_content(result_dir: Path, out: Path) -> Built:
    """`build_report`, keeping the Content that `render_html` was given."""
    seen: list[Content] = []
    render = report_module.render_html

    def spy(page: Content, *args: Any, **kwargs: Any) -> str:
        seen.append(page)
        return render(page, *args, **kwargs)

    with patch.object(report_module, "render_html", spy):
        files = build_report(result_dir, out)
    return Built(files, seen[0])


@pytest.fixture(scope="session")
def reports_by_kind(
    run_dir: Path,
    replicated_dir: Path,
    group_dir: Path,
    sweep_dir: Path,
    tmp_path_factory: pytest.TempPathFactory,
) -> dict[str, Built]:
    """One report of each kind, built once for the browser and PDF tests."""
    out = tmp_path_factory.mktemp("reports_by_kind")
    dirs = {"single": run_dir, "replicated": replicated_dir, "group": group_dir, "sweep": sweep_dir}
    return {kind: build_keeping_content(d, out / kind) for kind, d in dirs.items()}
