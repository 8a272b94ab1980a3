"""The dataset as files: one per format, plain and gzipped, never half-written.

``gzip.compress(data, mtime=0)`` keeps the .gz files byte-for-byte reproducible, so their
size and checksum only change when the data does.
"""

from __future__ import annotations

import gzip
import hashlib
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from rdflib import Dataset, Graph

from server.formats import GZIP_MEDIA_TYPE, RDF_FORMATS, Format

DUMP_STEM = "clip-kg"


def serialize(dataset: Dataset, fmt: Format) -> bytes:
    """The whole dataset in one format: named graphs kept where the format has them,
    the union of all graphs otherwise."""
    if fmt.rdflib_name is None:
        raise ValueError(f"{fmt.name} is not an RDF format")
    if fmt.keeps_graphs:
        data = dataset.serialize(format=fmt.rdflib_name, encoding="utf-8")
    else:
        union = Graph()
        for prefix, namespace in dataset.namespaces():
            union.bind(prefix, namespace, replace=True)
        for s, p, o, _ in dataset.quads((None, None, None, None)):
            union.add((s, p, o))
        data = union.serialize(format=fmt.rdflib_name, encoding="utf-8")
    return data if isinstance(data, bytes) else data.encode("utf-8")


def write_dump(dataset: Dataset, fmt: Format, folder: Path, stem: str = "clip-kg") -> Path:
    """Serialize to ``folder/stem.ext`` atomically (a temporary file, then a rename)."""
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / f"{stem}.{fmt.extension}"
    data = serialize(dataset, fmt)
    handle, partial = tempfile.mkstemp(dir=folder, prefix=f".{stem}.", suffix=".partial")
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
        os.replace(partial, target)
    except BaseException:
        Path(partial).unlink(missing_ok=True)
        raise
    return target


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
        return GZIP_MEDIA_TYPE if self.compressed else self.fmt.media_type

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


def dump_files(dataset: Dataset) -> tuple[DumpFile, ...]:
    """Every dump file of the dataset, each format plain then gzipped."""
    files: list[DumpFile] = []
    for fmt in RDF_FORMATS:
        plain = serialize(dataset, fmt)
        files += [_file(fmt, plain, False), _file(fmt, gzip.compress(plain, mtime=0), True)]
    return tuple(files)
