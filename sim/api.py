"""dentsim's Python API: what the `dentsim` command does, for notebooks and programs.

    import dentsim
    scenario = dentsim.load_scenario("scenarios/baseline.yaml", overrides={"days": 90})
    run = dentsim.simulate(scenario, seed=7)
    run.kpis["overall"]["connect_rate"], run.attempts.groupby("result").size()
    dentsim.audit(run).ok

Tables come back as pandas DataFrames with the columns of docs/data.md; bad input raises
`dentsim.InputError`, whose message names the file, line and key path.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError

from dentsim.compliance.audit import AuditReport, ResultsAudit, audit_run
from dentsim.compliance.rules import load_rules
from dentsim.errors import InputError
from dentsim.experiments.executors import Executor, Progress
from dentsim.experiments.experiment_dir import ExperimentResult
from dentsim.experiments.group import practice_scenario, run_group
from dentsim.experiments.replications import run_replications
from dentsim.experiments.sweep_file import Sweep, load_sweep
from dentsim.experiments.sweep_run import run_sweep
from dentsim.experiments.tasks import SimulatedRun, simulate_run, write_simulated
from dentsim.results.rundir import audit_results, open_results
from dentsim.scenario import Scenario, apply_overrides
from dentsim.scenario import load_scenario as _load_scenario

if TYPE_CHECKING:
    import pandas as pd

    from dentsim.reports.report import ReportFiles

TABLES = (
    "practices",
    "patients",
    "attempts",
    "optouts",
    "bookings",
    "appointments",
    "staff_tasks",
    "deferrals",
)


def load_scenario(
    path: Path | str, overrides: dict[str, Any] | None = None, seed: int | None = None
) -> Scenario:
    """Read and validate a scenario file, then lay `overrides` over it.

    `overrides` maps dotted keys to values, as a sweep's variants do
    (`{"strategy.combine": False, "population.patients": 600}`); `seed` replaces the file's.
    """
    scenario = _load_scenario(path)
    changes = dict(overrides or {})
    if seed is not None:
        changes["seed"] = seed
    return with_overrides(scenario, changes, f"{path}: overrides")


def with_overrides(scenario: Scenario, overrides: dict[str, Any], where: str) -> Scenario:
    """`scenario` with dotted keys replaced; an unknown key or a bad value is an InputError
    naming the key (`where: key: problem`)."""
    if not overrides:
        return scenario
    try:
        return apply_overrides(scenario, overrides)
    except KeyError as e:
        raise InputError(f"{where}: {e.args[0]}: no such key in a scenario") from None
    except ValidationError as e:
        raise InputError(
            [f"{where}: {'.'.join(str(p) for p in err['loc'])}: {err['msg']}" for err in e.errors()]
        ) from None


@dataclass(frozen=True, slots=True)
class Run:
    """One practice-year, simulated in memory.

    Attributes:
        scenario: the scenario it ran, with its seed.
        kpis: the KPI table (`{"overall": {...}, "by_use_case": {...}}`, docs/data.md).
        warnings: what the run would print as warnings (rules that refused many contacts, a
            practice name that names care, agent errors).
        manifest: what run.json would hold.
        transcripts: one record per played call, or None when the scenario keeps none.
        tables: the event tables as Arrow tables, by name.
    """

    simulated: SimulatedRun

    @property
    def scenario(self) -> Scenario:
        return self.simulated.scenario

    @property
    def kpis(self) -> dict[str, Any]:
        return self.simulated.kpis

    @property
    def warnings(self) -> list[dict[str, Any]]:
        return list(self.simulated.manifest["warnings"])

    @property
    def manifest(self) -> dict[str, Any]:
        return self.simulated.manifest

    @property
    def transcripts(self) -> list[dict[str, Any]] | None:
        return self.simulated.transcripts

    @property
    def tables(self) -> dict[str, Any]:
        return dict(self.simulated.tables)

    def table(self, name: str) -> pd.DataFrame:
        """The table `name` (one of TABLES) as a pandas DataFrame."""
        if name not in self.simulated.tables:
            raise KeyError(f"no table {name!r}; the tables are {', '.join(self.simulated.tables)}")
        return self.simulated.tables[name].to_pandas()

    @property
    def practices(self) -> pd.DataFrame:
        return self.table("practices")

    @property
    def patients(self) -> pd.DataFrame:
        return self.table("patients")

    @property
    def attempts(self) -> pd.DataFrame:
        return self.table("attempts")

    @property
    def optouts(self) -> pd.DataFrame:
        return self.table("optouts")

    @property
    def bookings(self) -> pd.DataFrame:
        return self.table("bookings")

    @property
    def appointments(self) -> pd.DataFrame:
        return self.table("appointments")

    @property
    def staff_tasks(self) -> pd.DataFrame:
        return self.table("staff_tasks")

    @property
    def deferrals(self) -> pd.DataFrame:
        return self.table("deferrals")

    def write(self, out_dir: Path | str) -> Path:
        """Write the run directory `dentsim run --out DIR` would write; returns DIR."""
        out = Path(out_dir)
        write_simulated(self.simulated, out)
        return out


def simulate(
    scenario: Scenario,
    seed: int | None = None,
    practice: int = 0,
    progress: Callable[[int], None] | None = None,
) -> Run:
    """Simulate one practice-year of `scenario` in memory (nothing is written).

    `seed` replaces the scenario's; `practice` picks a practice of a group scenario by index;
    `progress(days_done)` is told each simulated month.
    """
    if seed is not None:
        scenario = with_overrides(scenario, {"seed": seed}, "simulate: seed")
    if scenario.group is not None:
        scenario = practice_scenario(scenario, practice)
    return Run(simulate_run(scenario, practice, progress))


def replicate(
    scenario: Scenario,
    replications: int,
    out_dir: Path | str,
    executor: Executor | str = "local",
    workers: int | None = None,
    scheduler: str | None = None,
    resume: bool = False,
    progress: Progress | None = None,
) -> ExperimentResult:
    """Run `replications` practice-years (seeds derived from the scenario's) into `out_dir`,
    as `dentsim run --replications`; the result's `kpis` hold means with 95 % intervals.

    `executor` is "local" (processes on this machine) or "dask" (a LocalCluster, or the
    cluster at `scheduler`); `resume` skips the practice-years already finished in `out_dir`;
    `progress(done, total)` is told as tasks finish.
    """
    return run_replications(
        scenario, Path(out_dir), replications, executor_for(executor, workers, scheduler),
        resume, progress,
    )  # fmt: skip


def group(
    scenario: Scenario,
    out_dir: Path | str,
    executor: Executor | str = "local",
    workers: int | None = None,
    scheduler: str | None = None,
    resume: bool = False,
    progress: Progress | None = None,
) -> ExperimentResult:
    """Simulate every practice of a group scenario (a `group:` block) into `out_dir`, as
    `dentsim run` does for a group; options as for `replicate`."""
    return run_group(
        scenario, Path(out_dir), executor_for(executor, workers, scheduler), resume, progress
    )


def sweep(
    sweep_file: Sweep | Path | str,
    out_dir: Path | str,
    replications: int | None = None,
    executor: Executor | str = "local",
    workers: int | None = None,
    scheduler: str | None = None,
    resume: bool = False,
    progress: Progress | None = None,
) -> ExperimentResult:
    """Run a sweep file's variants on the same patients into `out_dir`, as `dentsim sweep`;
    the result's `kpis` is the summary (means, intervals, paired differences); options as
    for `replicate`."""
    plan = sweep_file if isinstance(sweep_file, Sweep) else load_sweep(sweep_file, replications)
    return run_sweep(
        plan, Path(out_dir), executor_for(executor, workers, scheduler), resume, progress
    )


def executor_for(executor: Executor | str, workers: int | None, scheduler: str | None) -> Executor:
    """An Executor from the command line's words: "local" or "dask" (implied by a scheduler)."""
    if isinstance(executor, Executor):
        return executor
    if executor not in ("local", "dask"):
        raise InputError(f"executor: expected 'local' or 'dask', got {executor!r}")
    return Executor("dask" if scheduler or executor == "dask" else "local", workers, scheduler)


@dataclass(frozen=True, slots=True)
class Audit:
    """The independent compliance audit of a run or of every practice-year in a result.

    Attributes:
        ok: no contact broke a rule.
        violations: one row per example violation (up to `max_examples` per rule and run):
            run, rule_id, attempt_id, practice_id, patient_id, t_utc, local_time, why.
        by_rule: one row per run and rule: run, rule_id, enabled, checked, violations.
        report: the audit's own record (AuditReport, or ResultsAudit for many runs).
    """

    report: AuditReport | ResultsAudit

    def _runs(self) -> list[tuple[str, AuditReport]]:
        if isinstance(self.report, ResultsAudit):
            return [(r.key, r.report) for r in self.report.runs]
        return [(".", self.report)]

    @property
    def ok(self) -> bool:
        return self.report.ok

    @property
    def violations(self) -> pd.DataFrame:
        import pandas as pd

        columns = ["run", "rule_id", "attempt_id", "practice_id", "patient_id", "t_utc"]
        columns += ["local_time", "why"]
        rows = [
            (
                key,
                e.rule_id,
                e.attempt_id,
                e.practice_id,
                e.patient_id,
                e.t_utc,
                e.local_time,
                e.why,
            )
            for key, report in self._runs()
            for result in report.results
            for e in result.examples
        ]
        return pd.DataFrame(rows, columns=columns)

    @property
    def by_rule(self) -> pd.DataFrame:
        import pandas as pd

        rows = [
            (key, r.rule_id, r.enabled, r.checked, r.violations)
            for key, report in self._runs()
            for r in report.results
        ]
        return pd.DataFrame(rows, columns=["run", "rule_id", "enabled", "checked", "violations"])


def audit(
    target: Run | Path | str, rules: Path | str | None = None, max_examples: int = 1000
) -> Audit:
    """Audit a Run (written to a temporary folder first) or a result directory of any kind
    against the rules (None: the packaged defaults; else a YAML file laid over them), as
    `dentsim check` does."""
    rule_set = load_rules(Path(rules) if rules is not None else None)
    if isinstance(target, Run):
        with tempfile.TemporaryDirectory(prefix="dentsim-audit-") as tmp:
            return Audit(audit_run(target.write(Path(tmp) / "run"), rule_set, max_examples))
    results = open_results(target)
    if results.kind == "single":
        return Audit(audit_run(results.root, rule_set, max_examples))
    return Audit(audit_results(results, rule_set, max_examples))


def report(
    result_dir: Path | str,
    out_dir: Path | str | None = None,
    roi: Path | str | None = None,
    rules: Path | str | None = None,
) -> ReportFiles:
    """Build report.html, report.pdf and charts/*.png for a result directory of any kind, as
    `dentsim report` does (`out_dir` None: DIR/report); `roi` an ROI inputs file."""
    from dentsim.reports.report import build_report

    return build_report(result_dir, out_dir, roi, rules)
