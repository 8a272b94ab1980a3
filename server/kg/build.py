"""The build: load → validate with SHACL → reason with OWL → one on-disk store per data version.

Nothing here knows about HTTP. A data version is built once into a folder of the cache
(the pyoxigraph store and a record of the build) and opened by every later start with the
same inputs. Every step reports progress; any failure raises before anything is renamed
into place, so a bad input never replaces a good dataset.

The CLIP graph, and any data that is validated or reasoned over, goes through rdflib
(pySHACL and HermiT need it) into the named graphs ontology, asserted and inferred. Other
data is loaded by pyoxigraph's parsers straight into the store, in bulk: triple files into
the default graph, quad files with their own graphs, as the Oxigraph server would.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property
from importlib.metadata import version
from pathlib import Path
from typing import Any, BinaryIO

from rdflib import Dataset, Graph, Literal, URIRef
from rdflib.namespace import NamespaceManager
from rdflib.term import Node

from server.config import Inputs, Settings, resolve_inputs
from server.engine.loader import StoreWriter, changed_literals, mentions_bytes
from server.engine.rdfio import canonical_nquads, convert_nquads, dump_store
from server.errors import NotConforming
from server.formats import Format
from server.kg.dumps import nquads_of, remove_stale_partials, written_atomically
from server.kg.loading import parse_files, parse_into
from server.kg.progress import Progress, silent
from server.kg.reasoning import reason
from server.kg.validation import ValidationReport, validate
from server.namespaces import CANONICAL_BASE, graph_iri

LARGE_INPUT = 50_000
"""Triples past which validation and reasoning are announced with an estimate of their time."""
SHACL_RATE = 1_000
"""Triples per second pySHACL validated the CLIP graph here (5.2 s for 5,920 triples, 138 shapes)."""
HERMIT_RATE = 3_000
"""Triples per second HermiT classified the CLIP graph here (1.8 s for 5,920 triples)."""
CACHE_FORMAT = 2  # bump when the content of cached inferred graphs changes
STORE_FORMAT = 2  # bump when what a store folder holds changes
BUILD_RECORD = "build.json"
ONTOLOGY_FILE = "ontology.nt"
CHANGED_LITERALS = "changed-literals.nq"
FACTS_FILE = "facts.json"
"""The dataset facts of a data version: gathered by the first start that needs them (``web.state``)."""
KEEP_VERSIONS = 3
"""Store folders of data versions kept however long unused (the newest, the current included)."""
PRUNE_AFTER = 24 * 3600
"""Seconds an older data version stays after its last use."""


@dataclass
class KnowledgeGraph:
    """One built data version on disk: its store and what the build found out about it.

    The server reads the store only; ``dataset`` and ``graph`` give the same data as rdflib
    objects, parsed on demand, for tools and tests that want them.
    """

    folder: Path
    base: str
    version: str
    """The data version: a fingerprint of everything the dataset is made from."""
    names: tuple[str, ...]
    """IRIs of the named graphs that hold triples."""
    prefixes: tuple[tuple[str, str], ...]
    """(prefix, namespace) pairs of the data, longest namespace first."""
    quads: int
    default_graph_quads: int
    """Quads in the default graph: data loaded in bulk from triple files (0 for the CLIP graph)."""
    validation: ValidationReport | None
    inferred_from_cache: bool
    reused: bool = False
    """True when the store was built by an earlier start and only opened now."""
    clip: bool = True
    """True when the data is the CLIP graph (its named queries apply), not files given with --data."""

    @property
    def store_path(self) -> Path:
        """The RocksDB folder of the pyoxigraph store."""
        return self.folder / "oxigraph"

    @property
    def source_path(self) -> Path:
        """The dataset as N-Quads, exactly as built, when it was built through rdflib (else absent)."""
        return self.folder / "source.nq"

    @property
    def changed_literals_path(self) -> Path:
        """N-Quads of the literals the store keeps in another form than the data's (see loader.changed_literals)."""
        return self.folder / CHANGED_LITERALS

    @property
    def dumps_folder(self) -> Path:
        """Where the dump files of this data version are written."""
        return self.folder / "dumps"

    def graph_names(self) -> list[str]:
        """IRIs of the named graphs that hold triples."""
        return list(self.names)

    @cached_property
    def ontology(self) -> Graph:
        """The ontology graph, as built (rebased), with its prefixes."""
        graph = Graph(bind_namespaces="core")
        path = self.folder / ONTOLOGY_FILE
        if path.is_file():
            graph.parse(path, format="nt")
        for prefix, namespace in self.prefixes:
            graph.bind(prefix, namespace, override=True, replace=True)
        return graph

    @cached_property
    def dataset(self) -> Dataset:
        """The whole dataset as an rdflib Dataset (for tools and tests; the server never loads it)."""
        dataset = Dataset()
        source = self.source_path.read_bytes() if self.source_path.is_file() else dump_store(self.store_path)
        dataset.parse(data=source, format="nquads")
        for prefix, namespace in self.prefixes:
            dataset.bind(prefix, namespace, override=True, replace=True)
        return dataset

    def write_as(self, fmt: Format, output: BinaryIO) -> None:
        """Write the dataset as ``fmt``: from the N-Quads the build kept, which have the data's own
        literal forms, else from the store (as pyoxigraph holds the values)."""
        prefixes = dict(self.prefixes)
        if self.source_path.is_file():
            convert_nquads(self.source_path.read_bytes(), fmt, output, prefixes)
        else:
            dump_store(self.store_path, fmt, output, prefixes)

    def graph(self, name: str) -> Graph:
        """One of the named graphs: 'ontology', 'asserted' or 'inferred'."""
        return self.dataset.graph(URIRef(graph_iri(self.base, name)))


