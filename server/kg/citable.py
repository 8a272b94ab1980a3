"""Citable releases: a data version frozen under a version name, for people to cite and download.

``clip-kg release VERSION`` writes ``{releases folder}/VERSION/``: everything a replica
needs of the data version (``server.kg.release``: build record, ontology, facts, literal
forms, dumps), the ontology in Turtle, a release record (``release.json``: version, date,
data version, previous release), a ``CITATION.cff`` (Citation File Format 1.2.0) and a
``SHA256SUMS`` of every other file. It is written beside its final name and renamed into
place when whole, its files are read-only, and a version is never written twice: a release
that someone has cited must stay the bytes they cited. The same folder can be served by a
replica (``clip-kg serve --engine URL --release FOLDER``), so a citable release and a
replica release are one thing.

The site lists the releases at /release/ and serves their files unchanged; the VoID and
DCAT documents chain them as versions of the dataset (``server.views.releases``).
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

from rdflib import Graph
from rdflib.namespace import DCTERMS, OWL, RDF

from server.errors import BadInput
from server.kg.build import KnowledgeGraph, filled_in_place
from server.kg.release import check_complete, copy_release_parts

RELEASE_RECORD = "release.json"
CHECKSUMS = "SHA256SUMS"
CITATION = "CITATION.cff"
ONTOLOGY_TURTLE = "ontology.ttl"
CFF_VERSION = "1.2.0"
PUBLISHER = "CLIP knowledge graph project"
"""Who is credited when the ontology names no creator (the publisher of the VoID and DCAT documents)."""
VERSION = re.compile(
    r"v?\d{1,6}\.\d{1,6}(\.\d{1,6})?(-[0-9A-Za-z]{1,20}(\.[0-9A-Za-z]{1,20}){0,4})?"  # semantic
    r"|\d{4}-\d{2}-\d{2}(\.\d{1,3})?"  # a date, with a number for a second release of the day
)
"""A semantic version (``1.0.0``, ``v2.1``, ``1.0.0-rc.1``) or a date (``2026-12-05``, ``2026-12-05.2``)."""
SPDX_LICENCES = {
    "https://creativecommons.org/licenses/by/4.0/": "CC-BY-4.0",
    "https://creativecommons.org/licenses/by-sa/4.0/": "CC-BY-SA-4.0",
    "https://creativecommons.org/publicdomain/zero/1.0/": "CC0-1.0",
    "https://opendatacommons.org/licenses/odbl/1-0/": "ODbL-1.0",
}
"""Licence IRIs the data may state, with their SPDX identifiers (what CITATION.cff's ``license`` takes)."""


def check_version(text: str) -> str:
    """The version name if it is one a release may have, else an error saying what is allowed.

    >>> check_version("1.0.0"), check_version("2026-12-05")
    ('1.0.0', '2026-12-05')
    >>> check_version("../etc")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    server.errors.BadInput: '../etc' is not a release version: give a semantic version (1.0.0, ...) or a date ...
    """
    if VERSION.fullmatch(text) and _is_date_or_not(text):
        return text
    raise BadInput(
        f"{text!r} is not a release version: give a semantic version (1.0.0, v2.1, 1.0.0-rc.1) "
        "or a date (2026-12-05, 2026-12-05.2)"
    )


def _is_date_or_not(text: str) -> bool:
    """False for a date-like version that names no real day (2026-13-40)."""
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}.*", text):
        return True
    try:
        date.fromisoformat(text[:10])
    except ValueError:
        return False
    return True


