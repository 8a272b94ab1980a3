"""The citable releases in the VoID and DCAT documents: a chain of versions of the dataset.

DCAT 3 versioning (https://www.w3.org/TR/vocab-dcat-3/#dataset-versions): the dataset
``dcat:hasVersion`` each release, ``dcat:hasCurrentVersion`` the newest and each release
``dcat:previousVersion`` the one before; each release has its ``dcat:version`` (and
``owl:versionInfo``), ``dcterms:issued`` and its frozen files as distributions with their
SHA-256 (``spdx:checksum``, as DCAT 3 section 6.7.17 does). A release is named by its page
under the data's base; what a client fetches is under ``root``.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Protocol

from rdflib import XSD, Graph, Namespace, URIRef
from rdflib import Literal as RdfLiteral
from rdflib.namespace import DCTERMS, OWL, RDF, VOID

from server.formats import GZIP_MEDIA_TYPE, RDF_FORMATS
from server.namespaces import IANA_MEDIA_TYPES as IANA
from server.namespaces import SPDX

DCAT = Namespace("http://www.w3.org/ns/dcat#")
"""Open, unlike rdflib's DCAT (DCAT 2), which lacks DCAT 3's versioning terms (dcat:hasCurrentVersion)."""


class ReleasedFile(Protocol):
    """What the documents read of a released file (``server.kg.citable.ReleasedFile``)."""

    @property
    def name(self) -> str:
        """The path in the release: ``dumps/clip-kg.ttl.gz``."""
        ...

    @property
    def sha256(self) -> str:
        """Hex SHA-256 of the file."""
        ...

    @property
    def size(self) -> int:
        """Bytes of the file."""
        ...


class Release(Protocol):
    """What the documents read of a release (``server.kg.citable.Release``)."""

    @property
    def version(self) -> str:
        """The version name: ``1.0.0``."""
        ...

    @property
    def date(self) -> date:
        """The day of the release."""
        ...

    @property
    def previous(self) -> str | None:
        """The version released before it, if any."""
        ...

    @property
    def files(self) -> Sequence[ReleasedFile]:
        """Its files with their checksums."""
        ...


def describe_releases(graph: Graph, dataset: URIRef, releases: Sequence[Release], root: str, base: str) -> None:
    """Add ``releases`` (newest first) to a VoID or DCAT description of ``dataset``."""
    if not releases:
        return
    graph.bind("owl", OWL)
    graph.add((dataset, DCAT.hasCurrentVersion, _iri(base, releases[0].version)))
    for release in releases:
        iri = _iri(base, release.version)
        graph.add((dataset, DCAT.hasVersion, iri))
        for predicate, value in (
            (RDF.type, DCAT.Dataset),
            (RDF.type, VOID.Dataset),
            (DCAT.isVersionOf, dataset),
            (DCTERMS.title, RdfLiteral(f"Release {release.version}", lang="en")),
            (DCAT.version, RdfLiteral(release.version)),
            (OWL.versionInfo, RdfLiteral(release.version)),
            (DCTERMS.issued, RdfLiteral(release.date.isoformat(), datatype=XSD.date)),
            (DCAT.landingPage, URIRef(f"{root}release/{release.version}/")),
        ):
            graph.add((iri, predicate, value))
        if release.previous:
            graph.add((iri, DCAT.previousVersion, _iri(base, release.previous)))
        for file in release.files:
            _describe_file(graph, iri, file, f"{root}release/{release.version}/")


def _describe_file(graph: Graph, release: URIRef, file: ReleasedFile, folder: str) -> None:
    """One released file as a ``dcat:Distribution`` with its size and SHA-256."""
    distribution = URIRef(f"{release}#file-{file.name.replace('/', '-')}")
    checksum = URIRef(f"{distribution}-sha256")
    graph.add((release, DCAT.distribution, distribution))
    graph.add((distribution, RDF.type, DCAT.Distribution))
    graph.add((distribution, DCTERMS.title, RdfLiteral(file.name)))
    graph.add((distribution, DCAT.downloadURL, URIRef(folder + file.name)))
    graph.add((distribution, DCAT.accessURL, URIRef(folder)))
    graph.add((distribution, DCAT.byteSize, RdfLiteral(file.size, datatype=XSD.nonNegativeInteger)))
    graph.add((distribution, DCAT.mediaType, URIRef(IANA + media_type(file.name).split(";")[0])))
    if file.name.endswith(".gz"):
        graph.add((distribution, DCAT.compressFormat, URIRef(IANA + GZIP_MEDIA_TYPE)))
    graph.add((distribution, SPDX.checksum, checksum))
    graph.add((checksum, RDF.type, SPDX.Checksum))
    graph.add((checksum, SPDX.algorithm, SPDX.checksumAlgorithm_sha256))
    graph.add((checksum, SPDX.checksumValue, RdfLiteral(file.sha256, datatype=XSD.hexBinary)))


def _iri(base: str, version: str) -> URIRef:
    return URIRef(f"{base}release/{version}/")


OTHER_TYPES = {
    "json": "application/json",
    "cff": "application/yaml",
    "nq": "application/n-quads",
}


def media_type(name: str) -> str:
    """The media type of a released file: of its data for RDF (gzip for ``.gz``), else by its extension.

    >>> media_type("dumps/clip-kg.ttl"), media_type("dumps/clip-kg.nq.gz"), media_type("SHA256SUMS")
    ('text/turtle', 'application/gzip', 'text/plain; charset=utf-8')
    """
    if name.endswith(".gz"):
        return GZIP_MEDIA_TYPE
    extension = name.rsplit(".", 1)[-1] if "." in name else ""
    known = {fmt.extension: fmt.media_type for fmt in RDF_FORMATS} | OTHER_TYPES
    return known.get(extension, "text/plain; charset=utf-8")
