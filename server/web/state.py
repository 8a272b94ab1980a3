"""What the web application computes once per data load and shares between requests."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from flask import current_app

from server.config import Settings
from server.engine.catalogue import NamedQuery, catalogue
from server.engine.executor import QueryExecutor
from server.engine.store import Store
from server.errors import BadInput, KgError
from server.formats import RDF_FORMATS, Format
from server.kg.build import KnowledgeGraph
from server.kg.dumps import serialize


@dataclass
class AppState:
    """The loaded knowledge graph, its query store and its dumps."""

    kg: KnowledgeGraph
    store: Store
    executor: QueryExecutor
    queries: dict[str, NamedQuery]
    dumps: dict[str, bytes] = field(default_factory=dict)

    @classmethod
    def load(cls, kg: KnowledgeGraph, settings: Settings) -> AppState:
        """Fill the store, prepare the named queries and serialize every dump, once.

        The data is read-only afterwards. Named queries belong to the CLIP graph and are
        only offered when it is the data being served.
        """
        store = Store(kg.dataset)
        executor = QueryExecutor(store, processes=settings.query_pool_size, timeout=settings.query_timeout)
        queries = catalogue(base=settings.base_uri) if settings.is_clip else {}
        check_named_queries(store, queries)
        state = cls(kg=kg, store=store, executor=executor, queries=queries)
        for fmt in RDF_FORMATS:
            state.dumps[fmt.name] = serialize(kg.dataset, fmt)
        return state

    def dump(self, fmt: Format) -> bytes:
        """The serialized dataset in one RDF format."""
        return self.dumps[fmt.name]


def check_named_queries(store: Store, queries: dict[str, NamedQuery]) -> None:
    """Run every named query once with its example values; a failure stops the start.

    Raises:
        BadInput: naming the query file and the engine's complaint.
    """
    for name, query in queries.items():
        try:
            results = store.select(query.text, substitutions=query.substitutions(dict(query.examples)))
            if isinstance(results, Iterable):
                for _ in results:
                    pass
        except (KgError, RuntimeError, ValueError, OSError) as error:
            raise BadInput(f"queries/{name}.rq does not run with its example values: {error}") from None


def state() -> AppState:
    """The state of the current application."""
    value = current_app.extensions["kg"]
    if not isinstance(value, AppState):
        raise RuntimeError("the application has no knowledge graph loaded")
    return value
