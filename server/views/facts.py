"""The dataset as a whole: every figure and fact that describes it, queried once per data version.

The home page, the VoID description and the DCAT catalogue all read one ``DatasetFacts``,
so they cannot disagree about the network, its licence, its period or any count. The facts
take seconds to query on a large store, so they are kept in a JSON file beside the store of
their data version (``stored_facts``): a restart and every worker read them back. Queries
name the data's own vocabulary (``{base}def/…``) through bound variables (SEP-0007), never
by pasting the base into their text, so they work under any base. Oxigraph binds only the
variables a query projects, so every bound variable is in its SELECT clause.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any, TypeVar

from server.engine.interface import Engine, first
from server.engine.terms import BlankNode, Iri, Literal, Row, Term

PREFIXES = """PREFIX dcterms: <http://purl.org/dc/terms/> PREFIX owl: <http://www.w3.org/2002/07/owl#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>\n"""
XSD_ANY_URI = "http://www.w3.org/2001/XMLSchema#anyURI"
RDFS_LABEL = "http://www.w3.org/2000/01/rdf-schema#label"
SKOS_PREF_LABEL = "http://www.w3.org/2004/02/skos/core#prefLabel"
DCTERMS_TITLE = "http://purl.org/dc/terms/title"
DCTERMS_DESCRIPTION = "http://purl.org/dc/terms/description"
FOAF_NAME = "http://xmlns.com/foaf/0.1/name"
NAMES = (RDFS_LABEL, SKOS_PREF_LABEL, DCTERMS_TITLE, FOAF_NAME)
"""What may name the network when it has no English rdfs:label, in order of preference."""

EXAMPLE_CLASSES = ("City", "ResearchModule", "Publication")
KEYWORDS = ("migrant integration", "local integration policy", "European cities", "linked data")
LINK_TARGETS = {  # the clip: link property → title, home page, URI space, weakly corroborated
    "geonames": ("GeoNames", "https://www.geonames.org/", "https://sws.geonames.org/", False),
    "wikidata": ("Wikidata", "https://www.wikidata.org/", "http://www.wikidata.org/entity/", True),
}

COUNTS = """SELECT ?space (COUNT(*) AS ?triples) (COUNT(DISTINCT ?s) AS ?subjects) (COUNT(DISTINCT ?o) AS ?objects)
(COUNT(DISTINCT IF(isIRI(?s) && STRSTARTS(STR(?s), ?space), ?s, ?none)) AS ?entities)
WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?space"""
CLASSES = """SELECT ?class (COUNT(DISTINCT ?iri) AS ?entities) (COUNT(DISTINCT ?s) AS ?instances)
WHERE { GRAPH ?g { ?s a ?class } FILTER(isIRI(?class)) BIND(IF(isIRI(?s), ?s, ?none) AS ?iri) }
GROUP BY ?class ORDER BY ?class"""
PROPERTIES = "SELECT ?p (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?p ORDER BY ?p"
EXAMPLE = """SELECT ?type ?s WHERE { { ?s a ?type } UNION { ?s a/rdfs:subClassOf+ ?type } FILTER(isIRI(?s)) }
ORDER BY ?s LIMIT 1"""
NETWORK = "SELECT ?Network ?network WHERE { ?network a ?Network FILTER(isIRI(?network)) } ORDER BY ?network LIMIT 1"
DATES = """SELECT * WHERE {
  { ?network ?startDate ?date } UNION { ?network ?endDate ?date }
  UNION { ?event ?eventOf ?network ; ?startDate ?date } UNION { ?event ?eventOf ?network ; ?endDate ?date }
}"""
LICENCE = """SELECT ?licence WHERE { ?dataset dcterms:license ?licence ; a ?type .  # a dataset's, else the ontology's
  VALUES (?type ?order) { (<http://rdfs.org/ns/void#Dataset> 1) (<http://www.w3.org/ns/dcat#Dataset> 1)
    (<https://schema.org/Dataset> 1) (<http://www.w3.org/2002/07/owl#Ontology> 2) }
} ORDER BY ?order STR(?licence) LIMIT 1"""
ONTOLOGY = """SELECT ?ontology WHERE { ?ontology a owl:Ontology FILTER(isIRI(?ontology))
  OPTIONAL { ?ontology dcterms:license ?licence } } ORDER BY DESC(BOUND(?licence)) ?ontology LIMIT 1"""
