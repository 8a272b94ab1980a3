"""The build: named graphs, other bases, other data, refusal of bad data."""

from __future__ import annotations

from pathlib import Path

import pytest
from rdflib import URIRef

from server.config import Settings
from server.errors import NotConforming
from server.kg.build import KnowledgeGraph, build

from ..conftest import DATA, OTHER_BASE


def test_dataset_has_ontology_asserted_and_inferred_graphs(clip_kg: KnowledgeGraph) -> None:
    names = clip_kg.graph_names()
    assert "https://w3id.org/clip-network/graph/ontology" in names
    assert "https://w3id.org/clip-network/graph/asserted" in names
    assert len(clip_kg.graph("ontology")) > 500
    assert len(clip_kg.graph("asserted")) > 5000


def test_another_base_rewrites_every_clip_iri(other_base_kg: KnowledgeGraph) -> None:
    quads = other_base_kg.dataset.quads((None, None, None, None))
    iris = {str(t) for quad in quads for t in quad[:3] if isinstance(t, URIRef)}
    assert not [i for i in iris if i.startswith("https://w3id.org/clip-network/")]
    assert f"{OTHER_BASE}id/city/vienna" in iris
    assert f"{OTHER_BASE}graph/asserted" in other_base_kg.graph_names()


def test_any_rdf_file_builds_without_ontology_or_shapes(tmp_path: Path) -> None:
    kg = build(Settings(data_files=(DATA / "cli" / "other.ttl",), cache_dir=tmp_path))
    assert kg.quads == 5 and kg.graph_names() == []  # a triple file goes into the default graph, as in Oxigraph
    assert len(kg.dataset.default_graph) == 5
    assert len(kg.graph("ontology")) == 0
    assert kg.validation is None


def test_data_breaking_the_shapes_is_refused_with_the_report(tmp_path: Path) -> None:
    with pytest.raises(NotConforming, match="a participation is in exactly one clip:ResearchModule"):
        build(
            Settings(
                data_files=(DATA / "cli" / "missing-required.ttl",),
                shapes_files=tuple(sorted(Path("shapes").resolve().glob("*.ttl"))),
                ontology_files=(Path("ontology/clip.ttl").resolve(),),
                cache_dir=tmp_path,
                reasoning=False,
            )
        )


def test_settings_refuse_a_base_without_trailing_slash() -> None:
    from server.errors import BadInput

    with pytest.raises(BadInput, match="must end with"):
        Settings(base_uri="http://example.org/clip")


def test_named_graphs_of_quad_files_stay_named(tmp_path: Path) -> None:
    kg = build(Settings(data_files=(DATA / "cli" / "other.trig",), cache_dir=tmp_path))
    assert len(kg.dataset.default_graph) == 1
    assert "http://example.org/provenance" in kg.graph_names()
    named = kg.dataset.graph(URIRef("http://example.org/provenance"))
    assert len(named) == 1


def test_app_serves_other_data_over_sparql(tmp_path: Path) -> None:
    from server.web.app import create_app

    app = create_app(Settings(data_files=(DATA / "cli" / "other.ttl",), cache_dir=tmp_path))
    response = app.test_client().get("/sparql", query_string={"query": "SELECT (COUNT(*) AS ?n) { ?s ?p ?o }"})
    assert response.json["results"]["bindings"][0]["n"]["value"] == "5"  # type: ignore[index]


def test_the_data_version_follows_the_inputs_and_the_settings_that_shape_the_dataset(tmp_path: Path) -> None:
    other, trig = DATA / "cli" / "other.ttl", DATA / "cli" / "other.trig"
    version = build(Settings(data_files=(other,), cache_dir=tmp_path)).version
    assert len(version) == 32
    assert build(Settings(data_files=(other,), cache_dir=tmp_path, port=5001)).version == version
    changed = [
        Settings(data_files=(trig,), cache_dir=tmp_path),
        Settings(data_files=(other,), cache_dir=tmp_path, base_uri="http://127.0.0.1:8123/"),
        Settings(data_files=(other,), cache_dir=tmp_path, reasoning=False),
    ]
    assert all(build(settings).version != version for settings in changed)


def test_a_large_input_is_announced_with_an_estimate_and_how_to_skip(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from server.kg import build as building

    shapes = tmp_path / "shapes.ttl"
    shapes.write_text(
        "@prefix sh: <http://www.w3.org/ns/shacl#> .\n"
        "<http://example.org/shape> a sh:NodeShape ; sh:targetClass <http://example.org/None> .\n",
        encoding="utf-8",
    )
    messages: list[str] = []
    settings = Settings(data_files=(DATA / "cli" / "other.ttl",), shapes_files=(shapes,), cache_dir=tmp_path)
    build(settings, messages.append)
    assert not any("triples/s measured here" in message for message in messages)
    monkeypatch.setattr(building, "LARGE_INPUT", 1)
    build(settings.with_overrides(cache_dir=tmp_path / "again"), messages.append)
    warning = next(message for message in messages if "triples/s measured here" in message)
    assert warning.startswith("pySHACL on ") and warning.endswith("to skip validation, leave out --shapes")
