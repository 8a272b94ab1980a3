"""The VoID description at /.well-known/void and the DCAT catalogue at /catalog."""

from __future__ import annotations

import hashlib
import json
import re

import pytest
from flask import Flask
from flask.testing import FlaskClient
from rdflib import RDF, XSD, Graph, Literal, Namespace, URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import DCAT, DCTERMS, FOAF, VOID
from rdflib.term import Node

from server.formats import RDF_FORMATS
from server.kg.build import KnowledgeGraph
from server.urls import Urls

BASE = "https://w3id.org/clip-network/"
CLIP = Namespace(BASE + "def/")
SPDX = Namespace("http://spdx.org/rdf/terms#")
VCARD = Namespace("http://www.w3.org/2006/vcard/ns#")
DATASET = URIRef(BASE + ".well-known/void#dataset")
INTEGER_TYPES = {XSD.integer, XSD.positiveInteger, XSD.nonNegativeInteger, XSD.negativeInteger, XSD.nonPositiveInteger}
BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"


RDF_FORMAT_NAMES = {f.media_type: f.rdflib_name or "" for f in RDF_FORMATS}


def fetch(client: FlaskClient, path: str, accept: str = "text/turtle") -> Graph:
    response = client.get(path, headers={"Accept": accept})
    assert response.status_code == 200
    assert response.mimetype == accept
    return Graph().parse(data=response.data, format=RDF_FORMAT_NAMES[accept])


@pytest.fixture(scope="module")
def void(app: Flask) -> Graph:
    with app.test_client() as client:
        return fetch(client, "/.well-known/void")


@pytest.fixture(scope="module")
def dcat(app: Flask) -> Graph:
    with app.test_client() as client:
        return fetch(client, "/catalog")


def number(graph: Graph, subject: Node, predicate: URIRef) -> int:
    value = graph.value(subject, predicate)
    assert isinstance(value, Literal), f"{subject} has no {predicate}"
    return int(value)


def path(url: Node | None) -> str:
    """The path on this server of an absolute URL under the base."""
    assert url is not None
    found = Urls(BASE).path_of(str(url))
    assert found is not None, f"{url} is not under {BASE}"
    return found


def quads(kg: KnowledgeGraph, predicate: URIRef | None = None) -> list[tuple[Node, Node, Node]]:
    return [(s, p, o) for s, p, o, _ in kg.dataset.quads((None, predicate, None, None))]


def as_stored(term: Node) -> Node:
    """The term as Oxigraph stores it: xsd:positiveInteger etc. become xsd:integer."""
    if isinstance(term, Literal) and term.datatype in INTEGER_TYPES:
        return Literal(str(int(term)), datatype=XSD.integer)
    return term


# --- VoID ---------------------------------------------------------------------------------


def test_void_triples_is_the_size_of_the_store(void: Graph, app: Flask) -> None:
    assert (DATASET, RDF.type, VOID.Dataset) in void
    assert number(void, DATASET, VOID.triples) == len(app.extensions["kg"].engine)


def test_void_statistics_agree_with_an_independent_count(void: Graph, clip_kg: KnowledgeGraph) -> None:
    """Counted with rdflib; like the store, objects count integer subtypes as xsd:integer (Oxigraph
    normalizes literals on load, oxigraph/oxigraph#526)."""
    triples = quads(clip_kg)
    assert number(void, DATASET, VOID.distinctSubjects) == len({s for s, _, _ in triples})
    assert number(void, DATASET, VOID.distinctObjects) == len({as_stored(o) for _, _, o in triples})
    assert number(void, DATASET, VOID.properties) == len({p for _, p, _ in triples})
    assert number(void, DATASET, VOID.classes) == len({o for _, p, o in triples if p == RDF.type})
    entities = {s for s, _, _ in triples if isinstance(s, URIRef) and s.startswith(BASE + "id/")}
    assert number(void, DATASET, VOID.entities) == len(entities)


def test_class_partition_of_cities_has_32_entities(void: Graph) -> None:
    partition = next(p for p in void.objects(DATASET, VOID.classPartition) if (p, VOID["class"], CLIP.City) in void)
    assert number(void, partition, VOID.entities) == 32
    assert len(list(void.objects(DATASET, VOID.classPartition))) == number(void, DATASET, VOID.classes)


