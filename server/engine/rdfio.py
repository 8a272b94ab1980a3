"""The engine's RDF parsers and serializers, for what rdflib does slowly or vaguely.

rdflib's parsers report many syntax errors without a line and column; pyoxigraph's give
both, so the build asks here where a file it could not parse goes wrong. rdflib's
serializers take minutes for a million triples; pyoxigraph's stream them in seconds,
and its parser keeps every literal's datatype as written (its store does not: it loads
xsd:positiveInteger as xsd:integer, oxigraph#526), so dumps are converted here from
N-Quads without passing through a store.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import BinaryIO, TypeVar

import pyoxigraph
import rdflib

from server.errors import NotWritable
from server.formats import Format

XML_NAME_END = re.compile(r"[^\W\d][\w.-]*$")
"""An XML name at the end of an IRI: RDF/XML writes a property as namespace + this name, or not at all."""
T = TypeVar("T", pyoxigraph.Triple, pyoxigraph.Quad)


def rdfxml_can_write(predicate: str) -> bool:
    """True when RDF/XML can write a property with this IRI (it ends in an XML name).

    >>> rdfxml_can_write("http://example.org/a1"), rdfxml_can_write("http://example.org/1a")
    (True, True)
    >>> rdfxml_can_write("http://example.org/1"), rdfxml_can_write("http://example.org/x#")
    (False, False)
    """
    return XML_NAME_END.search(predicate) is not None


def unwritable(predicate: str) -> NotWritable:
    return NotWritable(
        f"the answer has a property RDF/XML cannot write ({predicate}: its IRI does not end in an XML name); "
        "ask for Turtle, N-Triples or JSON-LD"
    )


def writable(statements: Iterable[T], fmt: Format) -> Iterator[T]:
    """The triples or quads as they come, checked for ``fmt`` on the way (pyoxigraph writes invalid XML
    for a property RDF/XML cannot write, where it should refuse).

    Raises:
        NotWritable: at the first statement ``fmt`` cannot write.
    """
    for statement in statements:
        if fmt.name == "rdf" and not rdfxml_can_write(statement.predicate.value):
            raise unwritable(statement.predicate.value)
        yield statement


def graph_bytes(graph: rdflib.Graph, fmt: Format) -> bytes:
    """An rdflib graph serialized as ``fmt``, refused with NotWritable (406) rather than a ValueError (500)."""
    if fmt.name == "rdf":
        for predicate in sorted({str(p) for p in graph.predicates()}):
            if not rdfxml_can_write(predicate):
                raise unwritable(predicate)
    return graph.serialize(format=fmt.rdflib_name or "turtle", encoding="utf-8")


def syntax_error(data: bytes, fmt: Format) -> tuple[str, int, int] | None:
    """The first syntax error of an RDF document as (message, line, column), or None if it parses.

    >>> from server.formats import by_name
    >>> syntax_error(b"<a> <b> .", by_name("nt"))[1:]
    (1, 1)
    >>> syntax_error(b"<http://e/a> <http://e/b> <http://e/c> .", by_name("nt")) is None
    True
    """
    if fmt.oxigraph_rdf is None:
        return None
    try:
        for _ in pyoxigraph.parse(data, format=fmt.oxigraph_rdf, base_iri="http://localhost/"):
            pass
    except SyntaxError as error:
        message = str(error.msg).split(": ", 1)[-1] if ": " in str(error.msg) else str(error.msg)
        return message, error.lineno or 0, error.offset or 0
    return None


def iris_in(data: bytes, fmt: Format) -> Iterator[str]:
    """Every IRI in subject or object position of an RDF document, as it is read."""
    for quad in pyoxigraph.parse(data, format=fmt.oxigraph_rdf):
        for term in (quad.subject, quad.object):
            if isinstance(term, pyoxigraph.NamedNode):
                yield term.value


def convert_nquads(nquads: bytes, fmt: Format, output: BinaryIO, prefixes: Mapping[str, str]) -> None:
    """Write N-Quads as ``fmt``: named graphs kept where the format has them, else their union.

    The union holds each triple once, however many graphs hold it (as a set of triples does).
    """
    if fmt.oxigraph_rdf is None:
        raise ValueError(f"{fmt.name} is not an RDF format")
    quads = pyoxigraph.parse(nquads, format=pyoxigraph.RdfFormat.N_QUADS)
    shown = dict(prefixes) if fmt.name in ("ttl", "trig") else {}
    if fmt.keeps_graphs:
        pyoxigraph.serialize(quads, output, format=fmt.oxigraph_rdf, prefixes=shown)
    else:
        pyoxigraph.serialize(writable(_distinct_triples(quads), fmt), output, format=fmt.oxigraph_rdf, prefixes=shown)


def _distinct_triples(quads: Iterator[pyoxigraph.Quad]) -> Iterator[pyoxigraph.Triple]:
    seen: set[pyoxigraph.Triple] = set()
    for quad in quads:
        triple = quad.triple
        if triple not in seen:
            seen.add(triple)
            yield triple


def dump_store(
    path: Path, fmt: Format | None = None, output: BinaryIO | None = None, prefixes: Mapping[str, str] | None = None
) -> bytes:
    """Write the on-disk store at ``path`` as ``fmt`` (default N-Quads) to ``output``, or return the bytes.

    A format without graphs gets the union of all graphs, each triple once: the default
    graph first, then the triples of named graphs that it does not hold already.
    """
    store = pyoxigraph.Store.read_only(str(path))
    rdf = fmt.oxigraph_rdf if fmt is not None else pyoxigraph.RdfFormat.N_QUADS
    if rdf is None or fmt is not None and fmt.oxigraph_rdf is None:
        raise ValueError(f"{fmt} is not an RDF format")
    shown = dict(prefixes or {}) if fmt is not None and fmt.name in ("ttl", "trig") else {}
    if fmt is None or fmt.keeps_graphs:
        return (
            pyoxigraph.serialize(store.quads_for_pattern(None, None, None, None), output, format=rdf, prefixes=shown)
            or b""
        )
    return pyoxigraph.serialize(writable(_union_triples(store), fmt), output, format=rdf, prefixes=shown) or b""


def _union_triples(store: pyoxigraph.Store) -> Iterator[pyoxigraph.Triple]:
    default = pyoxigraph.DefaultGraph()
    for quad in store.quads_for_pattern(None, None, None, default):
        yield quad.triple
    seen: set[pyoxigraph.Triple] = set()
    for quad in store.quads_for_pattern(None, None, None, None):
        if isinstance(quad.graph_name, pyoxigraph.DefaultGraph):
            continue
        triple = quad.triple
        if triple in seen or next(
            store.quads_for_pattern(triple.subject, triple.predicate, triple.object, default), None
        ):
            continue
        seen.add(triple)
        yield triple


def dump_graph(path: Path, graph: str | None, output: BinaryIO) -> int:
    """Write one graph (None: the default graph) of the store at ``path`` as N-Triples; return its triples."""
    store = pyoxigraph.Store.read_only(str(path))
    name = pyoxigraph.DefaultGraph() if graph is None else pyoxigraph.NamedNode(graph)
    counted = 0

    def triples() -> Iterator[pyoxigraph.Triple]:
        nonlocal counted
        for quad in store.quads_for_pattern(None, None, None, name):
            counted += 1
            yield quad.triple

    pyoxigraph.serialize(triples(), output, format=pyoxigraph.RdfFormat.N_TRIPLES)
    return counted


def canonical_nquads(nquads: bytes) -> bytes:
    r"""The same quads in one order and with canonical blank node labels (W3C RDF Dataset Canonicalization,
    RDFC-1.0, by pyoxigraph), so that two builds of the same data write byte-identical files (rdflib's
    labels and order change from run to run). Literals keep the forms the data wrote.

    >>> a = b'_:x <http://e/p> "01"^^<http://e/t> .\n<http://e/s> <http://e/q> _:x .\n'
    >>> b = b'<http://e/s> <http://e/q> _:other .\n_:other <http://e/p> "01"^^<http://e/t> .\n'
    >>> canonical_nquads(a) == canonical_nquads(b)
    True
    >>> print(canonical_nquads(a).decode(), end="")
    <http://e/s> <http://e/q> _:c14n0 .
    _:c14n0 <http://e/p> "01"^^<http://e/t> .
    """
    dataset = pyoxigraph.Dataset(pyoxigraph.parse(nquads, format=pyoxigraph.RdfFormat.N_QUADS))
    dataset.canonicalize(pyoxigraph.CanonicalizationAlgorithm.RDFC_1_0)
    lines = (pyoxigraph.serialize(dataset, format=pyoxigraph.RdfFormat.N_QUADS) or b"").splitlines(keepends=True)
    return b"".join(sorted(lines))
