"""Benchmark: playing answered calls, in CPU microseconds per call, turn by turn and compiled.

Builds N calls (default 5,000) like a practice-year's: the purposes, who answers, the
persona mix, the patient's decisions and traits, three offered slots on booking calls, names
from Faker's lists. Each run plays them all with fresh patients; the modes (turn by turn;
compiled with words; compiled without words, as when transcripts are not written) alternate,
and the median of the runs is printed; apart, each mode's first run in a fresh process (its
caches cold, as in a practice-year's run). The modes' results are checked equal first.
Targets (issue 14): compiled, at most 20 µs per call without words and 60 µs with.

    python bench/bench_dialogue.py [--calls 5000] [--runs 7] [--seed 1]
"""

from __future__ import annotations

import argparse
import gc
import statistics
import subprocess
import sys
import time
from collections.abc import Callable

import numpy as np
from faker.providers.person.en_US import Provider as English
from faker.providers.person.es_MX import Provider as Spanish

from dentsim.agents.dialogue import play_call, play_turns
from dentsim.agents.patients import SteeredPatient, make_patient, pick_persona
from dentsim.agents.persona_files import load_personas
from dentsim.agents.protocol import (
    CallContext,
    CallResult,
    Decisions,
    Patient,
    PatientTraits,
    PatientView,
    Slot,
)
from dentsim.agents.scripted import scripted_agent

# shares of a baseline practice-year's played calls (issue 14's capture of 4,761 calls)
PURPOSES = {
    ("recall",): 0.447, ("treatment_plan",): 0.221, ("confirmation",): 0.2,
    ("reactivation",): 0.081, ("post_op",): 0.041, ("recall", "treatment_plan"): 0.01,
}  # fmt: skip
ANSWERED_BY = {"patient": 0.922, "household": 0.076, "stranger": 0.002}
BOOKING = ("recall", "reactivation", "treatment_plan")
DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday")


def calls(n: int, seed: int) -> list[tuple[str, str, PatientTraits, Decisions | None, CallContext]]:
    """n calls: (persona, answered by, traits, decisions, context)."""
    rng = np.random.default_rng(seed)
    personas = load_personas()
    names = {
        "en": [*English.first_names_female, *English.first_names_male],
        "es": [*Spanish.first_names_female, *Spanish.first_names_male],
    }
    purposes = list(PURPOSES)
    out = []
    for _ in range(n):
        purpose = purposes[rng.choice(len(purposes), p=list(PURPOSES.values()))]
        answered_by = str(rng.choice(list(ANSWERED_BY), p=list(ANSWERED_BY.values())))
        language = "es" if rng.random() < 0.09 else "en"
        persona = pick_persona(answered_by, language, rng, personas)
        booking = any(p in BOOKING for p in purpose)
        decisions = None
        if answered_by == "patient":
            decisions = Decisions(
                opt_out=None
                if rng.random() > 0.012
                else ("hard" if rng.random() < 0.2 else "soft"),
                accept=booking and rng.random() < 0.1,
                confirm=rng.random() < 0.85,
                red_flag=rng.random() < 0.05,
            )
        slots = ()
        if booking and answered_by == "patient":
            slots = tuple(
                Slot(f"hygiene:{d}:{s}", f"{DAYS[d % 5]}, January {d + 5} at {s % 9 + 8}:00 am")
                for d, s in zip(range(2, 5), rng.integers(0, 16, 3), strict=True)
            )
        view = PatientView(
            str(rng.integers(1, 5000)), str(rng.choice(names[language])), "Lopez",
            f"{rng.integers(1940, 2010)}-{rng.integers(1, 13):02d}-{rng.integers(1, 29):02d}",
            language, appointment="Tuesday, January 6 at 11:00 am" if "confirmation" in purpose else "",
        )  # fmt: skip
        context = CallContext("Port Curtisberg Dental Care", "669-555-0159", purpose, view, slots)
        traits = PatientTraits(
            float(rng.uniform(0.1, 0.9)), float(rng.uniform(0, 0.5)),
            float(rng.uniform(0.05, 0.5)), 0.03,
        )  # fmt: skip
        out.append((persona, answered_by, traits, decisions, context))
    return out


def one_run(
    specs: list[tuple[str, str, PatientTraits, Decisions | None, CallContext]],
    play: Callable[..., CallResult],
    seed: int,
    keep: bool = False,
) -> tuple[float, list[CallResult]]:
    """CPU seconds to play every call with fresh patients and one generator, as the engine
    does (and the results, with `keep`; else they are dropped as the engine drops them).

    The agent is the process's one (the engine's is too); what was built before the calls
    is frozen out of the garbage collector's passes, so they count only the calls' own.
    """
    agent = AGENT
    personas = load_personas()
    people: list[Patient] = []
    for persona, _, traits, decisions, _ in specs:
        person = make_patient(persona, traits, personas)
        people.append(person if decisions is None else SteeredPatient(person, decisions))
    rng = np.random.default_rng(seed)
    results = []
    gc.collect()
    gc.freeze()
    start = time.process_time()
    for person, spec in zip(people, specs, strict=True):
        result = play(agent, person, spec[4], rng)
        if keep:
            results.append(result)
    seconds = time.process_time() - start
    gc.unfreeze()
    return seconds, results


AGENT = scripted_agent()
MODES: dict[str, Callable[..., CallResult]] = {
    "turn by turn": play_turns,
    "compiled, words": play_call,
    "compiled, no words": lambda *a: play_call(*a, words=False),
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=5_000)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--cold", choices=list(MODES), help="one run in this process, printed")
    args = parser.parse_args()
    specs = calls(args.calls, args.seed)
    if args.cold:
        print(one_run(specs, MODES[args.cold], args.seed)[0])
        return
    first = {}
    for name in MODES:  # each in a fresh process, before this one warms any cache
        command = [sys.executable, __file__, "--calls", str(args.calls), "--seed", str(args.seed)]
        done = subprocess.run(
            [*command, "--cold", name], capture_output=True, text=True, check=True
        )
        first[name] = float(done.stdout)
    reference = one_run(specs, play_turns, args.seed, keep=True)[1]
    assert one_run(specs, play_call, args.seed, keep=True)[1] == reference, "compiled ones differ"
    seconds: dict[str, list[float]] = {name: [] for name in MODES}
    for run in range(args.runs):
        for name, play in MODES.items():
            seconds[name].append(one_run(specs, play, args.seed + 1 + run)[0])
    lines = sum(len(r.turns) for r in reference)
    print(f"{args.calls} calls, {lines / args.calls:.1f} transcript lines per call, CPU time")
    print(f"{'µs per call':20} {'cold':>8} {f'median of {args.runs}':>13}")
    for name in MODES:
        median = statistics.median(seconds[name]) / args.calls * 1e6
        print(f"{name:20} {first[name] / args.calls * 1e6:8.1f} {median:13.1f}")


if __name__ == "__main__":
    main()
