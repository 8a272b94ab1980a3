"""The engine's RDF parsers, for what rdflib does not do well: locating syntax errors, streaming IRIs.

rdflib's parsers report many syntax errors without a line and column; pyoxigraph's give
both, so the build asks here where a file it could not parse goes wrong.
"""

from __future__ import annotations

from collections.abc import Iterator

import pyoxigraph

from server.formats import Format


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
