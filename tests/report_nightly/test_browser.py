"""The nightly report opened in a real headless browser (Debian's chromium through playwright): every
page renders, every link resolves to a file on disk, and the console stays free of errors."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest

from simpul.services.report import RenderRequest, render_nightly

from .conftest import NAMES, NOW, OBLIGATIONS, History

CHROMIUM = Path("/usr/bin/chromium")


@pytest.mark.slow
@pytest.mark.skipif(not CHROMIUM.exists(), reason="/usr/bin/chromium is absent (apt-get install chromium)")
def test_every_page_renders_in_a_browser_links_resolve_no_console_error(history: History) -> None:
    from playwright.sync_api import sync_playwright

    render_nightly(history.settings, RenderRequest(history.out, OBLIGATIONS, now=NOW))
    pages = [history.out / "index.html", *sorted((history.out / "skpd").glob("*.html"))]
    assert len(pages) == 1 + len(NAMES)
    problems: list[str] = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox"])
        try:
            page = browser.new_page()
            page.on(
                "console",
                lambda m: problems.append(f"console {m.type}: {m.text}") if m.type == "error" else None,
            )
            page.on("pageerror", lambda e: problems.append(f"page error: {e}"))
            page.on("requestfailed", lambda r: problems.append(f"request failed: {r.url}"))
            for path in pages:
                page.goto(path.as_uri())
                assert page.title(), path
                main = page.locator("main")
                assert main.is_visible() and main.bounding_box()["height"] > 100, path  # type: ignore[index]
                charts = page.locator("svg.trend")
                assert charts.count() >= 1 and charts.first.is_visible(), path
                for href in page.eval_on_selector_all("a[href]", "els => els.map(e => e.href)"):
                    parts = urlsplit(href)
                    assert parts.scheme == "file", (path, href)
                    assert Path(unquote(parts.path)).is_file(), (path, href)
            index = pages[0]
            page.goto(index.as_uri())
            assert page.locator("table.scorecard tbody tr").count() == len(NAMES)
            page.locator("table.scorecard a", has_text=NAMES["disdik"]).click()
            assert page.url == (history.out / "skpd" / "disdik.html").as_uri()
            page.locator("header a").first.click()
            assert page.url == index.as_uri()
        finally:
            browser.close()
    assert problems == []
