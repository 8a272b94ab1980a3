"""The vocabulary at /def/: W3C "Best Practice Recipes for Publishing RDF Vocabularies", Recipe 3.

A slash namespace: the ontology IRI ``/def/`` (and its version IRI, the one version
published) is one content-negotiated document, HTML for browsers and Turtle for ``*/*``
and RDF clients, with ``Content-Location`` naming the variant and the explicit variants
``/def/index.html .ttl .nt .jsonld .rdf``. A term ``/def/City`` answers 303 See Other to
``/def/index.html#City`` for browsers and to the negotiated RDF variant for RDF clients
(Cool URIs, section 4.3). Documents carry Link rel=alternate for every variant, Vary:
Accept when negotiated, an ETag and Last-Modified, and answer HEAD.
"""

from __future__ import annotations

from flask import Blueprint, Response, redirect, render_template, request, url_for
from rdflib import Graph
from werkzeug.wrappers import Response as BaseResponse

from server.engine.rdfio import graph_bytes
from server.errors import NotFound
from server.formats import DOCUMENT_FORMATS, HTML, RDF_DOCUMENT_FORMATS, Format, choose
from server.urls import is_web_url
from server.views.vocabulary import Reader, Vocabulary
from server.web.negotiation import document_response, prefers
from server.web.state import state

blueprint = Blueprint("vocabulary", __name__)

VARIANTS = {f.extension: f for f in DOCUMENT_FORMATS}
"""The explicit variants of the vocabulary document, by file extension."""


def variant_path(extension: str) -> str:
    """The path of one explicit variant of the vocabulary document (as ``Urls.document`` names it)."""
    return f"/def/index.{extension}"


@blueprint.get("/def/")
def ontology() -> BaseResponse:
    """The ontology IRI: the vocabulary document in the negotiated format."""
    return _document(_negotiated(), negotiated=True)


@blueprint.get("/def/<path:rest>")
def term_or_variant(rest: str) -> BaseResponse:
    """An explicit variant (``index.ttl``), the version IRI, or a term (303 to the document)."""
    stem, dot, extension = rest.rpartition(".")
    if stem == "index" and extension in VARIANTS:
        return _document(VARIANTS[extension], negotiated=False)
    iri = state().urls.iri_of("def/" + rest)
    vocabulary = _vocabulary()
    if iri == vocabulary.version_iri:
        return _document(_negotiated(), negotiated=True)
    if iri not in vocabulary.terms:
        return _not_found(iri)
    response = redirect(state().urls.document(iri, _negotiated().extension), code=303)
    response.vary.add("Accept")
    return response


def _negotiated() -> Format:
    return choose(DOCUMENT_FORMATS, request.headers.get("Accept"))


def _document(fmt: Format, negotiated: bool) -> BaseResponse:
    """One variant of the vocabulary document, built once per load."""
    body = state().remember(("vocabulary", fmt.name), lambda: _html().encode() if fmt is HTML else _rdf(fmt))
    return document_response(body, fmt, DOCUMENT_FORMATS, lambda f: variant_path(f.extension), negotiated)


def _rdf(fmt: Format) -> bytes:
    """The ontology graph, exactly, in one RDF format."""
    ontology = state().ontology
    graph = Graph(bind_namespaces="core")
    for prefix, namespace in ontology.namespaces():
        graph.bind(prefix, namespace, replace=True)
    for triple in ontology:
        graph.add(triple)
    return graph_bytes(graph, fmt)


def _html(missing: str | None = None) -> str:
    vocabulary = _vocabulary()
    return render_template(
        "vocabulary.html",
        vocab=vocabulary,
        missing=missing,
        anchor_prefix=variant_path("html") if missing else "",
        downloads=[(f, variant_path(f.extension)) for f in RDF_DOCUMENT_FORMATS],
        document=variant_path("html"),
        version_href=_href(vocabulary.version_iri),
        ontology_href=_href(vocabulary.iri),
    )


def _href(iri: str | None) -> str | None:
    """The link to an IRI that stays on this server when the IRI is ours; None (no link) unless http(s)."""
    if iri is None:
        return None
    return state().urls.path_of(iri) or (iri if is_web_url(iri) else None)


def _not_found(iri: str) -> BaseResponse:
    """404: for browsers a page listing the vocabulary's terms, for other clients plain text."""
    if prefers(HTML, (*RDF_DOCUMENT_FORMATS, HTML)):
        return Response(_html(missing=iri), status=404, mimetype="text/html")
    raise NotFound(f"{iri} is not a term of this vocabulary; its terms are listed at /def/")


def _vocabulary() -> Vocabulary:
    """The vocabulary's model, read once per load."""
    current = state()

    def read() -> Vocabulary:
        return Reader(current.ontology, current.engine, current.urls, _query_href).vocabulary()

    return current.remember("vocabulary-model", read)


def _query_href(query: str) -> str:
    """The SPARQL page, running a query."""
    return url_for("sparql.endpoint", query=query)
