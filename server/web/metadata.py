"""The dataset described in VoID at /.well-known/void and in DCAT 3 at /catalog.

Routes only: the figures are the load's ``DatasetFacts`` (``server.views.facts``), the
documents are built by ``server.views.metadata`` from them and the load's dump files, and
each is serialized once per format (kept with the load's state). What a client fetches is a
URL under the configured base (the server's root is the base, as for every IRI it serves),
never one made from the request's Host header, which a client chooses.
"""

from __future__ import annotations

from flask import Blueprint, Response, render_template

from server.formats import DOCUMENT_FORMATS, HTML, RDF_DOCUMENT_FORMATS
from server.views.metadata import document_bytes
from server.web.citing import known_releases
from server.web.negotiation import chosen_format
from server.web.state import state

blueprint = Blueprint("metadata", __name__)


@blueprint.get("/.well-known/void", defaults={"document": "void"}, endpoint="void")
@blueprint.get("/catalog", defaults={"document": "dcat"}, endpoint="catalog")
def describe(document: str) -> Response:
    """VoID (at its well-known location, VoID 7.2) or DCAT: RDF by Accept or ?format=, or HTML."""
    chosen = chosen_format(DOCUMENT_FORMATS)  # Turtle for RDF clients and */*
    current = state()
    root = current.base
    if chosen is HTML:
        page = render_template(
            "metadata.html",
            document=document,
            facts=current.facts,
            files=current.dumps,
            root=root,
            formats=RDF_DOCUMENT_FORMATS,
        )
        response = Response(page, mimetype="text/html")
    else:
        found = known_releases()
        key = ("metadata", document, root, chosen.name, tuple(release.version for release in found))
        body = current.remember(
            key, lambda: document_bytes(document, current.facts, current.dumps, root, chosen, releases=found)
        )
        response = Response(body, mimetype=chosen.media_type)
    response.vary.add("Accept")
    return response
