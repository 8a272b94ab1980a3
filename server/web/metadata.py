"""The dataset described in VoID at /.well-known/void and in DCAT 3 at /catalog.

Figures come from queries over the store, run once per data load (``dataset_facts``, kept per
``AppState``); each document is built and serialized once per server URL and format (a bounded
cache kept with those facts). What the description *names* (dataset, subsets, distributions, publisher) has IRIs
under the data's base, the same whichever host serves it; what a client *fetches* (dumps, the
endpoint, these documents, the home page) is a URL of this server as the request reached it,
``request.url_root`` (``request.host_url`` plus any script root): right on localhost, behind a
proxy and under the public name alike."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

import pyoxigraph
from flask import Blueprint, Response, render_template, request
from rdflib import XSD, Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCAT, DCTERMS, FOAF, RDF, RDFS, SKOS, VOID
from rdflib.term import Node

from server.engine.store import Store
from server.errors import NotAcceptable
from server.formats import Format, by_name, negotiate
from server.web.dumps import SPDX, W3C_FORMAT_NAMES, W3C_FORMATS, DumpFile, PerLoad, describe_distributions, dump_files
from server.web.state import AppState, state

blueprint = Blueprint("metadata", __name__)

VCARD = Namespace("http://www.w3.org/2006/vcard/ns#")
BINDINGS = (("void", VOID), ("dcat", DCAT), ("spdx", SPDX), ("vcard", VCARD), ("formats", W3C_FORMATS))
THEMES = "http://publications.europa.eu/resource/authority/data-theme"
SPARQL_PROTOCOL = URIRef("https://www.w3.org/TR/sparql11-protocol/")
HTML = Format("html", "HTML", "text/html", "html", "page")
OFFERED = (*(by_name(name) for name in ("ttl", "nt", "jsonld", "rdf")), HTML)  # Turtle for RDF clients and */*
PUBLISHER = "CLIP knowledge graph project"
EXAMPLE_CLASSES = ("City", "ResearchModule", "Publication")
KEYWORDS = ("migrant integration", "local integration policy", "European cities", "linked data")
LINK_TARGETS = {  # the clip: link property → title, home page, URI space, weakly corroborated
    "geonames": ("GeoNames", "https://www.geonames.org/", "https://sws.geonames.org/", False),
    "wikidata": ("Wikidata", "https://www.wikidata.org/", "http://www.wikidata.org/entity/", True),
}
PREFIXES = """PREFIX dcterms: <http://purl.org/dc/terms/> PREFIX owl: <http://www.w3.org/2002/07/owl#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>\n"""
COUNTS = """SELECT ?space (COUNT(*) AS ?triples) (COUNT(DISTINCT ?s) AS ?subjects) (COUNT(DISTINCT ?o) AS ?objects)
(COUNT(DISTINCT IF(isIRI(?s) && STRSTARTS(STR(?s), ?space), ?s, ?none)) AS ?entities)
WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?space"""
CLASSES = """SELECT ?class (COUNT(DISTINCT ?iri) AS ?n) WHERE { GRAPH ?g { ?s a ?class }
FILTER(isIRI(?class)) BIND(IF(isIRI(?s), ?s, ?none) AS ?iri) } GROUP BY ?class ORDER BY ?class"""
PROPERTIES = "SELECT ?p (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?p ORDER BY ?p"
EXAMPLE = "SELECT ?type ?s WHERE { ?s a/rdfs:subClassOf* ?type FILTER(isIRI(?s)) } ORDER BY ?s LIMIT 1"
NETWORK = "SELECT ?Network ?s WHERE { ?s a ?Network FILTER(isIRI(?s)) } ORDER BY ?s LIMIT 1"
DATES = "SELECT * WHERE { ?event ?eventOf ?network . { ?event ?startDate ?date } UNION { ?event ?endDate ?date } }"
LICENCE = "SELECT ?ontology ?licence WHERE { ?ontology a owl:Ontology ; dcterms:license ?licence } ORDER BY ?ontology"
SPATIAL = """SELECT DISTINCT ?memberCity ?country ?geonames ?place
WHERE { ?membership ?memberCity ?city . ?city ?country ?c . ?c ?geonames ?place } ORDER BY ?place"""
MODULES = """SELECT DISTINCT ?moduleOf ?network ?title
WHERE { ?module ?moduleOf ?network ; dcterms:title ?title FILTER(LANGMATCHES(LANG(?title), "en")) } ORDER BY ?title"""
TARGET_LICENCE = "SELECT ?url ?home ?licence WHERE { ?source ?url ?home ; dcterms:license ?licence } ORDER BY ?licence"
WEAK_SOURCES = """SELECT DISTINCT ?link ?sourceKind ?CodeIndex ?sourceId ?id
WHERE { ?s ?link ?o ; dcterms:source ?source . ?source ?sourceKind ?CodeIndex ; ?sourceId ?id } ORDER BY ?id"""


