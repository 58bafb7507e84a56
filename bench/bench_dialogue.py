"""Benchmark: the scripted agent against personas, in microseconds per dialogue turn.

Plays N calls (default 20,000) spread over the use cases and personas, five times, and
prints the median. A "turn" is one line of the transcript (agent or patient); the figure
per agent turn (one exchange) is printed too. Target: at most 50 µs per turn.

    python bench/bench_dialogue.py [--calls 20000] [--runs 5]
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np

from dentsim.agents.dialogue import play_call
from dentsim.agents.patients import PersonaPatient
from dentsim.agents.persona_files import load_personas
from dentsim.agents.protocol import CallContext, PatientTraits, PatientView, Slot
from dentsim.agents.scripted import scripted_agent

PURPOSES = [
    ("recall",),
    ("reactivation",),
    ("confirmation",),
    ("post_op",),
    ("treatment_plan",),
    ("recall", "treatment_plan"),
]


def contexts() -> list[CallContext]:
    slots = tuple(Slot(f"slot-{i}", f"{day} at {hour}") for i, (day, hour) in enumerate(
        [("Tuesday, April 14", "9:30 am"), ("Wednesday, April 15", "2 pm"), ("Thursday, April 16", "11 am"),
         ("Friday, April 17", "8 am"), ("Monday, April 20", "3:30 pm"), ("Tuesday, April 21", "10 am")]
    ))  # fmt: skip
    out = []
    for purposes in PURPOSES:
        for language in ("en", "es"):
            patient = PatientView(
                "p-1",
                "Maria",
                "Lopez",
                "1985-03-03",
                language,
                "crown",
                "Thursday at 10:30 am",
                "Dr. Patel",
            )
            out.append(
                CallContext(
                    "Bright Smiles Dental",
                    "(208) 555-0100",
                    purposes,
                    patient,
                    slots,
                    "healthcare_consent",
                )
            )
    return out


def one_run(n_calls: int, seed: int) -> tuple[float, int, int]:
    """Seconds spent, transcript lines and agent turns, for n_calls calls."""
    agent = scripted_agent()
    personas = list(load_personas().personas.values())
    ctxs = contexts()
    rng = np.random.default_rng(seed)
    traits = [
        PatientTraits(float(r), float(f), float(b))
        for r, f, b in rng.uniform([0, 0, 0.05], [1, 1, 0.6], (64, 3))
    ]
    lines = agent_turns = 0
    start = time.perf_counter()
    for i in range(n_calls):
        patient = PersonaPatient(personas[i % len(personas)], traits[i % len(traits)])
        result = play_call(agent, patient, ctxs[i % len(ctxs)], rng)
        if result.error:
            raise RuntimeError(f"call {i}: {result.error}")
        lines += len(result.turns)
        agent_turns += sum(1 for t in result.turns if t.speaker == "agent")
    return time.perf_counter() - start, lines, agent_turns


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=20_000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    one_run(500, seed=0)  # warm the caches (scripts compiled, personas loaded)
    per_line, per_exchange, calls_per_s = [], [], []
    for run in range(args.runs):
        seconds, lines, agent_turns = one_run(args.calls, seed=run + 1)
        per_line.append(seconds / lines * 1e6)
        per_exchange.append(seconds / agent_turns * 1e6)
        calls_per_s.append(args.calls / seconds)
    print(
        f"{args.calls} calls x {args.runs} runs, {lines / args.calls:.1f} transcript lines per call"
    )
    print(f"median µs per turn (transcript line): {statistics.median(per_line):.1f}")
    print(f"median µs per agent turn (exchange):  {statistics.median(per_exchange):.1f}")
    print(f"median calls per second:             {statistics.median(calls_per_s):,.0f}")


if __name__ == "__main__":
    main()
