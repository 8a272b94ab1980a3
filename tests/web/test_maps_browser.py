"""The maps in headless Chromium: drawn with the countries, the cities reachable by keyboard with a name;
screenshots of the home map and a city map for a person to look at (build/screenshots)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from server.config import Settings
from server.kg.build import KnowledgeGraph
from server.web.app import create_app

from ..browser import SCREENSHOT_DIR, needs_browser
from ..conftest import serve_in_thread

try:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
except ImportError:  # needs_browser skips the tests
    pass

pytestmark = [pytest.mark.live, needs_browser]


def _shoot(element: Any, name: str) -> None:
    SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
    element.screenshot(str(SCREENSHOT_DIR / f"{name}.png"))
    assert (SCREENSHOT_DIR / f"{name}.png").stat().st_size > 10_000


def test_the_home_map_draws_europe_and_its_cities(browser: Any, live_url: str) -> None:
    browser.set_window_size(1400, 1000)
    browser.get(live_url + "/")
    figure = browser.find_element(By.CSS_SELECTOR, "figure.map-figure")
    browser.execute_script("arguments[0].scrollIntoView({block: 'start'})", figure)
    countries = browser.find_elements(By.CSS_SELECTOR, "svg.city-map path.country")
    assert len(countries) > 30 and all(c.size["width"] > 0 for c in countries[:5])
    links = browser.find_elements(By.CSS_SELECTOR, "svg.city-map g.cities a")
    assert len(links) == 29
    vienna = browser.find_element(By.CSS_SELECTOR, 'svg.city-map a[href="/doc/city/vienna.html"]')
    assert vienna.accessible_name.startswith("Vienna")
    _shoot(figure, "map-home")


def test_a_city_on_the_map_is_reached_by_keyboard(browser: Any, live_url: str) -> None:
    browser.get(live_url + "/")
    first = browser.find_elements(By.CSS_SELECTOR, "svg.city-map g.cities a")[0]
    browser.execute_script("arguments[0].focus()", first)
    assert browser.switch_to.active_element == first
    first.send_keys(Keys.TAB)
    second = browser.switch_to.active_element
    assert second.tag_name == "a" and second.get_attribute("href") and second.accessible_name


def test_the_city_map_highlights_the_city(browser: Any, live_url: str) -> None:
    browser.set_window_size(1400, 1000)
    browser.get(live_url + "/doc/city/vienna.html")
    figure = browser.find_element(By.CSS_SELECTOR, "figure.city-map")
    assert len(figure.find_elements(By.CSS_SELECTOR, "path.country")) > 30
    here = figure.find_element(By.CSS_SELECTOR, "circle.here")
    assert here.is_displayed()
    label = figure.find_element(By.CSS_SELECTOR, 'a[href="/doc/city/lisbon.html"] text')
    assert not label.is_displayed()  # named on hover or focus only
    browser.execute_script("arguments[0].parentNode.focus()", label)
    assert label.is_displayed()
    browser.execute_script("document.activeElement.blur()")
    _shoot(figure, "map-city")


def test_without_boundaries_the_map_keeps_its_grid_and_says_why(
    browser: Any, settings: Settings, clip_kg: KnowledgeGraph, tmp_path: Path
) -> None:
    with serve_in_thread(create_app(replace(settings, node_modules=tmp_path / "none"), clip_kg)) as url:
        browser.set_window_size(1400, 1000)
        browser.get(url + "/")
        figure = browser.find_element(By.CSS_SELECTOR, "figure.map-figure")
        assert not figure.find_elements(By.CSS_SELECTOR, "path.country")
        assert len(figure.find_elements(By.CSS_SELECTOR, "g.graticule line")) > 10
        assert len(figure.find_elements(By.CSS_SELECTOR, "g.cities a")) == 29
        assert "make setup" in figure.find_element(By.CSS_SELECTOR, ".map-note").text
        browser.execute_script("arguments[0].scrollIntoView({block: 'start'})", figure)
        _shoot(figure, "map-home-no-boundaries")
