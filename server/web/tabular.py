"""CSV answers with their CSVW metadata, and what the site knows of its data's SHACL validation.

Shared by the blueprints that serve tables (``tables``, ``quality``): a CSV is served as
``text/csv; charset=utf-8`` with ``Link: <…-metadata.json>; rel="describedby"`` (CSVW, Model for
Tabular Data 5.2: a Link header names the metadata), the metadata as ``application/csvw+json``.
The metadata sits at the CSV's URL plus ``-metadata.json``, the location CSVW processors try first
(5.3), with the same query string for named queries.
"""

from __future__ import annotations

import json
from urllib.parse import urlencode

from flask import Response, request
from rdflib import URIRef
from rdflib.namespace import RDF, SH

from server.config import resolve_inputs
from server.errors import KgError
from server.kg.loading import parse_files
from server.namespaces import CANONICAL_BASE
from server.views.conformance import Validation, Violation
from server.views.csvw import CSV_MEDIA_TYPE, CSVW_MEDIA_TYPE, CsvTable, csv_bytes, metadata
from server.web.state import AppState, absolute_url


def with_query(path: str) -> str:
    """The path with the request's query string (a named query's parameters), if any."""
    return f"{path}?{urlencode(list(request.args.items(multi=True)))}" if request.args else path


def csv_response(body: bytes, csv_path: str) -> Response:
    """A CSV body with the Link to its metadata document (at ``csv_path`` + ``-metadata.json``)."""
    response = Response(body, content_type=CSV_MEDIA_TYPE)
    described = with_query(csv_path + "-metadata.json")
    response.headers["Link"] = f'<{absolute_url(described)}>; rel="describedby"; type="{CSVW_MEDIA_TYPE}"'
    return response


def table_csv(table: CsvTable, csv_path: str) -> Response:
    """The table as CSV, linked to its metadata."""
    return csv_response(csv_bytes(table), csv_path)


def table_metadata(table: CsvTable, csv_path: str) -> Response:
    """The CSVW metadata document of the table served at ``csv_path``."""
    document = metadata(table, absolute_url(with_query(csv_path)))
    body = json.dumps(document, indent=1, ensure_ascii=False).encode("utf-8")
    return Response(body, content_type=CSVW_MEDIA_TYPE)


def validation_of(current: AppState) -> Validation:
    """What is known of the SHACL validation of the data version served, and the shapes' class targets."""
    report = current.kg.validation
    if report is None:
        return Validation(False, note="The build was given no shapes: this data was not validated.")
    shapes = current.remember("shape targets", lambda: shape_targets(current))
    results = tuple(Violation(r.focus, r.shape, r.message, r.severity, r.path) for r in report.results)
    if current.settings.engine:
        note = (
            f"Data version {current.kg.version} was validated when it was built; this site reads it from "
            f"an engine ({current.settings.engine}) and states what the build recorded."
        )
    else:
        note = f"Data version {current.kg.version} was validated with pySHACL when it was built."
    return Validation(True, shapes, results, note)


def shape_targets(current: AppState) -> tuple[tuple[str, str], ...]:
    """(node shape, target class) pairs of the shapes files the settings name, moved to the data's base."""
    try:
        paths = resolve_inputs(current.settings).shapes
        graph = parse_files(paths)
    except KgError:
        return ()
    pairs = set()
    for shape in graph.subjects(RDF.type, SH.NodeShape):
        for target in graph.objects(shape, SH.targetClass):
            if isinstance(shape, URIRef) and isinstance(target, URIRef):
                pairs.add((str(shape), str(target).replace(CANONICAL_BASE, current.base, 1)))
    return tuple(sorted(pairs))
