"""The dataset as files: one per format, plain and gzipped, never half-written.

``gzip.compress(data, mtime=0)`` keeps the .gz files byte-for-byte reproducible, so their
size and checksum only change when the data does.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import os
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from rdflib import Dataset

from server.engine.rdfio import convert_nquads
from server.formats import GZIP_MEDIA_TYPE, RDF_FORMATS, Format, by_name
from server.kg.progress import Progress, silent

DUMP_STEM = "clip-kg"
MANIFEST = "manifest.json"
CHUNK = 1 << 20


def nquads_of(dataset: Dataset) -> bytes:
    """The dataset as N-Quads, the one serialization rdflib makes; every format is converted from it."""
    data = dataset.serialize(format="nquads", encoding="utf-8")
    return data if isinstance(data, bytes) else data.encode("utf-8")


def prefixes_of(dataset: Dataset) -> dict[str, str]:
    """The dataset's named prefixes, for formats that abbreviate IRIs."""
    return {prefix: str(namespace) for prefix, namespace in dataset.namespaces() if prefix}


def write_dump(dataset: Dataset, fmt: Format, folder: Path, stem: str = DUMP_STEM) -> Path:
    """Write ``folder/stem.ext`` atomically (streamed into a temporary file, then renamed)."""
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / f"{stem}.{fmt.extension}"
    handle, partial = tempfile.mkstemp(dir=folder, prefix=f".{stem}.", suffix=".partial")
    try:
        with os.fdopen(handle, "wb") as out:
            convert_nquads(nquads_of(dataset), fmt, out, prefixes_of(dataset))
        os.replace(partial, target)
    except BaseException:
        Path(partial).unlink(missing_ok=True)
        raise
    return target


@dataclass(frozen=True)
class DumpFile:
    """One downloadable file of a data version: a format's serialization, plain or gzipped."""

    fmt: Format
    compressed: bool
    size: int
    sha256: str
    path: Path = field(compare=False)

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


def dump_files(
    dataset: Dataset, folder: Path, progress: Progress = silent, nquads: bytes | None = None
) -> tuple[DumpFile, ...]:
    """The dump files of one data version in ``folder``: written once, then reused by every start.

    The files are written into a folder beside it and renamed into place when all are
    complete, so an interrupted or failed write leaves no folder (and no partial file)
    under the final name; the next start writes them again. ``nquads``: the dataset's
    N-Quads when the caller has made them already.
    """
    if not (folder / MANIFEST).is_file():
        _write_all(dataset, folder, progress, nquads)
    return _read_manifest(folder)


def _write_all(dataset: Dataset, folder: Path, progress: Progress, nquads: bytes | None) -> None:
    partial = folder.with_name(f"{folder.name}.partial-{os.getpid()}")
    shutil.rmtree(partial, ignore_errors=True)
    partial.mkdir(parents=True)
    try:
        nquads, prefixes = nquads or nquads_of(dataset), prefixes_of(dataset)
        entries = []
        for fmt in RDF_FORMATS:
            progress(f"writing the {fmt.label} dump")
            entries += _write(partial, fmt, nquads, prefixes)
        (partial / MANIFEST).write_text(json.dumps(entries, indent=1), encoding="utf-8")
        try:
            partial.rename(folder)
        except OSError:  # another process finished the same version first: theirs is identical
            shutil.rmtree(partial)
    except BaseException:
        shutil.rmtree(partial, ignore_errors=True)
        raise


def _write(folder: Path, fmt: Format, nquads: bytes, prefixes: dict[str, str]) -> list[dict[str, object]]:
    """One format's file and its gzipped copy (streamed, reproducible: no name, mtime 0), described."""
    plain = folder / f"{DUMP_STEM}.{fmt.extension}"
    with plain.open("wb") as out:
        convert_nquads(nquads, fmt, out, prefixes)
    packed = plain.with_name(plain.name + ".gz")
    with plain.open("rb") as source, packed.open("wb") as raw, gzip.GzipFile("", "wb", fileobj=raw, mtime=0) as out:
        shutil.copyfileobj(source, out, CHUNK)
    return [_entry(fmt, plain, False), _entry(fmt, packed, True)]


def _entry(fmt: Format, path: Path, compressed: bool) -> dict[str, object]:
    digest = hashlib.sha256()
    with path.open("rb") as source:
        for chunk in iter(lambda: source.read(CHUNK), b""):
            digest.update(chunk)
    return {"format": fmt.name, "compressed": compressed, "size": path.stat().st_size, "sha256": digest.hexdigest()}


def _read_manifest(folder: Path) -> tuple[DumpFile, ...]:
    entries = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    files = []
    for entry in entries:
        fmt = by_name(entry["format"])
        name = f"{DUMP_STEM}.{fmt.extension}" + (".gz" if entry["compressed"] else "")
        files.append(DumpFile(fmt, entry["compressed"], entry["size"], entry["sha256"], folder / name))
    return tuple(files)
