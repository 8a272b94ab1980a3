"""The dataset described in VoID (https://www.w3.org/TR/void/) and in DCAT 3 (https://www.w3.org/TR/vocab-dcat-3/).

Both documents are built from one ``DatasetFacts`` and the dump files of the load, so they
state the same figures as each other and as the home page. What a description *names*
(dataset, subsets, distributions, publisher) has an IRI under the data's base, the same
whichever host serves it; what a client *fetches* (dumps, the endpoint, these documents, the
home page) is a URL under ``root``, the server's URL as the request reached it.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import Protocol

from rdflib import XSD, BNode, Graph, Namespace, URIRef
from rdflib import Literal as RdfLiteral
from rdflib.namespace import DCAT, DCTERMS, FOAF, RDF, RDFS, VOID
from rdflib.term import Node

from server.engine.rdfio import graph_bytes
from server.engine.terms import BlankNode, Literal, Term
from server.formats import GZIP_MEDIA_TYPE, Format
from server.views.facts import DatasetFacts
from server.views.fragments import describe_dataset
from server.views.releases import Release, describe_releases
from server.views.table_catalogue import describe_tables

SPDX = Namespace("http://spdx.org/rdf/terms#")
VCARD = Namespace("http://www.w3.org/2006/vcard/ns#")
W3C_FORMATS = Namespace("http://www.w3.org/ns/formats/")
W3C_FORMAT_NAMES = {"ttl": "Turtle", "nt": "N-Triples", "nq": "N-Quads", "trig": "TriG", "jsonld": "JSON-LD"}
IANA = "https://www.iana.org/assignments/media-types/"
BINDINGS = (("void", VOID), ("dcat", DCAT), ("spdx", SPDX), ("vcard", VCARD), ("formats", W3C_FORMATS))
THEMES = "http://publications.europa.eu/resource/authority/data-theme"
SPARQL_PROTOCOL = URIRef("https://www.w3.org/TR/sparql11-protocol/")
PUBLISHER = "CLIP knowledge graph project"
DOCUMENTS = ("void", "dcat")


class DumpFile(Protocol):
    """What the descriptions read of a dump file (``server.kg.dumps.DumpFile`` has it)."""

    @property
    def name(self) -> str:
        """The file name: ``clip-kg.ttl.gz``."""
        ...

    @property
    def key(self) -> str:
        """A fragment-safe short name: ``ttl-gz``."""
        ...

    @property
    def fmt(self) -> Format:
        """The RDF format of the data (plain or gzipped)."""
        ...

    @property
    def compressed(self) -> bool:
        """True for the gzipped copy."""
        ...

    @property
    def size(self) -> int:
        """Bytes of the file as served."""
        ...

    @property
    def sha256(self) -> str:
        """Hex SHA-256 of the file as served."""
        ...


def document_bytes(
    document: str,
    facts: DatasetFacts,
    files: Sequence[DumpFile],
    root: str,
    fmt: Format,
    releases: Sequence[Release] = (),
) -> bytes:
    """The VoID (``document == "void"``) or DCAT (``"dcat"``) description, serialized in ``fmt``, with
    ``releases`` (newest first) as the dataset's versions."""
    if document not in DOCUMENTS:
        raise ValueError(f"no description named {document!r}; there are {', '.join(DOCUMENTS)}")
    graph = build_void(facts, files, root) if document == "void" else build_dcat(facts, files, root)
    describe_releases(graph, URIRef(f"{facts.base}.well-known/void#dataset"), releases, root, facts.base)
    return graph_bytes(graph, fmt)


def node(term: Term) -> Node:
    """An engine term as an rdflib node, with its own datatype.

    >>> node(Literal("7", datatype="http://www.w3.org/2001/XMLSchema#positiveInteger")).datatype.endswith("Integer")
    True
    """
    if isinstance(term, Literal):
        if term.language:
            return RdfLiteral(term.value, lang=term.language)
        if term.datatype == str(XSD.string):  # a simple literal, as rdflib writes and compares it
            return RdfLiteral(term.value)
        return RdfLiteral(term.value, datatype=URIRef(term.datatype))
    if isinstance(term, BlankNode):
        return BNode(term.value)
    return URIRef(term.value)


