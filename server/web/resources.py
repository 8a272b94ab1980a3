"""Dereferenceable resources: Cool URIs for the Semantic Web, section 4.3 (303 URIs).

``GET /id/...`` (a thing) answers 303 See Other to its document, chosen by Accept:
HTML for browsers, RDF for RDF clients and for ``*/*`` or no Accept. ``/doc/...`` is
the generic document (content-negotiated, with Content-Location naming the variant) and
``/doc/....ttl`` etc. are the explicit variants. Documents carry Link rel=alternate for
every variant, Vary: Accept, an ETag and Last-Modified, and answer HEAD.
"""

from __future__ import annotations

import hashlib
from email.utils import format_datetime

from flask import Blueprint, Response, current_app, redirect, render_template, request
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDF, RDFS, VOID, XSD
from werkzeug.wrappers import Response as BaseResponse

from server.engine.service_description import SD
from server.errors import NotAcceptable, NotFound
from server.formats import Format, by_name, negotiate
from server.urls import DOCUMENT_EXTENSIONS, Urls
from server.views.resource import not_found_context, page_context, resource_graph
from server.web.search import reader_languages
from server.web.state import AppState, state

blueprint = Blueprint("resources", __name__)

HTML = Format("html", "HTML", "text/html", "html", "page")
RDF_DOCUMENT_FORMATS = tuple(by_name(name) for name in ("ttl", "nt", "jsonld", "rdf"))
DOCUMENT_FORMATS = (*RDF_DOCUMENT_FORMATS, HTML)
"""Turtle first: RDF for */* and for clients that send no Accept; HTML only when asked."""


def urls() -> Urls:
    """The URL mapping of the data being served."""
    return Urls(state().kg.base)


@blueprint.get("/id/<path:rest>")
def thing(rest: str) -> BaseResponse:
    """303 See Other from a thing to its document in the negotiated format."""
    iri = urls().iri_of("id/" + rest)
    if not _exists(state(), iri):
        return _not_found(iri)
    chosen = negotiate(request.headers.get("Accept"), DOCUMENT_FORMATS)
    if chosen is None:
        raise NotAcceptable(_available())
    response = redirect(urls().document(iri, chosen.extension), code=303)
    response.vary.add("Accept")
    return response


@blueprint.get("/graph/<name>")
def named_graph(name: str) -> BaseResponse:
    """A named graph's IRI: 303 to a document about the graph (its size and how to get it)."""
    iri = urls().iri_of("graph/" + name)
    if iri not in state().kg.graph_names():
        return _not_found(iri)
    chosen = negotiate(request.headers.get("Accept"), DOCUMENT_FORMATS)
    if chosen is None:
        raise NotAcceptable(_available())
    response = redirect(f"/doc/graph/{name}.{chosen.extension}", code=303)
    response.vary.add("Accept")
    return response


@blueprint.get("/doc/graph/<name>.<extension>")
def named_graph_document(name: str, extension: str) -> BaseResponse:
    """The description of a named graph, as HTML or RDF."""
    iri = urls().iri_of("graph/" + name)
    if iri not in state().kg.graph_names() or extension not in DOCUMENT_EXTENSIONS:
        return _not_found(iri)
    graph = graph_description(iri, state().store.graph_sizes().get(iri, 0), request.host_url)
    if extension == "html":
        response = Response(render_template("graph.html", iri=iri, graph=graph, urls=urls()), mimetype="text/html")
    else:
        fmt = by_name(extension, RDF_DOCUMENT_FORMATS)
        response = Response(
            graph.serialize(format=fmt.rdflib_name or "turtle", encoding="utf-8"), mimetype=fmt.media_type
        )
    return _conditional(response)


