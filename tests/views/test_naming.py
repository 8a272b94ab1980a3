"""Page models read the data through ``Published`` alone: no Flask, no web state, any engine.

A small dataset under its own base, served by the embedded engine, is enough to check how
resources are named, compacted, typed and found.
"""

from __future__ import annotations

import pytest
from rdflib import RDF, RDFS, Dataset, Literal, Namespace, URIRef

from server.engine.embedded import EmbeddedEngine
from server.engine.terms import Iri
from server.views.naming import Lookup, natural, pick_label
from server.views.search import find, similar_labels

from .published import BASE, Data

DEF, ID = Namespace(BASE + "def/"), Namespace(BASE + "id/")


@pytest.fixture(scope="module")
def data() -> Data:
    dataset = Dataset()
    graph = dataset.graph(URIRef(BASE + "graph/asserted"))
    graph.add((DEF.City, RDFS.subClassOf, DEF.Place))
    graph.add((ID["city/wroclaw"], RDF.type, DEF.City))
    graph.add((ID["city/wroclaw"], RDF.type, DEF.Place))
    graph.add((ID["city/wroclaw"], RDFS.label, Literal("Wrocław", lang="pl")))
    graph.add((ID["city/wroclaw"], RDFS.label, Literal("Breslau", lang="de")))
    graph.add((ID["city/wroclaw"], RDFS.label, Literal("Wroclaw", lang="en")))
    graph.add((ID["city/turku"], RDF.type, DEF.City))
    graph.add((ID["city/turku"], RDFS.label, Literal("Turku")))
    return Data(EmbeddedEngine(dataset))


def test_a_name_is_picked_in_the_readers_language(data: Data) -> None:
    assert Lookup(data, ["de", "en"]).name(BASE + "id/city/wroclaw") == "Breslau"
    english = Lookup(data, ["fr", "en"]).label(BASE + "id/city/wroclaw")
    assert english is not None and (english.text, english.fallback) == ("Wroclaw", True)


def test_an_untagged_name_beats_another_language() -> None:
    label = pick_label([("Turku", ""), ("Åbo", "sv")], ["fi"])
    assert label is not None and (label.text, label.fallback) == ("Turku", False)


@pytest.mark.parametrize("languages", [["de"], ["fr", "en"], ["pl"], ["fi"]])
def test_naming_all_instances_at_once_gives_each_one_its_own_name(data: Data, languages: list[str]) -> None:
    one_by_one, at_once = Lookup(data, languages), Lookup(data, languages)
    at_once.name_instances(Iri(BASE + "def/City"))
    for city in ("city/wroclaw", "city/turku"):
        assert at_once._labels[BASE + "id/" + city] == one_by_one.label(BASE + "id/" + city)


def test_names_fall_back_to_compact_iris(data: Data) -> None:
    lookup = Lookup(data, ["en"])
    assert lookup.name(BASE + "id/city/nowhere") == "city/nowhere"
    assert lookup.name(BASE + "def/Place") == "ex:Place"
    assert lookup.name("http://elsewhere.org/x") == "http://elsewhere.org/x"


def test_the_most_specific_class_is_the_kind(data: Data) -> None:
    assert Lookup(data, ["en"]).kind(BASE + "id/city/wroclaw") == BASE + "def/City"


def test_search_ignores_case_and_accents(data: Data) -> None:
    hits = find(data, "WROCŁAW", ["en"])
    assert [(hit.iri, hit.match) for hit in hits] == [(BASE + "id/city/wroclaw", "exact")]
    assert [hit.iri for hit in similar_labels(data, "turky", ["en"], 3)] == [BASE + "id/city/turku"]


def test_natural_order_puts_s2_before_s10() -> None:
    assert sorted(["S10", "S2", "M1.10", "M1.2"], key=natural) == ["M1.2", "M1.10", "S2", "S10"]
