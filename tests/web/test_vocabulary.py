"""The vocabulary at /def/ (W3C Best Practice Recipes for Publishing RDF Vocabularies, Recipe 3)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from html import unescape
from html.parser import HTMLParser
from typing import Any
from urllib.parse import parse_qs, urljoin, urlsplit

import pytest
from flask import Flask
from flask.testing import FlaskClient
from markupsafe import escape
from rdflib import Graph, URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import OWL, RDF, RDFS, SKOS

from server.namespaces import CANONICAL_BASE
from server.urls import Urls
from server.web.state import AppState
from tests.browser import needs_browser, save_screenshot
from tests.conftest import OTHER_BASE


@pytest.fixture
def client(backend_app: Flask) -> Iterator[FlaskClient]:
    """A test client of the site over each backend: the embedded store, the Oxigraph server, Virtuoso."""
    with backend_app.test_client() as test_client:
        yield test_client


try:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait
except ImportError:  # the browser test is skipped then
    pass

BROWSER_ACCEPT = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
VARIANTS = [("html", "text/html"), ("ttl", "text/turtle"), ("nt", "application/n-triples"),
            ("jsonld", "application/ld+json"), ("rdf", "application/rdf+xml")]  # fmt: skip
RDFLIB_FORMATS = {"ttl": "turtle", "nt": "nt", "jsonld": "json-ld", "rdf": "xml"}


class Page(HTMLParser):
    """The ids and the link targets of an HTML page."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.ids: list[str] = []
        self.links: list[str] = []
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        self.ids += [values["id"] or ""] if "id" in values else []
        self.links += [values[a] or "" for a in ("href", "src", "action") if values.get(a)]


def ontology(app: Flask) -> Graph:
    current = app.extensions["kg"]
    assert isinstance(current, AppState)
    return current.kg.graph("ontology")


def entry(html: str, name: str) -> str:
    """The HTML of one term's entry."""
    found = re.search(rf'<section class="term[^"]*" id="{name}">(.*?)</section>', html, re.DOTALL)
    assert found, f"no entry for {name}"
    return found.group(1)


@pytest.fixture(scope="module")
def html(app: Flask) -> str:
    with app.test_client() as client:
        return client.get("/def/", headers={"Accept": BROWSER_ACCEPT}).get_data(as_text=True)


@pytest.fixture(scope="module")
def other_base(other_base_app: Flask) -> Iterator[FlaskClient]:
    """A client of the application serving the CLIP graph under another base (the session graph is not rebased)."""
    with other_base_app.test_client() as client:
        yield client


# ----------------------------------------------------------------------------- the ontology IRI


@pytest.mark.parametrize(
    ("accept", "media_type", "location"),
    [
        (BROWSER_ACCEPT, "text/html", "/def/index.html"),
        ("*/*", "text/turtle", "/def/index.ttl"),
        (None, "text/turtle", "/def/index.ttl"),
        ("text/turtle", "text/turtle", "/def/index.ttl"),
        ("application/n-triples", "application/n-triples", "/def/index.nt"),
        ("application/ld+json", "application/ld+json", "/def/index.jsonld"),
        ("application/rdf+xml;q=0.9, text/html;q=0.5", "application/rdf+xml", "/def/index.rdf"),
    ],
)
def test_ontology_iri_is_negotiated(client: FlaskClient, accept: str | None, media_type: str, location: str) -> None:
    response = client.get("/def/", headers={"Accept": accept} if accept else {})
    assert response.status_code == 200
    assert response.mimetype == media_type
    assert response.headers["Content-Location"] == location
    assert "Accept" in response.vary


@pytest.mark.parametrize(("extension", "media_type"), VARIANTS)
def test_explicit_variant_has_its_media_type(client: FlaskClient, extension: str, media_type: str) -> None:
    response = client.get(f"/def/index.{extension}", headers={"Accept": "image/png"})
    assert response.status_code == 200
    assert response.mimetype == media_type
    if extension == "html":
        assert '<section class="term kind-class" id="City">' in response.get_data(as_text=True)
    else:
        graph = Graph().parse(data=response.data, format=RDFLIB_FORMATS[extension])
        assert (URIRef(CANONICAL_BASE + "def/City"), RDF.type, OWL.Class) in graph


@pytest.mark.parametrize("extension", RDFLIB_FORMATS)
def test_rdf_variant_is_the_ontology_graph(app: Flask, client: FlaskClient, extension: str) -> None:
    body = client.get(f"/def/index.{extension}").get_data(as_text=True)
    assert isomorphic(Graph().parse(data=body, format=RDFLIB_FORMATS[extension]), ontology(app))


