"""Fingerprint of one practice-year's output: every event table and transcript, hashed.

    .venv/bin/python bench/fingerprint.py [SCENARIO]

Prints one hash with every answered call played and one with `dialogue.play: false`. An
optimisation that must not change behaviour must not change either hash: run it before and
after the change (same scenario, same seed) and compare. Not a test: the hashes change,
rightly, whenever the model does.
"""

from __future__ import annotations

import argparse
import hashlib
import json
from pathlib import Path

from dentsim.scenario import apply_overrides, load_scenario
from dentsim.simulation.engine import simulate_practice

ROOT = Path(__file__).resolve().parents[1]


def fingerprint(scenario_path: str, play: bool) -> tuple[str, int]:
    scenario = apply_overrides(load_scenario(scenario_path), {"dialogue.play": play})
    run = simulate_practice(scenario)
    digest = hashlib.sha256()
    for name in sorted(run.tables):
        digest.update(name.encode())
        digest.update(repr(run.tables[name].to_pydict()).encode())
    digest.update(json.dumps(run.transcripts, sort_keys=True).encode())
    return digest.hexdigest()[:16], run.tables["attempts"].num_rows


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("scenario", nargs="?", default=str(ROOT / "scenarios" / "baseline.yaml"))
    args = parser.parse_args()
    for play in (True, False):
        digest, attempts = fingerprint(args.scenario, play)
        words = "every answered call played" if play else "outcomes only"
        print(f"{digest}  {attempts} attempts  ({words})")


if __name__ == "__main__":
    main()
