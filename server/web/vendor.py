"""The installed front-end libraries at /vendor/: the query editor's built files, from ``node_modules``.

Only the files ``libraries.YASGUI_FILES`` names, of the version installed: the URL carries
the version, so an answer never changes and may be cached for a year (``immutable``); any
other path, ``..`` included, is a 404 that says what is served here.
"""

from __future__ import annotations

from flask import Blueprint, send_file
from werkzeug.wrappers import Response as BaseResponse

from server.errors import NotFound
from server.web.libraries import MAKE_SETUP, YASGUI_FILES, Library, yasgui
from server.web.state import state

blueprint = Blueprint("vendor", __name__)
CACHE_FOR = 365 * 24 * 3600
"""Seconds a browser may keep a library file: its URL names the version, so its content never changes."""


@blueprint.get("/vendor/yasgui/<version>/<path:name>")
def yasgui_file(version: str, name: str) -> BaseResponse:
    """One of the query editor's built files, with a year-long, immutable cache lifetime."""
    library = _installed()
    path = library.file(name) if version == library.version else None
    if path is None:
        raise NotFound(_what_is_served(library))
    response = send_file(path, mimetype=YASGUI_FILES[name], max_age=CACHE_FOR, conditional=True)
    response.cache_control.public = True
    response.cache_control.immutable = True
    return response


@blueprint.get("/vendor/", defaults={"rest": ""})
@blueprint.get("/vendor/<path:rest>")
def elsewhere(rest: str) -> BaseResponse:
    """Any other path under /vendor/: a 404 that says what is served there."""
    raise NotFound(_what_is_served(_installed()))


def _installed() -> Library:
    library = yasgui(state().settings.node_modules)
    if library is None:
        raise NotFound(f"the query editor (YASGUI) is not installed on this server: {MAKE_SETUP}")
    return library


def _what_is_served(library: Library) -> str:
    files = ", ".join(sorted(YASGUI_FILES))
    return f"/vendor/ serves YASGUI {library.version}'s files {files} only, under /vendor/yasgui/{library.version}/"
