"""Named queries as a web API: /queries, /queries/NAME, and the OpenAPI document."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, jsonify, render_template, request, url_for
from werkzeug.wrappers import Response as BaseResponse

from server.engine.catalogue import RESERVED_NAMES, NamedQuery, Parameter
from server.engine.interface import QueryJob
from server.errors import NotFound
from server.formats import GRAPH_RESULT_FORMATS, HTML, JSON, RESULTS_FORMATS
from server.web.jobs import answer_response, run_job
from server.web.negotiation import chosen_format, format_parameters, prefers, requested_format
from server.web.openapi import openapi_document
from server.web.openapi_tables import with_tables
from server.web.query_page import query_page
from server.web.state import absolute_url, state

blueprint = Blueprint("api", __name__)


@blueprint.get("/queries")
def list_queries() -> Response:
    """The catalogue: JSON for programs, HTML for people."""
    queries = list(state().queries.values())
    if chosen_format((JSON, HTML)) is HTML:
        response = Response(render_template("queries.html", queries=queries), mimetype="text/html")
    else:
        response = jsonify({"queries": [_describe(q) for q in queries]})
    response.vary.add("Accept")
    return response


@blueprint.get("/queries/<name>")
def run_named_query(name: str) -> BaseResponse:
    """Run a named query; parameters come from the URL and are bound as RDF terms. A browser (HTML preferred
    to every results format, no format parameter) gets the answer as a page with facets over its columns."""
    named = state().queries.get(name)
    if named is None:
        raise NotFound(f"no named query {name!r}; the list is at /queries")
    if not format_parameters() and prefers(HTML, (*RESULTS_FORMATS, HTML)):
        page = query_page(state(), named)
        page.vary.add("Accept")
        return page
    values = {k: v for k, v in request.args.items() if k not in RESERVED_NAMES}
    substitutions = named.substitutions(values)
    settings = state().settings
    job = QueryJob(
        query=named.text,
        substitutions=tuple(substitutions.items()),
        results_format=requested_format(RESULTS_FORMATS),
        graph_format=requested_format(GRAPH_RESULT_FORMATS),
        max_results=settings.max_results,
        max_bytes=settings.max_result_bytes,
    )
    response = answer_response(run_job(job))
    response.vary.add("Accept")
    return response


def _describe(query: NamedQuery) -> dict[str, Any]:
    return {
        "name": query.name,
        "title": query.title,
        "description": query.description,
        "url": absolute_url(url_for("api.run_named_query", name=query.name)),
        "parameters": [_describe_parameter(p) for p in query.parameters],
        "query": query.text,
    }


def _describe_parameter(parameter: Parameter) -> dict[str, Any]:
    return {
        "name": parameter.name,
        "type": parameter.type,
        "required": parameter.required,
        "default": parameter.default,
        "description": parameter.description,
    }


@blueprint.get("/openapi.json")
def openapi() -> Response:
    """OpenAPI 3.1 description of the endpoint and of every named query."""
    queries = list(state().queries.values())
    return jsonify(with_tables(openapi_document(queries, absolute_url("/").rstrip("/")), queries))