def _add(graph: Graph, subject: Node, *pairs: tuple[Node, Node | str | int | None]) -> None:
    """Add ``subject predicate value`` for every known value; text is English, numbers xsd:integer."""
    for predicate, value in pairs:
        if isinstance(value, Node):
            graph.add((subject, predicate, value))
        elif isinstance(value, str | int):
            literal = (
                RdfLiteral(value, lang="en") if isinstance(value, str) else RdfLiteral(value, datatype=XSD.integer)
            )
            graph.add((subject, predicate, literal))


def _optional(term: Term | str | None) -> Node | None:
    """An IRI (as a string) or a term as a node; None stays None."""
    if term is None:
        return None
    return URIRef(term) if isinstance(term, str) else node(term)


def _describe(graph: Graph, facts: DatasetFacts, root: str) -> URIRef:
    """Title, description, licence and publisher of the dataset, the same in both documents."""
    for prefix, namespace in (*BINDINGS, ("clip", Namespace(f"{facts.base}def/"))):
        graph.bind(prefix, namespace)
    network, base = facts.network, facts.base
    dataset, publisher = URIRef(f"{base}.well-known/void#dataset"), URIRef(f"{base}catalog#publisher")
    title = f"{network.acronym} knowledge graph" if network and network.acronym else "Knowledge graph"
    summary = (
        f"Linked data about the {network.name}. {network.description or ''}" if network and network.name else title
    )
    _add(graph, dataset, (DCTERMS.title, title), (DCTERMS.description, summary.strip()))
    _add(graph, dataset, (DCTERMS.license, _optional(facts.licence)), (DCTERMS.publisher, publisher))
    _add(graph, dataset, (DCTERMS.subject, _optional(network.iri if network else None)), (FOAF.homepage, URIRef(root)))
    note = "The people who build and run this publication of the data: not the CLIP network, nor any body it describes."
    _add(graph, publisher, (RDF.type, FOAF.Organization), (FOAF.name, PUBLISHER), (RDFS.comment, note))
    return dataset


def build_void(facts: DatasetFacts, files: Sequence[DumpFile], root: str) -> Graph:
    """The VoID description of the dataset served at ``root``, with ``files`` as its data dumps."""
    graph, document = Graph(), URIRef(root + ".well-known/void")
    dataset = _describe(graph, facts, root)
    _add(graph, document, (RDF.type, VOID.DatasetDescription), (FOAF.primaryTopic, dataset))
    _add(graph, document, (DCTERMS.title, "VoID description of the dataset"))
    _add(graph, dataset, (RDF.type, VOID.Dataset), (VOID.sparqlEndpoint, URIRef(root + "sparql")))
    describe_dataset(graph, dataset, root)  # its Triple Pattern Fragments: hydra:search at /fragments
    _add(graph, dataset, (VOID.triples, facts.triples), (VOID.entities, facts.entities))
    _add(graph, dataset, (VOID.classes, len(facts.classes)), (VOID.properties, len(facts.properties)))
    _add(graph, dataset, (VOID.distinctSubjects, facts.subjects))
    _add(graph, dataset, (VOID.distinctObjects, facts.objects), (RDFS.seeAlso, URIRef(root + "catalog")))
    root_resource = _optional(facts.network.iri if facts.network else None)
    _add(graph, dataset, (VOID.uriSpace, RdfLiteral(facts.base + "id/")), (VOID.rootResource, root_resource))
    for file in files:
        _add(graph, dataset, (VOID.dataDump, URIRef(f"{root}dumps/{file.name}")))
        _add(graph, dataset, (VOID.feature, _w3c_format(file.fmt)))
    _add(graph, dataset, *((VOID.exampleResource, URIRef(iri)) for iri in facts.examples))
    iris = [iri for iri, _ in facts.classes + facts.properties]
    vocabularies = {iri[: max(iri.rfind("#"), iri.rfind("/")) + 1] for iri in iris}
    _add(graph, dataset, *((VOID.vocabulary, URIRef(iri)) for iri in sorted(vocabularies)))
    for name, size in facts.graphs:  # each named graph is a subset, named by the graph's own IRI
        graph.add((dataset, VOID.subset, URIRef(name)))
        _add(graph, URIRef(name), (RDF.type, VOID.Dataset), (VOID.triples, size))
    for kind, link, key, count, rows in (
        ("class", VOID.classPartition, VOID["class"], VOID.entities, facts.classes),
        ("property", VOID.propertyPartition, VOID.property, VOID.triples, facts.properties),
    ):
        for iri, number in rows:  # a readable, unique fragment: #class-City-1a2b3c
            local = iri.rstrip("/#").rsplit("/", 1)[-1].rsplit("#", 1)[-1]
            part = URIRef(f"{facts.base}.well-known/void#{kind}-{local}-{hashlib.sha256(iri.encode()).hexdigest()[:6]}")
            graph.add((dataset, link, part))
            _add(graph, part, (RDF.type, VOID.Dataset), (key, URIRef(iri)), (count, number))
    _describe_linksets(graph, dataset, facts)
    return graph