@dataclass(frozen=True, eq=False)
class Facts:
    """Everything the descriptions state, from the store, once per load (equal by identity)."""

    base: str
    counts: dict[str, int]
    classes: tuple[tuple[str, int], ...]
    properties: tuple[tuple[str, int], ...]
    graphs: tuple[tuple[str, int], ...]
    examples: tuple[str, ...]
    about: dict[str, Node]
    spatial: tuple[str, ...]
    keywords: tuple[str, ...]
    linksets: dict[str, tuple[int, str | None, str | None]]  # clip:{key} → triples, target's licence, caution
    files: tuple[DumpFile, ...]
    documents: dict[tuple[str, str, str], bytes] = field(default_factory=dict, repr=False)  # see _serialized


def _select(store: Store, query: str, **values: object) -> list[pyoxigraph.QuerySolution]:
    """Run a SELECT with values bound by substitution (SEP-0007), never pasted into the text."""
    results = store.select(PREFIXES + query, substitutions={pyoxigraph.Variable(k): v for k, v in values.items()})
    return list(results) if isinstance(results, pyoxigraph.QuerySolutions) else []


def _terms(base: str, *names: str) -> dict[str, object]:
    """The CLIP vocabulary terms ``names`` under ``base``, keyed by local name."""
    return {name: pyoxigraph.NamedNode(f"{base}def/{name}") for name in names}


def _rdflib(term: object) -> Node:
    if isinstance(term, pyoxigraph.Literal):
        return Literal(term.value, lang=term.language, datatype=None if term.language else URIRef(term.datatype.value))
    return URIRef(str(getattr(term, "value", term)))


def _about(store: Store, base: str) -> dict[str, Node]:
    """The ontology and its licence; the network, its label, description and period."""
    about: dict[str, Node] = {}
    for row in _select(store, LICENCE)[:1]:
        about.update(ontology=_rdflib(row["ontology"]), licence=_rdflib(row["licence"]))
    network = next((row["s"] for row in _select(store, NETWORK, **_terms(base, "Network"))), None)
    if network is None:
        return about
    about["network"] = _rdflib(network)
    wanted = {str(SKOS.prefLabel): "label", str(DCTERMS.description): "description", f"{base}def/acronym": "acronym"}
    wanted[f"{base}def/startDate"] = "start"
    for quad in store.quads_about(network.value)[0]:
        name = wanted.get(quad.predicate.value)
        if name and name not in about and getattr(quad.object, "language", None) in (None, "en"):
            about[name] = _rdflib(quad.object)
    dates = _select(store, DATES, network=network, **_terms(base, "eventOf", "startDate", "endDate"))
    if dates:  # the latest date of the network's events: the end of the final one
        about["end"] = _rdflib(max((row["date"] for row in dates), key=lambda d: d.value))
    return about


