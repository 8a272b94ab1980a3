"""The query page on YASGUI in headless Chromium: type, complete, run, sort, download, share.

A real server on 127.0.0.1 (werkzeug, in a thread) with the installed ``node_modules``;
skipped without Chromium or without YASGUI, a failure with KG_REQUIRE_TOOLS=1.
Screenshots go to build/screenshots/ (``query-editor-*.png``).
"""

from __future__ import annotations

import csv
import io
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from flask.testing import FlaskClient

from server.engine.catalogue import QUERIES_DIR, parse_query_file

from ..browser import needs_browser, save_screenshot
from .editor import needs_yasgui

try:
    from selenium.common.exceptions import TimeoutException
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.support.ui import WebDriverWait
except ImportError:  # needs_browser skips the tests
    pass

pytestmark = [pytest.mark.live, needs_browser, needs_yasgui]
WAIT = 30  # seconds; the first query of a session may wait for a query process to start
READY = (
    "return document.readyState === 'complete' && document.documentElement.classList.contains('editor-ready')"
    " && !!document.querySelector('.yasgui .CodeMirror')"
)
CITIES = "SELECT ?city ?name WHERE { ?city a clip:City ; rdfs:label ?name . FILTER(lang(?name) = 'en') } ORDER BY ?name"


def wait_for(driver: Any, condition: Callable[[Any], Any], what: str) -> Any:
    """Wait explicitly for a condition; on a timeout, say what was awaited and what YASR shows."""
    try:
        return WebDriverWait(driver, WAIT).until(condition)
    except TimeoutException:
        script = "return [...document.querySelectorAll('.tabPanel.active .yasr')].map(r => r.innerText).join(' | ')"
        shown = driver.execute_script(script)
        raise AssertionError(f"timed out waiting for {what}; the results area shows: {shown[:500]!r}") from None


def open_editor(driver: Any, url: str) -> float:
    """Open the query page with an empty console log and wait for YASGUI; returns ms until it was usable."""
    driver.get_log("browser")
    driver.get(url)
    wait_for(driver, lambda d: d.execute_script(READY), "the editor to start")
    return float(driver.execute_script("return window.clipEditorReadyAt"))


def yasqe(driver: Any, call: str) -> Any:
    """Call the current tab's YASQE (YASGUI's CodeMirror editor)."""
    return driver.execute_script(f"return window.clipYasgui.getTab().getYasqe().{call}")


def set_query(driver: Any, text: str) -> None:
    driver.execute_script("window.clipYasgui.getTab().getYasqe().setValue(arguments[0])", text)


def run(driver: Any) -> None:
    driver.find_element(By.CSS_SELECTOR, ".tabPanel.active .yasqe_queryButton").click()


def table_rows(driver: Any, count: int) -> list[list[str]]:
    """The result table's rows as text, once it shows ``count`` of them."""
    script = (
        "const rows = [...document.querySelectorAll('.tabPanel.active .yasr table.dataTable tbody tr')];"
        "return rows.map(tr => [...tr.querySelectorAll('td')].map(td => td.innerText.trim()));"
    )

    def rows(d: Any) -> list[list[str]] | bool:
        found: list[list[str]] = d.execute_script(script)
        return found if len(found) == count and all(len(r) > 1 for r in found) else False

    result: list[list[str]] = wait_for(driver, rows, f"{count} result rows")
    return result


def problems(driver: Any) -> list[str]:
    """What the Content-Security-Policy refused, and any other error of the page's scripts."""
    return [
        entry["message"]
        for entry in driver.get_log("browser")
        if "Content Security Policy" in entry["message"] or entry["level"] == "SEVERE"
    ]


