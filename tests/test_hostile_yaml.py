"""Hostile or broken files are refused quickly, with exit code 2 and one FILE:LINE line naming
the limit they broke, and no message quotes a file that may not be YAML at all."""

from __future__ import annotations

import os
import re
import time
from pathlib import Path

import pytest

from dentsim.cli import main
from dentsim.yamlio import MAX_DEPTH, MAX_FILE_BYTES, MAX_VALUES, read_yaml
from tests.conftest import BASELINE

# "Billion laughs" in 342 bytes: nine levels of nine aliases, 9**9 strings once expanded.
ALIAS_BOMB = "".join(
    [
        'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n',
        *(
            f"{b}: &{b} [{','.join([f'*{a}'] * 9)}]\n"
            for a, b in zip("abcdefgh", "bcdefghi", strict=True)
        ),
    ]
)


def refused(
    path: Path, capsys: pytest.CaptureFixture[str], *argv: str, within_s: float = 5.0
) -> str:
    """Validate `path` (or run argv); assert exit 2 within the time and one clean line."""
    started = time.monotonic()
    assert main(list(argv) or ["validate", str(path)]) == 2
    assert time.monotonic() - started < within_s
    err = capsys.readouterr().err
    assert "Traceback" not in err
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    return lines[0]


def test_an_alias_bomb_of_a_few_hundred_bytes_is_refused_in_about_a_second(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "bomb.yaml"
    path.write_text(ALIAS_BOMB)
    assert len(ALIAS_BOMB.encode()) < 400
    line = refused(path, capsys)
    assert line.startswith(f"{path}:")
    assert f"more than {MAX_VALUES:,} values with aliases expanded" in line


def test_the_alias_bomb_is_refused_by_run_too_with_nothing_written(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "bomb.yaml"
    path.write_text(ALIAS_BOMB)
    out = tmp_path / "out"
    refused(path, capsys, "run", str(path), "--out", str(out), "--quiet")
    assert not out.exists()


@pytest.mark.parametrize(
    "text",
    [
        "a: " + "[" * 3000 + "]" * 3000 + "\n",
        "a: " + "{b: " * 3000 + "1" + "}" * 3000 + "\n",
        "".join(f"{' ' * i}k{i}:\n" for i in range(3000)) + " " * 3000 + "x\n",
    ],
    ids=["lists", "mappings", "indented_blocks"],
)
def test_three_thousand_levels_of_nesting_are_refused_with_the_limit_named(
    text: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "deep.yaml"
    path.write_text(text)
    line = refused(path, capsys)
    assert re.search(
        rf"nested more than {MAX_DEPTH} levels deep|larger than {MAX_FILE_BYTES:,}", line
    )


def test_nesting_by_chained_aliases_counts_as_nesting(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    lines = ["a0: &a0 [1]"] + [f"a{i}: &a{i} [*a{i - 1}]" for i in range(1, MAX_DEPTH + 5)]
    path = tmp_path / "chain.yaml"
    path.write_text("\n".join(lines) + "\n")
    assert f"nested more than {MAX_DEPTH} levels deep" in refused(path, capsys)


def test_an_alias_inside_its_own_anchor_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "cycle.yaml"
    path.write_text("name: x\nloop: &a [1, *a]\n")
    assert refused(path, capsys).startswith(f"{path}:2: the alias *a repeats a node")


def test_a_file_larger_than_the_limit_is_refused_before_it_is_parsed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "big.yaml"
    path.write_text("items:\n" + "  - 1\n" * (MAX_FILE_BYTES // 6 + 10))
    assert f"larger than {MAX_FILE_BYTES:,} bytes" in refused(path, capsys, within_s=2.0)


def test_ordinary_anchors_and_merge_keys_still_read(tmp_path: Path) -> None:
    path = tmp_path / "anchors.yaml"
    path.write_text("base: &b {x: 1, y: 2}\nother:\n  <<: *b\n  y: 3\nlist: [*b, *b]\n")
    data, _ = read_yaml(path)
    assert data["other"] == {"x": 1, "y": 3}
    assert data["list"] == [{"x": 1, "y": 2}] * 2


@pytest.mark.parametrize(
    ("char", "named"), [("\x00", "a NUL byte"), ("\x07", "the control character U+0007")]
)
def test_a_control_character_in_a_scenario_is_refused_at_its_line_and_column(
    char: str, named: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text = BASELINE.read_text().replace("name: baseline", f"name: base{char}line", 1)
    path = tmp_path / "nul.yaml"
    path.write_text(text)
    line_no = next(n for n, ln in enumerate(text.splitlines(), 1) if char in ln)
    line = refused(path, capsys)
    assert line.startswith(f"{path}:{line_no}: not valid YAML: {named} at column 11")


@pytest.mark.parametrize("written", [".inf", "-.inf", ".nan", ".NaN", "1.0e+999"])
def test_an_infinite_or_nan_number_is_refused_at_its_key(
    written: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text = BASELINE.read_text()
    old = "  hygiene_visit: 200.0 "
    assert old in text
    path = tmp_path / "inf.yaml"
    path.write_text(text.replace(old, f"  hygiene_visit: {written} ", 1))
    line_no = next(n for n, ln in enumerate(text.splitlines(), 1) if old in ln)
    line = refused(path, capsys)
    assert (
        line == f"{path}:{line_no}: fees.hygiene_visit: expected a finite number, found {written}"
    )


def test_no_user_yaml_of_any_kind_may_hold_an_infinite_number(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "roi.yaml"
    path.write_text("ai:\n  cost_per_minute_usd: .inf\n")
    line = refused(path, capsys)
    assert line == f"{path}:2: ai.cost_per_minute_usd: expected a finite number, found .inf"


def test_a_fifo_is_refused_without_blocking(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "pipe.yaml"
    os.mkfifo(path)
    assert "not a regular file" in refused(path, capsys)


def test_an_unreadable_file_is_a_clean_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "not_a_folder.yaml"
    path.write_text("x: 1\n")
    assert "cannot read the file" in refused(path / "child.yaml", capsys)


SECRET = "s3cr3t-hash-9f8e7d"


@pytest.mark.parametrize(
    "content",
    [
        f"root:x:0:0:root:/root:/bin/bash\nuser:{SECRET}:1000:1000::/home/user:/bin/sh\n",
        f"root:{SECRET}:20228:0:99999:7:::\ndaemon:*:20228:0:99999:7:::\n",
        f"[{SECRET}, 2, 3]\n",
        f"{SECRET}\n",
    ],
    ids=["passwd_like", "shadow_like", "a_list", "one_word"],
)
def test_a_sweep_whose_base_is_not_yaml_is_refused_without_quoting_that_file(
    content: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    secret = tmp_path / "passwd"
    secret.write_text(content)
    sweep = tmp_path / "sweep.yaml"
    sweep.write_text(
        f"base: {secret}\nvariants:\n  - name: a\n    overrides: {{telephony.lines: 2}}\n"
    )
    line = refused(sweep, capsys)
    assert line.startswith(f"{secret}:1: ")
    message = line.removeprefix(f"{secret}:1: ")
    assert SECRET not in message and "root" not in message and "daemon" not in message