def _linksets(store: Store, base: str, properties: dict[str, int]) -> dict[str, tuple[int, str | None, str | None]]:
    linksets = {}
    for key, (title, homepage, _, weak) in LINK_TARGETS.items():
        if not properties.get(f"{base}def/{key}"):
            continue
        home = pyoxigraph.Literal(homepage, datatype=pyoxigraph.NamedNode(str(XSD.anyURI)))
        licences = _select(store, TARGET_LICENCE, home=home, **_terms(base, "url"))
        terms = _terms(base, "sourceKind", "CodeIndex", "sourceId")
        rows = _select(store, WEAK_SOURCES, link=_terms(base, key)[key], **terms)
        sources = sorted({row["id"].value for row in rows})
        caution = (
            f"Weakly corroborated: the data takes these {title} identifiers from third-party files in a public code "
            f"index that were not written for CLIP ({', '.join(sources) or 'no source recorded'}). "
            f"Confirm each on {homepage} before relying on it."
        )
        licence = licences[0]["licence"].value if licences else None
        linksets[key] = (properties[f"{base}def/{key}"], licence, caution if weak else None)
    return linksets


@PerLoad
def dataset_facts(current: AppState) -> Facts:
    """Query the loaded store for every figure and fact of the descriptions, once per load."""
    store, base = current.store, current.kg.base
    properties = tuple((row["p"].value, int(row["n"].value)) for row in _select(store, PROPERTIES))
    examples = [_select(store, EXAMPLE, type=_terms(base, name)[name]) for name in EXAMPLE_CLASSES]
    spatial = _select(store, SPATIAL, **_terms(base, "memberCity", "country", "geonames"))
    about, sizes = _about(store, base), store.graph_sizes()
    network = pyoxigraph.NamedNode(str(about["network"])) if "network" in about else None
    modules = _select(store, MODULES, network=network, **_terms(base, "moduleOf")) if network else []
    acronym = [str(about["acronym"])] if "acronym" in about else []
    rows = _select(store, COUNTS, space=pyoxigraph.Literal(base + "id/"))[:1]
    return Facts(
        base=base,
        counts={name: int(row[name].value) for row in rows for name in ("triples", "subjects", "objects", "entities")},
        classes=tuple((row["class"].value, int(row["n"].value)) for row in _select(store, CLASSES)),
        properties=properties,
        graphs=tuple((name, sizes.get(name, 0)) for name in current.kg.graph_names()),
        examples=tuple(rows[0]["s"].value for rows in examples if rows),
        about=about,
        spatial=tuple(row["place"].value for row in spatial),
        keywords=(*acronym, *KEYWORDS, *(row["title"].value for row in modules)),
        linksets=_linksets(store, base, dict(properties)),
        files=dump_files(current),
    )


def _add(graph: Graph, subject: Node, *pairs: tuple[Node, Node | str | int | None]) -> None:
    """Add ``subject predicate value`` for every known value; text is English, numbers xsd:integer."""
    for predicate, value in pairs:
        if isinstance(value, Node):
            graph.add((subject, predicate, value))
        elif isinstance(value, str | int):
            literal = Literal(value, lang="en") if isinstance(value, str) else Literal(value, datatype=XSD.integer)
            graph.add((subject, predicate, literal))


def _describe(graph: Graph, facts: Facts, root: str) -> URIRef:
    """Title, description, licence and publisher of the dataset, the same in both documents."""
    for prefix, namespace in (*BINDINGS, ("clip", Namespace(f"{facts.base}def/"))):
        graph.bind(prefix, namespace)
    about, base = facts.about, facts.base
    dataset, publisher = URIRef(f"{base}.well-known/void#dataset"), URIRef(f"{base}catalog#publisher")
    title = f"{about['acronym']} knowledge graph" if "acronym" in about else "Knowledge graph"
    summary = f"Linked data about the {about['label']}. {about.get('description', '')}" if "label" in about else title
    _add(graph, dataset, (DCTERMS.title, title), (DCTERMS.description, summary.strip()))
    _add(graph, dataset, (DCTERMS.license, about.get("licence")), (DCTERMS.publisher, publisher))
    _add(graph, dataset, (DCTERMS.subject, about.get("network")), (FOAF.homepage, URIRef(root)))
    note = "The people who build and run this publication of the data: not the CLIP network, nor any body it describes."
    _add(graph, publisher, (RDF.type, FOAF.Organization), (FOAF.name, PUBLISHER), (RDFS.comment, note))
    return dataset


