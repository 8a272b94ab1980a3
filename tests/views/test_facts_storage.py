"""The dataset facts kept beside the store of their data version: written whole, read back equal, or not at all."""

from __future__ import annotations

import dataclasses
import json
import os
from pathlib import Path
from typing import Any

import pytest

from server.engine.embedded import EmbeddedEngine
from server.engine.terms import RDF_LANG_STRING, BlankNode, Iri, Literal, Term
from server.kg.build import KnowledgeGraph
from server.views.facts import (
    FORMAT,
    DatasetFacts,
    Linkset,
    Network,
    dataset_facts,
    load_facts,
    save_facts,
    stored_facts,
)

from .published import BASE

XSD = "http://www.w3.org/2001/XMLSchema#"

MADE_UP = DatasetFacts(
    base=BASE,
    triples=12,
    subjects=4,
    objects=7,
    entities=3,
    classes=((BASE + "def/City", 2), (BASE + "def/Network", 1)),
    class_sizes=((BASE + "def/City", 3), (BASE + "def/Network", 1)),
    properties=((BASE + "def/geonames", 2),),
    graphs=((BASE + "graph/asserted", 12),),
    examples=(BASE + "id/city/wien",),
    network=Network(
        iri=BASE + "id/network/clip",
        label="CLIP",
        name="Cities for Local Integration Policy",
        acronym="CLIP",
        description="A network of European cities.",
        start=Literal("2006", datatype=XSD + "gYear"),
        note="spring 2006",
    ),
    licence=BlankNode("licence"),
    ontology=BASE + "def/",
    first_date=Literal("2006", datatype=XSD + "gYear"),
    last_date=Literal("2012-11-27", datatype=XSD + "date"),
    spatial=("https://sws.geonames.org/2782113/",),
    keywords=("CLIP", "Wohnen in Wien", "ÄÖÜ — “quoted”"),
    linksets=(
        Linkset("geonames", "GeoNames", "https://www.geonames.org/", "https://sws.geonames.org/", 2, "CC-BY 4.0", None),
        Linkset("wikidata", "Wikidata", "https://www.wikidata.org/", "http://www.wikidata.org/entity/", 1, None, "!"),
    ),
)
"""Facts with every field filled, non-ASCII text and a blank node licence."""

NONE_EVERYWHERE = dataclasses.replace(
    MADE_UP,
    classes=(),
    class_sizes=(),
    properties=(),
    graphs=(),
    examples=(),
    network=Network(BASE + "id/network/x", "x", None, None, None, None, None),
    licence=None,
    ontology=None,
    first_date=None,
    last_date=None,
    spatial=(),
    keywords=(),
    linksets=(Linkset("geonames", "GeoNames", "h", "s", 0, None, None),),
)
"""Facts with None in every optional field (the network's and the linksets' too) and empty tuples."""


class QueriesRaise:
    """An engine that fails any query: facts read from it cannot have been read from the file."""

    def __getattr__(self, name: str) -> Any:
        def fail(*args: Any, **kwargs: Any) -> Any:
            raise AssertionError(f"the engine was asked: {name}")

        return fail


@pytest.fixture(scope="module")
def clip_engine(clip_kg: KnowledgeGraph) -> EmbeddedEngine:
    return EmbeddedEngine(clip_kg.dataset)


@pytest.fixture(scope="module")
def clip_facts(clip_engine: EmbeddedEngine, clip_kg: KnowledgeGraph) -> DatasetFacts:
    return dataset_facts(clip_engine, clip_kg.base, clip_kg.graph_names())


def saved(facts: DatasetFacts, path: Path) -> dict[str, Any]:
    """The JSON save_facts writes for the facts, to spoil."""
    save_facts(facts, path)
    document: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return document


def test_the_clip_graphs_facts_come_back_equal(clip_facts: DatasetFacts, tmp_path: Path) -> None:
    assert clip_facts.network and clip_facts.network.start and clip_facts.licence and clip_facts.linksets
    assert clip_facts.first_date and clip_facts.last_date  # every kind of field is exercised
    save_facts(clip_facts, tmp_path / "facts.json")
    assert load_facts(tmp_path / "facts.json") == clip_facts


@pytest.mark.parametrize("facts", [MADE_UP, NONE_EVERYWHERE], ids=["filled", "none-everywhere"])
def test_facts_come_back_equal(facts: DatasetFacts, tmp_path: Path) -> None:
    save_facts(facts, tmp_path / "facts.json")
    loaded = load_facts(tmp_path / "facts.json")
    assert loaded == facts  # a list is never equal to a tuple: the pairs came back as tuples
    assert loaded is not None and loaded.years == facts.years


