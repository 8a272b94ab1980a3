"""The home page in headless Chromium: the pictures render, a city dot leads to the city's page."""

from __future__ import annotations

from typing import Any

import pytest

from ..browser import SCREENSHOT_DIR, needs_browser, save_screenshot

try:
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait
except ImportError:  # needs_browser skips the tests
    pass

pytestmark = [pytest.mark.live, needs_browser]
WAIT = 20  # seconds


def test_map_and_matrix_are_drawn_with_a_size(browser: Any, live_url: str) -> None:
    browser.get(live_url + "/")
    for selector in ("svg.city-map", "svg.matrix"):
        picture = browser.find_element(By.CSS_SELECTOR, selector)
        assert picture.is_displayed()
        assert picture.size["width"] > 300 and picture.size["height"] > 300, (selector, picture.size)
    dots = browser.find_elements(By.CSS_SELECTOR, "svg.city-map circle.dot")
    assert len(dots) == 29 and all(dot.size["width"] > 0 for dot in dots)
    rows = browser.find_elements(By.CSS_SELECTOR, "svg.matrix g.matrix-row")
    assert len(rows) == 32
    assert browser.execute_script("return document.documentElement.scrollWidth <= window.innerWidth")
    path = save_screenshot(browser, "home")
    assert path.stat().st_size > 10_000


def test_a_city_dot_leads_to_the_city_page(browser: Any, live_url: str) -> None:
    browser.set_window_size(1400, 1000)
    browser.get(live_url + "/")
    dot = browser.find_element(By.CSS_SELECTOR, 'svg.city-map a[href="/doc/city/vienna.html"] circle.dot')
    browser.execute_script("arguments[0].scrollIntoView({block: 'center'})", dot)
    ActionChains(browser).move_to_element(dot).click().perform()
    WebDriverWait(browser, WAIT).until(lambda driver: "/doc/city/" in driver.current_url)
    assert browser.current_url == live_url + "/doc/city/vienna.html"
    assert "Vienna" in browser.title and "not found" not in browser.title.lower()


def test_the_page_stays_usable_on_a_narrow_screen(browser: Any, live_url: str) -> None:
    browser.set_window_size(420, 900)
    browser.get(live_url + "/")
    width = browser.execute_script("return window.innerWidth")
    for selector in ("svg.city-map", "svg.matrix"):
        picture = browser.find_element(By.CSS_SELECTOR, selector)
        assert 0 < picture.size["width"] <= width, (selector, picture.size, width)
    sizes = browser.execute_script("return [document.documentElement.scrollWidth, window.innerWidth]")
    assert sizes[0] <= sizes[1] + 1, sizes
    SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)  # save_screenshot would widen the window to 1400 px
    height = browser.execute_script("return document.documentElement.scrollHeight")
    browser.set_window_size(420, min(int(height), 8000))
    browser.save_screenshot(str(SCREENSHOT_DIR / "home-narrow.png"))
    browser.set_window_size(1400, 1000)
