"""Data-quality gates on the CLIP graph: sources, order of authors, completeness."""

from __future__ import annotations

import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, RDF, RDFS, SKOS

from server.cli.commands import curated_files
from server.cli.report import REPORT_FILE, data_report
from server.config import PROJECT_ROOT
from server.kg.build import KnowledgeGraph
from server.kg.loading import parse_files
from server.kg.places import enrich
from server.namespaces import CANONICAL_BASE, CLIP

from ..conftest import JAVA_MISSING, missing_tool

ID = CANONICAL_BASE + "id/"


@pytest.fixture(scope="module")
def asserted(clip_kg: KnowledgeGraph) -> Graph:
    return clip_kg.graph("asserted")


def instances(graph: Graph, cls: URIRef) -> list[URIRef]:
    return sorted(s for s in graph.subjects(RDF.type, cls) if isinstance(s, URIRef))


def test_thirty_two_member_cities(asserted: Graph) -> None:
    assert len(instances(asserted, CLIP.City)) == 32


def test_four_modules_with_stated_city_counts(asserted: Graph) -> None:
    modules = instances(asserted, CLIP.ResearchModule)
    assert len(modules) == 4
    for module in modules:
        claims = list(asserted.subjects(CLIP.claimAbout, module))
        assert any((c, CLIP.statedCityCount, None) in asserted for c in claims), module


def test_every_typed_resource_cites_a_source(asserted: Graph) -> None:
    subjects = {s for s in asserted.subjects(RDF.type, None) if isinstance(s, URIRef)}
    assert sorted(str(s) for s in subjects if (s, DCTERMS.source, None) not in asserted) == []


def test_every_cited_source_is_a_source_resource(asserted: Graph) -> None:
    cited = set(asserted.objects(None, DCTERMS.source))
    assert sorted(str(s) for s in cited if (s, RDF.type, CLIP.Source) not in asserted) == []


def test_every_participation_has_a_source(asserted: Graph) -> None:
    participations = instances(asserted, CLIP.Participation)
    assert len(participations) == 33
    assert all((p, DCTERMS.source, None) in asserted for p in participations)


def test_every_reference_to_our_namespace_is_described(asserted: Graph) -> None:
    """No dangling links: every id/ IRI used as an object is a subject somewhere."""
    subjects = set(asserted.subjects())
    dangling = {o for o in asserted.objects() if isinstance(o, URIRef) and str(o).startswith(ID) and o not in subjects}
    assert sorted(map(str, dangling)) == []


def test_publications_keep_their_authors_in_order(asserted: Graph) -> None:
    for publication in instances(asserted, CLIP.Publication):
        positions = sorted(
            int(asserted.value(a, CLIP.position)) for a in asserted.objects(publication, CLIP.authorship)
        )  # type: ignore[arg-type]
        assert positions == list(range(1, len(positions) + 1)), publication


def test_module_3_overview_authors_in_the_repository_order(asserted: Graph) -> None:
    publication = URIRef(ID + "publication/intercultural-policies-in-european-cities")
    by_position = {
        int(asserted.value(a, CLIP.position)): str(asserted.value(a, CLIP.nameAsCited))  # type: ignore[arg-type]
        for a in asserted.objects(publication, CLIP.authorship)
    }
    names = [by_position[i].split(",")[0] for i in sorted(by_position)]
    assert names[:3] == ["Lüken-Klaßen", "Heckmann", "Crawley"]
    assert names[-1] == "Matusz"
    assert len(names) == 18


def test_project_description_only_facts_are_marked_and_cite_s0(asserted: Graph) -> None:
    s0 = URIRef(ID + "source/s0")
    marked = set(asserted.subjects(CLIP.evidenceLevel, CLIP.ProjectDescriptionOnly))
    assert marked
    assert all((m, DCTERMS.source, s0) in asserted for m in marked)


def test_invalid_isbn_of_s0_is_kept_only_as_stated(asserted: Graph) -> None:
    report = URIRef(ID + "publication/housing-state-of-the-art-report")
    assert asserted.value(report, CLIP.statedIsbn) == Literal("3-7001-6042-7")
    assert (report, URIRef("http://purl.org/ontology/bibo/isbn10"), None) not in asserted


def test_every_city_has_an_english_label_and_a_country(asserted: Graph) -> None:
    for city in instances(asserted, CLIP.City):
        labels = list(asserted.objects(city, RDFS.label))
        assert any(isinstance(label, Literal) and label.language == "en" for label in labels), city
        assert asserted.value(city, CLIP.country) is not None, city


