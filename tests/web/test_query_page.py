"""The plain query form at /sparql (a server without npm): the HTML the server renders, and the page in Chromium."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, quote, urlsplit

import pytest
from flask import Flask
from flask.testing import FlaskClient
from markupsafe import escape

from server.config import Settings
from server.engine.catalogue import QUERIES_DIR, NamedQuery, parse_query_file
from server.web.state import AppState

from ..browser import SCREENSHOT_DIR, needs_browser
from .editor import node_modules_at

try:
    from selenium.common.exceptions import TimeoutException
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.remote.webelement import WebElement
    from selenium.webdriver.support.ui import WebDriverWait
except ImportError:  # the Flask tests still run without it; the browser tests are skipped
    pass

WAIT = 30  # seconds; the first query of a session may wait for a query process to start
SYNTAX_ERROR = "SELECT ?x WHERE { ?x"
NAMESPACES_IN_SCRIPT = {
    "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "http://www.w3.org/2000/01/rdf-schema#",
    "http://www.w3.org/2002/07/owl#",
    "http://www.w3.org/2001/XMLSchema#",
}


@pytest.fixture(scope="module", autouse=True)
def plain_form(app: Flask, tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """The plain form of a server without npm: these tests are about it (the editor: test_editor_browser.py)."""
    with node_modules_at(app, tmp_path_factory.mktemp("no-npm") / "node_modules"):
        yield


def examples(app: Flask) -> list[NamedQuery]:
    """The named queries the page offers."""
    kg = app.extensions["kg"]
    assert isinstance(kg, AppState)
    return list(kg.queries.values())


class Links(HTMLParser):
    """Every URL the page would load or link to, and its inline scripts."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[tuple[str, str, str]] = []
        self.inline_scripts: list[str | None] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        for name in ("src", "href", "action", "srcset", "poster", "data", "formaction"):
            if values.get(name):
                self.urls.append((tag, name, values[name] or ""))
        if tag == "script" and not values.get("src"):
            self.inline_scripts.append(values.get("type"))


def page(client: FlaskClient, **query: str) -> str:
    response = client.get("/sparql", query_string=query, headers={"Accept": "text/html"})
    assert response.status_code == 200
    assert response.mimetype == "text/html"
    return response.get_data(as_text=True)


# ---------------------------------------------------------------------------- server-rendered page


def test_page_lists_every_example_with_its_parameters(app: Flask, client: FlaskClient) -> None:
    html = page(client)
    assert 'id="query-text"' in html
    assert examples(app), "the CLIP graph comes with named queries"
    for named in examples(app):
        assert str(escape(named.title)) in html, named.name
        assert f'data-url="/queries/{named.name}"' in html
        for parameter in named.parameters:
            assert f'id="param-{named.name}-{parameter.name}"' in html


def test_page_loads_nothing_from_elsewhere(client: FlaskClient) -> None:
    html = page(client)
    endpoint = "/sparql"
    assert f'data-endpoint="{endpoint}"' in html
    links = Links()
    links.feed(html)
    assert links.urls
    for tag, attribute, url in links.urls:
        if url.startswith(endpoint):
            continue
        assert not re.match(r"(?i)([a-z][a-z0-9+.-]*:|//)", url), f"<{tag} {attribute}={url!r}> leaves the server"
    # Scripts come from the server's own files; inline <script> blocks only carry JSON data.
    assert set(links.inline_scripts) == {"application/json"}
    assert "url(" not in html and "@import" not in html


def test_static_files_load_nothing_from_elsewhere(client: FlaskClient) -> None:
    with client.get("/static/style.css") as css, client.get("/static/query.js") as script:
        assert css.status_code == script.status_code == 200
        css_text, script_text = css.get_data(as_text=True), script.get_data(as_text=True)
    assert "http" not in css_text and "@import" not in css_text and "url(" not in css_text
    # The only absolute URLs in the script are namespaces it uses to shorten IRIs for display.
    assert set(re.findall(r"https?://[^\s\"'`]+", script_text)) <= NAMESPACES_IN_SCRIPT
    assert not re.search(r"\.(inner|outer)HTML\b|insertAdjacentHTML|document\.write|\beval\(", script_text)


def test_query_in_the_url_is_escaped_into_the_editor(client: FlaskClient) -> None:
    attack = "</script><script>alert(1)</script>"
    html = page(client, query=f"SELECT * WHERE {{ ?s ?p ?o }} # {attack}")
    assert attack not in html
    assert "<script>alert(1)" not in html
    assert "&lt;/script&gt;&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert 'data-autorun="true"' in html


def test_page_without_query_does_not_autorun(client: FlaskClient) -> None:
    assert 'data-autorun="false"' in page(client)


# ---------------------------------------------------------------------------- the page in a browser


def wait_for(driver: Any, condition: Callable[[Any], Any], what: str) -> Any:
    """Wait explicitly for a condition; on a timeout, say what was awaited and what the page shows."""
    try:
        return WebDriverWait(driver, WAIT).until(condition)
    except TimeoutException:
        shown = driver.find_element(By.ID, "results").text
        raise AssertionError(f"timed out waiting for {what}; the results area shows: {shown!r}") from None


