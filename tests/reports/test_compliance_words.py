"""The compliance page in words: every rule stated with its own numbers, no parameter names, no
reference to files a reader cannot open, and counts that say what they count."""

from __future__ import annotations

import re
from html import unescape

import pytest

from dentsim.compliance.rules import RULE_IDS, load_rules
from dentsim.reports.report import build_report
from dentsim.reports.rule_words import SENTENCES, rule_sentence

# per packaged rule (sim/compliance/default.yaml): fragments its sentence must hold
EXPECTED = {
    "federal_calling_window": ("between 08:00 and 21:00", "calls and texts"),
    "state_calling_window": ("CT: 09:00-20:00", "TX: 09:00-21:00, Sundays 12:00-21:00",
                             "FL", "the phone's area-code state"),
    "state_sunday_holiday_ban": ("AL and LA: none on Sundays or federal holidays",
                                 "MS: none on Sundays"),
    "state_daily_cap": ("FL and OK: at most 3 contacts in any 24 hours to one number, on the "
                        "same subject", "MD: at most 3 contacts in any 24 hours to one number, "
                        "on any subject"),
    "healthcare_daily_cap": ("At most 1 contact a day",),
    "healthcare_weekly_cap": ("At most 3 contacts in any 7 days",),
    "opt_out": ("No contact after a hard opt-out",),
    "optout_confirmation": ("at most 1 confirmation text, within 5 minutes", "10 terms"),
    "soft_opt_out_pause": ("confirmations and post-op check-ins",),
    "consent_required": ("healthcare consent", "marketing always needs written consent"),
    "exempt_voice_duration": ("60 seconds or less",),
    "exempt_sms_length": ("160 characters or less",),
    "exempt_identification": ("names the practice and gives its callback number",),
    "hipaa_minimum_necessary": ("protected terms checked",),
    "hipaa_verify_before_phi": ("identity is verified",),
    "confidential_no_voicemail": ("asked for no voicemail",),
    "wrong_number": ("never contacted again for that patient",),
    "internal_dnc": ("do-not-call list",),
    "sms_text_allowed": ("allows texts",),
}  # fmt: skip


def parameter_names(rule) -> set[str]:
    """Every key of the rule's data, nested tables included, that a sentence must not show."""
    names: set[str] = set()

    def walk(value):
        if isinstance(value, dict):
            for k, v in value.items():
                if "_" in str(k):
                    names.add(str(k))
                walk(v)
        elif isinstance(value, list | tuple):
            for v in value:
                walk(v)

    walk(rule.model_dump())
    return names


def test_every_rule_kind_has_a_sentence():
    assert set(SENTENCES) == set(RULE_IDS)
    assert set(EXPECTED) == set(RULE_IDS)


@pytest.mark.parametrize("rule_id", RULE_IDS)
def test_every_packaged_rule_is_stated_with_its_numbers_and_no_parameter_names(rule_id):
    rule = load_rules().by_id()[rule_id]
    sentence = rule_sentence(rule_id, rule)
    for fragment in EXPECTED[rule_id]:
        assert fragment in sentence, (fragment, sentence)
    for name in parameter_names(rule):
        assert name not in sentence, (name, sentence)
    assert not re.search(r"\b[a-z]+_[a-z_]+\b", sentence), sentence  # no snake_case at all
    assert ".md" not in sentence and ".yaml" not in sentence


def test_a_rules_file_changes_the_sentences_it_changes(tmp_path):
    path = tmp_path / "rules.yaml"
    path.write_text(
        "healthcare_weekly_cap: {max_contacts: 2, week: rolling_168h}\n"
        "optout_confirmation: {within_s: 90}\n"
        "exempt_voice_duration: {max_duration_s: 45}\n"
        "state_daily_cap:\n  states:\n    FL: {window_h: 12, max_contacts: 1}\n"
        "hipaa_minimum_necessary: {extra_terms: [veneers]}\n"
    )
    rules = load_rules(path).by_id()
    say = {rule_id: rule_sentence(rule_id, rule) for rule_id, rule in rules.items()}
    assert "At most 2 contacts in any 168 hours" in say["healthcare_weekly_cap"]
    assert "within 90 s" in say["optout_confirmation"]
    assert "45 seconds or less" in say["exempt_voice_duration"]
    assert "FL: at most 1 contact in any 12 hours" in say["state_daily_cap"]
    assert "OK: at most 3 contacts in any 24 hours" in say["state_daily_cap"]
    assert "1 of them added by the rules file" in say["hipaa_minimum_necessary"]


def test_the_audit_page_states_rules_with_numbers_and_cites_no_missing_file(single_report):
    html = unescape(single_report.html.read_text())
    rules = html.split("<h3>Rules in force</h3>", 1)[1]
    assert "At most 3 contacts in any 7 days" in rules
    assert "max_contacts" not in rules and "window_h" not in rules and "within_s" not in rules
    assert "domain.md" not in html


def test_opt_out_requests_and_the_opt_out_kpi_are_told_apart(single_report, run_dir):
    import pyarrow.parquet as pq

    kinds = pq.read_table(run_dir / "optouts.parquet", columns=["kind"])["kind"].to_pylist()
    html = unescape(single_report.html.read_text())
    note = re.search(r"Opt-out requests honoured counts [^<]*", html)
    assert note is not None
    assert f"{kinds.count('hard'):,} hard (stop for good)" in note.group(0)
    assert f"{kinds.count('soft'):,} soft (a pause)" in note.group(0)
    assert "count patients instead" in note.group(0)


def test_a_replicated_report_gives_a_practices_patients_and_mean_hours(replicated_dir, tmp_path):
    import pyarrow.parquet as pq

    files = build_report(replicated_dir, tmp_path)
    html = files.html.read_text()
    one = pq.read_table(replicated_dir / "replications" / "r000" / "patients.parquet").num_rows
    assert f"<dt>Patients (each replication)</dt><dd>{one:,}</dd>" in html
    assert "mean of 3 replications" in html
