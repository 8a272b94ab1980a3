"""The data-quality page: /quality (HTML, or JSON by Accept or ?format=json) and each of its tables as CSV.

Routes only: the tables are ``server.views.quality``, computed once per load; what is known of the
SHACL validation comes from the build record (``tabular.validation_of``).
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, jsonify, render_template, url_for

from server.errors import NotFound
from server.formats import HTML, JSON
from server.views.conformance import Validation, resource_conformance, shape_classes
from server.views.csvw import CsvTable
from server.views.quality import TABLES, quality_tables
from server.web.negotiation import chosen_format
from server.web.state import AppState, absolute_url, state
from server.web.tabular import table_csv, table_metadata, validation_of

blueprint = Blueprint("quality", __name__)


def _tables(current: AppState) -> tuple[Validation, dict[str, CsvTable]]:
    validation = validation_of(current)
    return validation, current.remember("quality tables", lambda: quality_tables(current, validation))


@blueprint.get("/quality")
def page() -> Response:
    """Conformance, counts stated and identified, labels, sources and links: HTML for people, JSON for programs."""
    current = state()
    validation, tables = _tables(current)
    csv = {name: url_for("quality.table_csv_file", name=name) for name in tables}
    if chosen_format((HTML, JSON)) is JSON:
        response = jsonify(_as_json(validation, tables, csv))
    else:
        links = {name: url_for("quality.table_metadata_file", name=name) for name in tables}
        body = render_template(
            "quality.html", validation=validation, tables=tables, csv=csv, metadata=links, urls=current.urls
        )
        response = Response(body, mimetype="text/html")
    response.vary.add("Accept")
    return response


def _as_json(validation: Validation, tables: dict[str, CsvTable], csv: dict[str, str]) -> dict[str, Any]:
    return {
        "validated": validation.validated,
        "conforms": bool(validation.validated) and not validation.results,
        "note": validation.note,
        "tables": {
            name: {
                "title": table.title,
                "note": table.note,
                "csv": absolute_url(csv[name]),
                "columns": [column.name for column in table.columns],
                "rows": table.records(),
            }
            for name, table in tables.items()
        },
    }


@blueprint.app_context_processor
def conformance_helper() -> dict[str, Any]:
    """``conformance_of(iri)`` for the resource page's include (``_conformance.html``), computed on call."""
    return {"conformance_of": _conformance_of}


def _conformance_of(iri: str) -> dict[str, Any]:
    current = state()
    validation = validation_of(current)
    classes = current.remember("shape classes", lambda: shape_classes(current, validation))
    return resource_conformance(current, validation, iri, classes)


@blueprint.get("/quality/<name>.csv", defaults={"described": False}, endpoint="table_csv_file")
@blueprint.get("/quality/<name>.csv-metadata.json", defaults={"described": True}, endpoint="table_metadata_file")
def table(name: str, described: bool) -> Response:
    """One table of the quality page as CSV, or its CSVW metadata; 404 for a name that is not one."""
    if name not in TABLES:
        raise NotFound(f"the quality page has no table {name!r}; its tables are: {', '.join(TABLES)}")
    _, tables = _tables(state())
    path = url_for("quality.table_csv_file", name=name)
    return table_metadata(tables[name], path) if described else table_csv(tables[name], path)