def _describe_linksets(graph: Graph, dataset: URIRef, facts: DatasetFacts) -> None:
    """One void:Linkset per link property, pointing at a void:Dataset for the other side."""
    for linkset in facts.linksets:
        key, caution = linkset.key, linkset.caution
        subset = URIRef(f"{facts.base}.well-known/void#links-{key}")
        target = URIRef(f"{facts.base}.well-known/void#{key}")
        graph.add((dataset, VOID.subset, subset))
        _add(graph, subset, (RDF.type, VOID.Linkset), (DCTERMS.title, f"Links to {linkset.title}"))
        _add(graph, subset, (RDFS.comment, caution), (DCTERMS.description, caution))
        _add(graph, subset, (VOID.linkPredicate, URIRef(f"{facts.base}def/{key}")), (VOID.triples, linkset.triples))
        _add(graph, subset, (VOID.subjectsTarget, dataset), (VOID.objectsTarget, target))
        _add(graph, target, (RDF.type, VOID.Dataset), (DCTERMS.title, RdfLiteral(linkset.title)))
        _add(graph, target, (FOAF.homepage, URIRef(linkset.homepage)), (VOID.uriSpace, RdfLiteral(linkset.space)))
        _add(graph, target, (DCTERMS.license, _optional(linkset.licence)))


