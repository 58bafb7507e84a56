"""Runs at scale: one scenario to a run directory, replications with confidence intervals, and
the task runner that fans practice-years out to local processes or a Dask cluster.

A task is one practice-year. It writes its own run directory and a `done.json` checkpoint last,
and hands back only that small record, so memory stays flat however many tasks there are, and
a rerun with `resume` skips every finished task. Sweeps (sim/experiments/sweep.py) and dental groups
(sim/experiments/group.py) are lists of tasks on the same runner.
"""

from __future__ import annotations

import contextlib
import copy
import ctypes
import functools
import gc
import hashlib
import json
import logging
import math
import multiprocessing
import os
import platform
import shutil
import signal
import sys
import threading
import time
import uuid
from collections import deque
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pyarrow as pa

from dentsim.errors import InputError
from dentsim.results import metrics
from dentsim.results.rundir import check_run_dir, clear_run_dir, prepare_run_dir
from dentsim.results.warnings import run_warnings
from dentsim.scenario import Scenario
from dentsim.simulation.engine import simulate_practice
from dentsim.simulation.eventlog import (
    FORMAT_VERSION,
    patients_table,
    practices_table,
    write_json,
    write_run,
)

VERSIONED_PACKAGES = (
    "dentsim",
    "simpy",
    "numpy",
    "pyarrow",
    "pydantic",
    "faker",
    "holidays",
    "tzdata",
)
MAX_ATTEMPTS = 3  # a task is tried this often (exceptions and lost workers) before it is failed
CONFIDENCE = 0.95
DONE = "done.json"
# Test-only fault hooks, read by the worker: a task whose key is named here kills its own worker
# process on its first attempt (a marker file beside its directory remembers the attempt), or
# raises on every attempt.
KILL_TASK_ENV = "DENTSIM_TEST_KILL_TASK"
FAIL_TASK_ENV = "DENTSIM_TEST_FAIL_TASK"


@dataclass(frozen=True, slots=True)
class RunResult:
    out_dir: Path
    kpis: dict[str, Any]
    manifest: dict[str, Any]


def package_versions() -> dict[str, str]:
    return dict(_package_versions())  # a copy: callers put it into their manifests


@functools.cache  # installed versions do not change while a process runs (7 ms to look up)
def _package_versions() -> dict[str, str]:
    versions = {"python": platform.python_version()}
    for name in VERSIONED_PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "not installed"
    return versions


def run_scenario(
    scenario: Scenario, out_dir: Path, progress: Callable[[int], None] | None = None
) -> RunResult:
    """Simulate the scenario's practice and write its run directory (see docs/data.md)."""
    result, _ = write_practice_run(scenario, 0, out_dir, progress)
    return result


@dataclass(frozen=True, slots=True)
class SimulatedRun:
    """One practice-year simulated in memory: everything its run directory would hold.

    Attributes:
        scenario: the resolved scenario it ran.
        tables: the event tables, practices and patients (docs/data.md), as Arrow tables.
        kpis: kpis.json's content.
        manifest: run.json's content, less the `files` a write adds.
        transcripts: one record per played call, or None when the scenario keeps none.
    """

    scenario: Scenario
    tables: dict[str, pa.Table]
    kpis: dict[str, Any]
    manifest: dict[str, Any]
    transcripts: list[dict[str, Any]] | None


def simulate_run(
    scenario: Scenario, practice_index: int = 0, progress: Callable[[int], None] | None = None
) -> SimulatedRun:
    """Simulate one practice-year in memory, with its KPIs and manifest; nothing is written."""
    started = time.perf_counter()
    run = simulate_practice(scenario, practice_index, progress)
    simulated = time.perf_counter()
    tables: dict[str, pa.Table] = {
        "practices": practices_table([run.practice]),
        "patients": patients_table(run.patients, scenario.start_date),
        **run.tables,
    }
    manifest: dict[str, Any] = {
        "format_version": FORMAT_VERSION,
        "scenario": scenario.resolved(),
        "seed": scenario.seed,
        "versions": package_versions(),
        "event_counts": {name: t.num_rows for name, t in tables.items()},
        "warnings": run_warnings(scenario, run.practice.name, tables) + run.agent_faults.warnings(),
        "timings_s": {"simulate": round(simulated - started, 4)},
    }
    transcripts = run.transcripts if scenario.dialogue.transcripts else None
    return SimulatedRun(scenario, tables, metrics.kpis(tables), manifest, transcripts)


