"""report.html as a person sees it: headless Chromium (the system's, driven by Playwright) at a
laptop's 1280 px and a phone's 390 px, for each kind of report: nothing wider than the window,
no console message, nothing loaded from anywhere, text a person can read, a page that is not blank."""

from __future__ import annotations

import io
import shutil
from collections.abc import Iterator
from typing import Any

import matplotlib.image as mpimg
import numpy as np
import pytest

from .conftest import Built

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = pytest.mark.skipif(
    CHROMIUM is None, reason="chromium is not installed (CI installs it: .ci/run)"
)
KINDS = ("single", "replicated", "group", "sweep")
WIDTHS_PX = (1280, 390)
MIN_TEXT_PX = 10

# every element that holds text of its own, with its font size and where it overflows its box
TEXT_SIZES_JS = """() => {
  const out = [];
  for (const el of document.body.querySelectorAll('*')) {
    const own = [...el.childNodes].some(n => n.nodeType === 3 && n.textContent.trim());
    const style = getComputedStyle(el);
    if (!own || style.display === 'none') continue;
    out.push([el.tagName + '.' + el.className, parseFloat(style.fontSize), el.textContent.trim().slice(0, 40)]);
  }
  return out;
}"""


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        # the system chromium: Playwright's own browser download is never used (no network)
        launched = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        yield launched
        launched.close()


@pytest.fixture(scope="module")
def seen(browser: Any, reports_by_kind: dict[str, Built]) -> dict[tuple[str, int], dict[str, Any]]:
    """Each report opened once per width: what the page measured, said and showed."""
    out = {}
    for kind in KINDS:
        url = reports_by_kind[kind].files.html.resolve().as_uri()
        for width in WIDTHS_PX:
            page = browser.new_page(viewport={"width": width, "height": 900})
            messages: list[str] = []
            requests: list[str] = []
            page.on("console", lambda m, messages=messages: messages.append(f"{m.type}: {m.text}"))
            page.on("pageerror", lambda e, messages=messages: messages.append(f"error: {e}"))
            page.on("request", lambda r, requests=requests: requests.append(r.url))
            page.goto(url, wait_until="load")
            out[kind, width] = {
                "scroll_width": page.evaluate("document.documentElement.scrollWidth"),
                "inner_width": page.evaluate("window.innerWidth"),
                "text_sizes": page.evaluate(TEXT_SIZES_JS),
                "images_loaded": page.evaluate(
                    "[...document.images].every(i => i.complete && i.naturalWidth > 0)"
                ),
                "messages": messages,
                "requests": [u for u in requests if u != url and not u.startswith("data:")],
                "screenshot": page.screenshot(full_page=True),
            }
            page.close()
    return out


CASES = [(kind, width) for kind in KINDS for width in WIDTHS_PX]
IDS = [f"{kind}-{width}px" for kind, width in CASES]


@pytest.mark.parametrize(("kind", "width"), CASES, ids=IDS)
def test_nothing_is_wider_than_the_window(seen, kind, width):
    page = seen[kind, width]
    assert page["inner_width"] == width
    assert page["scroll_width"] == page["inner_width"], "the page scrolls sideways"


@pytest.mark.parametrize(("kind", "width"), CASES, ids=IDS)
def test_the_page_says_nothing_to_the_console_and_loads_nothing(seen, kind, width):
    page = seen[kind, width]
    assert page["messages"] == []
    assert page["requests"] == []
    assert page["images_loaded"]


@pytest.mark.parametrize(("kind", "width"), CASES, ids=IDS)
def test_text_is_large_enough_to_read(seen, kind, width):
    sizes = seen[kind, width]["text_sizes"]
    assert len(sizes) > 20
    small = [s for s in sizes if s[1] < MIN_TEXT_PX]
    assert not small, small[:5]


@pytest.mark.parametrize(("kind", "width"), CASES, ids=IDS)
def test_the_screenshot_shows_a_page(seen, kind, width):
    pixels = np.asarray(mpimg.imread(io.BytesIO(seen[kind, width]["screenshot"]), format="png"))
    assert pixels.shape[1] == width
    assert float(pixels[..., :3].std()) > 0.05  # charts, tables and text, not one flat colour
