"""Named random streams spawned from one SeedSequence.

Every consumer asks for its stream by name (and practice index), so adding a draw in one
stream never shifts another. Streams a strategy cannot perturb (population, traits) give
two strategies the same patients: common random numbers.
"""

from __future__ import annotations

import bisect
import math
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


class Draws:
    """A named stream with a fast path for the scalar draws the per-contact code makes.

    Uniforms are drawn from the generator in blocks and handed out one by one: a Python
    float from a list costs a tenth of a `Generator.random()` call. Deterministic: the same
    calls in the same order give the same numbers.
    """

    __slots__ = ("gen", "_block", "_next")

    BLOCK = 4096

    def __init__(self, gen: np.random.Generator):
        self.gen = gen
        self._block: list[float] = []
        self._next = self.BLOCK  # the first draw fills the first block

    def random(self) -> float:
        """A uniform draw in [0, 1)."""
        i = self._next
        if i == self.BLOCK:
            self._block = self.gen.random(self.BLOCK).tolist()
            i = 0
        self._next = i + 1
        return self._block[i]

    def random3(self) -> tuple[float, float, float]:
        """Three uniform draws, as three calls of `random` would give them."""
        i = self._next
        if i + 3 <= self.BLOCK:
            self._next = i + 3
            block = self._block
            return block[i], block[i + 1], block[i + 2]
        return self.random(), self.random(), self.random()

    def integers(self, low: int, high: int) -> int:
        """A whole number in [low, high)."""
        return low + int(self.random() * (high - low))

    def exponential(self, mean: float) -> float:
        return -mean * math.log(1.0 - self.random())

    def lognormal_median(self, median: float, sigma: float) -> float:
        return float(median * math.exp(sigma * float(self.gen.standard_normal())))

    def gamma(self, shape: float, scale: float) -> float:
        return float(self.gen.gamma(shape, scale))

    def pick(self, cumulative: list[float]) -> int:
        """An index drawn with the probabilities whose running sums are `cumulative`."""
        return bisect.bisect_right(cumulative, self.random() * cumulative[-1])


def draws(seed: int, name: str, practice_index: int = 0) -> Draws:
    return Draws(stream(seed, name, practice_index))
