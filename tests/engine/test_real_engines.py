"""Real SPARQL engines (tests/engines.py) hold the CLIP dataset as the embedded engine does.

The smoke tests of the fixtures a remote backend will be tested against: every quad, every
named graph, and a default graph that is the union of the named graphs. Virtuoso's own
system graphs are left out by keeping the graphs under the dataset's graph IRI prefix.
"""

from __future__ import annotations

import json
import time
import urllib.parse
import urllib.request
from typing import Any

import pytest
from rdflib import URIRef

from server.engine.remote import RemoteEngine
from server.errors import QueryTimeout
from server.kg.build import KnowledgeGraph
from server.kg.marker import marker_graph
from server.namespaces import graph_iri

from ..conftest import needs_oxigraph, needs_virtuoso
from ..engines import Engine

ENGINES = [
    pytest.param("oxigraph_engine", marks=needs_oxigraph, id="oxigraph"),
    pytest.param("virtuoso_engine", marks=needs_virtuoso, id="virtuoso"),
]


@pytest.fixture(params=ENGINES)
def engine(request: pytest.FixtureRequest) -> Engine:
    return request.getfixturevalue(request.param)  # type: ignore[no-any-return]


def select(engine: Engine, query: str) -> list[dict[str, Any]]:
    """The bindings of a SELECT, sent by POST as the SPARQL 1.1 Protocol's form."""
    request = urllib.request.Request(
        engine.query_url,
        data=urllib.parse.urlencode({"query": query}).encode(),
        headers={"Accept": "application/sparql-results+json"},
    )
    with urllib.request.urlopen(request, timeout=60) as response:
        assert response.status == 200
        return list(json.load(response)["results"]["bindings"])


def ours(clip_kg: KnowledgeGraph) -> str:
    """A FILTER that keeps the dataset's graphs: not Virtuoso's own, nor the data version marker's."""
    return f'FILTER(STRSTARTS(STR(?g), "{graph_iri(clip_kg.base, "")}") && ?g != <{marker_graph(clip_kg.base)}>)'


def test_every_quad_is_in_its_graph(engine: Engine, clip_kg: KnowledgeGraph) -> None:
    rows = select(engine, f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH ?g {{ ?s ?p ?o }} {ours(clip_kg)} }}")
    assert int(rows[0]["n"]["value"]) == clip_kg.quads


def test_the_named_graphs_are_the_datasets(engine: Engine, clip_kg: KnowledgeGraph) -> None:
    rows = select(engine, f"SELECT DISTINCT ?g WHERE {{ GRAPH ?g {{ ?s ?p ?o }} {ours(clip_kg)} }}")
    assert sorted(row["g"]["value"] for row in rows) == sorted(clip_kg.names)


def test_the_default_graph_is_the_union(engine: Engine, clip_kg: KnowledgeGraph) -> None:
    asserted = graph_iri(clip_kg.base, "asserted")
    subject, predicate, _ = next(
        triple for triple in clip_kg.graph("asserted") if all(isinstance(term, URIRef) for term in triple)
    )
    query = f"SELECT ?o WHERE {{ <{subject}> <{predicate}> ?o }}"
    in_default = select(engine, query)
    in_graph = select(engine, f"SELECT ?o WHERE {{ GRAPH <{asserted}> {{ <{subject}> <{predicate}> ?o }} }}")
    assert in_graph
    assert {row["o"]["value"] for row in in_graph} <= {row["o"]["value"] for row in in_default}


def test_the_engine_holds_the_marker_of_the_data_version(engine: Engine, clip_kg: KnowledgeGraph) -> None:
    graph = marker_graph(clip_kg.base)
    rows = select(engine, f"SELECT ?v WHERE {{ GRAPH <{graph}> {{ <{graph}> ?p ?v }} }}")
    assert [row["v"]["value"] for row in rows] == [clip_kg.version]


@needs_virtuoso
def test_virtuoso_is_told_the_time_limit_and_stops_the_query_itself(
    virtuoso_engine: Engine, clip_kg: KnowledgeGraph
) -> None:
    """Our client gives up at the limit; Virtuoso, told it by its timeout parameter, stops the query too
    (without it, this cross product runs for minutes). Its partial answer is refused, never passed on."""
    endless = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
    remote = RemoteEngine(virtuoso_engine.query_url, clip_kg.graph_names(), timeout=1.0)
    assert remote.ask("ASK { ?s ?p ?o }")
    assert remote.server.startswith("Virtuoso")
    started = time.monotonic()
    with pytest.raises(QueryTimeout):
        remote.rows(endless)
    assert time.monotonic() - started < 1.5
    fields = [("query", endless), *remote._timeout_fields()]  # what the engine was sent, minus the dataset
    request = urllib.request.Request(virtuoso_engine.query_url, data=urllib.parse.urlencode(fields).encode())
    started = time.monotonic()
    with urllib.request.urlopen(request, timeout=30) as answer:  # noqa: S310 - loopback only
        assert answer.headers["X-SQL-State"] == "S1TAT"  # "query interrupted by result timeout"
    assert time.monotonic() - started < 5, "Virtuoso did not stop the query at the time it was given"
