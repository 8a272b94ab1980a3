"""``GET /search?q=TEXT``: resources by their names (``views.search``), paged, as HTML or JSON, narrowed by
the facets of the hits (``f.`` parameters, as on the browse lists)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from urllib.parse import urlencode

from flask import Blueprint, Response, render_template, request

from server.errors import BadInput
from server.formats import HTML, JSON
from server.urls import Urls
from server.views.facets import SEARCH_LIMIT, item_iris
from server.views.naming import Lookup
from server.views.search import Hit, group_by_type, hit, ranked
from server.web.faceting import filter_parameters, panel, search_set
from server.web.negotiation import prefers, reader_languages
from server.web.state import state

blueprint = Blueprint("search", __name__)

PAGE = 50


@blueprint.get("/search")
def search() -> Response:
    """Search by name: HTML with the search box for browsers, JSON for programs."""
    current = state()
    text = request.args.get("q", "").strip()
    offset = _offset(request.args.get("offset", "0"))
    found = ranked(current, text)
    facets = panel(current, search_set(current, text, [h[0] for h in found]), "search.search") if found else None
    if facets and facets.state.filters:
        kept = item_iris(current, facets.state)
        found = [hit_ for hit_ in found if hit_[0] in kept]
    lookup, urls = Lookup(current, reader_languages()), current.urls
    page_of_hits = found[offset : offset + PAGE]
    named_at_once(lookup, [iri for iri, _, _ in page_of_hits])
    shown = [hit(lookup, iri, matched, rank) for iri, matched, rank in page_of_hits]
    page = {"q": text, "total": len(found), "offset": offset, "limit": PAGE}
    if prefers(JSON, (HTML, JSON)):
        body = page | {"results": [_json(found_hit, urls) for found_hit in shown]}
        response = Response(json.dumps(body, ensure_ascii=False), mimetype=JSON.media_type)
    else:
        filters = filter_parameters()
        context = page | pages(text, offset, len(found), filters) | {"groups": group_by_type(shown), "urls": urls}
        context |= {"facets": facets, "capped": len(found) > SEARCH_LIMIT and not filters}
        response = Response(render_template("search.html", shown=len(shown), **context), mimetype="text/html")
    response.vary.add("Accept")
    return response


def named_at_once(lookup: Lookup, iris: list[str]) -> None:
    """Look up the names and kinds of a page of hits, and the kinds' names, in a few queries, not two a hit."""
    lookup.name_all(iris)
    lookup.find_kinds(iris)
    lookup.name_all({lookup.kind(iri) for iri in iris} - {""})


def _offset(text: str) -> int:
    """Where the page of hits starts.

    Raises:
        BadInput: not a non-negative integer.
    """
    if not text.isascii() or not text.isdigit() or len(text) > 9:
        raise BadInput(f"offset must be a non-negative integer, not {text[:20]!r}")
    return int(text)


def pages(text: str, offset: int, total: int, filters: Sequence[tuple[str, str]] = ()) -> dict[str, str | None]:
    """Links to the previous and next page of hits (with the same filters), when there are some."""
    state = [("q", text), *filters]
    previous = "?" + urlencode([*state, ("offset", max(offset - PAGE, 0))]) if offset > 0 else None
    following = "?" + urlencode([*state, ("offset", offset + PAGE)]) if offset + PAGE < total else None
    return {"previous": previous, "next": following}


def _json(found: Hit, urls: Urls) -> dict[str, object]:
    label = found.label
    return {
        "iri": found.iri,
        "label": label.text if label else None,
        "lang": label.lang if label else None,
        "matched": found.matched,
        "match": found.match,
        "type": found.type_iri or None,
        "typeLabel": found.type_name,
        "url": urls.link(found.iri),
    }