def open_page(driver: Any, url: str) -> None:
    driver.get(url)
    # The template's gutter reads '1'; query.js renumbers it ('1\n…') when it starts.
    ready = "return document.readyState === 'complete' && document.getElementById('gutter').textContent !== '1'"
    wait_for(driver, lambda d: d.execute_script(ready), "the page to load")


def result_rows(driver: Any, minimum: int = 1) -> list[WebElement]:
    def rows(d: Any) -> list[WebElement] | bool:
        if d.find_element(By.ID, "error-box").is_displayed():
            raise AssertionError("error instead of rows: " + d.find_element(By.ID, "error-box").text)
        found = d.find_elements(By.CSS_SELECTOR, "#result-output table.results-table tbody tr")
        return found if len(found) >= minimum else False

    found: list[WebElement] = wait_for(driver, rows, f"at least {minimum} result rows")
    return found


def type_query(driver: Any, text: str) -> WebElement:
    editor = driver.find_element(By.ID, "query-text")
    editor.clear()
    editor.send_keys(text)
    assert editor.get_attribute("value") == text
    return editor


def press_ctrl_enter(driver: Any, element: WebElement) -> None:
    ActionChains(driver).click(element).key_down(Keys.CONTROL).send_keys(Keys.ENTER).key_up(Keys.CONTROL).perform()


def download_links(driver: Any) -> dict[str, dict[str, list[str]]]:
    """The download links, by format name: their query parameters."""
    links = driver.find_elements(By.CSS_SELECTOR, "#downloads a.download")
    return {a.get_attribute("data-format"): parse_qs(urlsplit(a.get_attribute("href")).query) for a in links}


def script_errors(driver: Any) -> list[str]:
    """Errors of the page's JavaScript (failed requests, expected in the error tests, aside)."""
    return [
        entry["message"]
        for entry in driver.get_log("browser")
        if entry["level"] == "SEVERE" and "Failed to load resource" not in entry["message"]
    ]


def save_screenshot(driver: Any) -> Path:
    SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOT_DIR / "query-plain-form.png"
    for _ in range(2):  # the result table's height follows the window's, so measure twice
        height = driver.execute_script("return document.documentElement.scrollHeight")
        driver.set_window_size(1400, min(max(int(height) + 40, 1000), 4000))
    try:
        driver.execute_script("window.scrollTo(0, 0)")
        assert driver.save_screenshot(str(path))
    finally:
        driver.set_window_size(1400, 1000)
    return path


@pytest.mark.live
@needs_browser
def test_member_cities_example_runs_into_a_table(browser: Any, live_url: str, app: Flask) -> None:
    named = parse_query_file(QUERIES_DIR / "member_cities.rq")
    open_page(browser, f"{live_url}/sparql")
    button = browser.find_element(By.XPATH, f"//button[@class='example-load'][normalize-space()='{named.title}']")
    button.click()
    editor = browser.find_element(By.ID, "query-text")
    wait_for(browser, lambda d: "clip:City" in editor.get_attribute("value"), "the example in the editor")
    assert editor.get_attribute("value").strip() == named.text.strip()
    browser.find_element(By.ID, "run-button").click()

    with app.test_client() as client:
        answer = client.post("/sparql", data={"query": named.text}, headers={"Accept": "text/csv"})
    expected = len(answer.data.splitlines()) - 1  # the text unbound, as the page sends it
    rows = result_rows(browser, minimum=expected)
    assert len(rows) == expected
    headers = [th.text for th in browser.find_elements(By.CSS_SELECTOR, "table.results-table thead th")]
    assert headers[1:3] == ["city", "name"]
    assert any("Vienna" in cell.text for cell in browser.find_elements(By.CSS_SELECTOR, "table.results-table td"))
    vienna = browser.find_elements(By.CSS_SELECTOR, "table.results-table td a.iri[href$='/id/city/vienna']")
    assert vienna, "result IRIs are links"
    assert vienna[0].get_attribute("href") == "https://w3id.org/clip-network/id/city/vienna"
    status = browser.find_element(By.ID, "result-status").text
    assert re.search(r"\d+ rows in \d+(\.\d+)? m?s", status), status

    links = download_links(browser)
    assert set(links) == {"json", "xml", "csv", "tsv"}
    for name, params in links.items():
        assert params["format"] == [name]
        assert params["query"][0].strip() == named.text.strip()

    path = save_screenshot(browser)
    assert path.stat().st_size > 10_000
    assert script_errors(browser) == []


