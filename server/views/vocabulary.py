"""What the vocabulary documentation shows, read from the ontology graph and counted in the store.

Terms are the IRIs of the ontology's namespace that the ontology types. Terms of the
namespace link to their anchors (``#City``), other IRIs show as prefixed names linking to
themselves. Instances are counted across all graphs, with the class bound by substitution.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.collection import Collection
from rdflib.namespace import DCTERMS, OWL, RDF, RDFS, SKOS
from rdflib.term import Node

from server.engine.interface import Engine
from server.engine.terms import Iri, Row
from server.engine.terms import Literal as LiteralTerm
from server.namespaces import VANN
from server.urls import Urls

INSTANCE_LIMIT = 10
KINDS = (
    ("classes", OWL.Class, "Classes", "class"),
    ("object-properties", OWL.ObjectProperty, "Object properties", "object property"),
    ("datatype-properties", OWL.DatatypeProperty, "Datatype properties", "datatype property"),
    ("annotation-properties", OWL.AnnotationProperty, "Annotation properties", "annotation property"),
)
INDIVIDUALS = ("individuals", "Individuals", "individual")
CHARACTERISTICS: dict[Node, str] = {
    OWL[f"{n.title().replace(' ', '')}Property"]: n
    for n in ("functional", "inverse functional", "transitive", "symmetric", "asymmetric", "reflexive", "irreflexive")
}
SHOWN = {RDF.type, RDFS.label, SKOS.definition, RDFS.comment, RDFS.isDefinedBy, RDFS.subClassOf, RDFS.subPropertyOf}
SHOWN |= {RDFS.domain, RDFS.range, OWL.inverseOf, OWL.propertyChainAxiom, OWL.disjointWith}
COUNT_INSTANCES = "SELECT ?class (COUNT(DISTINCT ?instance) AS ?count) WHERE { ?instance a ?class } GROUP BY ?class"
COUNT_USES = (
    "SELECT ?property (COUNT(*) AS ?count) WHERE { SELECT DISTINCT ?s ?property ?o { ?s ?property ?o } } "
    "GROUP BY ?property"
)
INSTANCES = """PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
SELECT %(group)s?instance ?label WHERE {
  { SELECT %(group)s?instance (SAMPLE(?name) AS ?label) WHERE {
      ?instance a %(class)s .
      OPTIONAL { ?instance rdfs:label ?name FILTER(lang(?name) = "" || langMatches(lang(?name), "en")) }
    } GROUP BY %(group)s?instance }
} ORDER BY LCASE(STR(?label)) ?instance"""
"""The instances of a class, labelled: bound by substitution for the page, written out for the SPARQL link.
Sorted outside the grouping sub-select: Virtuoso 7.2 refuses ORDER BY over an expression of an aggregate's alias."""


@dataclass(frozen=True)
class Ref:
    """A term, IRI or value as the page shows it: text, and a link when there is one."""

    text: str
    href: str | None = None
    title: str = ""
    local: bool = False


@dataclass(frozen=True)
class Instances:
    """How many instances a class has in the data, the first few, and where to see all."""

    count: int
    shown: tuple[Ref, ...]
    more_href: str | None


@dataclass
class Term:
    """One term of the vocabulary and everything the page says about it."""

    iri: str
    name: str
    curie: str
    kind: str
    label: str
    definition: str
    comments: list[str]
    facts: list[tuple[str, list[Ref]]] = field(default_factory=list)
    chain: list[Ref] = field(default_factory=list)
    characteristics: list[str] = field(default_factory=list)
    instances: Instances | None = None
    uses: int | None = None


@dataclass
class Section:
    """A part of the documentation (classes, … individuals) or a group in it (the individuals of one class)."""

    id: str
    title: str
    terms: list[Term] = field(default_factory=list)
    groups: list[Section] = field(default_factory=list)
    of: Ref | None = None

    @property
    def size(self) -> int:
        """How many terms the section documents."""
        return len(self.terms) + sum(g.size for g in self.groups)


@dataclass
class Vocabulary:
    """The ontology's own description and its documented terms."""

    iri: str
    title: str
    description: str
    comments: list[str]
    version: str
    version_iri: str | None
    licence: list[Ref]
    creators: list[Ref]
    created: str
    modified: str
    prefix: str
    sections: list[Section]
    external: list[tuple[str, str, list[Ref]]]
    terms: dict[str, Term]


