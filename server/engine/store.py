"""The query engine behind one small interface: an embedded pyoxigraph store.

The dataset is read-only between loads, so the store is filled once from the built
dataset (as N-Quads) and only queried afterwards.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import pyoxigraph
from rdflib import Dataset

from server.errors import QuerySyntaxError


class Store:
    """An in-memory pyoxigraph store holding one dataset of named graphs."""

    def __init__(self, dataset: Dataset):
        self._store = pyoxigraph.Store()
        nquads = dataset.serialize(format="nquads", encoding="utf-8")
        self._store.bulk_load(nquads, format=pyoxigraph.RdfFormat.N_QUADS)

    def __len__(self) -> int:
        return len(self._store)

    def mentions(self, iri: str) -> bool:
        """True when the IRI is the subject or object of some triple in any graph."""
        node = pyoxigraph.NamedNode(iri)
        for _ in self._store.quads_for_pattern(node, None, None, None):
            return True
        for _ in self._store.quads_for_pattern(None, None, node, None):
            return True
        return False

    def quads_about(self, iri: str) -> tuple[list[pyoxigraph.Quad], list[pyoxigraph.Quad]]:
        """The quads with the IRI as subject, and those with it as object, in every graph."""
        node = pyoxigraph.NamedNode(iri)
        outgoing = list(self._store.quads_for_pattern(node, None, None, None))
        incoming = list(self._store.quads_for_pattern(None, None, node, None))
        return outgoing, incoming

    def graph_sizes(self) -> dict[str, int]:
        """Number of triples in each named graph, by graph IRI."""
        sizes: dict[str, int] = {}
        for quad in self._store:
            name = quad.graph_name
            key = name.value if isinstance(name, pyoxigraph.NamedNode) else ""
            sizes[key] = sizes.get(key, 0) + 1
        return sizes

    def select(
        self,
        query: str,
        default_graphs: Sequence[str] = (),
        named_graphs: Sequence[str] = (),
        substitutions: Mapping[pyoxigraph.Variable, object] | None = None,
    ) -> object:
        """Run a query; the default graph is the union of all graphs unless graphs are named.

        ``substitutions`` binds variables to terms before evaluation (SPARQL SEP-0007), which
        is how named-query parameters reach the query without touching its text.

        Raises:
            QuerySyntaxError: the query does not parse.
        """
        options: dict[str, object] = {"substitutions": dict(substitutions)} if substitutions else {}
        if default_graphs:
            options["default_graph"] = [pyoxigraph.NamedNode(g) for g in default_graphs]
        else:
            options["use_default_graph_as_union"] = True
        if named_graphs:
            options["named_graphs"] = [pyoxigraph.NamedNode(g) for g in named_graphs]
        try:
            return self._store.query(query, **options)  # type: ignore[arg-type]
        except SyntaxError as error:
            raise QuerySyntaxError(f"SPARQL syntax error: {error}") from None


def serialized_bytes(serialized: bytes | None) -> bytes:
    """pyoxigraph's serialize returns bytes when given no output file."""
    if serialized is None:
        raise TypeError("expected serialized bytes")
    return serialized
