"""Citable releases at /release/: the list, a page per release and its frozen files; "cite this".

A release is written once by ``clip-kg release VERSION`` (``server.kg.citable``) into the
releases folder and never changes, so its files are served with their SHA-256 as a strong
ETag and a year-long, immutable cache lifetime. Only the files its ``SHA256SUMS`` lists are
served, looked up by name: a path is never joined from the request, so no ``..`` leads out.
The folder is read again when it changes (a release written while the site runs shows up).
"""

from __future__ import annotations

import json
from typing import Any

from flask import Blueprint, Response, render_template, send_file
from werkzeug.wrappers import Response as BaseResponse

from server.errors import NotFound
from server.formats import HTML, JSON
from server.kg.citable import VERSION, Release, citation_text
from server.views.releases import media_type
from server.web.citing import citation, known_releases
from server.web.negotiation import chosen_format
from server.web.state import absolute_url

blueprint = Blueprint("releases", __name__)
CACHE_FOR = 365 * 24 * 3600


@blueprint.app_context_processor
def offer_citation() -> dict[str, Any]:
    """Templates get ``citation()`` (called by the footer's partial only when a page shows it)."""
    return {"citation": citation}


def _release(version: str) -> Release:
    found = next((r for r in known_releases() if r.version == version), None) if VERSION.fullmatch(version) else None
    if found is None:
        raise NotFound(f"no release {version!r}; the releases are listed at /release/")
    return found


def _as_json(release: Release) -> dict[str, Any]:
    page = absolute_url(f"/release/{release.version}/")
    return {
        "version": release.version,
        "released": release.released.isoformat(),
        "data_version": release.data_version,
        "previous": release.previous,
        "url": page,
        "citation": citation_text(release.credit, release, release.data_version, release.date),
        "files": [{"name": f.name, "sha256": f.sha256, "size": f.size, "url": page + f.name} for f in release.files],
    }


@blueprint.get("/release/")
def list_all() -> Response:
    """The releases, newest first: HTML for people, JSON for programs."""
    found, cite = known_releases(), citation()
    if chosen_format((HTML, JSON)) is JSON:
        current = {"citation": cite.text, "release": cite.release.version if cite.release else None}
        body = {"releases": [_as_json(r) for r in found], "current": current}
        response = Response(json.dumps(body, indent=2), mimetype=JSON.media_type)
    else:
        response = Response(render_template("releases.html", releases=found, cite=cite), mimetype="text/html")
    response.vary.add("Accept")
    return response


@blueprint.get("/release/<version>/")
def release_page(version: str) -> Response:
    """One release: what it holds, its checksums, how to cite it, the releases before and after it."""
    release, found = _release(version), known_releases()
    if chosen_format((HTML, JSON)) is JSON:
        response = Response(json.dumps(_as_json(release), indent=2), mimetype=JSON.media_type)
    else:
        after = next((r for r in found if r.previous == release.version), None)
        text = citation_text(release.credit, release, release.data_version, release.date)
        page = render_template(
            "release.html", release=release, next_release=after, text=text, current=citation(), media_type=media_type
        )
        response = Response(page, mimetype="text/html")
    response.vary.add("Accept")
    return response


@blueprint.get("/release/<version>/<path:name>")
def release_file(version: str, name: str) -> BaseResponse:
    """A file of a release, byte for byte, with its SHA-256 as ETag, cacheable for a year."""
    release = _release(version)
    found = release.file(name)
    if found is None:
        raise NotFound(f"release {version} has no file {name!r}; its files are listed at /release/{version}/")
    response = send_file(
        release.folder / found.name, mimetype=media_type(found.name), etag=found.sha256, conditional=True
    )
    response.cache_control.public = True
    response.cache_control.max_age = CACHE_FOR
    response.cache_control.immutable = True
    return response
