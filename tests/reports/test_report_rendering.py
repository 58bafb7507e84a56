"""The report's files: escaped, self-contained, reproducible (the browser: test_browser.py; the
PDF's pages: test_pdf.py)."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from dentsim.reports.report import build_report

SCRIPT = "<script>alert(1)</script>"


def test_the_same_input_gives_the_same_pdf_and_png_bytes(run_dir: Path, tmp_path: Path) -> None:
    """Two reports of one run, made in two separate processes (with different build-date
    settings), are the same bytes: what a user who reruns `dentsim report` gets. A third,
    built in this process after every earlier test, is the same too."""
    outs = []
    for name, epoch in (("first", "0"), ("second", "1234567890")):
        out = tmp_path / name
        env = {**os.environ, "SOURCE_DATE_EPOCH": epoch}
        done = subprocess.run(
            [sys.executable, "-m", "dentsim.cli", "report", str(run_dir), "--out", str(out)],
            env=env, capture_output=True, text=True, check=False,
        )  # fmt: skip
        assert done.returncode == 0, done.stderr
        outs.append(out)
    first, second = outs
    assert (first / "report.pdf").read_bytes() == (second / "report.pdf").read_bytes()
    third = build_report(run_dir, tmp_path / "third")
    assert third.pdf.read_bytes() == (first / "report.pdf").read_bytes()
    for chart in sorted((first / "charts").glob("*.png")):
        assert chart.read_bytes() == (second / "charts" / chart.name).read_bytes(), chart.name


def test_the_html_is_self_contained(single_report):
    html = single_report.html.read_text()
    assert "<script" not in html and "<link" not in html and "@import" not in html
    assert not re.search(r"""(src|href)\s*=\s*["'](?!data:)""", html)
    assert "url(" not in html
    images = re.findall(r'<img src="([^"]+)"', html)
    assert images and all(src.startswith("data:image/png;base64,") for src in images)
    assert "default-src 'none'" in html  # and the browser is told to load nothing else


def test_names_from_the_data_are_escaped(run_dir, tmp_path):
    hostile = tmp_path / "hostile"
    shutil.copytree(run_dir, hostile)
    practices = pq.read_table(hostile / "practices.parquet")
    names = pa.array([SCRIPT] * practices.num_rows, pa.string())
    practices = practices.set_column(practices.schema.get_field_index("name"), "name", names)
    pq.write_table(practices, hostile / "practices.parquet")
    run = json.loads((hostile / "run.json").read_text())
    run["scenario"]["name"] = SCRIPT
    (hostile / "run.json").write_text(json.dumps(run))
    files = build_report(hostile, tmp_path / "out")
    html = files.html.read_text()
    assert SCRIPT not in html
    assert "<script" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
