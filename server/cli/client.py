"""``clip-kg query``: the embedded graph, or any SPARQL endpoint through SPARQLWrapper."""

from __future__ import annotations

import pyoxigraph
from rdflib.plugins.sparql.parser import parseQuery
from SPARQLWrapper import CSV, JSON, N3, RDFXML, TSV, TURTLE, XML, SPARQLWrapper
from SPARQLWrapper.SPARQLExceptions import SPARQLWrapperException

from server.config import Settings
from server.engine.catalogue import resolve
from server.engine.store import Store, serialized_bytes
from server.errors import BadInput, KgError, QuerySyntaxError
from server.formats import Format
from server.kg.build import build
from server.kg.progress import Progress

WRAPPER_FORMATS = {"json": JSON, "xml": XML, "csv": CSV, "tsv": TSV, "ttl": TURTLE, "rdf": RDFXML, "nt": N3}
OXIGRAPH_GRAPH_FORMATS = {
    "ttl": pyoxigraph.RdfFormat.TURTLE,
    "nt": pyoxigraph.RdfFormat.N_TRIPLES,
    "rdf": pyoxigraph.RdfFormat.RDF_XML,
}


def run_query(
    query_or_name: str,
    parameters: dict[str, str],
    endpoint: str | None,
    fmt: Format,
    settings: Settings,
    progress: Progress,
) -> bytes:
    """Run a query and return the serialized results.

    Parameters of a named query are bound as RDF terms on the embedded graph; a remote
    endpoint gets the query text as it is, so parameters are refused there.
    """
    text, named = resolve(query_or_name)
    if parameters and named is None:
        raise BadInput("--param is for named queries of queries/, not for query text")
    substitutions = named.substitutions(parameters) if named is not None else {}
    if endpoint:
        if substitutions:
            raise BadInput(
                "parameters are bound as RDF terms, which a remote endpoint cannot receive with the query: "
                f"on a clip-kg server use its API, {endpoint.rsplit('/sparql', 1)[0]}/queries/{query_or_name}"
            )
        return _remote(text, endpoint, fmt)
    store = Store(build(settings, progress).dataset)
    results = store.select(text, substitutions=substitutions)
    if isinstance(results, pyoxigraph.QueryTriples):
        if fmt.name not in OXIGRAPH_GRAPH_FORMATS:
            raise BadInput(f"a CONSTRUCT or DESCRIBE query gives a graph: choose ttl, nt or rdf, not {fmt.name}")
        return serialized_bytes(results.serialize(format=OXIGRAPH_GRAPH_FORMATS[fmt.name]))
    if fmt.oxigraph_results is None:
        raise BadInput(f"a SELECT or ASK query gives results: choose json, xml, csv or tsv, not {fmt.name}")
    if not isinstance(results, (pyoxigraph.QuerySolutions, pyoxigraph.QueryBoolean)):
        raise BadInput("the query gives neither results nor a graph")
    return serialized_bytes(results.serialize(format=fmt.oxigraph_results))


def _remote(text: str, endpoint: str, fmt: Format) -> bytes:
    try:
        parseQuery(text)
    except Exception as error:  # pyparsing's ParseException and friends
        raise QuerySyntaxError(f"SPARQL syntax error: {error}") from None
    wrapper = SPARQLWrapper(endpoint)
    wrapper.setQuery(text)
    wrapper.setReturnFormat(WRAPPER_FORMATS.get(fmt.name, JSON))
    try:
        response = wrapper.query().response.read()
    except SPARQLWrapperException as error:
        raise BadInput(f"the endpoint refused the query: {error}") from None
    except OSError as error:
        raise KgError(f"cannot reach {endpoint}: {error}") from None
    return response if isinstance(response, bytes) else str(response).encode("utf-8")
