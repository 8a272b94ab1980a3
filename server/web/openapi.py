"""The OpenAPI 3.1 document as data: the SPARQL endpoint, the named queries, search and dumps.

Every JSON answer has its JSON Schema, so that a schema-driven client or fuzzer can check
what it gets: SPARQL results JSON as the W3C format defines it
(https://www.w3.org/TR/sparql11-results-json/, with RDF 1.2 triple terms), the named-query
catalogue, the search hits and the dump listing as ``api.py``, ``search.py`` and ``dumps.py``
write them. Other formats are text (RDF, CSV, TSV, XML, HTML) and every error is text/plain.
"""

from __future__ import annotations

from typing import Any

from server.engine.catalogue import NamedQuery
from server.formats import GRAPH_RESULT_FORMATS, HTML, JSON, RESULTS_FORMATS
from server.web import facets, fragments

Schema = dict[str, Any]

PARAMETER_SCHEMAS: dict[str, Schema] = {
    "iri": {"type": "string", "format": "iri"},
    "string": {"type": "string"},
    "integer": {"type": "integer"},
    "decimal": {"type": "number"},
    "boolean": {"type": "boolean"},
    "date": {"type": "string", "format": "date"},
    "year": {"type": "string", "pattern": "^-?[0-9]{4,}$"},
    "language": {"type": "string", "pattern": "^[A-Za-z]{1,8}(-[A-Za-z0-9]{1,8})*$"},
}
"""The schema of a named-query parameter, by its type."""


def ref(name: str) -> Schema:
    """A reference to one of SCHEMAS."""
    return {"$ref": f"#/components/schemas/{name}"}


def _object(required: dict[str, Schema], optional: dict[str, Schema] | None = None) -> Schema:
    """An object with these properties, the first all required."""
    return {"type": "object", "required": list(required), "properties": {**required, **(optional or {})}}


TEXT: Schema = {"type": "string"}
OPTIONAL_TEXT: Schema = {"type": ["string", "null"]}
SCHEMAS: dict[str, Schema] = {
    "RdfTerm": {
        "description": "An RDF term in SPARQL results JSON (section 3.2.2), or an RDF 1.2 triple term.",
        "oneOf": [
            _object({"type": {"enum": ["uri", "bnode"]}, "value": TEXT}),
            _object({"type": {"const": "literal"}, "value": TEXT}, {"xml:lang": TEXT, "datatype": TEXT}),
            _object(
                {
                    "type": {"const": "triple"},
                    "value": _object(
                        {"subject": ref("RdfTerm"), "predicate": ref("RdfTerm"), "object": ref("RdfTerm")}
                    ),
                }
            ),
        ],
    },
    "SparqlResults": {
        "description": "SPARQL 1.1 Query Results JSON Format: a SELECT's variables and bindings, or an ASK's boolean.",
        "oneOf": [
            _object(
                {
                    "head": _object(
                        {"vars": {"type": "array", "items": TEXT}}, {"link": {"type": "array", "items": TEXT}}
                    ),
                    "results": _object(
                        {
                            "bindings": {
                                "type": "array",
                                "items": {"type": "object", "additionalProperties": ref("RdfTerm")},
                            }
                        }
                    ),
                }
            ),
            _object({"head": _object({}, {"link": {"type": "array", "items": TEXT}}), "boolean": {"type": "boolean"}}),
        ],
    },
    "JsonLd": {"description": "A JSON-LD document (CONSTRUCT and DESCRIBE answers).", "type": ["object", "array"]},
    "Parameter": _object(
        {
            "name": TEXT,
            "type": {"enum": sorted(PARAMETER_SCHEMAS)},
            "required": {"type": "boolean"},
            "default": OPTIONAL_TEXT,
            "description": TEXT,
        }
    ),
    "NamedQuery": _object(
        {
            "name": TEXT,
            "title": TEXT,
            "description": TEXT,
            "url": {"type": "string", "format": "uri"},
            "parameters": {"type": "array", "items": ref("Parameter")},
            "query": TEXT,
        }
    ),
    "Catalogue": _object({"queries": {"type": "array", "items": ref("NamedQuery")}}),
    "SearchHit": _object(
        {
            "iri": TEXT,
            "label": OPTIONAL_TEXT,
            "lang": OPTIONAL_TEXT,
            "matched": TEXT,
            "match": TEXT,
            "type": OPTIONAL_TEXT,
            "typeLabel": TEXT,
            "url": {"type": ["string", "null"], "description": "Its page; null for an IRI that is not http(s)."},
        }
    ),
    "SearchResults": _object(
        {
            "q": TEXT,
            "total": {"type": "integer", "minimum": 0},
            "offset": {"type": "integer", "minimum": 0},
            "limit": {"type": "integer", "minimum": 1},
            "results": {"type": "array", "items": ref("SearchHit")},
        }
    ),
    "DumpFile": _object(
        {
            "file": TEXT,
            "url": {"type": "string", "format": "uri"},
            "format": TEXT,
            "media_type": TEXT,
            "content_type": TEXT,
            "compressed": {"enum": ["gzip", None]},
            "named_graphs": {"type": "boolean"},
            "bytes": {"type": "integer", "minimum": 0},
            "sha256": {"type": "string", "pattern": "^[0-9a-f]{64}$"},
        }
    ),
    "Dumps": _object({"files": {"type": "array", "items": ref("DumpFile")}}),
}
"""The JSON Schemas (2020-12, as OpenAPI 3.1 has them) of every JSON answer."""


