"""The dumps at /dumps: the whole dataset in every RDF format, plain and gzipped.

The plain files are the bytes ``AppState.load`` serialized; the gzipped copies and the
SHA-256 of every file are made once per data load (``PerLoad``) and shared by every
request. ``gzip.compress(data, mtime=0)`` keeps the .gz files byte-for-byte
reproducible, so their size and checksum only change when the data does. A ``.gz`` is
served as ``application/gzip`` (a file to download, not a Content-Encoding), with its
SHA-256 as a strong ETag. The same list is described as DCAT distributions here, so the
catalogue and the files cannot disagree.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import threading
import weakref
from collections.abc import Callable
from dataclasses import dataclass, field
from email.utils import format_datetime
from typing import Generic, TypeVar

from flask import Blueprint, Response, current_app, render_template, request
from rdflib import XSD, Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCAT, DCTERMS, RDF
from werkzeug.wrappers import Response as BaseResponse

from server.errors import NotAcceptable, NotFound
from server.formats import RDF_FORMATS, Format, negotiate
from server.web.state import AppState, state

blueprint = Blueprint("downloads", __name__)

DUMP_STEM = "clip-kg"
GZIP_TYPE = "application/gzip"
IANA = "https://www.iana.org/assignments/media-types/"
SPDX = Namespace("http://spdx.org/rdf/terms#")
W3C_FORMATS = Namespace("http://www.w3.org/ns/formats/")
W3C_FORMAT_NAMES = {"ttl": "Turtle", "nt": "N-Triples", "nq": "N-Quads", "trig": "TriG", "jsonld": "JSON-LD"}
HTML = Format("html", "HTML", "text/html", "html", "page")
JSON = Format("json", "JSON", "application/json", "json", "page")
T = TypeVar("T")


class PerLoad(Generic[T]):
    """A value computed once per data load (one ``AppState``) and shared by all requests.

    Entries are keyed by the state's identity and dropped when the state is collected,
    so a reloaded or second application never sees another one's values.
    """

    def __init__(self, compute: Callable[[AppState], T]) -> None:
        self._compute = compute
        self._values: dict[int, tuple[weakref.ref[AppState], T]] = {}
        self._lock = threading.Lock()

    def __call__(self, current: AppState) -> T:
        key = id(current)
        with self._lock:
            entry = self._values.get(key)
            if entry is not None and entry[0]() is current:
                return entry[1]
            value = self._compute(current)
            self._values[key] = (weakref.ref(current, lambda _ref: self._values.pop(key, None)), value)
            return value


@dataclass(frozen=True)
class DumpFile:
    """One downloadable file: a format's serialization, plain or gzipped."""

    fmt: Format
    compressed: bool
    size: int
    sha256: str
    data: bytes = field(repr=False, compare=False)

    @property
    def extension(self) -> str:
        """What follows the stem: ``ttl`` or ``ttl.gz``."""
        return self.fmt.extension + (".gz" if self.compressed else "")

    @property
    def name(self) -> str:
        return f"{DUMP_STEM}.{self.extension}"

    @property
    def content_type(self) -> str:
        return GZIP_TYPE if self.compressed else self.fmt.media_type

    @property
    def key(self) -> str:
        """A fragment-safe short name: ``ttl`` or ``ttl-gz``."""
        return self.fmt.name + ("-gz" if self.compressed else "")

    def as_json(self, root: str) -> dict[str, object]:
        return {
            "file": self.name,
            "url": root + "dumps/" + self.name,
            "format": self.fmt.label,
            "media_type": self.fmt.media_type,
            "content_type": self.content_type,
            "compressed": "gzip" if self.compressed else None,
            "named_graphs": self.fmt.keeps_graphs,
            "bytes": self.size,
            "sha256": self.sha256,
        }


def _file(fmt: Format, data: bytes, compressed: bool) -> DumpFile:
    return DumpFile(fmt, compressed, len(data), hashlib.sha256(data).hexdigest(), data)


