"""Array steps the audit's modules share: dictionary codes, keyed look-ups, window counts."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc


def encode(arr: pa.Array) -> tuple[np.ndarray, list[str]]:
    """Dictionary codes of a string array, and the values they index."""
    enc = pc.dictionary_encode(arr)
    return enc.indices.to_numpy(zero_copy_only=False).astype(np.int64), enc.dictionary.to_pylist()


def codes_of(arr: pa.Array, values: Sequence[str]) -> np.ndarray:
    """Each string's position in `values` (every string must be one of them)."""
    idx, found = encode(arr)
    lut = np.array([values.index(v) for v in found] + [0], np.int64)
    return lut[idx] if len(idx) else idx


def lookup(
    sorted_keys: np.ndarray, order: np.ndarray, wanted: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Row of each wanted key in a table (via its sort), and whether it was found."""
    if len(sorted_keys) == 0:
        return np.zeros(len(wanted), np.int64), np.zeros(len(wanted), bool)
    pos = np.clip(np.searchsorted(sorted_keys, wanted), 0, len(sorted_keys) - 1)
    found = sorted_keys[pos] == wanted
    return order[pos], found


def missing_ids(path: Path, col: str, ids: np.ndarray, found: np.ndarray, other: str) -> str:
    """'FILE: column 'C': K ids not in OTHER (e.g. ...)' for the ids not found."""
    missing = np.unique(ids[~found])
    shown = ", ".join(str(int(i)) for i in missing[:3])
    return f"{path}: column '{col}': {len(missing)} ids not in {other} (e.g. {shown})"


def window_counts(group: np.ndarray, value: np.ndarray, t: np.ndarray, width: int) -> np.ndarray:
    """For each row: how many rows of its group have value in (value - width, value], itself
    included, counting only rows ordered before it by (value, t, position)."""
    n = len(group)
    if n == 0:
        return np.zeros(0, np.int64)
    dense = np.unique(group, return_inverse=True)[1].reshape(-1).astype(np.int64)
    order = np.lexsort((np.arange(n), t, value, dense))
    v = value[order].astype(np.int64)
    v0 = int(v.min())
    span = int(v.max()) - v0 + width + 1
    key = dense[order] * span + (v - v0)
    first = np.searchsorted(key, key - (width - 1), side="left")
    counts = np.empty(n, np.int64)
    counts[order] = np.arange(n) - first + 1
    return counts
