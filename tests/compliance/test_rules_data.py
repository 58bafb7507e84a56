"""The rules as data: the packaged defaults say what domain.md says, and a user file overrides them."""

from __future__ import annotations

from pathlib import Path

import pytest

from dentsim.compliance.rules import RULE_IDS, load_rules
from dentsim.errors import InputError


def test_every_rule_has_a_statement_and_a_source():
    rules = load_rules()
    assert list(rules.by_id()) == list(RULE_IDS)
    for rule_id, rule in rules.by_id().items():
        assert rule.statement.strip(), rule_id
        assert rule.source.strip(), rule_id
        assert rule.enabled, rule_id


@pytest.mark.parametrize(
    ("state", "weekday_window", "sunday_window"),
    [
        ("FL", ("08:00", "20:00"), ("08:00", "20:00")),
        ("OK", ("08:00", "20:00"), ("08:00", "20:00")),
        ("MD", ("08:00", "20:00"), ("08:00", "20:00")),
        ("WA", ("08:00", "20:00"), ("08:00", "20:00")),
        ("TX", ("09:00", "21:00"), ("12:00", "21:00")),
        ("LA", ("08:00", "20:00"), ("08:00", "20:00")),
        ("AL", ("08:00", "20:00"), ("08:00", "20:00")),
        ("MS", ("08:00", "20:00"), ("08:00", "20:00")),
        ("CT", ("09:00", "20:00"), ("09:00", "20:00")),
        ("NJ", ("08:00", "21:00"), ("08:00", "21:00")),
        ("IL", ("08:00", "21:00"), ("08:00", "21:00")),
    ],
)
def test_state_windows_follow_the_domain_table(state, weekday_window, sunday_window):
    table = load_rules().state_calling_window.states[state]
    sunday = table.by_weekday.get("sun", table.window)
    assert (table.window.start_local, table.window.end_local) == weekday_window
    assert (sunday.start_local, sunday.end_local) == sunday_window
    assert table.source


def test_sunday_and_holiday_bans_follow_the_domain_table():
    bans = load_rules().state_sunday_holiday_ban
    assert {s: (b.sundays, b.holidays) for s, b in bans.states.items()} == {
        "LA": (True, True),
        "AL": (True, True),
        "MS": (True, False),
    }
    assert bans.holiday_calendar == "us_federal"


def test_state_caps_are_three_a_day_same_subject_in_fl_and_ok_and_any_subject_in_md():
    caps = load_rules().state_daily_cap.states
    assert {s: (c.max_contacts, c.window_h, c.per_subject) for s, c in caps.items()} == {
        "FL": (3, 24, True),
        "OK": (3, 24, True),
        "MD": (3, 24, False),
    }


def test_healthcare_caps_are_one_a_local_day_and_three_in_seven_local_days():
    rules = load_rules()
    assert rules.healthcare_daily_cap.max_contacts == 1
    assert rules.healthcare_daily_cap.day == "local_calendar_day"
    assert rules.healthcare_weekly_cap.max_contacts == 3
    assert rules.healthcare_weekly_cap.week == "local_7_calendar_days"
    assert set(rules.healthcare_daily_cap.channels) == {"voice", "sms"}


def test_windows_parse_to_seconds_of_day():
    window = load_rules().federal_calling_window.window
    assert (window.start_s, window.end_s) == (8 * 3600, 21 * 3600)


def test_the_hipaa_vocabulary_is_loaded_from_the_shared_file():
    terms = load_rules().hipaa_minimum_necessary.terms
    assert {"root canal", "crown", "balance", "$"} <= set(terms)


def test_soft_opt_outs_do_not_pause_existing_care():
    assert {"confirmation", "post_op"} <= set(load_rules().soft_opt_out_pause.exempt_purposes)


def test_the_rules_are_frozen():
    rules = load_rules()
    with pytest.raises(ValueError):
        rules.opt_out.scope = "all_channels"  # type: ignore[misc]


