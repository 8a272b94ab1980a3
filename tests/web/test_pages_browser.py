"""The resource pages in a real browser: follow links city → module → publication, screenshots."""

from __future__ import annotations

from typing import Any

import pytest

from ..browser import needs_browser, save_screenshot

pytestmark = [pytest.mark.live, needs_browser]


def _open(driver: Any, url: str) -> None:
    driver.set_window_size(1400, 1000)
    driver.get(url)


def _errors(driver: Any) -> list[str]:
    """Console errors of the page; the site has no favicon (base.html), which is not this page's fault."""
    logged = driver.get_log("browser")
    return [e["message"] for e in logged if e["level"] == "SEVERE" and "favicon.ico" not in e["message"]]


def _page_width_fits(driver: Any) -> bool:
    return bool(driver.execute_script("return document.documentElement.scrollWidth <= window.innerWidth"))


def test_home_page_loads(browser: Any, live_url: str) -> None:
    _open(browser, live_url + "/")
    assert browser.title == "CLIP knowledge graph"
    assert browser.find_element("css selector", "h1").text == "CLIP knowledge graph"
    assert "https://w3id.org/clip-network/graph/asserted" in browser.find_element("css selector", "body").text
    assert not _errors(browser)


def test_city_page_follows_the_303_and_shows_the_map(browser: Any, live_url: str) -> None:
    _open(browser, live_url + "/id/city/vienna")
    assert browser.current_url.endswith("/doc/city/vienna.html")
    assert browser.find_element("css selector", "h1").text.startswith("Vienna")
    assert browser.find_element("css selector", "figure.city-map svg circle.here")
    assert _page_width_fits(browser)
    assert not _errors(browser)
    save_screenshot(browser, "city")


def test_from_the_city_to_a_module(browser: Any, live_url: str) -> None:
    _open(browser, live_url + "/doc/city/vienna.html")
    browser.find_element("css selector", "#city table a[href='/doc/module/intercultural.html']").click()
    assert browser.current_url.endswith("/doc/module/intercultural.html")
    assert "identified here" in browser.find_element("css selector", ".claim-summary").text
    assert _page_width_fits(browser)
    save_screenshot(browser, "module")


def test_from_the_module_to_a_publication(browser: Any, live_url: str) -> None:
    _open(browser, live_url + "/doc/module/intercultural.html")
    target = "/doc/publication/intercultural-policies-in-european-cities.html"
    browser.find_element("css selector", f"#module a[href='{target}']").click()
    assert browser.current_url.endswith(target)
    authors = browser.find_elements("css selector", "ol.authors li")
    assert len(authors) == 18
    assert "@techreport{" in browser.find_element("css selector", "pre.bibtex").text
    assert _page_width_fits(browser)
    assert not _errors(browser)
    save_screenshot(browser, "publication")
