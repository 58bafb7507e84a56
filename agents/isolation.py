"""Play conformance cases in a worker process, so that an agent that hangs, exits or crashes fails
its case and never the harness.

Why a process, and not `signal.alarm`: a Python call cannot be stopped from outside its thread.
An alarm interrupts only the main thread of a POSIX process, between two bytecodes, by raising
an exception the agent can catch (`except BaseException: pass` in a retry loop) and never sees
while it waits in C code (a socket without a timeout, a lock); and nothing in the process
survives an agent that calls `os._exit()` or crashes the interpreter. A process boundary holds
against all of these: the harness kills the worker and carries on.

One worker serves the cases in order, so starting it is paid once (milliseconds with `fork` on
Linux; about a second with `spawn` elsewhere). The worker imports the agent itself
(MODULE:FACTORY): the harness process never runs a line of the agent's code. When a case runs
past its time, or the worker dies, the worker is killed, that case fails saying why, and a fresh
worker takes the next case. A worker dies with the harness (Linux: the kernel kills it when the
harness dies; elsewhere it checks every second), so a killed `dentsim agent-test` leaves no
agent spinning.
"""

from __future__ import annotations

import contextlib
import ctypes
import multiprocessing
import os
import signal
import sys
import threading
import time
from collections.abc import Sequence
from multiprocessing.connection import Connection
from typing import Any

from dentsim.agents.conformance.cases import Case
from dentsim.agents.conformance.suite import CaseResult, failed_case, run_case
from dentsim.agents.dialogue import describe
from dentsim.agents.loading import load_factory
from dentsim.errors import InputError

# fork starts a worker in milliseconds and shares the loaded cases; where fork is unsafe
# (macOS system libraries) or missing (Windows), spawn starts a fresh interpreter.
START_METHOD = "fork" if sys.platform.startswith("linux") else "spawn"
STARTUP_S = 120.0  # for a worker to start: dentsim's own imports, not the agent's code
_PR_SET_PDEATHSIG = 1  # linux/prctl.h


def run_isolated(
    agent_ref: str, cases: Sequence[Case], *, max_turns: int = 30, case_timeout_s: float = 60.0
) -> list[CaseResult]:
    """Every case, in order, each given at most `case_timeout_s` in a worker process.

    Loading the agent (importing its module and calling its factory once, see
    `dentsim.agents.loading.load_factory`) gets `case_timeout_s` too. A reference that does not load
    is bad input (InputError) the first time; later, when a fresh worker cannot load it, the
    case it was started for fails.
    """
    results: list[CaseResult] = []
    worker: _Worker | None = None
    loaded = False
    try:
        for index, case in enumerate(cases):
            if worker is None:
                worker = _Worker(agent_ref, cases, max_turns)
                problem = worker.load(case_timeout_s)
                if problem:
                    worker.stop()
                    worker = None
                    if not loaded:
                        raise InputError(f"{agent_ref}: {problem}")
                    results.append(failed_case(case, problem))
                    continue
                loaded = True
            played = worker.play(index, case_timeout_s)
            if isinstance(played, str):
                worker.stop()
                worker = None
                results.append(failed_case(case, played))
            else:
                results.append(CaseResult(case, *played))
    finally:
        if worker is not None:
            worker.stop()
    return results


