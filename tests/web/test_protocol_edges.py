"""The endpoint on hostile or unusual input, over every backend: each bad input named, each answer checked.

Client mistakes are 4xx with a text that says what is wrong, never 500; queries that would
crash the engine's parser are refused before any parser reads them; datasets follow
SPARQL 1.1 Query 13.2 (FROM, FROM NAMED) and Protocol 2.1.4 (the request's graphs replace
the query's); relative IRIs resolve against the endpoint's URL under the configured base.
"""

from __future__ import annotations

import io
import json
import logging
import re
from collections.abc import Iterator

import pytest
from flask import Flask
from flask.testing import FlaskClient
from rdflib import Graph, Literal, URIRef

from .test_protocol import ASSERTED, ONTOLOGY, error_text, result_rows

BASE = "https://w3id.org/clip-network/"
FORM = "application/x-www-form-urlencoded"
DIRECT = "application/sparql-query"
CITY_HAS_A_TYPE = "ASK FROM_CLAUSES { <https://w3id.org/clip-network/def/City> a ?t }"
"""True in the ontology graph only: the class City is typed there, not in the asserted data."""
GRAPHS = "SELECT DISTINCT ?g FROM_CLAUSES WHERE { GRAPH ?g { ?s ?p ?o } }"


def with_from(template: str, clauses: str = "") -> str:
    return template.replace("FROM_CLAUSES", clauses)


@pytest.fixture
def client(backend_app: Flask) -> Iterator[FlaskClient]:
    """A test client of the site over each backend: the embedded store, the Oxigraph server, Virtuoso."""
    with backend_app.test_client() as test_client:
        yield test_client


def ask(client: FlaskClient, query: str, **graphs: str) -> bool:
    parameters = {"query": query, **{name.replace("_", "-"): iri for name, iri in graphs.items()}}
    response = client.get("/sparql", query_string=parameters)
    assert response.status_code == 200, response.get_data(as_text=True)
    return bool(response.json["boolean"])  # type: ignore[index]


def graphs_of(client: FlaskClient, query: str, **graphs: str) -> set[str]:
    parameters = {"query": query, **{name.replace("_", "-"): iri for name, iri in graphs.items()}}
    response = client.get("/sparql", query_string=parameters)
    assert response.status_code == 200, response.get_data(as_text=True)
    return {row[0] for row in result_rows(response)}


# --- refused before any parser reads them (the pre-parse guard) ----------------------------------

TOO_DEEP = {
    "3000-nested-groups": "SELECT * WHERE " + "{" * 3000 + " ?s ?p ?o " + "}" * 3000,
    "100000-unclosed-braces": "SELECT * WHERE " + "{" * 100_000,
    "5000-nested-parentheses": "SELECT * WHERE { FILTER(" + "(" * 5000 + "1" + ")" * 5000 + ") }",
    "1000-nested-exists": "SELECT * WHERE { " + "FILTER NOT EXISTS { " * 1000 + "}" * 1000 + " }",
    "20000-negations": "SELECT * WHERE { FILTER(" + "!" * 20_000 + "true) }",
}


@pytest.mark.parametrize("query", TOO_DEEP.values(), ids=TOO_DEEP.keys())
def test_queries_nested_past_the_limit_are_400_before_parsing(client: FlaskClient, query: str) -> None:
    response = client.post("/sparql", data=query.encode(), content_type=DIRECT)
    assert response.status_code == 400
    assert error_text(response) == (
        "the query nests brackets more than 200 deep, the limit of this endpoint; flatten the query "
        "(nesting { }, ( ) and [ ] counts, and so does a run of !)\n"
    )


TOO_LONG = {
    "9000-minus-groups": "SELECT * WHERE { ?s ?p ?o" + " MINUS {}" * 9000 + " }",
    "3000-binds": "SELECT * WHERE { ?s ?p ?o" + "".join(f" BIND(1 AS ?v{n})" for n in range(3000)) + " }",
    "7000-additions": "SELECT * WHERE { FILTER(" + "+".join(["1"] * 7000) + " > 0) }",
}


@pytest.mark.parametrize("query", TOO_LONG.values(), ids=TOO_LONG.keys())
def test_queries_longer_than_the_limit_are_400_before_parsing(client: FlaskClient, query: str) -> None:
    response = client.post("/sparql", data=query.encode(), content_type=DIRECT)
    assert response.status_code == 400
    assert "more than 2000 tokens" in error_text(response)


