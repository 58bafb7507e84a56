"""`population: {from: PRACTICE_DIR}`: a practice imported by `dentsim import` runs as exported,
every date shifted so that day 0 is the export's day; a folder a run could not use is refused
at validate with one line and exit 2."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import yaml

import dentsim
from dentsim.cli import main
from dentsim.domain import population
from dentsim.scenario import BOOK_DAYS_AFTER_END, Scenario
from dentsim.simulation.model import PracticeModel
from tests.conftest import small
from tests.practice_dirs import write_practice_dir, write_scenario_from
from tests.test_validate_inputs import line_of, one_error

EXPORTED_ON = date(2026, 1, 5)  # the baseline's start_date: the generated practice's export day
START = date(2026, 3, 4)  # 58 days later, a Wednesday: weekdays move too


@pytest.fixture(scope="module")
def exported(baseline: Scenario, tmp_path_factory: pytest.TempPathFactory) -> tuple[Scenario, Path]:
    """The baseline's practice of 300 patients, as a PRACTICE_DIR exported on its start_date."""
    scenario = small(baseline, days=90)
    assert scenario.start_date == EXPORTED_ON
    return scenario, write_practice_dir(scenario, tmp_path_factory.mktemp("exported") / "practice")


@pytest.fixture()
def from_file(exported: tuple[Scenario, Path], tmp_path: Path) -> Path:
    """A scenario file in tmp_path with `population: {from: practice}`, a copy of the export."""
    scenario, source = exported
    practice = tmp_path / "practice"
    practice.mkdir()
    for f in source.iterdir():
        (practice / f.name).write_bytes(f.read_bytes())
    return write_scenario_from(scenario, tmp_path / "scenario.yaml", "practice", START)


def shifted(table: pa.Table, days: int) -> list[dict[str, object]]:
    rows = table.to_pylist()
    for row in rows:
        for key, value in row.items():
            if isinstance(value, date):
                row[key] = value + timedelta(days=days)
    return rows


# ------------------------------------------------------------------- the practice as exported


def test_a_run_from_the_folder_starts_with_its_patients_every_date_shifted_to_start_date(
    from_file: Path, tmp_path: Path
) -> None:
    run = dentsim.simulate(dentsim.load_scenario(from_file))
    exported = pq.read_table(from_file.parent / "practice" / "patients.parquet")
    table = run.simulated.tables["patients"]
    assert table.schema == exported.select(table.column_names).schema
    assert table.to_pylist() == shifted(
        exported.select(table.column_names), (START - EXPORTED_ON).days
    )


def test_the_visits_booked_at_export_are_booked_at_day_0_and_the_plans_are_the_exported_ones(
    from_file: Path,
) -> None:
    scenario = dentsim.load_scenario(from_file)
    practice, patients = population.practice_and_patients(scenario)
    model = PracticeModel.build(scenario, practice, patients, 0)
    model.initial_visits()
    exported = pq.read_table(from_file.parent / "practice" / "patients.parquet").to_pylist()
    booked = {a.patient: a.day for a in model.state.appointments.values()}
    horizon = scenario.days + BOOK_DAYS_AFTER_END
    expected = {
        i: (row["next_visit_date"] - EXPORTED_ON).days
        for i, row in enumerate(exported)
        if row["next_visit_date"] is not None
    }
    assert expected and set(booked) == {i for i, d in expected.items() if d < horizon}
    # the first open slot on or after the day booked at export (a closed day moves it)
    assert all(0 <= booked[i] - expected[i] <= 4 for i in booked)
    plans = [(row["plan_value_usd"] or 0.0) for row in exported]
    assert np.array_equal(model.state.plan_value, plans) and sum(plans) > 0
    for i, row in enumerate(exported):
        if row["plan_date"] is not None:
            assert model.state.plan_day[i] == (row["plan_date"] - EXPORTED_ON).days < 0


def test_an_imported_practice_has_a_sensible_year_that_passes_the_compliance_audit(
    from_file: Path,
) -> None:
    run = dentsim.simulate(dentsim.load_scenario(from_file))
    overall = run.kpis["overall"]
    assert overall["attempts"] > 0 and overall["bookings"] > 0
    assert run.kpis["by_use_case"]["treatment_plan"]["attempts"] > 0  # the exported plans
    assert dentsim.audit(run).ok


def test_replications_keep_the_imported_patients_and_the_practice_keeps_the_scenarios_name(
    from_file: Path,
) -> None:
    one = dentsim.simulate(dentsim.load_scenario(from_file, seed=1))
    two = dentsim.simulate(dentsim.load_scenario(from_file, seed=2))
    assert one.simulated.tables["patients"] == two.simulated.tables["patients"]
    assert one.kpis != two.kpis
    named = dentsim.load_scenario(from_file, {"practice.name": "Crown & Bridge Dental"})
    practice, patients = population.practice_and_patients(named)
    assert practice.name == "Crown & Bridge Dental" and practice.phone not in patients.phone


def test_validate_says_how_many_patients_were_imported(
    from_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["validate", str(from_file)]) == 0
    assert "(300 patients, imported, 90 days)" in capsys.readouterr().out


# ------------------------------------------------------------------- refused at validate