def build_void(facts: Facts, root: str) -> Graph:
    """The VoID description (https://www.w3.org/TR/void/) of the dataset served at ``root``."""
    graph, counts, document = Graph(), facts.counts, URIRef(root + ".well-known/void")
    dataset = _describe(graph, facts, root)
    _add(graph, document, (RDF.type, VOID.DatasetDescription), (FOAF.primaryTopic, dataset))
    _add(graph, document, (DCTERMS.title, "VoID description of the dataset"))
    _add(graph, dataset, (RDF.type, VOID.Dataset), (VOID.sparqlEndpoint, URIRef(root + "sparql")))
    _add(graph, dataset, (VOID.triples, counts["triples"]), (VOID.entities, counts["entities"]))
    _add(graph, dataset, (VOID.classes, len(facts.classes)), (VOID.properties, len(facts.properties)))
    _add(graph, dataset, (VOID.distinctSubjects, counts["subjects"]))
    _add(graph, dataset, (VOID.distinctObjects, counts["objects"]), (RDFS.seeAlso, URIRef(root + "catalog")))
    _add(graph, dataset, (VOID.uriSpace, Literal(facts.base + "id/")), (VOID.rootResource, facts.about.get("network")))
    for file in facts.files:
        _add(graph, dataset, (VOID.dataDump, URIRef(f"{root}dumps/{file.name}")))
        _add(graph, dataset, (VOID.feature, W3C_FORMATS[W3C_FORMAT_NAMES.get(file.fmt.name, "RDF_XML")]))
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
            node = URIRef(f"{facts.base}.well-known/void#{kind}-{local}-{hashlib.sha256(iri.encode()).hexdigest()[:6]}")
            graph.add((dataset, link, node))
            _add(graph, node, (RDF.type, VOID.Dataset), (key, URIRef(iri)), (count, number))
    _describe_linksets(graph, dataset, facts)
    return graph


def _describe_linksets(graph: Graph, dataset: URIRef, facts: Facts) -> None:
    """One void:Linkset per link property, pointing at a void:Dataset for the other side."""
    for key, (triples, licence, caution) in facts.linksets.items():
        title, homepage, space, _ = LINK_TARGETS[key]
        node, target = (
            URIRef(f"{facts.base}.well-known/void#links-{key}"),
            URIRef(f"{facts.base}.well-known/void#{key}"),
        )
        graph.add((dataset, VOID.subset, node))
        _add(graph, node, (RDF.type, VOID.Linkset), (DCTERMS.title, f"Links to {title}"), (RDFS.comment, caution))
        _add(graph, node, (VOID.linkPredicate, URIRef(f"{facts.base}def/{key}")), (VOID.triples, triples))
        _add(graph, node, (VOID.subjectsTarget, dataset), (VOID.objectsTarget, target), (DCTERMS.description, caution))
        _add(graph, target, (RDF.type, VOID.Dataset), (DCTERMS.title, Literal(title)))
        _add(graph, target, (FOAF.homepage, URIRef(homepage)), (VOID.uriSpace, Literal(space)))
        _add(graph, target, (DCTERMS.license, URIRef(licence) if licence else None))


