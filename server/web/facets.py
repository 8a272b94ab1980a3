"""``GET /facets``: a state of a browse list or a search as JSON (total, facets with values and counts,
the SPARQL it ran, the equivalent query of its items, the first items), and its items as CSV with
CSVW metadata. The set and filters are read as the pages read them (``server.web.faceting``)."""

from __future__ import annotations

import json
from typing import Any

from flask import Blueprint, Response, url_for

from server.formats import JSON
from server.views.csvw import CsvColumn, CsvTable
from server.views.facets import as_json, facet_state
from server.views.home import KINDS
from server.web.faceting import ENDPOINTS, items, items_json, requested_set, set_url
from server.web.negotiation import reader_languages
from server.web.state import state
from server.web.tabular import table_csv, table_metadata

blueprint = Blueprint("facets", __name__)

_TEXT = {"type": "string"}
_ERROR = {"text/plain": {"schema": _TEXT}}
FILTERS_TEXT = (
    "Filters are further parameters f.KEY=VALUE, all of which an item must pass (not listed as parameters: "
    "which keys and values are valid depends on the data). KEY is a property (prefix:name or <IRI>), "
    "year(PROPERTY), from(PROPERTY) or to(PROPERTY) (VALUE a year of four digits), PROPERTY/PROPERTY (a "
    "property of a linked resource) or language (VALUE a language tag of the names); VALUE is an IRI or a "
    "value's text. A malformed key or value is a 400."
)
SET: list[dict[str, Any]] = [
    {
        "name": "kind",
        "in": "query",
        "required": True,
        "schema": {"type": "string", "enum": list(KINDS)},
        "description": "The browse list to narrow",
    },
]
SEARCH: list[dict[str, Any]] = [
    {"name": "q", "in": "query", "required": True, "schema": _TEXT,
     "description": "The search whose hits to narrow (its best 5,000)"},
]  # fmt: skip
_VALUE = {
    "type": "object",
    "required": ["value", "label", "count", "selected", "url"],
    "properties": {
        "value": _TEXT,
        "label": _TEXT,
        "count": {"type": "integer", "minimum": 0},
        "selected": {"type": "boolean"},
        "url": _TEXT,
    },
}
STATE_SCHEMA = {
    "type": "object",
    "required": ["collection", "total", "filters", "facets", "sparql", "query", "items", "csv"],
    "properties": {
        "collection": {"type": "object"},
        "total": {"type": "integer", "minimum": 0},
        "filters": {"type": "array", "items": {"type": "object"}},
        "facets": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["key", "kind", "label", "values", "more"],
                "properties": {"key": _TEXT, "kind": _TEXT, "label": _TEXT, "more": {"type": "integer"},
                               "values": {"type": "array", "items": _VALUE}},
            },
        },
        "sparql": {"type": "array", "items": _TEXT, "description": "The queries that counted this state"},
        "query": {"type": "string", "description": "The SPARQL that lists the items of this state"},
        "items": {"type": "array", "items": {"type": "object"}, "description": "The first 100 items, by name"},
        "csv": _TEXT,
    },
}  # fmt: skip


def operation(summary: str, parameters: list[dict[str, Any]]) -> dict[str, Any]:
    """The OpenAPI operation of a state's JSON."""
    return {
        "summary": summary,
        "description": FILTERS_TEXT,
        "parameters": parameters,
        "responses": {
            "200": {"description": "The state", "content": {JSON.media_type: {"schema": STATE_SCHEMA}}},
            "400": {"description": "No set named, or a malformed filter", "content": _ERROR},
            "404": {"description": "No browse list of that kind", "content": _ERROR},
        },
    }


PATHS = {
    "/facets": operation("Facets of a browse list: each facet's values with their counts, for the filters", SET),
    "/facets/search": operation("Facets of a search's hits: each facet's values with their counts", SEARCH),
}

ITEM_COLUMNS = (
    CsvColumn("item", "resource", "anyURI"),
    CsvColumn("label", "name"),
)


@blueprint.get("/facets", defaults={"search": False}, endpoint="facets_json")
@blueprint.get("/facets/search", defaults={"search": True}, endpoint="search_json")
def facets_json(search: bool) -> Response:
    """A state of a browse list (``/facets?kind=``) or of a search (``/facets/search?q=``) as JSON: total,
    facets, values, counts, the SPARQL it ran, the equivalent query of its items, its first items."""
    current = state()
    collection, filters = requested_set(current, search)
    json_route, csv_route = ENDPOINTS[collection.kind]
    found = facet_state(current, collection, filters, reader_languages())
    body = as_json(found, lambda parameters: set_url(json_route, collection, parameters))
    body["items"] = items_json(current, found)
    body["csv"] = set_url(csv_route, collection, [f.parameter for f in filters])
    return Response(json.dumps(body, ensure_ascii=False), mimetype=JSON.media_type)


@blueprint.get("/facets.csv", defaults={"search": False, "described": False}, endpoint="items_csv")
@blueprint.get("/facets.csv-metadata.json", defaults={"search": False, "described": True}, endpoint="items_metadata")
@blueprint.get("/facets/search.csv", defaults={"search": True, "described": False}, endpoint="search_csv")
@blueprint.get(
    "/facets/search.csv-metadata.json", defaults={"search": True, "described": True}, endpoint="search_metadata"
)
def items_csv(search: bool, described: bool) -> Response:
    """The items of a state as CSV (resource, name), or the CSVW metadata of that CSV."""
    current = state()
    collection, filters = requested_set(current, search)
    found = facet_state(current, collection, filters, reader_languages())
    rows = items(current, found)
    wording = "; ".join(f"{f.facet.label} = {f.value}" for f in filters) or "none"
    table = CsvTable(
        f"facets-{collection.kind}",
        collection.title,
        f"The {len(rows)} resources of '{collection.title}' passing the filters ({wording}), with a name each.",
        ITEM_COLUMNS,
        rows,  # type: ignore[arg-type]
        about_url="{+item}",
    )
    path = url_for(ENDPOINTS[collection.kind][1])
    return table_metadata(table, path) if described else table_csv(table, path)
