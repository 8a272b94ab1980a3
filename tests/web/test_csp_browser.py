"""The pages under their Content-Security-Policy in headless Chromium.

Everything still works with scripts and styles from the server's files only (the query page
runs a query, the home page draws its map and matrix, the citation's copy button copies), the
browser reports no violation, an inline script is refused, and the hostile data's
javascript:, data: and vbscript: IRIs are text, not links, on the pages and in query results.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask

from ..browser import needs_browser, save_screenshot
from ..conftest import HOSTILE_SCHEMES, serve_in_thread
from .editor import needs_yasgui
from .test_editor_browser import open_editor, run, set_query, table_rows
from .test_headers import PAGES

try:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait
except ImportError:  # needs_browser skips the tests
    pass

pytestmark = [pytest.mark.live, needs_browser]
WAIT = 20  # seconds
HOSTILE_PAGES = ["/", "/doc/thing/harbour.html", "/search?q=harbour", "/id/thing/harbou", "/def/", "/catalog"]


@pytest.fixture(scope="module")
def hostile_url(hostile_app: Flask) -> Iterator[str]:
    with serve_in_thread(hostile_app) as url:
        yield url


def load(driver: Any, url: str) -> None:
    """Open a page with an empty console log and wait until it has loaded."""
    driver.get_log("browser")
    driver.get(url)
    WebDriverWait(driver, WAIT).until(lambda d: d.execute_script("return document.readyState") == "complete")


def violations(driver: Any) -> list[str]:
    """What the console says the Content-Security-Policy refused, and any other error of the page."""
    return [
        entry["message"]
        for entry in driver.get_log("browser")
        if "Content Security Policy" in entry["message"]
        or (entry["level"] == "SEVERE" and "favicon.ico" not in entry["message"])
    ]


def link_protocols(driver: Any) -> set[str]:
    """The protocols of every link of the page, SVG links included."""
    script = "return [...document.querySelectorAll('a[href]')].map(a => new URL(a.getAttribute('href'), location))"
    script += ".map(url => url.protocol)"
    return set(driver.execute_script(script))


@pytest.mark.parametrize("path", PAGES)
def test_page_loads_under_the_policy_without_a_violation(browser: Any, live_url: str, path: str) -> None:
    load(browser, live_url + path)
    assert not violations(browser), path
    # The page frame's styles moved from an inline <style> to style.css: they still apply.
    assert "system-ui" in browser.execute_script("return getComputedStyle(document.body).fontFamily")


def test_home_page_draws_its_map_and_matrix_under_the_policy(browser: Any, live_url: str) -> None:
    load(browser, live_url + "/")
    for selector in ("svg.city-map", "svg.matrix"):
        picture = browser.find_element(By.CSS_SELECTOR, selector)
        assert picture.is_displayed() and picture.size["width"] > 300, selector
    assert len(browser.find_elements(By.CSS_SELECTOR, "svg.city-map circle.dot")) == 29
    assert not violations(browser)
    save_screenshot(browser, "csp-home")


@needs_yasgui
def test_query_page_runs_a_query_under_the_policy(browser: Any, live_url: str) -> None:
    open_editor(browser, live_url + "/sparql")
    set_query(browser, "SELECT ?city WHERE { ?city a <https://w3id.org/clip-network/def/City> } LIMIT 5")
    run(browser)
    assert len(table_rows(browser, 5)) == 5
    assert link_protocols(browser) <= {"http:", "https:"}
    assert not violations(browser)
    save_screenshot(browser, "csp-query")


def test_topics_are_indented_by_class_not_by_style_attribute(browser: Any, live_url: str) -> None:
    load(browser, live_url + "/doc/module/intercultural.html")
    depths = browser.execute_script(
        "return [...document.querySelectorAll('ul.topics li')].map(li => parseFloat(getComputedStyle(li).paddingLeft))"
    )
    assert depths and depths[0] == 0 and max(depths) > 0


def test_copy_button_works_from_its_script_file(browser: Any, live_url: str) -> None:
    load(browser, live_url + "/doc/publication/intercultural-policies-in-european-cities.html")
    browser.execute_script(
        "navigator.clipboard.writeText = text => { window.copied = text; return Promise.resolve(); }"
    )
    button = browser.find_element(By.CSS_SELECTOR, "button[data-copy='citation-bibtex']")
    button.click()
    WebDriverWait(browser, WAIT).until(lambda d: button.text == "Copied")
    assert "@techreport{" in browser.execute_script("return window.copied")
    assert not violations(browser)


def test_the_policy_refuses_inline_script_and_javascript_links(browser: Any, live_url: str) -> None:
    """What a javascript: link or an injected script would do, if one got into a page, does not happen."""
    load(browser, live_url + "/doc/city/vienna.html")
    browser.execute_script(
        "const s = document.createElement('script'); s.textContent = 'window.ranInline = true';"
        "document.body.append(s);"
        "const a = document.createElement('a'); a.id = 'planted'; a.href = 'javascript:window.ranLink = true';"
        "a.textContent = 'planted'; document.body.append(a);"
    )
    browser.find_element(By.ID, "planted").click()
    assert browser.execute_script("return [window.ranInline === true, window.ranLink === true]") == [False, False]
    refused = [message for message in violations(browser) if "Content Security Policy" in message]
    assert len(refused) >= 2, refused


@pytest.mark.parametrize("path", HOSTILE_PAGES)
def test_hostile_iris_are_not_links_in_the_browser(browser: Any, hostile_url: str, path: str) -> None:
    load(browser, hostile_url + path)
    assert link_protocols(browser) <= {"http:", "https:"}, path
    assert not [m for m in violations(browser) if "Content Security Policy" in m]
    if path == "/doc/thing/harbour.html":
        assert "javascript:alert('object')" in browser.find_element(By.ID, "statements").text
        save_screenshot(browser, "csp-hostile-resource")


@needs_yasgui
def test_hostile_iris_in_query_results_are_not_links(browser: Any, hostile_url: str) -> None:
    """YASR writes IRIs into links unescaped; editor.js makes only http(s) IRIs links, the rest text."""
    open_editor(browser, hostile_url + "/sparql")
    set_query(
        browser,
        "SELECT ?s ?p ?o WHERE { { ?s ?p ?o } UNION { GRAPH ?g { ?s ?p ?o } } "
        "FILTER(isIRI(?o) && !STRSTARTS(STR(?o), 'http')) }",
    )
    run(browser)
    cells = ".tabPanel.active .yasr table.dataTable td span.iri"
    WebDriverWait(browser, WAIT).until(lambda d: d.find_elements(By.CSS_SELECTOR, cells))
    shown = {cell.get_attribute("title") for cell in browser.find_elements(By.CSS_SELECTOR, cells)}
    assert {s for s in shown if s.startswith(HOSTILE_SCHEMES)}, shown
    assert link_protocols(browser) <= {"http:", "https:"}
    assert not [m for m in violations(browser) if "Content Security Policy" in m]
    save_screenshot(browser, "csp-hostile-query")
