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
from rdflib import Graph

from server.config import Settings
from server.engine.answers import AnswerCache
from server.engine.catalogue import NamedQuery, catalogue
from server.engine.embedded import EmbeddedEngine
from server.engine.executor import QueryExecutor
from server.engine.interface import Engine
from server.errors import BadInput, KgError
from server.kg.build import LARGE_INPUT, KnowledgeGraph
from server.kg.dumps import DumpFile, write_dumps, write_dumps_in_background, written_dumps
from server.kg.progress import Progress, silent
from server.urls import Urls
from server.views.facts import DatasetFacts, stored_facts

T = TypeVar("T")
FACTS_FILE = "facts.json"
"""The dataset facts of a data version, kept in its store folder: gathered by the first start only."""
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
    facts: DatasetFacts
    answers: AnswerCache
    loaded_at: datetime = field(default_factory=lambda: datetime.now(UTC).replace(microsecond=0))
    _dumps: tuple[DumpFile, ...] | None = field(default=None, init=False, repr=False)
    _cache: dict[Any, Any] = field(default_factory=dict, init=False, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False, repr=False)

    @classmethod
    def load(cls, kg: KnowledgeGraph, settings: Settings, progress: Progress = silent) -> AppState:
        """Open the store, check the named queries, read (or gather once) the facts, see to the dumps.

        Named queries belong to the CLIP graph and are only offered when it is the data served.
        The dump files of a small dataset are written before serving (about a second); those
        of a large one by a background process, while the site already answers.
        """
        engine = EmbeddedEngine.on_disk(kg.store_path, kg.changed_literals_path)
        executor = QueryExecutor(engine, processes=settings.query_pool_size, timeout=settings.query_timeout)
        queries = catalogue(base=settings.base_uri) if settings.is_clip else {}
        check_named_queries(engine, queries)
        facts = stored_facts(engine, kg.base, kg.graph_names(), kg.folder / FACTS_FILE)
        answers = AnswerCache(settings.answer_cache_bytes)
        if kg.quads < LARGE_INPUT:
            write_dumps(kg.dumps_folder, kg.write_as, progress)
        else:
            write_dumps_in_background(kg.dumps_folder, kg.write_as, progress)
        return cls(settings, kg, engine, executor, queries, facts, answers)

    @property
    def base(self) -> str:
        """The public base of every IRI in the data."""
        return self.kg.base

    @cached_property
    def urls(self) -> Urls:
        """IRIs ↔ paths under the data's base."""
        return Urls(self.kg.base)

    @property
    def ontology(self) -> Graph:
        """The ontology graph as built."""
        return self.kg.ontology

    @property
    def prefixes(self) -> tuple[tuple[str, str], ...]:
        """The data's (prefix, namespace) pairs, longest namespace first."""
        return self.kg.prefixes

    @property
    def dumps(self) -> tuple[DumpFile, ...]:
        """The dump files of this data version; none while a background process still writes them."""
        if self._dumps is None:
            self._dumps = written_dumps(self.kg.dumps_folder)
        return self._dumps or ()

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
