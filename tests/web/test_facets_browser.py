"""Faceted browsing in headless Chromium at 1280 px, as a reader uses it (issue 13).

The publications list is narrowed by clicking three facet values one after the other; after each
click the URL holds the filters, and the heading, the rows of the list and the count the value
showed agree with the items of the page's own "Open in the query editor" SPARQL, run through
/sparql. Back returns to the previous state, a chip removes its filter, the year-range form keeps
the filters in force, the CSV download lists exactly the items of the state, a facet narrows a
search, and the map's dots are links reached by Tab. Screenshots go to build/screenshots
(facets-*.png) for a person to look at.
"""

from __future__ import annotations

import csv
import json
import re
import urllib.request
from collections.abc import Sequence
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, parse_qsl, urlencode, urlsplit

import pytest

from server.kg.build import KnowledgeGraph
from server.urls import Urls

from ..browser import needs_browser, save_screenshot

try:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.support import expected_conditions
    from selenium.webdriver.support.wait import WebDriverWait
except ImportError:  # needs_browser skips the tests
    pass

pytestmark = [pytest.mark.live, needs_browser]

WIDTH = 1280
WAIT = 20
"""Seconds any one wait may take: a page load, a download, a SPARQL request."""
PUBLICATIONS = "/browse/publications"
OUTPUT_OF_HOUSING = ("clip:outputOf", "Module 1: Housing and segregation")
ABOUT_GERMANY = ("clip:aboutCity/clip:country", "Germany")
ISSUED_2009 = ("year(dcterms:issued)", "2009")
THREE_CLICKS = (OUTPUT_OF_HOUSING, ABOUT_GERMANY, ISSUED_2009)
CLIP = "https://w3id.org/clip-network/def/"
ISSUED = "http://purl.org/dc/terms/issued"
SUBCLASS_OF = "http://www.w3.org/2000/01/rdf-schema#subClassOf"


@pytest.fixture
def urls(clip_kg: KnowledgeGraph) -> Urls:
    """The IRI ↔ page mapping of the served data, to tell which items a list's links lead to."""
    return Urls(clip_kg.base)


def _open(driver: Any, url: str) -> None:
    driver.set_window_size(WIDTH, 1000)
    driver.set_page_load_timeout(WAIT)  # for every load of this module's browser, the clicks' included
    driver.get(url)


def _follow(driver: Any, element: Any) -> None:
    """Click a link or button that loads a page, and wait until the new page is there."""
    old = driver.find_element(By.TAG_NAME, "html")
    element.click()
    WebDriverWait(driver, WAIT).until(expected_conditions.staleness_of(old))
    WebDriverWait(driver, WAIT).until(lambda d: d.execute_script("return document.readyState") == "complete")


def _value(driver: Any, key: str, label: str) -> tuple[Any, int]:
    """The link of a facet's value and the count shown beside it."""
    section = driver.find_element(By.CSS_SELECTOR, f'section.facet[data-key="{key}"]')
    for item in section.find_elements(By.TAG_NAME, "li"):
        link = item.find_element(By.TAG_NAME, "a")
        if link.text == label:
            return link, int(item.find_element(By.CSS_SELECTOR, ".count").text.replace(",", ""))
    shown = [a.text for a in section.find_elements(By.TAG_NAME, "a")]
    raise AssertionError(f"facet {key} has no value {label!r}, only {shown}")


def _click_value(driver: Any, key: str, label: str) -> int:
    """Click a facet's value; the count it showed."""
    link, count = _value(driver, key, label)
    _follow(driver, link)
    return count


def _url_filters(driver: Any) -> list[tuple[str, str]]:
    """The ``f.`` parameters of the page's URL, in order."""
    return [(k, v) for k, v in parse_qsl(urlsplit(driver.current_url).query) if k.startswith("f.")]


def _heading_count(driver: Any) -> int:
    """The size of the list its heading states: "Publications (14 of 49)" → 14."""
    text = driver.find_element(By.CSS_SELECTOR, "h1 .muted").text
    found = re.match(r"\(([\d,]+)", text)
    assert found, text
    return int(found.group(1).replace(",", ""))


