"""The data version marker: one triple, in a graph of its own, that says which data version an engine holds.

``clip-kg push`` writes it after the data; ``clip-kg serve --engine`` asks for it at start
and refuses an engine that holds another version (or none), so a site never pages over
data it was not built for.
"""

from __future__ import annotations

from server.namespaces import graph_iri

VERSION_INFO = "http://www.w3.org/2002/07/owl#versionInfo"


def marker_graph(base: str) -> str:
    """The IRI of the marker's graph (and of its subject).

    >>> marker_graph("http://example.org/")
    'http://example.org/graph/version'
    """
    return graph_iri(base, "version")


def marker_nquads(base: str, version: str) -> bytes:
    """The marker as one N-Quads line.

    >>> marker_nquads("http://e/", "abc").decode()
    '<http://e/graph/version> <http://www.w3.org/2002/07/owl#versionInfo> "abc" <http://e/graph/version> .\\n'
    """
    graph = marker_graph(base)
    return f'<{graph}> <{VERSION_INFO}> "{version}" <{graph}> .\n'.encode()
