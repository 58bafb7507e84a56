"""Names are not health information, end to end; and nothing degrades in silence: a practice
name that discloses care, or a rule that refuses many contacts, is said in the run's summary
and in run.json."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from dentsim.cli import main
from dentsim.compliance.audit import audit_run
from dentsim.compliance.phi import packaged_terms
from dentsim.compliance.rules import load_rules
from dentsim.domain import population
from dentsim.domain.population import generate, word_lists
from dentsim.experiments.executors import Executor
from dentsim.experiments.replications import run_replications
from dentsim.experiments.tasks import run_scenario
from dentsim.results.warnings import REFUSED_MIN_CONTACTS, REFUSED_SHARE, refusal_warnings
from dentsim.scenario import Scenario, apply_overrides
from dentsim.simulation import contacts as contacts_module
from tests.conftest import small

from .conftest import write_scenario

WORD_TERMS = [t for t in load_rules().hipaa_minimum_necessary.terms if t[0].isalpha()]
TERM_PRACTICES = ["Crown & Bridge Dental Implant Center", "Root Canal & Implant Dentistry"]
BRIDGES_SEED = 6494  # the baseline with this seed drew "Bridges Family Dentistry"


@pytest.fixture
def patients_named_after_terms(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every generated patient takes a first and a last name from the protected terms."""
    real = population.generate

    def named(scenario: Scenario, practice_index: int = 0):  # type: ignore[no-untyped-def]
        practice, patients = real(scenario, practice_index)
        n = len(patients)
        first = [WORD_TERMS[i % len(WORD_TERMS)].title() for i in range(n)]
        last = [WORD_TERMS[(7 * i + 3) % len(WORD_TERMS)].title() for i in range(n)]
        return practice, dataclasses.replace(
            patients, first_name=np.array(first), last_name=np.array(last)
        )

    monkeypatch.setattr(population, "generate", named)


def hipaa_refusals(run: Path) -> int:
    rules = pq.read_table(run / "deferrals.parquet", columns=["rule_id"]).column(0).to_pylist()
    return rules.count("hipaa_minimum_necessary")


def manifest(run: Path) -> dict:
    return json.loads((run / "run.json").read_text())


@pytest.mark.parametrize("practice_name", TERM_PRACTICES)
def test_a_year_for_a_practice_and_patients_named_after_terms_drops_nothing_and_passes_check(
    baseline: Scenario, tmp_path: Path, practice_name: str, patients_named_after_terms: None
) -> None:
    scenario = small(baseline, days=90, practice__name=practice_name)
    result = run_scenario(scenario, tmp_path / "run")
    assert hipaa_refusals(tmp_path / "run") == 0
    assert result.kpis["overall"]["sms_sent"] > 0
    report = audit_run(tmp_path / "run")
    assert report.result("hipaa_verify_before_phi").checked > 100
    assert report.violations_by_rule() == dict.fromkeys(report.violations_by_rule(), 0)
    kinds = [w["kind"] for w in manifest(tmp_path / "run")["warnings"]]
    assert kinds == ["practice_name_discloses_care"]


def test_a_voicemail_about_your_root_canal_is_still_withheld_and_the_run_says_so(
    baseline: Scenario,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    patients_named_after_terms: None,
) -> None:
    def leaky(name: str, number: str, purposes: tuple[str, ...]) -> str:
        return f"{name} calling about your root-canal. Please call us back at {number}."

    monkeypatch.setattr(contacts_module, "render_voicemail", leaky)
    scenario = small(baseline, days=90, practice__name=TERM_PRACTICES[1])
    run_scenario(scenario, tmp_path / "run")
    assert hipaa_refusals(tmp_path / "run") > REFUSED_MIN_CONTACTS
    assert audit_run(tmp_path / "run").ok  # nothing protected was left
    warned = {w.get("rule_id") for w in manifest(tmp_path / "run")["warnings"]}
    assert "hipaa_minimum_necessary" in warned


def test_a_clean_baseline_year_has_no_warnings(baseline: Scenario, tmp_path: Path) -> None:
    result = run_scenario(baseline, tmp_path / "run")
    assert result.manifest["warnings"] == []
    assert manifest(tmp_path / "run")["warnings"] == []


