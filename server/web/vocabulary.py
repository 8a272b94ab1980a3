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

from typing import Any

from flask import Blueprint, Response, current_app, redirect, render_template, request, url_for
from rdflib import Graph
from werkzeug.wrappers import Response as BaseResponse

from server.errors import NotAcceptable, NotFound
from server.formats import Format, negotiate
from server.urls import Urls
from server.views.vocabulary import Reader, Vocabulary
from server.web.resources import DOCUMENT_FORMATS, HTML, RDF_DOCUMENT_FORMATS, _conditional
from server.web.state import AppState, state

blueprint = Blueprint("vocabulary", __name__)

VARIANTS = {f.extension: f for f in DOCUMENT_FORMATS}
"""The explicit variants of the vocabulary document, by file extension."""
CACHE_KEY = "vocabulary"


def _urls() -> Urls:
    return Urls(state().kg.base)


def variant_path(extension: str) -> str:
    """The path of one explicit variant of the vocabulary document (as ``Urls.document`` names it)."""
    return f"/def/index.{extension}"


@blueprint.get("/def/")
def ontology() -> BaseResponse:
    """The ontology IRI: the vocabulary document in the negotiated format."""
    return _negotiated()


@blueprint.get("/def/<path:rest>")
def term_or_variant(rest: str) -> BaseResponse:
    """An explicit variant (``index.ttl``), the version IRI, or a term (303 to the document)."""
    stem, dot, extension = rest.rpartition(".")
    if stem == "index" and extension in VARIANTS:
        return _conditional(_document(VARIANTS[extension]))
    iri = _urls().iri_of("def/" + rest)
    vocabulary = _vocabulary()
    if iri == vocabulary.version_iri:
        return _negotiated()
    if iri not in vocabulary.terms:
        return _not_found(iri)
    chosen = _chosen(DOCUMENT_FORMATS)
    response = redirect(_urls().document(iri, chosen.extension), code=303)
    response.vary.add("Accept")
    return response


def _chosen(offered: tuple[Format, ...]) -> Format:
    chosen = negotiate(request.headers.get("Accept"), offered)
    if chosen is None:
        raise NotAcceptable("none of the formats of the vocabulary is acceptable; available: " + _available())
    return chosen


def _negotiated() -> BaseResponse:
    """The generic document: the variant the client prefers, named by Content-Location."""
    chosen = _chosen(DOCUMENT_FORMATS)
    response = _document(chosen)
    response.headers["Content-Location"] = variant_path(chosen.extension)
    response.vary.add("Accept")
    return _conditional(response)


def _document(fmt: Format) -> Response:
    """One variant of the vocabulary document, with Link rel=alternate to all variants."""
    bodies: dict[str, bytes] = _cache()["bodies"]
    if fmt.name not in bodies:
        bodies[fmt.name] = _html().encode() if fmt is HTML else _rdf(fmt)
    response = Response(bodies[fmt.name], mimetype=fmt.media_type)
    links = [f'<{variant_path(f.extension)}>; rel="alternate"; type="{f.media_type}"' for f in DOCUMENT_FORMATS]
    response.headers["Link"] = ", ".join(links)
    return response


def _rdf(fmt: Format) -> bytes:
    """The ontology graph, exactly, in one RDF format."""
    ontology = state().kg.graph("ontology")
    graph = Graph(bind_namespaces="core")
    for prefix, namespace in ontology.namespaces():
        graph.bind(prefix, namespace, replace=True)
    for triple in ontology:
        graph.add(triple)
    return graph.serialize(format=fmt.rdflib_name or "turtle", encoding="utf-8")


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
    """The link to an IRI that stays on this server when the IRI is ours."""
    if iri is None:
        return None
    return _urls().path_of(iri) or iri


def _not_found(iri: str) -> BaseResponse:
    """404: for browsers a page listing the vocabulary's terms, for other clients plain text."""
    if negotiate(request.headers.get("Accept"), (*RDF_DOCUMENT_FORMATS, HTML)) is HTML:
        return Response(_html(missing=iri), status=404, mimetype="text/html")
    raise NotFound(f"{iri} is not a term of this vocabulary; its terms are listed at /def/")


def _vocabulary() -> Vocabulary:
    model: Vocabulary | None = _cache().get("model")
    if model is None:
        current = state()
        reader = Reader(current.kg.graph("ontology"), current.store, _urls(), _query_href)
        model = _cache()["model"] = reader.vocabulary()
    return model


def _query_href(query: str) -> str:
    """The SPARQL page, running a query."""
    return url_for("sparql.endpoint", query=query)


def _cache() -> dict[str, Any]:
    """What is computed once per loaded knowledge graph: the model and the document bodies."""
    current: AppState = state()
    cached = current_app.extensions.get(CACHE_KEY)
    if cached is None or cached[0] is not current:
        cached = current_app.extensions[CACHE_KEY] = (current, {"bodies": {}})
    entries: dict[str, Any] = cached[1]
    return entries


def _available() -> str:
    return ", ".join(f.media_type for f in DOCUMENT_FORMATS)