def rewrite(path: Path, change: object) -> None:
    """Rewrite the folder's patients.parquet through `change(table) -> table`."""
    pq.write_table(change(pq.read_table(path)), path)  # type: ignore[operator]


def replaced(table: pa.Table, name: str, values: list[object], kind: pa.DataType) -> pa.Table:
    return table.set_column(table.column_names.index(name), name, pa.array(values, kind))


def test_a_missing_folder_or_file_is_refused_at_population_from(
    from_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    where = f"{from_file}:{line_of(from_file.read_text(), 'from: practice')}: population.from: "
    practice = from_file.parent / "practice"
    (practice / "patients.parquet").unlink()
    line = one_error(["validate", str(from_file)], capsys)
    assert line.startswith(where) and "holds no patients.parquet" in line
    for f in practice.iterdir():
        f.unlink()
    practice.rmdir()
    assert one_error(["validate", str(from_file)], capsys) == f"{where}folder not found: {practice}"


@pytest.mark.parametrize(
    ("change", "says"),
    [
        (lambda t: t.drop_columns(["next_visit_date"]), "missing column next_visit_date"),
        (
            lambda t: replaced(t, "recall_interval_months", ["6"] * t.num_rows, pa.string()),
            "column recall_interval_months: expected int8, found string",
        ),
        (
            lambda t: replaced(t, "status", ["A"] + ["active"] * (t.num_rows - 1), pa.string()),
            "column status: 1 row with a value other than active, inactive (the first is row 1)",
        ),
        (
            lambda t: replaced(t, "phone", ["213-867-5309"] * t.num_rows, pa.string()),
            "column phone: 300 rows with a number outside the 555 exchange",
        ),
        (
            lambda t: replaced(t, "next_visit_date", [date(2025, 12, 1)] * t.num_rows, pa.date32()),
            "column next_visit_date: 300 rows with a date before exported_on (2026-01-05)",
        ),
        (
            lambda t: replaced(t, "first_name", [None] * t.num_rows, pa.string()),
            "column first_name: 300 rows with no value",
        ),
        (lambda t: t.slice(0, 0), "no patients"),
    ],
)
def test_a_patients_table_a_run_could_not_use_is_refused_with_its_column(
    from_file: Path, capsys: pytest.CaptureFixture[str], change: object, says: str
) -> None:
    parquet = from_file.parent / "practice" / "patients.parquet"
    rewrite(parquet, change)
    line = one_error(["validate", str(from_file)], capsys)
    where = f"{from_file}:{line_of(from_file.read_text(), 'from: practice')}: population.from: "
    assert line.startswith(f"{where}{parquet}: {says}"), line
    assert "213-555-1234" not in line  # no value of the file is quoted


def test_practice_yaml_is_checked_at_its_own_lines_and_its_state_against_the_scenarios(
    from_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    profile = from_file.parent / "practice" / "practice.yaml"
    data = yaml.safe_load(profile.read_text())
    data["exported_on"] = "last week"
    profile.write_text(yaml.safe_dump(data, sort_keys=False))
    line = one_error(["validate", str(from_file)], capsys)
    assert line.startswith(f"{profile}:{line_of(profile.read_text(), 'exported_on')}: exported_on")
    data["exported_on"] = EXPORTED_ON
    data["practice"]["state"] = "TX"
    profile.write_text(yaml.safe_dump(data, sort_keys=False))
    line = one_error(["validate", str(from_file)], capsys)
    state_line = line_of(from_file.read_text(), "state: CA")
    assert line == (
        f"{from_file}:{state_line}: practice.state: CA, but the imported practice is in TX "
        f"({profile}); give TX"
    )


@pytest.mark.parametrize(
    ("section", "key", "value"),
    [
        ("population", "patients", 1800),  # its default, still written: it would not apply
        ("population", "share_perio", 0.3),
        ("clinical", "share_unscheduled_plans_at_start", 0.06),
    ],
)
def test_a_key_that_would_not_apply_with_from_is_refused_at_its_line(
    from_file: Path, capsys: pytest.CaptureFixture[str], section: str, key: str, value: float
) -> None:
    data = yaml.safe_load(from_file.read_text())
    data[section][key] = value
    from_file.write_text(yaml.safe_dump(data, sort_keys=False))
    line = one_error(["validate", str(from_file)], capsys)
    assert line.startswith(f"{from_file}:{line_of(from_file.read_text(), f'{key}:')}: ")
    assert "not apply with population.from" in line and "remove it" in line


def test_a_group_with_an_imported_practice_is_refused(
    from_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = yaml.safe_load(from_file.read_text())
    data["group"] = {"practices": 3}
    from_file.write_text(yaml.safe_dump(data, sort_keys=False))
    line = one_error(["validate", str(from_file)], capsys)
    assert line.startswith(f"{from_file}:{line_of(from_file.read_text(), 'group:')}: group: ")
    assert "population.from imports one practice" in line


def test_an_override_of_a_generator_key_on_an_imported_practice_is_refused(
    from_file: Path,
) -> None:
    with pytest.raises(dentsim.InputError, match="population.*patients.*does not apply"):
        dentsim.load_scenario(from_file, {"population.patients": 600})
