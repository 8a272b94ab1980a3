"""Dereferencing (Cool URIs, section 4.3): 303 from things to documents, negotiated."""

from __future__ import annotations

import html
from collections.abc import Iterator

import pytest
from flask import Flask
from flask.testing import FlaskClient
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDFS, SKOS

from server.kg.build import KnowledgeGraph

from ..conftest import OTHER_BASE


@pytest.fixture
def client(backend_app: Flask) -> Iterator[FlaskClient]:
    """A test client of the site over each backend: the embedded store, the Oxigraph server, Virtuoso."""
    with backend_app.test_client() as test_client:
        yield test_client


VIENNA = "https://w3id.org/clip-network/id/city/vienna"


@pytest.mark.parametrize(
    ("accept", "location"),
    [
        (None, "/doc/city/vienna.ttl"),
        ("*/*", "/doc/city/vienna.ttl"),
        ("text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", "/doc/city/vienna.html"),
        ("text/turtle", "/doc/city/vienna.ttl"),
        ("application/n-triples", "/doc/city/vienna.nt"),
        ("application/ld+json", "/doc/city/vienna.jsonld"),
        ("application/rdf+xml", "/doc/city/vienna.rdf"),
    ],
)
def test_thing_answers_303_to_the_negotiated_document(client: FlaskClient, accept: str | None, location: str) -> None:
    response = client.get("/id/city/vienna", headers={"Accept": accept} if accept else {})
    assert response.status_code == 303
    assert response.headers["Location"] == location
    assert "Accept" in response.headers["Vary"]


def test_thing_with_nothing_acceptable_is_406(client: FlaskClient) -> None:
    assert client.get("/id/city/vienna", headers={"Accept": "image/png"}).status_code == 406


@pytest.mark.parametrize(
    ("extension", "media_type", "rdflib_format"),
    [("ttl", "text/turtle", "turtle"), ("nt", "application/n-triples", "nt"),
     ("jsonld", "application/ld+json", "json-ld"), ("rdf", "application/rdf+xml", "xml")],
)  # fmt: skip
def test_rdf_variants_describe_the_thing(
    client: FlaskClient, extension: str, media_type: str, rdflib_format: str
) -> None:
    response = client.get(f"/doc/city/vienna.{extension}")
    assert response.status_code == 200
    assert response.mimetype == media_type
    graph = Graph().parse(data=response.data, format=rdflib_format)
    assert (URIRef(VIENNA), None, None) in graph
    assert (None, None, URIRef(VIENNA)) in graph  # incoming links are part of the description


def test_html_variant_is_a_page(client: FlaskClient) -> None:
    response = client.get("/doc/city/vienna.html")
    assert response.mimetype == "text/html"
    assert b"Vienna" in response.data


def test_generic_document_names_its_variant(client: FlaskClient) -> None:
    response = client.get("/doc/city/vienna", headers={"Accept": "application/ld+json"})
    assert response.mimetype == "application/ld+json"
    assert response.headers["Content-Location"] == "/doc/city/vienna.jsonld"
    assert "Accept" in response.headers["Vary"]


def test_documents_link_every_variant(client: FlaskClient) -> None:
    links = client.get("/doc/city/vienna.ttl").headers["Link"]
    for extension, media_type in (("html", "text/html"), ("ttl", "text/turtle"), ("nt", "application/n-triples"),
                                  ("jsonld", "application/ld+json"), ("rdf", "application/rdf+xml")):  # fmt: skip
        assert f'</doc/city/vienna.{extension}>; rel="alternate"; type="{media_type}"' in links


