"""``clip-kg query``: the embedded graph, or any SPARQL endpoint through SPARQLWrapper."""

from __future__ import annotations

import sys

from rdflib.plugins.sparql.parser import parseQuery
from SPARQLWrapper import CSV, JSON, N3, RDFXML, TSV, TURTLE, XML, SPARQLWrapper
from SPARQLWrapper.SPARQLExceptions import SPARQLWrapperException

from server.config import Settings
from server.engine.catalogue import resolve
from server.engine.embedded import EmbeddedEngine
from server.engine.interface import QueryJob
from server.errors import BadInput, KgError, NotAcceptable, QuerySyntaxError
from server.formats import GRAPH_RESULT_FORMATS, RESULTS_FORMATS, Format
from server.kg.build import build
from server.kg.progress import Progress

WRAPPER_FORMATS = {"json": JSON, "xml": XML, "csv": CSV, "tsv": TSV, "ttl": TURTLE, "rdf": RDFXML, "nt": N3}


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
    kg = build(settings, progress)
    engine = EmbeddedEngine.on_disk(kg.store_path, kg.changed_literals_path)
    job = QueryJob(
        query=text,
        substitutions=tuple(substitutions.items()),
        results_format=fmt.name if fmt in RESULTS_FORMATS else None,
        graph_format=fmt.name if fmt in GRAPH_RESULT_FORMATS else None,
        max_results=sys.maxsize - 1,  # the command line has no row limit
        max_bytes=sys.maxsize,  # nor a byte limit
    )
    try:
        return engine.answer(job).body
    except NotAcceptable:
        raise BadInput(_wrong_format(fmt)) from None


def _wrong_format(fmt: Format) -> str:
    if fmt in RESULTS_FORMATS:
        graphs = ", ".join(f.name for f in GRAPH_RESULT_FORMATS)
        return f"a CONSTRUCT or DESCRIBE query gives a graph: choose {graphs}, not {fmt.name}"
    results = ", ".join(f.name for f in RESULTS_FORMATS)
    return f"a SELECT or ASK query gives results: choose {results}, not {fmt.name}"


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