class _Worker:
    """One worker process and the harness's end of its pipe."""

    def __init__(self, agent_ref: str, cases: Sequence[Case], max_turns: int):
        context: Any = multiprocessing.get_context(START_METHOD)
        self.agent_ref = agent_ref
        self.conn, child_end = context.Pipe()
        self.process = context.Process(
            target=_serve,
            args=(child_end, self.conn, os.getpid(), agent_ref, list(cases), max_turns),
            name="dentsim agent-test worker",
        )
        self.process.start()
        child_end.close()

    def load(self, timeout_s: float) -> str:
        """Wait for the worker to load the agent: "" when it did, else why not."""
        started = self._receive(STARTUP_S)
        if not isinstance(started, tuple):
            return f"the worker process did not start ({started})"
        loaded = self._receive(timeout_s)
        if loaded is None:
            module, _, factory = self.agent_ref.partition(":")
            return (
                f"loading the agent (importing {module} and calling {factory} once) did not "
                f"finish within {timeout_s:g} s (--case-timeout)"
            )
        if isinstance(loaded, str):
            return f"loading the agent: {loaded}"
        if loaded[0] == "input_error":
            raise InputError(loaded[1])
        return ""

    def play(self, index: int, timeout_s: float) -> tuple[Any, Any] | str:
        """(call, checks) of case `index`, or why the worker could not give them."""
        try:
            self.conn.send(("case", index))
        except OSError:
            return self._lost()
        answer = self._receive(timeout_s)
        if answer is None:
            return (
                f"the case did not finish within {timeout_s:g} s (--case-timeout); "
                "the agent was stopped"
            )
        if isinstance(answer, str):
            return answer
        if answer[0] == "input_error":
            raise InputError(answer[1])
        if answer[0] == "failed":
            return str(answer[1])
        return answer[1], answer[2]

    def _receive(self, timeout_s: float) -> tuple[Any, ...] | str | None:
        """The worker's next message; None after `timeout_s`; a string when the worker died."""
        try:
            if not self.conn.poll(timeout_s):
                return None
            message: tuple[Any, ...] = self.conn.recv()
        except (EOFError, OSError):
            return self._lost()
        return message

    def _lost(self) -> str:
        self.process.join(5)
        code = self.process.exitcode
        if code is not None and code < 0:
            try:
                name = signal.Signals(-code).name
            except ValueError:
                name = f"signal {-code}"
            return f"the agent's process was killed by {name}"
        return f"the agent ended its process (exit code {code})"

    def stop(self) -> None:
        """End the worker at once, whatever it is doing."""
        with contextlib.suppress(OSError):
            self.conn.close()
        if self.process.is_alive():
            self.process.kill()
        self.process.join(5)


def _serve(
    conn: Connection,
    harness_end: Connection,
    harness_pid: int,
    agent_ref: str,
    cases: list[Case],
    max_turns: int,
) -> None:
    """The worker: load the agent, then play the cases the harness asks for, until told to stop."""
    harness_end.close()  # with fork, the harness's end is inherited: EOF must reach us
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the harness's to handle
    _die_with(harness_pid)
    try:
        conn.send(("started",))
        try:
            factory = load_factory(agent_ref)
        except InputError as e:
            conn.send(("input_error", e.problems))
            return
        except BaseException as e:  # noqa: BLE001 - foreign code, GeneratorExit included
            conn.send(("input_error", [f"{agent_ref}: cannot load the agent: {describe(e)}"]))
            return
        conn.send(("loaded",))
        while True:
            try:
                message = conn.recv()
            except EOFError:  # the harness is done
                return
            try:
                result = run_case(cases[message[1]], factory, max_turns)
                conn.send(("result", result.call, result.checks))
            except InputError as e:  # e.g. a scripted agent's factory finding a bad script
                conn.send(("input_error", e.problems))
                return
            except BaseException as e:  # noqa: BLE001 - e.g. a return value that cannot pickle
                conn.send(("failed", f"the case could not be played: {describe(e)}"))
    except OSError:  # the harness closed the pipe: nobody is listening
        return
    finally:
        with contextlib.suppress(OSError):
            conn.close()


def _die_with(harness_pid: int) -> None:
    """End this worker when the harness ends, even while the agent spins."""
    if sys.platform.startswith("linux"):
        with contextlib.suppress(OSError, AttributeError):
            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
        if os.getppid() != harness_pid:  # the harness died before prctl took effect
            os._exit(1)
        return

    def watch() -> None:
        while os.getppid() == harness_pid:
            time.sleep(1.0)
        os._exit(1)

    threading.Thread(target=watch, name="dentsim harness watch", daemon=True).start()
