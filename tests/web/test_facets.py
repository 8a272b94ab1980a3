"""Facets on the browse lists and search results, and ``/facets``: every count checked against rdflib.

The oracle is rdflib over the union of the built graphs (asserted, inferred, ontology), the default
graph the site queries: the size of every state, the count of every facet value, the items the
equivalent query lists, the rows of the CSV. Bad filters are 400s with a message; the JSON of a state
is the same from the embedded store, the Oxigraph server and Virtuoso.
"""

from __future__ import annotations

import csv
import io
import re
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import pytest
from flask import Flask
from flask.testing import FlaskClient
from rdflib import Graph, URIRef

from server.kg.build import KnowledgeGraph

CLIP = "https://w3id.org/clip-network/"
PREFIXES = f"""PREFIX clip: <{CLIP}def/> PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX dcterms: <http://purl.org/dc/terms/> PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
"""
GERMANY = f"{CLIP}id/country/de"
HOUSING = f"{CLIP}id/module/housing"
INTERCULTURAL = f"{CLIP}id/module/intercultural"


@pytest.fixture(scope="module")
def union(clip_kg: KnowledgeGraph) -> Graph:
    """The default graph the site answers from: every named graph together."""
    return clip_kg.graph("asserted") + clip_kg.graph("inferred") + clip_kg.graph("ontology")


def members(graph: Graph, cls: str, extra: str = "") -> set[str]:
    """The instances of a class (or a subclass) passing ``extra`` patterns over ?item, by rdflib."""
    query = f"{PREFIXES} SELECT DISTINCT ?item WHERE {{ ?item a/rdfs:subClassOf* clip:{cls} . {extra} }}"
    return {str(row[0]) for row in graph.query(query)}  # type: ignore[index]


def answer(client: FlaskClient, url: str) -> dict[str, Any]:
    response = client.get(url, headers={"Accept": "application/json"})
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()  # type: ignore[no-any-return]


def facet(state: dict[str, Any], key: str) -> dict[str, Any]:
    return next(f for f in state["facets"] if f["key"] == key)


def value(state: dict[str, Any], key: str, iri: str) -> dict[str, Any]:
    return next(v for v in facet(state, key)["values"] if v["value"] == iri)


def test_a_browse_list_offers_facets_chosen_from_its_data(client: FlaskClient) -> None:
    state = answer(client, "/facets?kind=publications")
    keys = [f["key"] for f in state["facets"]]
    assert keys[0] == "rdf:type" and keys[-1] == "language"
    assert {"clip:outputOf", "clip:aboutCity", "year(dcterms:issued)", "clip:aboutCity/clip:country"} <= set(keys)
    assert not {"rdfs:label", "dcterms:title", "dcterms:description", "skos:note"} & set(keys), "text is no facet"
    assert "schema:author" not in keys and "clip:author" in keys, "a copy made by reasoning is shown once"
    assert "clip:aboutCity/clip:evidenceLevel" not in keys, "how a record is evidenced is not followed"


def test_every_value_count_is_the_size_of_the_state_it_leads_to(client: FlaskClient, union: Graph) -> None:
    for kind, cls in (("publications", "Publication"), ("policies", "LocalPolicy")):
        state = answer(client, f"/facets?kind={kind}")
        assert state["total"] == len(members(union, cls))
        for shown in state["facets"]:
            for found in shown["values"][:8]:
                narrowed = answer(client, found["url"])
                assert narrowed["total"] == found["count"], (kind, shown["key"], found["value"])
                assert any(v["selected"] for f in narrowed["facets"] for v in f["values"])


