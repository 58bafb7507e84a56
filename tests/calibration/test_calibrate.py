"""`dentsim calibrate`: the fit lands each figure in its observed interval, the written scenario
is an ordinary one holding the fitted values, the report names the figures, and a figure out of
reach is refused (exit 1, nothing written)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from dentsim.calibration.fit import calibrate
from dentsim.calibration.observed import load_observed
from dentsim.cli import main
from dentsim.experiments.replications import run_replications
from dentsim.scenario import load_scenario
from tests.calibration.conftest import Calibrated, short_scenario


def test_each_figure_lands_in_its_observed_interval(calibrated: Calibrated) -> None:
    assert calibrated.rc == 0, calibrated.stderr
    assert "observed against simulated" in calibrated.stdout
    record = yaml.safe_load(calibrated.out.read_text())["calibration"]
    observed = {o.figure: o for o in load_observed(calibrated.observed)}
    assert [f["figure"] for f in record["figures"]] == list(observed)
    for f in record["figures"]:
        o = observed[f["figure"]]
        assert o.low <= f["simulated"] <= o.high, f


def test_the_written_scenario_holds_the_fitted_values_and_keeps_the_rest(
    calibrated: Calibrated,
) -> None:
    assert main(["validate", str(calibrated.out)]) == 0
    before, after = load_scenario(calibrated.source), load_scenario(calibrated.out)
    fitted = after.calibration.fitted if after.calibration else {}
    assert set(fitted) == {
        "behaviour.own_practice_answer_factor",
        "behaviour.p_accept.recall",
        "behaviour.p_no_show_unconfirmed",
        "behaviour.p_no_show_confirmed",  # kept in ratio to the unconfirmed rate
    }
    assert (
        after.behaviour.own_practice_answer_factor == fitted["behaviour.own_practice_answer_factor"]
    )
    assert after.behaviour.p_accept["recall"] == fitted["behaviour.p_accept.recall"]
    ratio = before.behaviour.p_no_show_confirmed / before.behaviour.p_no_show_unconfirmed
    assert after.behaviour.p_no_show_confirmed == pytest.approx(
        after.behaviour.p_no_show_unconfirmed * ratio
    )
    # nothing else changed: the other use cases' acceptance, the other sections
    assert after.behaviour.p_accept["reactivation"] == before.behaviour.p_accept["reactivation"]
    assert after.model_dump(exclude={"behaviour", "calibration"}) == before.model_dump(
        exclude={"behaviour", "calibration"}
    )
    text = calibrated.out.read_text()
    assert "# a Monday; simulation time 0" in text  # the user's own comments stay
    assert "fitted to the connect rate of observed.yaml, 44.0% of 800 calls" in text
    assert after.calibration is not None and after.calibration.observed_file == "../observed.yaml"


def test_a_run_of_the_calibrated_scenario_gives_the_figures_reported(
    calibrated: Calibrated, tmp_path: Path
) -> None:
    """The fit ran on dentsim run --replications's seeds, at the values written."""
    scenario = load_scenario(calibrated.out)
    result = run_replications(scenario, tmp_path / "run", 2)
    assert scenario.calibration is not None
    connect = scenario.calibration.figures[0]
    assert connect.figure == "connect_rate"
    assert result.kpis["overall"]["connect_rate"]["mean"] == pytest.approx(
        connect.simulated, abs=1e-6
    )


def test_the_report_names_the_figures(calibrated: Calibrated, tmp_path: Path) -> None:
    assert main(["run", str(calibrated.out), "--out", str(tmp_path / "run"), "--quiet"]) == 0
    assert main(["report", str(tmp_path / "run"), "--out", str(tmp_path / "report")]) == 0
    html = (tmp_path / "report" / "report.html").read_text()
    assert "Calibrated to" in html
    assert "connect rate, recall conversion, no-show rate" in html


def test_a_figure_out_of_reach_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = short_scenario(tmp_path)
    observed = tmp_path / "observed.yaml"
    observed.write_text("# far beyond any answer curve\nconnect_rate: {rate: 0.97, calls: 2000}\n")
    out = tmp_path / "calibrated.yaml"
    rc = main(["calibrate", str(source), "--observed", str(observed), "--out", str(out),
               "--replications", "2", "--quiet"])  # fmt: skip
    err = capsys.readouterr().err
    assert rc == 1
    assert f"{observed}:2: connect_rate: cannot reach 97.0%" in err
    assert "the closest the scenario got is" in err
    assert re.search(r"with behaviour\.own_practice_answer_factor at (2\.9\d*|3), ", err)
    assert "an end of its range (0.5 to 3)" in err
    assert not out.exists()