def test_documents_are_cacheable(client: FlaskClient) -> None:
    first = client.get("/doc/city/vienna.ttl")
    assert first.headers["ETag"] and first.headers["Last-Modified"]
    again = client.get("/doc/city/vienna.ttl", headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304
    assert again.data == b""


def test_each_variant_has_its_own_etag(client: FlaskClient) -> None:
    """An ETag names one representation: the variants of a document (and other documents) differ."""
    variants = [f"/doc/city/vienna.{extension}" for extension in ("ttl", "html", "nt", "jsonld", "rdf")]
    paths = [*variants, "/doc/city/zurich.ttl", "/doc/graph/asserted.ttl", "/doc/graph/asserted.nt"]
    etags = {path: client.get(path).headers["ETag"] for path in paths}
    assert len(set(etags.values())) == len(paths), etags
    assert client.get("/doc/city/vienna.ttl").headers["ETag"] == etags["/doc/city/vienna.ttl"], "not stable"
    negotiated = client.get("/doc/city/vienna", headers={"Accept": "text/html"})
    assert negotiated.headers["ETag"] != etags["/doc/city/vienna.ttl"]


def test_etag_of_another_variant_is_not_a_match(client: FlaskClient) -> None:
    turtle_etag = client.get("/doc/city/vienna.ttl").headers["ETag"]
    response = client.get("/doc/city/vienna.html", headers={"If-None-Match": turtle_etag})
    assert response.status_code == 200
    assert b"Vienna" in response.data


def test_head_on_a_document(client: FlaskClient) -> None:
    response = client.head("/doc/city/vienna.ttl")
    assert response.status_code == 200
    assert response.data == b""
    assert response.headers["Content-Length"] != "0"


@pytest.mark.parametrize("path", ["/id/city/atlantis", "/doc/city/atlantis.ttl", "/doc/city/atlantis"])
def test_unknown_resource_is_404_in_plain_text_for_machines(client: FlaskClient, path: str) -> None:
    response = client.get(path, headers={"Accept": "text/turtle"})
    assert response.status_code == 404
    assert response.mimetype == "text/plain"


def test_unknown_resource_is_a_helpful_page_for_browsers(client: FlaskClient) -> None:
    response = client.get("/id/city/viena", headers={"Accept": "text/html"})
    assert response.status_code == 404
    assert response.mimetype == "text/html"
    assert b"/search" in response.data


@pytest.mark.parametrize(
    "kind_and_slug",
    ["module/housing", "publication/zurich-intercultural-case-study", "person/sarah-spencer",
     "organisation/eurofound", "source/s24", "participation/vienna-intercultural", "topic/m3-4",
     "authorship/zurich-intercultural-case-study-1", "country/at", "network/clip"],
)  # fmt: skip
def test_every_kind_of_resource_dereferences(client: FlaskClient, clip_kg: KnowledgeGraph, kind_and_slug: str) -> None:
    iri = URIRef(f"https://w3id.org/clip-network/id/{kind_and_slug}")
    redirect = client.get(f"/id/{kind_and_slug}")
    assert (redirect.status_code, redirect.headers["Location"]) == (303, f"/doc/{kind_and_slug}.ttl")
    graph = Graph().parse(data=client.get(f"/doc/{kind_and_slug}.ttl").data, format="turtle")
    asserted = clip_kg.graph("asserted")
    assert set(asserted.predicate_objects(iri)) <= set(graph.predicate_objects(iri))
    assert len(set(asserted.predicate_objects(iri))) > 1
    page = client.get(f"/doc/{kind_and_slug}.html")
    assert page.status_code == 200
    label = asserted.value(iri, RDFS.label) or asserted.value(iri, SKOS.prefLabel)
    if label is not None:
        assert html.escape(str(label), quote=False) in page.get_data(as_text=True)
    assert str(iri) in page.get_data(as_text=True)


def test_under_another_base_every_iri_stays_on_that_host(other_base_app: Flask) -> None:
    client = other_base_app.test_client()
    assert client.get("/id/city/vienna").headers["Location"] == "/doc/city/vienna.ttl"
    body = client.get("/doc/city/vienna.ttl").get_data(as_text=True)
    assert "https://w3id.org/clip-network/" not in body
    graph = Graph().parse(data=body, format="turtle")
    assert (URIRef(f"{OTHER_BASE}id/city/vienna"), None, None) in graph


@pytest.mark.live
def test_crawl_of_a_running_server(live_url: str, clip_kg: KnowledgeGraph) -> None:
    from server.cli.crawl import crawl

    report = crawl(live_url, "https://w3id.org/clip-network/", limit=40)
    in_dump = {
        str(term)
        for quad in clip_kg.dataset.quads((None, None, None, None))
        for term in (quad[0], quad[2])
        if str(term).startswith("https://w3id.org/clip-network/") and not isinstance(term, Literal)
    }
    assert report.iris == len(in_dump)
    assert report.checked == 40
    assert report.failures == []
    assert report.html_and_rdf == 40
    assert sum(len(times) for times in report.page_times.values()) == 40
    assert all(ms > 0 for times in report.page_times.values() for ms in times)
    assert "HTML page time by kind (ms)" in report.text()


@pytest.mark.parametrize(
    ("accept", "extension", "rdflib_format"),
    [("application/n-triples", "nt", "nt"), ("application/rdf+xml", "rdf", "xml"),
     ("application/ld+json", "jsonld", "json-ld"), ("text/turtle", "ttl", "turtle")],
)  # fmt: skip
def test_named_graph_iri_negotiates_its_document(
    client: FlaskClient, accept: str, extension: str, rdflib_format: str
) -> None:
    response = client.get("/graph/asserted", headers={"Accept": accept})
    assert response.status_code == 303
    assert response.headers["Location"] == f"/doc/graph/asserted.{extension}"
    assert "Accept" in response.headers["Vary"]
    document = client.get(response.headers["Location"])
    assert document.mimetype == accept
    graph = Graph().parse(data=document.data, format=rdflib_format)
    asserted = URIRef("https://w3id.org/clip-network/graph/asserted")
    assert (asserted, URIRef("http://www.w3.org/ns/sparql-service-description#name"), asserted) in graph


def test_named_graph_iri_sends_browsers_to_html(client: FlaskClient) -> None:
    response = client.get("/graph/asserted", headers={"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"})
    assert response.headers["Location"] == "/doc/graph/asserted.html"


@pytest.mark.parametrize("name", ["asserted", "ontology"])
def test_named_graph_iris_dereference(client: FlaskClient, clip_kg: KnowledgeGraph, name: str) -> None:
    response = client.get(f"/graph/{name}")
    assert response.status_code == 303
    assert response.headers["Location"] == f"/doc/graph/{name}.ttl"
    graph = Graph().parse(data=client.get(f"/doc/graph/{name}.ttl").data, format="turtle")
    assert (URIRef(f"https://w3id.org/clip-network/graph/{name}"), None, None) in graph
    page = client.get(f"/doc/graph/{name}.html")
    assert page.status_code == 200
    assert f"https://w3id.org/clip-network/graph/{name}" in page.get_data(as_text=True)
    assert f"<p>Triples: {len(clip_kg.graph(name))}.</p>" in page.get_data(as_text=True)
    assert "<p>This graph holds " in page.get_data(as_text=True)