@pytest.mark.parametrize(
    "term",
    [
        Iri("http://example.org/x"),
        BlankNode("http://example.org/x"),
        Literal("http://example.org/x"),
        Literal("Wien", language="de-AT"),
        Literal("http://example.org/x", datatype=XSD + "anyURI"),
        Literal("", datatype=XSD + "string"),
    ],
)
def test_a_term_keeps_its_kind_language_and_datatype(term: Term, tmp_path: Path) -> None:
    save_facts(dataclasses.replace(MADE_UP, licence=term), tmp_path / "facts.json")
    loaded = load_facts(tmp_path / "facts.json")
    assert loaded is not None and type(loaded.licence) is type(term) and loaded.licence == term


def test_a_language_tagged_literal_keeps_its_datatype(tmp_path: Path) -> None:
    save_facts(dataclasses.replace(MADE_UP, licence=Literal("x", language="en")), tmp_path / "facts.json")
    loaded = load_facts(tmp_path / "facts.json")
    assert loaded is not None and isinstance(loaded.licence, Literal)
    assert (loaded.licence.language, loaded.licence.datatype) == ("en", RDF_LANG_STRING)


def test_the_file_is_written_whole_and_nothing_else_is_left(tmp_path: Path) -> None:
    save_facts(NONE_EVERYWHERE, tmp_path / "facts.json")
    save_facts(MADE_UP, tmp_path / "facts.json")  # replaces the older file
    assert [path.name for path in tmp_path.iterdir()] == ["facts.json"]
    assert load_facts(tmp_path / "facts.json") == MADE_UP