@dataclass(frozen=True)
class Credit:
    """Who and what a citation names: from the ontology's own metadata."""

    title: str
    authors: tuple[str, ...]
    licence: str | None
    """The licence's IRI."""

    @classmethod
    def of(cls, kg: KnowledgeGraph) -> Credit:
        """The ontology's ``dcterms:creator`` (the project's credit line) and ``dcterms:license``."""
        return cls.from_ontology(kg.ontology, kg.clip)

    @classmethod
    def from_ontology(cls, ontology: Graph, clip: bool = True) -> Credit:
        """As ``of``, from an ontology graph."""
        heads = sorted(ontology.subjects(RDF.type, OWL.Ontology), key=str)
        authors = sorted({str(name) for head in heads for name in ontology.objects(head, DCTERMS.creator)})
        licences = sorted(str(iri) for head in heads for iri in ontology.objects(head, DCTERMS.license))
        title = "CLIP knowledge graph" if clip else "Knowledge graph"
        return cls(title, tuple(authors) or (PUBLISHER,), licences[0] if licences else None)


@dataclass(frozen=True)
class ReleasedFile:
    """One file of a release, as ``SHA256SUMS`` lists it."""

    name: str
    """The path inside the release folder, with ``/``: ``dumps/clip-kg.ttl.gz``."""
    sha256: str
    size: int


@dataclass(frozen=True)
class Release:
    """A citable release as its record describes it."""

    folder: Path
    version: str
    released: datetime
    data_version: str
    previous: str | None
    base: str
    credit: Credit
    files: tuple[ReleasedFile, ...]

    @property
    def date(self) -> date:
        """The day of the release (UTC), as cited."""
        return self.released.date()

    @property
    def url(self) -> str:
        """The release's page, under the data's base: what a citation names."""
        return f"{self.base}release/{self.version}/"

    def file(self, name: str) -> ReleasedFile | None:
        """A file the release holds by its path in the release, or None (never a path outside it)."""
        return next((file for file in self.files if file.name == name), None)


def write_citable_release(kg: KnowledgeGraph, releases: Path, version: str, now: datetime | None = None) -> Release:
    """Freeze ``kg`` as release ``version`` in ``releases/version`` and return it.

    The release before it (the newest in ``releases``) is recorded as its previous version.

    Raises:
        BadInput: a bad version name, a version released before, or a data version whose facts
            and dumps are not written yet.
    """
    check_version(version)
    check_complete(kg)
    target = releases / version
    if target.exists():
        raise BadInput(f"release {version} exists already in {target}: a release is never changed, name a new version")
    earlier = list_releases(releases)
    released = (now or datetime.now(UTC)).astimezone(UTC).replace(microsecond=0)
    credit = Credit.of(kg)
    record = {
        "version": version,
        "released": released.isoformat(),
        "data_version": kg.version,
        "previous": earlier[0].version if earlier else None,
        "base": kg.base,
        "title": credit.title,
        "authors": list(credit.authors),
        "licence": credit.licence,
    }

    def fill(partial: Path) -> None:
        copy_release_parts(kg, partial)
        kg.ontology.serialize(destination=partial / ONTOLOGY_TURTLE, format="turtle")
        (partial / RELEASE_RECORD).write_text(json.dumps(record, indent=1) + "\n", encoding="utf-8")
        (partial / CITATION).write_text(citation_cff(_release_of(partial, record, ())), encoding="utf-8")
        (partial / CHECKSUMS).write_text(_checksums(partial), encoding="utf-8")
        for path in partial.rglob("*"):
            if path.is_file():
                path.chmod(0o444)

    releases.mkdir(parents=True, exist_ok=True)
    filled_in_place(target, fill)
    found = read_release(target)
    if found is None or found.released != released:  # another process took the name first
        raise BadInput(f"release {version} was written by another process at the same time: name a new version")
    return found


def _checksums(folder: Path) -> str:
    """``SHA256SUMS`` of every file in ``folder`` (sha256sum's format: digest, two spaces, path)."""
    lines = []
    for path in sorted(folder.rglob("*")):
        if path.is_file() and path.name != CHECKSUMS:
            digest = hashlib.sha256(path.read_bytes()).hexdigest()
            lines.append(f"{digest}  {path.relative_to(folder).as_posix()}\n")
    return "".join(lines)