def test_counts_and_items_agree_with_rdflib_through_three_filters(client: FlaskClient, union: Graph) -> None:
    state = answer(client, "/facets?kind=publications")
    state = answer(client, value(state, "clip:outputOf", HOUSING)["url"])
    assert state["total"] == len(members(union, "Publication", f"?item clip:outputOf <{HOUSING}>"))
    state = answer(client, value(state, "clip:aboutCity/clip:country", GERMANY)["url"])
    germany = f"?item clip:outputOf <{HOUSING}> ; clip:aboutCity/clip:country <{GERMANY}>"
    expected = members(union, "Publication", germany)
    assert state["total"] == len(expected) == 4
    year = value(state, "year(dcterms:issued)", "2009")
    state = answer(client, year["url"])
    dated = germany + ' ; dcterms:issued ?d FILTER(STRSTARTS(STR(?d), "2009"))'
    assert state["total"] == year["count"] == len(members(union, "Publication", dated)) == 2
    assert {item["iri"] for item in state["items"]} == members(union, "Publication", dated)
    assert [f["key"] for f in state["filters"]] == [
        "clip:outputOf",
        "clip:aboutCity/clip:country",
        "year(dcterms:issued)",
    ]


def test_the_equivalent_query_lists_the_items_of_the_state(client: FlaskClient, union: Graph) -> None:
    url = f"/facets?kind=publications&f.clip:outputOf={HOUSING}&f.year(dcterms:issued)=2009"
    state = answer(client, url)
    response = client.post(
        "/sparql", data={"query": state["query"]}, headers={"Accept": "application/sparql-results+json"}
    )
    rows = response.get_json()["results"]["bindings"]
    listed = {row["item"]["value"] for row in rows}
    assert listed == {item["iri"] for item in state["items"]} and len(rows) == state["total"] == len(listed)
    for query in state["sparql"]:
        assert client.post("/sparql", data={"query": query}).status_code == 200, query


def test_two_values_of_one_facet_must_both_hold(client: FlaskClient, union: Graph) -> None:
    key = "clip:authorOf/clip:outputOf"
    both = answer(client, f"/facets?kind=people&f.{key}={HOUSING}&f.{key}={INTERCULTURAL}")
    extra = f"?item clip:authorOf/clip:outputOf <{HOUSING}> . ?item clip:authorOf/clip:outputOf <{INTERCULTURAL}>"
    expected = members(union, "Person", extra)
    assert both["total"] == len(expected) and {i["iri"] for i in both["items"]} == expected
    one = answer(client, f"/facets?kind=people&f.{key}={HOUSING}")
    assert 0 < both["total"] < one["total"]


def test_a_range_of_years_keeps_the_dates_inside_it(client: FlaskClient, union: Graph) -> None:
    state = answer(client, "/facets?kind=publications&f.from(dcterms:issued)=2010&f.to(dcterms:issued)=2011")
    inside = '?item dcterms:issued ?d FILTER(SUBSTR(STR(?d), 1, 4) >= "2010" && SUBSTR(STR(?d), 1, 4) <= "2011")'
    assert state["total"] == len(members(union, "Publication", inside)) > 0
    assert answer(client, "/facets?kind=publications&f.from(dcterms:issued)=")["total"] == 49, "an empty field"


def test_the_language_facet_counts_names_in_each_language(client: FlaskClient, union: Graph) -> None:
    state = answer(client, "/facets?kind=cities")
    german = value(state, "language", "de")
    named = '?item rdfs:label|skos:prefLabel ?l FILTER(LANG(?l) = "de")'
    assert german["count"] == len(members(union, "City", named)) == answer(client, german["url"])["total"]


def test_a_search_is_narrowed_by_the_facets_of_its_hits(client: FlaskClient) -> None:
    hits = client.get("/search?q=frankfurt", headers={"Accept": "application/json"}).get_json()
    state = answer(client, "/facets/search?q=frankfurt")
    assert state["total"] == hits["total"]
    city = value(state, "rdf:type", f"{CLIP}def/City")
    narrowed = client.get(
        "/search?q=frankfurt&f.rdf:type=" + city["value"], headers={"Accept": "application/json"}
    ).get_json()
    assert narrowed["total"] == city["count"] == 1
    assert narrowed["results"][0]["iri"] == f"{CLIP}id/city/frankfurt"