def test_a_failed_write_leaves_the_old_file_and_no_temporary(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    save_facts(MADE_UP, tmp_path / "facts.json")

    def no_space(*args: Any) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", no_space)
    with pytest.raises(OSError, match="No space"):
        save_facts(NONE_EVERYWHERE, tmp_path / "facts.json")
    assert [path.name for path in tmp_path.iterdir()] == ["facts.json"]
    assert load_facts(tmp_path / "facts.json") == MADE_UP


def test_a_missing_file_is_none(tmp_path: Path) -> None:
    assert load_facts(tmp_path / "facts.json") is None


def test_an_unreadable_file_is_none(tmp_path: Path) -> None:
    (tmp_path / "facts.json").mkdir()
    assert load_facts(tmp_path / "facts.json") is None
    (tmp_path / "bytes.json").write_bytes(b'{"format": 1, "facts": "\xff"}')
    assert load_facts(tmp_path / "bytes.json") is None


@pytest.mark.parametrize("version", [FORMAT - 1, FORMAT + 1, str(FORMAT), True, None])
def test_a_file_of_another_format_is_none(version: object, tmp_path: Path) -> None:
    path = tmp_path / "facts.json"
    document = saved(MADE_UP, path)
    path.write_text(json.dumps({**document, "format": version}), encoding="utf-8")
    assert load_facts(path) is None


def test_truncated_json_is_none(tmp_path: Path) -> None:
    path = tmp_path / "facts.json"
    save_facts(MADE_UP, path)
    text = path.read_bytes()
    for end in (0, 1, len(text) // 2, len(text) - 1):
        path.write_bytes(text[:end])
        assert load_facts(path) is None, end


WRONG_SHAPES: dict[str, Any] = {
    "not an object": lambda d: [d],
    "no facts": lambda d: {"format": FORMAT},
    "an extra key": lambda d: {**d, "more": 1},
    "facts not an object": lambda d: {**d, "facts": [1, 2]},
    "a field dropped": lambda d: {**d, "facts": {k: v for k, v in d["facts"].items() if k != "ontology"}},
    "a field added": lambda d: {**d, "facts": {**d["facts"], "colour": "blue"}},
    "a count as a string": lambda d: {**d, "facts": {**d["facts"], "triples": "12"}},
    "a count as a boolean": lambda d: {**d, "facts": {**d["facts"], "triples": True}},
    "a count as a float": lambda d: {**d, "facts": {**d["facts"], "triples": 12.0}},
    "a pair of three": lambda d: {**d, "facts": {**d["facts"], "classes": [["c", 1, 2]]}},
    "a pair as an object": lambda d: {**d, "facts": {**d["facts"], "graphs": [{"g": 1}]}},
    "a string for a tuple": lambda d: {**d, "facts": {**d["facts"], "keywords": "CLIP"}},
    "a term of no kind": lambda d: {**d, "facts": {**d["facts"], "licence": {"type": "quoted", "value": "x"}}},
    "an IRI for a date": lambda d: {**d, "facts": {**d["facts"], "first_date": {"type": "uri", "value": "x"}}},
    "a literal without datatype": lambda d: {
        **d,
        "facts": {**d["facts"], "last_date": {"type": "literal", "value": "2012", "xml:lang": ""}},
    },
    "a network without a label": lambda d: {
        **d,
        "facts": {**d["facts"], "network": {k: v for k, v in d["facts"]["network"].items() if k != "label"}},
    },
    "a linkset as an array": lambda d: {**d, "facts": {**d["facts"], "linksets": [list(d["facts"]["linksets"][0])]}},
    "null for a required field": lambda d: {**d, "facts": {**d["facts"], "base": None}},
}


@pytest.mark.parametrize("spoil", WRONG_SHAPES.values(), ids=WRONG_SHAPES.keys())
def test_json_of_the_wrong_shape_is_none(spoil: Any, tmp_path: Path) -> None:
    path = tmp_path / "facts.json"
    path.write_text(json.dumps(spoil(saved(MADE_UP, path))), encoding="utf-8")
    assert load_facts(path) is None


def test_deeply_nested_json_is_none(tmp_path: Path) -> None:
    (tmp_path / "facts.json").write_text("[" * 100_000 + "]" * 100_000, encoding="utf-8")
    assert load_facts(tmp_path / "facts.json") is None


def test_stored_facts_are_queried_once_then_read(
    clip_engine: EmbeddedEngine, clip_kg: KnowledgeGraph, clip_facts: DatasetFacts, tmp_path: Path
) -> None:
    path = tmp_path / "facts.json"
    first = stored_facts(clip_engine, clip_kg.base, clip_kg.graph_names(), path)
    assert first == clip_facts and path.exists()
    again = stored_facts(QueriesRaise(), clip_kg.base, clip_kg.graph_names(), path)
    assert again == clip_facts


def test_stored_facts_query_again_over_a_bad_file_and_replace_it(tmp_path: Path) -> None:
    path = tmp_path / "facts.json"
    path.write_text('{"format": 1, "fac', encoding="utf-8")
    engine = EmbeddedEngine()
    queried = stored_facts(engine, BASE, [], path)
    assert queried == dataset_facts(engine, BASE, [])
    assert load_facts(path) == queried


@pytest.mark.parametrize(
    ("base", "graphs"), [("http://example.com/other/", [BASE + "graph/asserted"]), (BASE, [BASE + "graph/other"])]
)
def test_stored_facts_of_another_base_or_other_graphs_are_queried_again(
    base: str, graphs: list[str], tmp_path: Path
) -> None:
    path = tmp_path / "facts.json"
    save_facts(MADE_UP, path)
    queried = stored_facts(EmbeddedEngine(), base, graphs, path)
    assert queried.base == base and [name for name, _ in queried.graphs] == graphs
    assert load_facts(path) == queried


SHAPE_AT_FORMAT_1 = {
    "DatasetFacts": "base: str, triples: int, subjects: int, objects: int, entities: int, "
    "classes: tuple[tuple[str, int], ...], class_sizes: tuple[tuple[str, int], ...], "
    "properties: tuple[tuple[str, int], ...], graphs: tuple[tuple[str, int], ...], examples: tuple[str, ...], "
    "network: Network | None, licence: Term | None, ontology: str | None, first_date: Literal | None, "
    "last_date: Literal | None, spatial: tuple[str, ...], keywords: tuple[str, ...], linksets: tuple[Linkset, ...]",
    "Network": "iri: str, label: str, name: str | None, acronym: str | None, description: str | None, "
    "start: Literal | None, note: str | None",
    "Linkset": "key: str, title: str, homepage: str, space: str, triples: int, "
    "licence: str | None, caution: str | None",
}


def test_the_dataclasses_are_those_format_1_stores() -> None:
    """A changed dataclass fails here: bump FORMAT (old files are then recomputed) and record its fields."""
    shape = {
        cls.__name__: ", ".join(f"{field.name}: {field.type}" for field in dataclasses.fields(cls))
        for cls in (DatasetFacts, Network, Linkset)
    }
    assert (FORMAT, shape) == (1, SHAPE_AT_FORMAT_1)