def _page_or_json_operation(
    summary: str, answer: str, schema: str, parameters: list[Schema] | None = None, errors: Schema | None = None
) -> Schema:
    """A GET answered with an HTML page for people, or with JSON of the named schema for programs."""
    content = {HTML.media_type: {"schema": TEXT}, JSON.media_type: {"schema": ref(schema)}}
    responses = {"200": {"description": answer, "content": content}, **(errors or {}), **NOT_ACCEPTABLE}
    return {"summary": summary, "parameters": parameters or [], "responses": responses}


RESULTS = {f.media_type: {"schema": ref("SparqlResults") if f.name == "json" else TEXT} for f in RESULTS_FORMATS}
GRAPHS = {f.media_type: {"schema": ref("JsonLd") if f.name == "jsonld" else TEXT} for f in GRAPH_RESULT_FORMATS}
PAGE = {HTML.media_type: {"schema": TEXT}}
ERROR = {"text/plain": {"schema": TEXT}}
NOT_ACCEPTABLE = {"406": {"description": "Neither HTML nor JSON is acceptable", "content": ERROR}}
ERRORS = {
    "400": {"description": "Malformed query or parameter", "content": ERROR},
    "406": {"description": "No acceptable media type", "content": ERROR},
    "422": {
        "description": "Result over the endpoint's row or byte limit, or a query over its memory limit",
        "content": ERROR,
    },
    "429": {"description": "The client is over its share of query processes (see Retry-After)", "content": ERROR},
    "4XX": {"description": "Another client error, said in the text", "content": ERROR},
    "503": {"description": "Query stopped at the time limit, or the server busy (see Retry-After)", "content": ERROR},
}
SPARQL_PARAMETERS = [
    {"name": "query", "in": "query", "required": False, "schema": TEXT,
     "description": "A SPARQL 1.1 query; without it, the Service Description or the query page."},
    {"name": "default-graph-uri", "in": "query", "schema": {"type": "array", "items": TEXT},
     "style": "form", "explode": True},
    {"name": "named-graph-uri", "in": "query", "schema": {"type": "array", "items": TEXT},
     "style": "form", "explode": True},
]  # fmt: skip


def openapi_document(queries: list[NamedQuery], server: str) -> dict[str, Any]:
    """The OpenAPI document as data, for the site at ``server``."""
    answers = {"description": "Query results; without a query, the Service Description or the query page"}
    paths: dict[str, Any] = {
        "/sparql": {
            "get": {
                "summary": "SPARQL 1.1 query via GET",
                "parameters": SPARQL_PARAMETERS,
                "responses": {"200": {**answers, "content": {**RESULTS, **GRAPHS, **PAGE}}, **ERRORS},
            },
            "post": {
                "summary": "SPARQL 1.1 query via POST (URL-encoded form or application/sparql-query)",
                "requestBody": {
                    "content": {
                        "application/x-www-form-urlencoded": {"schema": _object({}, {"query": TEXT})},
                        "application/sparql-query": {"schema": TEXT},
                    }
                },
                "responses": {
                    "200": {"description": "Query results", "content": {**RESULTS, **GRAPHS, **PAGE}},
                    "403": {"description": "SPARQL Update or SERVICE refused", "content": ERROR},
                    "413": {"description": "Request body too large", "content": ERROR},
                    "415": {"description": "Unsupported request media type", "content": ERROR},
                    **ERRORS,
                },
            },
        },
        "/queries": {"get": _page_or_json_operation("The named queries", "The catalogue", "Catalogue")},
        "/search": {
            "get": _page_or_json_operation(
                "Resources by their names",
                "Ranked hits",
                "SearchResults",
                [
                    {"name": "q", "in": "query", "schema": TEXT, "description": "The text to find in names"},
                    {
                        "name": "offset",
                        "in": "query",
                        "schema": {"type": "integer", "minimum": 0, "maximum": 999_999_999},
                    },
                ],
                {"400": {"description": "A bad offset or filter", "content": ERROR}},
            )
        },
        "/dumps": {"get": _page_or_json_operation("The dataset's dump files", "The files", "Dumps")},
        "/fragments": {"get": fragments.OPERATION},
    }
    paths |= {path: {"get": operation} for path, operation in facets.PATHS.items()}
    paths["/search"]["get"]["description"] = facets.FILTERS_TEXT
    for query in queries:
        paths[f"/queries/{query.name}"] = {"get": _named_query_operation(query)}
    return {
        "openapi": "3.1.0",
        "info": {"title": "CLIP knowledge graph", "version": "1.0.0",
                 "description": "SPARQL 1.1 endpoint and named queries over the CLIP network knowledge graph."},
        "servers": [{"url": server}],
        "paths": paths,
        "components": {"schemas": SCHEMAS},
    }  # fmt: skip


def _named_query_operation(query: NamedQuery) -> dict[str, Any]:
    parameters = [
        {
            "name": p.name,
            "in": "query",
            "required": p.required,
            "description": p.description,
            "schema": {
                **PARAMETER_SCHEMAS[p.type],
                **({"default": p.default} if p.default is not None else {}),
                **({"minLength": 1} if p.required and p.type == "string" else {}),
            },
            # An empty value is no value (as an HTML form sends an empty field): allowed unless required.
            **({} if p.required else {"allowEmptyValue": True}),
        }
        for p in query.parameters
    ]
    page = (
        " A browser (HTML preferred to every results format) gets the results as a page, with facets over"
        " their columns: f.COLUMN=VALUE keeps the rows having VALUE (a lexical form or an IRI) in COLUMN."
    )
    return {
        "summary": query.title,
        "description": query.description + page,
        "operationId": query.name,
        "parameters": parameters,
        "responses": {
            "200": {"description": "Query results", "content": {**RESULTS, HTML.media_type: {"schema": TEXT}}},
            **ERRORS,
        },
    }
