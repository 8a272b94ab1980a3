"""Triple Pattern Fragments at /fragments: the route, and the queries of ``views.fragment_pages`` on the executor.

``?subject=&predicate=&object=`` (each optional, in Hydra's explicit representation) and
``?page=``; TriG, N-Quads or JSON-LD keep the metadata in a graph of its own, Turtle and
N-Triples write it beside the data; a browser (text/html before the RDF types) gets a page with
the pattern as a form, the count, the triples and the paging links. The page's own URL, the
subject of its metadata, is the configured root plus the path and query string as the client sent them (never its Host
header), so a client finds the metadata of the URL it fetched.
"""

from __future__ import annotations

import time
from typing import Any
from urllib.parse import quote

from flask import Blueprint, Response, g, render_template, request

from server.engine.embedded import rows_of_answer
from server.engine.interface import QueryJob
from server.engine.terms import Rows
from server.errors import StatisticsPending
from server.formats import HTML, by_name
from server.views.fragment_pages import MAX_PAGE, PAGE_SIZE, Pattern, Source, parse_page, parse_term
from server.views.fragments import PATH, fragment_bytes, fragment_page
from server.web import fairness
from server.web.negotiation import chosen_format
from server.web.state import AppState, state

blueprint = Blueprint("fragments", __name__)
SPARQL_JSON = by_name("json")
FRAGMENT_FORMATS = tuple(by_name(name) for name in ("trig", "nq", "ttl", "nt", "jsonld"))
OFFERED = (*FRAGMENT_FORMATS, HTML)  # HTML last: */* gets TriG, a browser (text/html first) a page
_TERM = {"type": "string", "maxLength": 4096}
OPERATION: dict[str, Any] = {
    "summary": "Triple Pattern Fragments: the triples matching a pattern, paged, with their count and Hydra controls",
    "description": f"Linked Data Fragments' Triple Pattern Fragments over the SPARQL default graph (the union of "
    f"the named graphs), {PAGE_SIZE} triples a page. A position left out, or given as ?var or _:b, is a variable.",
    "parameters": [
        {"name": "subject", "in": "query", "schema": _TERM, "description": "An IRI"},
        {"name": "predicate", "in": "query", "schema": _TERM, "description": "An IRI"},
        {"name": "object", "in": "query", "schema": _TERM,
         "description": 'An IRI, or a literal: "text", "text"@en, "2"^^<http://www.w3.org/2001/XMLSchema#integer>'},
        {"name": "page", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": MAX_PAGE}},
    ],
    "responses": {
        "200": {"description": "A page of the fragment",
                "content": {f.media_type: {"schema": {"type": "string"}} for f in OFFERED}},
        "400": {"description": "A malformed IRI or literal, or a page out of range",
                "content": {"text/plain": {"schema": {"type": "string"}}}},
        "406": {"description": "No acceptable media type", "content": {"text/plain": {"schema": {"type": "string"}}}},
    },
}  # fmt: skip


@blueprint.get(f"/{PATH}")
def fragment() -> Response:
    """One page of the fragment of a triple pattern, with its count and Hydra controls."""
    fmt = chosen_format(OFFERED)  # TriG for */*: the metadata apart from the data
    args = request.args
    pattern = Pattern(*(parse_term(args.get(name, ""), name) for name in ("subject", "predicate", "object")))
    page = parse_page(args.get("page"))
    current = state()
    if fmt is HTML:
        context = fragment_page(source(), pattern, page, current.urls.link)
        response = Response(render_template("fragments.html", **context), mimetype=HTML.media_type)
        response.vary.add("Accept")
        return response
    # as sent, its %-escapes kept; anything an IRI cannot hold (a raw '>' or '"') escaped, not written into the RDF
    query_string = quote(request.query_string.decode("utf-8", "replace"), safe="%/?&=:@!$'()*+,;~")
    here = f"{current.base}{PATH}" + (f"?{query_string}" if query_string else "")
    body = fragment_bytes(source(), pattern, page, current.base, here, fmt)
    response = Response(body, mimetype=fmt.media_type)
    response.vary.add("Accept")
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response


def source() -> Source:
    """The fragments' queries on the executor of the per-load state, the store's size kept per load."""
    current = state()
    return Source(run_within, lambda: current.remember("store size", lambda: store_size(current)), current.remember)


def store_size(current: AppState) -> int:
    """The quads of the store, from the dataset facts (counted once per data version), else from the engine.

    The engine's count scans the whole store; the facts have it already, unless a background
    process is still gathering them.
    """
    try:
        return current.facts.triples
    except StatisticsPending:
        return len(current.engine)


def run_within(query: str, seconds: float | None) -> Rows:
    """A SELECT's rows from a query process, within ``seconds`` or else the time left of the endpoint's limit.

    The answer is kept like a protocol query's (per load, bounded in bytes). Fragment requests do
    not count against a client's share of query processes (web/fairness.py): a TPF client sends
    many small requests at once, each bounded here in time.

    Raises:
        QueryTimeout: the limit passed (the query process is killed and replaced).
        ServerBusy: no query process came free within the limit.
    """
    current = state()
    settings = current.settings
    job = QueryJob(
        query, results_format=SPARQL_JSON.name, max_results=settings.max_results, max_bytes=settings.max_result_bytes
    )
    answer = current.answers.get(job)
    if answer is None:
        deadline = fairness.arrival(default=g.get("started", time.monotonic())) + settings.query_timeout
        if seconds is not None:
            deadline = min(deadline, time.monotonic() + seconds)
        answer = current.executor.run(job, deadline)
        current.answers.put(job, answer)
    return rows_of_answer(answer)
