"""A generated practice exported in Open Dental's shape and imported again keeps what the
simulation runs on: status, recall types and due dates, booked visits, phone types and sharing,
households, ages, language and contact permissions."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

import numpy as np
import pyarrow.parquet as pq
import pytest
from make_example_export import generated, opendental_tables, write_export  # tools/

from dentsim.importing import import_practice
from dentsim.importing.deidentify import age_on


@pytest.fixture(scope="module")
def trip(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    tmp = tmp_path_factory.mktemp("trip")
    p, start = generated(900, seed=5)
    tables = opendental_tables(p, start)
    write_export(tmp / "export", tables)
    import_practice(tmp / "export", tmp / "practice")
    return p, start, tables, pq.read_table(tmp / "practice" / "patients.parquet").to_pandas()


def test_status_recall_and_booked_visits_survive(trip) -> None:  # type: ignore[no-untyped-def]
    p, start, tables, t = trip
    assert len(t) == len(p)
    inactive = sum(r["PatStatus"] == 2 for r in tables["patient"])
    assert (t.status == "inactive").sum() == inactive > 0
    assert Counter(t.recall_type) == Counter(p.recall_type.tolist())
    assert Counter(t.recall_interval_months) == Counter(p.recall_interval_months.tolist())
    due = [start + timedelta(days=int(d)) for d in p.recall_due_day]
    assert sorted(t.recall_due_date) == sorted(due)
    last = [start + timedelta(days=int(d)) for d in p.last_hygiene_day]
    assert sorted(t.last_hygiene_date) == sorted(last)
    assert t.next_visit_date.notna().sum() == (p.prebooked_day >= 0).sum()


def test_phones_households_and_people_survive(trip) -> None:  # type: ignore[no-untyped-def]
    p, start, _, t = trip
    assert Counter(t.phone_type) == Counter(p.phone_type.tolist())
    shared_by_number = Counter(p.phone.tolist())
    assert t.phone_shared.sum() == sum(shared_by_number[x] > 1 for x in p.phone)
    assert t.phone.nunique() == len(set(p.phone.tolist()))  # distinct stays distinct
    assert sorted(Counter(t.household_id).values()) == sorted(
        Counter(p.household_id.tolist()).values()
    )
    assert Counter(t.phone_state) == Counter(p.phone_state.tolist())
    assert Counter(t.tz_phone) == Counter(p.tz_phone.tolist())
    ages = sorted(age_on(d, start) for d in t.birth_date)
    assert ages == sorted(age_on(d.astype(object), start) for d in p.birth_date)
    for column in ("language", "text_allowed", "do_not_call", "no_voicemail", "sex"):
        assert Counter(t[column]) == Counter(getattr(p, column).tolist()), column
    assert np.isclose(t.perio.mean(), p.perio.mean())
