"""The engine interface, as every layer above relies on it, checked on each backend.

The tests are written against ``server.engine.interface.Engine`` only: a new backend
(a remote SPARQL 1.1 engine) is added to ``BACKENDS`` and must pass them unchanged.
"""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest
from rdflib import Dataset, Literal, URIRef

from server.engine.embedded import EmbeddedEngine
from server.engine.interface import Engine, QueryJob, first
from server.engine.terms import BlankNode, Iri, Quad
from server.engine.terms import Literal as LiteralTerm
from server.errors import NotAcceptable, QuerySyntaxError, ResultTooLarge, WrongQueryForm

EX = "http://example.org/"
ASSERTED, INFERRED = EX + "graph/asserted", EX + "graph/inferred"
XSD = "http://www.w3.org/2001/XMLSchema#"


def sample() -> Dataset:
    """Two named graphs: Vienna named in two languages, a population, a link, a blank node."""
    dataset = Dataset()
    asserted, inferred = dataset.graph(URIRef(ASSERTED)), dataset.graph(URIRef(INFERRED))
    vienna, austria = URIRef(EX + "vienna"), URIRef(EX + "austria")
    asserted.add((vienna, URIRef(EX + "name"), Literal("Vienna", lang="en")))
    asserted.add((vienna, URIRef(EX + "name"), Literal("Wien", lang="de")))
    asserted.add((vienna, URIRef(EX + "population"), Literal(1900000)))
    asserted.add((vienna, URIRef(EX + "country"), austria))
    inferred.add((vienna, URIRef(EX + "country"), austria))
    inferred.add((austria, URIRef(EX + "hasCity"), vienna))
    asserted.add((austria, URIRef(EX + "note"), URIRef(EX + "n1")))
    return dataset


BACKENDS: dict[str, Callable[[Dataset], Engine]] = {"embedded": EmbeddedEngine}


@pytest.fixture(scope="module", params=sorted(BACKENDS))
def engine(request: pytest.FixtureRequest) -> Engine:
    return BACKENDS[request.param](sample())


def test_rows_gives_neutral_terms_keyed_by_variable(engine: Engine) -> None:
    rows = engine.rows(f"SELECT ?name WHERE {{ <{EX}vienna> <{EX}name> ?name }} ORDER BY ?name")
    assert rows == [{"name": LiteralTerm("Vienna", "en")}, {"name": LiteralTerm("Wien", "de")}]
    assert rows.variables == ("name",)


def test_rows_keep_the_datatype_and_leave_unbound_variables_out(engine: Engine) -> None:
    rows = engine.rows(
        f"SELECT ?p ?missing WHERE {{ <{EX}vienna> <{EX}population> ?p OPTIONAL {{ ?x <{EX}none> ?missing }} }}"
    )
    assert rows == [{"p": LiteralTerm("1900000", datatype=XSD + "integer")}]
    assert rows.variables == ("p", "missing")


def test_bindings_fix_variables_without_touching_the_text(engine: Engine) -> None:
    query = "SELECT DISTINCT ?s ?p ?o WHERE { ?s ?p ?o }"  # a bound variable must be projected (SEP-0007)
    rows = engine.rows(query, s=Iri(EX + "vienna"), p=Iri(EX + "country"))
    assert [row["o"] for row in rows] == [Iri(EX + "austria")]
    hostile = LiteralTerm('"} ; DROP ALL ; #')
    assert engine.rows(query, o=hostile) == []


def test_the_default_graph_is_the_union_of_all_graphs(engine: Engine) -> None:
    rows = engine.rows("SELECT ?s WHERE { ?s ?p ?o }")
    assert len(rows) == len(engine) == 7
    assert engine.graph_sizes() == {ASSERTED: 5, INFERRED: 2}


def test_ask_and_construct(engine: Engine) -> None:
    assert engine.ask(f"ASK {{ <{EX}austria> <{EX}hasCity> <{EX}vienna> }}") is True
    assert engine.ask("ASK { ?s ?p ?o }", s=Iri(EX + "nowhere")) is False
    triples = engine.construct(f"CONSTRUCT {{ ?c <{EX}in> ?country }} WHERE {{ ?c <{EX}country> ?country }}")
    assert [(t.subject, t.predicate, t.object) for t in triples] == [
        (Iri(EX + "vienna"), Iri(EX + "in"), Iri(EX + "austria"))
    ]


@pytest.mark.parametrize(
    ("method", "query"),
    [("rows", "ASK { ?s ?p ?o }"), ("ask", "SELECT * WHERE { ?s ?p ?o }"), ("construct", "ASK { ?s ?p ?o }")],
)
def test_a_query_of_the_wrong_form_is_refused(engine: Engine, method: str, query: str) -> None:
    with pytest.raises(WrongQueryForm):
        getattr(engine, method)(query)


def test_a_syntax_error_is_a_query_syntax_error(engine: Engine) -> None:
    with pytest.raises(QuerySyntaxError, match="SPARQL syntax error"):
        engine.rows("SELECT ?s WHERE { ?s ?p }")


