"""The installed front-end libraries at /vendor/: YASGUI's files and world-atlas's outlines, from node_modules.

Only the files ``libraries.PACKAGES`` names, of the version installed: the URL carries the
version, so an answer never changes and may be cached for a year (``immutable``); any other
path, ``..`` included, is a 404 that says what is served here. A client that accepts gzip gets
the script, style sheet or outlines gzipped (compressed once per file: YASGUI's script is 1 MB,
about 300 kB gzipped), with its own ETag and ``Vary: Accept-Encoding``.
"""

from __future__ import annotations

import gzip
import hashlib
from functools import lru_cache
from pathlib import Path

from flask import Blueprint, Response, request, send_file
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
    if request.accept_encodings["gzip"] > 0:
        body = _gzipped(Path(path), Path(path).stat().st_mtime_ns)
        response: BaseResponse = Response(body, mimetype=media_type)
        response.headers["Content-Encoding"] = "gzip"
        response.set_etag(hashlib.sha256(body).hexdigest()[:32])
        response.cache_control.max_age = CACHE_FOR
    else:
        response = send_file(path, mimetype=media_type, max_age=CACHE_FOR, conditional=True)
    response.vary.add("Accept-Encoding")
    response.cache_control.public = True
    response.cache_control.immutable = True
    return response.make_conditional(request)


@lru_cache(maxsize=8)
def _gzipped(path: Path, modified_ns: int) -> bytes:
    """The file gzipped, once per file and modification time (with no time stamp: the same bytes every time)."""
    return gzip.compress(path.read_bytes(), compresslevel=9, mtime=0)


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
