"""The SPARQL 1.1 Protocol, behaviour by behaviour (https://www.w3.org/TR/sparql11-protocol/)."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from xml.etree import ElementTree

import pytest
from flask import Flask
from flask.testing import FlaskClient
from rdflib import Graph, Namespace, URIRef
from rdflib.namespace import RDF
from rdflib.plugins.stores.sparqlstore import SPARQLStore
from SPARQLWrapper import CSV, JSON, TSV, TURTLE, XML, SPARQLWrapper

from server.config import PROJECT_ROOT
from server.kg.build import KnowledgeGraph
from server.web.libraries import yasgui

from ..conftest import serve_in_thread


@pytest.fixture
def client(backend_app: Flask) -> Iterator[FlaskClient]:
    """A test client of the site over each backend: the embedded store, the Oxigraph server, Virtuoso."""
    with backend_app.test_client() as test_client:
        yield test_client


COUNT_CITIES = "SELECT (COUNT(?c) AS ?n) WHERE { ?c a <https://w3id.org/clip-network/def/City> }"
CITY_NAMES = (
    "SELECT ?c ?name WHERE { ?c a <https://w3id.org/clip-network/def/City> ; "
    "<http://www.w3.org/2000/01/rdf-schema#label> ?name } ORDER BY ?name"
)
SLOW = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"
ASSERTED = "https://w3id.org/clip-network/graph/asserted"
ONTOLOGY = "https://w3id.org/clip-network/graph/ontology"
SD = Namespace("http://www.w3.org/ns/sparql-service-description#")
CITY = URIRef("https://w3id.org/clip-network/def/City")


def error_text(response: object) -> str:
    """Every /sparql error is text/plain, never HTML, never a traceback."""
    assert response.mimetype == "text/plain"  # type: ignore[attr-defined]
    body = response.get_data(as_text=True)  # type: ignore[attr-defined]
    assert "Traceback" not in body and "<html" not in body.lower()
    return str(body)


RESULTS_NS = "{http://www.w3.org/2005/sparql-results#}"


def result_rows(response: object) -> list[list[str]]:
    """The rows of a SELECT result, read in the format it came in (values as plain text)."""
    body = response.get_data(as_text=True)  # type: ignore[attr-defined]
    media_type = response.mimetype  # type: ignore[attr-defined]
    if media_type == "application/sparql-results+json":
        document = json.loads(body)
        names = document["head"]["vars"]
        return [[row[n]["value"] for n in names if n in row] for row in document["results"]["bindings"]]
    if media_type == "application/sparql-results+xml":
        results = ElementTree.fromstring(body).find(f"{RESULTS_NS}results")
        assert results is not None
        return [["".join(binding.itertext()) for binding in result] for result in results]
    if media_type == "text/csv":
        return [line.split(",") for line in body.splitlines()[1:]]
    if media_type == "text/tab-separated-values":
        return [line.split("\t") for line in body.splitlines()[1:]]
    raise AssertionError(f"not a SELECT result: {media_type}")


def counted_cities(response: object) -> int:
    """The one value of COUNT_CITIES, read in the format the response came in."""
    ((value,),) = result_rows(response)
    return int(value.split('"')[1] if value.startswith('"') else value)


# --- the three query operations (section 2.1) -------------------------------------------


def test_query_via_get(client: FlaskClient) -> None:
    response = client.get("/sparql", query_string={"query": COUNT_CITIES})
    assert response.status_code == 200
    assert int(response.json["results"]["bindings"][0]["n"]["value"]) == 32  # type: ignore[index]


def test_query_via_post_urlencoded(client: FlaskClient) -> None:
    response = client.post("/sparql", data={"query": COUNT_CITIES})
    assert response.status_code == 200
    assert response.mimetype == "application/sparql-results+json"
    assert counted_cities(response) == 32


def test_query_via_post_directly(client: FlaskClient) -> None:
    response = client.post("/sparql", data=COUNT_CITIES.encode(), content_type="application/sparql-query")
    assert response.status_code == 200
    assert int(response.json["results"]["bindings"][0]["n"]["value"]) == 32  # type: ignore[index]


def test_post_directly_takes_graphs_from_the_url(client: FlaskClient) -> None:
    query = "ASK { <https://w3id.org/clip-network/def/City> a ?t }"
    response = client.post(
        f"/sparql?default-graph-uri={ASSERTED}", data=query.encode(), content_type="application/sparql-query"
    )
    assert response.json["boolean"] is False  # type: ignore[index]


def test_several_default_graph_uris_are_merged(client: FlaskClient) -> None:
    query = "ASK { ?c a <https://w3id.org/clip-network/def/City> . <https://w3id.org/clip-network/def/City> a ?t }"
    alone = client.get("/sparql", query_string={"query": query, "default-graph-uri": ASSERTED})
    both = client.get(
        "/sparql", query_string=[("query", query), ("default-graph-uri", ASSERTED), ("default-graph-uri", ONTOLOGY)]
    )
    assert alone.json["boolean"] is False  # type: ignore[index]
    assert both.json["boolean"] is True  # type: ignore[index]


def test_named_graph_uri_limits_graph_clauses(client: FlaskClient) -> None:
    query = "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }"
    everything = client.get("/sparql", query_string={"query": query})
    limited = client.get("/sparql", query_string={"query": query, "named-graph-uri": ONTOLOGY})
    graphs = {b["g"]["value"] for b in everything.json["results"]["bindings"]}  # type: ignore[index]
    assert {ASSERTED, ONTOLOGY} <= graphs
    assert [b["g"]["value"] for b in limited.json["results"]["bindings"]] == [ONTOLOGY]  # type: ignore[index]


def test_default_graph_is_the_union_when_no_graph_is_named(client: FlaskClient) -> None:
    query = "ASK { ?c a <https://w3id.org/clip-network/def/City> . <https://w3id.org/clip-network/def/City> a ?t }"
    assert client.get("/sparql", query_string={"query": query}).json["boolean"] is True  # type: ignore[index]


# --- result formats and negotiation ---------------------------------------------------------


@pytest.mark.parametrize(
    ("accept", "media_type"),
    [
        ("application/sparql-results+json", "application/sparql-results+json"),
        ("application/sparql-results+xml", "application/sparql-results+xml"),
        ("text/csv", "text/csv"),
        ("text/tab-separated-values", "text/tab-separated-values"),
        ("text/csv;q=0.4, application/sparql-results+xml;q=0.8", "application/sparql-results+xml"),
        ("*/*", "application/sparql-results+json"),
        ("text/*", "text/csv"),
    ],
)
def test_select_negotiates(client: FlaskClient, accept: str, media_type: str) -> None:
    response = client.get("/sparql", query_string={"query": CITY_NAMES}, headers={"Accept": accept})
    assert response.status_code == 200
    assert response.mimetype == media_type
    assert "Accept" in response.headers["Vary"]
    rows = result_rows(response)
    assert len(rows) == 32
    assert any("Zürich" in row[1] for row in rows)


def test_xml_results_follow_the_results_schema(client: FlaskClient) -> None:
    response = client.get(
        "/sparql", query_string={"query": CITY_NAMES}, headers={"Accept": "application/sparql-results+xml"}
    )
    root = ElementTree.fromstring(response.data)
    ns = "{http://www.w3.org/2005/sparql-results#}"
    assert root.tag == f"{ns}sparql"
    assert [v.get("name") for v in root.find(f"{ns}head")] == ["c", "name"]  # type: ignore[union-attr]
    assert len(root.find(f"{ns}results")) == 32  # type: ignore[arg-type]


def test_csv_and_tsv_have_a_header_and_one_line_per_row(client: FlaskClient) -> None:
    csv = client.get("/sparql", query_string={"query": CITY_NAMES, "format": "csv"}).get_data(as_text=True)
    tsv = client.get("/sparql", query_string={"query": CITY_NAMES, "format": "tsv"}).get_data(as_text=True)
    assert csv.splitlines()[0] == "c,name"
    assert tsv.splitlines()[0] == "?c\t?name"
    assert len(csv.splitlines()) == len(tsv.splitlines()) == 33


def test_ask_in_json_and_xml(client: FlaskClient) -> None:
    query = "ASK { ?c a <https://w3id.org/clip-network/def/City> }"
    assert client.get("/sparql", query_string={"query": query}).json == {"head": {}, "boolean": True}
    xml = client.get("/sparql", query_string={"query": query, "format": "xml"}).get_data(as_text=True)
    assert "<boolean>true</boolean>" in xml


@pytest.mark.parametrize(
    ("accept", "media_type", "rdflib_format"),
    [
        (None, "text/turtle", "turtle"),
        ("application/n-triples", "application/n-triples", "nt"),
        ("application/rdf+xml", "application/rdf+xml", "xml"),
        ("application/ld+json", "application/ld+json", "json-ld"),
    ],
)
def test_construct_negotiates_rdf(
    client: FlaskClient, clip_kg: KnowledgeGraph, accept: str | None, media_type: str, rdflib_format: str
) -> None:
    query = "CONSTRUCT { ?c a ?t } WHERE { ?c a ?t . ?c a <https://w3id.org/clip-network/def/City> }"
    headers = {"Accept": accept} if accept else {}
    response = client.get("/sparql", query_string={"query": query}, headers=headers)
    assert response.mimetype == media_type
    graph = Graph().parse(data=response.data, format=rdflib_format)
    cities = set(clip_kg.graph("asserted").subjects(RDF.type, CITY))
    assert len(cities) == 32
    assert set(graph.subjects()) == cities
    assert all((city, RDF.type, CITY) in graph for city in cities)
    assert set(graph.predicates()) == {RDF.type}


def test_describe_gives_the_resource(client: FlaskClient) -> None:
    response = client.get("/sparql", query_string={"query": "DESCRIBE <https://w3id.org/clip-network/id/city/vienna>"})
    graph = Graph().parse(data=response.data, format="turtle")
    assert (URIRef("https://w3id.org/clip-network/id/city/vienna"), None, None) in graph


@pytest.mark.parametrize(
    ("query", "values", "media_type"),
    [
        (COUNT_CITIES, ["tsv", "text/tab-separated-values"], "text/tab-separated-values"),
        (COUNT_CITIES, ["xml"], "application/sparql-results+xml"),
        ("CONSTRUCT WHERE { ?s a ?o } LIMIT 1", ["xml"], "application/rdf+xml"),
        ("CONSTRUCT WHERE { ?s a ?o } LIMIT 1", ["turtle"], "text/turtle"),
        ("CONSTRUCT WHERE { ?s a ?o } LIMIT 1", ["json-ld", "application/ld+json"], "application/ld+json"),
    ],
)
def test_format_names_sparqlwrapper_sends(client: FlaskClient, query: str, values: list[str], media_type: str) -> None:
    pairs = [("query", query)] + [(key, v) for key in ("format", "output", "results") for v in values]
    response = client.get("/sparql", query_string=pairs)
    assert response.mimetype == media_type
    if query == COUNT_CITIES:
        assert counted_cities(response) == 32
    else:
        rdflib_format = {"application/rdf+xml": "xml", "text/turtle": "turtle", "application/ld+json": "json-ld"}
        assert len(Graph().parse(data=response.data, format=rdflib_format[media_type])) == 1


def test_format_parameter_overrides_accept(client: FlaskClient) -> None:
    response = client.get(
        "/sparql",
        query_string={"query": COUNT_CITIES, "format": "tsv"},
        headers={"Accept": "application/sparql-results+json"},
    )
    assert response.mimetype == "text/tab-separated-values"
    assert response.get_data(as_text=True).splitlines()[0] == "?n"
    assert counted_cities(response) == 32


def test_unacceptable_media_type_is_406_listing_formats(client: FlaskClient) -> None:
    response = client.get("/sparql", query_string={"query": COUNT_CITIES}, headers={"Accept": "image/png"})
    assert response.status_code == 406
    message = error_text(response)
    assert "application/sparql-results+json" in message and "text/csv" in message


def test_q_zero_excludes_a_type(client: FlaskClient) -> None:
    response = client.get(
        "/sparql",
        query_string={"query": COUNT_CITIES},
        headers={"Accept": "application/sparql-results+json;q=0, */*;q=0.1"},
    )
    assert response.mimetype == "application/sparql-results+xml"
    assert counted_cities(response) == 32


def test_results_format_for_a_construct_is_406(client: FlaskClient) -> None:
    response = client.get("/sparql", query_string={"query": "CONSTRUCT WHERE { ?s a ?o } LIMIT 1", "format": "csv"})
    assert response.status_code == 406
    assert "text/turtle" in error_text(response)


# --- errors ------------------------------------------------------------------------------------


def test_malformed_query_is_400_with_the_parser_position(client: FlaskClient) -> None:
    response = client.get("/sparql", query_string={"query": "SELECT ?x WHERE {\n  ?x ?y\n}"})
    assert response.status_code == 400
    message = error_text(response)
    assert "SPARQL syntax error" in message and "at 3:" in message


def test_two_queries_are_400(client: FlaskClient) -> None:
    response = client.get("/sparql", query_string=[("query", COUNT_CITIES), ("query", COUNT_CITIES)])
    assert response.status_code == 400
    assert "exactly one 'query'" in error_text(response)


def test_query_and_update_together_are_refused(client: FlaskClient) -> None:
    response = client.post("/sparql", data={"query": COUNT_CITIES, "update": "CLEAR ALL"})
    assert response.status_code == 403
    assert "read-only" in error_text(response)


def test_empty_query_is_400(client: FlaskClient) -> None:
    response = client.get("/sparql", query_string={"query": "  "})
    assert response.status_code == 400
    assert "the 'query' parameter is empty" in error_text(response)


def test_unsupported_request_media_type_is_415(client: FlaskClient) -> None:
    response = client.post("/sparql", data=COUNT_CITIES, content_type="text/plain")
    assert response.status_code == 415
    assert "application/sparql-query" in error_text(response)


def test_invalid_graph_iri_is_400(client: FlaskClient) -> None:
    response = client.get("/sparql", query_string={"query": COUNT_CITIES, "default-graph-uri": "not an iri"})
    assert response.status_code == 400
    assert "'not an iri' is not a valid graph IRI" in error_text(response)


# --- read-only ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "request_kwargs",
    [
        {
            "method": "POST",
            "data": "INSERT DATA { <urn:a> <urn:b> <urn:c> }",
            "content_type": "application/sparql-update",
        },
        {"method": "POST", "data": {"update": "INSERT DATA { <urn:a> <urn:b> <urn:c> }"}},
        {"method": "GET", "query_string": {"query": "INSERT DATA { <urn:a> <urn:b> <urn:c> }"}},
        {"method": "GET", "query_string": {"update": "DELETE WHERE { ?s ?p ?o }"}},
        {"method": "POST", "data": {"query": "DROP ALL"}},
    ],
    ids=["post-update", "form-update", "update-as-query", "update-in-url", "drop-as-query"],
)
def test_update_is_refused_and_changes_nothing(client: FlaskClient, request_kwargs: dict[str, object]) -> None:
    before = client.get("/sparql", query_string={"query": "SELECT (COUNT(*) AS ?n) { ?s ?p ?o }"}).json
    response = client.open("/sparql", **request_kwargs)  # type: ignore[arg-type]
    assert response.status_code == 403
    assert "read-only" in error_text(response)
    after = client.get("/sparql", query_string={"query": "SELECT (COUNT(*) AS ?n) { ?s ?p ?o }"}).json
    assert before == after


@pytest.mark.parametrize(
    "query",
    [
        "SELECT * WHERE { SERVICE <http://127.0.0.1:9/sparql> { ?s ?p ?o } }",
        "select * where { ?x ?y ?z . service silent <http://example.org/sparql> { ?s ?p ?o } }",
    ],
)
def test_service_is_refused(client: FlaskClient, query: str) -> None:
    response = client.get("/sparql", query_string={"query": query})
    assert response.status_code == 403
    assert "SERVICE" in error_text(response)


@pytest.mark.parametrize(
    "query",
    [
        # SPARQL 1.2 syntax that pyoxigraph runs (and would fetch), which a SPARQL 1.1 parser cannot read
        "SELECT * WHERE { ?s ?p ?o . LATERAL { SERVICE <http://127.0.0.1:9/sparql> { ?s ?p ?o } } }",
        "SELECT * WHERE { SERVICE <http://127.0.0.1:9/sparql> { ?s ?p ?o } FILTER(isTRIPLE(?o)) }",
    ],
    ids=["lateral", "triple-term"],
)
def test_service_in_sparql_12_syntax_is_refused(client: FlaskClient, query: str) -> None:
    response = client.get("/sparql", query_string={"query": query})
    assert response.status_code == 403
    assert "federated queries (SERVICE) are disabled" in error_text(response)


def test_the_word_service_in_data_is_not_a_service_call(client: FlaskClient) -> None:
    query = 'SELECT ?s WHERE { ?s ?p ?o FILTER(CONTAINS(STR(?o), "service provision")) } LIMIT 1'
    response = client.get("/sparql", query_string={"query": query})
    assert response.status_code == 200
    assert len(result_rows(response)) == 1


# --- CORS, HEAD, OPTIONS -------------------------------------------------------------------------


def test_cors_header_on_results_and_errors(client: FlaskClient) -> None:
    ok = client.get("/sparql", query_string={"query": COUNT_CITIES}, headers={"Origin": "https://yasgui.example"})
    bad = client.get("/sparql", query_string={"query": "SELEC"}, headers={"Origin": "https://yasgui.example"})
    assert ok.headers["Access-Control-Allow-Origin"] == "*"
    assert bad.headers["Access-Control-Allow-Origin"] == "*"


def test_preflight_is_answered(client: FlaskClient) -> None:
    response = client.options(
        "/sparql",
        headers={"Origin": "https://yasgui.example", "Access-Control-Request-Method": "POST",
                 "Access-Control-Request-Headers": "content-type"},
    )  # fmt: skip
    assert response.status_code == 204
    assert "POST" in response.headers["Access-Control-Allow-Methods"]
    assert "Content-Type" in response.headers["Access-Control-Allow-Headers"]


def test_head_answers_headers_without_body(client: FlaskClient) -> None:
    response = client.head("/sparql", query_string={"query": COUNT_CITIES})
    assert response.status_code == 200
    assert response.mimetype == "application/sparql-results+json"
    assert response.data == b""


# --- service description ----------------------------------------------------------------------


@pytest.mark.parametrize("accept", [None, "text/turtle", "application/rdf+xml", "*/*"])
def test_service_description_for_rdf_clients(client: FlaskClient, accept: str | None) -> None:
    response = client.get("/sparql", headers={"Accept": accept} if accept else {})
    assert response.status_code == 200
    fmt = {"application/rdf+xml": "xml"}.get(response.mimetype, "turtle")
    graph = Graph().parse(data=response.data, format=fmt)
    service = next(graph.subjects(None, SD.Service))
    assert (service, SD.endpoint, URIRef("https://w3id.org/clip-network/sparql")) in graph  # the base, not Host
    assert (service, SD.supportedLanguage, SD.SPARQL11Query) in graph
    assert (service, SD.supportedLanguage, SD.SPARQL11Update) not in graph
    assert (service, SD.feature, SD.UnionDefaultGraph) in graph
    names = {str(o) for o in graph.objects(None, SD.name)}
    assert {ASSERTED, ONTOLOGY} <= names


def test_service_description_states_graph_sizes(client: FlaskClient, clip_kg: KnowledgeGraph) -> None:
    graph = Graph().parse(data=client.get("/sparql").data, format="turtle")
    void_triples = URIRef("http://rdfs.org/ns/void#triples")
    named = next(s for s in graph.subjects(SD.name, URIRef(ASSERTED)))
    content = graph.value(named, SD.graph)
    assert int(graph.value(content, void_triples)) == len(clip_kg.graph("asserted"))  # type: ignore[arg-type]


def test_browsers_get_the_query_page(client: FlaskClient) -> None:
    response = client.get("/sparql", headers={"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"})
    assert response.mimetype == "text/html"
    page = response.get_data(as_text=True)
    if yasgui(PROJECT_ROOT / "node_modules"):
        assert '<div id="yasgui"' in page
    else:
        assert '<form id="query-form" method="post" action="/sparql">' in page
        assert '<textarea id="query-text" name="query"' in page
    assert 'id="example-member_cities"' in page


# --- limits: size, time --------------------------------------------------------------------------


def test_result_over_the_limit_is_refused_not_cut(limited_app: Flask) -> None:
    response = limited_app.test_client().get("/sparql", query_string={"query": CITY_NAMES})
    assert response.status_code == 422
    assert "more than 20 rows" in error_text(response)


@pytest.mark.parametrize(
    "query",
    [
        "CONSTRUCT { ?c <urn:name> ?name } WHERE { ?c a <https://w3id.org/clip-network/def/City> ; "
        "<http://www.w3.org/2000/01/rdf-schema#label> ?name }",
        "DESCRIBE <https://w3id.org/clip-network/id/city/vienna>",
    ],
    ids=["construct", "describe"],
)
def test_graph_result_over_the_limit_is_refused_not_cut(limited_app: Flask, client: FlaskClient, query: str) -> None:
    unlimited = client.get("/sparql", query_string={"query": query}, headers={"Accept": "application/n-triples"})
    assert len(unlimited.get_data(as_text=True).splitlines()) > 20, "the query must give more triples than the limit"
    response = limited_app.test_client().get(
        "/sparql", query_string={"query": query}, headers={"Accept": "application/n-triples"}
    )
    assert response.status_code == 422
    assert "more than 20 rows or triples" in error_text(response)


def test_graph_result_within_the_limit_is_complete(limited_app: Flask) -> None:
    query = (
        "CONSTRUCT { ?c <urn:name> ?name } WHERE { ?c a <https://w3id.org/clip-network/def/City> ; "
        "<http://www.w3.org/2000/01/rdf-schema#label> ?name } ORDER BY ?name LIMIT 20"
    )
    response = limited_app.test_client().get(
        "/sparql", query_string={"query": query}, headers={"Accept": "application/n-triples"}
    )
    assert response.status_code == 200
    assert len(Graph().parse(data=response.get_data(as_text=True), format="nt")) == 20


def test_result_within_the_limit_is_complete(limited_app: Flask) -> None:
    query = CITY_NAMES + " LIMIT 20"
    response = limited_app.test_client().get("/sparql", query_string={"query": query})
    assert len(response.json["results"]["bindings"]) == 20  # type: ignore[index]


def test_oversized_body_is_413(limited_app: Flask) -> None:
    padding = "# " + "x" * 5000 + "\n"
    response = limited_app.test_client().post(
        "/sparql", data=(padding + COUNT_CITIES).encode(), content_type="application/sparql-query"
    )
    assert response.status_code == 413
    assert "larger than 4000 bytes" in error_text(response)


def test_oversized_query_string_is_414(limited_app: Flask) -> None:
    response = limited_app.test_client().get("/sparql", query_string={"query": "#" + "x" * 5000 + "\n" + COUNT_CITIES})
    assert response.status_code == 414
    assert "longer than 4000 bytes; send it with POST" in error_text(response)


def test_slow_query_is_stopped_with_503_while_others_are_answered(limited_app: Flask) -> None:
    executor = limited_app.extensions["kg"].executor
    client = limited_app.test_client()
    client.get("/sparql", query_string={"query": COUNT_CITIES})  # start the pool
    before = {c.process.pid for c in list(executor._idle.queue)}
    outcome: dict[str, object] = {}

    def slow() -> None:
        started = time.monotonic()
        response = limited_app.test_client().get("/sparql", query_string={"query": SLOW})
        outcome.update(status=response.status_code, retry=response.headers.get("Retry-After"),
                       seconds=time.monotonic() - started, text=response.get_data(as_text=True))  # fmt: skip

    thread = threading.Thread(target=slow)
    thread.start()
    time.sleep(0.2)
    quick = limited_app.test_client().get("/sparql", query_string={"query": COUNT_CITIES})
    thread.join(timeout=30)
    assert quick.status_code == 200
    assert outcome["status"] == 503
    assert outcome["retry"] is not None
    assert "was stopped" in str(outcome["text"])
    assert float(outcome["seconds"]) < 10  # type: ignore[arg-type]
    after = {c.process.pid for c in list(executor._idle.queue)}
    assert len(after) == 2
    killed = before - after
    assert len(killed) == 1, "the overrunning query process was not replaced"
    assert not Path(f"/proc/{killed.pop()}").exists(), "the overrunning query process is still alive"


# --- real clients over a real socket ----------------------------------------------------------


@pytest.mark.live
@pytest.mark.parametrize(("fmt", "method"), [(JSON, "GET"), (JSON, "POST"), (XML, "GET"), (CSV, "POST"), (TSV, "GET")])
def test_sparqlwrapper_select(live_url: str, fmt: str, method: str) -> None:
    wrapper = SPARQLWrapper(f"{live_url}/sparql")
    wrapper.setMethod(method)
    wrapper.setQuery(COUNT_CITIES)
    wrapper.setReturnFormat(fmt)
    result = wrapper.query()
    converted = result.convert()
    if fmt == JSON:
        assert converted["results"]["bindings"][0]["n"]["value"] == "32"  # type: ignore[index,call-overload]
    elif fmt == XML:
        assert "32" in converted.toxml()  # type: ignore[union-attr]
    else:
        assert converted.splitlines()[1].strip() in (b"32", b'"32"^^<http://www.w3.org/2001/XMLSchema#integer>')  # type: ignore[union-attr]


@pytest.mark.live
def test_sparqlwrapper_construct_turtle(live_url: str) -> None:
    wrapper = SPARQLWrapper(f"{live_url}/sparql")
    wrapper.setQuery("CONSTRUCT { ?c a ?t } WHERE { ?c a ?t . ?c a <https://w3id.org/clip-network/def/City> }")
    wrapper.setReturnFormat(TURTLE)
    graph = Graph().parse(data=wrapper.query().convert(), format="turtle")  # type: ignore[arg-type]
    assert len(set(graph.subjects())) == 32


@pytest.mark.live
def test_rdflib_sparqlstore_reads_the_endpoint(live_url: str) -> None:
    store = SPARQLStore(query_endpoint=f"{live_url}/sparql", returnFormat="json")
    graph = Graph(store=store)
    rows = list(graph.query(CITY_NAMES))
    assert len(rows) == 32
    assert any(str(row[1]) == "Zürich" for row in rows)  # type: ignore[index]


@pytest.mark.live
def test_curl_like_client_gets_service_description_over_a_socket(live_url: str) -> None:
    import urllib.request

    with urllib.request.urlopen(f"{live_url}/sparql") as response:  # noqa: S310 - loopback only
        body = response.read()
        assert response.headers["Content-Type"].startswith("text/turtle")
    graph = Graph().parse(data=body, format="turtle")
    assert (None, SD.endpoint, URIRef("https://w3id.org/clip-network/sparql")) in graph  # the base, never the Host


@pytest.fixture(scope="module")
def slow_live_url(limited_app: Flask) -> Iterator[str]:
    with serve_in_thread(limited_app) as url:
        yield url


@pytest.mark.live
def test_timeout_over_a_socket_gives_503_and_the_server_keeps_answering(slow_live_url: str) -> None:
    import urllib.error
    import urllib.parse
    import urllib.request

    url = f"{slow_live_url}/sparql?" + urllib.parse.urlencode({"query": SLOW})
    with pytest.raises(urllib.error.HTTPError) as raised:
        urllib.request.urlopen(url, timeout=30)  # noqa: S310 - loopback only
    raised.value.close()
    assert raised.value.code == 503
    assert raised.value.headers["Retry-After"]
    again = f"{slow_live_url}/sparql?" + urllib.parse.urlencode({"query": COUNT_CITIES})
    with urllib.request.urlopen(again, timeout=30) as response:  # noqa: S310 - loopback only
        assert response.status == 200


# --- repeated queries -----------------------------------------------------------------------


def test_a_repeated_query_is_answered_from_the_cache_not_evaluated_again(app: Flask) -> None:
    client, answers = app.test_client(), app.extensions["kg"].answers
    query = COUNT_CITIES + " # repeated-query test"
    first = client.get("/sparql", query_string={"query": query}, headers={"Accept": "text/csv"})
    hits = answers.hits
    second = client.get("/sparql", query_string={"query": query}, headers={"Accept": "text/csv"})
    assert first.data == second.data == b"n\r\n32\r\n"
    assert answers.hits == hits + 1
    other_format = client.get(
        "/sparql", query_string={"query": query}, headers={"Accept": "application/sparql-results+json"}
    )
    assert other_format.json["results"]["bindings"][0]["n"]["value"] == "32"  # type: ignore[index]
    assert answers.hits == hits + 1, "an answer in another format must not come from the cache"


def test_get_answers_carry_a_validator_and_revalidate_with_304(client: FlaskClient) -> None:
    first = client.get("/sparql", query_string={"query": COUNT_CITIES}, headers={"Accept": "text/csv"})
    assert first.headers["Cache-Control"] == "public, max-age=60"
    etag = first.headers["ETag"]
    again = client.get(
        "/sparql", query_string={"query": COUNT_CITIES}, headers={"Accept": "text/csv", "If-None-Match": etag}
    )
    assert (again.status_code, again.data) == (304, b"")
    other = client.get(
        "/sparql", query_string={"query": COUNT_CITIES}, headers={"Accept": "application/sparql-results+json"}
    )
    assert other.headers["ETag"] != etag, "each format of an answer has its own validator"


def test_post_answers_are_not_marked_cacheable(client: FlaskClient) -> None:
    response = client.post("/sparql", data=COUNT_CITIES, content_type="application/sparql-query")
    assert response.status_code == 200
    assert "ETag" not in response.headers and "Cache-Control" not in response.headers