def test_a_typed_query_completes_runs_and_downloads(browser: Any, live_url: str, tmp_path: Path) -> None:
    started = time.monotonic()
    ready_ms = open_editor(browser, f"{live_url}/sparql")
    print(f"\nquery page usable after {ready_ms:.0f} ms ({time.monotonic() - started:.2f} s with the driver)")
    assert ready_ms < 10_000
    # Typed through CodeMirror: a prefix is offered from the data's own prefixes, not prefix.cc.
    set_query(browser, "")
    editor = browser.find_element(By.CSS_SELECTOR, ".tabPanel.active .CodeMirror textarea")
    editor.send_keys("PREFIX cli")
    editor.send_keys(Keys.CONTROL, Keys.SPACE)
    hints = wait_for(browser, lambda d: d.find_elements(By.CSS_SELECTOR, ".CodeMirror-hints li"), "prefix hints")
    offered = [hint.text for hint in hints]
    assert "clip: <https://w3id.org/clip-network/def/>" in offered, offered
    editor.send_keys(Keys.ENTER)
    wait_for(browser, lambda d: "PREFIX clip: <https://w3id.org/clip-network/def/>" in yasqe(d, "getValue()"), "it")
    # Using a known prefix adds its declaration.
    editor.send_keys(Keys.END, Keys.ENTER, "SELECT * WHERE { ?s a rdfs:")
    rdfs = "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>"
    wait_for(browser, lambda d: rdfs in yasqe(d, "getValue()"), "the rdfs: declaration")
    browser.execute_script("document.querySelectorAll('.CodeMirror-hints').forEach(h => h.remove())")

    set_query(browser, "PREFIX clip: <https://w3id.org/clip-network/def/>\n"
              "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>\n" + CITIES)  # fmt: skip
    run(browser)
    rows = table_rows(browser, 32)
    names = [row[2] for row in rows]
    assert '"Vienna"@en' in names and names[0] == '"Amsterdam"@en'  # literals with their language tag
    assert rows[0][1].startswith("<https://w3id.org/clip-network/id/city/") or rows[0][1].startswith("clip")
    vienna = browser.find_elements(By.CSS_SELECTOR, ".tabPanel.active .yasr a.iri[href$='/id/city/vienna']")
    assert vienna and vienna[0].get_attribute("href") == "https://w3id.org/clip-network/id/city/vienna"
    chip = browser.find_element(By.CSS_SELECTOR, ".tabPanel.active .yasr_response_chip").text
    assert chip.startswith("32 results"), chip

    # The table filters and sorts in the browser.
    search = browser.find_element(By.CSS_SELECTOR, ".tabPanel.active .yasr .tableFilter")
    search.send_keys("Vienna")
    assert table_rows(browser, 1)[0][2] == '"Vienna"@en'
    search.clear()
    search.send_keys(" ", Keys.BACKSPACE)
    table_rows(browser, 32)
    browser.execute_script("window.scrollTo(0, 0)")
    save_screenshot(browser, "query-editor-table")

    # Download: YASR writes the CSV itself, from the answer it holds.
    browser.execute_cdp_cmd("Browser.setDownloadBehavior", {"behavior": "allow", "downloadPath": str(tmp_path)})
    browser.find_element(By.CSS_SELECTOR, ".tabPanel.active .yasr_downloadIcon").click()
    csv_file = wait_for(browser, lambda d: next(iter(tmp_path.glob("*.csv")), False), "the CSV download")
    wait_for(browser, lambda d: not list(tmp_path.glob("*.crdownload")), "the download to finish")
    table = list(csv.reader(io.StringIO(csv_file.read_text(encoding="utf-8"))))
    assert table[0] == ["city", "name"] and len(table) == 33
    assert ["https://w3id.org/clip-network/id/city/vienna", "Vienna"] in table
    assert problems(browser) == []


