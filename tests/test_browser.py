"""The pages in a real headless browser (Debian chromium, driven by Playwright) over HTTP.

Screenshots are saved as test artefacts in $KG_TEST_ARTIFACTS (default var/test-artifacts).
"""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

import pytest
from conftest import FIRST, ROOT
from live import start

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = pytest.mark.skipif(
    CHROMIUM is None, reason="chromium not installed: apt-get install chromium (CI installs it)")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
        "--disable-dev-shm-usage"]


@pytest.fixture(scope="module")
def server(built_file: Path, tmp_path_factory):
    live = start(built_file, tmp_path_factory.mktemp("browser"), workers=1)
    yield live.url
    live.stop()


@pytest.fixture(scope="module")
def artifacts() -> Path:
    folder = Path(os.environ.get("KG_TEST_ARTIFACTS", ROOT / "var" / "test-artifacts"))
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield instance
        instance.close()


@pytest.fixture
def tab(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    yield page, errors
    context.close()


def test_home_to_event_to_sentence(server, tab, artifacts):
    page, errors = tab
    page.goto(f"{server}/")
    assert page.locator("h1").inner_text().startswith("Statements made in UN debates")
    page.screenshot(path=str(artifacts / "home.png"), full_page=True)
    # The home page lists only the most discussed events: a reader searches for the others.
    page.fill("#site-search", "Khojaly")
    page.press("#site-search", "Enter")
    page.get_by_role("link", name=re.compile("^Khojaly (killings|events|tragedy)")).first.click()
    page.wait_for_url("**/id/event/khojaly-1992-02")
    row = page.locator("table.figures tr", has_text="hundreds of Azerbaijani civilians").first
    assert "Yashar Aliyev" in row.inner_text() and "2021-05-25" in row.inner_text()
    assert page.locator("figure.chart svg").count() >= 1
    page.screenshot(path=str(artifacts / "event-khojaly.png"), full_page=True)
    row.get_by_role("link", name="p11.s1").click()
    page.wait_for_url(f"**/id/statement/{FIRST}#p11.s1")
    mark = page.locator("mark#p11\\.s1")
    assert "town of Khojaly" in mark.inner_text()
    page.screenshot(path=str(artifacts / "statement.png"), full_page=True)
    assert errors == []


def test_statement_page_links_each_sentence_to_its_claims(server, tab, artifacts):
    page, errors = tab
    page.goto(f"{server}/id/statement/{FIRST}")
    assert page.locator("mark.claimed").count() == 19
    page.locator("mark#p12\\.s1 + .claim-links a", has_text="figure").first.click()
    page.wait_for_url(f"**/id/claim/{FIRST}.missing-figures")
    assert "including 719 civilians" in page.locator("blockquote").inner_text()
    page.get_by_role("link", name="“719 civilians”").click()
    assert "about 4000 citizens of Azerbaijan" in page.locator("main").inner_text()
    page.screenshot(path=str(artifacts / "figure.png"), full_page=True)
    assert errors == []


def test_search_from_the_header(server, tab, artifacts):
    page, errors = tab
    page.goto(f"{server}/")
    page.get_by_label("Search labels and quotes").fill("missing")
    page.get_by_role("button", name="Search").click()
    page.wait_for_url("**/search?q=missing")
    result = page.locator("ul.quotes li", has_text="including 719 civilians").filter(
        has_text="Yashar Aliyev").first
    assert result.count() == 1
    page.screenshot(path=str(artifacts / "search.png"), full_page=True)
    result.get_by_role("link").click()
    page.wait_for_url(f"**/id/statement/{FIRST}#p12.s1")
    assert errors == []


def test_saved_query_form_and_sparql_page(server, tab, artifacts):
    page, errors = tab
    page.goto(f"{server}/queries/figures-for-event")
    page.select_option("#p-event", label="Khojaly killings (February 1992)")
    page.get_by_role("button", name="Run").click()
    assert "hundreds of Azerbaijani civilians" in page.locator("table.results").inner_text()
    page.screenshot(path=str(artifacts / "saved-query.png"), full_page=True)
    page.goto(f"{server}/sparql")
    page.get_by_role("button", name="Run query").click()
    assert page.locator("table.results tr").count() > 10
    page.screenshot(path=str(artifacts / "sparql.png"), full_page=True)
    assert errors == []


def test_pages_work_without_javascript(server, browser):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(f"{server}/id/event/khojaly-1992-02")
    assert "hundreds of Azerbaijani civilians" in page.locator("table.figures").inner_text()
    page.goto(f"{server}/search?q=Khojaly")
    assert page.locator("ul.quotes li").count() >= 1
    context.close()
