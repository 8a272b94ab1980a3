"""A city page's map: every city while there are few, the nearest (and how many of how many) past the limit."""

from __future__ import annotations

import pytest
from rdflib import RDF, RDFS, Dataset, Literal, Namespace, URIRef

from server.engine.embedded import EmbeddedEngine
from server.views import kinds
from server.views.describer import Describer

from .published import BASE, Data

DEF, ID = Namespace(BASE + "def/"), Namespace(BASE + "id/")
GEO = Namespace("http://www.w3.org/2003/01/geo/wgs84_pos#")
PLACES = {"vienna": (48.2, 16.4), "bratislava": (48.1, 17.1), "brno": (49.2, 16.6), "lisbon": (38.7, -9.1),
          "dublin": (53.3, -6.3), "tallinn": (59.4, 24.7)}  # fmt: skip


@pytest.fixture(scope="module")
def data() -> Data:
    dataset = Dataset()
    graph = dataset.graph(URIRef(BASE + "graph/asserted"))
    for slug, (lat, long) in PLACES.items():
        city = ID["city/" + slug]
        graph.add((city, RDF.type, DEF.City))
        graph.add((city, RDFS.label, Literal(slug.title(), lang="en")))
        graph.add((city, GEO.lat, Literal(lat)))
        graph.add((city, GEO.long, Literal(long)))
    return Data(EmbeddedEngine(dataset))


def names(found: kinds.Row | None) -> list[str]:
    assert found is not None
    return sorted(dot["name"] for dot in found["dots"])


def test_every_city_is_a_named_dot_while_there_are_few(data: Data) -> None:
    found = kinds.city_map(Describer(data, ["en"]), BASE + "id/city/vienna")
    assert names(found) == sorted(slug.title() for slug in PLACES)
    assert found is not None and found["total"] == 6
    assert [dot["name"] for dot in found["dots"] if dot["here"]] == ["Vienna"]


def test_past_the_limit_the_nearest_are_drawn_and_the_total_is_kept(
    data: Data, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(kinds, "MAP_LIMIT", 3)
    found = kinds.city_map(Describer(data, ["en"]), BASE + "id/city/vienna")
    assert names(found) == ["Bratislava", "Brno", "Vienna"]
    assert found is not None and found["total"] == 6
