"""The PDF: the report's own HTML printed by WeasyPrint, whose print CSS lays out letter pages.

Reproducible bytes: WeasyPrint dates a PDF only from `dcterms.created`/`modified` meta tags,
which the report has none of (never the clock, whatever SOURCE_DATE_EPOCH says); the file
identifier is a digest of the HTML; and nothing is fetched: the page's only resources are data:
URIs, and any other URL stops the print with an error.
"""

from __future__ import annotations

import hashlib
import logging

import weasyprint
from weasyprint.urls import FatalURLFetchingError, URLFetcher


class PdfError(RuntimeError):
    """The HTML could not be printed whole (a resource that is not a data: URI, a bad image)."""


class _Problems(logging.Handler):
    """Collects what WeasyPrint logs at `level` and above: it logs a failed image, not raises."""

    def __init__(self, level: int) -> None:
        super().__init__(level)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


def print_html(html: str, level: int = logging.ERROR) -> tuple[bytes, list[str]]:
    """Print `html` to PDF bytes; also returns what WeasyPrint logged at `level` and above
    (tests ask for warnings, to catch CSS that the print ignores)."""
    problems = _Problems(level)
    logger = logging.getLogger("weasyprint")
    logger.addHandler(problems)
    try:
        fetcher = URLFetcher(allowed_protocols={"data"}, fail_on_errors=True)
        document = weasyprint.HTML(string=html, url_fetcher=fetcher)
        identifier = hashlib.sha256(html.encode("utf-8")).hexdigest()[:32].encode("ascii")
        pdf = document.write_pdf(pdf_identifier=identifier)
    except FatalURLFetchingError as e:  # a BaseException: WeasyPrint's way to stop a print
        raise PdfError(f"the report may load data: URIs only; {e}") from None
    finally:
        logger.removeHandler(problems)
    assert pdf is not None
    return pdf, problems.messages


def write_pdf(html: str) -> bytes:
    """The report's HTML as PDF bytes: the same HTML gives the same bytes.

    Raises PdfError when part of the page could not be printed, so a PDF with a hole in it is
    never written in silence.
    """
    pdf, errors = print_html(html)
    if errors:
        raise PdfError("; ".join(errors))
    return pdf
