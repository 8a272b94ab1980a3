"""``GET /facets``: a state of a browse list or a search as JSON (total, facets with values and counts,
the SPARQL it ran, the equivalent query of its items, the first items), and its items as CSV with
CSVW metadata. The set and filters are read as the pages read them (``server.web.faceting``)."""

from __future__ import annotations

import json

from flask import Blueprint, Response, url_for

from server.formats import JSON
from server.views.csvw import CsvColumn, CsvTable
from server.views.facets import as_json, facet_state
from server.web.faceting import items, items_json, requested_set, set_url
from server.web.negotiation import reader_languages
from server.web.state import state
from server.web.tabular import table_csv, table_metadata

blueprint = Blueprint("facets", __name__)

ITEM_COLUMNS = (
    CsvColumn("item", "resource", "anyURI"),
    CsvColumn("label", "name"),
)


@blueprint.get("/facets")
def facets_json() -> Response:
    """A state of a browse list (``?kind=``) or of a search (``?q=``) as JSON: total, facets, values, counts,
    the SPARQL it ran and the equivalent query of its items."""
    current = state()
    collection, filters = requested_set(current)
    found = facet_state(current, collection, filters, reader_languages())
    body = as_json(found, lambda parameters: set_url("facets.facets_json", collection, parameters))
    body["items"] = items_json(current, found)
    body["csv"] = set_url("facets.items_csv", collection, [f.parameter for f in filters])
    return Response(json.dumps(body, ensure_ascii=False), mimetype=JSON.media_type)


@blueprint.get("/facets.csv", defaults={"described": False}, endpoint="items_csv")
@blueprint.get("/facets.csv-metadata.json", defaults={"described": True}, endpoint="items_metadata")
def items_csv(described: bool) -> Response:
    """The items of a state as CSV (resource, name), or the CSVW metadata of that CSV."""
    current = state()
    collection, filters = requested_set(current)
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
    path = url_for("facets.items_csv")
    return table_metadata(table, path) if described else table_csv(table, path)