def test_property_partitions_sum_to_the_triples(void: Graph) -> None:
    partitions = list(void.objects(DATASET, VOID.propertyPartition))
    assert len(partitions) == number(void, DATASET, VOID.properties)
    assert sum(number(void, p, VOID.triples) for p in partitions) == number(void, DATASET, VOID.triples)


def test_each_named_graph_is_a_subset_with_its_size(void: Graph, clip_kg: KnowledgeGraph) -> None:
    for name in clip_kg.graph_names():
        assert (DATASET, VOID.subset, URIRef(name)) in void
        assert number(void, URIRef(name), VOID.triples) == len(clip_kg.dataset.graph(URIRef(name)))


def test_endpoint_and_every_data_dump_answer(void: Graph, client: FlaskClient) -> None:
    endpoint = void.value(DATASET, VOID.sparqlEndpoint)
    assert str(endpoint) == BASE + "sparql"
    assert client.get(path(endpoint), query_string={"query": "ASK {}"}).status_code == 200
    dumps = list(void.objects(DATASET, VOID.dataDump))
    assert len(dumps) == 2 * len(RDF_FORMATS)
    for url in dumps:
        assert str(url).startswith(BASE + "dumps/clip-kg.")
        assert client.get(path(url)).status_code == 200


def test_uri_space_examples_and_root_resolve_under_the_base(void: Graph, client: FlaskClient) -> None:
    assert void.value(DATASET, VOID.uriSpace) == Literal(BASE + "id/")
    examples = {str(e) for e in void.objects(DATASET, VOID.exampleResource)}
    assert {e.split("/id/")[1].split("/")[0] for e in examples} == {"city", "module", "publication"}
    for iri in [*examples, str(void.value(DATASET, VOID.rootResource))]:
        assert client.get(Urls(BASE).path_of(iri) or iri).status_code == 303


def test_vocabularies_name_every_namespace_used(void: Graph) -> None:
    vocabularies = {str(v) for v in void.objects(DATASET, VOID.vocabulary)}
    expected = {
        str(CLIP),
        "http://www.w3.org/ns/org#",
        "http://xmlns.com/foaf/0.1/",
        "http://purl.org/dc/terms/",
        "http://purl.org/ontology/bibo/",
        "http://www.w3.org/2004/02/skos/core#",
        "http://www.w3.org/ns/prov#",
        "https://schema.org/",
        "http://www.w3.org/2003/01/geo/wgs84_pos#",
    }
    assert expected <= vocabularies


def linkset(void: Graph, predicate: URIRef) -> Node:
    found = [s for s in void.subjects(VOID.linkPredicate, predicate) if (s, RDF.type, VOID.Linkset) in void]
    assert len(found) == 1, f"no single linkset for {predicate}"
    assert (DATASET, VOID.subset, found[0]) in void
    assert void.value(found[0], VOID.subjectsTarget) == DATASET
    return found[0]


def test_geonames_linkset_counts_the_geonames_links(void: Graph, clip_kg: KnowledgeGraph) -> None:
    node = linkset(void, CLIP.geonames)
    assert number(void, node, VOID.triples) == len(quads(clip_kg, CLIP.geonames)) > 0
    target = void.value(node, VOID.objectsTarget)
    assert void.value(target, VOID.uriSpace) == Literal("https://sws.geonames.org/")
    assert void.value(target, DCTERMS.license) == URIRef("https://creativecommons.org/licenses/by/4.0/")


def test_wikidata_linkset_says_its_links_are_weak(void: Graph, clip_kg: KnowledgeGraph) -> None:
    node = linkset(void, CLIP.wikidata)
    assert number(void, node, VOID.triples) == len(quads(clip_kg, CLIP.wikidata)) > 0
    assert "Weakly corroborated" in str(void.value(node, DCTERMS.description))
    assert void.value(void.value(node, VOID.objectsTarget), VOID.uriSpace) == Literal("http://www.wikidata.org/entity/")


# --- DCAT ---------------------------------------------------------------------------------


