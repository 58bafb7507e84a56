"""Synthetic practices and PMS-shaped patients, vectorised over Faker's own word lists.

Everything here is drawn from the `population` stream, which no strategy can perturb, so
two strategies run on the same patients. Phones are fictional `NXX-555-01XX` numbers with a
real area code (sim/data/area_codes.csv): no generated data set can ring a real phone.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import date
from functools import cache, lru_cache
from typing import Any

import numpy as np

from dentsim import streams
from dentsim.compliance.phi import packaged_terms
from dentsim.data import area_codes, codes_by_state
from dentsim.domain.imported import day_numbers, read_imported, strings
from dentsim.scenario import PopulationConfig, PracticeConfig, Scenario

FICTION_LINES = np.arange(100, 200)  # 555-0100 .. 555-0199, reserved for fiction in every NPA
PREFERRED_CONTACT = np.array(["wireless", "text", "home_phone", "email", "none"])
PRACTICE_NAME_FORMS = ("{last} Family Dentistry", "{city} Dental Care", "{last} & {last2} Dental")
MONTH_DAYS = 30.4375


@cache
def state_zone(state: str) -> str:
    """The zone most of a state's single-zone area codes use: the address zone of its residents."""
    counts: dict[str, int] = defaultdict(int)
    for code in codes_by_state()[state]:
        zones = area_codes()[code].zones
        for z in zones:
            counts[z] += 2 if len(zones) == 1 else 1
    return max(sorted(counts), key=lambda z: counts[z])


@dataclass(frozen=True, slots=True)
class WordLists:
    first_female: np.ndarray
    p_first_female: np.ndarray
    first_male: np.ndarray
    p_first_male: np.ndarray
    last: np.ndarray
    p_last: np.ndarray
    es_first_female: np.ndarray
    es_first_male: np.ndarray
    es_last: np.ndarray
    street_suffixes: np.ndarray
    city_prefixes: np.ndarray
    city_suffixes: np.ndarray
    zip_ranges: dict[str, tuple[int, int]]


def _weighted(words: object) -> tuple[np.ndarray, np.ndarray]:
    if isinstance(words, dict):
        names = np.array(list(words.keys()))
        weights = np.array(list(words.values()), dtype=float)
    else:
        names = np.array(list(words))  # type: ignore[call-overload]
        weights = np.ones(len(names))
    return names, weights / weights.sum()


@lru_cache(maxsize=1)
def word_lists() -> WordLists:
    """Faker's en_US and es_MX provider lists, as numpy arrays (read once per process)."""
    from faker.providers.address.en_US import Provider as Address
    from faker.providers.person.en_US import Provider as Person
    from faker.providers.person.es_MX import Provider as PersonEs

    ff, pff = _weighted(Person.first_names_female)
    fm, pfm = _weighted(Person.first_names_male)
    last, plast = _weighted(Person.last_names)
    return WordLists(
        ff, pff, fm, pfm, last, plast,
        np.array(PersonEs.first_names_female), np.array(PersonEs.first_names_male),
        np.array(PersonEs.last_names),
        np.array(Address.street_suffixes), np.array(Address.city_prefixes),
        np.array(Address.city_suffixes), dict(Address.states_postcode),
    )  # fmt: skip


@dataclass(frozen=True, slots=True)
class Practice:
    practice_id: int
    name: str
    street: str
    city: str
    state: str
    zip: str
    tz: str
    phone: str