def build(settings: Settings, progress: Progress = silent) -> KnowledgeGraph:
    """The knowledge graph the settings describe: opened when this data version was built before, else built.

    A build writes into a folder beside its final place and renames it into place when
    complete, so an interrupted or failed build leaves no store under the version's name,
    and the previous version stays whole for whoever serves it.

    Raises:
        BadInput: an input file is missing or does not parse.
        NotConforming: the data breaks the shapes (the report is in the message).
        InconsistentData: the ontology plus data is inconsistent.
        ReasonerUnavailable: reasoning is on and HermiT cannot run.
    """
    inputs = resolve_inputs(settings)
    version = data_version(settings, inputs)
    folder = settings.cache_dir / f"store-{version}"
    if (folder / BUILD_RECORD).is_file():
        progress(f"opening the store built before from the same inputs ({folder})")
        return opened(folder, reused=True)

    def fill(partial: Path) -> None:
        record = _fill(partial, settings, inputs, progress)
        record |= {"format": STORE_FORMAT, "version": version, "base": settings.base_uri, "clip": settings.is_clip}
        (partial / BUILD_RECORD).write_text(json.dumps(record, indent=1), encoding="utf-8")

    filled_in_place(folder, fill)
    prune_versions(settings.cache_dir, keep=folder)
    return opened(folder)


def filled_in_place(folder: Path, fill: Callable[[Path], None]) -> None:
    """Fill a folder beside ``folder`` and rename it into place when complete: an interrupted or failed
    fill leaves nothing under the final name. A folder another process put there first is kept (the
    same inputs give the same content)."""
    partial = folder.with_name(f"{folder.name}.partial-{os.getpid()}")
    shutil.rmtree(partial, ignore_errors=True)
    partial.mkdir(parents=True)
    try:
        fill(partial)
        try:
            partial.rename(folder)
        except OSError:  # another process filled the same folder first: theirs is identical
            shutil.rmtree(partial)
    except BaseException:
        shutil.rmtree(partial, ignore_errors=True)
        raise


def opened(folder: Path, reused: bool = False) -> KnowledgeGraph:
    """The knowledge graph of a complete store folder, from its build record."""
    record = json.loads((folder / BUILD_RECORD).read_text(encoding="utf-8"))
    if reused:
        (folder / BUILD_RECORD).touch()  # the version was used now: pruning keeps it
    validation = ValidationReport(conforms=True, results=()) if record["validated"] else None
    return KnowledgeGraph(
        folder=folder,
        base=record["base"],
        version=record["version"],
        names=tuple(record["graphs"]),
        quads=record["quads"],
        default_graph_quads=record["default_graph_quads"],
        prefixes=tuple((prefix, namespace) for prefix, namespace in record["prefixes"]),
        validation=validation,
        inferred_from_cache=reused or record["inferred_from_cache"],
        reused=reused,
        clip=record.get("clip", True),
    )


