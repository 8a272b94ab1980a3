"""The synthetic graph of the scale benchmark: deterministic, about the asked size, valid, with hubs.

Only the generator is tested here; the benchmark itself is run by hand (``clip-kg
benchmark --against-oxigraph``), since speed is never checked by timed unit tests.
"""

from __future__ import annotations

import gzip
from collections import Counter
from pathlib import Path

import pyoxigraph
import pytest

from server.cli.synthetic import BASE, Plan, generate, iri

IN_MODULE = pyoxigraph.NamedNode(f"{BASE}def/inModule")


@pytest.fixture(scope="module")
def small(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("synthetic") / "graph.nt"
    generate(path, 20_000, seed=7)
    return path


def load(path: Path) -> pyoxigraph.Store:
    store = pyoxigraph.Store()
    store.load(path=str(path), format=pyoxigraph.RdfFormat.N_TRIPLES)
    return store


def test_the_same_seed_gives_the_same_bytes(small: Path, tmp_path: Path) -> None:
    again = tmp_path / "again.nt"
    generate(again, 20_000, seed=7)
    assert again.read_bytes() == small.read_bytes()


def test_another_seed_gives_another_graph(small: Path, tmp_path: Path) -> None:
    other = tmp_path / "other.nt"
    generate(other, 20_000, seed=8)
    assert other.read_bytes() != small.read_bytes()


@pytest.mark.parametrize("triples", [10_000, 50_000])
def test_size_is_about_the_asked_one(tmp_path: Path, triples: int) -> None:
    summary = generate(tmp_path / "graph.nt", triples)
    lines = (tmp_path / "graph.nt").read_text(encoding="utf-8").count("\n")
    assert lines == summary.triples
    assert triples <= summary.triples < triples * 1.01


def test_parses_with_pyoxigraph_without_duplicates(small: Path) -> None:
    lines = small.read_text(encoding="utf-8").count("\n")
    assert len(load(small)) == lines


def test_the_hub_module_has_very_many_incoming_links(small: Path) -> None:
    store = load(small)
    per_module = Counter(quad.object.value for quad in store.quads_for_pattern(None, IN_MODULE, None))
    hub, count = per_module.most_common(1)[0]
    assert hub == iri("module", 0)
    assert count == Plan.for_size(20_000).hub_participations == 400
    assert count > sorted(per_module.values())[-2]


@pytest.mark.parametrize("triples", [1_000_000, 5_000_000])
def test_at_scale_the_hub_has_fifty_times_the_links_of_a_module_or_more(triples: int) -> None:
    plan = Plan.for_size(triples)
    assert plan.hub_participations == triples // 50
    assert plan.hub_participations > 50 * plan.participations / (plan.modules - 1)


def test_cities_have_labels_in_several_languages_and_coordinates(small: Path) -> None:
    store = load(small)
    city = pyoxigraph.NamedNode(iri("city", 0))
    languages = {
        quad.object.language
        for quad in store.quads_for_pattern(
            city, pyoxigraph.NamedNode("http://www.w3.org/2000/01/rdf-schema#label"), None
        )
    }
    assert languages == {"en", "de", "fr"}
    assert bool(store.query(f"ASK {{ <{city.value}> <http://www.w3.org/2003/01/geo/wgs84_pos#lat> ?lat }}"))
    ordered = store.query(
        "SELECT ?pos WHERE { ?a <http://bench.example.org/def/position> ?pos } ORDER BY DESC(?pos) LIMIT 1"
    )
    assert int(next(iter(ordered))["pos"].value) >= 2


def test_gzip_output_holds_the_same_triples(small: Path, tmp_path: Path) -> None:
    packed = tmp_path / "graph.nt.gz"
    generate(packed, 20_000, seed=7)
    assert gzip.decompress(packed.read_bytes()) == small.read_bytes()
    assert not list(tmp_path.glob("*.partial"))
