"""The HTML pages: the home page that explains the dataset, and the browse lists.

Routes only: the page models are ``server.views.home``; each page is computed once per load
and kept with the load's state (its absolute URLs are under the configured base, whatever the Host).
"""

from __future__ import annotations

from flask import Blueprint, render_template, request, url_for

from server.formats import RDF_FORMATS
from server.views.facets import kind_collection, requirements
from server.views.home import Links, browse_context, home_context
from server.web.faceting import panel
from server.web.state import absolute_url, state

blueprint = Blueprint("pages", __name__)


@blueprint.get("/")
def home() -> str:
    """What this dataset is, its modules, cities and sizes as the sources state them, and where to go next."""
    current = state()
    links = Links(
        home=absolute_url(url_for("pages.home")),
        dumps=tuple(
            (
                fmt,
                url_for("downloads.dump_file", extension=fmt.extension),
                absolute_url(url_for("downloads.dump_file", extension=fmt.extension)),
            )
            for fmt in RDF_FORMATS
        ),
    )
    context = current.remember("home", lambda: home_context(current, current.facts, links))
    return render_template("home.html", **context)


@blueprint.get("/browse/<kind>")
def browse(kind: str) -> str:
    """One kind of resource as a list: label (English first), a helpful second column, a link each; narrowed
    by the facets beside it (``f.`` parameters)."""
    current = state()
    text = request.args.get("offset", "0")
    offset = int(text) if text.isdigit() and len(text) < 10 else 0
    facets = panel(current, kind_collection(current, kind), "pages.browse", kind=kind)
    narrowing = (requirements(facets.state.filters), facets.state.total) if facets.state.filters else None
    context = current.remember(
        ("browse", kind, offset, narrowing), lambda: browse_context(current, kind, offset, narrowing)
    )
    return render_template("browse.html", facets=facets, **context)
