"""The data-quality page in a real browser: no console errors, no horizontal scroll, a screenshot."""

from __future__ import annotations

from typing import Any

import pytest

from ..browser import needs_browser, save_screenshot

pytestmark = [pytest.mark.live, needs_browser]


def test_quality_page_renders_its_tables(browser: Any, live_url: str) -> None:
    browser.set_window_size(1400, 1000)
    browser.get(live_url + "/quality")
    assert browser.find_element("css selector", "h1").text == "Data quality"
    assert len(browser.find_elements("css selector", "section.quality-table")) == 8
    assert browser.execute_script("return document.documentElement.scrollWidth <= window.innerWidth")
    logged = browser.get_log("browser")
    assert not [e["message"] for e in logged if e["level"] == "SEVERE" and "favicon.ico" not in e["message"]]
    save_screenshot(browser, "quality")
