"""The ontology: documented terms, required metadata, and consistency under HermiT."""

from __future__ import annotations

import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, OWL, RDF, RDFS, SKOS

from server.config import PROJECT_ROOT
from server.kg.reasoning import is_consistent
from server.namespaces import CLIP

from ..conftest import needs_java

ONTOLOGY_IRI = URIRef(str(CLIP))
TERM_TYPES = (OWL.Class, OWL.ObjectProperty, OWL.DatatypeProperty, OWL.AnnotationProperty, OWL.NamedIndividual)


@pytest.fixture(scope="module")
def ontology() -> Graph:
    return Graph().parse(PROJECT_ROOT / "ontology" / "clip.ttl")


def clip_terms(ontology: Graph) -> list[URIRef]:
    terms = {s for t in TERM_TYPES for s in ontology.subjects(RDF.type, t)}
    return sorted(t for t in terms if isinstance(t, URIRef) and str(t).startswith(str(CLIP)) and t != ONTOLOGY_IRI)


def test_ontology_declares_many_terms(ontology: Graph) -> None:
    assert len(clip_terms(ontology)) > 100


@pytest.mark.parametrize("predicate", [RDFS.label, SKOS.definition])
def test_every_term_has_an_english_label_and_definition(ontology: Graph, predicate: URIRef) -> None:
    missing = [
        str(term)
        for term in clip_terms(ontology)
        if not any(isinstance(v, Literal) and v.language == "en" for v in ontology.objects(term, predicate))
    ]
    assert missing == []


def test_every_term_is_defined_by_the_ontology(ontology: Graph) -> None:
    missing = [str(t) for t in clip_terms(ontology) if (t, RDFS.isDefinedBy, ONTOLOGY_IRI) not in ontology]
    assert missing == []


@pytest.mark.parametrize(
    "predicate", [OWL.versionIRI, OWL.versionInfo, DCTERMS.license, DCTERMS.creator, DCTERMS.created, DCTERMS.modified]
)
def test_ontology_header_has(ontology: Graph, predicate: URIRef) -> None:
    assert ontology.value(ONTOLOGY_IRI, predicate) is not None


def test_every_predicate_used_in_the_data_is_declared(ontology: Graph) -> None:
    """OWL 2 DL needs every property typed; undeclared ones would be guessed by tools."""
    data = Graph()
    for path in sorted((PROJECT_ROOT / "graph").glob("*.ttl")):
        data.parse(path)
    declared = {s for t in TERM_TYPES for s in ontology.subjects(RDF.type, t)}
    built_in = {RDF.type, RDFS.label, RDFS.comment, RDFS.seeAlso, RDFS.isDefinedBy, OWL.sameAs}  # OWL 2's own
    used = set(data.predicates()) - built_in
    assert sorted(str(p) for p in used - declared) == []


def test_reused_vocabularies_are_mapped_not_copied(ontology: Graph) -> None:
    """Terms of other vocabularies appear only as declarations and mapping targets."""
    foreign_subjects = {
        s for s in ontology.subjects() if isinstance(s, URIRef) and not str(s).startswith(str(CLIP))
    } - {ONTOLOGY_IRI}
    for term in foreign_subjects:
        assert set(ontology.predicates(term)) == {RDF.type}, f"{term} is described, not only declared"
    mapped = {o for o in ontology.objects(None, RDFS.subClassOf)} | {
        o for o in ontology.objects(None, RDFS.subPropertyOf)
    }
    for vocabulary in ("http://www.w3.org/ns/org", "http://xmlns.com/foaf/0.1", "http://purl.org/ontology/bibo",
                       "http://www.w3.org/ns/prov", "http://www.w3.org/2004/02/skos/core", "https://schema.org",
                       "http://www.w3.org/2003/01/geo/wgs84_pos", "http://purl.org/dc/terms"):  # fmt: skip
        assert any(str(o).startswith(vocabulary) for o in mapped), f"nothing is mapped to {vocabulary}"


@needs_java
def test_ontology_alone_is_consistent(ontology: Graph) -> None:
    assert is_consistent(ontology)


def test_ontology_file_is_the_only_file_in_its_folder() -> None:
    assert [p.name for p in (PROJECT_ROOT / "ontology").iterdir()] == ["clip.ttl"]