def graph_description(iri: str, triples: int, host_url: str) -> Graph:
    """What a named graph is: its size, the dataset it belongs to, where to query it."""
    graph = Graph(bind_namespaces="core")
    graph.bind("sd", SD)
    graph.bind("void", VOID)
    node = URIRef(iri)
    name = iri.rstrip("/").rsplit("/", 1)[-1]
    graph.add((node, RDF.type, SD.NamedGraph))
    graph.add((node, SD.name, node))
    graph.add((node, RDFS.label, Literal(f"{name} graph", lang="en")))
    graph.add((node, RDFS.comment, Literal(GRAPH_PURPOSE.get(name, "a named graph of this dataset"), lang="en")))
    graph.add((node, VOID.triples, Literal(triples, datatype=XSD.integer)))
    graph.add((node, VOID.sparqlEndpoint, URIRef(host_url + "sparql")))
    return graph


GRAPH_PURPOSE = {
    "asserted": "the curated facts, each resource with its sources",
    "inferred": "what HermiT infers from the ontology and the asserted facts, kept apart from them",
    "ontology": "the OWL ontology (the vocabulary of the data)",
    "metadata": "the dataset's VoID and DCAT description",
}


@blueprint.get("/doc/<path:rest>")
def document(rest: str) -> BaseResponse:
    """A document about a thing: generic (negotiated) or an explicit variant."""
    stem, dot, extension = rest.rpartition(".")
    explicit = dot and extension in DOCUMENT_EXTENSIONS
    iri = urls().iri_of("id/" + (stem if explicit else rest))
    if not _exists(state(), iri):
        return _not_found(iri)
    if explicit:
        fmt = HTML if extension == "html" else by_name(extension, RDF_DOCUMENT_FORMATS)
        response = _render(iri, fmt)
    else:
        chosen = negotiate(request.headers.get("Accept"), DOCUMENT_FORMATS)
        if chosen is None:
            raise NotAcceptable(_available())
        response = _render(iri, chosen)
        response.headers["Content-Location"] = urls().document(iri, chosen.extension)
        response.vary.add("Accept")
    return _conditional(response)


def _render(iri: str, fmt: Format) -> Response:
    current = state()
    if fmt is HTML:
        languages = _languages()
        context = page_context(current, urls(), iri, languages, request.args)
        response = Response(render_template("resource.html", **context), mimetype="text/html")
        response.vary.add("Accept-Language")
    else:
        graph = resource_graph(current, urls(), iri)
        body = graph.serialize(format=fmt.rdflib_name or "turtle", encoding="utf-8")
        response = Response(body, mimetype=fmt.media_type)
    links = [f'<{urls().document(iri, f.extension)}>; rel="alternate"; type="{f.media_type}"' for f in DOCUMENT_FORMATS]
    response.headers["Link"] = ", ".join(links)
    return response


def _conditional(response: Response) -> BaseResponse:
    """ETag from the body, Last-Modified from the data load; 304 when the client has it."""
    response.set_etag(hashlib.sha256(response.get_data()).hexdigest()[:32])
    response.headers["Last-Modified"] = format_datetime(current_app.config["KG_LOADED_AT"], usegmt=True)
    return response.make_conditional(request)


def _languages() -> list[str]:
    """The reader's languages: ?lang= first, then Accept-Language, then English."""
    return reader_languages()


def _exists(current: AppState, iri: str) -> bool:
    try:
        return current.store.mentions(iri)
    except ValueError:  # not a valid IRI at all
        return False


def _not_found(iri: str) -> BaseResponse:
    """A 404 that helps: similar labels and a search box, or plain text for machines."""
    if negotiate(request.headers.get("Accept"), (*RDF_DOCUMENT_FORMATS, HTML)) is HTML:
        context = not_found_context(state(), urls(), iri, _languages())
        return Response(render_template("not_found.html", **context), status=404, mimetype="text/html")
    raise NotFound(f"{iri} is not a resource of this dataset")


def _available() -> str:
    return "available: " + ", ".join(f.media_type for f in DOCUMENT_FORMATS)