@dataclass(frozen=True, slots=True)
class Patients:
    """One practice's patients as columns (index i is patient i of the practice).

    Days are scenario days (0 = start_date); negative days lie before the start.
    """

    patient_id: np.ndarray  # int64, unique across a run
    practice_id: np.ndarray  # int32
    first_name: np.ndarray
    last_name: np.ndarray
    birth_date: np.ndarray  # datetime64[D]
    sex: np.ndarray  # 'F' | 'M'
    household_id: np.ndarray  # int64
    guarantor_id: np.ndarray  # int64: the household's guarantor's patient_id
    street: np.ndarray
    city: np.ndarray
    state: np.ndarray
    zip: np.ndarray
    phone: np.ndarray
    phone_type: np.ndarray  # 'wireless' | 'landline'
    phone_shared: np.ndarray  # bool: the household's home phone
    phone_state: np.ndarray
    tz_address: np.ndarray
    tz_phone: np.ndarray  # IANA names joined by '|'
    language: np.ndarray  # 'en' | 'es'
    status: np.ndarray  # 'active' | 'inactive'
    perio: np.ndarray  # bool
    recall_interval_months: np.ndarray  # int8: 6, or 3 for perio maintenance
    recall_type: np.ndarray  # 'D1110' adult prophy | 'D1120' child prophy | 'D4910' perio maint.
    last_hygiene_day: np.ndarray  # int32
    recall_due_day: np.ndarray  # int32
    prebooked_day: np.ndarray  # int32: a visit already booked at the start, or -1
    preferred_contact: np.ndarray
    text_allowed: np.ndarray
    no_voicemail: np.ndarray  # confidential communication: no message on a machine
    consent_healthcare: np.ndarray  # gave this number to the practice
    consent_written: np.ndarray  # prior express written consent (marketing)
    do_not_call: np.ndarray  # on the practice's internal do-not-call list
    # an imported practice's accepted, unscheduled plans (US$, 0 for none; the day accepted);
    # None: the plans at the start are drawn (ClinicalConfig.share_unscheduled_plans_at_start)
    plan_value: np.ndarray | None = None  # float64
    plan_day: np.ndarray | None = None  # int32

    def __len__(self) -> int:
        return len(self.patient_id)

    @property
    def zones(self) -> list[tuple[str, ...]]:
        """Every candidate zone of each patient: the address's and the area code's."""
        return [
            tuple(sorted({a, *p.split("|")}))
            for a, p in zip(self.tz_address, self.tz_phone, strict=True)
        ]

    @property
    def states(self) -> list[tuple[str, ...]]:
        """Every candidate state of each patient: the address's and the area code's."""
        pairs = list(zip(self.state.tolist(), self.phone_state.tolist(), strict=True))
        states = {pair: tuple(sorted(set(pair))) for pair in set(pairs)}  # a few distinct pairs
        return [states[pair] for pair in pairs]


def _choose(
    rng: np.random.Generator, words: np.ndarray, n: int, p: np.ndarray | None = None
) -> np.ndarray:
    return words[rng.choice(len(words), size=n, p=p)]


def _phone_strings(codes: np.ndarray, lines: np.ndarray) -> np.ndarray:
    return np.char.add(np.char.add(codes.astype(str), "-555-0"), lines.astype(str))


class _NumberPool:
    """Hands out fictional numbers without repeats while an area code has any left."""

    def __init__(self, rng: np.random.Generator):
        self.rng = rng
        self.next_line: dict[str, int] = {}
        self.order: dict[str, np.ndarray] = {}

    def take(self, code: str) -> int:
        """A fresh line in `code`; when `code` is used up, a line reused from it."""
        if code not in self.order:
            self.order[code] = self.rng.permutation(FICTION_LINES)
            self.next_line[code] = 0
        i = self.next_line[code]
        self.next_line[code] = i + 1
        return int(self.order[code][i % len(FICTION_LINES)])

    def left(self, code: str) -> int:
        return len(FICTION_LINES) - self.next_line.get(code, 0)

    def take_near(self, code: str) -> tuple[str, int]:
        """A fresh line in `code`, or in another code of the same state once `code` is used up."""
        if self.left(code) <= 0:
            spare = [c for c in codes_by_state()[area_codes()[code].state] if self.left(c) > 0]
            if spare:
                code = spare[0]
        return code, self.take(code)


def _mix(mapping: Mapping[Any, float]) -> tuple[list[str], np.ndarray]:
    keys = sorted(mapping)
    weights = np.array([mapping[k] for k in keys], dtype=float)
    return keys, weights / weights.sum()


def generate_practice(
    cfg: PracticeConfig, rng: np.random.Generator, practice_id: int, pool: _NumberPool
) -> Practice:
    words = word_lists()
    last, last2 = _choose(rng, words.last, 2, words.p_last)
    city = (
        str(_choose(rng, words.city_prefixes, 1)[0])
        + " "
        + str(_choose(rng, words.first_male, 1, words.p_first_male)[0])
        + str(_choose(rng, words.city_suffixes, 1)[0])
    )
    form = PRACTICE_NAME_FORMS[int(rng.integers(len(PRACTICE_NAME_FORMS)))]
    name = cfg.name or form.format(
        last=_not_protected(words.last, str(last)),
        last2=_not_protected(words.last, str(last2)),
        city=city,
    )
    code = codes_by_state()[cfg.state][int(rng.integers(len(codes_by_state()[cfg.state])))]
    lo, hi = words.zip_ranges[cfg.state]
    street = f"{int(rng.integers(10, 9999))} {_choose(rng, words.last, 1, words.p_last)[0]} {_choose(rng, words.street_suffixes, 1)[0]}"
    return Practice(
        practice_id=practice_id,
        name=name,
        street=street,
        city=city,
        state=cfg.state,
        zip=f"{int(rng.integers(lo, hi + 1)):05d}",
        tz=state_zone(cfg.state),
        phone=f"{code}-555-0{pool.take(code)}",
    )


