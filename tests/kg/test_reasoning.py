"""Reasoning with HermiT: inferences land in their own graph, apart from asserted data."""

from __future__ import annotations

import pytest
from rdflib import Graph, Namespace

from server.kg.build import KnowledgeGraph
from server.namespaces import CLIP, ORG, SCHEMA

from ..conftest import needs_java

ID = Namespace("https://w3id.org/clip-network/id/")
CITY = Namespace(ID + "city/")
MODULE = Namespace(ID + "module/")

pytestmark = needs_java


@pytest.fixture(scope="module")
def inferred(clip_kg: KnowledgeGraph) -> Graph:
    return clip_kg.graph("inferred")


@pytest.fixture(scope="module")
def asserted(clip_kg: KnowledgeGraph) -> Graph:
    return clip_kg.graph("asserted")


def test_chain_city_took_part_in_module_is_inferred_not_asserted(inferred: Graph, asserted: Graph) -> None:
    triple = (CITY.zurich, CLIP.tookPartIn, MODULE.intercultural)
    assert triple in inferred
    assert triple not in asserted


def test_every_participation_yields_took_part_in(inferred: Graph, asserted: Graph) -> None:
    for participation in asserted.subjects(CLIP.participant, None):
        city = asserted.value(participation, CLIP.participant)
        module = asserted.value(participation, CLIP.inModule)
        assert (city, CLIP.tookPartIn, module) in inferred


def test_inverse_of_chain_is_inferred(inferred: Graph) -> None:
    assert (MODULE.entrepreneurship, CLIP.studiedCity, CITY.arnsberg) in inferred


def test_membership_chain_makes_cities_members_of_the_network(inferred: Graph) -> None:
    assert (CITY.tallinn, CLIP.memberOf, ID["network/clip"]) in inferred


def test_classification_adds_superclasses(inferred: Graph, asserted: Graph) -> None:
    from rdflib.namespace import RDF

    assert (CITY.vienna, RDF.type, SCHEMA.City) in inferred
    assert (CITY.vienna, RDF.type, CLIP.Place) in inferred
    assert (CITY.vienna, RDF.type, SCHEMA.City) not in asserted


def test_mapped_super_properties_are_materialised(inferred: Graph) -> None:
    membership = ID["membership/vienna-steering-committee"]
    assert (membership, ORG.member, CITY.vienna) in inferred


def test_inferred_graph_repeats_nothing_asserted(inferred: Graph, asserted: Graph) -> None:
    assert not set(inferred) & set(asserted)


def test_second_build_reuses_cached_inferences(clip_kg: KnowledgeGraph, settings) -> None:  # type: ignore[no-untyped-def]
    from rdflib.compare import isomorphic

    from server.kg.build import build

    again = build(settings)
    assert again.inferred_from_cache
    assert isomorphic(again.graph("inferred"), clip_kg.graph("inferred"))