def test_an_example_opens_in_a_tab_and_runs(browser: Any, live_url: str, client: FlaskClient) -> None:
    named = parse_query_file(QUERIES_DIR / "member_cities.rq")
    answer = client.post("/sparql", data={"query": named.text}, headers={"Accept": "text/csv"})
    expected = len(answer.data.splitlines()) - 1  # the text unbound, as the editor sends it
    open_editor(browser, f"{live_url}/sparql")
    browser.find_element(By.CSS_SELECTOR, "#example-member_cities .example-load").click()
    wait_for(browser, lambda d: yasqe(d, "getValue()").strip() == named.text.strip(), "the example in the editor")
    tab_names = [tab.text.split("\n")[0] for tab in browser.find_elements(By.CSS_SELECTOR, ".yasgui .tabsList .tab")]
    assert named.title in tab_names
    run(browser)
    assert len(table_rows(browser, min(expected, 50))) == min(expected, 50)  # YASR's first page: 50 rows
    chip = browser.find_element(By.CSS_SELECTOR, ".tabPanel.active .yasr_response_chip").text
    assert chip.startswith(f"{expected} results"), chip
    assert problems(browser) == []


def test_a_link_with_a_query_opens_it_and_runs_it(browser: Any, live_url: str) -> None:
    query = "SELECT ?class (COUNT(*) AS ?n) WHERE { ?s a ?class } GROUP BY ?class ORDER BY DESC(?n) LIMIT 3"
    open_editor(browser, f"{live_url}/sparql?query={quote(query)}&endpoint={quote('https://example.org/sparql')}")
    assert len(table_rows(browser, 3)) == 3
    assert yasqe(browser, "getValue()") == query
    endpoint = browser.execute_script("return window.clipYasgui.getTab().getEndpoint()")
    assert endpoint == f"{live_url}/sparql"  # a link's endpoint= is not followed
    assert problems(browser) == []


def test_ask_and_syntax_errors_show_in_yasr(browser: Any, live_url: str) -> None:
    open_editor(browser, f"{live_url}/sparql")
    set_query(browser, "ASK { ?s ?p ?o }")
    run(browser)
    wait_for(browser, lambda d: d.find_elements(By.CSS_SELECTOR, ".tabPanel.active .yasr .booleanResult"), "ASK")
    assert "true" in browser.find_element(By.CSS_SELECTOR, ".tabPanel.active .yasr .booleanResult").text.lower()
    browser.get_log("browser")
    set_query(browser, "SELECT ?x WHERE { ?x ?y }")
    run(browser)
    shown = ".tabPanel.active .yasr .errorResult"
    error = wait_for(browser, lambda d: d.find_elements(By.CSS_SELECTOR, shown), "the error")
    assert "400" in error[0].text
    assert not [m for m in problems(browser) if "Content Security Policy" in m]


def test_latitude_and_longitude_answers_show_on_a_map(browser: Any, live_url: str) -> None:
    open_editor(browser, f"{live_url}/sparql")
    set_query(
        browser,
        "PREFIX geo: <http://www.w3.org/2003/01/geo/wgs84_pos#>\n"
        "PREFIX clip: <https://w3id.org/clip-network/def/>\n"
        "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>\n"
        "SELECT ?city ?name ?lat ?long WHERE {\n  ?city a clip:City ; geo:lat ?lat ; geo:long ?long ;"
        " rdfs:label ?name .\n  FILTER(lang(?name) = 'en')\n}",
    )
    run(browser)
    cities = len(table_rows(browser, 29))
    browser.find_element(By.CSS_SELECTOR, ".tabPanel.active .yasr .select_map").click()
    shown = ".tabPanel.active .yasr svg.clip-map"
    wait_for(browser, lambda d: d.find_elements(By.CSS_SELECTOR, f"{shown} .country"), "the country outlines")
    points = browser.find_elements(By.CSS_SELECTOR, f"{shown} a.point")
    hrefs = {browser.execute_script("return arguments[0].getAttribute('href')", point) for point in points}
    assert len(points) == cities == 29
    assert "https://w3id.org/clip-network/id/city/vienna" in hrefs
    assert len(browser.find_elements(By.CSS_SELECTOR, f"{shown} path.country")) > 100
    assert "Vienna" in browser.find_element(By.CSS_SELECTOR, shown).text
    browser.execute_script("document.querySelector('.tabPanel.active .yasr').scrollIntoView()")
    save_screenshot(browser, "query-editor-map")
    assert problems(browser) == []
