"""Named random streams spawned from one SeedSequence.

Every consumer asks for its stream by name (and practice index), so adding a draw in one
stream never shifts another. Streams a strategy cannot perturb (population, traits) give
two strategies the same patients: common random numbers.
"""

from __future__ import annotations

import zlib

import numpy as np

POPULATION = "population"
TRAITS = "traits"
TELEPHONY = "telephony"
DIALOGUE = "dialogue"
BOOK = "book"


def stream(seed: int, name: str, practice_index: int = 0) -> np.random.Generator:
    """The generator for stream `name` of practice `practice_index` under `seed`."""
    key = (practice_index, zlib.crc32(name.encode()))
    return np.random.Generator(np.random.PCG64(np.random.SeedSequence(seed, spawn_key=key)))
