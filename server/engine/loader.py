"""Fill an on-disk pyoxigraph store in bulk, straight from RDF files, with progress.

A store is written once per data version, then only opened read-only (``embedded``).
Files are read by pyoxigraph's own parsers (plain or gzipped); only when IRIs must move
to another base does each quad pass through Python. Progress is read off the bytes the
parser has consumed, so even one huge file reports how far it is and how fast it goes.
"""

from __future__ import annotations

import gc
import gzip
import io
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from types import TracebackType
from typing import BinaryIO

import pyoxigraph

from server.engine.embedded import stored_forms
from server.errors import BadInput, DataSyntaxError
from server.formats import RDF_FORMATS, Format

REPORT_EVERY = 2.0
"""Seconds between two progress lines while one file loads."""
SUFFIXES = {
    "ttl": "ttl",
    "nt": "nt",
    "nq": "nq",
    "trig": "trig",
    "jsonld": "jsonld",
    "json": "jsonld",
    "rdf": "rdf",
    "owl": "rdf",
    "xml": "rdf",
}
"""File name extension → name of the format in ``server.formats``."""
Rebase = Callable[[str], str]
Progress = Callable[[str], None]
UPDATE = "\r"
"""Starts a progress line that updates the one before it: a terminal draws it over that line."""
XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"


def bar(done: float, total: float, width: int = 24) -> str:
    """A text progress bar.

    >>> bar(3, 4)
    '[##################......]  75 %'
    """
    share = min(1.0, done / total) if total else 0.0
    filled = round(share * width)
    return f"[{'#' * filled}{'.' * (width - filled)}] {100 * share:3.0f} %"


def file_format(path: Path) -> Format:
    """The RDF format of a file from its name; ``.gz`` is looked through.

    >>> file_format(Path("graph.nt.gz")).name
    'nt'
    """
    suffixes = [s.lstrip(".").lower() for s in path.suffixes]
    if suffixes and suffixes[-1] == "gz":
        suffixes.pop()
    name = SUFFIXES.get(suffixes[-1] if suffixes else "")
    if name is None:
        known = ", ".join(f".{s}" for s in sorted(SUFFIXES))
        raise BadInput(f"{path}: unknown RDF file extension (known: {known}, each also gzipped as .gz)")
    return next(f for f in RDF_FORMATS if f.name == name)


class _Reading(io.RawIOBase):
    """A file as the parser reads it, reporting how much of it has been read."""

    def __init__(self, raw: BinaryIO, size: int, report: Callable[[int, int], None]):
        self._raw = raw
        self._size = size
        self._report = report
        self._next = time.monotonic() + REPORT_EVERY

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        count = self._raw.readinto(buffer)  # type: ignore[attr-defined]
        if time.monotonic() >= self._next:
            self._next = time.monotonic() + REPORT_EVERY
            self._report(self._raw.tell(), self._size)
        return int(count or 0)