def write(tmp_path: Path, text: str, name: str = "rules.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def test_a_user_file_changes_one_parameter_and_keeps_the_rest(tmp_path):
    rules = load_rules(write(tmp_path, "healthcare_weekly_cap:\n  max_contacts: 2\n"))
    assert rules.healthcare_weekly_cap.max_contacts == 2
    assert rules.healthcare_weekly_cap.week == "local_7_calendar_days"
    assert rules.healthcare_daily_cap.max_contacts == 1


def test_a_user_file_adds_a_state_and_removes_another_with_null(tmp_path):
    text = """
state_calling_window:
  states:
    NV:
      source: "house policy"
      window: {start_local: "09:00", end_local: "19:00"}
    TX: null
"""
    states = load_rules(write(tmp_path, text)).state_calling_window.states
    assert states["NV"].window.end_s == 19 * 3600
    assert "TX" not in states
    assert "FL" in states


def test_a_user_file_can_disable_a_rule(tmp_path):
    rules = load_rules(write(tmp_path, "sms_text_allowed:\n  enabled: false\n"))
    assert not rules.sms_text_allowed.enabled


def test_a_user_vocabulary_file_is_read_next_to_the_rules_file(tmp_path):
    write(tmp_path, "source: house\nterms:\n  procedures: [fluoride]\n", "vocab.yaml")
    text = "hipaa_minimum_necessary:\n  vocabulary_file: vocab.yaml\n  extra_terms: [Sealant]\n"
    terms = load_rules(write(tmp_path, text)).hipaa_minimum_necessary.terms
    assert set(terms) == {"fluoride", "sealant"}


def test_an_unknown_key_names_the_file_line_and_key_path(tmp_path):
    path = write(tmp_path, "federal_calling_window:\n  chanels: [voice]\n")
    with pytest.raises(InputError) as e:
        load_rules(path)
    assert e.value.problems == [
        f"{path}:2: federal_calling_window.chanels: unknown key 'chanels'; did you mean 'channels'?"
    ]


def test_an_unknown_rule_id_is_an_error(tmp_path):
    path = write(tmp_path, "federal_calling_windows:\n  enabled: false\n")
    with pytest.raises(InputError) as e:
        load_rules(path)
    assert f"{path}:1: federal_calling_windows: unknown key" in e.value.problems[0]


def test_an_unquoted_time_is_explained(tmp_path):
    path = write(
        tmp_path, "federal_calling_window:\n  window: {start_local: 8:30, end_local: '21:00'}\n"
    )
    with pytest.raises(InputError) as e:
        load_rules(path)
    assert "federal_calling_window.window.start_local" in e.value.problems[0]
    assert "base-60" in e.value.problems[0]


def test_a_window_that_ends_before_it_starts_is_an_error(tmp_path):
    path = write(
        tmp_path, "federal_calling_window:\n  window: {start_local: '21:00', end_local: '08:00'}\n"
    )
    with pytest.raises(InputError) as e:
        load_rules(path)
    assert "federal_calling_window.window.end_local" in e.value.problems[0]
    assert "later than start_local" in e.value.problems[0]


def test_a_missing_vocabulary_file_is_named(tmp_path):
    path = write(tmp_path, "hipaa_minimum_necessary:\n  vocabulary_file: nowhere.yaml\n")
    with pytest.raises(InputError) as e:
        load_rules(path)
    assert e.value.problems[0].startswith(f"{path}:2: hipaa_minimum_necessary.vocabulary_file")


def test_a_missing_rules_file_is_named(tmp_path):
    with pytest.raises(InputError, match="file not found"):
        load_rules(tmp_path / "absent.yaml")


def test_the_example_rules_file_in_the_docs_loads(tmp_path):
    docs = Path(__file__).resolve().parents[2] / "docs" / "compliance.md"
    example = docs.read_text().split("```yaml\n", 1)[1].split("```", 1)[0]
    rules = load_rules(write(tmp_path, example))
    assert rules.healthcare_weekly_cap.max_contacts == 2
    assert rules.state_calling_window.states["TX"].by_weekday["sat"].end_s == 18 * 3600
    assert rules.state_calling_window.states["TX"].by_weekday["sun"].start_s == 12 * 3600
    assert {"sealant", "fluoride varnish"} <= set(rules.hipaa_minimum_necessary.terms)
