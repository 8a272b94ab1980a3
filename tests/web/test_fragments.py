"""Triple Pattern Fragments at /fragments: controls, paging, counts, formats and refusals."""

from __future__ import annotations

import time
from dataclasses import replace
from urllib.parse import quote

import pytest
from flask import Flask
from flask.testing import FlaskClient
from rdflib import RDF, XSD, Dataset, Graph, Literal, Namespace, URIRef
from rdflib.namespace import VOID
from rdflib.term import Node

from server.engine.answers import AnswerCache
from server.views import fragment_pages
from server.views.fragment_pages import PAGE_SIZE, Pattern, parse_term

BASE = "https://w3id.org/clip-network/"
HYDRA = Namespace("http://www.w3.org/ns/hydra/core#")
CLIP = Namespace(BASE + "def/")
VIENNA = BASE + "id/city/vienna"
DERIVED_INTEGERS = {XSD.positiveInteger, XSD.nonNegativeInteger, XSD.negativeInteger, XSD.nonPositiveInteger}


def fragment(client: FlaskClient, query: str = "", accept: str = "application/trig") -> tuple[Dataset, URIRef]:
    """The page at /fragments?query as a dataset, and the page's own URL."""
    response = client.get(f"/fragments{'?' if query else ''}{query}", headers={"Accept": accept})
    assert response.status_code == 200, response.data
    assert response.mimetype == accept
    dataset = Dataset()
    dataset.parse(data=response.data, format={"application/trig": "trig", "application/n-quads": "nquads"}[accept])
    return dataset, URIRef(f"{BASE}fragments{'?' if query else ''}{query}")


def metadata(dataset: Dataset) -> Graph:
    (name,) = [g for g in dataset.graphs() if str(g.identifier).endswith("#metadata")]
    return name


def number(graph: Graph, subject: URIRef, predicate: URIRef) -> int:
    """The integer value of a metadata triple."""
    value = graph.value(subject, predicate)
    assert isinstance(value, Literal), (subject, predicate, value)
    return int(value)


def sparql_count(client: FlaskClient, where: str) -> int:
    query = f"SELECT (COUNT(*) AS ?n) WHERE {{ SELECT DISTINCT * WHERE {{ {where} }} }}"
    response = client.get(
        "/sparql", query_string={"query": query}, headers={"Accept": "application/sparql-results+json"}
    )
    return int(response.get_json()["results"]["bindings"][0]["n"]["value"])


def test_the_search_form_maps_subject_predicate_object(client: FlaskClient) -> None:
    dataset, _ = fragment(client)
    meta = metadata(dataset)
    form = meta.value(URIRef(BASE + "fragments#dataset"), HYDRA.search)
    assert meta.value(form, HYDRA.template) == Literal(BASE + "fragments{?subject,predicate,object}")
    assert meta.value(form, HYDRA.variableRepresentation) == HYDRA.ExplicitRepresentation
    mappings = {
        str(meta.value(m, HYDRA.variable)): meta.value(m, HYDRA.property) for m in meta.objects(form, HYDRA.mapping)
    }
    assert mappings == {"subject": RDF.subject, "predicate": RDF.predicate, "object": RDF.object}


def test_the_count_is_exact_and_the_data_stays_out_of_the_metadata_graph(client: FlaskClient) -> None:
    query = "predicate=" + quote(str(CLIP.memberOf), safe="")
    dataset, here = fragment(client, query)
    meta = metadata(dataset)
    total = sparql_count(client, f"?s <{CLIP.memberOf}> ?o")
    assert meta.value(here, VOID.triples) == Literal(total, datatype=XSD.integer)
    assert meta.value(here, HYDRA.totalItems) == Literal(total, datatype=XSD.integer)
    data = dataset.default_graph
    assert 0 < len(data) == min(total, PAGE_SIZE)
    assert set(data.predicates()) == {CLIP.memberOf}
    assert not set(meta.predicates()) & {CLIP.memberOf}


