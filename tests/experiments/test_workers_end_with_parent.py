"""Workers end with their parent: killing `dentsim run --replications` (kill -9 or SIGTERM) leaves
no worker process and no multiprocessing resource tracker running, locally or on Dask."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest

from dentsim.experiments.executors import _watch_parent
from dentsim.scenario import Scenario, apply_overrides
from tests.conftest import ROOT
from tests.experiments.conftest import write_scenario

START_S = 60  # for the parent to start its workers (spawned interpreters importing numpy...)
END_S = 10  # for every process it started to end once it is killed


def running(processes: list[psutil.Process]) -> list[psutil.Process]:
    """The processes still running (a zombie has ended: it only waits to be reaped)."""
    out = []
    for p in processes:
        try:
            if p.is_running() and p.status() != psutil.STATUS_ZOMBIE:
                out.append(p)
        except psutil.NoSuchProcess:
            pass
    return out


def workers_of(parent: psutil.Process) -> list[psutil.Process]:
    try:
        children = parent.children(recursive=True)
        return [c for c in children if "spawn_main" in " ".join(c.cmdline())]
    except psutil.Error:
        return []


@pytest.mark.parametrize(
    ("executor", "sig"),
    [("local", signal.SIGKILL), ("local", signal.SIGTERM), ("dask", signal.SIGKILL)],
)
def test_killing_the_parent_ends_its_workers_and_the_resource_tracker(
    executor: str, sig: signal.Signals, tmp_path: Path, tiny: Scenario
) -> None:
    year = apply_overrides(tiny, {"days": 365, "population.patients": 600})
    scenario = write_scenario(tmp_path / "year.yaml", year)
    args = ["run", str(scenario), "--replications", "8", "--workers", "2", "--quiet"]
    args += ["--executor", executor, "--out", str(tmp_path / "out")]
    parent = subprocess.Popen(
        [sys.executable, "-m", "dentsim.cli", *args],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,  # its own process group, so the test can clean up whatever stays
    )
    try:
        me = psutil.Process(parent.pid)
        deadline = time.monotonic() + START_S
        while len(workers_of(me)) < 2 and time.monotonic() < deadline:
            time.sleep(0.1)
        assert len(workers_of(me)) == 2, "the parent did not start its two workers"
        started = me.children(recursive=True)  # the workers and the resource tracker
        os.kill(parent.pid, sig)
        parent.wait(timeout=END_S)
        deadline = time.monotonic() + END_S
        while running(started) and time.monotonic() < deadline:
            time.sleep(0.1)
        left = [" ".join(p.cmdline())[-70:] for p in running(started)]
        assert left == [], f"still running {END_S} s after the parent was killed"
    finally:
        parent.kill()
        parent.wait()
        with contextlib.suppress(ProcessLookupError):
            os.killpg(parent.pid, signal.SIGKILL)  # whatever the parent left behind


def test_where_the_kernel_cannot_watch_a_thread_ends_a_worker_whose_parent_is_gone(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    exits: list[int] = []
    monkeypatch.setattr(os, "_exit", exits.append)
    _watch_parent(parent_pid=-1, poll_s=0.0)  # no process has parent -1: the parent is gone
    assert exits == [1]
