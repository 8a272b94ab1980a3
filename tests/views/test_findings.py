"""Findings, claimed values and statement evidence as page models read them, on a small graph of their own."""

from __future__ import annotations

import pytest
from rdflib import RDF, RDFS, XSD, Dataset, Literal, Namespace, URIRef
from rdflib.namespace import DCTERMS, SKOS

from server.engine.embedded import EmbeddedEngine
from server.engine.terms import Iri
from server.views import kinds, resource
from server.views.describer import Describer, term_key

from .published import BASE, Data

DEF, ID = Namespace(BASE + "def/"), Namespace(BASE + "id/")
THING, POLICY, CITY = ID["thing/report"], ID["policy/welcome"], ID["city/here"]


@pytest.fixture(scope="module")
def data() -> Data:
    dataset = Dataset()
    graph = dataset.graph(URIRef(BASE + "graph/asserted"))
    graph.add((ID["source/s0"], DEF.sourceId, Literal("S0")))
    graph.add((ID["source/s5"], DEF.sourceId, Literal("S5")))
    graph.add((POLICY, DEF.policyOf, CITY))

    def claim(slug: str, about: URIRef, prop: URIRef, value: Literal, qualifier: str | None = None) -> None:
        node = ID["claim/" + slug]
        graph.add((node, RDF.type, DEF.ValueClaim))
        graph.add((node, DEF.claimAbout, about))
        graph.add((node, DEF.claimedProperty, prop))
        graph.add((node, DEF.claimedValue, value))
        graph.add((node, DCTERMS.source, ID["source/s5"]))
        if qualifier:
            graph.add((node, DEF.countQualifier, Literal(qualifier)))

    claim("name-a", CITY, DEF.nameAsCited, Literal("Here"))
    claim("name-b", CITY, DEF.nameAsCited, Literal("Here"))
    claim("languages-a", POLICY, DEF.languageCount, Literal(20, datatype=XSD.nonNegativeInteger), "about")
    claim("languages-b", POLICY, DEF.languageCount, Literal(20, datatype=XSD.nonNegativeInteger), "exactly")
    claim("languages-c", POLICY, DEF.languageCount, Literal(20, datatype=XSD.nonNegativeInteger))
    for slug, kind, about in (("figure", DEF.LocalFigure, POLICY), ("advice", DEF.Recommendation, CITY)):
        node = ID["finding/" + slug]
        graph.add((node, RDF.type, kind))
        graph.add((node, DEF.findingText, Literal(f"The {slug}.", lang="en")))
        graph.add((node, DEF.findingAbout, about))
        graph.add((node, DCTERMS.source, ID["source/s0"]))
        graph.add((node, SKOS.note, Literal("A note.", lang="en")))
    graph.add((THING, DCTERMS.title, Literal("A plain title")))
    graph.add((THING, RDFS.comment, Literal("A plain title")))
    statement = ID["statement/title"]
    for p, o in ((RDF.subject, THING), (RDF.predicate, DCTERMS.title), (RDF.object, Literal("A plain title"))):
        graph.add((statement, p, o))
    graph.add((statement, DEF.evidenceLevel, DEF.ProjectDescriptionOnly))
    graph.add((statement, DCTERMS.source, ID["source/s0"]))
    return Data(EmbeddedEngine(dataset))


def test_values_that_differ_only_in_their_qualifier_are_disputed(data: Data) -> None:
    describer = Describer(data, ["en"])
    _, claims = kinds.related(describer, str(POLICY))
    (row,) = kinds.claim_rows(describer, claims)
    assert row["disputed"] and {v["qualifier"] for v in row["values"]} == {"about", ""}


def test_values_that_agree_are_not_disputed(data: Data) -> None:
    describer = Describer(data, ["en"])
    _, claims = kinds.related(describer, str(CITY))
    (row,) = kinds.claim_rows(describer, claims)
    assert not row["disputed"] and len(row["values"]) == 2


def test_a_city_has_its_own_findings_and_those_about_its_policies(data: Data) -> None:
    describer = Describer(data, ["en"])
    found, _ = kinds.related(describer, str(CITY))
    assert found == {str(ID["finding/advice"]): "", str(ID["finding/figure"]): str(POLICY)}
    rows = kinds.finding_rows(describer, str(CITY), found)
    assert [(row["kind"], row["also"][0].value if row["also"] else None) for row in rows] == [
        ("recommendation", None),
        ("figure", str(POLICY)),
    ]
    assert [source.text for source in rows[0]["sources"]] == ["S0"]


def test_the_evidence_of_a_statement_is_keyed_by_its_triple(data: Data) -> None:
    describer = Describer(data, ["en"])
    evidence = resource.statement_evidence(describer, str(THING))
    (title,) = data.engine.quads(Iri(str(THING)), str(DCTERMS.title))
    (found,) = evidence[(str(DCTERMS.title), term_key(title.object))]
    assert (found.statement, found.badge, [s.text for s in found.sources]) == (
        str(ID["statement/title"]),
        "S0 only",
        ["S0"],
    )
    assert (str(RDFS.comment), term_key(title.object)) not in evidence  # the same value, another property
