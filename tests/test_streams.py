"""Named random streams and the buffered draws the per-contact code makes."""

from __future__ import annotations

import numpy as np

from dentsim.streams import Draws, draws, stream


def test_a_stream_is_the_same_for_the_same_seed_name_and_practice() -> None:
    assert (
        stream(7, "telephony", 3).random(5).tolist() == stream(7, "telephony", 3).random(5).tolist()
    )
    assert (
        stream(7, "telephony", 3).random(5).tolist() != stream(7, "telephony", 4).random(5).tolist()
    )
    assert (
        stream(7, "telephony", 3).random(5).tolist() != stream(7, "dialogue", 3).random(5).tolist()
    )


def test_buffered_draws_are_the_generators_own_numbers_in_order() -> None:
    d = draws(11, "book")
    n = Draws.BLOCK * 2 + 17  # across two block refills
    got = [d.random() for _ in range(n)]
    gen = stream(11, "book")
    expected = np.concatenate([gen.random(Draws.BLOCK) for _ in range(3)])[:n]
    assert got == expected.tolist()


def test_three_draws_at_once_equal_three_single_draws_across_a_block_edge() -> None:
    for offset in range(Draws.BLOCK - 5, Draws.BLOCK + 2):  # the edge falls inside the three
        single, triple = draws(3, "telephony"), draws(3, "telephony")
        for _ in range(offset):
            single.random()
            triple.random()
        assert triple.random3() == (single.random(), single.random(), single.random())
        assert triple.random() == single.random()  # and both go on from the same place
