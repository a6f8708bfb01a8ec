"""A real browser on `search serve`: Playwright driving Debian's Chromium (never a browser of
Playwright's own download). A user types a query, sees the hits with highlights, narrows them by
a speaker facet and by a timeline bar, opens a quotation and copies its citation; a screenshot of
each step is saved in the test's temporary folder."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from articles import COUNCIL, COUNCIL_REPRINT, HARBOUR, write_articles
from servers import serving

CHROMIUM = Path("/usr/bin/chromium")
STEP_MILLISECONDS = 15_000

playwright_api = pytest.importorskip("playwright.sync_api")

if not CHROMIUM.exists():  # CI installs it (.ci/run): there, a missing browser is a failure
    if os.environ.get("CI"):
        raise RuntimeError(f"{CHROMIUM} is missing: apt-get install chromium")
    pytest.skip(f"{CHROMIUM} is not installed (apt-get install chromium)", allow_module_level=True)


def test_search_narrow_open_and_cite_in_a_browser(tmp_path: Path):
    corpus = write_articles(
        tmp_path / "corpus",
        {"harbour.txt": HARBOUR, "council.txt": COUNCIL, "reprint.txt": COUNCIL_REPRINT},
    )
    shots = tmp_path / "screenshots"
    with serving(corpus, tmp_path / "index") as served, playwright_api.sync_playwright() as driver:
        browser = driver.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=["--no-sandbox"]
        )
        try:
            context = browser.new_context(permissions=["clipboard-read", "clipboard-write"])
            page = context.new_page()
            page.set_default_timeout(STEP_MILLISECONDS)
            refused: list[str] = []  # anything the content security policy blocked
            page.on(
                "console",
                lambda message: (
                    refused.append(message.text)
                    if "Content Security Policy" in message.text
                    else None
                ),
            )

            page.goto(served.url)
            page.fill("input[name=q]", "lighthouse dredging")
            page.press("input[name=q]", "Enter")
            page.wait_for_selector("ol.hits li.hit")
            all_hits = page.locator("ol.hits li.hit").count()
            assert all_hits >= 4
            assert page.locator("ol.hits mark").first.inner_text().lower() in {
                "lighthouse",
                "dredging",
            }
            page.screenshot(path=shots / "1-hits.png", full_page=True)

            page.click("section[data-facet=speaker] a:text('Tomas Lu')")
            page.wait_for_url("**speaker=Tomas+Lu**")
            speakers = page.locator("ol.hits li.hit a.speaker").all_inner_texts()
            assert speakers == ["Tomas Lu"]
            assert page.locator("ol.hits li.hit").count() < all_hits
            page.screenshot(path=shots / "2-speaker-facet.png", full_page=True)

            page.go_back()
            page.wait_for_selector("svg a.bar")
            bar = page.locator("svg a.bar").first
            month = bar.get_attribute("data-month")
            bar.click()
            page.wait_for_url(f"**since={month}-01**")
            dates = page.locator("ol.hits li.hit time").all_inner_texts()
            assert dates and all(date.startswith(month) for date in dates)
            assert len(dates) < all_hits
            page.screenshot(path=shots / "3-timeline-month.png", full_page=True)

            page.locator("ol.hits li.hit a.open").first.click()
            page.wait_for_selector("blockquote.quotation")
            citation = page.inner_text("#citation")
            page.click("button[data-copy=citation]")
            page.wait_for_selector("button[data-copy=citation]:text('Copied')")
            assert page.evaluate("navigator.clipboard.readText()") == citation
            assert citation.startswith(page.locator("dl.facts a.speaker").inner_text())
            page.screenshot(path=shots / "4-quote-cited.png", full_page=True)
            assert not refused
        finally:
            browser.close()
    assert sorted(path.name for path in shots.iterdir()) == [
        "1-hits.png", "2-speaker-facet.png", "3-timeline-month.png", "4-quote-cited.png",
    ]  # fmt: skip
