"""Triple Pattern Fragments at /fragments: route only; the fragment is built by ``server.views.fragments``.

``?subject=&predicate=&object=`` (each optional, in Hydra's explicit representation) and
``?page=``; TriG, N-Quads or JSON-LD keep the metadata in a graph of its own, Turtle and
N-Triples write it beside the data. The page's own URL, the subject of its metadata, is the
configured root plus the path and query string as the client sent them (never its Host
header), so a client finds the metadata of the URL it fetched.
"""

from __future__ import annotations

from flask import Blueprint, Response, request

from server.formats import by_name
from server.views.fragments import PATH, Pattern, fragment_bytes, parse_page, parse_term
from server.web.negotiation import chosen_format
from server.web.state import state

blueprint = Blueprint("fragments", __name__)
FRAGMENT_FORMATS = tuple(by_name(name) for name in ("trig", "nq", "ttl", "nt", "jsonld"))


@blueprint.get(f"/{PATH}")
def fragment() -> Response:
    """One page of the fragment of a triple pattern, with its count and Hydra controls."""
    fmt = chosen_format(FRAGMENT_FORMATS)  # TriG for */*: the metadata apart from the data
    args = request.args
    pattern = Pattern(*(parse_term(args.get(name, ""), name) for name in ("subject", "predicate", "object")))
    page = parse_page(args.get("page"))
    current = state()
    query_string = request.query_string.decode("utf-8", "replace")
    here = f"{current.base}{PATH}" + (f"?{query_string}" if query_string else "")
    body = fragment_bytes(current.engine, pattern, page, current.base, here, fmt, current.remember)
    response = Response(body, mimetype=fmt.media_type)
    response.vary.add("Accept")
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response