def write_simulated(run: SimulatedRun, out_dir: Path) -> RunResult:
    """Write a simulated practice-year as a single-run directory (run.json last), in place of
    whatever run the directory held; a directory that is not a dentsim result is refused."""
    check_run_dir(out_dir)
    manifest = copy.deepcopy(run.manifest)  # write_run adds `files`; the run keeps its own
    clear_run_dir(out_dir)
    write_run(out_dir, run.tables, manifest, run.kpis, run.transcripts)
    return RunResult(out_dir, run.kpis, manifest)


def write_practice_run(
    scenario: Scenario,
    practice_index: int,
    out_dir: Path,
    progress: Callable[[int], None] | None = None,
) -> tuple[RunResult, dict[str, pa.Table]]:
    """Simulate one practice-year and write its single-run directory; also return its tables.

    A directory that cannot take the run is refused before the simulation; the previous run's
    files are removed only once this one is simulated, so a failed simulation leaves them whole.
    """
    check_run_dir(out_dir)
    started = time.perf_counter()
    run = simulate_run(scenario, practice_index, progress)
    result = write_simulated(run, out_dir)
    result.manifest["timings_s"]["total"] = round(time.perf_counter() - started, 4)
    return result, run.tables


# --- tasks -------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PracticeTask:
    """One practice-year to simulate into `out_root / key`, checkpointed by a done.json there."""

    key: str  # the task's directory under the output directory, e.g. "replications/r003"
    label: str  # for people: "replication 3, seed 123"
    scenario: Scenario
    out_root: Path
    practice_index: int = 0
    # extra small results computed from the tables in the worker (a top-level function)
    extras: Callable[[dict[str, pa.Table]], dict[str, Any]] | None = None

    @property
    def task_dir(self) -> Path:
        return self.out_root / self.key


