"""Headless Chromium for browser tests: Debian's chromium driven through chromedriver."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from server.config import PROJECT_ROOT

try:
    from selenium import webdriver
    from selenium.webdriver.chrome.options import Options
    from selenium.webdriver.chrome.service import Service

    HAS_SELENIUM = True
except ImportError:
    HAS_SELENIUM = False

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
MISSING = [str(p) for p in (CHROMIUM, CHROMEDRIVER) if not os.access(p, os.X_OK)]
# Skipped without them, a failure with KG_REQUIRE_TOOLS=1 (the needs_tool mark of conftest.py).
needs_browser = pytest.mark.needs_tool(
    missing=bool(MISSING) or not HAS_SELENIUM,
    reason="headless browser tests need /usr/bin/chromium, /usr/bin/chromedriver and selenium "
    "(apt-get install chromium chromium-driver; pip install selenium)",
)
SCREENSHOT_DIR = Path(os.environ.get("KG_SCREENSHOT_DIR", PROJECT_ROOT / "build" / "screenshots"))


def chromium(profile: Path, width: int = 1400, height: int = 1000) -> Any:
    """A headless Chromium that reaches nothing but the test server."""
    options = Options()
    options.binary_location = str(CHROMIUM)
    for argument in (
        "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
        "--no-first-run", f"--user-data-dir={profile}", f"--window-size={width},{height}",
    ):  # fmt: skip
        options.add_argument(argument)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    return webdriver.Chrome(service=Service(executable_path=str(CHROMEDRIVER)), options=options)


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """One browser per test module."""
    driver = chromium(tmp_path_factory.mktemp("chromium-profile"))
    try:
        yield driver
    finally:
        driver.quit()


def save_screenshot(driver: Any, name: str, width: int = 1400) -> Path:
    """A full-page PNG in SCREENSHOT_DIR, ``width`` pixels wide, for a person to look at."""
    SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
    height = driver.execute_script("return document.documentElement.scrollHeight")
    driver.set_window_size(width, min(max(int(height), 800), 6000))
    path = SCREENSHOT_DIR / f"{name}.png"
    driver.save_screenshot(str(path))
    return path
