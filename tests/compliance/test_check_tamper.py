"""`dentsim check` on a result someone changed, and with outputs it must not write: a damaged
Parquet file, a transcripts.jsonl gone, emptied or replaced, a report path onto the audited
result, two reports at one path, and a console closed before the report is printed."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from .runlog import attempt, local, patient
from .test_cli_check import invoke

NY = "America/New_York"
PLAYED = {"dialogue": {"play": True, "transcripts": True}}
FILES = ["practices.parquet", "patients.parquet", "attempts.parquet", "optouts.parquet"]


def list_files(run_dir: Path, names: list[str]) -> Path:
    """Make run.json list `names` as the files its run wrote, as every real run.json does."""
    path = run_dir / "run.json"
    data = json.loads(path.read_text())
    data["files"] = names
    path.write_text(json.dumps(data))
    return run_dir


def transcript(attempt_id: int) -> dict[str, object]:
    return {
        "attempt_id": attempt_id,
        "turns": [{"speaker": "agent", "text": "Hello, this is Bright Smile Dental.", "t_s": 0}],
    }


@pytest.fixture
def played_run(make_run):
    """Two answered calls, both played, both transcribed; run.json lists transcripts.jsonl."""
    calls = [attempt(local("2026-03-10 10:00", NY)), attempt(local("2026-03-11 10:00", NY))]
    run = make_run([patient()], calls, transcripts=[transcript(1), transcript(2)], scenario=PLAYED)
    return list_files(run, [*FILES, "transcripts.jsonl"])


# --- a damaged Parquet file ---------------------------------------------------------------------


@pytest.mark.parametrize("name", ["attempts.parquet", "patients.parquet"])
def test_a_flipped_byte_anywhere_in_a_table_is_exit_2_with_one_line_naming_it_or_is_read(
    make_run, name
):
    calls = [
        attempt(local(f"2026-03-{10 + i % 5} 1{i % 8}:00", NY), outcome=f"o{i % 7}")
        for i in range(300)
    ]
    run = make_run([patient()], calls)
    path = run / name
    data = path.read_bytes()
    unreadable = 0
    for percent in range(2, 100, 2):
        damaged = bytearray(data)
        damaged[len(data) * percent // 100] ^= 0xFF
        path.write_bytes(bytes(damaged))
        # any exception but InputError (exit 2) would be raised here: a traceback
        code, _, err = invoke([str(run)])
        if code == 2:
            assert err.startswith(f"{path}: "), (percent, err)
            assert "\n" not in err, (percent, err)
            unreadable += "not a readable Parquet file" in err
    assert unreadable > 0


# --- transcripts the run's scenario promised ----------------------------------------------------


def test_a_played_run_with_every_transcript_passes(played_run):
    code, out, _ = invoke([str(played_run)])
    assert code == 0
    assert "not judged" not in out


def test_a_listed_transcripts_file_deleted_is_exit_2(played_run):
    (played_run / "transcripts.jsonl").unlink()
    code, _, err = invoke([str(played_run)])
    assert code == 2
    assert err.startswith(f"{played_run / 'transcripts.jsonl'}: listed in run.json but not found")


def test_a_listed_transcripts_file_replaced_by_a_folder_is_exit_2(played_run):
    (played_run / "transcripts.jsonl").unlink()
    (played_run / "transcripts.jsonl").mkdir()
    code, _, err = invoke([str(played_run)])
    assert code == 2
    assert err.startswith(f"{played_run / 'transcripts.jsonl'}: listed in run.json but not a file")


def test_an_emptied_transcripts_file_fails_the_calls_it_no_longer_holds(played_run, tmp_path):
    (played_run / "transcripts.jsonl").write_text("")
    out_json = tmp_path / "check.json"
    code, out, _ = invoke([str(played_run), "--json", str(out_json)])
    rule = next(
        r
        for r in json.loads(out_json.read_text())["results"]
        if r["rule_id"] == "hipaa_verify_before_phi"
    )
    assert code == 1
    assert rule["violations"] == 2
    assert rule["examples"][0]["why"].endswith(
        "without a transcript (run.json: dialogue.play and transcripts on): not judged"
    )
    assert "FAIL: 2 violations" in out


def test_a_transcript_line_removed_fails_that_call_only(played_run):
    (played_run / "transcripts.jsonl").write_text(json.dumps(transcript(2)) + "\n")
    code, out, _ = invoke([str(played_run)])
    assert code == 1
    assert "patient 1, attempt 1," in out
    assert "attempt 2," not in out


def test_calls_not_played_need_no_transcript(make_run):
    calls = [
        attempt(local("2026-03-10 10:00", NY), outcome="hung_up_on_silence"),
        attempt(local("2026-03-11 10:00", NY), result="no_answer", answered_by="machine"),
    ]
    run = make_run([patient()], calls, transcripts=[], scenario=PLAYED)
    code, _, _ = invoke([str(list_files(run, [*FILES, "transcripts.jsonl"]))])
    assert code == 0


def test_a_run_that_did_not_play_calls_needs_no_transcripts(make_run):
    calls = [attempt(local("2026-03-10 10:00", NY))]
    scenario = {"dialogue": {"play": False, "transcripts": True}}
    run = list_files(make_run([patient()], calls, scenario=scenario), FILES)
    code, out, _ = invoke([str(run)])
    assert code == 0
    assert "hipaa_verify_before_phi not judged" in out


# --- outputs that would overwrite the result, or each other -------------------------------------


@pytest.mark.parametrize("option", ["--junit", "--json"])
def test_a_report_onto_a_table_of_the_audited_run_is_refused_before_the_audit(played_run, option):
    table = played_run / "attempts.parquet"
    before = table.read_bytes()
    code, _, err = invoke([str(played_run), option, str(table)])
    assert code == 2
    assert "is a file of the result being checked" in err
    assert table.read_bytes() == before


def test_a_report_beside_the_run_under_a_name_dentsim_does_not_write_is_allowed(played_run):
    code, _, _ = invoke([str(played_run), "--junit", str(played_run / "check.xml")])
    assert code == 0
    assert (played_run / "check.xml").is_file()


def test_junit_and_json_at_one_path_are_refused_and_nothing_is_written(played_run, tmp_path):
    out = tmp_path / "report.out"
    code, _, err = invoke([str(played_run), "--junit", str(out), "--json", str(out)])
    assert code == 2
    assert err == f"--json {out}: the same file as --junit {out}; give each report its own file"
    assert not out.exists()


# --- a console closed by its reader -------------------------------------------------------------


@pytest.mark.parametrize("late, code", [(False, 0), (True, 1)])
def test_a_closed_console_keeps_the_audits_exit_code_and_writes_the_reports(
    make_run, tmp_path, late, code
):
    when = "2026-03-10 21:30" if late else "2026-03-10 10:00"
    run = make_run([patient()], [attempt(local(when, NY))])
    out_json, out_xml = tmp_path / "check.json", tmp_path / "check.xml"
    read_end, write_end = os.pipe()
    os.close(read_end)  # as `| head -1` does once it has its line: every write fails (EPIPE)
    try:
        done = subprocess.run(
            [sys.executable, "-c", "import sys; from dentsim.cli import main; sys.exit(main())"]
            + ["check", str(run), "--json", str(out_json), "--junit", str(out_xml)],
            stdout=write_end,
            stderr=subprocess.PIPE,
            text=True,
            timeout=120,
            check=False,
        )
    finally:
        os.close(write_end)
    assert done.returncode == code, done.stderr
    assert "Traceback" not in done.stderr
    assert json.loads(out_json.read_text())["ok"] is not late
    assert out_xml.is_file()