def scenario_digest(scenario: Scenario) -> str:
    """A fingerprint of the resolved scenario: a checkpoint is reused only for the same one."""
    text = json.dumps(scenario.resolved(), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


def run_task(task: PracticeTask) -> dict[str, Any]:
    """Worker side: simulate, write the task directory, then its done.json; return that record."""
    try:
        return _run_task(task)
    finally:
        # A practice-year leaves hundreds of MB of reference cycles (the model and its SimPy
        # processes). Left to the generational collector, they pile up in a long-lived worker
        # task after task; collected here, a worker's memory stays flat. What survives the
        # collection (modules, loaded data, caches) is frozen, so that the next task's
        # collection skips it: 15 ms instead of 45 ms per task, measured.
        gc.collect()
        gc.freeze()


def _run_task(task: PracticeTask) -> dict[str, Any]:
    _injected_faults(task)
    if task.task_dir.exists():
        shutil.rmtree(task.task_dir)  # a partial directory from an interrupted attempt
    started = time.perf_counter()
    result, tables = write_practice_run(task.scenario, task.practice_index, task.task_dir)
    practice = tables["practices"].to_pylist()[0]
    record = {
        "key": task.key,
        "label": task.label,
        "seed": task.scenario.seed,
        "practice_index": task.practice_index,
        "scenario_sha256": scenario_digest(task.scenario),
        "practice": {
            "practice_id": practice["practice_id"],
            "name": practice["name"],
            "state": practice["state"],
            "tz": practice["tz"],
            "patients": task.scenario.population.patients,
            "providers": task.scenario.practice.providers,
            "hygiene_chairs": task.scenario.practice.hygiene_chairs,
        },
        "event_counts": result.manifest["event_counts"],
        "warnings": result.manifest["warnings"],
        "kpis": result.kpis,
        "extras": task.extras(tables) if task.extras is not None else {},
        "elapsed_s": round(time.perf_counter() - started, 4),
    }
    write_json(record, task.task_dir / DONE)
    return record


def _injected_faults(task: PracticeTask) -> None:
    if os.environ.get(FAIL_TASK_ENV) == task.key:
        raise RuntimeError(f"injected failure ({FAIL_TASK_ENV})")
    if os.environ.get(KILL_TASK_ENV) == task.key:
        marker = task.task_dir.with_name(f".{task.task_dir.name}.killed")
        if not marker.exists():
            marker.parent.mkdir(parents=True, exist_ok=True)
            marker.touch()
            os._exit(17)


def finished_record(task: PracticeTask) -> dict[str, Any] | None:
    """The task's checkpoint, when it finished before with the same scenario; else None."""
    path = task.task_dir / DONE
    try:
        record = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    same = record.get("key") == task.key and record.get("scenario_sha256") == scenario_digest(
        task.scenario
    )
    return record if same else None


# --- executors ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Executor:
    """Where tasks run: local processes, a loopback Dask LocalCluster, or a running scheduler."""

    kind: Literal["local", "dask"] = "local"
    workers: int | None = None  # None: the number of cores
    scheduler: str | None = None  # tcp://HOST:PORT of a running Dask scheduler

    @property
    def n_workers(self) -> int:
        return self.workers or os.cpu_count() or 1

    def describe(self) -> str:
        if self.scheduler:
            return f"dask scheduler {self.scheduler}"
        return f"{self.kind}, {self.n_workers} worker{'s' if self.n_workers != 1 else ''}"


@dataclass(frozen=True, slots=True)
class TaskFailure:
    """A task that failed every attempt."""

    key: str
    label: str
    error: str


@dataclass(frozen=True, slots=True)
class TaskOutcome:
    records: dict[str, dict[str, Any]]  # done.json of every finished task, by key
    failures: tuple[TaskFailure, ...]
    resumed: int  # tasks skipped because a checkpoint was found
    wall_s: float
    task_s: dict[str, float] = field(default_factory=dict)

    def in_order(self, tasks: Iterable[PracticeTask]) -> list[dict[str, Any]]:
        """Finished records in the tasks' order, whatever order they finished in."""
        return [self.records[t.key] for t in tasks if t.key in self.records]


Progress = Callable[[int, int], None]  # (tasks done, tasks in all)


def run_tasks(
    tasks: Sequence[PracticeTask],
    executor: Executor,
    resume: bool = False,
    progress: Progress | None = None,
) -> TaskOutcome:
    """Run every task (skipping checkpointed ones when resuming); never raises for a task."""
    keys = [t.key for t in tasks]
    if len(set(keys)) != len(keys):
        raise ValueError("task keys must be unique")
    started = time.perf_counter()
    records: dict[str, dict[str, Any]] = {}
    pending: list[PracticeTask] = []
    for task in tasks:
        record = finished_record(task) if resume else None
        if record is None:
            pending.append(task)
        else:
            records[task.key] = record
    resumed = len(records)
    failures: list[TaskFailure] = []
    total = len(tasks)
    if progress is not None:
        progress(len(records), total)

    def finished(task: PracticeTask, record: dict[str, Any]) -> None:
        records[task.key] = record
        if progress is not None:
            progress(len(records) + len(failures), total)

    def failed(task: PracticeTask, error: str) -> None:
        failures.append(TaskFailure(task.key, task.label, error))
        if progress is not None:
            progress(len(records) + len(failures), total)

    if pending:
        if executor.kind == "dask" or executor.scheduler:
            _run_dask(pending, executor, finished, failed)
        else:
            _run_local(pending, executor.n_workers, finished, failed)
    order = {k: i for i, k in enumerate(keys)}
    failures.sort(key=lambda f: order[f.key])
    return TaskOutcome(
        records,
        tuple(failures),
        resumed,
        round(time.perf_counter() - started, 3),
        {k: float(r.get("elapsed_s", 0.0)) for k, r in records.items()},
    )


def _start_worker(parent_pid: int) -> None:
    """Worker initializer. Ctrl-C stops the parent, which lets running tasks finish; a worker
    whose parent dies (kill -9, SIGTERM) ends at once instead of waiting forever for a task, so
    nothing of a killed run keeps running (the resource tracker then ends too)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    end_with_parent(parent_pid)


PR_SET_PDEATHSIG = 1  # linux/prctl.h
PARENT_POLL_S = 0.5


def end_with_parent(parent_pid: int) -> None:
    """End this process when the process `parent_pid` (its parent) dies.

    On Linux the kernel sends SIGKILL on the parent's death (prctl PR_SET_PDEATHSIG; strictly,
    on the end of the parent's thread that started the worker: `_run_local` starts them from the
    thread that runs the tasks, which outlives its pool); elsewhere a daemon thread polls the
    parent's id (an orphan is adopted by another process).
    """
    if sys.platform.startswith("linux"):
        with contextlib.suppress(OSError, AttributeError):
            libc = ctypes.CDLL(None, use_errno=True)
            if libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0) == 0:
                if os.getppid() != parent_pid:  # it died before the signal was asked for
                    os._exit(1)
                return
    threading.Thread(
        target=_watch_parent, args=(parent_pid,), name="dentsim-parent-watch", daemon=True
    ).start()


def _watch_parent(parent_pid: int, poll_s: float = PARENT_POLL_S) -> None:
    while os.getppid() == parent_pid:
        time.sleep(poll_s)
    os._exit(1)


def _describe(error: BaseException) -> str:
    text = str(error).strip().splitlines()
    return f"{type(error).__name__}: {text[0]}" if text else type(error).__name__


def _run_local(
    pending: Sequence[PracticeTask],
    workers: int,
    finished: Callable[[PracticeTask, dict[str, Any]], None],
    failed: Callable[[PracticeTask, str], None],
) -> None:
    """A process pool that survives lost workers.

    At most `workers` tasks are in flight, so only running tasks are ever suspects. When a
    worker dies, the pool is rebuilt and the tasks that were in flight rerun one at a time, so
    a task that kills its worker again is identified and blamed alone.
    """
    queue = deque(pending)
    suspects: deque[PracticeTask] = deque()
    attempts: dict[str, int] = {}
    context = multiprocessing.get_context("spawn")

    def retry_or_fail(task: PracticeTask, error: str, into: deque[PracticeTask]) -> None:
        attempts[task.key] = attempts.get(task.key, 0) + 1
        if attempts[task.key] < MAX_ATTEMPTS:
            into.append(task)
        else:
            failed(task, f"{error} (after {MAX_ATTEMPTS} attempts)")

    def settle(future: Future[dict[str, Any]], task: PracticeTask) -> bool:
        """Hand a finished future's result on; False when its worker was lost."""
        try:
            finished(task, future.result())
        except BrokenProcessPool:
            return False
        except Exception as e:  # the task itself raised: try it again later
            retry_or_fail(task, _describe(e), queue)
        return True

    while queue or suspects:
        with ProcessPoolExecutor(
            max_workers=workers,
            mp_context=context,
            initializer=_start_worker,
            initargs=(os.getpid(),),
        ) as pool:
            in_flight: dict[Future[dict[str, Any]], PracticeTask] = {}
            lost: list[PracticeTask] = []
            while not lost and (queue or suspects or in_flight):
                source, limit = (suspects, 1) if suspects else (queue, workers)
                try:
                    while source and len(in_flight) < limit:
                        in_flight[pool.submit(run_task, source[0])] = source[0]
                        source.popleft()
                except BrokenProcessPool:
                    pass  # the futures in flight report it below
                if not in_flight:
                    break  # the pool broke before anything ran: build another
                done, _ = wait(in_flight, return_when=FIRST_COMPLETED)
                lost = [in_flight[f] for f in done if not settle(f, in_flight[f])]
                for future in done:
                    del in_flight[future]
            if lost:
                done, _ = wait(in_flight)  # the others fail (or finish) with the pool
                lost += [in_flight[f] for f in done if not settle(f, in_flight[f])]
                if len(lost) == 1:
                    retry_or_fail(lost[0], "its worker process died", suspects)
                else:
                    suspects.extend(lost)


