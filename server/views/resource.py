"""What a resource's documents show: its RDF description and its HTML page's content.

The page names the resource in the reader's language (marking a fallback), lists its
types, every outgoing statement and its incoming links grouped by property and paged,
each statement marked with the graph it is in (asserted, inferred, ontology) and the
sources of its subject. Sections by kind (``page_kinds``) add to this generic page only
when the resource has their classes.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote, urlencode

import pyoxigraph
from flask import url_for
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import FOAF, RDFS

from server.urls import Urls
from server.views import citations
from server.views import kinds as page_kinds
from server.views.kinds import natural
from server.web.search import DCT, RDF, Label, Lookup, similar_labels, solutions
from server.web.state import AppState

PAGE_SIZE = 20
"""Incoming links shown per property; the rest are a link away, never dropped."""
GRAPH_ORDER = {"asserted": 0, "inferred": 1, "ontology": 2}
VARIANTS = (("ttl", "Turtle"), ("nt", "N-Triples"), ("jsonld", "JSON-LD"), ("rdf", "RDF/XML"))
XSD = "http://www.w3.org/2001/XMLSchema#"


def resource_graph(state: AppState, urls: Urls, iri: str) -> Graph:
    """The RDF document of a resource: what it says (all graphs) and what points at it.

    Read from the rdflib dataset rather than the store, because pyoxigraph loads derived
    integer types (xsd:positiveInteger) as xsd:integer and the documents keep the data's own.
    """
    node = URIRef(iri)
    graph = Graph(bind_namespaces="core")
    for prefix, namespace in state.kg.dataset.namespaces():
        graph.bind(prefix, namespace, replace=True)
    for s, p, o, _ in state.kg.dataset.quads((node, None, None, None)):
        graph.add((s, p, o))
    for s, p, o, _ in state.kg.dataset.quads((None, None, node, None)):
        graph.add((s, p, o))
    document = URIRef(urls.iri_of(urls.document(iri).lstrip("/")))
    graph.add((document, FOAF.primaryTopic, URIRef(iri)))
    graph.add((document, RDFS.label, Literal(f"Description of {iri}", lang="en")))
    return graph


@dataclass(frozen=True)
class Term:
    """A node as a page shows it: ``kind`` is iri, literal or bnode; ``text`` is what is read."""

    kind: str
    value: str
    text: str
    label: Label | None = None
    lang: str = ""
    datatype: str = ""
    is_url: bool = False


@dataclass(frozen=True)
class SourceRef:
    """A source of a statement: its IRI, its register ID (S24) or short name, and its full name."""

    iri: str
    text: str
    name: str


@dataclass(frozen=True)
class Statement:
    """One triple, seen from the page's resource, with the graphs holding it and its sources."""

    predicate: Term
    other: Term
    graphs: tuple[str, ...]
    sources: tuple[SourceRef, ...]

    @property
    def inferred(self) -> bool:
        """True when only the reasoner says so."""
        return "asserted" not in self.graphs and "inferred" in self.graphs


@dataclass(frozen=True)
class Group:
    """The statements of one property; incoming groups are paged."""

    predicate: Term
    statements: list[Statement]
    total: int
    offset: int = 0
    anchor: str = ""
    previous: str | None = None
    next: str | None = None

    @property
    def showing(self) -> str:
        """ "showing 20 of 74 (21–40)", or "all 3"."""
        shown = len(self.statements)
        if shown == self.total:
            return f"all {self.total}"
        return f"showing {shown} of {self.total} ({self.offset + 1}–{self.offset + shown})"


