"""Dereferenceable resources: Cool URIs for the Semantic Web, section 4.3 (303 URIs).

``GET /id/...`` (a thing) answers 303 See Other to its document, chosen by Accept:
HTML for browsers, RDF for RDF clients and for ``*/*`` or no Accept. ``/doc/...`` is
the generic document (content-negotiated, with Content-Location naming the variant) and
``/doc/....ttl`` etc. are the explicit variants. Documents carry Link rel=alternate for
every variant, Vary: Accept, an ETag and Last-Modified, and answer HEAD. Named graphs
(``/graph/asserted``) dereference the same way to a description of the graph.
"""

from __future__ import annotations

from flask import Blueprint, Response, redirect, render_template, request, url_for
from werkzeug.wrappers import Response as BaseResponse

from server.engine.rdfio import graph_bytes
from server.errors import NotFound
from server.formats import DOCUMENT_FORMATS, HTML, RDF_DOCUMENT_FORMATS, Format, by_name, choose
from server.urls import DOCUMENT_EXTENSIONS
from server.views.graphs import graph_description
from server.views.resource import not_found_context, page_context, resource_graph
from server.web.negotiation import conditional, document_response, prefers, reader_languages
from server.web.state import state

blueprint = Blueprint("resources", __name__)


@blueprint.get("/id/<path:rest>")
def thing(rest: str) -> BaseResponse:
    """303 See Other from a thing to its document in the negotiated format."""
    urls = state().urls
    iri = urls.iri_of("id/" + rest)
    if not _exists(iri):
        return _not_found(iri)
    response = redirect(urls.document(iri, _negotiated().extension), code=303)
    response.vary.add("Accept")
    return response


@blueprint.get("/graph/<name>")
def named_graph(name: str) -> BaseResponse:
    """A named graph's IRI: 303 to a document about the graph (its size and how to get it)."""
    iri = state().urls.iri_of("graph/" + name)
    if iri not in state().kg.graph_names():
        return _not_found(iri)
    response = redirect(f"/doc/graph/{name}.{_negotiated().extension}", code=303)
    response.vary.add("Accept")
    return response


@blueprint.get("/doc/graph/<name>.<extension>")
def named_graph_document(name: str, extension: str) -> BaseResponse:
    """The description of a named graph, as HTML or RDF."""
    current = state()
    iri = current.urls.iri_of("graph/" + name)
    if iri not in current.kg.graph_names() or extension not in DOCUMENT_EXTENSIONS:
        return _not_found(iri)
    graph = graph_description(iri, current.engine.graph_sizes().get(iri, 0), current.base)
    if extension == "html":
        return conditional(
            Response(render_template("graph.html", iri=iri, graph=graph, urls=current.urls), mimetype="text/html")
        )
    fmt = by_name(extension, RDF_DOCUMENT_FORMATS)
    return conditional(Response(graph_bytes(graph, fmt), mimetype=fmt.media_type))


@blueprint.get("/doc/<path:rest>")
def document(rest: str) -> BaseResponse:
    """A document about a thing: generic (negotiated) or an explicit variant."""
    urls = state().urls
    stem, dot, extension = rest.rpartition(".")
    explicit = bool(dot) and extension in DOCUMENT_EXTENSIONS
    iri = urls.iri_of("id/" + (stem if explicit else rest))
    if not _exists(iri):
        return _not_found(iri)
    fmt = (HTML if extension == "html" else by_name(extension, RDF_DOCUMENT_FORMATS)) if explicit else _negotiated()
    response = document_response(
        _body(iri, fmt), fmt, DOCUMENT_FORMATS, lambda variant: urls.document(iri, variant.extension), not explicit
    )
    if fmt is HTML:
        response.vary.add("Accept-Language")
    return response


def _negotiated() -> Format:
    """The document format the Accept header asks for; 406 listing the variants when none fits."""
    return choose(DOCUMENT_FORMATS, request.headers.get("Accept"))


def _body(iri: str, fmt: Format) -> bytes | str:
    current = state()
    if fmt is HTML:
        context = page_context(current, iri, reader_languages(), request.args)
        describe = url_for("sparql.endpoint", query=f"DESCRIBE <{iri}>")
        return render_template("resource.html", describe=describe, **context)
    return graph_bytes(resource_graph(current, iri), fmt)


def _exists(iri: str) -> bool:
    try:
        return state().engine.mentions(iri)
    except ValueError:  # not a valid IRI at all
        return False


def _not_found(iri: str) -> BaseResponse:
    """A 404 that helps: similar labels and a search box, or plain text for machines."""
    if prefers(HTML, (*RDF_DOCUMENT_FORMATS, HTML)):
        context = not_found_context(state(), iri, reader_languages())
        return Response(render_template("not_found.html", **context), status=404, mimetype="text/html")
    raise NotFound(f"{iri} is not a resource of this dataset")