# Dask settings for the clusters we start: one task per worker thread at a time, as the local
# pool does, so no task waits behind another on a busy worker while a neighbour idles at the
# end; and less housekeeping competing with long pure-Python tasks for the GIL and the cores
# (no statistical profiler sampling each running task's stack 100 times a second, event-loop
# ticks and system and memory monitors every second or so instead of every 20-500 ms).
DASK_CONFIG = {
    "distributed.scheduler.worker-saturation": 1.0,
    "distributed.worker.profile.enabled": False,
    "distributed.admin.tick.interval": "1s",
    "distributed.admin.system-monitor.interval": "5s",
    "distributed.worker.memory.monitor-interval": "1s",
}


def _run_dask(
    pending: Sequence[PracticeTask],
    executor: Executor,
    finished: Callable[[PracticeTask, dict[str, Any]], None],
    failed: Callable[[PracticeTask, str], None],
) -> None:
    """Dask distributed: a loopback LocalCluster, or the cluster behind `executor.scheduler`.

    Dask reruns a task whose worker died (up to its `allowed-failures`) and one that raised
    (`retries`). Workers write task directories themselves: with a remote scheduler they must
    see the output directory at the same path (a shared filesystem).
    """
    import dask
    from distributed import Client, LocalCluster, as_completed

    with dask.config.set(DASK_CONFIG), contextlib.ExitStack() as stack:
        if executor.scheduler:
            client = stack.enter_context(Client(executor.scheduler))
        else:
            cluster = LocalCluster(
                n_workers=executor.n_workers,
                threads_per_worker=1,
                processes=True,
                host="127.0.0.1",
                dashboard_address="127.0.0.1:0",
                silence_logs=logging.CRITICAL,
            )
            stack.enter_context(cluster)
            client = stack.enter_context(Client(cluster))
        run_id = uuid.uuid4().hex[:8]  # dask keys must not collide with an earlier submission
        # in the order given, as the local pool runs them: Dask otherwise starts the newest
        # queued task first, which leaves a group's first (often largest) practices for last
        futures = {
            client.submit(
                run_task, task, key=f"{task.key}-{run_id}", retries=MAX_ATTEMPTS - 1, pure=False,
                priority=len(pending) - i,
            ): task
            for i, task in enumerate(pending)
        }  # fmt: skip
        for future in as_completed(futures):
            task = futures.pop(future)
            if future.status == "finished":
                finished(task, future.result())
            else:
                error = future.exception()
                lost = type(error).__name__ == "KilledWorker"  # its message says how often
                again = "" if lost else f" (after {MAX_ATTEMPTS} attempts)"
                failed(task, _describe(error) + again)
            future.release()