def _listed(driver: Any) -> list[str]:
    """The paths the rows of the browse list link to, one per row."""
    rows = driver.find_elements(By.CSS_SELECTOR, "table.browse-list tbody tr")
    return [urlsplit(row.find_element(By.TAG_NAME, "a").get_attribute("href")).path for row in rows]


def _sparql(live_url: str, query: str) -> list[dict[str, Any]]:
    """The bindings of a SELECT query, POSTed to the endpoint as a form."""
    posted = urllib.request.Request(
        live_url + "/sparql",
        data=urlencode({"query": query}).encode(),
        headers={"Accept": "application/sparql-results+json", "Content-Type": "application/x-www-form-urlencoded"},
    )
    with urllib.request.urlopen(posted, timeout=WAIT) as answer:
        return list(json.load(answer)["results"]["bindings"])


def _editor_items(driver: Any, live_url: str) -> list[str]:
    """The IRIs the page's "Open in the query editor" query gives, run through /sparql."""
    href = driver.find_element(By.LINK_TEXT, "Open in the query editor").get_attribute("href")
    (query,) = parse_qs(urlsplit(href).query)["query"]
    return [row["item"]["value"] for row in _sparql(live_url, query)]


def _assert_list_is(driver: Any, live_url: str, urls: Urls, count: int) -> list[str]:
    """The heading, the rows and the page's equivalent SPARQL all give ``count`` items, the same ones."""
    items = _editor_items(driver, live_url)
    listed = _listed(driver)
    assert (_heading_count(driver), len(listed), len(items)) == (count, count, count)
    assert sorted(listed) == sorted(urls.link(iri) or "" for iri in items)
    return items


def _narrowed(driver: Any, live_url: str, clicks: Sequence[tuple[str, str]]) -> list[int]:
    """Open the publications and click the values in turn; the list's size, then the counts the values showed."""
    _open(driver, live_url + PUBLICATIONS)
    whole = _heading_count(driver)
    return [whole, *(_click_value(driver, key, label) for key, label in clicks)]


def _chip(driver: Any, facet_label: str) -> Any:
    for chip in driver.find_elements(By.CSS_SELECTOR, ".facet-chips .chip"):
        if chip.text.startswith(facet_label + ":"):
            return chip
    raise AssertionError(f"no chip for {facet_label!r}")


def test_three_facets_narrow_the_list_to_the_counts_they_showed(browser: Any, live_url: str, urls: Urls) -> None:
    _open(browser, live_url + PUBLICATIONS)
    whole = _heading_count(browser)
    _assert_list_is(browser, live_url, urls, whole)
    save_screenshot(browser, "facets-browse-start", WIDTH)
    _open(browser, live_url + PUBLICATIONS)
    before: list[tuple[str, str]] = []
    counts = [whole]
    for key, label in THREE_CLICKS:
        counts.append(_click_value(browser, key, label))
        after = _url_filters(browser)
        assert after[:-1] == before and after[-1][0] == "f." + key, (before, after)
        _assert_list_is(browser, live_url, urls, counts[-1])
        assert browser.find_element(By.CSS_SELECTOR, "h1 .muted").text.endswith(f" of {whole})")
        before = after
    assert counts == sorted(counts, reverse=True) and counts[-1] > 0 and len(set(counts)) == 4, counts
    assert len(browser.find_elements(By.CSS_SELECTOR, ".facet-chips .chip")) == 3
    save_screenshot(browser, "facets-browse-three-filters", WIDTH)


def _back(driver: Any) -> None:
    old = driver.find_element(By.TAG_NAME, "html")
    driver.back()
    WebDriverWait(driver, WAIT).until(expected_conditions.staleness_of(old))


