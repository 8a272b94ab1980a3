"""The data-quality page /quality (HTML, JSON, CSV) and each resource page's own conformance.

Expected figures come from the graph (rdflib over the built data), not from the code under test.
Over each backend: the embedded store and the real engines of tests/engines.py.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from rdflib import Graph

from server.config import Settings
from server.kg.build import KnowledgeGraph
from server.kg.validation import ValidationReport, ValidationResult
from server.web.app import create_app

PREFIXES = """PREFIX clip: <https://w3id.org/clip-network/def/>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
"""
VIENNA = "https://w3id.org/clip-network/id/city/vienna"


@pytest.fixture
def client(backend_app: Flask) -> Iterator[FlaskClient]:
    """A test client of the site over each backend."""
    with backend_app.test_client() as test_client:
        yield test_client


@pytest.fixture(scope="module")
def data(clip_kg: KnowledgeGraph) -> Graph:
    return clip_kg.graph("asserted") + clip_kg.graph("ontology")


def count(graph: Graph, query: str) -> int:
    return int(next(iter(graph.query(PREFIXES + query)))[0])  # type: ignore[index,arg-type]


def tables(client: FlaskClient) -> dict[str, Any]:
    response = client.get("/quality", headers={"Accept": "application/json"})
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/json"
    return response.get_json()["tables"]  # type: ignore[no-any-return]


def test_quality_page_says_the_data_conforms_and_links_its_csv(client: FlaskClient) -> None:
    page = client.get("/quality", headers={"Accept": "text/html"}).get_data(as_text=True)
    assert "The data conforms to the shapes." in page
    for name in ("shapes", "counts", "labels", "sources", "statements", "links"):
        assert f'<link rel="alternate" type="text/csv" href="/quality/{name}.csv"' in page
        assert f'href="/quality/{name}.csv" download>Download CSV</a>' in page


def test_quality_json_by_format_parameter(client: FlaskClient) -> None:
    response = client.get("/quality?format=json")
    assert response.get_json()["conforms"] is True
    assert response.get_json()["validated"] is True


def test_every_shape_conforms_and_counts_its_focus_nodes(client: FlaskClient, data: Graph) -> None:
    shapes = {row["target_class"].rsplit("/", 1)[-1]: row for row in tables(client)["shapes"]["rows"]}
    assert len(shapes) >= 20
    assert all(row["conforms"] is True and row["results"] == 0 for row in shapes.values())
    assert shapes["City"]["focus_nodes"] == count(data, "SELECT (COUNT(DISTINCT ?c) AS ?n) WHERE { ?c a clip:City }")


def test_stated_and_identified_counts_per_module(client: FlaskClient, data: Graph) -> None:
    rows = {row["label"]: row for row in tables(client)["counts"]["rows"]}
    housing = next(row for label, row in rows.items() if "ousing" in label)
    direct = count(
        data,
        """SELECT (COUNT(DISTINCT ?city) AS ?n) WHERE { ?p clip:inModule ?m ; clip:participant ?city ;
           clip:evidenceLevel clip:DirectEvidence . ?m clip:moduleNumber ?k FILTER(?k = 1) }""",
    )
    assert housing["identified"] == direct
    assert housing["stated"] == "20"
    assert housing["not_identified"] == 20 - direct - housing["probable"] - housing["described_only"]
    network = next(row for row in rows.values() if row["subject"].endswith("/network/clip") or "CLIP" in row["label"])
    assert network["identified"] + network["described_only"] + network["probable"] == count(
        data, "SELECT (COUNT(DISTINCT ?c) AS ?n) WHERE { ?m clip:memberCity ?c }"
    )


def test_label_coverage_counts_the_graphs_labels(client: FlaskClient, data: Graph) -> None:
    rows = {(row["kind"], row["language"]): row for row in tables(client)["labels"]["rows"]}
    english = count(
        data,
        """SELECT (COUNT(DISTINCT ?c) AS ?n) WHERE { ?c a clip:City .
           { ?c rdfs:label ?l } UNION { ?c <http://www.w3.org/2004/02/skos/core#prefLabel> ?l }
           FILTER(LANG(?l) = "en") }""",
    )
    assert rows[("cities", "en")]["labelled"] == english == rows[("cities", "en")]["resources"]


def test_single_source_and_external_links(client: FlaskClient, data: Graph) -> None:
    found = tables(client)
    participations = next(row for row in found["sources"]["rows"] if row["kind"] == "participations")
    s0 = count(
        data,
        """SELECT (COUNT(DISTINCT ?p) AS ?n) WHERE { ?p a clip:Participation ; <http://purl.org/dc/terms/source> ?s .
           ?s clip:sourceId "S0" FILTER NOT EXISTS { ?p <http://purl.org/dc/terms/source> ?o FILTER(?o != ?s) } }""",
    )
    assert participations["s0_only"] == s0 > 0
    assert found["statements"]["rows"], "the data marks single statements as resting on S0"
    cities = next(row for row in found["links"]["rows"] if row["kind"] == "cities")
    assert cities["geonames"] == count(
        data, "SELECT (COUNT(DISTINCT ?c) AS ?n) WHERE { ?c a clip:City ; clip:geonames ?g }"
    )


def test_resource_page_shows_its_own_conformance(client: FlaskClient) -> None:
    page = client.get("/doc/city/vienna.html").get_data(as_text=True)
    assert "Conforms to the shapes that apply to it" in page
    assert '<code title="https://w3id.org/clip-network/shapes/City">City</code>' in page


@pytest.fixture(scope="module")
def warned_client(settings: Settings, clip_kg: KnowledgeGraph) -> Iterator[FlaskClient]:
    """The site over a build whose report kept one result (a warning: violations stop the build)."""
    warning = ValidationResult(
        focus=VIENNA,
        path="http://www.w3.org/2000/01/rdf-schema#label",
        value=None,
        message="a test warning about Vienna's label",
        severity="Warning",
        shape="https://w3id.org/clip-network/shapes/City",
    )
    kg = replace(clip_kg, validation=ValidationReport(conforms=True, results=(warning,)))
    with create_app(settings, kg).test_client() as test_client:
        yield test_client


def test_a_validation_result_is_shown_on_quality_and_on_its_resource(warned_client: FlaskClient) -> None:
    found = tables(warned_client)
    assert [row["resource"] for row in found["violations"]["rows"]] == [VIENNA]
    city = next(row for row in found["shapes"]["rows"] if row["shape"].endswith("/shapes/City"))
    assert (city["results"], city["conforms"]) == (1, False)
    vienna = next(row for row in found["resources"]["rows"] if row["resource"] == VIENNA)
    assert (vienna["results"], vienna["conforms"]) == (1, False)
    page = warned_client.get("/quality").get_data(as_text=True)
    assert 'href="/doc/city/vienna.html" title="https://w3id.org/clip-network/id/city/vienna">vienna</a>' in page
    resource = warned_client.get("/doc/city/vienna.html").get_data(as_text=True)
    assert "1 validation result(s)" in resource and "a test warning about Vienna&#39;s label" in resource