def needs_rdflib(settings: Settings, inputs: Inputs) -> bool:
    """True when the build validates or reasons, which pySHACL and HermiT do on rdflib graphs."""
    return bool(inputs.shapes) or (settings.reasoning and bool(inputs.ontology))


def _fill(partial: Path, settings: Settings, inputs: Inputs, progress: Progress) -> dict[str, Any]:
    """Write the store and its side files into ``partial``; return the build record."""
    ontology = parse_files(inputs.ontology, progress)
    if needs_rdflib(settings, inputs):
        return _fill_through_rdflib(partial, settings, inputs, ontology, progress)
    return _fill_in_bulk(partial, settings, inputs, ontology, progress)


def _fill_through_rdflib(
    partial: Path, settings: Settings, inputs: Inputs, ontology: Graph, progress: Progress
) -> dict[str, Any]:
    """Parse, validate and reason with rdflib; the store is loaded from the dataset's N-Quads."""
    data = Dataset()
    for number, path in enumerate(inputs.data, start=1):
        progress(f"parsing {path} ({number}/{len(inputs.data)})")
        parse_into(data, path)
    asserted = _default_graph_triples(data)
    report = None
    if inputs.shapes:
        report = _validated(settings, inputs, ontology, asserted, progress)
    inferred, cached = Graph(), False
    if settings.reasoning and inputs.ontology:
        inferred, cached = _inferred(settings, inputs, ontology, asserted, progress)
    progress("assembling the dataset")
    dataset = _assemble(settings.base_uri, ontology, asserted, inferred, data)
    nquads = canonical_nquads(nquads_of(dataset))  # the same bytes from every build of the same data
    (partial / "source.nq").write_bytes(nquads)
    (partial / "changed-literals.nq").write_bytes(changed_literals(nquads))
    dataset.graph(URIRef(graph_iri(settings.base_uri, "ontology"))).serialize(
        partial / ONTOLOGY_FILE, format="nt", encoding="utf-8"
    )
    with StoreWriter(partial / "oxigraph", progress) as store:
        store.load(partial / "source.nq")
        graphs, quads, default = store.graph_names(), len(store), store.default_graph_size()
    bound = [(prefix, str(namespace)) for prefix, namespace in dataset.namespaces() if prefix]
    return _record(graphs, quads, default, bound, validated=report is not None, inferred_from_cache=cached)


def _fill_in_bulk(
    partial: Path, settings: Settings, inputs: Inputs, ontology: Graph, progress: Progress
) -> dict[str, Any]:
    """Load the files straight into the store: triple files into the default graph, quad files as they are."""
    base = settings.base_uri
    rebased = Graph(bind_namespaces="core")
    for triple in ontology:
        rebased.add(tuple(rebase(term, base) for term in triple))  # type: ignore[arg-type]
    rebased.serialize(partial / ONTOLOGY_FILE, format="nt", encoding="utf-8")
    with StoreWriter(partial / "oxigraph", progress) as store:
        if len(rebased):
            store.load(partial / ONTOLOGY_FILE, graph=graph_iri(base, "ontology"))
        for number, path in enumerate(inputs.data, start=1):
            progress(f"loading {path} ({number}/{len(inputs.data)}, {path.stat().st_size / 1e6:,.1f} MB)")
            moving = base != CANONICAL_BASE and mentions_bytes(path, CANONICAL_BASE.encode())
            store.load(path, rebase=iri_mover(base) if moving else None)
        graphs, quads, default = store.graph_names(), len(store), store.default_graph_size()
        progress(f"{quads:,} quads in the store")
    bound = [(prefix, str(rebase(URIRef(namespace), base))) for prefix, namespace in ontology.namespaces() if prefix]
    return _record(graphs, quads, default, bound, validated=False, inferred_from_cache=False)


def _record(
    graphs: list[str],
    quads: int,
    default: int,
    bound: list[tuple[str, str]],
    validated: bool,
    inferred_from_cache: bool,
) -> dict[str, Any]:
    prefixes = sorted(set(bound), key=lambda pair: (-len(pair[1]), pair[0]))
    return {
        "graphs": sorted(graphs),
        "quads": quads,
        "default_graph_quads": default,
        "prefixes": prefixes,
        "validated": validated,
        "inferred_from_cache": inferred_from_cache,
    }