SPATIAL = """SELECT DISTINCT ?memberCity ?country ?geonames ?place
WHERE { ?membership ?memberCity ?city . ?city ?country ?c . ?c ?geonames ?place } ORDER BY ?place"""
MODULES = """SELECT DISTINCT ?moduleOf ?network ?title
WHERE { ?module ?moduleOf ?network ; dcterms:title ?title FILTER(LANGMATCHES(LANG(?title), "en")) } ORDER BY ?title"""
TARGET_LICENCE = (
    "SELECT ?url ?home ?licence WHERE { ?source ?url ?home ; dcterms:license ?licence } ORDER BY ?licence LIMIT 1"
)
WEAK_SOURCES = """SELECT DISTINCT ?link ?sourceKind ?CodeIndex ?sourceId ?id
WHERE { ?s ?link ?o ; dcterms:source ?source . ?source ?sourceKind ?CodeIndex ; ?sourceId ?id } ORDER BY ?id"""


@dataclass(frozen=True)
class Network:
    """The network the data is about (a ``clip:Network``), as the home page and the descriptions name it."""

    iri: str
    label: str
    """Its English rdfs:label, else any name it has (``NAMES``), else its IRI."""
    name: str | None
    """Its skos:prefLabel, English or untagged."""
    acronym: str | None
    description: str | None
    """Its dcterms:description, English or untagged."""
    start: Literal | None
    """Its own clip:startDate, as stated (e.g. "2006"^^xsd:gYear)."""
    note: str | None
    """Its clip:dateNote (e.g. "spring 2006")."""


@dataclass(frozen=True)
class Linkset:
    """The links of one ``clip:`` link property to an outside dataset."""

    key: str
    """The local name of the link property (``geonames``), also the fragment of the linkset."""
    title: str
    homepage: str
    space: str
    """The URI space of the target dataset."""
    triples: int
    licence: str | None
    """The licence the data records for the target's data, if any."""
    caution: str | None
    """Why a reader should check the links, for weakly corroborated ones."""


@dataclass(frozen=True)
class DatasetFacts:
    """Everything the home page and the VoID and DCAT documents state about the dataset as a whole."""

    base: str
    triples: int
    """Triples in all named graphs (a triple in two graphs counts twice): the size of the store."""
    subjects: int
    objects: int
    entities: int
    """Distinct IRI subjects under ``{base}id/``."""
    classes: tuple[tuple[str, int], ...]
    """Each class (an IRI) with its IRI instances (VoID entities), by class IRI."""
    class_sizes: tuple[tuple[str, int], ...]
    """Each class with all its distinct instances, blank nodes included, largest first (the home page's list)."""
    properties: tuple[tuple[str, int], ...]
    """Each property with its triples, by property IRI."""
    graphs: tuple[tuple[str, int], ...]
    """Each named graph of the data with its triples."""
    examples: tuple[str, ...]
    network: Network | None
    licence: Term | None
    """A dataset's own dcterms:license if the data has one (void, dcat or schema.org Dataset), else the ontology's."""
    ontology: str | None
    """The ontology the data conforms to (one with a licence first)."""
    first_date: Literal | None
    last_date: Literal | None
    """The earliest and latest of the network's own dates and its events' dates, in their own datatypes."""
    spatial: tuple[str, ...]
    """The GeoNames IRIs of the member cities' countries."""
    keywords: tuple[str, ...]
    linksets: tuple[Linkset, ...]

    @property
    def years(self) -> tuple[int, int] | None:
        """The years of ``first_date`` and ``last_date``, when the data has dated the network."""
        if self.first_date is None or self.last_date is None:
            return None
        return int(self.first_date.value[:4]), int(self.last_date.value[:4])


