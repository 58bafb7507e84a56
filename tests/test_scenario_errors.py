"""Bad scenario input: one clear FILE:LINE: key.path message per problem, exit code 2, no traceback."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import yaml
from hypothesis import example, given
from hypothesis import strategies as st

from dentsim.cli import main
from dentsim.yamlio.validation import yaml_float
from tests.conftest import BASELINE

BASE_TEXT = BASELINE.read_text()


def edit(old: str, new: str) -> str:
    assert old in BASE_TEXT, old
    return BASE_TEXT.replace(old, new, 1)


def block(first: str, lines: int) -> str:
    """`lines` lines of the baseline from the line that starts with `first`."""
    text = BASE_TEXT.splitlines()
    start = next(i for i, line in enumerate(text) if line.startswith(first))
    return "\n".join(text[start : start + lines])


OVERDUE = block("  overdue_months_max: 8", 1)
RECALL_CADENCE = block("    cadence:                        # days after the first touch", 4)
REACTIVATION_CADENCE = (
    "    cadence:\n      - {day: 0, channel: voice}\n      - {day: 7, channel: sms}\n"
    "      - {day: 21, channel: voice}"
)
POST_OP_CADENCE = block("    cadence:                        # days after the procedure", 3)
TREATMENT_PLAN_CADENCE = block("    cadence:                        # days after the plan", 4)
ANSWER_CURVE = block("  p_answer_by_hour:", 8)


CASES = {
    "misspelt_key": (
        edit("  lines: 4 ", "  lynes: 4 "),
        r"telephony\.lynes: unknown key 'lynes'; did you mean 'lines'\?",
    ),
    "probability_above_one": (
        edit("  p_return_message: 0.12 ", "  p_return_message: 1.5 "),
        r"behaviour\.p_return_message: .*less than or equal to 1, found 1\.5",
    ),
    "no_read_as_false": (
        edit("caller_id: practice_main", "caller_id: no"),
        r"telephony\.caller_id: .*found false: YAML reads the unquoted word no as false",
    ),
    "exponent_read_as_text": (
        edit("p_soft_opt_out_base: 0.005", "p_soft_opt_out_base: 5e-3"),
        r"behaviour\.p_soft_opt_out_base: expected a number, found '5e-3': YAML reads 5e-3 as text",
    ),
    "exponent_without_a_dot_read_as_text": (
        edit("  hygiene_visit: 200.0 ", "  hygiene_visit: 1e300 "),
        r"fees\.hygiene_visit: expected a number, found '1e300': YAML reads 1e300 as text, not a "
        r"number \(it needs a dot and a signed exponent\); write it as 1\.0e\+300$",
    ),
    "exponent_beyond_every_number_read_as_text": (
        edit("  hygiene_visit: 200.0 ", "  hygiene_visit: 1e999 "),
        r"fees\.hygiene_visit: expected a number, found '1e999': YAML reads 1e999 as text, not a "
        r"number \(it needs a dot and a signed exponent\)$",
    ),
    "clock_time_read_as_base_60": (
        edit('planning_time: "07:00"', "planning_time: 9:30"),
        r"strategy\.planning_time: expected text, found 570: .*base-60 number 570; quote it: '09:30'",
    ),
    "impossible_date": (
        edit("start_date: 2026-01-05 ", "start_date: 2026-13-05 "),
        r"start_date: not a valid date .*found 2026-13-05",
    ),
    "tab_in_indentation": (
        edit("  lines: 4 ", "\tlines: 4 "),
        r"a tab character in the indentation",
    ),
    "duplicate_key": (
        edit("days: 365 ", "days: 365\ndays: 300 "),
        r"days: duplicate key 'days' \(first given at line \d+\)",
    ),
    "not_yaml": ("name: [x\n  foo: }\n", r"not valid YAML"),
    "empty_file": ("# only a comment\n", r"the file is empty"),
    "top_level_list": ("- a\n- b\n", r"expected a mapping of keys at the top level, found a list"),
    "unknown_channel": (
        edit("{day: 3, channel: sms}", "{day: 3, channel: fax}"),
        r"campaigns\.recall\.cadence\[1\]\.channel: expected one of 'voice' or 'sms', found 'fax'",
    ),
    "closing_before_opening": (
        edit('mon: {open: "08:00", close: "17:00"}', 'mon: {open: "17:00", close: "08:00"}'),
        r"practice\.opening_hours\.mon: close \(08:00\) must be after open \(17:00\)",
    ),
    "missing_required_key": (
        edit("  state: CA ", "  # state removed"),
        r"practice\.state: missing required key 'state'",
    ),
    "text_for_a_number": (
        edit("  patients: 1800 ", "  patients: lots "),
        r"population\.patients: expected a whole number, found 'lots'",
    ),
    "cadence_not_increasing": (
        edit("- {day: 10, channel: voice}", "- {day: 2, channel: voice}"),
        r"campaigns\.recall\.cadence: cadence days must increase, found \[0, 3, 2\]",
    ),
    "negative_cadence_offset": (
        edit("- {day: 14, channel: voice}", "- {day: -14, channel: voice}"),
        r"campaigns\.treatment_plan\.cadence\[1\]\.day: .*greater than or equal to 0, found -14",
    ),
    "channel_that_does_not_exist": (
        edit("- {day: 7, channel: sms}", "- {day: 7, channel: email}"),
        r"campaigns\.reactivation\.cadence\[1\]\.channel: expected one of 'voice' or 'sms', found 'email'",
    ),
    "cap_of_zero": (
        edit(
            "    cap_per_week: 1                 # attempts",
            "    cap_per_week: 0                 # attempts",
        ),
        r"campaigns\.recall\.cap_per_week: .*greater than or equal to 1, found 0",
    ),
    "soft_opt_out_pause_reversed": (
        edit(
            "soft_opt_out_pause_days: {min: 30, max: 60}",
            "soft_opt_out_pause_days: {min: 60, max: 30}",
        ),
        r"strategy\.soft_opt_out_pause_days: the range is reversed: max \(30\) is below min \(60\)",
    ),
    "unknown_dial_time_policy": (
        edit("  dial_time: spread ", "  dial_time: sprad "),
        r"strategy\.dial_time: expected one of .*found 'sprad'; did you mean 'spread'\?",
    ),
    "confirmation_window_inverted": (
        edit("    last_hours_before: 24 ", "    last_hours_before: 50 "),
        r"campaigns\.confirmation: last_hours_before \(50\.0\) must be below first_hours_before",
    ),
    "unknown_state": (
        edit("  state: CA ", "  state: ZZ "),
        r"practice\.state: expected one of .*found 'ZZ'",
    ),
    # accepted by validate, then a traceback in run, before these were refused
    "unknown_area_code_299": (
        edit(OVERDUE, f"{OVERDUE}\n  area_code_mix: {{'213': 0.5, '299': 0.5}}"),
        r"population\.area_code_mix: unknown area code 299: not a geographic US area code",
    ),
    "unknown_area_code_555": (
        edit(OVERDUE, f"{OVERDUE}\n  area_code_mix: {{'555': 1.0}}"),
        r"population\.area_code_mix: unknown area code 555: not a geographic US area code",
    ),
    "start_date_in_9999": (
        edit("start_date: 2026-01-05 ", "start_date: 9999-12-01 "),
        r"start_date: dentsim simulates dates from 1970-01-01 to \d{4}-12-31 .*found 9999-12-01",
    ),
    "start_date_before_1970": (
        edit("start_date: 2026-01-05 ", "start_date: 1969-12-31 "),
        r"start_date: dentsim simulates dates from 1970-01-01 .*found 1969-12-31",
    ),
    "year_runs_past_the_holiday_calendar": (
        edit("start_date: 2026-01-05 ", "start_date: 2100-03-01 "),
        r"days: from start_date 2100-03-01, 365 days .* run to 2101-09-17, past 2100-12-31",
    ),
    "all_zero_address_state_mix": (
        edit(OVERDUE, f"{OVERDUE}\n  address_state_mix: {{CA: 0, NV: 0}}"),
        r"population\.address_state_mix: the shares must not all be 0$",
    ),
    "empty_address_state_mix": (
        edit(OVERDUE, f"{OVERDUE}\n  address_state_mix: {{}}"),
        r"population\.address_state_mix: give at least one share, or leave the key out$",
    ),
    "all_zero_area_code_mix": (
        edit(OVERDUE, f"{OVERDUE}\n  area_code_mix: {{'213': 0.0}}"),
        r"population\.area_code_mix: the shares must not all be 0$",
    ),
    "all_zero_procedure_mix": (
        edit(
            "procedure_mix: {extraction: 0.3, periodontal_therapy: 0.2, implant: 0.1, large_restorative: 0.4}",
            "procedure_mix: {extraction: 0, periodontal_therapy: 0, implant: 0, large_restorative: 0}",
        ),
        r"clinical\.procedure_mix: the shares must not all be 0$",
    ),
    "all_zero_confirmation_reply_mix": (
        edit(
            "confirmation_reply_mix: {confirm: 0.86, cancel: 0.04, reschedule: 0.05, stop: 0.01, free_text: 0.04}",
            "confirmation_reply_mix: {confirm: 0, stop: 0}",
        ),
        r"behaviour\.confirmation_reply_mix: the shares must not all be 0$",
    ),
    "all_zero_group_state_mix": (
        BASE_TEXT + "\ngroup: {practices: 2, state_mix: {CA: 0, TX: 0}}\n",
        r"group\.state_mix: the shares must not all be 0$",
    ),
    "empty_recall_cadence": (
        edit(RECALL_CADENCE, "    cadence: []"),
        r"campaigns\.recall\.cadence: a cadence needs at least one step; to switch the use case off, set enabled: false",
    ),
    "empty_reactivation_cadence": (
        edit(REACTIVATION_CADENCE, "    cadence: []"),
        r"campaigns\.reactivation\.cadence: a cadence needs at least one step",
    ),
    "empty_post_op_cadence": (
        edit(POST_OP_CADENCE, "    cadence: []"),
        r"campaigns\.post_op\.cadence: a cadence needs at least one step",
    ),
    "empty_treatment_plan_cadence": (
        edit(TREATMENT_PLAN_CADENCE, "    cadence: []"),
        r"campaigns\.treatment_plan\.cadence: a cadence needs at least one step",
    ),
    "no_answer_curve": (
        edit(ANSWER_CURVE, "  p_answer_by_hour: {}"),
        r"telephony\.p_answer_by_hour: .*at least 1 item",
    ),
    "p_accept_without_a_use_case": (
        edit(
            "p_accept: {recall: 0.145, reactivation: 0.11, treatment_plan: 0.105}",
            "p_accept: {recall: 0.145, reactivation: 0.11}",
        ),
        r"behaviour\.p_accept: give every use case that books; missing treatment_plan",
    ),
    "responsiveness_mean_of_zero": (
        edit("  responsiveness_mean: 0.5 ", "  responsiveness_mean: 0.0 "),
        r"behaviour\.responsiveness_mean: input should be greater than 0, found 0\.0",
    ),
    "responsiveness_mean_of_one": (
        edit("  responsiveness_mean: 0.5 ", "  responsiveness_mean: 1.0 "),
        r"behaviour\.responsiveness_mean: input should be less than 1, found 1\.0",
    ),
    "annoyance_threshold_near_zero": (
        edit("  annoyance_threshold_mean: 2.5 ", "  annoyance_threshold_mean: 1.0e-300 "),
        r"behaviour\.annoyance_threshold_mean: input should be greater than or equal to 0\.1",
    ),
    "more_providers_than_the_book_can_count": (
        edit("  providers: 3 ", "  providers: 100000 "),
        r"practice\.providers: input should be less than or equal to 1000, found 100000",
    ),
    "group_practice_scaled_beyond_the_book": (
        BASE_TEXT + "\ngroup: {practices: 2, patients: {min: 100, max: 1000000}}\n",
        r"group: a practice of 1,000,000 patients would have 1,667 providers or chairs",
    ),
    "number_too_long_to_read": (
        edit("seed: 20261126 ", "seed: " + "9" * 5000 + " "),
        r"seed: a number of 5,000 digits; dentsim reads numbers of at most 4,300 digits$",
    ),
    "quoted_hour_key": (
        edit("    8: 0.176 ", "    '8': 0.176 "),
        r"telephony\.p_answer_by_hour\.8: expected a whole number, found '8'$",
    ),
    "name_that_climbs_out_of_runs": (
        edit("name: baseline ", "name: ../../x "),
        r"name: expected one file name of up to 80 letters, .*found '\.\./\.\./x'",
    ),
    "absolute_name": (
        edit("name: baseline ", "name: /tmp/x "),
        r"name: expected one file name .*found '/tmp/x'",
    ),
    "blank_practice_name": (
        edit("practice:\n", 'practice:\n  name: "   "\n'),
        r"practice\.name: expected the practice's name, found blank text",
    ),
    "empty_practice_name": (
        edit("practice:\n", 'practice:\n  name: ""\n'),
        r"practice\.name: expected the practice's name, found blank text .*leave the key out",
    ),
    "control_characters_in_practice_name": (
        edit("practice:\n", 'practice:\n  name: "Smile\\x1b[31m Dental\\x07"\n'),
        r"practice\.name: expected printable text, found control characters \(U\+0007, U\+001B\)",
    ),
    "right_to_left_override_in_practice_name": (
        edit("practice:\n", 'practice:\n  name: "Smile\\u202e Dental"\n'),
        r"practice\.name: expected printable text, found control characters \(U\+202E\); .*"
        r"a bidirectional one reorders the text that follows the name",
    ),
    "quoted_date": (
        edit("start_date: 2026-01-05 ", 'start_date: "2026-01-05" '),
        r"start_date: expected a date \(YYYY-MM-DD\), found '2026-01-05' in quotes, which YAML "
        r"reads as text: write it without the quotes \(2026-01-05\)",
    ),
    "quoted_number": (
        edit("  lines: 4 ", '  lines: "4" '),
        r"telephony\.lines: expected a whole number, found '4' in quotes",
    ),
    "faults_above_always": (
        edit("  p_busy: 0.03", "  p_busy: 0.995"),
        r"telephony: p_busy \+ p_failed is 1\.005; one draw decides both for a dial, so their "
        r"sum must be at most 1",
    ),
    "no_call_days": (
        edit("  call_days: [mon, tue, wed, thu, fri, sat]", "  call_days: []"),
        r"strategy\.call_days: list should have at least 1 item",
    ),
}


def line_of(text: str, needle: str) -> int:
    return next(i for i, line in enumerate(text.splitlines(), start=1) if needle in line)


@pytest.mark.parametrize("name", sorted(CASES))
def test_bad_scenario_gets_one_clear_line_and_exit_code_2(
    name: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text, pattern = CASES[name]
    path = tmp_path / f"{name}.yaml"
    path.write_text(text)
    assert main(["validate", str(path)]) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert re.match(rf"^{re.escape(str(path))}:\d+: ", lines[0]), lines[0]
    assert re.search(pattern, lines[0]), lines[0]


def test_error_names_the_line_of_the_offending_key(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text = edit("  lines: 4 ", "  lynes: 4 ")
    path = tmp_path / "s.yaml"
    path.write_text(text)
    main(["validate", str(path)])
    assert capsys.readouterr().err.startswith(f"{path}:{line_of(text, 'lynes')}: ")


def test_several_problems_are_all_reported(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text = edit("  lines: 4 ", "  lynes: 4 ").replace("p_busy: 0.03", "p_busy: 3")
    path = tmp_path / "s.yaml"
    path.write_text(text)
    assert main(["validate", str(path)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 2 and "lynes" in err[0] and "p_busy" in err[1]


def test_missing_file_and_folder(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", str(tmp_path / "nope.yaml")]) == 2
    assert "nope.yaml: file not found" in capsys.readouterr().err
    assert main(["run", str(tmp_path)]) == 2
    assert "is a folder" in capsys.readouterr().err


def test_run_with_bad_scenario_writes_nothing(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(edit("  lines: 4 ", "  lines: 0 "))
    out = tmp_path / "out"
    assert main(["run", str(path), "--out", str(out), "--quiet"]) == 2
    assert not out.exists()


def test_valid_scenario_validates_and_schema_is_json_schema(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["validate", str(BASELINE)]) == 0
    capsys.readouterr()
    assert main(["schema"]) == 0
    schema = json.loads(capsys.readouterr().out)
    assert schema["title"] == "dentsim scenario"
    assert {"practice", "telephony", "campaigns"} <= set(schema["properties"])
    assert schema["additionalProperties"] is False


@given(st.floats(allow_nan=False, allow_infinity=False))
@example(1e300)
@example(-1e-7)
@example(5e-324)
def test_the_number_a_yaml_trap_suggests_reads_back_as_that_number(x: float) -> None:
    written = yaml_float(x)
    assert written is not None
    assert yaml.safe_load(f"x: {written}") == {"x": x}
