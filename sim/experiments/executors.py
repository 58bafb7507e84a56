"""Executors: where practice-year tasks run. A local process pool that survives lost workers, or
Dask distributed (a loopback LocalCluster or a running scheduler); workers end with their parent.

`run_tasks` never raises for a task: a task that fails every attempt is reported as a failure,
and every finished task's done.json record is handed back, whatever order they finished in.
"""

from __future__ import annotations

import contextlib
import ctypes
import logging
import multiprocessing
import os
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
from typing import Any, Literal

from dentsim.experiments.tasks import PracticeTask, finished_record, run_task

MAX_ATTEMPTS = 3  # a task is tried this often (exceptions and lost workers) before it is failed


@dataclass(frozen=True, slots=True)
class Executor:
    """Where tasks run: local processes, a loopback Dask LocalCluster, or a running scheduler.

    Attributes:
        kind: "local" (a process pool) or "dask".
        workers: processes (or Dask workers) to start; None: the number of cores.
        scheduler: tcp://HOST:PORT of a running Dask scheduler (implies Dask).
    """

    kind: Literal["local", "dask"] = "local"
    workers: int | None = None
    scheduler: str | None = None

    @property
    def n_workers(self) -> int:
        return self.workers or os.cpu_count() or 1

    def describe(self) -> str:
        if self.scheduler:
            return f"dask scheduler {self.scheduler}"
        return f"{self.kind}, {self.n_workers} worker{'s' if self.n_workers != 1 else ''}"


@dataclass(frozen=True, slots=True)
class TaskFailure:
    """A task that failed every attempt.

    Attributes:
        key: the task's key.
        label: the task's label.
        error: the last error, one line.
    """

    key: str
    label: str
    error: str


@dataclass(frozen=True, slots=True)
class TaskOutcome:
    """What running a list of tasks gave.

    Attributes:
        records: done.json of every finished task, by key.
        failures: the tasks that failed every attempt, in task order.
        resumed: tasks skipped because a checkpoint was found.
        wall_s: seconds from start to end.
        task_s: each finished task's own seconds, by key.
    """

    records: dict[str, dict[str, Any]]
    failures: tuple[TaskFailure, ...]
    resumed: int
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
        failures.append(TaskFailure(key=task.key, label=task.label, error=error))
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
        records=records,
        failures=tuple(failures),
        resumed=resumed,
        wall_s=round(time.perf_counter() - started, 3),
        task_s={k: float(r.get("elapsed_s", 0.0)) for k, r in records.items()},
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
