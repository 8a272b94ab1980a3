"""The dumps at /dumps: the whole dataset in every RDF format, plain and gzipped.

The files are written once per data version by the build (``server.kg.dumps``), on disk,
and sent from there (sendfile where the server has it, Range requests, never read into
memory). A ``.gz`` is served as ``application/gzip`` (a file to download, not a
Content-Encoding), with its SHA-256 as a strong ETag. The same list is described as DCAT
distributions in the catalogue, so the catalogue and the files cannot disagree.
"""

from __future__ import annotations

import json

from flask import Blueprint, Response, render_template, send_file
from werkzeug.wrappers import Response as BaseResponse

from server.errors import DumpsPending, NotFound
from server.formats import HTML, JSON
from server.kg.dumps import DUMP_STEM
from server.web.negotiation import chosen_format
from server.web.state import state

blueprint = Blueprint("downloads", __name__)


@blueprint.get("/dumps")
def list_dumps() -> Response:
    """The list of dumps with format, size and SHA-256: HTML for people, JSON for programs."""
    files = state().dumps
    if chosen_format((HTML, JSON)) is JSON:
        listing = {"files": [f.as_json(state().base) for f in files]}
        response = Response(json.dumps(listing, indent=2), mimetype=JSON.media_type)
    else:
        response = Response(render_template("dumps.html", files=files), mimetype="text/html")
    if not files:
        response.headers["Retry-After"] = str(DumpsPending.retry_after)
    response.vary.add("Accept")
    return response


@blueprint.get(f"/dumps/{DUMP_STEM}.<extension>")
def dump_file(extension: str) -> BaseResponse:
    """One dump file with its media type (``application/gzip`` for .gz), length and ETag."""
    files = state().dumps
    if not files:
        raise DumpsPending(
            f"the dump files of this data version are being written; try {DUMP_STEM}.{extension} again in a minute"
        )
    found = next((f for f in files if f.extension == extension), None)
    if found is None:
        raise NotFound(f"no dump named {DUMP_STEM}.{extension}")
    response = send_file(
        found.path, mimetype=found.content_type, etag=found.sha256, last_modified=state().loaded_at, conditional=True
    )
    response.headers["Content-Disposition"] = f'attachment; filename="{found.name}"'
    return response
