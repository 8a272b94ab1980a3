"""What the pages with facets share: which set a request names, its filters, and the panel to draw.

A browse list (``/browse/KIND``) or a search (``/search?q=``) narrowed by the request's ``f.``
filters: the filters in force, each with the link that removes it; the facets; the year-range
forms; the map of the set's places; the links to the CSV, the JSON and the query editor. The
counting is ``server.views.facets``; the routes of ``/facets`` are ``server.web.facets``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from flask import request, url_for

from server.errors import BadInput
from server.views.facets import (
    FILTER_PREFIX,
    Collection,
    FacetMap,
    FacetState,
    Filter,
    chips,
    choose_facets,
    facet_map,
    facet_state,
    kind_collection,
    parse_filters,
    search_collection,
)
from server.views.naming import Lookup
from server.views.search import ranked
from server.web.negotiation import reader_languages
from server.web.state import AppState

Parameters = Sequence[tuple[str, str]]
KEPT = ("q", "lang")
"""Parameters of a page that belong to its state besides the filters (the search text, the reader's language)."""
ITEMS_SHOWN = 100
"""Items a JSON answer lists (by name); the CSV has them all."""


@dataclass(frozen=True)
class Panel:
    """What a page with facets shows beside its list."""

    state: FacetState
    map: FacetMap | None
    chips: list[tuple[str, str, str]]  # facet label, value label, the URL without this filter
    clear_url: str
    ranges: list[tuple[str, str, str, str]]  # key, label, first year, last year
    hidden: list[tuple[str, str]]  # the state's parameters, for the range forms
    state_url: Callable[[Parameters], str]
    editor_url: str
    csv_url: str
    json_url: str
    whole: int  # the size of the set without filters
    filter_args: dict[str, list[str]]  # the filters as url_for arguments


def requested_set(current: AppState, search: bool) -> tuple[Collection, tuple[Filter, ...]]:
    """The set a ``/facets`` request names (``?kind=`` a browse list, or on ``/facets/search`` ``?q=``), and
    its filters.

    Raises:
        BadInput: the kind or the search text is missing, or a filter is bad.
        NotFound: no browse list of that kind.
    """
    name = "q" if search else "kind"
    given = request.args.get(name)
    if given is None:
        where = "/facets/search?q=TEXT" if search else "/facets?kind=KIND (for a search: /facets/search?q=TEXT)"
        raise BadInput(f"name the set to narrow: {where}")
    filters = parse_filters(current, request.args.items(multi=True))
    if search:
        return search_set(current, given), filters
    return kind_collection(current, given), filters


def search_set(current: AppState, text: str, hits: Sequence[str] | None = None) -> Collection:
    """The hits of a search (``hits`` when the caller has ranked them already) as a set to narrow; a text
    without a letter or digit has none."""
    text = " ".join(text.split())
    if hits is None:
        hits = [iri for iri, _, _ in ranked(current, text)] if text else []
    return search_collection(text, hits)


ENDPOINTS = {"kind": ("facets.facets_json", "facets.items_csv"), "search": ("facets.search_json", "facets.search_csv")}
"""The JSON and CSV routes of each kind of set."""


def panel(current: AppState, collection: Collection, endpoint: str, **route: Any) -> Panel:
    """The facets of the page at ``endpoint`` (``route`` its path arguments) for the request's filters."""
    filters = parse_filters(current, request.args.items(multi=True))
    languages = reader_languages()
    found = facet_state(current, collection, filters, languages)
    base = [(name, value) for name in KEPT for value in request.args.getlist(name)]

    def state_url(parameters: Parameters) -> str:
        pairs = [*base, *parameters]
        return url_for(endpoint, **route) + ("?" + urlencode(pairs) if pairs else "")

    removable = chips(found.facets, [(f.facet.key, f.value, f.facet.label) for f in filters], state_url)
    ranges = year_ranges(current, collection, languages)
    parameters = [f.parameter for f in filters]
    return Panel(
        found,
        facet_map(current, found, languages),
        removable,
        state_url([]),
        ranges,
        [*base, *parameters],
        state_url,
        url_for("sparql.endpoint") + "?" + urlencode({"query": found.items_query}),
        set_url(ENDPOINTS[collection.kind][1], collection, parameters),
        set_url(ENDPOINTS[collection.kind][0], collection, parameters),
        facet_state(current, collection, (), languages).total if filters else found.total,
        {name: [v for n, v in parameters if n == name] for name, _ in parameters},
    )


def year_ranges(current: AppState, collection: Collection, languages: Sequence[str]) -> list[tuple[str, str, str, str]]:
    """(key, label, first year, last year) of each year facet the set offers, its years from the whole set: a
    range form stays when the filters leave a single year."""
    whole = {facet.key: facet for facet in facet_state(current, collection, (), languages).facets}
    found = []
    for facet in choose_facets(current, collection):
        years = [v.value for v in whole[facet.key].values] if facet.key in whole else []
        if facet.kind == "year" and years:
            found.append((facet.key[5:-1], facet.label.removesuffix(" (year)"), min(years), max(years)))
    return found


def set_url(endpoint: str, collection: Collection, parameters: Parameters) -> str:
    """The URL of a state of the set at one of its routes (``ENDPOINTS``)."""
    named = ("kind", collection.name) if collection.kind == "kind" else ("q", collection.name)
    return url_for(endpoint) + "?" + urlencode([named, *parameters])


def items(current: AppState, found: FacetState, limit: int | None = None) -> list[tuple[str, str]]:
    """(IRI, name) of the items of the state, by name; the first ``limit`` are kept per load."""
    languages = tuple(reader_languages())
    if limit is None:  # the whole set, for a download: not kept
        return _items(current, found, limit, languages)
    key = ("facet items", found.collection, found.filters, limit, languages)
    return current.remember(key, lambda: _items(current, found, limit, languages))


def _items(current: AppState, found: FacetState, limit: int | None, languages: Sequence[str]) -> list[tuple[str, str]]:
    query = found.items_query_as_run() + (f"\nLIMIT {limit}" if limit is not None else "")
    named = {row["item"].value: row["label"].value if row.get("label") else "" for row in current.engine.rows(query)}
    missing = [iri for iri, label in named.items() if not label]
    if missing:
        lookup = Lookup(current, languages)
        lookup.name_all(missing)
        named |= {iri: lookup.name(iri) for iri in missing}
    return sorted(named.items(), key=lambda pair: (pair[1].casefold(), pair[0]))


def items_json(current: AppState, found: FacetState) -> list[dict[str, Any]]:
    urls = current.urls
    return [{"iri": iri, "label": label, "url": urls.link(iri)} for iri, label in items(current, found, ITEMS_SHOWN)]


def filter_parameters() -> list[tuple[str, str]]:
    """The request's own ``f.`` parameters, in order."""
    return [(k, v) for k, v in request.args.items(multi=True) if k.startswith(FILTER_PREFIX)]