def dataset_facts(engine: Engine, base: str, graph_names: list[str]) -> DatasetFacts:
    """Query the engine for every figure and fact about the dataset, once per load.

    ``graph_names`` are the IRIs of the named graphs the data was built into.
    """

    sizes = engine.graph_sizes()

    def rows(query: str, **bindings: Term) -> list[Row]:
        return engine.rows(PREFIXES + over_every_graph(query, sizes), **bindings)

    def terms(*names: str) -> dict[str, Term]:
        """The data's vocabulary terms ``names``, keyed by local name, to bind."""
        return {name: Iri(f"{base}def/{name}") for name in names}

    counts = rows(COUNTS, space=Literal(base + "id/"))
    classes = rows(CLASSES)
    properties = tuple((_text(row, "p"), _number(row, "n")) for row in rows(PROPERTIES))
    examples = (rows(EXAMPLE, type=Iri(f"{base}def/{name}")) for name in EXAMPLE_CLASSES)
    network = the_network(engine, base)
    first_date, last_date = network_dates(engine, base, network)
    spatial = rows(SPATIAL, **terms("memberCity", "country", "geonames"))
    modules = rows(MODULES, network=Iri(network.iri), **terms("moduleOf")) if network else []
    acronym = [network.acronym] if network and network.acronym else []
    return DatasetFacts(
        base=base,
        triples=int(first(counts, "triples") or 0),
        subjects=int(first(counts, "subjects") or 0),
        objects=int(first(counts, "objects") or 0),
        entities=int(first(counts, "entities") or 0),
        classes=tuple((_text(row, "class"), _number(row, "entities")) for row in classes),
        class_sizes=tuple(sorted(((_text(r, "class"), _number(r, "instances")) for r in classes), key=_largest)),
        properties=properties,
        graphs=tuple((name, sizes.get(name, 0)) for name in graph_names),
        examples=tuple(found[0]["s"].value for found in examples if found),
        network=network,
        licence=next((row["licence"] for row in rows(LICENCE)), None),
        ontology=first(rows(ONTOLOGY), "ontology"),
        first_date=first_date,
        last_date=last_date,
        spatial=tuple(_text(row, "place") for row in spatial),
        keywords=(*acronym, *KEYWORDS, *(_text(row, "title") for row in modules)),
        linksets=linksets(engine, base, dict(properties)),
    )


def over_every_graph(query: str, sizes: Mapping[str, int]) -> str:
    """The query over every triple of the store, each graph's copy counted.

    Its ``GRAPH ?g`` patterns see the named graphs only; when the default graph holds
    triples too (data loaded in bulk), they become patterns on the union default graph,
    which holds every graph's triples.

    >>> over_every_graph("SELECT * WHERE { GRAPH ?g { ?s ?p ?o } }", {"": 3})
    'SELECT * WHERE { { ?s ?p ?o } }'
    >>> over_every_graph("SELECT * WHERE { GRAPH ?g { ?s ?p ?o } }", {"http://g": 3})
    'SELECT * WHERE { GRAPH ?g { ?s ?p ?o } }'
    """
    return query.replace("GRAPH ?g {", "{") if sizes.get("", 0) else query