def test_catalogue_lists_the_dataset_and_the_service(dcat: Graph) -> None:
    catalog = next(dcat.subjects(RDF.type, DCAT.Catalog))
    assert dcat.value(catalog, DCAT.dataset) == DATASET
    assert (DATASET, RDF.type, DCAT.Dataset) in dcat
    assert dcat.value(DATASET, DCTERMS.title) is not None
    assert "European cities" in str(dcat.value(DATASET, DCTERMS.description))


def test_one_distribution_per_dump_file_with_its_real_size_and_checksum(dcat: Graph, client: FlaskClient) -> None:
    distributions = [
        d for d in dcat.objects(DATASET, DCAT.distribution) if "/dumps/" in str(dcat.value(d, DCAT.downloadURL))
    ]
    assert len(distributions) == 12 == 2 * len(RDF_FORMATS)  # besides the CSV tables (tests/web/test_tables.py)
    for distribution in distributions:
        url = dcat.value(distribution, DCAT.downloadURL)
        data = client.get(path(url)).data
        size = dcat.value(distribution, DCAT.byteSize)
        assert size == Literal(len(data), datatype=XSD.nonNegativeInteger)
        checksum = dcat.value(distribution, SPDX.checksum)
        assert dcat.value(checksum, SPDX.algorithm) == SPDX.checksumAlgorithm_sha256
        assert str(dcat.value(checksum, SPDX.checksumValue)) == hashlib.sha256(data).hexdigest()
        media_type = str(dcat.value(distribution, DCAT.mediaType))
        assert media_type.startswith("https://www.iana.org/assignments/media-types/")
        assert dcat.value(distribution, DCTERMS["format"]) is not None
        gzipped = str(url).endswith(".gz")
        assert (dcat.value(distribution, DCAT.compressFormat) is not None) == gzipped
        if not gzipped:
            assert media_type.endswith(f"/{client.get(path(url)).mimetype}")


def test_data_service_is_the_sparql_endpoint(dcat: Graph, client: FlaskClient) -> None:
    service = next(dcat.subjects(RDF.type, DCAT.DataService))
    assert path(dcat.value(service, DCAT.endpointURL)) == "/sparql"
    assert dcat.value(service, DCAT.servesDataset) == DATASET
    assert dcat.value(service, DCTERMS.conformsTo) == URIRef("https://www.w3.org/TR/sparql11-protocol/")
    description = client.get(path(dcat.value(service, DCAT.endpointDescription)), headers={"Accept": "text/turtle"})
    assert description.status_code == 200
    assert description.mimetype == "text/turtle"


def test_temporal_and_spatial_coverage_come_from_the_data(dcat: Graph, clip_kg: KnowledgeGraph) -> None:
    period = dcat.value(DATASET, DCTERMS.temporal)
    assert (period, RDF.type, DCTERMS.PeriodOfTime) in dcat
    assert dcat.value(period, DCAT.startDate) == Literal("2006", datatype=XSD.gYear)
    assert dcat.value(period, DCAT.endDate) == Literal("2012-11-27", datatype=XSD.date)
    union = clip_kg.dataset
    cities = {o for _, _, o in quads(clip_kg, CLIP.memberCity)}
    countries = {c for city in cities for _, _, c, _ in union.quads((city, CLIP.country, None, None))}
    expected = {g for c in countries for _, _, g, _ in union.quads((c, CLIP.geonames, None, None))}
    assert set(dcat.objects(DATASET, DCTERMS.spatial)) == expected
    assert len(expected) > 15


def test_licence_is_the_ontologys(dcat: Graph, clip_kg: KnowledgeGraph) -> None:
    licence = clip_kg.graph("ontology").value(URIRef(str(CLIP)), DCTERMS.license)
    assert licence is not None
    assert dcat.value(DATASET, DCTERMS.license) == licence


def test_publisher_and_contact_are_this_project(dcat: Graph) -> None:
    publisher = dcat.value(DATASET, DCTERMS.publisher)
    assert (publisher, RDF.type, FOAF.Organization) in dcat
    name = str(dcat.value(publisher, FOAF.name))
    assert name == "CLIP knowledge graph project"
    contact = dcat.value(DATASET, DCAT.contactPoint)
    assert (contact, RDF.type, VCARD.Kind) in dcat
    assert dcat.value(contact, VCARD.fn) is not None
    assert str(dcat.value(contact, VCARD.hasURL)) == BASE
    assert dcat.value(contact, VCARD.hasEmail) is None
    assert list(dcat.objects(DATASET, DCAT.keyword))


