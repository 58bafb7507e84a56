"""Reading a report's PDF as a person would: page by page, as text (poppler's pdftotext)."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

PDFTOTEXT = shutil.which("pdftotext")
needs_pdftotext = pytest.mark.skipif(
    PDFTOTEXT is None, reason="pdftotext is not installed (CI installs poppler-utils: .ci/run)"
)


def page_texts(pdf: Path) -> list[str]:
    """The text of each page, in reading order (pdftotext separates pages by a form feed)."""
    assert PDFTOTEXT is not None
    done = subprocess.run(
        [PDFTOTEXT, "-enc", "UTF-8", str(pdf), "-"],
        capture_output=True, text=True, timeout=120, check=True,
    )  # fmt: skip
    pages = done.stdout.split("\f")
    return pages[:-1] if pages and not pages[-1].strip() else pages


def normalised(text: str) -> str:
    """Text compared as read: whitespace runs are one space, typographic quotes plain, and
    hyphens dropped: pdftotext joins a word broken after its hyphen without it ("company-" at
    a line's end, "specific" on the next, reads "companyspecific")."""
    text = text.replace("\u00ad", "").replace("\u2019", "'").replace("\u2018", "'")
    text = text.replace("\u201c", '"').replace("\u201d", '"')
    text = re.sub(r"\s+", " ", text)
    return re.sub(r"-\s*", "", text).strip()