def test_the_browse_page_lists_the_state_and_links_its_csv_editor_and_json(client: FlaskClient) -> None:
    url = f"/browse/publications?f.clip:outputOf={HOUSING}&f.clip:aboutCity/clip:country={GERMANY}"
    page = client.get(url).get_data(as_text=True)
    table = page[page.index('<table class="browse-list">') : page.index("</table>")]
    listed = set(re.findall(r'<a href="(/doc/publication/[^"]+)\.html">', table))
    assert len(listed) == 4 and "(4 of 49)" in page
    assert page.count('class="chip"') == 2 and "Clear all" in page
    assert 'class="facet-map city-map"' in page, "the set's cities are on a map"
    csv_link = re.search(r'<a href="(/browse/publications\.csv\?[^"]+)" download>', page)
    assert csv_link is not None
    body = client.get(csv_link.group(1).replace("&amp;", "&"))
    rows = list(csv.DictReader(io.StringIO(body.get_data(as_text=True))))
    assert {row["item"].replace(CLIP + "id", "/doc") for row in rows} == listed
    described = re.search(r'<([^>]+)>; rel="describedby"', body.headers["Link"])
    assert described is not None
    asked = parse_qsl(urlsplit(csv_link.group(1).replace("&amp;", "&")).query)
    assert parse_qsl(urlsplit(described.group(1)).query) == asked, "the metadata describes the same state"
    editor = re.search(r'<a href="(/sparql\?query=[^"]+)">Open in the query editor', page)
    assert editor is not None
    query = dict(parse_qsl(urlsplit(editor.group(1).replace("&amp;", "&")).query))["query"]
    answered = client.post("/sparql", data={"query": query}, headers={"Accept": "application/sparql-results+json"})
    assert len(answered.get_json()["results"]["bindings"]) == 4


def test_a_state_without_filters_keeps_the_whole_list(client: FlaskClient, union: Graph) -> None:
    page = client.get("/browse/cities").get_data(as_text=True)
    assert "Filtered by" not in page and 'aria-labelledby="facets-heading"' in page
    assert len(re.findall(r'class="facet ', page)) >= 3


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("/facets", "name the set to narrow: /facets?kind="),
        ("/facets?q=wien", "for a search: /facets/search?q="),
        ("/facets/search", "name the set to narrow: /facets/search?q="),
        ("/facets/search.csv?kind=cities", "name the set to narrow"),
        ("/facets?kind=cities&f.nope:x=1", "prefix 'nope'"),
        ("/facets?kind=cities&f.<not an iri>=1", "expected prefix:name or <IRI>"),
        ("/facets?kind=cities&f.<a:%25zz>=1", "is not an absolute IRI"),
        ("/facets?kind=cities&f.clip:country/=x", "ends with '/'"),
        ("/facets?kind=cities&f.clip:a/clip:b/clip:c=x", "at most 2"),
        ("/facets?kind=cities&f.year(dcterms:issued)=20x9", "a year of four digits"),
        ("/facets?kind=cities&f.from(dcterms:issued)=99999", "a year of four digits"),
        ("/facets?kind=cities&f.language=not a tag", "language tag"),
        ("/facets?kind=cities&f.clip:country=", "1 to 2,000 characters"),
        ("/browse/cities?f.nope:x=1", "prefix 'nope'"),
        ("/browse/cities.csv?f.year(x:y)=2009", "prefix 'x'"),
        ("/search?q=wien&f.language=%3Cscript%3E", "language tag"),
    ],
)
def test_a_bad_filter_is_a_400_that_says_what_is_wrong(client: FlaskClient, url: str, message: str) -> None:
    response = client.get(url, headers={"Accept": "application/json"})
    assert response.status_code == 400 and message in response.get_data(as_text=True), response.get_data(as_text=True)


def test_an_unknown_list_is_a_404(client: FlaskClient) -> None:
    assert client.get("/facets?kind=atlantis").status_code == 404


def test_a_search_without_a_word_has_no_hits(client: FlaskClient) -> None:
    assert answer(client, "/facets/search?q=%20%09")["total"] == 0