# --- confidence intervals ---------------------------------------------------------------------


def _t_two_sided_mass(t: float, df: int) -> float:
    """P(|T| <= t) for Student's t with a whole number of degrees of freedom (exact series)."""
    theta = math.atan(t / math.sqrt(df))
    c2 = math.cos(theta) ** 2
    total = term = 1.0
    if df % 2:
        if df == 1:
            return 2 * theta / math.pi
        for k in range(1, (df - 1) // 2):
            term *= c2 * (2 * k) / (2 * k + 1)
            total += term
        return 2 / math.pi * (theta + math.sin(theta) * math.cos(theta) * total)
    for k in range(1, df // 2):
        term *= c2 * (2 * k - 1) / (2 * k)
        total += term
    return math.sin(theta) * total


def t_quantile(df: int, confidence: float = CONFIDENCE) -> float:
    """The half-width factor of a two-sided Student t interval: P(|T| <= q) = confidence."""
    low, high = 0.0, 1.0
    while _t_two_sided_mass(high, df) < confidence:
        high *= 2
    for _ in range(200):
        mid = (low + high) / 2
        if _t_two_sided_mass(mid, df) < confidence:
            low = mid
        else:
            high = mid
    return (low + high) / 2


def mean_ci(values: Sequence[float | int | None]) -> dict[str, Any]:
    """Mean and 95 % Student t interval of the values that are not None; n counts them."""
    xs = np.array([v for v in values if v is not None], dtype=np.float64)
    n = len(xs)
    if n == 0:
        return {"mean": None, "ci_low": None, "ci_high": None, "n": 0}
    mean = float(xs.mean())
    if n == 1:
        return {"mean": mean, "ci_low": None, "ci_high": None, "n": 1}
    half = t_quantile(n - 1) * float(xs.std(ddof=1)) / math.sqrt(n)
    return {"mean": mean, "ci_low": mean - half, "ci_high": mean + half, "n": n}


def kpi_names(kpis: Iterable[dict[str, Any]]) -> list[tuple[str, str]]:
    """Every (scope, KPI) in a list of KPI tables: overall first, then use cases, first-seen order."""
    seen: dict[tuple[str, str], None] = {}
    tables = list(kpis)
    for table in tables:
        for kpi in table["overall"]:
            seen[("overall", kpi)] = None
    for use_case in metrics.USE_CASES:
        for table in tables:
            for kpi in table["by_use_case"].get(use_case, {}):
                seen[(use_case, kpi)] = None
    return list(seen)


def kpi_value(kpis: dict[str, Any], scope: str, kpi: str) -> Any:
    row = kpis["overall"] if scope == "overall" else kpis["by_use_case"].get(scope, {})
    return row.get(kpi)


def nest(flat: dict[tuple[str, str], Any]) -> dict[str, Any]:
    """{(scope, kpi): x} -> {"overall": {kpi: x}, "by_use_case": {scope: {kpi: x}}}."""
    out: dict[str, Any] = {"overall": {}, "by_use_case": {}}
    for (scope, kpi), value in flat.items():
        row = out["overall"] if scope == "overall" else out["by_use_case"].setdefault(scope, {})
        row[kpi] = value
    return out


def summarise(kpis: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """Replications' KPI tables -> {"overall": {KPI: {mean, ci_low, ci_high, n}}, "by_use_case"}."""
    return nest({(s, k): mean_ci([kpi_value(t, s, k) for t in kpis]) for s, k in kpi_names(kpis)})


# --- replications -----------------------------------------------------------------------------


SEED_RULE = "replication r: SeedSequence(seed).spawn(r + 1)[r].generate_state(1, uint64)[0] >> 1"


def replication_seed(seed: int, replication: int) -> int:
    """The seed of replication r: `SeedSequence(seed).spawn(r + 1)[r]`'s first 64-bit word, shifted
    right one bit to fit a scenario seed (0 <= seed < 2**63). Independent of how many run."""
    child = np.random.SeedSequence(seed, spawn_key=(replication,))
    return int(child.generate_state(1, np.uint64)[0] >> np.uint64(1))


@dataclass(frozen=True, slots=True)
class ExperimentResult:
    """A replicated run, a group or a sweep, once written."""

    out_dir: Path
    kpis: dict[str, Any]  # the summary written to kpis.json (summary.json for a sweep)
    manifest: dict[str, Any]
    outcome: TaskOutcome


def replication_tasks(scenario: Scenario, out_dir: Path, replications: int) -> list[PracticeTask]:
    tasks = []
    for r in range(replications):
        seed = replication_seed(scenario.seed, r)
        tasks.append(
            PracticeTask(
                f"replications/r{r:03d}",
                f"replication {r}, seed {seed}",
                scenario.model_copy(update={"seed": seed}),
                out_dir,
            )
        )
    return tasks


def run_replications(
    scenario: Scenario,
    out_dir: Path,
    replications: int,
    executor: Executor | None = None,
    resume: bool = False,
    progress: Progress | None = None,
) -> ExperimentResult:
    """Run `replications` independent replications and write DIR/kpis.json with 95 % intervals.

    Layout: DIR/run.json ("kind": "replicated"), DIR/kpis.json, DIR/replications/r000/ ... (each
    a single-run directory). run.json is written last.
    """
    if scenario.group is not None:
        raise InputError(
            "--replications: a group scenario (group:) is not replicated; "
            "run it with other --seed values instead"
        )
    if replications < 1:
        raise InputError(f"--replications: expected at least 1, found {replications}")
    executor = executor or Executor()
    tasks = replication_tasks(scenario, out_dir, replications)
    begin_experiment(out_dir, tasks)
    outcome = run_tasks(tasks, executor, resume, progress)
    records = outcome.in_order(tasks)
    summary = summarise([r["kpis"] for r in records])
    return finish_experiment(
        out_dir, summary, scenario, records, outcome, executor,
        {"kind": "replicated", "replications": replications, "seed_rule": SEED_RULE,
         "seeds": [t.scenario.seed for t in tasks], "confidence": CONFIDENCE},
    )  # fmt: skip


def finish_experiment(
    out_dir: Path, kpis: dict[str, Any], scenario: Scenario, records: Sequence[dict[str, Any]],
    outcome: TaskOutcome, executor: Executor, fields: dict[str, Any],
    files: Sequence[str] = (),
) -> ExperimentResult:  # fmt: skip
    """Write a replicated run's or a group's kpis.json, then its run.json (last: a run.json
    means the directory is complete); `fields` are the kind's own manifest fields, `files` the
    other files it wrote in DIR."""
    manifest = {
        "format_version": FORMAT_VERSION,
        **fields,
        "scenario": scenario.resolved(),
        "seed": scenario.seed,
        "versions": package_versions(),
        "event_counts": summed_counts(records),
        "failures": [failure_entry(f) for f in outcome.failures],
        "resumed_tasks": outcome.resumed,
        "warnings": gathered_warnings(records),
        "executor": executor.describe(),
        "timings_s": {"total": outcome.wall_s},
        "files": [*files, "kpis.json"],
        "runs": listed_runs(records),
    }
    write_json(kpis, out_dir / "kpis.json")
    write_json(manifest, out_dir / "run.json")
    return ExperimentResult(out_dir, kpis, manifest, outcome)


def gathered_warnings(records: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """run.json's `warnings` of a many-run result: each practice-year's, with its folder."""
    return [{"run": r["key"], **w} for r in records for w in r.get("warnings", [])]


def listed_runs(records: Iterable[dict[str, Any]]) -> list[dict[str, str]]:
    """run.json's `runs`: the folder and label of every finished practice-year, in task order."""
    return [{"dir": r["key"], "label": r["label"]} for r in records]


def begin_experiment(out_dir: Path, tasks: Sequence[PracticeTask]) -> None:
    """Ready DIR before any task runs (dentsim.results.rundir.prepare_run_dir): refuse a folder that is not a
    dentsim result, drop its run.json (written again when the run completes) and every file of a
    previous run, except the folders of `tasks` (a resumed run reuses the finished ones; the
    others are rewritten)."""
    prepare_run_dir(out_dir, keep=[t.task_dir for t in tasks])


def summed_counts(records: Iterable[dict[str, Any]]) -> dict[str, int]:
    total: dict[str, int] = {}
    for record in records:
        for name, n in record["event_counts"].items():
            total[name] = total.get(name, 0) + int(n)
    return total


def failure_entry(failure: TaskFailure) -> dict[str, str]:
    return {"task": failure.key, "label": failure.label, "error": failure.error}
