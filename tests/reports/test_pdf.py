"""report.pdf as a reader holds it: letter pages, numbered, with the footer; every sentence whole
on its page, no text outside the page or over other text; reproducible; nothing fetched."""

from __future__ import annotations

import dataclasses
import hashlib
import logging
import re
import shutil
import subprocess
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from html import unescape
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import matplotlib.image as mpimg
import numpy as np
import pytest

from dentsim.reports.pdf import PdfError, print_html, write_pdf

from .conftest import Built
from .pdf_pages import PDFTOTEXT, needs_pdftotext, normalised, page_texts

KINDS = ("single", "replicated", "group", "sweep")
PDFINFO = shutil.which("pdfinfo")
PDFTOPPM = shutil.which("pdftoppm")
LETTER_PT = (612.0, 792.0)
SIDE_MARGIN_PT = 0.6 * 72  # the print CSS's @page margin


def content_strings(obj: Any) -> Iterator[str]:
    """Every string held in a Content (dataclasses, dicts, lists, tuples), in order."""
    if isinstance(obj, str):
        yield obj
    elif dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        for f in dataclasses.fields(obj):
            yield from content_strings(getattr(obj, f.name))
    elif isinstance(obj, dict):
        for value in obj.values():
            yield from content_strings(value)
    elif isinstance(obj, list | tuple):
        for item in obj:
            yield from content_strings(item)


class _BodyText(HTMLParser):
    """The text of the HTML's body, one piece per text node (not the title, styles or alt text)."""

    def __init__(self) -> None:
        super().__init__()
        self.in_body = False
        self.pieces: list[str] = []

    def handle_starttag(self, tag: str, attrs: Any) -> None:
        self.in_body = self.in_body or tag == "body"

    def handle_data(self, data: str) -> None:
        if self.in_body:
            self.pieces.append(data)


def body_text(page: str) -> str:
    parser = _BodyText()
    parser.feed(page)
    return normalised(" ".join(parser.pieces)).casefold()


def sentences(text: str) -> list[str]:
    return [s for s in re.split(r"(?<=[.;!?])\s+", normalised(text).casefold()) if s]


def printed_sentences(built: Built) -> list[str]:
    """The sentences of the Content that the page shows (a string the HTML does not show as text,
    such as a chart's file name or alt text, is not expected on paper either)."""
    shown = body_text(built.files.html.read_text())
    wanted = dict.fromkeys(
        s
        for string in content_strings(built.content)
        if normalised(string) and normalised(string).casefold() in shown
        for s in sentences(string)
    )
    return list(wanted)


def pdf_info(pdf: Path) -> dict[str, str]:
    assert PDFINFO is not None
    done = subprocess.run([PDFINFO, str(pdf)], capture_output=True, text=True, check=True)
    return dict(
        (key.strip(), value.strip())
        for key, _, value in (line.partition(":") for line in done.stdout.splitlines())
    )


def word_boxes(pdf: Path) -> list[np.ndarray]:
    """Per page, the (xMin, yMin, xMax, yMax) of every word, in points (pdftotext -bbox)."""
    assert PDFTOTEXT is not None
    done = subprocess.run(
        [PDFTOTEXT, "-bbox", str(pdf), "-"], capture_output=True, text=True, check=True
    )
    xhtml = re.sub(r"<!DOCTYPE[^>]*>", "", done.stdout).replace('xmlns="', 'xmlns:x="')
    root = ET.fromstring(xhtml)
    pages = []
    for page in root.iter("page"):
        coords = [
            [float(w.get(k, "nan")) for k in ("xMin", "yMin", "xMax", "yMax")]
            for w in page.iter("word")
        ]
        pages.append(np.array(coords, np.float64).reshape(-1, 4))
    return pages


@needs_pdftotext
@pytest.mark.parametrize("kind", KINDS)
def test_every_sentence_the_page_shows_is_printed_whole_on_one_pdf_page(reports_by_kind, kind):
    built = reports_by_kind[kind]
    wanted = printed_sentences(built)
    assert len(wanted) >= 20, wanted  # the test reads the report, not an empty list
    title = sentences(built.content.title)[0]
    assert title in wanted
    # compared without spaces: a long citation ("64.1200(a)(9)(iv)") may wrap inside itself
    pages = [normalised(text).casefold().replace(" ", "") for text in page_texts(built.files.pdf)]
    cut = [s for s in wanted if not any(s.replace(" ", "") in page for page in pages)]
    assert not cut, cut