def _not_protected(words: np.ndarray, word: str) -> str:
    """`word`, or, when it is a protected term, the next word of the list that is not one.

    A practice's name is said in every voicemail and text: a generated "Bridges Family
    Dentistry" would name a procedure to whoever hears it (dentsim warns about a name set in
    the scenario; a generated one is kept clear). No draw is added, so every other practice
    and patient stays as it was.
    """
    terms = packaged_terms()
    if not terms.said(word):
        return word
    at = int(np.flatnonzero(words == word)[0])
    following = (str(words[(at + k) % len(words)]) for k in range(1, len(words)))
    return next(w for w in following if not terms.said(w))


def population_seed(scenario: Scenario) -> int:
    """The seed of the practice and its patients: `population.seed`, else the scenario's seed.

    Everything the practice is at the start comes from it (this module, the patients' traits,
    the plans and visits already in the PMS), so replications that keep it and vary the
    scenario's seed are the same practice with the same patients, and only what happens varies.
    """
    pinned = scenario.population.seed
    return scenario.seed if pinned is None else pinned


def practice_and_patients(scenario: Scenario, practice_index: int = 0) -> tuple[Practice, Patients]:
    """The scenario's practice and its patients: imported (`population.from`) or generated."""
    if scenario.population.from_ is not None:
        return load(scenario)
    return generate(scenario, practice_index)


def load(scenario: Scenario) -> tuple[Practice, Patients]:
    """The practice of `population.from` and its patients as exported, every date shifted by
    (start_date - exported_on): who is due, overdue and booked at day 0 is who was at export.

    The practice's name is the scenario's or generated, its phone a fictional one, as for a
    generated practice (drawn from the population seed); a group is refused, so it is practice 0.
    """
    assert scenario.population.from_ is not None
    imported = read_imported(scenario.population.from_, "population.from")
    exported_on = imported.profile.exported_on
    t = imported.patients
    rng = streams.stream(population_seed(scenario), streams.POPULATION, 0)
    pool = _NumberPool(rng)
    phones = set(t.column("phone").to_pylist())
    practice = generate_practice(scenario.practice, rng, 0, pool)
    code = practice.phone[:3]
    for _ in FICTION_LINES:  # the practice's own number is no patient's
        if practice.phone not in phones:
            break
        practice = replace(practice, phone=f"{code}-555-0{pool.take(code)}")
    shift = np.timedelta64(scenario.start_date - exported_on)
    col = t.column

    def days(name: str) -> np.ndarray:
        return day_numbers(col(name), exported_on)

    def flags(name: str) -> np.ndarray:
        return np.asarray(col(name).to_numpy(), dtype=bool)

    plan_value = col("plan_value_usd").to_numpy(zero_copy_only=False).astype(float)
    patients = Patients(
        patient_id=col("patient_id").to_numpy().astype(np.int64),
        practice_id=np.zeros(t.num_rows, dtype=np.int32),
        first_name=strings(col("first_name")),
        last_name=strings(col("last_name")),
        birth_date=col("birth_date").to_numpy().astype("datetime64[D]") + shift,
        sex=strings(col("sex")),
        household_id=col("household_id").to_numpy().astype(np.int64),
        guarantor_id=col("guarantor_id").to_numpy().astype(np.int64),
        street=strings(col("street")),
        city=strings(col("city")),
        state=strings(col("state")),
        zip=strings(col("zip")),
        phone=strings(col("phone")),
        phone_type=strings(col("phone_type")),
        phone_shared=flags("phone_shared"),
        phone_state=strings(col("phone_state")),
        tz_address=strings(col("tz_address")),
        tz_phone=strings(col("tz_phone")),
        language=strings(col("language")),
        status=strings(col("status")),
        perio=flags("perio"),
        recall_interval_months=col("recall_interval_months").to_numpy().astype(np.int8),
        recall_type=strings(col("recall_type")),
        last_hygiene_day=days("last_hygiene_date"),
        recall_due_day=days("recall_due_date"),
        prebooked_day=days("next_visit_date"),
        preferred_contact=strings(col("preferred_contact")),
        text_allowed=flags("text_allowed"),
        no_voicemail=flags("no_voicemail"),
        consent_healthcare=flags("consent_healthcare"),
        consent_written=flags("consent_written"),
        do_not_call=flags("do_not_call"),
        plan_value=np.nan_to_num(plan_value, nan=0.0),
        plan_day=days("plan_date"),
    )
    return practice, patients