def test_a_use_case_the_scenario_does_not_run(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = short_scenario(tmp_path)
    text = source.read_text().replace(
        "  reactivation:                     # patients",
        "  reactivation:\n    enabled: false  #",
        1,
    )
    source.write_text(text)
    observed = tmp_path / "observed.yaml"
    observed.write_text("conversion:\n  reactivation: {rate: 0.1, patients: 200}\n")
    rc = main(
        ["calibrate", str(source), "--observed", str(observed), "--out", str(tmp_path / "c.yaml")]
    )
    assert rc == 2
    assert (
        f"{observed}:2: conversion.reactivation: the scenario does not run reactivation"
        in capsys.readouterr().err
    )


def test_observed_file_errors_name_file_line_and_key(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    observed = tmp_path / "observed.yaml"
    observed.write_text(
        "connect_rate: {rate: 1.4, calls: 800}\nconversion:\n  recal: {rate: 0.2, patients: 10}\n"
        "no_show_rate: {rate: 0.1, patients: 300}\n"
    )
    rc = main(["calibrate", str(short_scenario(tmp_path)), "--observed", str(observed),
               "--out", str(tmp_path / "c.yaml")])  # fmt: skip
    err = capsys.readouterr().err
    assert rc == 2
    assert f"{observed}:1: connect_rate.rate: input should be less than or equal to 1" in err
    assert f"{observed}:3: conversion.recal: unknown key 'recal'; did you mean 'recall'?" in err
    assert f"{observed}:4: no_show_rate.patients: unknown key 'patients'" in err
    assert "Traceback" not in err


def test_an_observed_file_with_no_figure(tmp_path: Path) -> None:
    from dentsim.errors import InputError

    observed = tmp_path / "observed.yaml"
    observed.write_text("conversion: {}\n")
    with pytest.raises(InputError, match="give at least one figure"):
        load_observed(observed)


def test_binomial_intervals_hold_the_rate_and_exist_at_zero(tmp_path: Path) -> None:
    observed = tmp_path / "observed.yaml"
    observed.write_text(
        "opt_out_rate: {rate: 0.0, patients: 400}\nconnect_rate: {rate: 0.4, calls: 100}\n"
    )
    opt_out, connect = sorted(load_observed(observed), key=lambda o: o.figure != "opt_out_rate")
    assert opt_out.low == 0.0 and 0.0 < opt_out.high < 0.02
    assert connect.low < 0.4 < connect.high
    assert connect.high - connect.low == pytest.approx(0.19, abs=0.01)  # Wilson, n = 100


def test_a_group_scenario_is_refused() -> None:
    from dentsim.errors import InputError
    from tests.conftest import ROOT

    group = load_scenario(ROOT / "scenarios" / "dso_group.yaml")
    with pytest.raises(InputError, match="a group scenario"):
        calibrate(group, [], 2)


def test_same_input_same_bytes_with_any_number_of_workers(
    calibrated: Calibrated, tmp_path: Path
) -> None:
    out = calibrated.out.parent / "again.yaml"  # beside it: the same relative observed_file
    rc = main(["calibrate", str(calibrated.source), "--observed", str(calibrated.observed),
               "--out", str(out), "--replications", "2", "--workers", "1", "--quiet"])  # fmt: skip
    assert rc == 0
    assert out.read_bytes() == calibrated.out.read_bytes()


def test_validate_knows_an_observed_file(
    calibrated: Calibrated, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["validate", str(calibrated.observed)]) == 0
    assert "valid observed figures (connect rate, recall conversion, no-show rate)" in (
        capsys.readouterr().out
    )
    assert main(["schema", "--kind", "observed"]) == 0
    assert '"connect_rate"' in capsys.readouterr().out


def test_two_rates_of_the_same_calls_that_add_up_past_one_are_refused_before_any_work(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    observed = tmp_path / "observed.yaml"
    observed.write_text(
        "connect_rate: {rate: 0.4, calls: 100}\nvoicemail_rate: {rate: 0.7, calls: 100}\n"
    )
    assert main(["calibrate", str(short_scenario(tmp_path)), "--observed", str(observed),
                 "--out", str(tmp_path / "out.yaml"), "--quiet"]) == 2  # fmt: skip
    err = capsys.readouterr().err
    assert "add up to 1.1: no calls can be both" in err and "evaluation" not in err


@pytest.mark.parametrize("which", ["scenario", "observed"])
def test_the_output_cannot_be_an_input(
    which: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    scenario = short_scenario(tmp_path)
    observed = tmp_path / "observed.yaml"
    observed.write_text("connect_rate: {rate: 0.44, calls: 800}\n")
    before = {p: p.read_bytes() for p in (scenario, observed)}
    out = scenario if which == "scenario" else observed
    args = ["calibrate", str(scenario), "--observed", str(observed), "--out", str(out)]
    assert main([*args, "--quiet"]) == 2
    assert "write the calibrated scenario to a new file" in capsys.readouterr().err
    assert {p: p.read_bytes() for p in before} == before