def test_a_rule_that_drops_many_contacts_is_named_in_the_summary_and_run_json(
    baseline: Scenario, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    scenario = small(baseline, days=60, population__share_do_not_call=0.5)
    path = write_scenario(tmp_path / "dnc.yaml", scenario)
    assert main(["run", str(path), "--out", str(tmp_path / "run"), "--quiet"]) == 0
    [warning] = manifest(tmp_path / "run")["warnings"]
    assert warning["rule_id"] == "internal_dnc"
    assert warning["share"] > 0.3 and warning["by_action"] == {"dropped": warning["contacts"]}
    assert f"warning: internal_dnc refused {warning['contacts']:,} of" in capsys.readouterr().err


def test_a_replicated_run_gathers_its_replications_warnings(
    baseline: Scenario, tmp_path: Path
) -> None:
    scenario = small(baseline, population__patients=150, days=45)
    scenario = apply_overrides(scenario, {"population.share_do_not_call": 0.5})
    result = run_replications(scenario, tmp_path / "reps", 2, Executor(workers=1))
    runs = [w["run"] for w in result.manifest["warnings"] if w["rule_id"] == "internal_dnc"]
    assert runs == ["replications/r000", "replications/r001"]
    assert manifest(tmp_path / "reps")["warnings"] == result.manifest["warnings"]


def deferrals(rule_counts: dict[str, int], action: str = "dropped") -> pa.Table:
    rules = [r for r, n in rule_counts.items() for _ in range(n)]
    return pa.table({"rule_id": rules, "action": [action] * len(rules)})


def test_a_rule_refusing_more_than_the_share_is_reported_and_one_at_the_share_is_not() -> None:
    attempts = 1000  # due: the attempts and the dropped contacts
    assert REFUSED_SHARE * (attempts + 50 + 10) > 50
    assert refusal_warnings(deferrals({"opt_out": 50, "internal_dnc": 10}), attempts) == []
    assert REFUSED_SHARE * (attempts + 60 + 10) < 60
    [warning] = refusal_warnings(deferrals({"opt_out": 60, "internal_dnc": 10}), attempts)
    assert (warning["rule_id"], warning["contacts"], warning["due_contacts"]) == (
        "opt_out",
        60,
        1070,
    )


def test_a_handful_of_refusals_in_a_tiny_run_is_not_a_trend() -> None:
    few = REFUSED_MIN_CONTACTS - 1
    assert refusal_warnings(deferrals({"opt_out": few}), 10) == []


# --- the practice's name ----------------------------------------------------------------------
def test_a_generated_practice_name_never_names_a_protected_term(baseline: Scenario) -> None:
    practice, _ = generate(apply_overrides(baseline, {"seed": BRIDGES_SEED}))
    assert packaged_terms().found(practice.name) == []
    assert practice.name.endswith("Family Dentistry")


def test_no_last_name_a_practice_name_is_made_of_is_a_protected_term() -> None:
    words = word_lists().last
    assert any(packaged_terms().said(str(w)) for w in words)  # Bridges
    chosen = {population._not_protected(words, str(w)) for w in words}
    assert not any(packaged_terms().said(w) for w in chosen)


def test_the_baseline_keeps_its_generated_practice_name(baseline: Scenario) -> None:
    practice, _ = generate(baseline)
    assert practice.name == "Wilson & Montes Dental"


def scenario_file(tmp_path: Path, baseline: Scenario, name: str) -> Path:
    scenario = small(baseline, days=30, population__patients=100, practice__name=name)
    return write_scenario(tmp_path / "named.yaml", scenario)


def test_validate_warns_about_a_practice_name_that_names_protected_details(
    baseline: Scenario, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = scenario_file(tmp_path, baseline, "Crown & Bridge Dental Implant Center")
    line = next(
        i for i, text in enumerate(path.read_text().splitlines(), 1) if "Crown & Bridge" in text
    )
    assert main(["validate", str(path)]) == 0
    err = capsys.readouterr().err
    assert f"{path}:{line}: practice.name: warning: the practice name" in err
    assert "'crown', 'bridge', 'implant'" in err


def test_validate_and_run_say_nothing_of_a_plain_practice_name(
    baseline: Scenario, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = scenario_file(tmp_path, baseline, "Bright Smile Dental")
    assert main(["validate", str(path)]) == 0
    assert main(["run", str(path), "--out", str(tmp_path / "run"), "--quiet"]) == 0
    assert "warning" not in capsys.readouterr().err
    assert manifest(tmp_path / "run")["warnings"] == []


def test_run_prints_and_records_the_practice_name_warning(
    baseline: Scenario, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = scenario_file(tmp_path, baseline, "Root Canal & Implant Dentistry")
    assert main(["run", str(path), "--out", str(tmp_path / "run"), "--quiet"]) == 0
    assert "warning: the practice name 'Root Canal & Implant Dentistry'" in capsys.readouterr().err
    [warning] = manifest(tmp_path / "run")["warnings"]
    assert warning["terms"] == ["root canal", "implant"]
    assert hipaa_refusals(tmp_path / "run") == 0


def test_a_sweep_gathers_its_practice_years_warnings_and_prints_them(
    baseline: Scenario, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    scenario = small(baseline, population__patients=150, days=45)
    base = write_scenario(tmp_path / "base.yaml", scenario)
    sweep = tmp_path / "sweep.yaml"
    sweep.write_text(
        f"base: {base.name}\nreplications: 1\nvariants:\n"
        "  - name: many_dnc\n    overrides: {population.share_do_not_call: 0.5}\n",
        encoding="utf-8",
    )
    assert main(["sweep", str(sweep), "--out", str(tmp_path / "sw"), "--quiet"]) == 0
    runs = {
        w["run"] for w in manifest(tmp_path / "sw")["warnings"] if w["rule_id"] == "internal_dnc"
    }
    assert runs == {"variants/many_dnc/r000"}
    assert "warning: variants/many_dnc/r000: internal_dnc refused" in capsys.readouterr().err


def test_calls_the_lines_could_not_place_in_time_are_blamed_on_the_lines(
    baseline: Scenario, tmp_path: Path
) -> None:
    """One line for 5,000 patients' first week: the backlog's calls wait for the line past the
    call hours, where the federal window refuses them. The warning names the lines as the cause
    (telephony.lines), not the rule; with enough lines the same week gives no warning."""
    crowded = apply_overrides(
        small(baseline, population__patients=5000, days=4), {"telephony.lines": 1}
    )
    [warning] = manifest_warnings(run_scenario(crowded, tmp_path / "one").out_dir)
    assert warning["rule_id"] == "federal_calling_window"
    assert warning["after_call_hours"] * 2 > warning["contacts"]
    assert "waiting for one of the 1 line(s)" in warning["message"]
    assert "telephony.lines" in warning["message"]
    roomy = apply_overrides(crowded, {"telephony.lines": 40})
    assert manifest_warnings(run_scenario(roomy, tmp_path / "forty").out_dir) == []


def manifest_warnings(run: Path) -> list[dict]:
    return [w for w in manifest(run)["warnings"] if w["kind"] == "rule_refused_many_contacts"]
