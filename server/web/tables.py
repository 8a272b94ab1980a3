"""The site's tables as CSV with CSVW metadata: the city-by-module matrix, the browse lists, named queries.

Routes only: the tables are ``server.views.tables``; each CSV and metadata document is computed once
per load. A named query's CSV is the SPARQL 1.1 Query Results CSV of ``/queries/NAME`` (the same
job, the same 400 for a missing or bad parameter); its metadata types the columns from the answer.
"""

from __future__ import annotations

from flask import Blueprint, Response, request, url_for

from server.engine.interface import QueryJob
from server.errors import NotFound
from server.formats import by_name
from server.views.facets import parse_filters, requirements
from server.views.tables import answer_table, browse_table, matrix_table
from server.web.jobs import run_job
from server.web.query_page import has_filters, query_values, requested_state
from server.web.state import absolute_url, state
from server.web.tabular import csv_response, table_csv, table_metadata

blueprint = Blueprint("tables", __name__)
CSV = by_name("csv")


@blueprint.get("/tables/matrix.csv", defaults={"described": False}, endpoint="matrix_csv")
@blueprint.get("/tables/matrix.csv-metadata.json", defaults={"described": True}, endpoint="matrix_metadata")
def matrix(described: bool) -> Response:
    """The home page's city-by-module matrix, one row per participation, or its CSVW metadata."""
    current = state()
    table = current.remember("matrix table", lambda: matrix_table(current))
    path = url_for("tables.matrix_csv")
    return table_metadata(table, path) if described else table_csv(table, path)


@blueprint.get("/browse/<kind>.csv", defaults={"described": False}, endpoint="browse_csv")
@blueprint.get("/browse/<kind>.csv-metadata.json", defaults={"described": True}, endpoint="browse_metadata")
def browse(kind: str, described: bool) -> Response:
    """A browse list whole (narrowed by ``f.`` filters, as on its page), as CSV, or its CSVW metadata; 404 for a
    kind that has no list."""
    current = state()
    filters = parse_filters(current, request.args.items(multi=True))
    narrowing, wording = requirements(filters), "; ".join(f"{f.facet.label} = {f.value}" for f in filters)
    table = current.remember(("browse table", kind, narrowing), lambda: browse_table(current, kind, narrowing, wording))
    path = url_for("tables.browse_csv", kind=kind)
    return table_metadata(table, path) if described else table_csv(table, path)


@blueprint.get("/queries/<name>.csv", defaults={"described": False}, endpoint="query_csv")
@blueprint.get("/queries/<name>.csv-metadata.json", defaults={"described": True}, endpoint="query_metadata")
def named_query(name: str, described: bool) -> Response:
    """A named query's answer as SPARQL results CSV, or the CSVW metadata describing that CSV; with ``f.``
    filters (as on its page) only the rows passing them, the CSV then the answer of the equivalent query."""
    current = state()
    named = current.queries.get(name)
    if named is None:
        raise NotFound(f"no named query {name!r}; the list is at /queries")
    values = query_values(named)
    substitutions = named.substitutions(values)
    path = url_for("tables.query_csv", name=name)
    found = requested_state(current, named, values) if described or has_filters() else None
    if described and found is not None:
        page = absolute_url(url_for("api.run_named_query", name=name))
        return table_metadata(answer_table(name, named.title, found.rows, page), path)
    settings = current.settings
    job = QueryJob(
        query=found.query if found is not None else named.text,
        substitutions=() if found is not None else tuple(substitutions.items()),
        results_format=CSV.name,
        max_results=settings.max_results,
        max_bytes=settings.max_result_bytes,
    )
    return csv_response(run_job(job).body, path)