def test_a_value_no_item_has_gives_an_empty_state(client: FlaskClient) -> None:
    state = answer(client, f"/facets?kind=cities&f.clip:country={CLIP}id/country/atlantis")
    assert state["total"] == 0 and state["items"] == []
    assert answer(client, "/facets?kind=cities&f.clip:country=a:%25zz")["total"] == 0, "not an IRI: compared as text"


@pytest.fixture
def every_backend(backend_app: Flask) -> FlaskClient:
    """A client of the site over each backend (not kept open: the embedded one shares the app with ``client``)."""
    return backend_app.test_client()


def test_every_backend_counts_the_same(every_backend: FlaskClient, client: FlaskClient) -> None:
    for url in (
        "/facets?kind=publications",
        f"/facets?kind=publications&f.clip:outputOf={HOUSING}&f.year(dcterms:issued)=2009",
        "/facets?kind=cities&f.language=de",
        "/facets/search?q=frankfurt&f.clip:aboutCity/clip:country=" + GERMANY,
    ):
        mine, theirs = answer(client, url), answer(every_backend, url)
        assert theirs["total"] == mine["total"], url
        assert _counts(theirs) == _counts(mine), url


def _counts(state: dict[str, Any]) -> dict[str, dict[str, int]]:
    return {f["key"]: {v["value"]: v["count"] for v in f["values"]} for f in state["facets"]}


def test_the_map_shows_the_places_of_the_set(client: FlaskClient, union: Graph) -> None:
    page = client.get("/browse/cities?f.clip:country=" + GERMANY).get_data(as_text=True)
    figure = page[page.index('<figure class="facet-map') : page.index("</figure>")]
    placed = members(
        union, "City", f"?item clip:country <{GERMANY}> ; <http://www.w3.org/2003/01/geo/wgs84_pos#lat> ?l"
    )
    assert len(re.findall(r"<circle ", figure)) == len(placed) == 3
    assert all(f'href="/doc/city/{URIRef(iri).split("/")[-1]}.html"' in figure for iri in placed)


def test_the_per_load_cache_drops_the_least_recently_used_first(app: Flask) -> None:
    from server.web.state import CACHE_LIMIT

    current = app.extensions["kg"]
    current.remember(("kept", 0), lambda: "home")
    for n in range(CACHE_LIMIT * 2):
        current.remember(("state", n), lambda n=n: n)
        current.remember(("kept", 0), lambda: "recomputed")  # used all along: never the oldest
    assert current.remember(("kept", 0), lambda: "recomputed") == "home"
    assert current.remember(("state", 0), lambda: "again") == "again", "the oldest state was dropped"
    assert current.remember(("state", CACHE_LIMIT * 2 - 1), lambda: "again") == CACHE_LIMIT * 2 - 1


def test_the_map_counts_the_items_linked_to_each_place(client: FlaskClient, union: Graph) -> None:
    state = f"?item clip:outputOf <{HOUSING}> ; clip:aboutCity/clip:country <{GERMANY}>"
    url = f"/browse/publications?f.clip:outputOf={HOUSING}&f.clip:aboutCity/clip:country={GERMANY}"
    page = client.get(url).get_data(as_text=True)
    figure = page[page.index('<figure class="facet-map') : page.index("</figure>")]
    shown = {name: int(count) for name, count in re.findall(r"<title>([^<:]+): (\d+)</title>", figure)}
    lat = "<http://www.w3.org/2003/01/geo/wgs84_pos#lat>"
    expected: dict[str, int] = {}
    named = '?place rdfs:label ?name FILTER(LANG(?name) = "en")'
    for row in union.query(
        f"{PREFIXES} SELECT ?name (COUNT(DISTINCT ?item) AS ?n) WHERE {{ ?item a/rdfs:subClassOf* clip:Publication . "
        f"{state} . ?item ?link ?place . ?place {lat} ?l . {named} }} GROUP BY ?name"
    ):
        expected[str(row[0])] = int(row[1])  # type: ignore[index]
    assert shown == expected and sum(shown.values()) >= 4