def test_back_returns_to_the_previous_state_and_its_count(browser: Any, live_url: str, urls: Urls) -> None:
    whole, first, second = _narrowed(browser, live_url, THREE_CLICKS[:2])
    assert whole > first > second
    one_filter = _url_filters(browser)[:1]
    _back(browser)
    assert _url_filters(browser) == one_filter
    _assert_list_is(browser, live_url, urls, first)
    _back(browser)
    assert _url_filters(browser) == [] and not browser.find_elements(By.CSS_SELECTOR, ".facet-chips .chip")
    _assert_list_is(browser, live_url, urls, whole)


def test_a_chip_removes_its_filter_and_keeps_the_others(browser: Any, live_url: str, urls: Urls) -> None:
    _open(browser, live_url + PUBLICATIONS)
    _, germany = _value(browser, *ABOUT_GERMANY)
    _narrowed(browser, live_url, THREE_CLICKS[:2])
    country_filter = _url_filters(browser)[1]
    _follow(browser, _chip(browser, "output of"))
    assert _url_filters(browser) == [country_filter]
    _assert_list_is(browser, live_url, urls, germany)
    assert [chip.text.split(":")[0] for chip in browser.find_elements(By.CSS_SELECTOR, ".facet-chips .chip")] == [
        "about city → country"
    ]


def _issued_from(live_url: str, year: str, module: str | None = None) -> set[str]:
    """An independent answer: the publications (output of ``module``) issued in ``year`` or later."""
    output_of = f"?item <{CLIP}outputOf> <{module}> ." if module else ""
    query = f"""SELECT DISTINCT ?item WHERE {{ ?item a/<{SUBCLASS_OF}>* <{CLIP}Publication> . {output_of}
      ?item <{ISSUED}> ?issued FILTER(SUBSTR(STR(?issued), 1, 4) >= "{year}") }}"""
    return {row["item"]["value"] for row in _sparql(live_url, query)}


def _submit_range(driver: Any, field: str, year: str) -> None:
    """Type a year into the range form's ``field`` (from or to), replacing what it holds, and submit."""
    form = driver.find_element(By.CSS_SELECTOR, "form.facet-range")
    entry = form.find_element(By.CSS_SELECTOR, f'input[type=number][name^="f.{field}("]')
    entry.clear()
    entry.send_keys(year)
    _follow(driver, form.find_element(By.CSS_SELECTOR, "button[type=submit]"))


def test_the_year_range_keeps_the_items_from_that_year_on(browser: Any, live_url: str, urls: Urls) -> None:
    _narrowed(browser, live_url, [OUTPUT_OF_HOUSING])
    module_filter = _url_filters(browser)
    _submit_range(browser, "from", "2008")
    assert _url_filters(browser) == [*module_filter, ("f.from(dcterms:issued)", "2008")]
    expected = _issued_from(live_url, "2008", module_filter[0][1])
    assert 0 < len(expected) < 14
    assert set(_assert_list_is(browser, live_url, urls, len(expected))) == expected
    chips = [chip.text for chip in browser.find_elements(By.CSS_SELECTOR, ".facet-chips .chip")]
    assert len(chips) == 2 and "2008" in chips[1]
    save_screenshot(browser, "facets-year-range", WIDTH)


def _download_to(driver: Any, folder: Path) -> None:
    driver.execute_cdp_cmd("Page.setDownloadBehavior", {"behavior": "allow", "downloadPath": str(folder)})


def _downloaded(driver: Any, folder: Path) -> Path:
    """The one finished download in ``folder``, waited for."""

    def finished(_: Any) -> list[Path]:
        files = [p for p in folder.iterdir() if not p.name.endswith(".crdownload")]
        return files if files and not list(folder.glob("*.crdownload")) else []

    (found,) = WebDriverWait(driver, WAIT, poll_frequency=0.1).until(finished)
    return Path(found)


