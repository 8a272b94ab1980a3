"""The minimal server: home, dumps, and /sparql via GET, also over a real socket."""

from __future__ import annotations

import hashlib
import json

import pytest
from flask.testing import FlaskClient
from rdflib import Dataset, Graph
from rdflib.namespace import RDF
from SPARQLWrapper import CSV, JSON, SPARQLWrapper

CITY_COUNT = "SELECT (COUNT(?c) AS ?n) WHERE { ?c a <https://w3id.org/clip-network/def/City> }"


def test_home_page_lists_named_graphs(client: FlaskClient) -> None:
    response = client.get("/")
    assert response.status_code == 200
    assert response.mimetype == "text/html"
    assert b"https://w3id.org/clip-network/graph/asserted" in response.data


def test_select_defaults_to_sparql_json(client: FlaskClient) -> None:
    response = client.get("/sparql", query_string={"query": CITY_COUNT})
    assert response.status_code == 200
    assert response.mimetype == "application/sparql-results+json"
    assert response.headers["Vary"] == "Accept"
    assert int(response.json["results"]["bindings"][0]["n"]["value"]) == 32  # type: ignore[index]


def test_default_graph_is_the_union_of_named_graphs(client: FlaskClient) -> None:
    query = "ASK { ?c a <https://w3id.org/clip-network/def/City> . <https://w3id.org/clip-network/def/City> a ?t }"
    response = client.get("/sparql", query_string={"query": query})
    assert response.json == {"head": {}, "boolean": True}


def test_default_graph_uri_restricts_the_default_graph(client: FlaskClient) -> None:
    query = "ASK { <https://w3id.org/clip-network/def/City> a ?t }"
    response = client.get(
        "/sparql", query_string={"query": query, "default-graph-uri": "https://w3id.org/clip-network/graph/asserted"}
    )
    assert response.json == {"head": {}, "boolean": False}


def test_accept_csv_gives_csv(client: FlaskClient) -> None:
    response = client.get("/sparql", query_string={"query": CITY_COUNT}, headers={"Accept": "text/csv"})
    assert response.mimetype == "text/csv"
    assert response.data.splitlines() == [b"n", b"32"]


def test_construct_defaults_to_turtle(client: FlaskClient) -> None:
    query = "CONSTRUCT { ?c a ?t } WHERE { ?c a ?t } LIMIT 3"
    response = client.get("/sparql", query_string={"query": query})
    assert response.mimetype == "text/turtle"
    graph = Graph().parse(data=response.data, format="turtle")
    assert len(graph) == 3
    assert set(graph.predicates()) == {RDF.type}


def test_malformed_query_returns_400_with_position(client: FlaskClient) -> None:
    response = client.get("/sparql", query_string={"query": "SELECT ?x WHERE { ?x"})
    assert response.status_code == 400
    assert response.mimetype == "text/plain"
    assert b"SPARQL syntax error" in response.data
    assert b"1:" in response.data


@pytest.mark.parametrize(
    "request_kwargs",
    [
        {"method": "GET", "query_string": {"query": ""}},
        {"method": "POST", "data": {"query": " "}},
        {"method": "POST", "data": b"", "content_type": "application/sparql-query"},
    ],
    ids=["get", "form", "direct"],
)
def test_missing_query_returns_400(client: FlaskClient, request_kwargs: dict[str, object]) -> None:
    response = client.open("/sparql", **request_kwargs)  # type: ignore[arg-type]
    assert response.status_code == 400
    assert response.mimetype == "text/plain"
    assert b"the 'query' parameter is empty" in response.data


def test_unacceptable_type_returns_406_listing_formats(client: FlaskClient) -> None:
    response = client.get("/sparql", query_string={"query": CITY_COUNT}, headers={"Accept": "image/png"})
    assert response.status_code == 406
    assert b"application/sparql-results+json" in response.data


def test_dumps_page_lists_every_format_with_checksum(client: FlaskClient) -> None:
    response = client.get("/dumps")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    for name in ("clip-kg.ttl", "clip-kg.nt", "clip-kg.nq", "clip-kg.trig", "clip-kg.jsonld", "clip-kg.rdf"):
        assert name in page
        assert f"<code>{hashlib.sha256(client.get(f'/dumps/{name}').data).hexdigest()}</code>" in page, name


def test_trig_dump_keeps_named_graphs(client: FlaskClient) -> None:
    response = client.get("/dumps/clip-kg.trig")
    assert response.mimetype == "application/trig"
    dataset = Dataset()
    dataset.parse(data=response.data, format="trig")
    names = {str(g.identifier) for g in dataset.graphs() if len(g)}
    assert "https://w3id.org/clip-network/graph/asserted" in names
    assert "https://w3id.org/clip-network/graph/ontology" in names


def test_unknown_dump_is_404(client: FlaskClient) -> None:
    assert client.get("/dumps/clip-kg.docx").status_code == 404


@pytest.mark.live
def test_sparqlwrapper_json_over_a_socket(live_url: str) -> None:
    wrapper = SPARQLWrapper(f"{live_url}/sparql")
    wrapper.setMethod("GET")
    wrapper.setQuery(CITY_COUNT)
    wrapper.setReturnFormat(JSON)
    results = wrapper.query().convert()
    assert int(results["results"]["bindings"][0]["n"]["value"]) == 32  # type: ignore[index,call-overload]


@pytest.mark.live
def test_sparqlwrapper_csv_over_a_socket(live_url: str) -> None:
    wrapper = SPARQLWrapper(f"{live_url}/sparql")
    wrapper.setMethod("GET")
    wrapper.setQuery(CITY_COUNT)
    wrapper.setReturnFormat(CSV)
    body = wrapper.query().convert()
    assert isinstance(body, bytes)
    assert body.splitlines()[0] == b"n"


@pytest.mark.live
def test_clip_kg_query_against_a_remote_endpoint(live_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    from server.cli.main import main

    assert main(["query", "member_cities", "--endpoint", f"{live_url}/sparql", "--format", "json"]) == 0
    rows = json.loads(capsys.readouterr().out)["results"]["bindings"]
    assert any(row["name"]["value"] == "Zürich" for row in rows)
