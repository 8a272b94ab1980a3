"""Incoming links are counted and paged by the engine, so a hub's page reads one page of them, not all."""

from __future__ import annotations

from typing import Any

import pytest
from rdflib import Dataset, Namespace, URIRef

from server.engine.embedded import EmbeddedEngine
from server.engine.terms import Quad, Term
from server.views import resource
from server.views.describer import Describer

from .published import BASE, Data

DEF, ID = Namespace(BASE + "def/"), Namespace(BASE + "id/")
HUB, LINKS = BASE + "id/module/hub", 95


class Recording(EmbeddedEngine):
    """An engine that notes every pattern the page reads quads by."""

    patterns: list[tuple[Any, ...]]

    def quads(self, subject: Term | None = None, predicate: str | None = None, obj: Term | None = None) -> list[Quad]:
        self.patterns.append((subject, predicate, obj))
        return super().quads(subject, predicate, obj)


@pytest.fixture(scope="module")
def data() -> Data:
    dataset = Dataset()
    graph = dataset.graph(URIRef(BASE + "graph/asserted"))
    for number in range(LINKS):
        graph.add((ID[f"participation/{number}"], DEF.inModule, URIRef(HUB)))
    graph.add((ID["city/a"], DEF.memberOf, URIRef(HUB)))
    engine = Recording(dataset)
    engine.patterns = []
    return Data(engine)


def group(data: Data, args: dict[str, str]) -> resource.Group:
    groups = resource.incoming_groups(Describer(data, ["en"]), HUB, args)
    return next(g for g in groups if g.predicate.value == str(DEF.inModule))


@pytest.mark.parametrize("sorted_up_to", [1_000, 10])
def test_every_link_is_on_exactly_one_page(data: Data, monkeypatch: pytest.MonkeyPatch, sorted_up_to: int) -> None:
    monkeypatch.setattr(resource, "SORTED_UP_TO", sorted_up_to)
    seen: list[str] = []
    for offset in range(0, LINKS, resource.PAGE_SIZE):
        page = group(data, {"in": str(DEF.inModule), "offset": str(offset)})
        assert (page.total, page.offset) == (LINKS, offset)
        seen += [statement.other.value for statement in page.statements]
    assert sorted(seen) == sorted(f"{BASE}id/participation/{n}" for n in range(LINKS))


def test_a_large_group_reads_one_page_of_links_not_all(data: Data, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(resource, "SORTED_UP_TO", 10)
    engine = data.engine
    assert isinstance(engine, Recording)
    engine.patterns.clear()
    page = group(data, {})
    assert len(page.statements) == resource.PAGE_SIZE and page.next is not None
    wide = [p for p in engine.patterns if p[0] is None and p[1] == str(DEF.inModule)]
    assert wide == [], "the whole group was read"
    assert len([p for p in engine.patterns if p[1] == str(DEF.inModule)]) == resource.PAGE_SIZE


def test_a_small_group_stays_in_name_order(data: Data) -> None:
    page = group(data, {})
    shown = [statement.other.value.rsplit("/", 1)[1] for statement in page.statements]
    assert shown == [str(n) for n in range(resource.PAGE_SIZE)]  # natural order: 0, 1, 2, ... not 0, 1, 10
