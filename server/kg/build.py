"""The build: load → validate with SHACL → reason with OWL → one dataset of named graphs.

Nothing here knows about HTTP. Every step reports progress; any failure raises before
anything is written or served, so a bad input never replaces a good dataset.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from importlib.metadata import version
from pathlib import Path

from rdflib import Dataset, Graph, Literal, URIRef
from rdflib.namespace import NamespaceManager
from rdflib.term import Node

from server.config import Inputs, Settings, resolve_inputs
from server.errors import NotConforming
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
CACHE_FORMAT = 1  # bump when the content of cached inferred graphs changes


@dataclass
class KnowledgeGraph:
    """The built dataset and what the build found out about it."""

    dataset: Dataset
    base: str
    validation: ValidationReport | None
    inferred_from_cache: bool
    version: str
    """The data version: a fingerprint of everything the dataset is made from."""

    def graph(self, name: str) -> Graph:
        """One of the named graphs: 'ontology', 'asserted' or 'inferred'."""
        return self.dataset.graph(URIRef(graph_iri(self.base, name)))

    def graph_names(self) -> list[str]:
        """IRIs of the named graphs that hold triples."""
        return sorted(str(g.identifier) for g in self.dataset.graphs() if len(g) and isinstance(g.identifier, URIRef))


def build(settings: Settings, progress: Progress = silent) -> KnowledgeGraph:
    """Build the knowledge graph the settings describe.

    Raises:
        BadInput: an input file is missing or does not parse.
        NotConforming: the data breaks the shapes (the report is in the message).
        InconsistentData: the ontology plus data is inconsistent.
        ReasonerUnavailable: reasoning is on and HermiT cannot run.
    """
    inputs = resolve_inputs(settings)
    ontology = parse_files(inputs.ontology, progress)
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
    fingerprint = data_version(settings, inputs)
    return KnowledgeGraph(dataset, settings.base_uri, report, cached, fingerprint)


def data_version(settings: Settings, inputs: Inputs) -> str:
    """A fingerprint of the inputs and of every setting and tool that shapes the built dataset."""
    made_by = f"base={settings.base_uri} reasoning={settings.reasoning} rdflib {version('rdflib')}"
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
        progress(f"using inferred triples cached in {cache}")
        return Graph().parse(cache, format="nt"), True
    if warning := slow_step_warning("HermiT", len(asserted), HERMIT_RATE, "to skip reasoning, pass --no-reasoning"):
        progress(warning)
    result = reason(ontology, asserted, progress)
    progress(f"reasoning took {result.seconds:.1f} s")
    cache.parent.mkdir(parents=True, exist_ok=True)
    partial = cache.with_suffix(".tmp")
    result.inferred.serialize(partial, format="nt", encoding="utf-8")
    partial.replace(cache)
    return result.inferred, False


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
            digest.update(path.read_bytes())
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
    if isinstance(term, URIRef) and str(term).startswith(CANONICAL_BASE):
        return URIRef(base + str(term)[len(CANONICAL_BASE) :])
    if isinstance(term, Literal):
        value = str(term)
        if value.startswith(CANONICAL_BASE):  # e.g. vann:preferredNamespaceUri "…/def/"
            value = base + value[len(CANONICAL_BASE) :]
        datatype = term.datatype
        if datatype is not None and str(datatype).startswith(CANONICAL_BASE):
            datatype = URIRef(base + str(datatype)[len(CANONICAL_BASE) :])
        if value != str(term) or datatype != term.datatype:
            return Literal(value, lang=term.language, datatype=datatype)
    return term
