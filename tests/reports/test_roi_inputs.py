"""The ROI file's checks: dollars and minutes within sane bounds, named in the message; the
practice's name checked as the scenario's is."""

from __future__ import annotations

from pathlib import Path

import pytest

from dentsim.cli import main
from dentsim.errors import InputError
from dentsim.reports.roi_inputs import MAX_USD, RoiInputs, load_roi_inputs

DOLLAR_KEYS = [
    (section, key)
    for section, field in RoiInputs.model_fields.items()
    for key in field.annotation.model_fields  # type: ignore[union-attr]
    if section == "fees_usd" or key.endswith("_usd")
]


def problems(tmp_path: Path, text: str) -> list[str]:
    path = tmp_path / "roi.yaml"
    path.write_text(text)
    with pytest.raises(InputError) as e:
        load_roi_inputs(path)
    return [p.removeprefix(f"{path}:") for p in e.value.problems]


def test_the_dollar_keys_are_found() -> None:
    assert {("fees_usd", "hygiene_visit"), ("staff", "hourly_cost_usd"),
            ("ai", "cost_per_sms_usd"), ("ai", "platform_fee_monthly_usd")} <= set(DOLLAR_KEYS)  # fmt: skip


@pytest.mark.parametrize(("section", "key"), DOLLAR_KEYS)
def test_a_dollar_amount_beyond_ten_million_is_refused_with_the_bound(
    section: str, key: str, tmp_path: Path
) -> None:
    assert problems(tmp_path, f"{section}:\n  {key}: 1.0e+300\n") == [
        f"2: {section}.{key}: input should be less than or equal to 10000000, found 1e+300"
    ]
    path = tmp_path / "at_the_bound.yaml"
    path.write_text(f"{section}:\n  {key}: {MAX_USD}\n")
    assert getattr(getattr(load_roi_inputs(path), section), key) == MAX_USD


def test_a_manual_call_longer_than_two_hours_is_refused_with_the_bound(tmp_path: Path) -> None:
    assert problems(tmp_path, "staff:\n  minutes_per_manual_call: 121\n") == [
        "2: staff.minutes_per_manual_call: input should be less than or equal to 120, found 121"
    ]


@pytest.mark.parametrize(
    ("written", "message"),
    [
        ('"   "', "expected the practice's name, found blank text"),
        ('"Smile\\a Dental"', r"found control characters (U+0007)"),
        ('"Smile\\n Dental"', r"found control characters (U+000A)"),
        ('"Smile\\u202e Dental"', r"found control characters (U+202E)"),
        ('"Smile\\u2066 Dental"', r"found control characters (U+2066)"),
    ],
    ids=["blank", "bel", "newline", "right_to_left_override", "left_to_right_isolate"],
)
def test_a_practice_name_that_would_garble_the_page_is_refused(
    written: str, message: str, tmp_path: Path
) -> None:
    (line,) = problems(tmp_path, f"practice:\n  name: {written}\n")
    assert line.startswith("2: practice.name: ") and message in line
    if "U+202E" in message or "U+2066" in message:
        assert "reorders the text that follows the name" in line
        assert "\u202e" not in line and "\u2066" not in line  # quoted escaped, never applied


def test_a_practice_name_with_ampersand_and_accents_is_kept(tmp_path: Path) -> None:
    path = tmp_path / "roi.yaml"
    path.write_text('practice:\n  name: "Crown & Bridge Dental, Señora Núñez"\n')
    assert load_roi_inputs(path).practice.name == "Crown & Bridge Dental, Señora Núñez"


def test_validate_refuses_a_bad_roi_file_in_one_line_and_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "roi.yaml"
    path.write_text("ai:\n  platform_fee_monthly_usd: 1.0e+300\n")
    assert main(["validate", str(path)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err == [
        f"{path}:2: ai.platform_fee_monthly_usd: input should be less than or equal to "
        "10000000, found 1e+300"
    ]