def the_network(engine: Engine, base: str) -> Network | None:
    """The ``clip:Network`` with the first IRI (blank nodes cannot be linked to), should there be several.

    Of the two queries this replaces, the VoID/DCAT one (IRIs only) won over the home page's (which
    could pick a blank node, as those sort first); its names follow the home page: English first.
    """
    iri = first(engine.rows(NETWORK, Network=Iri(f"{base}def/Network")), "network")
    if iri is None:
        return None
    outgoing, _ = engine.quads_about(iri)
    by_predicate: dict[str, list[Term]] = {}
    for quad in outgoing:
        by_predicate.setdefault(quad.predicate.value, []).append(quad.object)

    def english(predicate: str, untagged: bool = True) -> str | None:
        """The predicate's English value (en, en-GB…), else an untagged one when ``untagged``."""
        ranked = sorted((_rank(term), term.value) for term in by_predicate.get(predicate, ()) if _rank(term) < 2)
        return next((value for rank, value in ranked if rank == 0 or untagged), None)

    def any_value(predicate: str) -> Term | None:
        return min(by_predicate.get(predicate, ()), key=lambda term: (_rank(term), term.value), default=None)

    names = [(_rank(term), NAMES.index(p), term.value) for p in NAMES for term in by_predicate.get(p, ())]
    label = english(RDFS_LABEL, untagged=False) or min(names, default=(0, 0, iri))[2]
    start, acronym, note = (any_value(f"{base}def/{name}") for name in ("startDate", "acronym", "dateNote"))
    return Network(
        iri=iri,
        label=label,
        name=english(SKOS_PREF_LABEL),
        acronym=acronym.value if acronym else None,
        description=english(DCTERMS_DESCRIPTION),
        start=start if isinstance(start, Literal) else None,
        note=note.value if note else None,
    )


def network_dates(engine: Engine, base: str, network: Network | None) -> tuple[Literal | None, Literal | None]:
    """The first and the last date of the network: its own start and end dates and those of its events.

    Of the two queries this replaces, neither was whole: VoID/DCAT took the network's start as the
    first date and its events' latest as the last; the home page took the years of every event in the
    data, the network's or not. Here both ends come from the same dates, all of them the network's.
    Dates compare by their lexical form (ISO 8601: "2006" < "2006-09" < "2012-11-27"); only dates that
    begin with a year count, and of equal dates the network's own wins.
    """
    if network is None:
        return None, None
    bindings = {"network": Iri(network.iri), **{n: Iri(f"{base}def/{n}") for n in ("eventOf", "startDate", "endDate")}}
    dated = [
        (date.value, "event" in row, date.datatype, date)
        for row in engine.rows(DATES, **bindings)
        for date in [row.get("date")]
        if isinstance(date, Literal) and date.value[:4].isdigit()
    ]
    if not dated:
        return None, None
    earliest = min(dated, key=lambda entry: entry[:3])  # of equal dates, the network's own
    latest = max(dated, key=lambda entry: (entry[0], not entry[1], entry[2]))
    return earliest[3], latest[3]


def linksets(engine: Engine, base: str, properties: Mapping[str, int]) -> tuple[Linkset, ...]:
    """One linkset per link property the data uses, with the target's licence and a caution for weak links."""
    found = []
    for key, (title, homepage, space, weak) in LINK_TARGETS.items():
        triples = properties.get(f"{base}def/{key}")
        if not triples:
            continue
        home = Literal(homepage, datatype=XSD_ANY_URI)
        licence = first(engine.rows(PREFIXES + TARGET_LICENCE, home=home, url=Iri(f"{base}def/url")), "licence")
        terms = {name: Iri(f"{base}def/{name}") for name in ("sourceKind", "CodeIndex", "sourceId")}
        rows = engine.rows(PREFIXES + WEAK_SOURCES, link=Iri(f"{base}def/{key}"), **terms)
        sources = sorted({row["id"].value for row in rows if "id" in row})
        caution = (
            f"Weakly corroborated: the data takes these {title} identifiers from third-party files in a public code "
            f"index that were not written for CLIP ({', '.join(sources) or 'no source recorded'}). "
            f"Confirm each on {homepage} before relying on it."
        )
        found.append(Linkset(key, title, homepage, space, triples, licence, caution if weak else None))
    return tuple(found)


def _rank(term: Term) -> int:
    """0 for an English literal, 1 for an untagged one, 2 for any other term."""
    if not isinstance(term, Literal):
        return 2
    language = term.language.lower()
    return 0 if language == "en" or language.startswith("en-") else 1 if not language else 2


def _text(row: Row, variable: str) -> str:
    return row[variable].value if variable in row else ""


