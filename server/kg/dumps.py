"""The dataset as files: one per format, plain and gzipped, never half-written.

The files of a data version are written once, into its store folder, by whoever gets the
lock first (a small dataset before serving, a large one in a background process while the
site already answers), then read by every later start. gzip without name and mtime keeps
the .gz files byte-for-byte reproducible, so their size and checksum only change when the
data does.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import os
import shutil
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

from rdflib import Dataset

from server.errors import NotWritable
from server.formats import GZIP_MEDIA_TYPE, RDF_FORMATS, Format, by_name
from server.kg.once import Step, run_now
from server.kg.progress import Progress, silent

DUMP_STEM = "clip-kg"
MANIFEST = "manifest.json"
STALE_AFTER = 600
"""Seconds after which a temporary file no process writes to any more is a leftover of one that died."""
CHUNK = 1 << 20
Writer = Callable[[Format, BinaryIO], None]
"""Writes the dataset in a format to a binary stream (``KnowledgeGraph.write_as``)."""


def nquads_of(dataset: Dataset) -> bytes:
    """The dataset as N-Quads, the one serialization rdflib makes (the others are converted from it)."""
    data = dataset.serialize(format="nquads", encoding="utf-8")
    return data if isinstance(data, bytes) else data.encode("utf-8")


def remove_stale_partials(folder: Path, pattern: str = ".*.partial") -> None:
    """Remove the temporary files of writes that were killed (``written_atomically``'s, untouched for
    STALE_AFTER seconds: a write still under way keeps its file fresh)."""
    for partial in folder.glob(pattern):
        if time.time() - partial.stat().st_mtime > STALE_AFTER:
            partial.unlink(missing_ok=True)


def written_atomically(path: Path, write: Callable[[BinaryIO], object]) -> Path:
    """Write ``path`` through a temporary file of this process's own beside it, renamed into place when
    complete: concurrent writers never share a temporary name, and a reader sees all or nothing."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, partial = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".partial")
    try:
        with os.fdopen(handle, "wb") as out:
            write(out)
        os.replace(partial, path)
    except BaseException:
        Path(partial).unlink(missing_ok=True)
        raise
    return path


def write_dump(write: Writer, fmt: Format, folder: Path, stem: str = DUMP_STEM) -> Path:
    """Write ``folder/stem.ext`` atomically (streamed into a temporary file, then renamed)."""
    folder.mkdir(parents=True, exist_ok=True)
    remove_stale_partials(folder, f".{stem}.*.partial")
    return written_atomically(folder / f"{stem}.{fmt.extension}", lambda out: write(fmt, out))


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


def written_dumps(folder: Path) -> tuple[DumpFile, ...] | None:
    """The dump files of a data version, or None while they are not (all) written."""
    return _read_manifest(folder) if (folder / MANIFEST).is_file() else None


def dumps_step(folder: Path, write: Writer, progress: Progress = silent) -> Step:
    """Writing the dump files into ``folder``, as a step done once per data version (``server.kg.once``).

    The files are written into a folder beside it, renamed into place when every file is
    complete: an interrupted write leaves nothing under the final name, and the next start
    writes again.
    """

    def work() -> None:
        _write_all(folder, write, progress)
        progress(f"the dump files are written ({folder})")

    return Step("dumps", folder.with_name(folder.name + ".lock"), lambda: (folder / MANIFEST).is_file(), work)


def write_dumps(folder: Path, write: Writer, progress: Progress = silent) -> tuple[DumpFile, ...]:
    """Write the dump files into ``folder`` unless they are there (waiting for another writer), and return them."""
    run_now([dumps_step(folder, write, progress)])
    return _read_manifest(folder)


def _write_all(folder: Path, write: Writer, progress: Progress) -> None:
    partial = folder.with_name(f"{folder.name}.partial")
    shutil.rmtree(partial, ignore_errors=True)
    partial.mkdir(parents=True)
    try:
        entries = []
        for number, fmt in enumerate(RDF_FORMATS, start=1):
            progress(f"writing the {fmt.label} dump ({number}/{len(RDF_FORMATS)})")
            try:
                entries += _write(partial, fmt, write)
            except NotWritable as error:  # the data is valid RDF this format cannot hold: no broken file
                progress(f"no {fmt.label} dump: {error}")
                (partial / f"{DUMP_STEM}.{fmt.extension}").unlink(missing_ok=True)
        (partial / MANIFEST).write_text(json.dumps(entries, indent=1), encoding="utf-8")
        partial.rename(folder)
    except BaseException:
        shutil.rmtree(partial, ignore_errors=True)
        raise


def _write(folder: Path, fmt: Format, write: Writer) -> list[dict[str, object]]:
    """One format's file and its gzipped copy (streamed, reproducible: no name, mtime 0), described."""
    plain = folder / f"{DUMP_STEM}.{fmt.extension}"
    with plain.open("wb") as out:
        write(fmt, out)
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