# --- both documents -----------------------------------------------------------------------


@pytest.mark.parametrize("document", ["/.well-known/void", "/catalog"])
@pytest.mark.parametrize(
    "accept", ["text/turtle", "application/n-triples", "application/ld+json", "application/rdf+xml"]
)
def test_every_rdf_format_parses(client: FlaskClient, document: str, accept: str) -> None:
    graph = fetch(client, document, accept)
    assert (DATASET, DCTERMS.title, None) in graph
    assert isomorphic(graph, fetch(client, document, "text/turtle"))


@pytest.mark.parametrize("document", ["/.well-known/void", "/catalog"])
@pytest.mark.parametrize("accept", [None, "*/*", "application/rdf+xml;q=0.5, text/turtle"])
def test_rdf_clients_get_turtle_by_default(client: FlaskClient, document: str, accept: str | None) -> None:
    response = client.get(document, headers={"Accept": accept} if accept else {})
    assert response.mimetype == "text/turtle"
    assert "Accept" in response.headers["Vary"]


@pytest.mark.parametrize("document", ["/.well-known/void", "/catalog"])
def test_browsers_get_a_readable_page(client: FlaskClient, app: Flask, document: str) -> None:
    response = client.get(document, headers={"Accept": BROWSER})
    assert response.status_code == 200
    assert response.mimetype == "text/html"
    assert "Accept" in response.headers["Vary"]
    text = response.get_data(as_text=True)
    assert str(len(app.extensions["kg"].engine)) in text
    assert "clip-kg.ttl.gz" in text
    assert "Weakly corroborated" in text


@pytest.mark.parametrize("document", ["/.well-known/void", "/catalog"])
def test_unavailable_type_is_406_listing_the_types(client: FlaskClient, document: str) -> None:
    response = client.get(document, headers={"Accept": "image/png"})
    assert response.status_code == 406
    assert b"text/turtle" in response.data


def test_format_parameter_picks_the_format(client: FlaskClient) -> None:
    response = client.get("/catalog?format=nt", headers={"Accept": "text/turtle"})
    assert response.mimetype == "application/n-triples"
    assert isomorphic(Graph().parse(data=response.data, format="nt"), fetch(client, "/catalog", "text/turtle"))


def test_urls_stay_under_the_base_whatever_host_the_request_names(client: FlaskClient) -> None:
    """The Host header is the client's to choose: a cache would hand its answer to everyone."""
    response = client.get("/.well-known/void", base_url="https://evil.example/")
    assert b"evil.example" not in response.data
    graph = Graph().parse(data=response.data, format="turtle")
    assert graph.value(DATASET, VOID.sparqlEndpoint) == URIRef(BASE + "sparql")
    assert all(str(url).startswith(BASE + "dumps/") for url in graph.objects(DATASET, VOID.dataDump))


def test_home_page_and_catalogue_state_the_same_licence_and_period(client: FlaskClient) -> None:
    """Both read the one set of dataset facts, so they cannot disagree."""
    page = client.get("/").get_data(as_text=True)
    found = re.search(r'<script type="application/ld\+json">(.*?)</script>', page, re.DOTALL)
    assert found is not None
    described = json.loads(found.group(1))
    dcat = Graph().parse(data=client.get("/catalog", headers={"Accept": "text/turtle"}).data, format="turtle")
    dataset = URIRef(BASE + ".well-known/void#dataset")
    assert described["license"] == str(dcat.value(dataset, DCTERMS.license))
    period = dcat.value(dataset, DCTERMS.temporal)
    start, end = dcat.value(period, DCAT.startDate), dcat.value(period, DCAT.endDate)
    assert described["temporalCoverage"] == f"{str(start)[:4]}/{str(end)[:4]}" == "2006/2012"


def test_every_page_links_both_documents(client: FlaskClient) -> None:
    text = client.get("/").get_data(as_text=True)
    assert 'href="/.well-known/void"' in text
    assert 'href="/catalog"' in text
