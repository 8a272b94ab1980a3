"""The OpenAPI paths of the tables: each CSV and its CSVW metadata, and the data-quality page.

Added to the document of ``openapi.py`` by ``with_tables``: the CSV answers are text, the metadata
documents ``application/csvw+json`` (W3C Metadata Vocabulary for Tabular Data), the quality page's JSON
has its schema here.
"""

from __future__ import annotations

from typing import Any

from server.engine.catalogue import NamedQuery
from server.formats import HTML, JSON
from server.views.csvw import CSVW_MEDIA_TYPE
from server.views.home import KINDS
from server.views.quality import TABLES
from server.web.facets import SEARCH, SET
from server.web.openapi import ERROR, TEXT, Schema, _named_query_operation, ref

CSV_CONTENT = {"text/csv": {"schema": TEXT}}
METADATA_CONTENT = {CSVW_MEDIA_TYPE: {"schema": {"type": "object", "required": ["@context", "url", "tableSchema"]}}}
QUALITY_SCHEMA: Schema = {
    "type": "object",
    "required": ["validated", "conforms", "note", "tables"],
    "properties": {
        "validated": {"type": ["boolean", "null"]},
        "conforms": {"type": "boolean"},
        "note": TEXT,
        "tables": {
            "type": "object",
            "additionalProperties": {
                "type": "object",
                "required": ["title", "note", "csv", "columns", "rows"],
                "properties": {
                    "title": TEXT,
                    "note": TEXT,
                    "csv": TEXT,
                    "columns": {"type": "array", "items": TEXT},
                    "rows": {"type": "array", "items": {"type": "object"}},
                },
            },
        },
    },
}
NOT_FOUND = {"404": {"description": "No such table", "content": ERROR}}


def _pair(summary: str, parameters: list[Schema], errors: dict[str, Any]) -> dict[str, Any]:
    """The CSV operation and its metadata operation, for one path template without its suffix."""
    csv: dict[str, Any] = {"summary": summary + " (CSV, RFC 4180, UTF-8, with a header row)", "parameters": parameters}
    csv["responses"] = {"200": {"description": "The table", "content": CSV_CONTENT}, **errors}
    described: dict[str, Any] = {"summary": summary + ": its CSVW metadata", "parameters": parameters}
    described["responses"] = {"200": {"description": "The CSVW metadata", "content": METADATA_CONTENT}, **errors}
    return {"csv": {"get": csv}, "metadata": {"get": described}}


def _name(name: str, values: list[str]) -> Schema:
    return {"name": name, "in": "path", "required": True, "schema": {"type": "string", "enum": values}}


def with_tables(document: dict[str, Any], queries: list[NamedQuery]) -> dict[str, Any]:
    """The OpenAPI document with the tables' paths and the quality page added."""
    errors = {**NOT_FOUND, "4XX": {"description": "Another client error, said in the text", "content": ERROR}}
    tables = {
        "/tables/matrix": _pair("The city-by-module matrix, one row per participation", [], errors),
        "/browse/{kind}": _pair("A browse list, whole or filtered", [_name("kind", list(KINDS))], errors),
        "/facets": _pair("The items of a browse list narrowed by filters", SET, errors),
        "/facets/search": _pair("The hits of a search narrowed by filters", SEARCH, errors),
        "/quality/{table}": _pair("A table of the data-quality page", [_name("table", list(TABLES))], errors),
    }
    query_errors = {"400": {"description": "A missing or bad parameter", "content": ERROR}, **errors}
    for query in queries:  # the parameters of each named query, as its JSON operation has them
        parameters = _named_query_operation(query)["parameters"]
        summary = f"{query.title} (SPARQL results CSV; f.COLUMN=VALUE keeps the rows with VALUE in COLUMN)"
        tables[f"/queries/{query.name}"] = _pair(summary, parameters, query_errors)
    paths = document["paths"]
    for prefix, pair in tables.items():
        paths[prefix + ".csv"] = pair["csv"]
        paths[prefix + ".csv-metadata.json"] = pair["metadata"]
    content = {HTML.media_type: {"schema": TEXT}, JSON.media_type: {"schema": ref("Quality")}}
    paths["/quality"] = {
        "get": {
            "summary": "Data quality: conformance, counts stated and identified, labels, sources, links",
            "parameters": [],
            "responses": {
                "200": {"description": "The page, or its tables as JSON", "content": content},
                "406": {"description": "Neither HTML nor JSON is acceptable", "content": ERROR},
            },
        }
    }
    document["components"]["schemas"] = {**document["components"]["schemas"], "Quality": QUALITY_SCHEMA}
    return document
