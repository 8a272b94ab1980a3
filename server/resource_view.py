"""What a resource's documents show: its RDF description and its HTML page's content."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pyoxigraph
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import FOAF, RDFS

from .state import AppState
from .urls import Urls


def _term(term: object) -> Any:
    if isinstance(term, pyoxigraph.NamedNode):
        return URIRef(term.value)
    if isinstance(term, pyoxigraph.BlankNode):
        return BNode(term.value)
    if isinstance(term, pyoxigraph.Literal):
        if term.language:
            return Literal(term.value, lang=term.language)
        return Literal(term.value, datatype=URIRef(term.datatype.value))
    raise TypeError(f"unexpected term {term!r}")


def resource_graph(state: AppState, urls: Urls, iri: str) -> Graph:
    """The RDF document of a resource: what it says (all graphs) and what points at it."""
    outgoing, incoming = state.store.quads_about(iri)
    graph = Graph(bind_namespaces="core")
    for prefix, namespace in state.kg.dataset.namespaces():
        graph.bind(prefix, namespace, replace=True)
    for quad in (*outgoing, *incoming):
        graph.add((_term(quad.subject), _term(quad.predicate), _term(quad.object)))
    document = URIRef(urls.iri_of(urls.document(iri).lstrip("/")))
    graph.add((document, FOAF.primaryTopic, URIRef(iri)))
    graph.add((document, RDFS.label, Literal(f"Description of {iri}", lang="en")))
    return graph


def page_context(
    state: AppState, urls: Urls, iri: str, languages: list[str], args: Mapping[str, str]
) -> dict[str, Any]:
    """The template context of resource.html."""
    outgoing, incoming = state.store.quads_about(iri)
    return {"iri": iri, "urls": urls, "outgoing": outgoing, "incoming": incoming, "languages": languages}


def not_found_context(state: AppState, urls: Urls, iri: str, languages: list[str]) -> dict[str, Any]:
    """The template context of not_found.html."""
    return {"iri": iri, "urls": urls}