class Describer(Lookup):
    """A Lookup that also turns nodes into ``Term`` and names the sources of a resource."""

    def __init__(self, state: AppState, urls: Urls, languages: list[str]):
        super().__init__(state, languages)
        self.urls = urls
        self._sources: dict[str, tuple[SourceRef, ...]] = {}

    def view(self, node: Any) -> Term:
        """How a page shows a node."""
        if isinstance(node, pyoxigraph.NamedNode):
            return Term("iri", node.value, self.name(node.value), self.label(node.value))
        if isinstance(node, pyoxigraph.Literal):
            datatype = node.datatype.value
            shown = "" if node.language or datatype == XSD + "string" else self.compact(datatype)
            is_url = bool(re.fullmatch(r"https?://\S+", node.value))
            return Term("literal", node.value, node.value, lang=node.language or "", datatype=shown, is_url=is_url)
        return Term("bnode", f"_:{node.value}", f"_:{node.value}")

    def view_iri(self, iri: str) -> Term:
        """How a page shows a resource named by its IRI."""
        return self.view(pyoxigraph.NamedNode(iri))

    def classes(self, iri: str) -> set[str]:
        """Every class of a resource, with their superclasses from the ontology if it is loaded."""
        query = "SELECT ?s ?c WHERE { ?s a/<http://www.w3.org/2000/01/rdf-schema#subClassOf>* ?c }"
        rows = self.state.store.select(query, substitutions={pyoxigraph.Variable("s"): pyoxigraph.NamedNode(iri)})
        return {row["c"].value for row in solutions(rows) if isinstance(row["c"], pyoxigraph.NamedNode)}

    def sources(self, iri: str) -> tuple[SourceRef, ...]:
        """The resource's dcterms:source, by register ID (S2 before S10)."""
        if iri not in self._sources:
            found = [o.value for o in self.objects(iri, pyoxigraph.NamedNode(DCT + "source"))]
            refs = [SourceRef(s, self._short(s), self.name(s)) for s in found]
            self._sources[iri] = tuple(sorted(refs, key=lambda ref: natural(ref.text)))
        return self._sources[iri]

    def _short(self, source: str) -> str:
        """clip:sourceId, else the last segment of the IRI."""
        return self.value(source, self.term("sourceId")) or source.rstrip("/#").rsplit("/", 1)[-1]


def graph_tag(graph_name: object, base: str) -> str:
    """asserted, inferred, ontology, another graph's IRI, or "default"."""
    if not isinstance(graph_name, pyoxigraph.NamedNode):
        return "default"
    name = graph_name.value
    prefix = base + "graph/"
    return name[len(prefix) :] if name.startswith(prefix) and name[len(prefix) :] in GRAPH_ORDER else name


def _collect(quads: Iterable[pyoxigraph.Quad], outgoing: bool, base: str) -> dict[str, dict[Any, set[str]]]:
    """predicate IRI → other node → the graphs holding the triple."""
    grouped: dict[str, dict[Any, set[str]]] = {}
    for quad in quads:
        other = quad.object if outgoing else quad.subject
        grouped.setdefault(quad.predicate.value, {}).setdefault(other, set()).add(graph_tag(quad.graph_name, base))
    return grouped


def _graphs(found: set[str]) -> tuple[str, ...]:
    return tuple(sorted(found, key=lambda tag: (GRAPH_ORDER.get(tag, 3), tag)))


def _group_order(describer: Describer, predicate: str, nodes: dict[Any, set[str]]) -> tuple[bool, str]:
    asserted = any("asserted" in graphs for graphs in nodes.values())
    return (not asserted, describer.name(predicate).lower())


def outgoing_groups(describer: Describer, iri: str, quads: Iterable[pyoxigraph.Quad]) -> list[Group]:
    """Every outgoing statement but rdf:type (shown as the types), grouped by property."""
    grouped = _collect(quads, outgoing=True, base=describer.state.kg.base)
    grouped.pop(RDF + "type", None)
    sources = describer.sources(iri)
    groups = []
    for predicate in sorted(grouped, key=lambda p: _group_order(describer, p, grouped[p])):
        rows = [
            Statement(describer.view_iri(predicate), describer.view(node), _graphs(graphs), sources)
            for node, graphs in grouped[predicate].items()
        ]
        rows.sort(key=lambda row: (GRAPH_ORDER.get(row.graphs[0], 3), natural(row.other.text), row.other.value))
        groups.append(Group(describer.view_iri(predicate), rows, len(rows)))
    return groups