@needs_pdftotext
@pytest.mark.parametrize("kind", KINDS)
def test_pages_are_letter_numbered_with_the_footer(reports_by_kind, kind):
    built = reports_by_kind[kind]
    footer = re.search(r'<p class="page-footer">([^<]+)</p>', built.files.html.read_text())
    assert footer is not None
    pages = [normalised(text) for text in page_texts(built.files.pdf)]
    n = len(pages)
    assert n >= 2
    for i, text in enumerate(pages, 1):
        assert f"Page {i} of {n}" in text
        assert normalised(unescape(footer.group(1))) in text
    if PDFINFO is not None:
        info = pdf_info(built.files.pdf)
        assert info["Pages"] == str(n)
        assert info["Page size"].startswith("612 x 792 pts (letter)")


def test_the_footer_names_the_scenario_the_version_and_the_simulated_period(reports_by_kind):
    page = reports_by_kind["single"].files.html.read_text()
    footer = re.search(r'<p class="page-footer">([^<]*)</p>', page)
    assert footer is not None
    # small(baseline): 120 days from the baseline's start date, never the day the report was made
    assert re.fullmatch(
        r"Scenario baseline · dentsim \S+ · simulated [A-Z][a-z]{2} \d{1,2}, \d{4} to "
        r"[A-Z][a-z]{2} \d{1,2}, \d{4}",
        footer.group(1),
    ), footer.group(1)


@needs_pdftotext
@pytest.mark.parametrize("kind", KINDS)
def test_no_word_leaves_the_page_or_runs_into_another(reports_by_kind, kind):
    for number, boxes in enumerate(word_boxes(reports_by_kind[kind].files.pdf), 1):
        assert len(boxes), f"page {number} has no text"
        assert boxes[:, 0].min() >= SIDE_MARGIN_PT - 1, f"page {number}: text in the left margin"
        assert boxes[:, 2].max() <= LETTER_PT[0] - SIDE_MARGIN_PT + 1, (
            f"page {number}: text past the right margin"
        )
        assert boxes[:, 1].min() >= 0 and boxes[:, 3].max() <= LETTER_PT[1]
        # two words overlap when their boxes cross by more than a point both ways
        x0, y0, x1, y1 = (boxes[:, k] for k in range(4))
        dx = np.minimum(x1[:, None], x1[None, :]) - np.maximum(x0[:, None], x0[None, :])
        dy = np.minimum(y1[:, None], y1[None, :]) - np.maximum(y0[:, None], y0[None, :])
        crossing = np.triu((dx > 1) & (dy > 1), k=1)
        assert not crossing.any(), f"page {number}: {int(crossing.sum())} words overlap"


def test_the_print_css_is_all_understood_by_the_layout_engine(reports_by_kind):
    """WeasyPrint warns about CSS it ignores; a print rule it drops would degrade the PDF in silence."""
    for kind in KINDS:
        _, warnings = print_html(reports_by_kind[kind].files.html.read_text(), logging.WARNING)
        assert not warnings, (kind, warnings)


@pytest.mark.skipif(PDFINFO is None, reason="pdfinfo is not installed (CI installs poppler-utils)")
def test_the_pdf_carries_no_date_and_an_identifier_from_its_content(reports_by_kind):
    info = pdf_info(reports_by_kind["single"].files.pdf)
    assert "CreationDate" not in info and "ModDate" not in info
    page = "<p>The same page</p>"
    pdf = write_pdf(page)
    assert pdf == write_pdf(page) != write_pdf("<p>Another page</p>")
    digest = hashlib.sha256(page.encode()).hexdigest()[:32].encode()
    assert b"/ID [(" + digest + b")" in pdf  # the identifier comes from the page, not a random one


@pytest.mark.parametrize(
    "src", ["file:///etc/hostname", "http://127.0.0.1:9/chart.png", "chart.png"]
)
def test_the_pdf_loads_nothing_but_data_uris(src):
    with pytest.raises(PdfError, match=re.escape(src)):
        write_pdf(f'<p>A chart</p><img src="{src}">')


@pytest.mark.skipif(
    PDFTOPPM is None, reason="pdftoppm is not installed (CI installs poppler-utils)"
)
@pytest.mark.parametrize("kind", ["single", "sweep"])
def test_every_pdf_page_renders_and_is_not_blank(reports_by_kind, kind, tmp_path):
    pdf = reports_by_kind[kind].files.pdf
    done = subprocess.run(
        [PDFTOPPM, "-r", "40", "-png", str(pdf), str(tmp_path / "page")],
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    images = sorted(tmp_path.glob("page-*.png"))
    assert images
    for image in images:
        pixels = np.asarray(mpimg.imread(image))[..., :3]
        assert float(pixels.std()) > 0.01, image.name