def iri_mover(base: str) -> Callable[[str], str]:
    """``rebase`` for IRIs and lexical forms as strings.

    >>> iri_mover("http://127.0.0.1:5000/")("https://w3id.org/clip-network/id/city/vienna")
    'http://127.0.0.1:5000/id/city/vienna'
    """

    def move(value: str) -> str:
        return base + value[len(CANONICAL_BASE) :] if value.startswith(CANONICAL_BASE) else value

    return move


def prune_versions(cache_dir: Path, keep: Path) -> None:
    """Remove the store folders of old data versions: those not used for a day, past the newest KEEP_VERSIONS.

    A version is "used" when a start opens it, so a server still running an older
    version keeps it; half-built folders of builds that died are removed after a day too.
    """
    now = time.time()
    remove_leftovers(cache_dir)
    folders = sorted(cache_dir.glob("store-*"), key=lambda path: path.stat().st_mtime, reverse=True)
    recent = [folder for folder in folders if folder != keep][: KEEP_VERSIONS - 1]
    for folder in folders:
        record = folder / BUILD_RECORD
        last_used = record.stat().st_mtime if record.is_file() else folder.stat().st_mtime
        if folder != keep and folder not in recent and now - last_used > PRUNE_AFTER:
            shutil.rmtree(folder, ignore_errors=True)


def remove_leftovers(cache_dir: Path) -> None:
    """Remove what builds and cache writes that died left behind: half-built store folders whose process
    is gone, and temporary cache files not written to for STALE_AFTER seconds."""
    for partial in cache_dir.glob("store-*.partial-*"):
        pid = partial.name.rsplit("-", 1)[-1]
        if pid.isdigit() and not _alive(int(pid)):
            shutil.rmtree(partial, ignore_errors=True)
    remove_stale_partials(cache_dir)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def data_version(settings: Settings, inputs: Inputs) -> str:
    """A fingerprint of the inputs and of every setting and tool that shapes the built dataset."""
    made_by = (
        f"base={settings.base_uri} reasoning={settings.reasoning} store {STORE_FORMAT} "
        f"rdflib {version('rdflib')} pyoxigraph {version('pyoxigraph')}"
    )
    return _fingerprint(inputs.ontology, inputs.shapes, inputs.data, extra=made_by)


def _default_graph_triples(data: Dataset) -> Graph:
    """Triples of the files' default graphs; named graphs of quad files stay apart."""
    asserted = Graph()
    for triple in data.default_graph.triples((None, None, None)):
        asserted.add(triple)
    return asserted


def _validated(
    settings: Settings, inputs: Inputs, ontology: Graph, asserted: Graph, progress: Progress
) -> ValidationReport:
    """Validate, or trust a record that these exact inputs conformed before."""
    marker = settings.cache_dir / f"conforms-{_fingerprint(inputs.shapes, inputs.ontology, inputs.data)}"
    if marker.is_file():
        progress(f"the same inputs conformed before ({marker.name}); skipping SHACL")
        return ValidationReport(conforms=True, results=())
    shapes = parse_files(inputs.shapes, progress)
    progress(f"validating {len(asserted)} triples against {len(inputs.shapes)} shapes file(s)")
    if warning := slow_step_warning("pySHACL", len(asserted), SHACL_RATE, "to skip validation, leave out --shapes"):
        progress(warning)
    report = validate(asserted, shapes, ontology)
    if not report.conforms:
        raise NotConforming(report.text())
    marker.parent.mkdir(parents=True, exist_ok=True)
    marker.touch()
    return report


def _inferred(
    settings: Settings, inputs: Inputs, ontology: Graph, asserted: Graph, progress: Progress
) -> tuple[Graph, bool]:
    cache = settings.cache_dir / f"inferred-{_fingerprint(inputs.ontology, inputs.data)}.nt"
    if cache.is_file():
        cached = read_checked(cache)
        if cached is not None:
            progress(f"using inferred triples cached in {cache}")
            return Graph().parse(data=cached, format="nt"), True
        progress(f"the cached inferred triples in {cache} are damaged (their checksum does not match); reasoning again")
    if warning := slow_step_warning("HermiT", len(asserted), HERMIT_RATE, "to skip reasoning, pass --no-reasoning"):
        progress(warning)
    result = reason(ontology, asserted, progress)
    progress(f"reasoning took {result.seconds:.1f} s")
    write_checked(cache, result.inferred.serialize(format="nt", encoding="utf-8"))
    return result.inferred, False