def test_quads_about_gives_both_directions_with_their_graphs(engine: Engine) -> None:
    outgoing, incoming = engine.quads_about(EX + "vienna")
    assert {(q.predicate.value, q.graph) for q in outgoing} == {
        (EX + "name", ASSERTED),
        (EX + "population", ASSERTED),
        (EX + "country", ASSERTED),
        (EX + "country", INFERRED),
    }
    assert incoming == [Quad(Iri(EX + "austria"), Iri(EX + "hasCity"), Iri(EX + "vienna"), INFERRED)]


def test_mentions_looks_at_subjects_and_objects_only(engine: Engine) -> None:
    assert engine.mentions(EX + "vienna") and engine.mentions(EX + "n1")
    assert not engine.mentions(EX + "name")  # only ever a predicate
    assert not engine.mentions(EX + "nowhere")


def test_answer_serializes_select_in_the_format_asked(engine: Engine) -> None:
    job = QueryJob(f"SELECT ?n WHERE {{ <{EX}vienna> <{EX}name> ?n }}", results_format="json")
    answer = engine.answer(job)
    assert (answer.kind, answer.format.media_type) == ("results", "application/sparql-results+json")
    bindings = json.loads(answer.body)["results"]["bindings"]
    assert sorted(b["n"]["value"] for b in bindings) == ["Vienna", "Wien"]


def test_answer_serializes_construct_as_rdf(engine: Engine) -> None:
    job = QueryJob(f"DESCRIBE <{EX}austria>", results_format="json", graph_format="nt")
    answer = engine.answer(job)
    assert (answer.kind, answer.format_name) == ("graph", "nt")
    assert f"<{EX}austria> <{EX}hasCity> <{EX}vienna> .".encode() in answer.body


@pytest.mark.parametrize(
    ("query", "size"),
    [("SELECT ?s WHERE { ?s ?p ?o }", 7), ("CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }", 6)],
    ids=["select-7-rows", "construct-6-distinct-triples"],
)
def test_answer_refuses_more_than_the_limit_instead_of_cutting(engine: Engine, query: str, size: int) -> None:
    exact = QueryJob(query, results_format="csv", graph_format="nt", max_results=size)
    assert len(engine.answer(exact).body.decode().strip().splitlines()) == size + (1 if "SELECT" in query else 0)
    with pytest.raises(ResultTooLarge, match=f"more than {size - 1} rows or triples"):
        engine.answer(QueryJob(query, results_format="csv", graph_format="nt", max_results=size - 1))


def test_answer_without_an_acceptable_format_is_406_saying_why(engine: Engine) -> None:
    with pytest.raises(NotAcceptable, match="a SELECT query gives a table of results"):
        engine.answer(QueryJob("SELECT ?s WHERE { ?s ?p ?o }", graph_format="ttl"))
    with pytest.raises(NotAcceptable, match="a CONSTRUCT or DESCRIBE query gives a graph"):
        engine.answer(QueryJob("CONSTRUCT WHERE { ?s ?p ?o }", results_format="json"))


def test_answer_honours_the_dataset_of_the_request(engine: Engine) -> None:
    query = "SELECT ?s WHERE { ?s ?p ?o }"
    only_inferred = engine.answer(QueryJob(query, default_graphs=(INFERRED,), results_format="csv"))
    assert sorted(only_inferred.body.decode().split()[1:]) == [EX + "austria", EX + "vienna"]
    named = QueryJob("SELECT ?g ?s WHERE { GRAPH ?g { ?s ?p ?o } }", named_graphs=(ASSERTED,), results_format="csv")
    assert {line.split(",")[0] for line in engine.answer(named).body.decode().split()[1:]} == {ASSERTED}


def test_blank_nodes_cross_the_seam_as_blank_nodes() -> None:
    dataset = Dataset()
    dataset.graph(URIRef(ASSERTED)).add((URIRef(EX + "a"), URIRef(EX + "b"), URIRef(EX + "c")))
    engine = EmbeddedEngine(dataset)
    rows = engine.rows("SELECT ?b WHERE { BIND(BNODE() AS ?b) }")
    assert isinstance(rows[0]["b"], BlankNode)


def test_first_reads_one_row_aggregates(engine: Engine) -> None:
    assert first(engine.rows("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"), "n") == "7"


def test_the_embedded_engine_evaluates_a_protocol_query_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """CONSTRUCT, DESCRIBE and SELECT are each counted and serialized from one evaluation."""
    engine = EmbeddedEngine(sample())
    calls: list[str] = []
    evaluate = engine._query

    def counted(query: str, *args: object) -> object:
        calls.append(query)
        return evaluate(query, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(engine, "_query", counted)
    engine.answer(QueryJob("CONSTRUCT WHERE { ?s ?p ?o }", graph_format="nt"))
    engine.answer(QueryJob(f"DESCRIBE <{EX}vienna>", graph_format="ttl"))
    assert len(calls) == 2
    engine.answer(QueryJob("SELECT * WHERE { ?s ?p ?o }", results_format="csv"))
    assert len(calls) == 3
