"""No page links a non-http(s) IRI: javascript:, data: and vbscript: IRIs in the data are shown as text.

The data (tests/data/web/hostile-iris.trig and hostile-ontology.ttl, served by the
``hostile_app`` of conftest.py) puts such IRIs where every page makes links: subjects (search
hits, 404 suggestions, incoming links), predicates, objects, types (the home page's classes),
sources, licences, graph names, the ontology's metadata and a prefix's namespace. Every
URL-bearing attribute of every page must then be a path of this site or an http(s) URL.
"""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser

import pytest
from flask import Flask, render_template_string
from flask.testing import FlaskClient

from ..conftest import HOSTILE_SCHEMES

URL_ATTRIBUTES = {"href", "src", "action", "formaction", "xlink:href", "data", "poster", "cite", "background"}
PAGES = [
    "/",
    "/doc/thing/harbour.html",
    "/doc/thing/harbour",
    "/search?q=harbour",
    "/def/",
    "/catalog",
    "/.well-known/void",
    "/sparql",
    "/sparql?query=SELECT+*+WHERE+%7B+%3Fs+%3Fp+%3Fo+%7D",
    "/browse/cities",
    "/dumps",
    "/queries",
]


class Urls(HTMLParser):
    """Every URL an element of a page carries in an attribute, and the JSON-LD blocks."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[tuple[str, str, str]] = []
        self.json_ld: list[str] = []
        self._in_json_ld = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.found += [(tag, name, value or "") for name, value in attrs if name in URL_ATTRIBUTES]
        self._in_json_ld = tag == "script" and ("type", "application/ld+json") in attrs

    def handle_data(self, data: str) -> None:
        if self._in_json_ld:
            self.json_ld.append(data)

    def handle_endtag(self, tag: str) -> None:
        self._in_json_ld = False


def urls_of(body: str) -> Urls:
    parser = Urls()
    parser.feed(body)
    return parser


def is_safe(url: str) -> bool:
    """A path, fragment or query of this site, or an http(s) URL."""
    return url.startswith(("/", "#", "?")) or re.fullmatch(r"(?i)https?://\S+", url) is not None


@pytest.fixture
def hostile(hostile_app: Flask) -> FlaskClient:
    return hostile_app.test_client()


def html_of(client: FlaskClient, path: str, status: int = 200) -> str:
    response = client.get(path, headers={"Accept": "text/html"})
    assert response.status_code == status, path
    assert response.mimetype == "text/html"
    return response.get_data(as_text=True)


@pytest.mark.parametrize("path", PAGES)
def test_no_page_links_a_non_web_iri(hostile: FlaskClient, path: str) -> None:
    found = urls_of(html_of(hostile, path)).found
    assert found, path
    unsafe = [(tag, name, url) for tag, name, url in found if not is_safe(url)]
    assert not unsafe, f"{path} links {unsafe}"


def test_the_404_suggestions_link_no_non_web_iri(hostile: FlaskClient) -> None:
    body = html_of(hostile, "/id/thing/harbou", status=404)
    assert "Harbour by javascript" in body and "Harbour by vbscript" in body  # suggested, as text
    assert all(is_safe(url) for _, _, url in urls_of(body).found)


def test_the_hostile_iris_are_still_shown_as_text(hostile: FlaskClient) -> None:
    body = html_of(hostile, "/doc/thing/harbour.html")
    for shown in ("javascript:alert(&#39;object&#39;)", "vbscript:msgbox(&#39;object&#39;)", "data:text/html;base64,"):
        assert shown in body, shown
    assert 'href="https://example.org/harbour"' in body  # an http(s) IRI is still a link
    assert re.search(r'<a href="/doc/thing/harbour.html[^"]*"', html_of(hostile, "/search?q=harbour"))


def test_json_ld_names_no_non_web_url(hostile: FlaskClient) -> None:
    for path in ("/", "/doc/thing/harbour.html"):
        for block in urls_of(html_of(hostile, path)).json_ld:
            data = json.loads(block)
            for key in ("url", "sameAs", "license", "contentUrl"):
                values = data.get(key, [])
                for value in values if isinstance(values, list) else [values]:
                    assert is_safe(value), (path, key, value)


def test_search_json_gives_no_url_for_a_non_web_iri(hostile: FlaskClient) -> None:
    results = hostile.get("/search?q=harbour", headers={"Accept": "application/json"}).get_json()["results"]
    by_iri = {hit["iri"]: hit["url"] for hit in results}
    assert by_iri["https://w3id.org/clip-network/id/thing/harbour"] == "/doc/thing/harbour.html"
    hostile_hits = [iri for iri in by_iri if iri.startswith(HOSTILE_SCHEMES)]
    assert len(hostile_hits) == 4 and all(by_iri[iri] is None for iri in hostile_hits)


@pytest.mark.parametrize(
    "href", ["javascript:alert(1)", "JavaScript:alert(1)", " javascript:alert(1)", "data:text/html,x", "vbscript:x"]
)
def test_the_link_macro_refuses_a_non_web_href_even_if_a_view_passes_one(hostile_app: Flask, href: str) -> None:
    template = '{% from "_links.html" import link %}{% call link(href, {"title": "t"}) %}text{% endcall %}'
    with hostile_app.test_request_context():
        assert render_template_string(template, href=href) == '<span title="t">text</span>'
        assert render_template_string(template, href="https://example.org/") == (
            '<a href="https://example.org/" title="t">text</a>'
        )


@pytest.mark.parametrize("path", ["/", "/catalog", "/.well-known/void", "/def/", "/doc/city/vienna.html"])
def test_the_clip_pages_link_their_web_urls(client: FlaskClient, path: str) -> None:
    """The CLIP graph's own links (licences, linksets, GeoNames, Wikidata) are still links."""
    found = urls_of(html_of(client, path)).found
    assert all(is_safe(url) for _, _, url in found), path
    assert any(url.startswith("https://") for _, _, url in found), path
