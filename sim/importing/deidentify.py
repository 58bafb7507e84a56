"""De-identification: what replaces each identifying value of an export.

Names are drawn from the Faker lists the generator uses, never one of the export's own names;
a birth date keeps the age in whole years at the export date, never one of the export's own
birth dates; every phone number becomes a fictional one (`fictional_numbers`).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import date, timedelta

import numpy as np

from dentsim.data import area_codes, codes_by_state
from dentsim.domain.population import FICTION_LINES, word_lists
from dentsim.errors import InputError

# Beyond the fiction range: the rest of the 555 exchange (0200-9999), directory assistance
# (555-1212) aside; used only when every rule-equivalent area code's fiction range is taken.
BEYOND_FICTION = np.array([n for n in range(200, 10_000) if n != 1212])


def fictional_numbers(
    numbers: Iterable[str], avoid: set[str], rng: np.random.Generator
) -> tuple[dict[str, str], int]:
    """Each distinct real number (ten digits) -> a distinct `NPA-555-LLLL`, and how many took a
    line beyond the fiction range.

    A number takes, in order: a free line of its own area code's fiction range (555-0100..0199,
    in a shuffled order); else a free fiction line of another area code with the same state and
    the same time zones (every rule reads the same place from it); else the next free line of
    its own code beyond the fiction range (555-0200.., never 555-1212). No output is ever one of
    the export's own numbers (`avoid`), so distinct stays distinct and shared stays shared.
    """
    table = area_codes()
    by_code: dict[str, list[str]] = defaultdict(list)
    for n in sorted(set(numbers)):
        by_code[n[:3]].append(n)
    free: dict[str, list[int]] = {}

    def fiction(code: str) -> list[int]:
        if code not in free:
            lines = rng.permutation(FICTION_LINES)
            free[code] = [int(x) for x in lines if f"{code}5550{x}" not in avoid][::-1]
        return free[code]

    out: dict[str, str] = {}
    waiting: list[str] = []
    for code in sorted(by_code):
        lines = fiction(code)
        for n in by_code[code]:
            if lines:
                out[n] = f"{code}-555-0{lines.pop()}"
            else:
                waiting.append(n)
    beyond = 0
    next_beyond: dict[str, int] = defaultdict(int)
    for n in waiting:
        code = n[:3]
        twins = [
            c
            for c in codes_by_state()[table[code].state]
            if c != code and table[c].zones == table[code].zones
        ]
        twin = next((c for c in twins if fiction(c)), None)
        if twin is not None:
            out[n] = f"{twin}-555-0{fiction(twin).pop()}"
            continue
        i = next_beyond[code]
        while i < len(BEYOND_FICTION) and f"{code}555{BEYOND_FICTION[i]:04d}" in avoid:
            i += 1
        if i >= len(BEYOND_FICTION):
            raise InputError(
                f"area code {code}: more distinct numbers than dentsim can stand in for"
            )
        out[n] = f"{code}-555-{BEYOND_FICTION[i]:04d}"
        next_beyond[code] = i + 1
        beyond += 1
    return out, beyond


def _without(
    words: np.ndarray, p: np.ndarray | None, taken: set[str]
) -> tuple[np.ndarray, np.ndarray | None]:
    keep = np.array([w.lower() not in taken for w in words.tolist()])
    if not keep.any():  # the export used every name of the list: coincidence is all that is left
        return words, p
    kept = words[keep]
    if p is None:
        return kept, None
    q = p[keep]
    return kept, q / q.sum()


def names(
    sex: np.ndarray, spanish: np.ndarray, household: np.ndarray, first_taken: set[str],
    last_taken: set[str], rng: np.random.Generator,
) -> tuple[np.ndarray, np.ndarray]:  # fmt: skip
    """First and last names: a last name per household, a first name per patient, from the
    en_US or es_MX lists (Spanish-speaking patients), none of them a name of the export."""
    w = word_lists()
    first_taken = last_taken = first_taken | last_taken  # 'Thomas' is a first and a last name
    lists = {
        ("F", False): _without(w.first_female, w.p_first_female, first_taken),
        ("M", False): _without(w.first_male, w.p_first_male, first_taken),
        ("F", True): _without(w.es_first_female, None, first_taken),
        ("M", True): _without(w.es_first_male, None, first_taken),
    }
    last_en, p_last_en = _without(w.last, w.p_last, last_taken)
    last_es, _ = _without(w.es_last, None, last_taken)
    n = len(sex)
    first = np.empty(n, dtype=object)
    for (s, es), (words, p) in lists.items():
        mask = (sex == s) & (spanish == es)
        first[mask] = words[rng.choice(len(words), size=int(mask.sum()), p=p)]
    households = int(household.max()) + 1 if n else 0
    h_spanish = np.zeros(households, dtype=bool)
    h_spanish[household[spanish]] = True
    last_h = np.where(
        h_spanish,
        last_es[rng.integers(0, len(last_es), households)],
        last_en[rng.choice(len(last_en), size=households, p=p_last_en)],
    )
    return first.astype(str), last_h[household].astype(str)


def _years_before(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def age_on(birth: date, on: date) -> int:
    return on.year - birth.year - ((on.month, on.day) < (birth.month, birth.day))


def birth_date_for(age: int, on: date, avoid: set[date], rng: np.random.Generator) -> date:
    """A birth date giving `age` whole years on `on`, never one of the export's birth dates."""
    latest = _years_before(on, age)
    earliest = _years_before(on, age + 1) + timedelta(days=1)
    span = (latest - earliest).days + 1
    start = int(rng.integers(0, span))
    for k in range(span):
        d = earliest + timedelta(days=(start + k) % span)
        if d not in avoid:
            return d
    return earliest + timedelta(days=start)  # every day of the year was a birthday of the export