def read_release(folder: Path) -> Release | None:
    """The release in ``folder``, or None when it is not a whole release."""
    try:
        record = json.loads((folder / RELEASE_RECORD).read_text(encoding="utf-8"))
        sums = (folder / CHECKSUMS).read_text(encoding="utf-8")
    except (OSError, ValueError):
        return None
    files = []
    for line in sums.splitlines():
        digest, _, name = line.partition("  ")
        path = folder / name
        inside = not name.startswith("/") and ".." not in name.split("/")
        if inside and path.is_file():
            files.append(ReleasedFile(name, digest, path.stat().st_size))
    listing = hashlib.sha256(sums.encode("utf-8")).hexdigest()
    files.append(ReleasedFile(CHECKSUMS, listing, len(sums.encode("utf-8"))))
    return _release_of(folder, record, tuple(files))


def _release_of(folder: Path, record: Mapping[str, object], files: tuple[ReleasedFile, ...]) -> Release:
    authors = record.get("authors")
    credit = Credit(
        str(record["title"]),
        tuple(str(name) for name in authors) if isinstance(authors, list) else (PUBLISHER,),
        str(record["licence"]) if record.get("licence") else None,
    )
    return Release(
        folder=folder,
        version=str(record["version"]),
        released=datetime.fromisoformat(str(record["released"])),
        data_version=str(record["data_version"]),
        previous=str(record["previous"]) if record.get("previous") else None,
        base=str(record["base"]),
        credit=credit,
        files=files,
    )


def list_releases(releases: Path) -> tuple[Release, ...]:
    """The whole releases in a folder, newest first (folders being written or of other names are left out)."""
    if not releases.is_dir():
        return ()
    found = []
    for folder in releases.iterdir():
        if folder.is_dir() and VERSION.fullmatch(folder.name):
            release = read_release(folder)
            if release is not None and release.version == folder.name:
                found.append(release)
    return tuple(sorted(found, key=lambda release: (release.released, release.version), reverse=True))


def citation_text(credit: Credit, release: Release | None, data_version: str, day: date) -> str:
    """The short citation of the data: of ``release``, or of unreleased data as of ``day``.

    >>> credit = Credit("CLIP knowledge graph", ("CLIP Knowledge Graph developers",), None)
    >>> print(citation_text(credit, None, "0123456789abcdef", date(2026, 12, 5)))  # doctest: +ELLIPSIS
    CLIP Knowledge Graph developers (2026). CLIP knowledge graph, unreleased data of 2026-12-05 (data ...).
    """
    authors = "; ".join(credit.authors)
    if release is None:
        return (
            f"{authors} ({day.year}). {credit.title}, unreleased data of {day.isoformat()} "
            f"(data version {data_version[:12]})."
        )
    return f"{authors} ({release.date.year}). {credit.title}, version {release.version} [Data set]. {release.url}"


def citation_cff(release: Release) -> str:
    """The release's ``CITATION.cff`` (https://github.com/citation-file-format/citation-file-format, 1.2.0).

    Written by hand rather than with a YAML library: every value is a JSON string, which YAML
    reads as a double-quoted scalar, so the file parses the same with any YAML 1.2 reader.
    """
    credit, quote = release.credit, json.dumps
    lines = [
        f"cff-version: {CFF_VERSION}",
        f"message: {quote('If you use this data, please cite this release as below.')}",
        "type: dataset",
        f"title: {quote(credit.title)}",
        f"version: {quote(release.version)}",
        f"date-released: {quote(release.date.isoformat())}",
        "authors:",
        *(f"  - name: {quote(name)}" for name in credit.authors),
        f"url: {quote(release.url)}",
        "identifiers:",
        "  - type: url",
        f"    value: {quote(release.url)}",
        f"    description: {quote(f'Release {release.version}: its files and their SHA-256 checksums')}",
        f"abstract: {quote(f'{credit.title}, release {release.version}, data version {release.data_version}.')}",
    ]
    licence = SPDX_LICENCES.get(credit.licence or "")
    if licence:
        lines.append(f"license: {quote(licence)}")
    return "\n".join(lines) + "\n"
