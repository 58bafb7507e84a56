"""The report as a person sees it: escaped, self-contained, reproducible, and rendering in a browser."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import matplotlib.image as mpimg
import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from dentsim.reports.report import build_report

SCRIPT = "<script>alert(1)</script>"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
PDFTOPPM = shutil.which("pdftoppm")


def not_blank(png: Path, min_std: float = 0.02) -> bool:
    pixels = mpimg.imread(png)
    return float(np.asarray(pixels)[..., :3].std()) > min_std


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


def test_the_pdf_carries_no_date(single_report):
    data = single_report.pdf.read_bytes()
    assert b"/CreationDate" not in data and b"/ModDate" not in data


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


@pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed (CI installs it: .ci/run)")
def test_the_html_renders_in_headless_chromium_without_errors(single_report, tmp_path):
    shot = tmp_path / "shot.png"
    args = [
        CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
        "--no-first-run", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", f"--user-data-dir={tmp_path / 'profile'}", "--enable-logging=stderr",
        "--v=0", f"--screenshot={shot}", "--window-size=1280,2000",
        single_report.html.resolve().as_uri(),
    ]  # fmt: skip
    done = subprocess.run(args, capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    console = [line for line in done.stderr.splitlines() if "CONSOLE" in line]
    assert not console, console
    assert shot.is_file() and not_blank(shot)


@pytest.mark.skipif(
    PDFTOPPM is None, reason="pdftoppm is not installed (CI installs poppler-utils)"
)
def test_every_pdf_page_renders_and_is_not_blank(single_report, tmp_path):
    pages = len(re.findall(rb"/Type /Page\b", single_report.pdf.read_bytes()))
    done = subprocess.run(
        [PDFTOPPM, "-r", "40", "-png", str(single_report.pdf), str(tmp_path / "page")],
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    images = sorted(tmp_path.glob("page-*.png"))
    assert len(images) == pages
    for image in images:
        assert not_blank(image, 0.01), image.name
