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
from server.web.negotiation import chosen_format, requested_format
from server.web.state import state

blueprint = Blueprint("api", __name__)

SCHEMAS: dict[str, dict[str, Any]] = {
    "iri": {"type": "string", "format": "iri"},
    "string": {"type": "string"},
    "integer": {"type": "integer"},
    "decimal": {"type": "number"},
    "boolean": {"type": "boolean"},
    "date": {"type": "string", "format": "date"},
    "year": {"type": "string", "pattern": "^-?[0-9]{4,}$"},
    "language": {"type": "string", "pattern": "^[A-Za-z]{1,8}(-[A-Za-z0-9]{1,8})*$"},
}


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
    """Run a named query; parameters come from the URL and are bound as RDF terms."""
    named = state().queries.get(name)
    if named is None:
        raise NotFound(f"no named query {name!r}; the list is at /queries")
    values = {k: v for k, v in request.args.items() if k not in RESERVED_NAMES}
    substitutions = named.substitutions(values)
    settings = state().settings
    job = QueryJob(
        query=named.text,
        substitutions=tuple(substitutions.items()),
        results_format=requested_format(RESULTS_FORMATS),
        graph_format=requested_format(GRAPH_RESULT_FORMATS),
        max_results=settings.max_results,
    )
    response = answer_response(run_job(job))
    response.vary.add("Accept")
    return response


def _describe(query: NamedQuery) -> dict[str, Any]:
    return {
        "name": query.name,
        "title": query.title,
        "description": query.description,
        "url": url_for("api.run_named_query", name=query.name, _external=True),
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
    return jsonify(openapi_document(list(state().queries.values()), request.host_url.rstrip("/")))


def openapi_document(queries: list[NamedQuery], server: str) -> dict[str, Any]:
    """The OpenAPI document as data."""
    results = {f.media_type: {"schema": {"type": "string"}} for f in RESULTS_FORMATS}
    graphs = {f.media_type: {"schema": {"type": "string"}} for f in GRAPH_RESULT_FORMATS}
    errors = {
        "400": {"description": "Malformed query or parameter", "content": {"text/plain": {}}},
        "406": {"description": "No acceptable media type", "content": {"text/plain": {}}},
        "422": {"description": "Result larger than the endpoint's limit", "content": {"text/plain": {}}},
        "429": {
            "description": "The client is over its share of query processes (see Retry-After)",
            "content": {"text/plain": {}},
        },
        "503": {"description": "Query stopped at the time limit (see Retry-After)", "content": {"text/plain": {}}},
    }
    sparql_parameters = [
        {"name": "query", "in": "query", "required": False, "schema": {"type": "string"},
         "description": "A SPARQL 1.1 query; without it, the Service Description or the query page."},
        {"name": "default-graph-uri", "in": "query", "schema": {"type": "array", "items": {"type": "string"}},
         "style": "form", "explode": True},
        {"name": "named-graph-uri", "in": "query", "schema": {"type": "array", "items": {"type": "string"}},
         "style": "form", "explode": True},
    ]  # fmt: skip
    paths: dict[str, Any] = {
        "/sparql": {
            "get": {
                "summary": "SPARQL 1.1 query via GET",
                "parameters": sparql_parameters,
                "responses": {"200": {"description": "Query results", "content": {**results, **graphs}}, **errors},
            },
            "post": {
                "summary": "SPARQL 1.1 query via POST (URL-encoded form or application/sparql-query)",
                "requestBody": {
                    "content": {
                        "application/x-www-form-urlencoded": {
                            "schema": {
                                "type": "object",
                                "properties": {"query": {"type": "string"}},
                                "required": ["query"],
                            }
                        },
                        "application/sparql-query": {"schema": {"type": "string"}},
                    }
                },
                "responses": {
                    "200": {"description": "Query results", "content": {**results, **graphs}},
                    "403": {"description": "SPARQL Update or SERVICE refused", "content": {"text/plain": {}}},
                    "413": {"description": "Request body too large", "content": {"text/plain": {}}},
                    "415": {"description": "Unsupported request media type", "content": {"text/plain": {}}},
                    **errors,
                },
            },
        },
        "/queries": {"get": {"summary": "The named queries", "responses": {"200": {"description": "The catalogue"}}}},
    }
    for query in queries:
        paths[f"/queries/{query.name}"] = {
            "get": {
                "summary": query.title,
                "description": query.description,
                "operationId": query.name,
                "parameters": [
                    {
                        "name": p.name,
                        "in": "query",
                        "required": p.required,
                        "description": p.description,
                        "schema": {**SCHEMAS[p.type], **({"default": p.default} if p.default is not None else {})},
                    }
                    for p in query.parameters
                ],  # fmt: skip
                "responses": {"200": {"description": "Query results", "content": results}, **errors},
            }
        }
    return {
        "openapi": "3.1.0",
        "info": {"title": "CLIP knowledge graph", "version": "1.0.0",
                 "description": "SPARQL 1.1 endpoint and named queries over the CLIP network knowledge graph."},
        "servers": [{"url": server}],
        "paths": paths,
    }  # fmt: skip
