"""What a resource's documents show: its RDF description and its HTML page's content.

The page names the resource in the reader's language (marking a fallback), lists its
types, every outgoing statement and its incoming links grouped by property and paged,
each statement marked with the graph it is in (asserted, inferred, ontology) and the
sources of its subject, and with its own evidence where an ``rdf:Statement`` names it
(e.g. "S0 only": it rests on the project description alone). Sections by kind
(``page_kinds``) add to this generic page only when the resource has their classes.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote, urlencode

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import FOAF, RDFS

from server.engine.terms import Iri, Quad
from server.views import citations, kinds
from server.views.describer import Describer, SourceRef, Term, term_key
from server.views.metadata import node as rdflib_term
from server.views.naming import DCT, RDF, natural
from server.views.published import Published
from server.views.search import similar_labels

PAGE_SIZE = 20
"""Incoming links shown per property; the rest are a link away, never dropped."""
SORTED_UP_TO = 1_000
"""Incoming links of one property up to which they are all read and shown in name order."""
INCOMING_COUNTS = "SELECT ?p ?o (COUNT(DISTINCT ?s) AS ?n) WHERE { ?s ?p ?o } GROUP BY ?p ?o"
"""Oxigraph binds only projected variables (SEP-0007), so the bound ?o is projected and grouped on."""
GRAPH_ORDER = {"asserted": 0, "inferred": 1, "ontology": 2}
VARIANTS = (("ttl", "Turtle"), ("nt", "N-Triples"), ("jsonld", "JSON-LD"), ("rdf", "RDF/XML"))
STATEMENT_EVIDENCE = """SELECT ?subject ?statement ?p ?o ?level ?source ?id WHERE {{
  ?statement <http://www.w3.org/1999/02/22-rdf-syntax-ns#subject> ?subject ;
             <http://www.w3.org/1999/02/22-rdf-syntax-ns#predicate> ?p ;
             <http://www.w3.org/1999/02/22-rdf-syntax-ns#object> ?o ;
             {evidenceLevel} ?level .
  OPTIONAL {{ ?statement <http://purl.org/dc/terms/source> ?source . OPTIONAL {{ ?source {sourceId} ?id }} }}
}}"""
"""The statement nodes that name a triple of the resource (bound as ?subject), with their evidence and sources."""
EXPLAINED = {
    "ProjectDescriptionOnly": (
        "S0 only",
        "This statement rests on the project description (S0) alone: no other source seen confirms it, "
        "though other sources show that the resource exists.",
    ),
}
"""Evidence levels a statement row is marked with: the badge and its title."""


def resource_graph(data: Published, iri: str) -> Graph:
    """The RDF document of a resource: what it says (all graphs) and what points at it.

    The engine gives literals as the data wrote them (xsd:positiveInteger stays one), so
    the document keeps the data's own datatypes.
    """
    graph = Graph(bind_namespaces="core")
    for prefix, namespace in data.prefixes:
        graph.bind(prefix, namespace, replace=True)
    outgoing, incoming = data.engine.quads_about(iri)
    for quad in (*outgoing, *incoming):
        graph.add((rdflib_term(quad.subject), URIRef(quad.predicate.value), rdflib_term(quad.object)))
    document = URIRef(data.urls.iri_of(data.urls.document(iri).lstrip("/")))
    graph.add((document, FOAF.primaryTopic, URIRef(iri)))
    graph.add((document, RDFS.label, Literal(f"Description of {iri}", lang="en")))
    return graph


@dataclass(frozen=True)
class Evidence:
    """The evidence of one statement: its rdf:Statement node, level, badge text, explanation and sources."""

    statement: str
    level: str
    badge: str
    explanation: str
    sources: tuple[SourceRef, ...]


StatementEvidence = dict[tuple[str, tuple[str, str, str]], list["Evidence"]]
"""(predicate IRI, ``term_key`` of the object) → the evidence of that triple."""


@dataclass(frozen=True)
class Statement:
    """One triple, seen from the page's resource, with the graphs holding it and its sources."""

    predicate: Term
    other: Term
    graphs: tuple[str, ...]
    sources: tuple[SourceRef, ...]
    evidence: tuple[Evidence, ...] = ()
    """The evidence of this one triple where an rdf:Statement gives it (e.g. the project description alone)."""

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


def graph_tag(name: str, base: str) -> str:
    """asserted, inferred, ontology, another graph's IRI, or "default"."""
    if not name:
        return "default"
    prefix = base + "graph/"
    return name[len(prefix) :] if name.startswith(prefix) and name[len(prefix) :] in GRAPH_ORDER else name


def _collect(quads: Iterable[Quad], outgoing: bool, base: str) -> dict[str, dict[Any, set[str]]]:
    """predicate IRI → other node → the graphs holding the triple."""
    grouped: dict[str, dict[Any, set[str]]] = {}
    for quad in quads:
        other = quad.object if outgoing else quad.subject
        grouped.setdefault(quad.predicate.value, {}).setdefault(other, set()).add(graph_tag(quad.graph, base))
    return grouped


def _graphs(found: set[str]) -> tuple[str, ...]:
    return tuple(sorted(found, key=lambda tag: (GRAPH_ORDER.get(tag, 3), tag)))


def _group_order(describer: Describer, predicate: str, nodes: dict[Any, set[str]]) -> tuple[bool, str]:
    asserted = any("asserted" in graphs for graphs in nodes.values())
    return (not asserted, describer.name(predicate).lower())


def outgoing_groups(
    describer: Describer, iri: str, quads: Iterable[Quad], evidence: StatementEvidence | None = None
) -> list[Group]:
    """Every outgoing statement but rdf:type (shown as the types), grouped by property, each with the evidence
    of its own triple where ``evidence`` (``statement_evidence``) has some."""
    grouped = _collect(quads, outgoing=True, base=describer.data.base)
    grouped.pop(RDF + "type", None)
    sources = describer.sources(iri)
    evidence = evidence or {}
    groups = []
    for predicate in sorted(grouped, key=lambda p: _group_order(describer, p, grouped[p])):
        rows = [
            Statement(
                describer.view_iri(predicate),
                describer.view(node),
                _graphs(graphs),
                sources,
                tuple(evidence.get((predicate, term_key(node)), ())),
            )  # fmt: skip
            for node, graphs in grouped[predicate].items()
        ]
        rows.sort(key=lambda row: (GRAPH_ORDER.get(row.graphs[0], 3), natural(row.other.text), row.other.value))
        groups.append(Group(describer.view_iri(predicate), rows, len(rows)))
    return groups


def incoming_groups(describer: Describer, iri: str, args: Mapping[str, str]) -> list[Group]:
    """Incoming links by property, PAGE_SIZE each; ``?in=<property>&offset=N`` pages one.

    The engine counts each property's links and gives one page of them, so a resource with
    100,000 incoming links costs about what one with ten does. Up to SORTED_UP_TO links of
    a property are shown in name order; past that in the store's own (stable) order, as
    sorting them all would read them all.
    """
    engine, target = describer.data.engine, Iri(iri)
    counts = {row["p"].value: int(row["n"].value) for row in engine.rows(INCOMING_COUNTS, o=target)}
    pages = {
        predicate: _incoming_page(describer, target, predicate, total, args) for predicate, total in counts.items()
    }
    shown = [node.value for nodes, _ in pages.values() for node, _ in nodes if isinstance(node, Iri)]
    describer.prefetch([*shown, *counts])  # their names and sources, in a few queries rather than one each
    describer.prefetch(source.value for iri in shown for source in describer.objects(iri, Iri(DCT + "source")))
    groups = []
    for predicate in sorted(pages, key=lambda p: _group_order(describer, p, dict(pages[p][0]))):
        nodes, offset = pages[predicate]
        rows = [
            Statement(describer.view_iri(predicate), describer.view(node), _graphs(graphs), _sources(describer, node))
            for node, graphs in nodes
        ]
        anchor = "in-" + re.sub(r"[^A-Za-z0-9]+", "-", describer.compact(predicate)).strip("-")
        links = _page_links(describer.urls.document(iri, "html"), predicate, offset, counts[predicate], anchor, args)
        groups.append(Group(describer.view_iri(predicate), rows, counts[predicate], offset, anchor, *links))
    return groups


def _incoming_page(
    describer: Describer, target: Iri, predicate: str, total: int, args: Mapping[str, str]
) -> tuple[list[tuple[Any, set[str]]], int]:
    """One page of the subjects linking to ``target`` by ``predicate``, with their graphs, and its offset."""
    engine, base = describer.data.engine, describer.data.base
    offset = _offset(args, predicate, total)
    if total <= SORTED_UP_TO:
        grouped = _collect(engine.quads(None, predicate, target), outgoing=False, base=base).get(predicate, {})
        nodes = sorted(grouped.items(), key=lambda item: (min(_order(item[1])), natural(item[0].value)))
        return nodes[offset : offset + PAGE_SIZE], offset
    query = f"SELECT DISTINCT ?s ?p ?o WHERE {{ ?s ?p ?o }} LIMIT {PAGE_SIZE} OFFSET {offset}"
    subjects = [row["s"] for row in engine.rows(query, p=Iri(predicate), o=target)]
    quads = [quad for subject in subjects for quad in engine.quads(subject, predicate, target)]
    return list(_collect(quads, outgoing=False, base=base).get(predicate, {}).items()), offset


def _order(graphs: set[str]) -> list[int]:
    return [GRAPH_ORDER.get(tag, 3) for tag in graphs]


def _sources(describer: Describer, node: Any) -> tuple[SourceRef, ...]:
    return describer.sources(node.value) if isinstance(node, Iri) else ()


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


def _types(describer: Describer, quads: Iterable[Quad]) -> list[tuple[Term, tuple[str, ...]]]:
    """The resource's classes with the graphs that state them, asserted ones first."""
    typed = _collect((q for q in quads if q.predicate.value == RDF + "type"), True, describer.data.base)
    found = [(describer.view(node), _graphs(graphs)) for node, graphs in typed.get(RDF + "type", {}).items()]
    return sorted(found, key=lambda item: (GRAPH_ORDER.get(item[1][0], 3), item[0].text.lower()))


def _shown_iris(iri: str, quads: Iterable[Quad]) -> set[str]:
    """The resource, its properties and the IRIs it points at: what its page names."""
    shown = {iri}
    for quad in quads:
        shown.add(quad.predicate.value)
        if isinstance(quad.object, Iri):
            shown.add(quad.object.value)
    return shown


def statement_evidence(describer: Describer, iri: str) -> StatementEvidence:
    """(predicate, object key) → the evidence of that triple of the resource: one query for all its statements."""
    found: dict[str, dict[str, Any]] = {}
    for row in describer.data.engine.rows(describer.with_terms(STATEMENT_EVIDENCE), subject=Iri(iri)):
        level = row["level"].value.rsplit("/", 1)[-1].rsplit("#", 1)[-1]
        if level not in EXPLAINED:
            continue
        entry = found.setdefault(
            row["statement"].value, {"key": (row["p"].value, term_key(row["o"])), "level": level, "sources": {}}
        )
        if "source" in row:
            source = row["source"].value
            short = row["id"].value if "id" in row else source.rstrip("/#").rsplit("/", 1)[-1]
            entry["sources"][source] = SourceRef(source, short, short)
    evidence: StatementEvidence = {}
    for statement, entry in sorted(found.items()):
        badge, explanation = EXPLAINED[entry["level"]]
        refs = tuple(sorted(entry["sources"].values(), key=lambda ref: natural(ref.text)))
        evidence.setdefault(entry["key"], []).append(Evidence(statement, entry["level"], badge, explanation, refs))
    return evidence


def page_context(data: Published, iri: str, languages: list[str], args: Mapping[str, str]) -> dict[str, Any]:
    """The template context of resource.html (the web layer adds the links it routes)."""
    describer = Describer(data, languages)
    urls = data.urls
    outgoing = data.engine.quads(Iri(iri))
    describer.prefetch(_shown_iris(iri, outgoing))  # every name and value the page shows, in a few queries
    describer.prefetch(source.value for source in describer.objects(iri, Iri(DCT + "source")))
    classes = describer.classes(iri)
    label = describer.label(iri)
    incoming = incoming_groups(describer, iri, args)
    # Statement nodes point at the resource with rdf:subject: only then is their evidence asked for.
    named = any(group.predicate.value == RDF + "subject" for group in incoming)
    evidence = statement_evidence(describer, iri) if named else {}
    return {
        "iri": iri,
        "urls": urls,
        "languages": languages,
        "label": label,
        "title": describer.name(iri),
        "types": _types(describer, outgoing),
        "sources": describer.sources(iri),
        "statements": outgoing_groups(describer, iri, outgoing, evidence),
        "incoming": incoming,
        "sections": kinds.sections(describer, iri, classes, {group.predicate.value for group in incoming}),
        "jsonld": citations.json_ld(describer, iri, classes),
        "variants": [(extension, name, urls.document(iri, extension)) for extension, name in VARIANTS],
    }


def not_found_context(data: Published, iri: str, languages: list[str]) -> dict[str, Any]:
    """The template context of not_found.html: the IRI, similar names and the search box."""
    segment = unquote(iri.rstrip("/").rsplit("/", 1)[-1])
    return {"iri": iri, "urls": data.urls, "text": segment, "suggestions": similar_labels(data, segment, languages, 8)}
