"""The dumps at /dumps: the whole dataset in every RDF format, computed once per load."""

from __future__ import annotations

import hashlib

from flask import Blueprint, Response, render_template

from .errors import NotFound
from .formats import RDF_FORMATS
from .state import state

blueprint = Blueprint("downloads", __name__)

DUMP_STEM = "clip-kg"


@blueprint.get("/dumps")
def list_dumps() -> str:
    """The list of dumps with their size and SHA-256."""
    rows = []
    for fmt in RDF_FORMATS:
        data = state().dump(fmt)
        rows.append(
            {
                "file": f"{DUMP_STEM}.{fmt.extension}",
                "format": fmt,
                "size": len(data),
                "sha256": hashlib.sha256(data).hexdigest(),
            }
        )
    return render_template("dumps.html", rows=rows)


@blueprint.get(f"/dumps/{DUMP_STEM}.<extension>")
def dump_file(extension: str) -> Response:
    """One dump file, served with its media type."""
    for fmt in RDF_FORMATS:
        if fmt.extension == extension:
            response = Response(state().dump(fmt), mimetype=fmt.media_type)
            response.headers["Content-Disposition"] = f'attachment; filename="{DUMP_STEM}.{extension}"'
            return response
    raise NotFound(f"no dump with the extension .{extension}")