class Reader:
    """Reads a Vocabulary out of the ontology graph, with instance counts from the engine."""

    def __init__(self, graph: Graph, engine: Engine, urls: Urls, query_href: Callable[[str], str]):
        self.graph, self.engine, self.urls, self.query_href = graph, engine, urls, query_href
        ontology = graph.value(None, RDF.type, OWL.Ontology)
        if not isinstance(ontology, URIRef):
            raise ValueError("the ontology graph has no owl:Ontology")
        self.iri = str(ontology)
        self.prefix = self.text(ontology, VANN.preferredNamespacePrefix) or "clip"
        typed = {str(s) for s in graph.subjects(RDF.type, None) if isinstance(s, URIRef)}
        self.names = {s: s[len(self.iri) :] for s in typed if s.startswith(self.iri) and s != self.iri}
        self.prefixes = sorted(((str(ns), p) for p, ns in graph.namespaces() if str(ns) != self.iri), reverse=True)
        self.mapped: dict[str, set[str]] = {}

    def text(self, subject: Node, predicate: URIRef) -> str:
        """The English (or untagged, or any) value of a property, as text."""
        values = [v for v in self.graph.objects(subject, predicate) if isinstance(v, Literal)]
        ranked = sorted(values, key=lambda v: (v.language not in ("en", None), v.language is not None, str(v)))
        return str(ranked[0]) if ranked else ""

    def ref(self, node: Node) -> Ref:
        """How the page shows a node: clip terms by anchor, other IRIs as prefixed names."""
        if isinstance(node, Literal):
            return Ref(str(node))
        if isinstance(node, BNode):
            return Ref("(anonymous)")
        iri = str(node)
        if iri in self.names:
            return Ref(f"{self.prefix}:{self.names[iri]}", "#" + self.names[iri], self.text(node, RDFS.label), True)
        if self.urls.is_local(iri):
            return Ref(iri, self.urls.link(iri))
        return Ref(self.curie(iri), self.urls.link(iri), iri)

    def curie(self, iri: str) -> str:
        """A prefixed name with the ontology's prefixes, or the IRI itself."""
        for namespace, prefix in self.prefixes:
            if iri.startswith(namespace) and len(iri) > len(namespace):
                return f"{prefix}:{iri[len(namespace) :]}"
        return iri

    def refs(self, nodes: Iterable[Node]) -> list[Ref]:
        """Refs sorted by their text, without duplicates."""
        return sorted({self.ref(n) for n in nodes}, key=lambda r: (not r.local, r.text.casefold()))

    def vocabulary(self) -> Vocabulary:
        """The whole documentation model."""
        node, graph = URIRef(self.iri), self.graph
        terms = {iri: self.term(URIRef(iri)) for iri in self.names}
        version = graph.value(node, OWL.versionIRI)
        return Vocabulary(
            iri=self.iri,
            title=self.text(node, DCTERMS.title) or self.text(node, RDFS.label) or self.iri,
            description=self.text(node, DCTERMS.description),
            comments=sorted(str(c) for c in graph.objects(node, RDFS.comment)),
            version=self.text(node, OWL.versionInfo),
            version_iri=str(version) if isinstance(version, URIRef) else None,
            licence=self.refs(graph.objects(node, DCTERMS.license)),
            creators=self.refs(graph.objects(node, DCTERMS.creator)),
            created=self.text(node, DCTERMS.created),
            modified=self.text(node, DCTERMS.modified),
            prefix=self.prefix,
            sections=self.sections(list(terms.values())),
            external=self.external(),
            terms=terms,
        )

    def term(self, node: URIRef) -> Term:
        """One term with the facts of its kind."""
        types = set(self.graph.objects(node, RDF.type))
        kind = next((label for _, cls, _, label in KINDS if cls in types), INDIVIDUALS[2])
        name = self.names[str(node)]
        comments = sorted(str(c) for c in self.graph.objects(node, RDFS.comment))
        label, definition = self.text(node, RDFS.label) or name, self.text(node, SKOS.definition)
        term = Term(str(node), name, f"{self.prefix}:{name}", kind, label, definition, comments)
        if kind == "class":
            self.class_facts(term, node)
        elif kind == INDIVIDUALS[2]:
            term.facts.append(("Type", self.refs((types - {OWL.NamedIndividual}) or types)))
        else:
            self.property_facts(term, node, types)
        others = sorted({p for p in self.graph.predicates(node, None) if p not in SHOWN}, key=str)
        term.facts += [(self.curie(str(p)), self.refs(self.graph.objects(node, p))) for p in others]
        term.facts = [(label, refs) for label, refs in term.facts if refs]
        return term

    def class_facts(self, term: Term, node: URIRef) -> None:
        """Super- and subclasses, disjoint classes, the properties it is domain or range of, instances."""
        graph = self.graph
        supers = list(graph.objects(node, RDFS.subClassOf))
        self._note_mappings(supers)
        disjoint = [*graph.objects(node, OWL.disjointWith), *graph.subjects(OWL.disjointWith, node)]
        term.facts += [
            ("Superclasses", self.refs(supers)),
            ("Subclasses", self.refs(graph.subjects(RDFS.subClassOf, node))),
            ("Equivalent classes", self.refs(graph.objects(node, OWL.equivalentClass))),
            ("Disjoint with", self.refs(disjoint)),
            ("Domain of", self.refs(graph.subjects(RDFS.domain, node))),
            ("Range of", self.refs(graph.subjects(RDFS.range, node))),
        ]
        term.instances = self.instances(term.iri)

    def property_facts(self, term: Term, node: URIRef, types: set[Node]) -> None:
        """Super- and subproperties, domain, range, inverse, characteristics, chain, uses."""
        graph = self.graph
        supers = list(graph.objects(node, RDFS.subPropertyOf))
        self._note_mappings(supers)
        inverses = [*graph.objects(node, OWL.inverseOf), *graph.subjects(OWL.inverseOf, node)]
        term.facts += [
            ("Super-properties", self.refs(supers)),
            ("Sub-properties", self.refs(graph.subjects(RDFS.subPropertyOf, node))),
            ("Equivalent properties", self.refs(graph.objects(node, OWL.equivalentProperty))),
            ("Domain", self.refs(graph.objects(node, RDFS.domain))),
            ("Range", self.refs(graph.objects(node, RDFS.range))),
            ("Inverse of", self.refs(inverses)),
        ]
        term.characteristics = sorted(CHARACTERISTICS[t] for t in types if t in CHARACTERISTICS)
        chain = graph.value(node, OWL.propertyChainAxiom)
        term.chain = [self.ref(step) for step in Collection(graph, chain)] if chain is not None else []
        term.uses = self.count(COUNT_USES, "property", term.iri)

    def _note_mappings(self, targets: Iterable[Node]) -> None:
        for target in targets:
            curie = self.curie(str(target))
            if isinstance(target, URIRef) and str(target) not in self.names and curie != str(target):
                self.mapped.setdefault(curie.split(":", 1)[0], set()).add(str(target))

    def external(self) -> list[tuple[str, str, list[Ref]]]:
        """The vocabularies mapped to (by subclass and subproperty axioms): prefix, namespace, terms."""
        namespaces = {prefix: ns for ns, prefix in self.prefixes}
        return [(p, namespaces[p], self.refs(URIRef(i) for i in self.mapped[p])) for p in sorted(self.mapped)]

    def select(self, query: str, variable: str, iri: str) -> list[Row]:
        """Run a SELECT query in all graphs with the variable bound to an IRI (never written into the text)."""
        return self.engine.rows(query, **{variable: Iri(iri)})

    def count(self, query: str, variable: str, iri: str) -> int:
        """The ?count of a grouped counting query (no group: 0)."""
        counts = [s["count"] for s in self.select(query, variable, iri) if "count" in s]
        return int(counts[0].value) if counts and isinstance(counts[0], LiteralTerm) else 0

    def instances(self, iri: str) -> Instances:
        """The instance count of a class in all graphs, the first instances, and a query for all."""
        count = self.count(COUNT_INSTANCES, "class", iri)
        listing = INSTANCES % {"group": "?class ", "class": "?class"} + f" LIMIT {INSTANCE_LIMIT}"
        shown = tuple(self._instance(s["instance"], s.get("label")) for s in self.select(listing, "class", iri))
        more = None
        if count > len(shown):
            more = self.query_href(INSTANCES % {"group": "", "class": URIRef(iri).n3()})
        return Instances(count, shown, more)

    def _instance(self, node: object, label: object) -> Ref:
        text = label.value if isinstance(label, LiteralTerm) else None
        if isinstance(node, Iri):
            if node.value in self.names:
                return self.ref(URIRef(node.value))
            return Ref(text or node.value, self.urls.link(node.value), node.value)
        return Ref(text or "(anonymous)")

    def sections(self, terms: list[Term]) -> list[Section]:
        """Terms by kind; individuals grouped by their class."""
        ordered = sorted(terms, key=lambda t: (t.label.casefold(), t.name))
        sections = [Section(f"section-{i}", title, [t for t in ordered if t.kind == k]) for i, _, title, k in KINDS]
        individuals = [t for t in ordered if t.kind == INDIVIDUALS[2]]
        typed = [(t, dict(t.facts)["Type"]) for t in individuals]
        classes = sorted({r for _, types in typed for r in types}, key=lambda r: r.text)
        members = {r: [t for t, types in typed if r in types] for r in classes}
        groups = [Section("group-" + r.text.replace(":", "-"), r.title or r.text, members[r], of=r) for r in classes]
        sections.append(Section("section-" + INDIVIDUALS[0], INDIVIDUALS[1], groups=groups))
        return [s for s in sections if s.size]
