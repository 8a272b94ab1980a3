"""Every kind of page passes axe-core in headless Chromium: no serious or critical violation.

axe-core comes from the npm registry (package.json, installed by ``make setup``); the test
injects it into each page through WebDriver, which the pages' Content-Security-Policy does
not govern, and runs the WCAG 2.x A/AA rules plus axe's best practices. Each page kind's
figures (violations by impact, passes) are printed, so a run shows where a page stands even
when it passes; minor and moderate findings are listed but do not fail the test.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from server.config import PROJECT_ROOT

from ..browser import needs_browser

AXE = Path(PROJECT_ROOT / "node_modules" / "axe-core" / "axe.min.js")
needs_axe = pytest.mark.needs_tool(
    missing=not AXE.is_file(), reason="axe-core is installed by `make setup` (npm ci); node_modules/axe-core is missing"
)
pytestmark = [pytest.mark.live, needs_browser, needs_axe]

PAGES = {
    "home": "/",
    "city": "/doc/city/vienna.html",
    "city in German": "/doc/city/vienna.html?lang=de",
    "module": "/doc/module/intercultural.html",
    "case study": "/doc/publication/zurich-intercultural-case-study.html",
    "overview report": "/doc/publication/intercultural-policies-in-european-cities.html",
    "person": "/doc/person/doris-luken-klassen.html",
    "organisation": "/doc/organisation/eurofound.html",
    "local policy": "/doc/policy/vienna-startwien.html",
    "finding": "/doc/finding/diversity-give-greater-priority.html",
    "claim": "/doc/claim/frankfurt-entrepreneurship-issued-s27.html",
    "source": "/doc/source/s0.html",
    "topic": "/doc/topic/m3-4.html",
    "browse list": "/browse/cities",
    "data quality": "/quality",
    "search": "/search?q=Wien",
    "browse list with two facet filters and a map": "/browse/publications?f.clip%3AoutputOf=https%3A%2F%2Fw3id.org"
    "%2Fclip-network%2Fid%2Fmodule%2Fhousing&f.clip%3AaboutCity%2Fclip%3Acountry=https%3A%2F%2Fw3id.org%2Fclip-network"
    "%2Fid%2Fcountry%2Fde",
    "search with a facet filter": "/search?q=frankfurt&f.clip%3AaboutCity=https%3A%2F%2Fw3id.org%2Fclip-network%2Fid"
    "%2Fcity%2Ffrankfurt",
    "not found": "/doc/city/atlantis.html",
    "query page": "/sparql",
    "named queries": "/queries",
    "vocabulary": "/def/",
    "dumps": "/dumps",
    "releases": "/release/",
    "catalogue": "/catalog",
    "triple pattern fragments": "/fragments?predicate=https%3A%2F%2Fw3id.org%2Fclip-network%2Fdef%2FlocalName",
}
BLOCKING = ("serious", "critical")


def run_axe(driver: Any) -> dict[str, Any]:
    driver.execute_script(AXE.read_text(encoding="utf-8"))
    driver.set_script_timeout(60)
    result = driver.execute_async_script(
        """const done = arguments[arguments.length - 1];
        const tags = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'];
        axe.run(document, {runOnly: {type: 'tag', values: tags}})
           .then(r => done({violations: r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
                               nodes: v.nodes.map(n => n.target.join(' ')).slice(0, 5)})),
                            passes: r.passes.length}))
           .catch(e => done({error: String(e)}));"""
    )
    assert "error" not in result, result
    return dict(result)


@pytest.mark.parametrize("kind", list(PAGES))
def test_page_has_no_serious_or_critical_accessibility_violation(browser: Any, live_url: str, kind: str) -> None:
    browser.set_window_size(1400, 1000)
    browser.get(live_url + PAGES[kind])
    result = run_axe(browser)
    impacts = {impact: 0 for impact in ("critical", "serious", "moderate", "minor")}
    for violation in result["violations"]:
        impacts[violation["impact"] or "minor"] += 1
    print(f"axe {kind}: {json.dumps(impacts)} passes={result['passes']}")
    blocking = [v for v in result["violations"] if v["impact"] in BLOCKING]
    assert not blocking, json.dumps(blocking, indent=1, ensure_ascii=False)


def test_the_query_page_with_an_answer_passes_too(browser: Any, live_url: str) -> None:
    """The editor's result table and controls, not only the empty editor."""
    from selenium.webdriver.support.wait import WebDriverWait  # with the browser marks: selenium may be missing

    browser.get(live_url + "/sparql")
    browser.execute_script(
        "const tab = window.clipYasgui.getTab(); tab.getYasqe().setValue(arguments[0]); tab.getYasqe().query();",
        "SELECT ?city ?name WHERE { ?city a <https://w3id.org/clip-network/def/City> ; "
        "<http://www.w3.org/2000/01/rdf-schema#label> ?name } LIMIT 5",
    )
    WebDriverWait(browser, 20).until(lambda d: d.find_elements("css selector", ".yasr table tbody tr"))
    result = run_axe(browser)
    blocking = [v for v in result["violations"] if v["impact"] in BLOCKING]
    assert not blocking, json.dumps(blocking, indent=1, ensure_ascii=False)


def test_pages_print_without_navigation(browser: Any, live_url: str) -> None:
    browser.get(live_url + "/doc/city/vienna.html")
    browser.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": "print"})
    try:
        hidden = browser.execute_script(
            "return ['nav', '.site-footer > p:first-child', '.nav-search']"
            ".map(s => getComputedStyle(document.querySelector(s)).display)"
        )
        assert hidden == ["none", "none", "none"]
        assert browser.execute_script("return getComputedStyle(document.querySelector('main')).display") != "none"
        assert browser.execute_script("return getComputedStyle(document.querySelector('.cite-this')).display") != "none"
        pdf = browser.execute_cdp_cmd("Page.printToPDF", {"printBackground": False})
        assert len(pdf["data"]) > 1000
    finally:
        browser.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": ""})