def _number(row: Row, variable: str) -> int:
    return int(row[variable].value) if variable in row else 0


def _largest(entry: tuple[str, int]) -> tuple[int, str]:
    return -entry[1], entry[0]


# --- the facts on disk ---------------------------------------------------------------------

FORMAT = 1
"""The version of the JSON that ``save_facts`` writes. Bump it with any change to ``DatasetFacts``,
``Network`` or ``Linkset`` (or to what a field means): files of another version are recomputed."""

T = TypeVar("T")


class MalformedFacts(ValueError):
    """A facts file whose JSON does not have the shape ``save_facts`` writes."""


def stored_facts(engine: Engine, base: str, graph_names: list[str], path: Path) -> DatasetFacts:
    """The facts kept at ``path`` for this data version, else queried from the engine and kept there.

    ``path`` must belong to one data version (beside its store): the file does not record the
    version. Workers that start together may each query and write; the last file wins,
    and all are the same. Facts of another base or other graphs (a file in the wrong place) are
    queried again too.
    """
    facts = load_facts(path)
    if facts is None or facts.base != base or [name for name, _ in facts.graphs] != graph_names:
        facts = dataset_facts(engine, base, graph_names)
        save_facts(facts, path)
    return facts


def save_facts(facts: DatasetFacts, path: Path) -> None:
    """Write the facts to ``path`` as JSON, whole or not at all: a reader never sees half a file."""
    text = json.dumps({"format": FORMAT, "facts": _facts_json(facts)}, indent=1)
    descriptor, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    temporary = Path(name)
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8") as file:
            file.write(text)
            file.flush()
            os.fsync(file.fileno())  # the data on disk before the name: a crash leaves the old file or the new
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


def load_facts(path: Path) -> DatasetFacts | None:
    """The facts ``save_facts`` wrote to ``path``; None when the file is missing, unreadable,
    of another ``FORMAT`` or malformed, for the caller to query them again."""
    try:
        document = _record(json.loads(path.read_bytes()), {"format", "facts"})
        if _int(document["format"]) != FORMAT:
            return None
        return _facts(document["facts"])
    except (OSError, ValueError, RecursionError):  # ValueError: bad UTF-8, bad JSON, MalformedFacts
        return None


def _facts_json(facts: DatasetFacts) -> dict[str, Any]:
    return {
        "base": facts.base,
        "triples": facts.triples,
        "subjects": facts.subjects,
        "objects": facts.objects,
        "entities": facts.entities,
        "classes": facts.classes,
        "class_sizes": facts.class_sizes,
        "properties": facts.properties,
        "graphs": facts.graphs,
        "examples": facts.examples,
        "network": _network_json(facts.network) if facts.network else None,
        "licence": _term_json(facts.licence) if facts.licence else None,
        "ontology": facts.ontology,
        "first_date": _term_json(facts.first_date) if facts.first_date else None,
        "last_date": _term_json(facts.last_date) if facts.last_date else None,
        "spatial": facts.spatial,
        "keywords": facts.keywords,
        "linksets": [_linkset_json(linkset) for linkset in facts.linksets],
    }


def _facts(value: object) -> DatasetFacts:
    data = _fields_of(value, DatasetFacts)
    return DatasetFacts(
        base=_str(data["base"]),
        triples=_int(data["triples"]),
        subjects=_int(data["subjects"]),
        objects=_int(data["objects"]),
        entities=_int(data["entities"]),
        classes=_counts(data["classes"]),
        class_sizes=_counts(data["class_sizes"]),
        properties=_counts(data["properties"]),
        graphs=_counts(data["graphs"]),
        examples=_tuple(data["examples"], _str),
        network=_optional(data["network"], _network),
        licence=_optional(data["licence"], _term),
        ontology=_optional(data["ontology"], _str),
        first_date=_optional(data["first_date"], _literal),
        last_date=_optional(data["last_date"], _literal),
        spatial=_tuple(data["spatial"], _str),
        keywords=_tuple(data["keywords"], _str),
        linksets=_tuple(data["linksets"], _linkset),
    )