def build_dcat(facts: Facts, root: str) -> Graph:
    """The DCAT 3 catalogue (https://www.w3.org/TR/vocab-dcat-3/): dataset, dumps, endpoint."""
    graph, base, about, publisher = Graph(), facts.base, facts.about, URIRef(f"{facts.base}catalog#publisher")
    dataset, licence, endpoint = _describe(graph, facts, root), about.get("licence"), URIRef(root + "sparql")
    catalog, service = URIRef(f"{base}catalog#catalog"), URIRef(root + "sparql#service")
    contact, period = URIRef(f"{base}catalog#contact"), URIRef(f"{base}catalog#period")
    _add(graph, catalog, (RDF.type, DCAT.Catalog), (DCTERMS.title, "Catalogue of the CLIP knowledge graph"))
    _add(graph, catalog, (DCTERMS.publisher, publisher), (DCTERMS.license, licence))
    _add(graph, catalog, (DCAT.dataset, dataset), (DCAT.service, service), (DCAT.themeTaxonomy, URIRef(THEMES)))
    _add(graph, dataset, (RDF.type, DCAT.Dataset), (DCAT.landingPage, URIRef(root)), (DCAT.contactPoint, contact))
    _add(graph, dataset, (DCTERMS.conformsTo, about.get("ontology")), (DCAT.theme, URIRef(THEMES + "/SOCI")))
    _add(graph, dataset, (RDFS.seeAlso, URIRef(root + ".well-known/void")))
    _add(graph, contact, (RDF.type, VCARD.Kind), (VCARD.fn, PUBLISHER), (VCARD.hasURL, URIRef(root)))
    if "start" in about or "end" in about:
        _add(graph, dataset, (DCTERMS.temporal, period))
        _add(graph, period, (RDF.type, DCTERMS.PeriodOfTime))
        _add(graph, period, (DCAT.startDate, about.get("start")), (DCAT.endDate, about.get("end")))
    _add(graph, dataset, *((DCTERMS.spatial, URIRef(place)) for place in facts.spatial))
    _add(graph, dataset, *((DCAT.keyword, word) for word in facts.keywords))
    describe_distributions(graph, dataset, facts.files, root, base)
    _add(graph, service, (RDF.type, DCAT.DataService), (DCTERMS.title, "SPARQL endpoint"))
    _add(graph, service, (DCAT.endpointURL, endpoint), (DCAT.endpointDescription, endpoint))
    _add(graph, service, (DCAT.servesDataset, dataset), (DCTERMS.conformsTo, SPARQL_PROTOCOL))
    _add(graph, service, (DCTERMS.publisher, publisher))
    return graph


def _serialized(facts: Facts, root: str, document: str, fmt: Format) -> bytes:
    """One document in one format for one server URL, kept with the load's facts (at most 32: the Host is the
    client's to choose)."""
    key = (root, document, fmt.name)
    if key not in facts.documents:
        graph = build_void(facts, root) if document == "void" else build_dcat(facts, root)
        if len(facts.documents) >= 32:
            facts.documents.clear()
        facts.documents[key] = graph.serialize(format=fmt.rdflib_name or "turtle", encoding="utf-8")
    return facts.documents[key]


@blueprint.get("/.well-known/void", defaults={"document": "void"}, endpoint="void")
@blueprint.get("/catalog", defaults={"document": "dcat"}, endpoint="catalog")
def describe(document: str) -> Response:
    """VoID (at its well-known location, VoID 7.2) or DCAT: RDF by Accept or ?format=, or HTML."""
    explicit = request.args.get("format")
    chosen = by_name(explicit, OFFERED) if explicit else negotiate(request.headers.get("Accept"), OFFERED)
    if chosen is None:
        available = ", ".join(f.media_type for f in OFFERED)
        raise NotAcceptable(f"none of the accepted media types is available; available: {available}")
    facts, root = dataset_facts(state()), request.url_root
    if chosen is HTML:
        page = render_template("metadata.html", document=document, facts=facts, root=root, formats=OFFERED[:-1])
        response = Response(page, mimetype="text/html")
    else:
        response = Response(_serialized(facts, root, document, chosen), mimetype=chosen.media_type)
    response.vary.add("Accept")
    return response