@pytest.mark.live
@needs_browser
def test_construct_typed_into_the_editor_gives_turtle(browser: Any, live_url: str) -> None:
    open_page(browser, f"{live_url}/sparql")
    query = (
        "PREFIX clip: <https://w3id.org/clip-network/def/>\n"
        "CONSTRUCT { ?city a clip:City } WHERE { ?city a clip:City } LIMIT 5"
    )
    editor = type_query(browser, query)
    press_ctrl_enter(browser, editor)
    turtle = wait_for(browser, lambda d: d.find_elements(By.CSS_SELECTOR, "#result-output pre.graph-output"), "Turtle")
    text = turtle[0].text
    assert text.count("<https://w3id.org/clip-network/def/City>") == 5, text
    assert text.rstrip().endswith(".")
    assert not browser.find_elements(By.CSS_SELECTOR, "#result-output table")
    assert set(download_links(browser)) == {"ttl", "nt", "rdf", "jsonld"}
    assert "Turtle" in browser.find_element(By.ID, "result-status").text
    assert script_errors(browser) == []


@pytest.mark.live
@needs_browser
def test_ask_shows_true_or_false(browser: Any, live_url: str) -> None:
    open_page(browser, f"{live_url}/sparql")
    type_query(browser, "ASK { ?s ?p ?o }")
    browser.find_element(By.ID, "run-button").click()
    answer = wait_for(browser, lambda d: d.find_elements(By.CSS_SELECTOR, "#result-output .ask-answer"), "ASK")
    assert answer[0].find_element(By.CSS_SELECTOR, ".ask-value").text == "true"


@pytest.mark.live
@needs_browser
def test_syntax_error_shows_status_and_parser_message(browser: Any, live_url: str, client: FlaskClient) -> None:
    expected = client.post("/sparql", data={"query": SYNTAX_ERROR})
    assert expected.status_code == 400
    message = expected.get_data(as_text=True).strip()
    open_page(browser, f"{live_url}/sparql")
    type_query(browser, SYNTAX_ERROR)
    browser.find_element(By.ID, "run-button").click()
    box = wait_for(browser, lambda d: d.find_element(By.ID, "error-box").is_displayed(), "the error box")
    box = browser.find_element(By.ID, "error-box")
    assert "400" in box.find_element(By.ID, "error-title").text
    assert "Bad Request" in box.find_element(By.ID, "error-title").text
    assert box.find_element(By.ID, "error-message").text.strip() == message
    assert "SPARQL syntax error" in message
    assert not browser.find_elements(By.CSS_SELECTOR, "#result-output > *")
    assert not browser.find_element(By.ID, "downloads").is_displayed()
    if re.search(r"\bat \d+:\d+", message):
        box.find_element(By.CSS_SELECTOR, ".error-actions button").click()
        position = browser.find_element(By.ID, "cursor-position").text
        assert position.startswith("Line 1,")
    assert script_errors(browser) == []


@pytest.mark.live
@needs_browser
def test_link_with_query_runs_on_load(browser: Any, live_url: str) -> None:
    query = "SELECT ?class (COUNT(*) AS ?n) WHERE { ?s a ?class } GROUP BY ?class ORDER BY DESC(?n) LIMIT 3"
    open_page(browser, f"{live_url}/sparql?query={quote(query)}")
    assert browser.find_element(By.ID, "query-text").get_attribute("value") == query
    rows = result_rows(browser)
    assert len(rows) == 3
    assert browser.find_elements(By.CSS_SELECTOR, "table.results-table td.num")


@pytest.mark.live
@needs_browser
def test_parameterised_example_runs_with_its_form(browser: Any, live_url: str, app: Flask) -> None:
    with_city = [q for q in examples(app) if any(p.name == "city" for p in q.parameters)]
    if not with_city:
        pytest.skip("no named query in queries/ has a 'city' parameter yet")
    named = with_city[0]
    settings: Settings = app.extensions["kg"].settings
    values: dict[str, str] = {}
    for parameter in named.parameters:
        if parameter.name == "city":
            values["city"] = parameter.default or f"{settings.base_uri}id/city/vienna"
        elif parameter.required and parameter.default is None:
            pytest.skip(f"{named.name} needs {parameter.name!r}, which this test cannot choose")
    open_page(browser, f"{live_url}/sparql")
    item = browser.find_element(By.ID, f"example-{named.name}")
    for name, value in values.items():
        field = item.find_element(By.NAME, name)
        field.clear()
        field.send_keys(value)
    item.find_element(By.CSS_SELECTOR, "form.params button.run-named").click()

    with app.test_client() as client:
        csv_rows = client.get(f"/queries/{named.name}", query_string={**values, "format": "csv"}).data.splitlines()
    assert len(csv_rows) > 1, "the example gives no rows to compare"
    rows = result_rows(browser, minimum=len(csv_rows) - 1)
    assert len(rows) == len(csv_rows) - 1
    assert named.title in browser.find_element(By.ID, "result-status").text
    assert browser.find_element(By.ID, "query-text").get_attribute("value") == named.text
    links = browser.find_elements(By.CSS_SELECTOR, "#downloads a.download")
    assert links
    for link in links:
        href = urlsplit(link.get_attribute("href"))
        assert href.path == f"/queries/{named.name}"
        assert parse_qs(href.query)["city"] == [values["city"]]
    assert script_errors(browser) == []