def generate(scenario: Scenario, practice_index: int = 0) -> tuple[Practice, Patients]:
    """A practice and its patients for `scenario` (deterministic in its population seed and the
    practice index)."""
    rng = streams.stream(population_seed(scenario), streams.POPULATION, practice_index)
    pool = _NumberPool(rng)
    practice = generate_practice(scenario.practice, rng, practice_index, pool)
    patients = generate_patients(
        scenario.population,
        practice,
        scenario.start_date,
        rng,
        pool,
        id_base=practice_index * 10_000_000,
    )
    return practice, patients


def generate_patients(
    cfg: PopulationConfig,
    practice: Practice,
    start: date,
    rng: np.random.Generator,
    pool: _NumberPool,
    id_base: int = 0,
) -> Patients:
    n = cfg.patients
    words = word_lists()

    # households: sizes 1 + Poisson(mean - 1), cut to n patients; the first member is the guarantor
    sizes = 1 + rng.poisson(cfg.mean_household_size - 1.0, size=n)
    sizes = sizes[: int(np.searchsorted(np.cumsum(sizes), n)) + 1]
    sizes[-1] -= int(sizes.sum() - n)
    households = len(sizes)
    member_of = np.repeat(np.arange(households), sizes)
    first_index = np.cumsum(sizes) - sizes
    is_guarantor = np.zeros(n, dtype=bool)
    is_guarantor[first_index] = True
    patient_id = id_base + 1 + np.arange(n, dtype=np.int64)
    household_id = id_base + 1 + np.arange(households, dtype=np.int64)

    # ages: guarantors are adults; other members are children or adults
    child = ~is_guarantor & (rng.random(n) < 0.45)
    age_years = np.where(child, rng.uniform(3, 18, n), rng.uniform(19, 88, n))
    birth_date = np.datetime64(start, "D") - (age_years * 365.25).astype("timedelta64[D]")
    sex = np.where(rng.random(n) < 0.52, "F", "M")

    # language and names: Spanish-preferring households take es_MX names
    spanish_household = rng.random(households) < cfg.share_spanish
    spanish = spanish_household[member_of]
    language = np.where(spanish, "es", "en")
    last_household = np.where(
        spanish_household,
        _choose(rng, words.es_last, households),
        _choose(rng, words.last, households, words.p_last),
    )
    last_name = last_household[member_of]
    female = sex == "F"
    first_name = np.where(
        female,
        np.where(
            spanish,
            _choose(rng, words.es_first_female, n),
            _choose(rng, words.first_female, n, words.p_first_female),
        ),
        np.where(
            spanish,
            _choose(rng, words.es_first_male, n),
            _choose(rng, words.first_male, n, words.p_first_male),
        ),
    )

    # addresses, one per household
    if cfg.address_state_mix:
        states, p_states = _mix(cfg.address_state_mix)
        household_state = np.array(states)[rng.choice(len(states), size=households, p=p_states)]
    else:
        household_state = np.full(households, practice.state)
    street = np.char.add(
        np.char.add(rng.integers(10, 9999, households).astype(str), " "),
        np.char.add(
            np.char.add(_choose(rng, words.last, households, words.p_last), " "),
            _choose(rng, words.street_suffixes, households),
        ),
    )
    city_names = np.char.add(
        np.char.add(_choose(rng, words.city_prefixes, 12), " "),
        np.char.add(
            _choose(rng, words.first_male, 12, words.p_first_male),
            _choose(rng, words.city_suffixes, 12),
        ),
    )
    city = np.where(
        rng.random(households) < 0.6, practice.city, city_names[rng.integers(0, 12, households)]
    )
    zip_code = np.array(
        [
            f"{int(rng.integers(words.zip_ranges[s][0], words.zip_ranges[s][1] + 1)):05d}"
            for s in household_state
        ]
    )

    # phones: some households share a home landline; everyone else has their own line
    shares_home_phone = (sizes > 1) & (
        rng.random(households) < cfg.share_households_sharing_home_phone
    )
    on_home_phone = shares_home_phone[member_of] & (child | (rng.random(n) < 0.6))
    own_wireless = rng.random(n) < cfg.share_wireless
    phone_type = np.where(on_home_phone | ~own_wireless, "landline", "wireless")
    phone_code = _area_codes_for(cfg, household_state[member_of], rng, n)
    home_code = phone_code[first_index]  # the household's landline takes the guarantor's code
    lines = np.empty(n, dtype=np.int64)
    home_line: dict[int, tuple[str, int]] = {}
    codes = np.where(on_home_phone, home_code[member_of], phone_code)
    for i in range(n):
        if on_home_phone[i]:
            h = int(member_of[i])
            if h not in home_line:
                home_line[h] = pool.take_near(str(codes[i]))
            codes[i], lines[i] = home_line[h]
        else:
            codes[i], lines[i] = pool.take_near(str(codes[i]))
    phone = _phone_strings(codes, lines)
    ac = area_codes()
    phone_state = np.array([ac[c].state for c in codes])
    tz_phone = np.array(["|".join(ac[c].zones) for c in codes])
    tz_address = np.array([state_zone(s) for s in household_state])[member_of]

    # clinical and recall state
    perio = ~child & (rng.random(n) < cfg.share_perio)
    interval = np.where(perio, 3, 6).astype(np.int8)
    recall_type = np.where(perio, "D4910", np.where(child, "D1120", "D1110"))
    interval_days = np.round(interval * MONTH_DAYS).astype(np.int32)
    span_days = interval_days + int(round(cfg.overdue_months_max * MONTH_DAYS))
    last_hygiene_day = -np.floor(rng.random(n) * span_days).astype(np.int32) - 1
    recall_due_day = last_hygiene_day + interval_days
    prebooked = (recall_due_day >= 1) & (rng.random(n) < cfg.share_prebooked)
    prebooked_day = np.where(prebooked, recall_due_day, -1).astype(np.int32)
    status = np.full(n, "active")

    # contact preferences and consent
    preferred_contact = PREFERRED_CONTACT[
        rng.choice(len(PREFERRED_CONTACT), size=n, p=[0.45, 0.3, 0.15, 0.07, 0.03])
    ]
    text_allowed = (phone_type == "wireless") & (rng.random(n) < cfg.share_text_allowed)
    no_voicemail = rng.random(n) < cfg.share_no_voicemail
    consent_healthcare = np.ones(n, dtype=bool)
    consent_written = rng.random(n) < cfg.share_written_consent
    do_not_call = rng.random(n) < cfg.share_do_not_call

    return Patients(
        patient_id=patient_id,
        practice_id=np.full(n, practice.practice_id, dtype=np.int32),
        first_name=first_name,
        last_name=last_name,
        birth_date=birth_date,
        sex=sex,
        household_id=household_id[member_of],
        guarantor_id=patient_id[first_index][member_of],
        street=street[member_of],
        city=city[member_of],
        state=household_state[member_of],
        zip=zip_code[member_of],
        phone=phone,
        phone_type=phone_type,
        phone_shared=on_home_phone,
        phone_state=phone_state,
        tz_address=tz_address,
        tz_phone=tz_phone,
        language=language,
        status=status,
        perio=perio,
        recall_interval_months=interval,
        recall_type=recall_type,
        last_hygiene_day=last_hygiene_day,
        recall_due_day=recall_due_day.astype(np.int32),
        prebooked_day=prebooked_day,
        preferred_contact=preferred_contact,
        text_allowed=text_allowed,
        no_voicemail=no_voicemail,
        consent_healthcare=consent_healthcare,
        consent_written=consent_written,
        do_not_call=do_not_call,
    )


def _area_codes_for(
    cfg: PopulationConfig, address_state: np.ndarray, rng: np.random.Generator, n: int
) -> np.ndarray:
    """Area code per patient: the mix if given, else a code of the address state, with a share
    of patients keeping an out-of-state code (people keep their mobile numbers when they move)."""
    if cfg.area_code_mix:
        codes, p = _mix(cfg.area_code_mix)
        return np.array(codes)[rng.choice(len(codes), size=n, p=p)]
    by_state = codes_by_state()
    out = np.empty(n, dtype="<U3")
    for state in np.unique(address_state):
        mask = address_state == state
        local = by_state[str(state)]
        out[mask] = np.array(local)[rng.integers(0, len(local), int(mask.sum()))]
    moved = rng.random(n) < cfg.share_out_of_state_area_code
    other = np.array(sorted(c for c, a in area_codes().items()))
    picks = other[rng.integers(0, len(other), int(moved.sum()))]
    # a code of the address state drawn by chance is redrawn once from the other states
    out[moved] = picks
    same = moved & (np.array([area_codes()[c].state for c in out]) == address_state)
    out[same] = other[rng.integers(0, len(other), int(same.sum()))]
    return out