SAME_AS_ENGLISH = [("fr", "fr", "France"), ("pt", "pt", "Portugal"), ("at", "it", "Austria")]
"""(country, language, name): names ISO 3166 gives the same as the English one; dropped before."""


@pytest.mark.parametrize(("country", "language", "name"), SAME_AS_ENGLISH)
def test_countries_are_named_in_every_language_iso_names_them_in_even_as_in_english(
    asserted: Graph, country: str, language: str, name: str
) -> None:
    """A name spelled as in English is still that language's name (France has a French label)."""
    names = {(str(n), n.language) for n in asserted.objects(URIRef(ID + f"country/{country}"), SKOS.prefLabel)}
    assert (name, language) in names


def test_generated_geography_matches_the_packaged_data() -> None:
    """graph/geo.ttl is what `clip-kg enrich` makes from the pinned packages."""
    from rdflib.compare import isomorphic

    generated, _ = enrich(parse_files(curated_files()))
    committed = Graph().parse(PROJECT_ROOT / "graph" / "geo.ttl")
    assert isomorphic(generated, committed), "graph/geo.ttl is stale: run `clip-kg enrich`"


def test_data_report_is_current(clip_kg: KnowledgeGraph) -> None:
    if not len(clip_kg.graph("inferred")):
        missing_tool(f"the report counts inferred triples: {JAVA_MISSING}")
    committed = (PROJECT_ROOT / REPORT_FILE).read_text(encoding="utf-8")
    assert data_report(clip_kg) == committed, "docs/data-report.md is stale: run `clip-kg report`"


def test_local_and_original_names_are_labels_a_generic_client_reads(clip_kg: KnowledgeGraph) -> None:
    """clip:localName and clip:originalName are sub-properties of skos:prefLabel: the build gives each as one."""
    inferred = clip_kg.graph("inferred")
    if not len(inferred):
        missing_tool(f"the labels are inferred: {JAVA_MISSING}")
    asserted = clip_kg.graph("asserted")
    names = list(asserted.subject_objects(CLIP.localName)) + list(asserted.subject_objects(CLIP.originalName))
    assert len(names) > 40
    missing = [(s, n) for s, n in names if (s, SKOS.prefLabel, n) not in inferred]
    assert not missing
    assert (URIRef(ID + "city/vienna"), SKOS.prefLabel, Literal("Wien", lang="de")) in inferred


def test_disputed_dates_are_claims_and_not_asserted(asserted: Graph) -> None:
    """Both dates of each disputed report stay, as claims; the report asserts neither (no silent pick)."""
    for slug, expected in (
        ("frankfurt-entrepreneurship-case-study", {"2010", "2011-11-06"}),
        ("zurich-intercultural-case-study", {"2009", "2010-02"}),
    ):
        publication = URIRef(ID + f"publication/{slug}")
        claims = [c for c in asserted.subjects(CLIP.claimAbout, publication)
                  if (c, CLIP.claimedProperty, DCTERMS.issued) in asserted]  # fmt: skip
        assert {str(asserted.value(c, CLIP.claimedValue)) for c in claims} == expected
        assert asserted.value(publication, DCTERMS.issued) is None


@pytest.mark.parametrize(("source", "year"), [("s63", "2009"), ("s70", "2009"), ("s72", "2011"), ("s15", "2012")])
def test_memberships_are_dated_by_the_list_that_shows_them(asserted: Graph, source: str, year: str) -> None:
    """S15 also shows Stuttgart as founder, undated; every dated membership a list shows has the list's year."""
    memberships = [m for m in asserted.subjects(DCTERMS.source, URIRef(ID + f"source/{source}"))
                   if (m, RDF.type, CLIP.Membership) in asserted]  # fmt: skip
    dates = {asserted.value(m, CLIP.asOf) for m in memberships}
    assert {str(date) for date in dates if date is not None} == {year}


def test_findings_of_every_module_from_the_project_description(asserted: Graph) -> None:
    s0 = URIRef(ID + "source/s0")
    for module in ("housing", "diversity", "intercultural", "entrepreneurship"):
        findings = [f for f in asserted.subjects(CLIP.findingAbout, URIRef(ID + f"module/{module}"))
                    if (f, DCTERMS.source, s0) in asserted]  # fmt: skip
        assert findings, module
        for finding in findings:
            quoted = asserted.value(finding, CLIP.quotation)
            assert quoted is not None and str(quoted) in str(asserted.value(finding, CLIP.findingText))
