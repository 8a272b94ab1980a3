"""The one per-load state: what the site computes once per data load and shares between requests.

The data is read-only between loads, so everything here is computed once (before gunicorn
forks its workers) or once on first use, then shared: the engine, the executor, the named
queries, the dump files, the dataset facts and any document built from them.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cached_property
from typing import Any, TypeVar

from flask import current_app
from rdflib import Dataset, Graph

from server.config import Settings
from server.engine.answers import AnswerCache
from server.engine.catalogue import NamedQuery, catalogue
from server.engine.embedded import EmbeddedEngine
from server.engine.executor import QueryExecutor
from server.engine.interface import Engine
from server.errors import BadInput, KgError
from server.kg.build import KnowledgeGraph
from server.kg.dumps import DumpFile, dump_files, nquads_of
from server.urls import Urls
from server.views.facts import DatasetFacts, dataset_facts

T = TypeVar("T")
CACHE_LIMIT = 64
"""Documents kept per load; bounded because some keys (the Host a client sends) are the client's to choose."""


@dataclass(eq=False)
class AppState:
    """The loaded knowledge graph and everything derived from it (satisfies ``views.Published``)."""

    settings: Settings
    kg: KnowledgeGraph
    engine: Engine
    executor: QueryExecutor
    queries: dict[str, NamedQuery]
    dumps: tuple[DumpFile, ...]
    facts: DatasetFacts
    answers: AnswerCache
    loaded_at: datetime = field(default_factory=lambda: datetime.now(UTC).replace(microsecond=0))
    _cache: dict[Any, Any] = field(default_factory=dict, init=False, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False, repr=False)

    @classmethod
    def load(cls, kg: KnowledgeGraph, settings: Settings) -> AppState:
        """Fill the engine, check the named queries, serialize the dumps and gather the facts, once.

        Named queries belong to the CLIP graph and are only offered when it is the data served.
        """
        nquads = nquads_of(kg.dataset)  # made once: the engine and the dumps both start from it
        engine = EmbeddedEngine(nquads=nquads)
        executor = QueryExecutor(engine, processes=settings.query_pool_size, timeout=settings.query_timeout)
        queries = catalogue(base=settings.base_uri) if settings.is_clip else {}
        check_named_queries(engine, queries)
        facts = dataset_facts(engine, kg.base, kg.graph_names())
        answers = AnswerCache(settings.answer_cache_bytes)
        dumps = dump_files(kg.dataset, settings.cache_dir / f"dumps-{kg.version}", nquads=nquads)
        return cls(settings, kg, engine, executor, queries, dumps, facts, answers)

    @property
    def base(self) -> str:
        """The public base of every IRI in the data."""
        return self.kg.base

    @cached_property
    def urls(self) -> Urls:
        """IRIs ↔ paths under the data's base."""
        return Urls(self.kg.base)

    @property
    def dataset(self) -> Dataset:
        """The built dataset (rdflib), for documents that keep the data's own datatypes."""
        return self.kg.dataset

    @property
    def ontology(self) -> Graph:
        """The ontology graph as loaded."""
        return self.kg.graph("ontology")

    @cached_property
    def prefixes(self) -> tuple[tuple[str, str], ...]:
        """The data's (prefix, namespace) pairs, longest namespace first."""
        bound = [(prefix, str(namespace)) for prefix, namespace in self.kg.dataset.namespaces() if prefix]
        return tuple(sorted(bound, key=lambda pair: -len(pair[1])))

    def remember(self, key: Any, compute: Callable[[], T]) -> T:
        """A value computed once per load under ``key`` (at most CACHE_LIMIT kept)."""
        with self._lock:
            if key in self._cache:
                return self._cache[key]  # type: ignore[no-any-return]
        value = compute()
        with self._lock:
            if len(self._cache) >= CACHE_LIMIT:
                self._cache.clear()
            self._cache[key] = value
        return value


def check_named_queries(engine: Engine, queries: dict[str, NamedQuery]) -> None:
    """Run every named query once with its example values; a failure stops the start.

    Raises:
        BadInput: naming the query file and the engine's complaint.
    """
    for name, query in queries.items():
        try:
            engine.rows(query.text, **query.substitutions(dict(query.examples)))
        except (KgError, RuntimeError, ValueError, OSError) as error:
            raise BadInput(f"queries/{name}.rq does not run with its example values: {error}") from None


def state() -> AppState:
    """The state of the current application."""
    value = current_app.extensions["kg"]
    if not isinstance(value, AppState):
        raise RuntimeError("the application has no knowledge graph loaded")
    return value