def build_dcat(facts: DatasetFacts, files: Sequence[DumpFile], root: str) -> Graph:
    """The DCAT 3 catalogue of the dataset served at ``root``: the dataset, its dumps and the endpoint."""
    graph, base, publisher = Graph(), facts.base, URIRef(f"{facts.base}catalog#publisher")
    dataset, licence, endpoint = _describe(graph, facts, root), _optional(facts.licence), URIRef(root + "sparql")
    catalog, service = URIRef(f"{base}catalog#catalog"), URIRef(root + "sparql#service")
    contact, period = URIRef(f"{base}catalog#contact"), URIRef(f"{base}catalog#period")
    _add(graph, catalog, (RDF.type, DCAT.Catalog), (DCTERMS.title, "Catalogue of the CLIP knowledge graph"))
    _add(graph, catalog, (DCTERMS.publisher, publisher), (DCTERMS.license, licence))
    _add(graph, catalog, (DCAT.dataset, dataset), (DCAT.service, service), (DCAT.themeTaxonomy, URIRef(THEMES)))
    _add(graph, dataset, (RDF.type, DCAT.Dataset), (DCAT.landingPage, URIRef(root)), (DCAT.contactPoint, contact))
    _add(graph, dataset, (DCTERMS.conformsTo, _optional(facts.ontology)), (DCAT.theme, URIRef(THEMES + "/SOCI")))
    _add(graph, dataset, (RDFS.seeAlso, URIRef(root + ".well-known/void")))
    _add(graph, contact, (RDF.type, VCARD.Kind), (VCARD.fn, PUBLISHER), (VCARD.hasURL, URIRef(root)))
    if facts.first_date or facts.last_date:
        _add(graph, dataset, (DCTERMS.temporal, period))
        _add(graph, period, (RDF.type, DCTERMS.PeriodOfTime))
        _add(graph, period, (DCAT.startDate, _optional(facts.first_date)), (DCAT.endDate, _optional(facts.last_date)))
    _add(graph, dataset, *((DCTERMS.spatial, URIRef(place)) for place in facts.spatial))
    _add(graph, dataset, *((DCAT.keyword, word) for word in facts.keywords))
    describe_distributions(graph, dataset, files, root, base)
    describe_tables(graph, dataset, root, base)
    _add(graph, service, (RDF.type, DCAT.DataService), (DCTERMS.title, "SPARQL endpoint"))
    _add(graph, service, (DCAT.endpointURL, endpoint), (DCAT.endpointDescription, endpoint))
    _add(graph, service, (DCAT.servesDataset, dataset), (DCTERMS.conformsTo, SPARQL_PROTOCOL))
    _add(graph, service, (DCTERMS.publisher, publisher))
    return graph


def describe_distributions(graph: Graph, dataset: URIRef, files: Sequence[DumpFile], root: str, base: str) -> None:
    """Add one ``dcat:Distribution`` per dump file (DCAT 3, section 6.7), under ``base``.

    ``dcat:mediaType`` is the type of the data; a gzipped file adds ``dcat:compressFormat``
    (DCAT 3, 6.7.13). ``root`` is the server's URL as the request reached it.
    """
    licence = graph.value(dataset, DCTERMS.license)
    for file in files:
        distribution = URIRef(f"{base}catalog#dump-{file.key}")
        checksum = URIRef(f"{base}catalog#dump-{file.key}-sha256")
        graph.add((dataset, DCAT.distribution, distribution))
        packed = " (gzip)" if file.compressed else ""
        for predicate, value in (
            (RDF.type, DCAT.Distribution),
            (DCTERMS.title, RdfLiteral(f"{file.fmt.label} dump{packed}", lang="en")),
            (DCAT.downloadURL, URIRef(root + "dumps/" + file.name)),
            (DCAT.accessURL, URIRef(root + "dumps")),
            (DCAT.mediaType, URIRef(IANA + file.fmt.media_type)),
            (DCTERMS["format"], _w3c_format(file.fmt)),
            (DCAT.byteSize, RdfLiteral(file.size, datatype=XSD.nonNegativeInteger)),
            (SPDX.checksum, checksum),
            (DCTERMS.license, licence),
        ):
            if value is not None:
                graph.add((distribution, predicate, value))
        if file.compressed:
            graph.add((distribution, DCAT.compressFormat, URIRef(IANA + GZIP_MEDIA_TYPE)))
        graph.add((checksum, RDF.type, SPDX.Checksum))
        graph.add((checksum, SPDX.algorithm, SPDX.checksumAlgorithm_sha256))
        graph.add((checksum, SPDX.checksumValue, RdfLiteral(file.sha256, datatype=XSD.hexBinary)))


def _w3c_format(fmt: Format) -> URIRef:
    """The W3C format IRI (https://www.w3.org/ns/formats/) of an RDF format."""
    return W3C_FORMATS[W3C_FORMAT_NAMES.get(fmt.name, "RDF_XML")]