def test_a_long_values_block_is_not_counted(client: FlaskClient) -> None:
    rows = " ".join(f"<{BASE}id/city/n{n}>" for n in range(2100))  # Virtuoso refuses 5,000 rows
    query = f"SELECT (COUNT(*) AS ?n) WHERE {{ VALUES ?c {{ {rows} }} ?c ?p ?o }}"
    response = client.post("/sparql", data=query.encode(), content_type=DIRECT)
    assert response.status_code == 200


# --- client mistakes: 4xx with a clear text; SERVICE found as the engine reads it --------------------


def test_the_word_service_in_a_comment_does_not_refuse_a_nested_query(client: FlaskClient) -> None:
    query = "# no service here\nSELECT (COUNT(*) AS ?n) WHERE " + "{" * 60 + " ?s a ?t " + "}" * 60
    response = client.get("/sparql", query_string={"query": query})
    assert response.status_code == 200, response.get_data(as_text=True)


XSD_WITHOUT_HASH = "PREFIX xsd: <http://www.w3.org/2001/XMLSchema> SELECT (xsd:integer('1') AS ?x) {}"
BAD_QUERIES = [
    ("only-a-comment", "# only a comment", 400, "no query: the text has only comments and whitespace"),
    ("commented-out-query", "  \n# SELECT * WHERE { ?s ?p ?o }\n\t", 400, "no query"),
    ("empty-comments", "#\r#\n", 400, "no query"),
    ("prologue-alone", "PREFIX ex: <http://example.org/>", 400, "SPARQL syntax error"),
    ("unknown-function", "SELECT (<http://example.org/f>(1) AS ?x) {}", 400,
     "The custom function <http://example.org/f> is not supported"),
    ("xsd-prefix-without-hash", XSD_WITHOUT_HASH, 400,
     "the xsd: prefix is <http://www.w3.org/2001/XMLSchema#>, with #"),
    ("service-glued-to-silent", "SELECT * { SERVICESILENT<http://127.0.0.1:9/sparql>{} }", 403,
     "federated queries (SERVICE) are disabled"),
    ("service-after-less-than-in-would-be-iri",
     "SELECT * { VALUES ?v {<http://127.0.0.1:9/sparql>} FILTER(1<2)SERVICE?v#>\n{ } }", 403,
     "federated queries (SERVICE) are disabled"),
    ("service-glued-to-prefixed-name", "PREFIX : <http://127.0.0.1:9/> SELECT * { SERVICE:sparql {} }", 403,
     "federated queries (SERVICE) are disabled"),
]  # fmt: skip


@pytest.mark.parametrize(("query", "status", "message"), [c[1:] for c in BAD_QUERIES], ids=[c[0] for c in BAD_QUERIES])
def test_bad_queries_get_their_status_and_a_clear_text(
    client: FlaskClient, query: str, status: int, message: str
) -> None:
    """Only comments, a prologue alone, an unknown function, a wrong xsd: prefix: 400 (before: 403 or 500);
    SERVICE in disguise: 403."""
    response = client.get("/sparql", query_string={"query": query})
    assert (response.status_code, message in error_text(response)) == (status, True), error_text(response)


# --- invalid UTF-8: 400 wherever the text comes from ------------------------------------------------


@pytest.mark.parametrize(
    "request_",
    [
        {"path": "/sparql?query=%FF"},
        {"path": "/sparql?query=ASK%7B%7D&default-graph-uri=%C3%28"},
        {"path": "/sparql", "data": b"query=%FF", "content_type": FORM},
        {"path": "/sparql", "data": b"query=ASK {} \xff", "content_type": FORM},
        {"path": "/sparql", "data": b"ASK { ?s ?p '\xc3\x28' }", "content_type": DIRECT},
    ],
    ids=["query-string", "graph-parameter", "form-escape", "form-raw-byte", "direct-body"],
)
def test_invalid_utf8_is_400(client: FlaskClient, request_: dict[str, object]) -> None:
    method = "POST" if "data" in request_ else "GET"
    response = client.open(method=method, **request_)  # type: ignore[arg-type]
    assert response.status_code == 400
    assert "not UTF-8" in error_text(response)


def test_a_utf8_form_is_read_whole(client: FlaskClient) -> None:
    response = client.post("/sparql", data={"query": 'SELECT ("Zürich – ok" AS ?x) {}'})
    assert result_rows(response) == [["Zürich – ok"]]


# --- datasets: FROM and FROM NAMED (Query 13.2), the request's graphs (Protocol 2.1.4) --------------


def test_from_is_honoured(client: FlaskClient) -> None:
    assert ask(client, with_from(CITY_HAS_A_TYPE)) is True
    assert ask(client, with_from(CITY_HAS_A_TYPE, f"FROM <{ASSERTED}>")) is False
    assert ask(client, with_from(CITY_HAS_A_TYPE, f"FROM <{ASSERTED}> FROM <{ONTOLOGY}>")) is True