def _network_json(network: Network) -> dict[str, Any]:
    return {
        "iri": network.iri,
        "label": network.label,
        "name": network.name,
        "acronym": network.acronym,
        "description": network.description,
        "start": _term_json(network.start) if network.start else None,
        "note": network.note,
    }


def _network(value: object) -> Network:
    data = _fields_of(value, Network)
    return Network(
        iri=_str(data["iri"]),
        label=_str(data["label"]),
        name=_optional(data["name"], _str),
        acronym=_optional(data["acronym"], _str),
        description=_optional(data["description"], _str),
        start=_optional(data["start"], _literal),
        note=_optional(data["note"], _str),
    )


def _linkset_json(linkset: Linkset) -> dict[str, Any]:
    return {
        "key": linkset.key,
        "title": linkset.title,
        "homepage": linkset.homepage,
        "space": linkset.space,
        "triples": linkset.triples,
        "licence": linkset.licence,
        "caution": linkset.caution,
    }


def _linkset(value: object) -> Linkset:
    data = _fields_of(value, Linkset)
    return Linkset(
        key=_str(data["key"]),
        title=_str(data["title"]),
        homepage=_str(data["homepage"]),
        space=_str(data["space"]),
        triples=_int(data["triples"]),
        licence=_optional(data["licence"], _str),
        caution=_optional(data["caution"], _str),
    )


def _term_json(term: Term) -> dict[str, str]:
    """A term as in the SPARQL 1.1 JSON results: its kind, its value and a literal's language and datatype."""
    if isinstance(term, Literal):
        return {"type": "literal", "value": term.value, "xml:lang": term.language, "datatype": term.datatype}
    return {"type": "uri" if isinstance(term, Iri) else "bnode", "value": term.value}


def _term(value: object) -> Term:
    if isinstance(value, dict) and value.get("type") == "literal":
        return _literal(value)
    data = _record(value, {"type", "value"})
    if data["type"] == "uri":
        return Iri(_str(data["value"]))
    if data["type"] == "bnode":
        return BlankNode(_str(data["value"]))
    raise MalformedFacts(f"not a kind of term: {data['type']!r}")


def _literal(value: object) -> Literal:
    data = _record(value, {"type", "value", "xml:lang", "datatype"})
    if data["type"] != "literal":
        raise MalformedFacts(f"expected a literal, not {data['type']!r}")
    return Literal(_str(data["value"]), language=_str(data["xml:lang"]), datatype=_str(data["datatype"]))


def _fields_of(value: object, cls: type) -> dict[str, object]:
    """``value`` as an object with exactly the fields of the dataclass ``cls``."""
    return _record(value, {field.name for field in fields(cls)})


def _record(value: object, keys: set[str]) -> dict[str, object]:
    """``value`` as a JSON object with exactly ``keys``."""
    if not isinstance(value, dict) or value.keys() != keys:
        raise MalformedFacts(f"expected an object with the keys {sorted(keys)}")
    return value


def _optional(value: object, decode: Callable[[object], T]) -> T | None:
    return None if value is None else decode(value)


def _tuple(value: object, decode: Callable[[object], T]) -> tuple[T, ...]:
    if not isinstance(value, list):
        raise MalformedFacts("expected an array")
    return tuple(decode(item) for item in value)


def _counts(value: object) -> tuple[tuple[str, int], ...]:
    """Pairs of an IRI and a count, as [[iri, count], …]."""
    return _tuple(value, _count)


def _count(value: object) -> tuple[str, int]:
    if not isinstance(value, list) or len(value) != 2:
        raise MalformedFacts("expected an [IRI, count] pair")
    return _str(value[0]), _int(value[1])


def _str(value: object) -> str:
    if not isinstance(value, str):
        raise MalformedFacts("expected a string")
    return value


def _int(value: object) -> int:
    if not isinstance(value, int) or isinstance(value, bool):  # JSON true is not 1
        raise MalformedFacts("expected an integer")
    return value