def incoming_groups(
    describer: Describer, iri: str, quads: Iterable[pyoxigraph.Quad], args: Mapping[str, str]
) -> list[Group]:
    """Incoming links by property, PAGE_SIZE each; ``?in=<property>&offset=N`` pages one."""
    grouped = _collect(quads, outgoing=False, base=describer.state.kg.base)
    groups = []
    for predicate in sorted(grouped, key=lambda p: _group_order(describer, p, grouped[p])):
        nodes = sorted(grouped[predicate].items(), key=lambda item: (min(_order(item[1])), natural(item[0].value)))
        offset = _offset(args, predicate, len(nodes))
        rows = [
            Statement(describer.view_iri(predicate), describer.view(node), _graphs(graphs), _sources(describer, node))
            for node, graphs in nodes[offset : offset + PAGE_SIZE]
        ]
        anchor = "in-" + re.sub(r"[^A-Za-z0-9]+", "-", describer.compact(predicate)).strip("-")
        links = _page_links(describer.urls.link(iri), predicate, offset, len(nodes), anchor, args)
        groups.append(Group(describer.view_iri(predicate), rows, len(nodes), offset, anchor, *links))
    return groups


def _order(graphs: set[str]) -> list[int]:
    return [GRAPH_ORDER.get(tag, 3) for tag in graphs]


def _sources(describer: Describer, node: Any) -> tuple[SourceRef, ...]:
    return describer.sources(node.value) if isinstance(node, pyoxigraph.NamedNode) else ()


def _offset(args: Mapping[str, str], predicate: str, total: int) -> int:
    """The requested offset for this property (a multiple of PAGE_SIZE within range), else 0."""
    if args.get("in") != predicate:
        return 0
    text = args.get("offset", "0")
    offset = int(text) if text.isdigit() else 0
    return min(offset, max(total - 1, 0)) // PAGE_SIZE * PAGE_SIZE


def _page_links(
    page: str, predicate: str, offset: int, total: int, anchor: str, args: Mapping[str, str]
) -> tuple[str | None, str | None]:
    """The hrefs of the previous and next page of one property's incoming links."""

    def href(start: int) -> str:
        query = {"in": predicate, "offset": str(start), **({"lang": args["lang"]} if args.get("lang") else {})}
        return f"{page}?{urlencode(query)}#{anchor}"

    previous = href(max(offset - PAGE_SIZE, 0)) if offset > 0 else None
    following = href(offset + PAGE_SIZE) if offset + PAGE_SIZE < total else None
    return previous, following


def _types(describer: Describer, quads: Iterable[pyoxigraph.Quad]) -> list[tuple[Term, tuple[str, ...]]]:
    """The resource's classes with the graphs that state them, asserted ones first."""
    typed = _collect((q for q in quads if q.predicate.value == RDF + "type"), True, describer.state.kg.base)
    found = [(describer.view(node), _graphs(graphs)) for node, graphs in typed.get(RDF + "type", {}).items()]
    return sorted(found, key=lambda item: (GRAPH_ORDER.get(item[1][0], 3), item[0].text.lower()))


def page_context(
    state: AppState, urls: Urls, iri: str, languages: list[str], args: Mapping[str, str]
) -> dict[str, Any]:
    """The template context of resource.html."""
    describer = Describer(state, urls, languages)
    outgoing, incoming = state.store.quads_about(iri)
    classes = describer.classes(iri)
    label = describer.label(iri)
    return {
        "iri": iri,
        "urls": urls,
        "languages": languages,
        "label": label,
        "title": describer.name(iri),
        "types": _types(describer, outgoing),
        "sources": describer.sources(iri),
        "statements": outgoing_groups(describer, iri, outgoing),
        "incoming": incoming_groups(describer, iri, incoming, args),
        "sections": page_kinds.sections(describer, iri, classes),
        "jsonld": citations.json_ld(describer, iri, classes),
        "variants": [(extension, name, urls.document(iri, extension)) for extension, name in VARIANTS],
        "describe": url_for("sparql.endpoint", query=f"DESCRIBE <{iri}>"),
    }


def not_found_context(state: AppState, urls: Urls, iri: str, languages: list[str]) -> dict[str, Any]:
    """The template context of not_found.html: the IRI, similar names and the search box."""
    segment = unquote(iri.rstrip("/").rsplit("/", 1)[-1])
    return {"iri": iri, "urls": urls, "text": segment, "suggestions": similar_labels(state, segment, languages, 8)}
