"""The SPARQL endpoint at /sparql (SPARQL 1.1 Protocol, section 2.1.1: query via GET).

https://www.w3.org/TR/sparql11-protocol/#query-via-get
This is the minimal read-only endpoint; results go through the one format registry.
"""

from __future__ import annotations

import pyoxigraph
from flask import Blueprint, Response, request

from .errors import BadInput, NotAcceptable
from .formats import RDF_FORMATS, RESULTS_FORMATS, Format, by_name, negotiate
from .state import state

blueprint = Blueprint("sparql", __name__)


@blueprint.get("/sparql")
def query_via_get() -> Response:
    """Answer a query given in the ``query`` parameter of a GET request."""
    queries = request.args.getlist("query")
    if len(queries) != 1:
        raise BadInput("give exactly one 'query' parameter" if queries else "missing 'query' parameter")
    results = state().store.select(
        queries[0],
        default_graphs=request.args.getlist("default-graph-uri"),
        named_graphs=request.args.getlist("named-graph-uri"),
    )
    if isinstance(results, pyoxigraph.QueryTriples):
        return _graph_response(results)
    return _results_response(results)


def _chosen(offered: tuple[Format, ...]) -> Format:
    explicit = request.args.get("format")
    if explicit:
        return by_name(explicit, offered)
    fmt = negotiate(request.headers.get("Accept"), offered)
    if fmt is None:
        available = ", ".join(f.media_type for f in offered)
        raise NotAcceptable(f"none of the accepted media types is available; available: {available}")
    return fmt


def _results_response(results: object) -> Response:
    fmt = _chosen(RESULTS_FORMATS)
    body = results.serialize(format=fmt.oxigraph_results)  # type: ignore[attr-defined]
    response = Response(body, mimetype=fmt.media_type)
    response.headers["Vary"] = "Accept"
    return response


def _graph_response(triples: pyoxigraph.QueryTriples) -> Response:
    offered = tuple(f for f in RDF_FORMATS if f.name in ("ttl", "nt", "rdf"))
    fmt = _chosen(offered)
    oxigraph_format = {"ttl": pyoxigraph.RdfFormat.TURTLE, "nt": pyoxigraph.RdfFormat.N_TRIPLES,
                       "rdf": pyoxigraph.RdfFormat.RDF_XML}[fmt.name]  # fmt: skip
    body = triples.serialize(format=oxigraph_format)
    response = Response(body, mimetype=fmt.media_type)
    response.headers["Vary"] = "Accept"
    return response