def test_from_alone_gives_no_named_graphs(client: FlaskClient) -> None:
    assert graphs_of(client, with_from(GRAPHS, f"FROM <{ONTOLOGY}>")) == set()


def test_from_named_alone_gives_an_empty_default_graph(client: FlaskClient) -> None:
    assert ask(client, with_from(CITY_HAS_A_TYPE, f"FROM NAMED <{ONTOLOGY}>")) is False
    assert graphs_of(client, with_from(GRAPHS, f"FROM NAMED <{ONTOLOGY}>")) == {ONTOLOGY}


def test_from_with_a_prefixed_or_relative_iri(client: FlaskClient) -> None:
    prefixed = with_from(CITY_HAS_A_TYPE, "FROM g:asserted").replace("ASK", f"PREFIX g: <{BASE}graph/> ASK")
    assert ask(client, prefixed) is False
    assert ask(client, with_from(CITY_HAS_A_TYPE, "FROM <graph/ontology>")) is True
    assert ask(client, with_from(CITY_HAS_A_TYPE, "FROM <graph/asserted>")) is False


def test_the_requests_graphs_replace_the_querys(client: FlaskClient) -> None:
    query = with_from(CITY_HAS_A_TYPE, f"FROM <{ASSERTED}>")
    assert ask(client, query, default_graph_uri=ONTOLOGY) is True
    assert ask(client, query, named_graph_uri=ONTOLOGY) is False


def test_a_request_naming_only_named_graphs_has_an_empty_default_graph(client: FlaskClient) -> None:
    assert ask(client, "ASK { ?s ?p ?o }", named_graph_uri=ONTOLOGY) is False
    assert ask(client, f"ASK {{ GRAPH <{ONTOLOGY}> {{ ?s ?p ?o }} }}", named_graph_uri=ONTOLOGY) is True


def test_a_request_naming_only_a_default_graph_has_no_named_graphs(client: FlaskClient) -> None:
    assert graphs_of(client, with_from(GRAPHS), default_graph_uri=ASSERTED) == set()


# --- relative IRIs resolve against the endpoint's URL ------------------------------------------------


def test_relative_iris_resolve_against_the_endpoint(client: FlaskClient) -> None:
    response = client.get(
        "/sparql", query_string={"query": "CONSTRUCT { <s> <p> 1 } WHERE {}"}, headers={"Accept": "text/turtle"}
    )
    assert response.status_code == 200, response.get_data(as_text=True)
    graph = Graph().parse(data=response.data, format="turtle")
    assert set(graph) == {(URIRef(BASE + "s"), URIRef(BASE + "p"), Literal(1))}
    assert ask(client, "ASK { <id/city/vienna> ?p ?o }") is True


def test_a_base_in_the_query_wins(client: FlaskClient) -> None:
    query = "BASE <http://example.org/> CONSTRUCT { <s> <p> 1 } WHERE {}"
    response = client.get("/sparql", query_string={"query": query}, headers={"Accept": "application/n-triples"})
    assert response.get_data(as_text=True).startswith("<http://example.org/s> <http://example.org/p>")


# --- a body past the limit, however it is sent ----------------------------------------------------------


def test_a_chunked_body_past_the_limit_is_413_not_cut(limited_app: Flask) -> None:
    """A body of unannounced length (as a chunked one reaches the application) is not cut at the limit and run."""
    query = "# " + "x" * 5000 + "\nASK {}"
    response = limited_app.test_client().post(
        "/sparql",
        input_stream=io.BytesIO(query.encode()),
        content_type=DIRECT,
        environ_overrides={"wsgi.input_terminated": True, "HTTP_TRANSFER_ENCODING": "chunked"},
    )
    assert response.status_code == 413
    assert "larger than 4000 bytes" in error_text(response)


@pytest.mark.parametrize(
    "request_",
    [{"data": {"query": "ASK { ?s ?p 'a form' }"}}, {"data": b"ASK { ?s ?p 'a body' }", "content_type": DIRECT}],
    ids=["form", "direct"],
)
def test_a_posted_query_is_logged_by_its_digest(
    app: Flask, request_: dict[str, object], caplog: pytest.LogCaptureFixture
) -> None:
    """The body is read once, and kept where the access log finds the query to digest."""
    with caplog.at_level(logging.INFO, logger="clip_kg.access"), app.test_client() as client:
        assert client.post("/sparql", **request_).status_code == 200  # type: ignore[arg-type]
    line = json.loads([r for r in caplog.records if r.name == "clip_kg.access"][-1].getMessage())
    assert re.fullmatch(r"[0-9a-f]{12}", line["query"])