def test_pages_link_to_each_other_and_together_give_the_fragment(client: FlaskClient) -> None:
    query = "predicate=" + quote(str(RDF.type), safe="")
    total = sparql_count(client, f"?s <{RDF.type}> ?o")
    assert total > 2 * PAGE_SIZE
    dataset, here = fragment(client, query)
    seen, pages = set(dataset.default_graph), 1
    meta = metadata(dataset)
    assert meta.value(here, HYDRA.previous) is None
    following = meta.value(here, HYDRA.next)
    while following is not None:
        path = str(following).removeprefix(BASE + "fragments?")
        dataset, here = fragment(client, path)
        meta = metadata(dataset)
        assert meta.value(here, HYDRA.previous) is not None
        assert meta.value(here, HYDRA.first) == URIRef(BASE + "fragments?" + query)
        seen |= set(dataset.default_graph)
        following, pages = meta.value(here, HYDRA.next), pages + 1
    assert len(seen) == total
    assert pages == -(-total // PAGE_SIZE)


def test_a_literal_object_in_the_explicit_representation(client: FlaskClient) -> None:
    for written in ('"Wien"@de', '"Wien"@DE'):
        dataset, _ = fragment(client, "object=" + quote(written, safe=""))
        assert (URIRef(VIENNA), None, Literal("Wien", lang="de")) in dataset.default_graph
    typed = quote('"2006"^^<http://www.w3.org/2001/XMLSchema#gYear>', safe="")
    bare = quote('"2006"^^http://www.w3.org/2001/XMLSchema#gYear', safe="")
    assert len(fragment(client, "object=" + typed)[0].default_graph) == len(
        fragment(client, "object=" + bare)[0].default_graph
    )


def test_variables_and_blank_nodes_are_variables(client: FlaskClient) -> None:
    assert parse_term("?x", "subject") is None
    assert parse_term("_:b0", "object") is None
    all_of_it, _ = fragment(client)
    named, _ = fragment(client, "subject=%3Fs&object=_%3Ab")
    assert set(named.default_graph) == set(all_of_it.default_graph)


def test_a_subject_fragment_has_every_statement_about_it(client: FlaskClient) -> None:
    dataset, _ = fragment(client, "subject=" + quote(VIENNA, safe=""), accept="application/n-quads")
    assert len(dataset.default_graph) == min(PAGE_SIZE, sparql_count(client, f"<{VIENNA}> ?p ?o"))


@pytest.mark.parametrize("accept", ["text/turtle", "application/n-triples"])
def test_triple_formats_carry_data_and_controls_together(client: FlaskClient, accept: str) -> None:
    response = client.get("/fragments?subject=" + quote(VIENNA, safe=""), headers={"Accept": accept})
    assert response.status_code == 200
    assert response.mimetype == accept
    assert response.headers["Vary"] == "Accept"
    graph = Graph().parse(
        data=response.data, format={"text/turtle": "turtle", "application/n-triples": "nt"}.get(accept, "json-ld")
    )
    assert (None, HYDRA.search, None) in graph
    assert (URIRef(VIENNA), None, None) in graph


def test_json_ld_keeps_the_metadata_in_a_graph_of_its_own(client: FlaskClient) -> None:
    response = client.get("/fragments?subject=" + quote(VIENNA, safe=""), headers={"Accept": "application/ld+json"})
    assert response.mimetype == "application/ld+json"
    dataset = Dataset().parse(data=response.data, format="json-ld")
    assert (URIRef(VIENNA), None, None) in dataset.default_graph
    assert (None, HYDRA.search, None) in metadata(dataset)


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("subject=vienna", "subject: 'vienna' is neither an absolute IRI"),
        ("predicate=http://e/a%20b", "predicate:"),
        ("subject=%22Wien%22", "a literal can only be the object"),
        ("object=%22Wien", "is not a literal"),
        ("object=%22Wien%22@", "is not a literal"),
        ("object=%22Wien%22@d%C3%A9", "is not a language tag"),
        ("object=%222%22%5E%5Einteger", "datatype"),
        ("page=0", "page must be a whole number"),
        ("page=-1", "page must be a whole number"),
        ("page=1e3", "page must be a whole number"),
        ("page=99999999999", "page must be a whole number"),
        ("page=500", "past the last page"),
    ],
)
def test_bad_input_is_400_with_a_message(client: FlaskClient, query: str, message: str) -> None:
    response = client.get(
        f"/fragments?subject={quote(VIENNA, safe='')}&{query}" if query.startswith("page=5") else f"/fragments?{query}"
    )
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)


def test_a_fragment_longer_than_a_page_is_counted_once_per_load(client: FlaskClient) -> None:
    state = client.application.extensions["kg"]
    client.get("/fragments?predicate=" + quote(str(RDF.type), safe=""))
    assert state._cache[("fragment count", Pattern(predicate=parse_term(str(RDF.type), "predicate")))].exact


def test_a_fragment_within_one_page_is_counted_from_its_page(client: FlaskClient) -> None:
    state = client.application.extensions["kg"]
    dataset, here = fragment(client, "predicate=" + quote(str(CLIP.memberOf), safe=""))
    assert ("fragment count", Pattern(predicate=parse_term(str(CLIP.memberOf), "predicate"))) not in state._cache
    assert number(metadata(dataset), here, VOID.triples) == len(dataset.default_graph) < PAGE_SIZE


