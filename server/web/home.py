"""The HTML pages: the home page that explains the dataset, and the browse lists.

Routes only: the page models are ``server.views.home``; each page is computed once per load
(and per host, for the home page's absolute URLs) and kept with the load's state.
"""

from __future__ import annotations

from flask import Blueprint, render_template, request, url_for

from server.formats import RDF_FORMATS
from server.views.home import Links, browse_context, home_context
from server.web.state import state

blueprint = Blueprint("pages", __name__)


@blueprint.get("/")
def home() -> str:
    """What this dataset is, its modules, cities and sizes as the sources state them, and where to go next."""
    current = state()
    links = Links(
        home=url_for("pages.home", _external=True),
        dumps=tuple(
            (
                fmt,
                url_for("downloads.dump_file", extension=fmt.extension),
                url_for("downloads.dump_file", extension=fmt.extension, _external=True),
            )
            for fmt in RDF_FORMATS
        ),
    )
    context = current.remember(("home", request.url_root), lambda: home_context(current, current.facts, links))
    return render_template("home.html", **context)


@blueprint.get("/browse/<kind>")
def browse(kind: str) -> str:
    """One kind of resource as a list: label (English first), a helpful second column, a link each."""
    current = state()
    text = request.args.get("offset", "0")
    offset = int(text) if text.isdigit() and len(text) < 10 else 0
    context = current.remember(("browse", kind, offset), lambda: browse_context(current, kind, offset))
    return render_template("browse.html", **context)
