"""The installed front-end libraries at /vendor/: YASGUI's files and world-atlas's outlines, from node_modules.

Only the files ``libraries.PACKAGES`` names, of the version installed: the URL carries the
version, so an answer never changes and may be cached for a year (``immutable``); any other
path, ``..`` included, is a 404 that says what is served here.
"""

from __future__ import annotations

from flask import Blueprint, send_file
from werkzeug.wrappers import Response as BaseResponse

from server.errors import NotFound
from server.web.libraries import MAKE_SETUP, PACKAGES, installed
from server.web.state import state

blueprint = Blueprint("vendor", __name__)
CACHE_FOR = 365 * 24 * 3600
"""Seconds a browser may keep a library file: its URL names the version, so its content never changes."""


@blueprint.get("/vendor/<package>/<version>/<path:name>")
def library_file(package: str, version: str, name: str) -> BaseResponse:
    """One of the served files of an installed library, with a year-long, immutable cache lifetime."""
    library = installed(package, state().settings.node_modules) if package in PACKAGES else None
    found = library.file(name) if library is not None and version == library.version else None
    if found is None:
        raise NotFound(_what_is_served())
    path, media_type = found
    response = send_file(path, mimetype=media_type, max_age=CACHE_FOR, conditional=True)
    response.cache_control.public = True
    response.cache_control.immutable = True
    return response


@blueprint.get("/vendor/", defaults={"rest": ""})
@blueprint.get("/vendor/<path:rest>")
def elsewhere(rest: str) -> BaseResponse:
    """Any other path under /vendor/: a 404 that says what is served there."""
    raise NotFound(_what_is_served())


def _what_is_served() -> str:
    node_modules = state().settings.node_modules
    libraries = [library for name in PACKAGES if (library := installed(name, node_modules))]
    if not libraries:
        return f"/vendor/ serves the front-end libraries, and none is installed on this server: {MAKE_SETUP}"
    paths = [f"/vendor/{lib.name}/{lib.version}/{file}" for lib in libraries for file in sorted(lib.files)]
    return "/vendor/ serves these files only: " + ", ".join(paths)