class StoreWriter:
    """A new on-disk store being filled; closed (and so complete on disk) on leaving the ``with``."""

    def __init__(self, path: Path, progress: Progress = lambda message: None):
        self.path = path
        self.progress = progress
        self._store: pyoxigraph.Store | None = pyoxigraph.Store(str(path))

    def __enter__(self) -> StoreWriter:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self.close()

    @property
    def store(self) -> pyoxigraph.Store:
        if self._store is None:
            raise RuntimeError("the store was closed")
        return self._store

    def load(self, path: Path, graph: str | None = None, rebase: Rebase | None = None) -> None:
        """Load one RDF file: a triple file into ``graph`` (None: the default graph), a quad file as it is.

        ``rebase`` maps IRIs of the file to the IRIs to store (``None``: keep them).

        Raises:
            BadInput: the file cannot be read.
            DataSyntaxError: the file does not parse (with line and column).
        """
        fmt = file_format(path)
        started = time.monotonic()
        before = len(self.store)
        size = path.stat().st_size if path.is_file() else 0

        def report(done: int, total: int) -> None:
            rate = done / 1e6 / max(time.monotonic() - started, 1e-3)
            self.progress(f"{UPDATE}loading {path.name} {bar(done, total)} of {total / 1e6:,.0f} MB, {rate:.0f} MB/s")

        to_graph = pyoxigraph.NamedNode(graph) if graph and not fmt.keeps_graphs else None
        try:
            with path.open("rb") as raw:
                reading = _Reading(raw, size, report)
                source: BinaryIO = gzip.GzipFile(fileobj=reading) if path.suffix.lower() == ".gz" else reading  # type: ignore[assignment]
                if rebase is None:
                    self.store.bulk_load(source, format=fmt.oxigraph_rdf, to_graph=to_graph)
                else:
                    quads = pyoxigraph.parse(source, format=fmt.oxigraph_rdf)
                    self.store.bulk_extend(_rebased(quads, rebase, to_graph))
        except SyntaxError as error:
            message = str(error.msg).split(": ", 1)[-1] if ": " in str(error.msg) else str(error.msg)
            raise DataSyntaxError(str(path), message, error.lineno, error.offset) from None
        except (OSError, EOFError, ValueError) as error:
            raise BadInput(f"{path}: cannot load the file: {error}") from None
        added, seconds = len(self.store) - before, time.monotonic() - started
        self.progress(
            f"loaded {added:,} quads from {path.name} in {seconds:.1f} s ({added / max(seconds, 1e-3):,.0f}/s)"
        )

    def __len__(self) -> int:
        return len(self.store)

    def default_graph_size(self) -> int:
        """Quads in the default graph (the store's own, not the union of all graphs)."""
        found = self.store.query("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }")
        if not isinstance(found, pyoxigraph.QuerySolutions):
            raise TypeError("expected solutions")
        count = next(iter(found))["n"]
        return int(count.value) if isinstance(count, pyoxigraph.Literal) else 0

    def graph_names(self) -> list[str]:
        """IRIs of the named graphs that hold quads."""
        return sorted(g.value for g in self.store.named_graphs() if isinstance(g, pyoxigraph.NamedNode))

    def close(self) -> None:
        """Flush and release the store, so the folder can be renamed and opened read-only."""
        if self._store is not None:
            self._store.flush()
            self._store = None
            gc.collect()  # the RocksDB handle closes when the last reference goes


def _rebased(
    quads: Iterator[pyoxigraph.Quad], rebase: Rebase, to_graph: pyoxigraph.NamedNode | None
) -> Iterator[pyoxigraph.Quad]:
    def term(node: object) -> object:
        if isinstance(node, pyoxigraph.NamedNode):
            moved = rebase(node.value)
            return node if moved == node.value else pyoxigraph.NamedNode(moved)
        if isinstance(node, pyoxigraph.Literal) and not node.language:
            datatype = term(node.datatype)
            value = rebase(node.value)
            if value != node.value or datatype is not node.datatype:
                return pyoxigraph.Literal(value, datatype=datatype)  # type: ignore[arg-type]
        return node

    for quad in quads:
        graph = to_graph if to_graph is not None else term(quad.graph_name)
        yield pyoxigraph.Quad(term(quad.subject), term(quad.predicate), term(quad.object), graph)  # type: ignore[arg-type]


def mentions_bytes(path: Path, needle: bytes) -> bool:
    """True when the file (gunzipped if .gz) contains ``needle``, read in blocks."""
    opener = gzip.open if path.suffix.lower() == ".gz" else open
    tail = b""
    with opener(path, "rb") as stream:
        while block := stream.read(1 << 22):
            if needle in tail + block:
                return True
            tail = block[-len(needle) :]
    return False


def changed_literals(nquads: bytes) -> bytes:
    """The quads of ``nquads`` whose literal the store would not keep as written, as N-Quads.

    pyoxigraph's store keeps a literal's value, not its form (``embedded.stored_forms``).

    >>> changed_literals(b'<http://a> <http://p> "7"^^<http://www.w3.org/2001/XMLSchema#positiveInteger> .\\n'
    ...     b'<http://a> <http://p> "7"^^<http://www.w3.org/2001/XMLSchema#integer> .\\n').count(b"\\n")
    1
    """
    typed = [q for q in pyoxigraph.parse(nquads, format=pyoxigraph.RdfFormat.N_QUADS) if _typed(q.object)]
    kept = stored_forms([quad.object for quad in typed])
    changed = [quad for quad, stored in zip(typed, kept, strict=True) if stored != quad.object]
    return pyoxigraph.serialize(changed, format=pyoxigraph.RdfFormat.N_QUADS) or b""


def _typed(term: object) -> bool:
    return isinstance(term, pyoxigraph.Literal) and not term.language and term.datatype.value != XSD_STRING
