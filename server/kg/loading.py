"""Parse RDF files into rdflib graphs, turning every failure into a located message.

rdflib does the parsing. Where its error carries no position (N-Triples, N-Quads), the
file is parsed once more with Oxigraph's parser, whose errors give line and column.
"""

from __future__ import annotations

import json
import logging
import re
import xml.sax
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from rdflib import Dataset, Graph, Literal
from rdflib.namespace import XSD, NamespaceManager
from rdflib.plugins.parsers.notation3 import BadSyntax

from server.engine.rdfio import syntax_error
from server.errors import BadInput, DataSyntaxError
from server.formats import RDF_FORMATS
from server.kg.progress import Progress, silent

RDFLIB_FORMATS = {
    ".ttl": "turtle",
    ".nt": "nt",
    ".nq": "nquads",
    ".trig": "trig",
    ".jsonld": "json-ld",
    ".json": "json-ld",
    ".rdf": "xml",
    ".owl": "xml",
    ".xml": "xml",
}
QUAD_FORMATS = {"nquads", "trig", "json-ld"}
# Lexical forms rdflib does not check itself (it returns ill_typed None for these).
LEXICAL_PATTERNS = {
    XSD.gYear: re.compile(r"-?\d{4,}(Z|[+-]\d{2}:\d{2})?"),
    XSD.gYearMonth: re.compile(r"-?\d{4,}-(0[1-9]|1[0-2])(Z|[+-]\d{2}:\d{2})?"),
    XSD.anyURI: re.compile(r"[^\s<>\"{}|\\^`]*"),
}


def rdf_format(path: Path) -> str:
    """Return rdflib's format name for a file, from its extension.

    >>> rdf_format(Path("graph/cities.ttl"))
    'turtle'
    """
    try:
        return RDFLIB_FORMATS[path.suffix.lower()]
    except KeyError:
        known = ", ".join(sorted(RDFLIB_FORMATS))
        raise BadInput(f"{path}: unknown RDF file extension {path.suffix!r} (known: {known})") from None


def parse_into(target: Graph, path: Path) -> None:
    """Parse one RDF file into ``target`` (a Dataset for quad formats).

    Raises:
        BadInput: the file cannot be read or has an unknown extension.
        DataSyntaxError: the file does not parse, or holds an ill-typed literal.
    """
    fmt = rdf_format(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise BadInput(f"{path}: cannot read the file: {error}") from None
    scratch: Graph = Graph(bind_namespaces="core")
    if fmt in QUAD_FORMATS:
        scratch = Dataset()
        scratch.namespace_manager = NamespaceManager(Graph(), bind_namespaces="core")
    with _quiet_rdflib():
        try:
            scratch.parse(data=text, format=fmt, publicID=path.resolve().as_uri())
        except Exception as error:  # rdflib's parsers raise many unrelated types
            raise _syntax_error(path, text, fmt, error) from None
    _check_literals(path, text, scratch)
    _merge(scratch, target)


def _merge(source: Graph, target: Graph) -> None:
    """Copy parsed triples and prefixes into the target; named graphs stay named in a Dataset."""
    for prefix, namespace in source.namespaces():
        if prefix and not prefix.startswith(("ns", "_")):
            target.bind(prefix, namespace, override=True, replace=True)
    if not isinstance(target, Dataset):
        for triple in source.triples((None, None, None)):
            target.add(triple)
        return
    if not isinstance(source, Dataset):
        for triple in source.triples((None, None, None)):
            target.default_graph.add(triple)
        return
    for graph in source.graphs():
        named = graph.identifier != source.default_graph.identifier
        destination = target.graph(graph.identifier) if named else target.default_graph
        for triple in graph.triples((None, None, None)):
            destination.add(triple)


def parse_files(paths: Sequence[Path], progress: Progress = silent) -> Graph:
    """Parse several files into one graph (named graphs of quad files are merged)."""
    graph = Graph(bind_namespaces="core")
    for number, path in enumerate(paths, start=1):
        progress(f"parsing {path} ({number}/{len(paths)})")
        parse_into(graph, path)
    return graph


def _syntax_error(path: Path, text: str, fmt: str, error: Exception) -> DataSyntaxError:
    if isinstance(error, BadSyntax):
        line, column = _position(text, error._i)
        return DataSyntaxError(str(path), error._why, line, column)
    if isinstance(error, xml.sax.SAXParseException):
        sax_line: int | None = error.getLineNumber()
        sax_column: int | None = error.getColumnNumber()
        return DataSyntaxError(str(path), error.getMessage(), sax_line, None if sax_column is None else sax_column + 1)
    if isinstance(error, json.JSONDecodeError):
        return DataSyntaxError(str(path), error.msg, error.lineno, error.colno)
    located = _oxigraph_error(text, fmt)
    if located is not None:
        message, line, column = located
        return DataSyntaxError(str(path), message, line, column)
    return DataSyntaxError(str(path), str(error) or type(error).__name__)


def _position(text: str, index: int) -> tuple[int, int]:
    line = text.count("\n", 0, index) + 1
    column = index - (text.rfind("\n", 0, index) + 1) + 1
    return line, column


def _oxigraph_error(text: str, fmt: str) -> tuple[str, int, int] | None:
    """Where the engine's parser finds the first syntax error of a text in an rdflib format."""
    registered = next((f for f in RDF_FORMATS if f.rdflib_name == fmt and f.oxigraph_rdf is not None), None)
    if registered is None or fmt == "json-ld":
        return None
    return syntax_error(text.encode("utf-8"), registered)


def _check_literals(path: Path, text: str, graph: Graph) -> None:
    for literal in graph.objects(None, None):
        if isinstance(literal, Literal) and literal.datatype is not None and _ill_typed(literal):
            lexical = str(literal)
            index = text.find(f'"{lexical}"')
            line = text.count("\n", 0, index) + 1 if index >= 0 else None
            raise DataSyntaxError(
                str(path),
                f'"{lexical}" is not a valid {literal.datatype.n3()} value (ill-typed literal)',
                line,
            )


def _ill_typed(literal: Literal) -> bool:
    if literal.ill_typed:
        return True
    pattern = LEXICAL_PATTERNS.get(literal.datatype)  # type: ignore[arg-type]
    return pattern is not None and pattern.fullmatch(str(literal)) is None


@contextmanager
def _quiet_rdflib() -> Iterator[None]:
    """rdflib logs a traceback for every ill-typed literal; we report them ourselves."""
    logger = logging.getLogger("rdflib.term")
    level = logger.level
    logger.setLevel(logging.CRITICAL)
    try:
        yield
    finally:
        logger.setLevel(level)
