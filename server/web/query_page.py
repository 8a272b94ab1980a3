"""A named query's answer as a page: its parameters as a form, its rows as a table, facets over its
columns (``server.views.column_facets``), the map of its places, and the CSV and SPARQL of the state shown.

Shared by the blueprints ``api`` (the page at ``/queries/NAME`` for browsers) and ``tables`` (the CSV of
a state). The answer is computed once per load and parameters; a state narrows it without a query.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from urllib.parse import urlencode

from flask import Response, render_template, request, url_for

from server.engine.catalogue import RESERVED_NAMES, NamedQuery
from server.engine.terms import Iri, Literal, Rows, Term
from server.views.column_facets import ColumnState, column_state, parse_column_filters, result_map
from server.views.facets import FILTER_PREFIX, FacetMap, chips
from server.views.naming import Lookup
from server.web.negotiation import reader_languages
from server.web.state import AppState

READER_PARAMETERS = ("lang",)
"""Parameters of the page that are the reader's, not the query's."""
SHOWN_ROWS = 500
"""Rows the page lists at most; the facets count them all, the CSV has them all."""


@dataclass(frozen=True)
class Cell:
    """A cell as shown: its text, the link of a resource, the language of a text."""

    text: str
    href: str | None
    lang: str | None


def query_values(named: NamedQuery, examples: bool = False) -> dict[str, str]:
    """The request's values of the query's parameters (not the format, filters or the reader's language).

    With ``examples``, a request naming no parameter gets the query's example values of its required
    parameters, so that a page opened from the list shows an answer.
    """
    skipped = RESERVED_NAMES | set(READER_PARAMETERS)
    values = {k: v for k, v in request.args.items() if k not in skipped and not k.startswith(FILTER_PREFIX)}
    if examples and not values:
        required = {p.name for p in named.parameters if p.required and p.default is None}
        values = {name: value for name, value in named.examples if name in required}
    return values


def answer_of(current: AppState, named: NamedQuery, bindings: Mapping[str, Term]) -> Rows:
    """The named query's rows for these parameter bindings, once per load."""
    key = ("named query answer", named.name, tuple(sorted(bindings.items())))
    return current.remember(key, lambda: current.engine.rows(named.text, **bindings))


def has_filters() -> bool:
    """Whether the request names any ``f.`` filter."""
    return any(name.startswith(FILTER_PREFIX) for name in request.args)


def requested_state(current: AppState, named: NamedQuery, values: Mapping[str, str]) -> ColumnState:
    """The answer for ``values`` narrowed by the request's filters, once per load and state.

    Raises:
        BadInput: a bad parameter, a filter on a column the answer does not have.
    """
    bindings = named.substitutions(values)
    answer = answer_of(current, named, bindings)
    filters = parse_column_filters(request.args.items(multi=True), answer.variables)
    languages = tuple(reader_languages())
    key = ("named query state", named.name, tuple(sorted(bindings.items())), filters, languages)
    return current.remember(key, lambda: column_state(current, answer, filters, named.text, bindings, languages))


def query_page(current: AppState, named: NamedQuery) -> Response:
    """The page of a named query's answer in the state the request names."""
    values = query_values(named, examples=True)
    found = requested_state(current, named, values)
    languages = reader_languages()
    base = [*values.items(), *((name, v) for name in READER_PARAMETERS for v in request.args.getlist(name))]

    def state_url(parameters: Sequence[tuple[str, str]]) -> str:
        pairs = [*base, *parameters]
        return url_for("api.run_named_query", name=named.name) + ("?" + urlencode(pairs) if pairs else "")

    filtered = [*values.items(), *(f.parameter for f in found.filters)]
    page = render_template(
        "query_result.html",
        query=named,
        values=values,
        state=found,
        columns=found.answer.variables,
        rows=_cells(current, found, languages),
        chips=chips(found.facets, [(f.column, f.value, f.column) for f in found.filters], state_url),
        clear_url=state_url([]),
        state_url=state_url,
        map=_map(current, named, found, languages),
        csv_url=url_for("tables.query_csv", name=named.name) + _query_string(filtered),
        metadata_url=url_for("tables.query_metadata", name=named.name) + _query_string(filtered),
        editor_url=url_for("sparql.endpoint") + "?" + urlencode({"query": found.query}),
        shown_rows=SHOWN_ROWS,
    )
    return Response(page, mimetype="text/html")


def _query_string(pairs: Sequence[tuple[str, str]]) -> str:
    return "?" + urlencode(pairs) if pairs else ""


def _cells(current: AppState, found: ColumnState, languages: Sequence[str]) -> list[list[Cell | None]]:
    """The rows shown (the first ``SHOWN_ROWS``), each cell named: a resource by its label, a literal as its text."""
    rows = found.rows[:SHOWN_ROWS]
    lookup = Lookup(current, languages)
    lookup.name_all({term.value for row in rows for term in row.values() if isinstance(term, Iri)})
    return [[_cell(current, lookup, row.get(variable)) for variable in found.rows.variables] for row in rows]


def _cell(current: AppState, lookup: Lookup, term: Term | None) -> Cell | None:
    if term is None:
        return None
    if isinstance(term, Iri):
        return Cell(lookup.name(term.value), current.urls.link(term.value), None)
    return Cell(term.value, None, (term.language or None) if isinstance(term, Literal) else None)


def _map(current: AppState, named: NamedQuery, found: ColumnState, languages: Sequence[str]) -> FacetMap | None:
    key = ("named query map", named.name, found.query, tuple(languages))
    return current.remember(key, lambda: result_map(current, found.rows, languages))