CHECKSUM_LINE = b"# sha256 "
"""The last line of a cache file: the SHA-256 of every byte before it (an N-Triples comment)."""


def write_checked(path: Path, content: bytes) -> None:
    """Write ``content`` with its checksum line, atomically (``written_atomically``)."""

    def write(out: BinaryIO) -> None:
        out.write(content)
        out.write(CHECKSUM_LINE + hashlib.sha256(content).hexdigest().encode() + b"\n")

    written_atomically(path, write)


def read_checked(path: Path) -> bytes | None:
    """The content of a file written by ``write_checked``, or None when it is empty, cut short or altered."""
    data = path.read_bytes()
    content, _, trailer = data.rstrip(b"\n").rpartition(b"\n")
    content = content + b"\n" if content else b""
    if trailer != CHECKSUM_LINE + hashlib.sha256(content).hexdigest().encode():
        return None
    return content


def slow_step_warning(tool: str, triples: int, rate: int, how_to_skip: str) -> str:
    """A warning, before a step that may take long for this input, with its estimate and how to skip it.

    '' below LARGE_INPUT triples. The rates were measured on the CLIP graph on a 2-core
    machine; both tools slow down faster than linearly, so the estimate is a lower bound.

    >>> slow_step_warning("pySHACL", 5_000, 1_000, "leave out --shapes")
    ''
    >>> slow_step_warning("pySHACL", 600_000, 1_000, "leave out --shapes")
    'pySHACL on 600,000 triples: at least 10 min at 1,000 triples/s measured here; leave out --shapes'
    """
    if triples < LARGE_INPUT:
        return ""
    seconds = triples / rate
    estimate = f"{seconds / 60:.0f} min" if seconds >= 120 else f"{seconds:.0f} s"
    return f"{tool} on {triples:,} triples: at least {estimate} at {rate:,} triples/s measured here; {how_to_skip}"


def _fingerprint(*groups: tuple[Path, ...], extra: str = "") -> str:
    """SHA-256 of the files a cached result depends on, and of the tools that made it."""
    tools = f"{CACHE_FORMAT} owlready2 {version('owlready2')} pyshacl {version('pyshacl')}{extra}"
    digest = hashlib.sha256(tools.encode())
    for group in groups:
        digest.update(b"\x00group")
        for path in group:
            digest.update(path.name.encode())
            with path.open("rb") as stream:
                while block := stream.read(1 << 22):
                    digest.update(block)
    return digest.hexdigest()[:32]


def _assemble(base: str, ontology: Graph, asserted: Graph, inferred: Graph, data: Dataset) -> Dataset:
    dataset = Dataset()
    dataset.namespace_manager = NamespaceManager(Graph(), bind_namespaces="core")
    for name, graph in (("ontology", ontology), ("asserted", asserted), ("inferred", inferred)):
        target = dataset.graph(URIRef(graph_iri(base, name)))
        for triple in graph:
            target.add(tuple(rebase(term, base) for term in triple))  # type: ignore[arg-type]
    for named in data.graphs():
        if isinstance(named.identifier, URIRef) and named.identifier != data.default_graph.identifier:
            target = dataset.graph(URIRef(str(rebase(named.identifier, base))))
            for triple in named:
                target.add(tuple(rebase(term, base) for term in triple))  # type: ignore[arg-type]
    for prefix, namespace in ontology.namespaces():
        dataset.bind(prefix, rebase(URIRef(namespace), base), override=True, replace=True)
    return dataset


def rebase(term: Node, base: str) -> Node:
    """Move an IRI under the canonical CLIP base to ``base``; leave other terms alone.

    >>> str(rebase(URIRef("https://w3id.org/clip-network/id/city/vienna"), "http://127.0.0.1:5000/"))
    'http://127.0.0.1:5000/id/city/vienna'
    """
    if base == CANONICAL_BASE:
        return term
    move = iri_mover(base)
    if isinstance(term, URIRef):
        return URIRef(move(str(term)))
    if isinstance(term, Literal):
        value = move(str(term))  # e.g. vann:preferredNamespaceUri "…/def/"
        datatype = URIRef(move(str(term.datatype))) if term.datatype is not None else None
        if value != str(term) or datatype != term.datatype:
            return Literal(value, lang=term.language, datatype=datatype)
    return term