def test_the_csv_download_lists_the_items_of_the_state(browser: Any, live_url: str, urls: Urls, tmp_path: Path) -> None:
    _narrowed(browser, live_url, THREE_CLICKS[:2])
    items = _assert_list_is(browser, live_url, urls, _heading_count(browser))
    _download_to(browser, tmp_path)
    link = browser.find_element(By.LINK_TEXT, "Download CSV")
    link.click()
    with _downloaded(browser, tmp_path).open(encoding="utf-8", newline="") as table:
        rows = list(csv.DictReader(table))
    assert sorted(row["item"] for row in rows) == sorted(items)
    csv_url = urlsplit(link.get_attribute("href"))
    metadata_url = browser.find_element(By.LINK_TEXT, "CSVW metadata").get_attribute("href")
    with urllib.request.urlopen(metadata_url, timeout=WAIT) as answer:
        described = urlsplit(json.load(answer)["url"])
    assert described.path.endswith(csv_url.path)
    assert parse_qsl(described.query) == parse_qsl(csv_url.query) == _url_filters(browser)


def _hit_count(driver: Any) -> int:
    text = driver.find_element(By.CSS_SELECTOR, "p.result-count").text
    found = re.match(r"(\d+) resources? match", text)
    assert found, text
    return int(found.group(1))


def test_a_facet_narrows_the_search_hits_to_its_count(browser: Any, live_url: str) -> None:
    _open(browser, live_url + "/search?q=frankfurt")
    hits = _hit_count(browser)
    count = _click_value(browser, "clip:aboutCity", "Frankfurt am Main")
    assert 0 < count < hits
    assert _url_filters(browser) == [("f.clip:aboutCity", "https://w3id.org/clip-network/id/city/frankfurt")]
    assert parse_qs(urlsplit(browser.current_url).query)["q"] == ["frankfurt"]
    assert _hit_count(browser) == count == len(browser.find_elements(By.CSS_SELECTOR, "ul.hits li"))
    assert "and the filters" in browser.find_element(By.CSS_SELECTOR, "p.result-count").text
    save_screenshot(browser, "facets-search", WIDTH)


def _places(live_url: str, urls: Urls) -> set[tuple[str | None, str]]:
    """(page, name) of every resource with coordinates, each of its rdfs:labels."""
    query = """SELECT ?place ?name WHERE { ?place <http://www.w3.org/2003/01/geo/wgs84_pos#lat> ?lat ;
      <http://www.w3.org/2000/01/rdf-schema#label> ?name }"""
    return {(urls.link(row["place"]["value"]), row["name"]["value"]) for row in _sparql(live_url, query)}


def test_the_map_dots_are_links_reached_by_tab(browser: Any, live_url: str, urls: Urls) -> None:
    _open(browser, live_url + PUBLICATIONS)
    dots = browser.find_elements(By.CSS_SELECTOR, "figure.facet-map svg .facet-dots a")
    assert dots
    before = browser.find_element(By.CSS_SELECTOR, "p.downloads a[type='application/json']")
    browser.execute_script("arguments[0].focus()", before)
    before.send_keys(Keys.TAB)
    reached = browser.switch_to.active_element
    assert reached == dots[0]
    path = reached.get_dom_attribute("href")  # an SVG link's href property is no string
    place, _, count = reached.find_element(By.TAG_NAME, "title").get_attribute("textContent").rpartition(": ")
    assert reached.accessible_name == f"{place}: {count}"
    assert (path, place) in _places(live_url, urls) and int(count.replace(",", "")) > 0


def test_a_year_range_entered_again_replaces_the_one_in_force(browser: Any, live_url: str, urls: Urls) -> None:
    _open(browser, live_url + PUBLICATIONS)
    _submit_range(browser, "from", "2010")
    entry = browser.find_element(By.CSS_SELECTOR, 'form.facet-range input[type=number][name^="f.from("]')
    assert entry.get_attribute("value") == "2010"
    _submit_range(browser, "from", "2008")
    assert _url_filters(browser) == [("f.from(dcterms:issued)", "2008")]
    expected = _issued_from(live_url, "2008")
    assert set(_assert_list_is(browser, live_url, urls, len(expected))) == expected