def test_void_lists_the_search_form(client: FlaskClient) -> None:
    graph = Graph().parse(data=client.get("/.well-known/void", headers={"Accept": "text/turtle"}).data, format="turtle")
    form = graph.value(URIRef(BASE + ".well-known/void#dataset"), HYDRA.search)
    assert graph.value(form, HYDRA.template) == Literal(BASE + "fragments{?subject,predicate,object}")


def test_openapi_lists_fragments(client: FlaskClient) -> None:
    document = client.get("/openapi.json").get_json()
    assert {p["name"] for p in document["paths"]["/fragments"]["get"]["parameters"]} == {
        "subject",
        "predicate",
        "object",
        "page",
    }


def test_latency_figures(client: FlaskClient, capsys: pytest.CaptureFixture[str]) -> None:
    """p50/p95 of fragment requests for a few patterns (counts cached after the first): printed, not asserted."""
    patterns = {
        "all, page 1": "",
        "all, page 50": "page=50",
        "rdf:type, page 5": "predicate=" + quote(str(RDF.type), safe="") + "&page=5",
        "subject vienna": "subject=" + quote(VIENNA, safe=""),
        "a clip:City": f"predicate={quote(str(RDF.type), safe='')}&object={quote(str(CLIP.City), safe='')}",
        'object "Wien"@de': "object=" + quote('"Wien"@de', safe=""),
    }
    lines = []
    for name, query in patterns.items():
        times = []
        for _ in range(40):
            started = time.perf_counter()
            response = client.get(f"/fragments?{query}", headers={"Accept": "application/trig"})
            times.append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200
        first, times = times[0], sorted(times)
        p50, p95 = times[len(times) // 2], times[int(len(times) * 0.95)]
        lines.append(f"{name:20} first {first:6.1f} ms  p50 {p50:6.1f} ms  p95 {p95:6.1f} ms")
    with capsys.disabled():
        print("\nfragments (TriG, 40 requests each):\n" + "\n".join(lines))


def all_pages(client: FlaskClient, query: str) -> tuple[set[tuple[object, ...]], Node | None]:
    """Every triple of a fragment, following hydra:next, and its count."""
    dataset, here = fragment(client, query)
    total = metadata(dataset).value(here, VOID.triples)
    seen: set[tuple[object, ...]] = set()
    while True:
        seen |= set(dataset.default_graph)
        following = metadata(dataset).value(here, HYDRA.next)
        if following is None:
            return seen, total
        dataset, here = fragment(client, str(following).removeprefix(BASE + "fragments?"))


@pytest.mark.parametrize(
    "query",
    [
        "subject=" + quote(VIENNA, safe=""),
        "predicate=" + quote(str(CLIP.memberOf), safe=""),
        "predicate=" + quote(str(RDF.type), safe="") + "&object=" + quote(str(CLIP.City), safe=""),
        "object=" + quote('"Wien"@de', safe=""),
    ],
)
def test_every_backend_gives_the_same_fragments(app: Flask, backend_app: Flask, query: str) -> None:
    embedded, other = app.test_client(), backend_app.test_client()
    (theirs, their_count), (ours, our_count) = all_pages(other, query), all_pages(embedded, query)
    theirs = {tuple(as_stored(term) for term in triple) for triple in theirs}
    assert (theirs - ours, ours - theirs, their_count) == (set(), set(), our_count)


def as_stored(term: object) -> object:
    """A term as the embedded store keeps it: derived integer types are xsd:integer (oxigraph#526, README)."""
    if isinstance(term, Literal) and term.datatype in DERIVED_INTEGERS:
        return Literal(str(term), datatype=XSD.integer)
    return term


def test_a_raw_query_string_is_escaped_in_the_page_url(client: FlaskClient) -> None:
    raw = 'unknown="> <http://e/injected> <http://e/p> "x'
    response = client.get("/fragments", environ_overrides={"QUERY_STRING": raw}, headers={"Accept": "text/turtle"})
    assert response.status_code == 200
    graph = Graph().parse(data=response.data, format="turtle")
    assert (URIRef("http://e/injected"), None, None) not in graph
    assert (URIRef(BASE + "fragments?" + quote(raw, safe="%/?&=:@!$'()*+,;~")), VOID.triples, None) in graph


def test_fragments_are_a_surface_of_their_own_in_the_metrics(client: FlaskClient) -> None:
    client.get("/fragments?page=1")
    assert 'clip_kg_requests_total{surface="fragments",status="2xx"}' in client.get("/metrics").get_data(as_text=True)


BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"


def test_a_browser_gets_a_page_with_the_pattern_the_count_and_the_triples(client: FlaskClient) -> None:
    vienna = BASE + "id/city/vienna"
    query = f"subject={quote(vienna)}&predicate={quote(str(CLIP.localName))}"
    response = client.get(f"/fragments?{query}", headers={"Accept": BROWSER})
    assert response.status_code == 200 and response.mimetype == "text/html"
    body = response.get_data(as_text=True)
    assert f'value="{vienna}"' in body and 'name="object" value=""' in body
    assert "<strong>1</strong> triple matches" in body
    assert '<a href="/doc/city/vienna.html">' in body and "<td>Wien <span" in body and "@de" in body


def test_the_html_page_links_the_next_and_last_pages(client: FlaskClient) -> None:
    query = "predicate=" + quote(str(RDF.type), safe="")
    body = client.get(f"/fragments?{query}&page=2", headers={"Accept": BROWSER}).get_data(as_text=True)
    assert f'rel="first" href="/fragments?{query}"' in body
    assert (
        f'rel="prev" href="/fragments?{query}"' in body and f'rel="next" href="/fragments?{query}&amp;page=3"' in body
    )
    assert f'rel="last" href="/fragments?{query}&amp;page=' in body


def store_size(client: FlaskClient) -> int:
    return int(client.application.extensions["kg"].facts.triples)


def test_the_all_variable_pattern_is_estimated_as_the_store_size_without_counting(client: FlaskClient) -> None:
    dataset, here = fragment(client, "page=2")
    meta = metadata(dataset)
    assert number(meta, here, VOID.triples) == number(meta, here, HYDRA.totalItems) == store_size(client)
    assert meta.value(here, HYDRA.last) is None and meta.value(here, HYDRA.next) is not None
    assert not any(
        key[0] == "fragment count" and key[1] == Pattern() for key in client.application.extensions["kg"]._cache
    )


@pytest.fixture
def nothing_kept(client: FlaskClient, monkeypatch: pytest.MonkeyPatch) -> None:
    """No count or answer kept from earlier tests."""
    state = client.application.extensions["kg"]
    monkeypatch.setattr(state, "_cache", {})
    monkeypatch.setattr(state, "answers", AnswerCache(state.settings.answer_cache_bytes))


@pytest.fixture
def no_time_to_count(nothing_kept: None, monkeypatch: pytest.MonkeyPatch) -> None:
    """Counts that overrun at once (their query process stopped)."""
    monkeypatch.setattr(fragment_pages, "COUNT_SECONDS", 0.0)


@pytest.mark.usefixtures("no_time_to_count")
def test_a_count_past_its_time_is_an_estimate_with_no_last_page(client: FlaskClient) -> None:
    query = "predicate=" + quote(str(RDF.type), safe="")
    dataset, here = fragment(client, query)
    meta = metadata(dataset)
    assert number(meta, here, VOID.triples) == store_size(client) > sparql_count(client, "?s a ?o")
    assert meta.value(here, HYDRA.last) is None and meta.value(here, HYDRA.next) is not None
    assert len(dataset.default_graph) == PAGE_SIZE


@pytest.mark.usefixtures("no_time_to_count")
def test_a_fragment_within_one_page_is_exact_without_time_to_count(client: FlaskClient) -> None:
    dataset, here = fragment(client, "subject=" + quote(VIENNA, safe=""))
    assert number(metadata(dataset), here, VOID.triples) == sparql_count(client, f"<{VIENNA}> ?p ?o")


@pytest.mark.usefixtures("no_time_to_count")
def test_the_html_page_says_about_when_the_count_is_an_estimate(client: FlaskClient) -> None:
    query = "predicate=" + quote(str(RDF.type), safe="")
    body = client.get(f"/fragments?{query}", headers={"Accept": BROWSER}).get_data(as_text=True)
    assert f"<strong>about {store_size(client):,}</strong> triples match" in body
    assert 'rel="next"' in body and 'rel="last"' not in body


@pytest.mark.usefixtures("nothing_kept")
def test_a_page_past_the_time_limit_is_503(client: FlaskClient, monkeypatch: pytest.MonkeyPatch) -> None:
    state = client.application.extensions["kg"]
    monkeypatch.setattr(state, "settings", replace(state.settings, query_timeout=1e-9))
    response = client.get("/fragments?predicate=" + quote(str(RDF.type), safe="") + "&page=9")
    assert response.status_code == 503 and "limit" in response.get_data(as_text=True)


def test_any_type_still_gets_rdf_and_a_bad_pattern_is_400_for_browsers_too(client: FlaskClient) -> None:
    assert client.get("/fragments", headers={"Accept": "*/*"}).mimetype == "application/trig"
    assert client.get("/fragments?subject=%22Wien%22", headers={"Accept": BROWSER}).status_code == 400