@pytest.mark.parametrize("path", ["/def/", "/def/index.ttl", "/def/index.html"])
def test_documents_link_every_variant(client: FlaskClient, path: str) -> None:
    links = client.get(path).headers["Link"]
    for extension, media_type in VARIANTS:
        assert f'</def/index.{extension}>; rel="alternate"; type="{media_type}"' in links


def test_nothing_acceptable_is_406_listing_the_formats(client: FlaskClient) -> None:
    response = client.get("/def/", headers={"Accept": "image/png"})
    assert response.status_code == 406
    assert all(media_type.encode() in response.data for _, media_type in VARIANTS)


@pytest.mark.parametrize("accept", [BROWSER_ACCEPT, "text/turtle"])
def test_etag_gives_304(client: FlaskClient, accept: str) -> None:
    first = client.get("/def/", headers={"Accept": accept})
    assert first.headers["ETag"] and first.headers["Last-Modified"]
    again = client.get("/def/", headers={"Accept": accept, "If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304
    assert again.data == b""


def test_head_has_headers_and_no_body(client: FlaskClient) -> None:
    response = client.head("/def/", headers={"Accept": BROWSER_ACCEPT})
    assert response.status_code == 200
    assert response.mimetype == "text/html"
    assert response.headers["ETag"]
    assert response.data == b""


# ----------------------------------------------------------------------------- terms and versions


@pytest.mark.parametrize(
    ("accept", "location"),
    [
        (BROWSER_ACCEPT, "/def/index.html#City"),
        ("text/turtle", "/def/index.ttl"),
        ("application/ld+json", "/def/index.jsonld"),
        (None, "/def/index.ttl"),
    ],
)
def test_term_redirects_303_to_its_document(client: FlaskClient, accept: str | None, location: str) -> None:
    response = client.get("/def/City", headers={"Accept": accept} if accept else {})
    assert response.status_code == 303
    assert response.headers["Location"] == location
    assert "Accept" in response.vary


def test_unknown_term_is_404_in_plain_text(client: FlaskClient) -> None:
    response = client.get("/def/NoSuchTerm", headers={"Accept": "text/turtle"})
    assert response.status_code == 404
    assert response.mimetype == "text/plain"


def test_unknown_term_for_browsers_lists_the_terms(client: FlaskClient) -> None:
    response = client.get("/def/NoSuchTerm", headers={"Accept": BROWSER_ACCEPT})
    assert response.status_code == 404
    assert response.mimetype == "text/html"
    assert 'href="/def/index.html#City"' in response.get_data(as_text=True)


@pytest.mark.parametrize(("accept", "variant"), [(BROWSER_ACCEPT, "html"), ("text/turtle", "ttl")])
def test_version_iri_serves_the_document(app: Flask, client: FlaskClient, accept: str, variant: str) -> None:
    graph = ontology(app)
    version = str(graph.value(graph.value(None, RDF.type, OWL.Ontology), OWL.versionIRI))
    response = client.get(Urls(CANONICAL_BASE).path_of(version), headers={"Accept": accept})
    assert response.status_code == 200
    assert response.data == client.get(f"/def/index.{variant}").data


def test_html_says_the_version_iri_serves_this_document(html: str) -> None:
    assert "https://w3id.org/clip-network/def/1.0.0</code></a>" in html
    assert "only version published" in html


# ----------------------------------------------------------------------------- the HTML documentation


def test_every_term_has_an_anchor_with_label_and_definition(app: Flask, html: str) -> None:
    graph, missing = ontology(app), []
    namespace = str(graph.value(None, RDF.type, OWL.Ontology))
    terms = {s for s in graph.subjects(RDF.type, None) if str(s).startswith(namespace) and str(s) != namespace}
    for term in sorted(terms):
        text = entry(html, str(term)[len(namespace) :])
        for value in (graph.value(term, RDFS.label), graph.value(term, SKOS.definition)):
            if value is not None and str(escape(str(value))) not in text:
                missing.append((str(term), str(value)))
    assert missing == []


def test_ids_are_unique(html: str) -> None:
    ids = Page(html).ids
    assert len(ids) == len(set(ids))


@pytest.mark.parametrize(
    ("name", "shown"),
    [
        ("City", ['<a href="#Place" class="term-ref"', ">clip:Place</a>",
                  'href="https://schema.org/City"', ">schema:City</a>"]),
        ("City", ['data-count="32"', "<strong>32</strong>", "… and 22 more</a>"]),
        ("memberCity", ["<dt>Domain</dt><dd>", ">clip:Membership</a>", "<dt>Range</dt><dd>", ">clip:City</a>"]),
        ("isoCode", [">clip:Country</a>", ">xsd:string</a>", "<dt>Characteristics</dt><dd>functional</dd>"]),
        ("tookPartIn", ["<dt>Property chain</dt>", ">clip:hasParticipation</a> / <a", ">clip:inModule</a>"]),
        ("agentIn", ["<dt>Inverse of</dt>", ">clip:agent</a>"]),
        ("Place", ["<dt>Subclasses</dt>", ">clip:City</a>", "<dt>Disjoint with</dt>", ">clip:Country</a>"]),
        ("DirectEvidence", ["<dt>Type</dt>", ">clip:EvidenceLevel</a>"]),
    ],
)  # fmt: skip
def test_entry_shows(html: str, name: str, shown: list[str]) -> None:
    text = entry(html, name)
    assert [s for s in shown if s not in text] == []


def test_more_instances_link_runs_a_query_listing_them_all(client: FlaskClient, html: str) -> None:
    found = re.search(r'<a class="more" href="([^"]+)"', entry(html, "City"))
    href = urlsplit(unescape(found.group(1) if found else ""))
    assert href.path == "/sparql"
    query = parse_qs(href.query)["query"][0]
    accept = {"Accept": "application/sparql-results+json"}
    response = client.get("/sparql", query_string={"query": query}, headers=accept)
    assert len(response.json["results"]["bindings"]) == 32  # type: ignore[index]


@pytest.mark.parametrize(
    "shown",
    ["<h1>CLIP network ontology</h1>", "<dd>1.0.0</dd>", 'href="https://creativecommons.org/licenses/by/4.0/"',
     "CLIP Knowledge Graph developers", "2026-11-25", "<code>clip:</code>", 'href="/def/index.ttl"',
     'href="/def/index.jsonld"', "<code>schema:</code>", 'href="https://schema.org/"', "<code>org:</code>"],
)  # fmt: skip
def test_header_and_external_vocabularies(html: str, shown: str) -> None:
    assert shown in html


def test_toc_lists_individuals_by_class(html: str) -> None:
    toc = html.split('<aside class="toc"', 1)[1].split("</aside>", 1)[0]
    assert [g in toc for g in ("Evidence level", "Role", "Source kind", "CLIP tie")] == [True] * 4


def test_page_loads_nothing_from_elsewhere(html: str) -> None:
    loaded = re.findall(r'<(?:link|script|img|iframe)\b[^>]*?(?:href|src)="([^"]*)"', html)
    assert loaded
    assert [u for u in loaded if not u.startswith("/") or u.startswith("//")] == []


# ----------------------------------------------------------------------------- another base


def test_other_base_keeps_every_link_on_the_served_host(other_base: FlaskClient) -> None:
    page = other_base.get("/def/", headers={"Accept": BROWSER_ACCEPT})
    links = [urljoin(OTHER_BASE + "def/index.html", link) for link in Page(page.get_data(as_text=True)).links]
    assert links
    assert [u for u in links if urlsplit(u).netloc != "127.0.0.1:8123" and u.startswith(CANONICAL_BASE)] == []


def test_other_base_redirects_terms(other_base: FlaskClient) -> None:
    response = other_base.get("/def/City", headers={"Accept": "text/html"})
    assert (response.status_code, response.headers["Location"]) == (303, "/def/index.html#City")


def test_other_base_serves_the_rebased_ontology_at_its_version_iri(other_base: FlaskClient) -> None:
    turtle = other_base.get("/def/1.0.0", headers={"Accept": "text/turtle"}).get_data(as_text=True)
    graph = Graph().parse(data=turtle, format="turtle")
    assert (URIRef(OTHER_BASE + "def/"), OWL.versionIRI, URIRef(OTHER_BASE + "def/1.0.0")) in graph


# ----------------------------------------------------------------------------- in a browser


@pytest.mark.live
@needs_browser
def test_browser_follows_the_table_of_contents_to_city(browser: Any, live_url: str) -> None:
    browser.set_window_size(1400, 1000)
    browser.get(live_url + "/def/")
    browser.find_element(By.CSS_SELECTOR, "aside.toc a[href='#City']").click()
    WebDriverWait(browser, 10).until(lambda d: d.execute_script("return location.hash") == "#City")
    assert browser.execute_script("return document.querySelector(':target').id") == "City"
    top = browser.execute_script("return document.getElementById('City').getBoundingClientRect().top")
    assert 0 <= top < 100
    assert "city" in browser.find_element(By.ID, "City").text
    assert save_screenshot(browser, "vocabulary").is_file()