@PerLoad
def dump_files(current: AppState) -> tuple[DumpFile, ...]:
    """Every dump file of the loaded data, each format plain then gzipped."""
    files: list[DumpFile] = []
    for fmt in RDF_FORMATS:
        plain = current.dump(fmt)
        files += [_file(fmt, plain, False), _file(fmt, gzip.compress(plain, mtime=0), True)]
    return tuple(files)


@blueprint.get("/dumps")
def list_dumps() -> Response:
    """The list of dumps with format, size and SHA-256: HTML for people, JSON for programs."""
    chosen = negotiate(request.headers.get("Accept"), (HTML, JSON))
    if chosen is None:
        raise NotAcceptable(f"available: {HTML.media_type}, {JSON.media_type}")
    files = dump_files(state())
    if chosen is JSON:
        listing = {"files": [f.as_json(request.url_root) for f in files]}
        response = Response(json.dumps(listing, indent=2), mimetype=JSON.media_type)
    else:
        response = Response(render_template("dumps.html", files=files), mimetype="text/html")
    response.vary.add("Accept")
    return response


@blueprint.get(f"/dumps/{DUMP_STEM}.<extension>")
def dump_file(extension: str) -> BaseResponse:
    """One dump file with its media type (``application/gzip`` for .gz), length and ETag."""
    found = next((f for f in dump_files(state()) if f.extension == extension), None)
    if found is None:
        raise NotFound(f"no dump named {DUMP_STEM}.{extension}")
    response = Response(found.data, mimetype=found.content_type)
    response.headers["Content-Disposition"] = f'attachment; filename="{found.name}"'
    response.headers["Last-Modified"] = format_datetime(current_app.config["KG_LOADED_AT"], usegmt=True)
    response.set_etag(found.sha256)
    return response.make_conditional(request, accept_ranges=True, complete_length=found.size)


def describe_distributions(graph: Graph, dataset: URIRef, files: tuple[DumpFile, ...], root: str, base: str) -> None:
    """Add one ``dcat:Distribution`` per dump file (DCAT 3, section 6.7), under ``base``.

    ``dcat:mediaType`` is the type of the data; a gzipped file adds ``dcat:compressFormat``
    (DCAT 3, 6.7.13). ``root`` is the server's URL as the request reached it.
    """
    licence = graph.value(dataset, DCTERMS.license)
    for file in files:
        node = URIRef(f"{base}catalog#dump-{file.key}")
        checksum = URIRef(f"{base}catalog#dump-{file.key}-sha256")
        graph.add((dataset, DCAT.distribution, node))
        packed = " (gzip)" if file.compressed else ""
        for predicate, value in (
            (RDF.type, DCAT.Distribution),
            (DCTERMS.title, Literal(f"{file.fmt.label} dump{packed}", lang="en")),
            (DCAT.downloadURL, URIRef(root + "dumps/" + file.name)),
            (DCAT.accessURL, URIRef(root + "dumps")),
            (DCAT.mediaType, URIRef(IANA + file.fmt.media_type)),
            (DCTERMS["format"], W3C_FORMATS[W3C_FORMAT_NAMES.get(file.fmt.name, "RDF_XML")]),
            (DCAT.byteSize, Literal(file.size, datatype=XSD.nonNegativeInteger)),
            (SPDX.checksum, checksum),
            (DCTERMS.license, licence),
        ):
            if value is not None:
                graph.add((node, predicate, value))
        if file.compressed:
            graph.add((node, DCAT.compressFormat, URIRef(IANA + GZIP_TYPE)))
        graph.add((checksum, RDF.type, SPDX.Checksum))
        graph.add((checksum, SPDX.algorithm, SPDX.checksumAlgorithm_sha256))
        graph.add((checksum, SPDX.checksumValue, Literal(file.sha256, datatype=XSD.hexBinary)))
