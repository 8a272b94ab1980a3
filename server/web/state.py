"""The one per-load state: what the site computes once per data load and shares between requests.

The data is read-only between loads, so everything here is computed once (before gunicorn
forks its workers) or once on first use, then shared: the engine, the executor, the named
queries, the dump files, the dataset facts and any document built from them.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cached_property
from pathlib import Path
from typing import Any, TypeVar

from flask import current_app
from rdflib import Graph

from server.config import Settings
from server.engine.answers import AnswerCache
from server.engine.catalogue import NamedQuery, catalogue
from server.engine.embedded import EmbeddedEngine
from server.engine.executor import Executor, InlineExecutor, QueryExecutor
from server.engine.interface import Engine
from server.engine.remote import RemoteEngine
from server.errors import BadInput, EngineMismatch, KgError, StatisticsPending
from server.kg.build import FACTS_FILE, LARGE_INPUT, KnowledgeGraph
from server.kg.dumps import DumpFile, dumps_step, written_dumps
from server.kg.marker import marker_graph
from server.kg.once import Step, run_in_background, run_now
from server.kg.progress import Progress, silent
from server.urls import Urls
from server.views.facts import DatasetFacts, load_facts, stored_facts

T = TypeVar("T")
CACHE_LIMIT = 512
"""Values kept per load, the least recently used dropped first: bounded, since facet states are keyed by
what the client asks for."""


@dataclass(eq=False)
class AppState:
    """The loaded knowledge graph and everything derived from it (satisfies ``views.Published``)."""

    settings: Settings
    kg: KnowledgeGraph
    engine: Engine
    executor: Executor
    queries: dict[str, NamedQuery]
    answers: AnswerCache
    loaded_at: datetime = field(default_factory=lambda: datetime.now(UTC).replace(microsecond=0))
    _dumps: tuple[DumpFile, ...] | None = field(default=None, init=False, repr=False)
    _facts: DatasetFacts | None = field(default=None, init=False, repr=False)
    _cache: OrderedDict[Any, Any] = field(default_factory=OrderedDict, init=False, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False, repr=False)

    @classmethod
    def load(cls, kg: KnowledgeGraph, settings: Settings, progress: Progress = silent, wait: bool = False) -> AppState:
        """Open the store, check the named queries, and see to the facts and dumps of the data version.

        Named queries belong to the CLIP graph and are only offered when it is the data served.
        The facts and dump files of a small dataset are made before serving (about a second);
        those of a large one by a background process, while the site already answers, unless
        ``wait`` asks for them before returning.
        """
        engine, executor = open_engine(kg, settings)
        queries = catalogue(base=kg.base) if kg.clip else {}
        check_named_queries(engine, queries)
        answers = AnswerCache(settings.answer_cache_bytes)
        current = cls(settings, kg, engine, executor, queries, answers)
        steps = [current.facts_step(progress), dumps_step(kg.dumps_folder, kg.write_as, progress)]
        if wait or kg.quads < LARGE_INPUT:
            run_now(steps)
        else:
            run_in_background(steps)
        return current

    def facts_step(self, progress: Progress) -> Step:
        """Gathering the dataset facts once per data version, into its store folder."""
        path = self.kg.folder / FACTS_FILE

        def work() -> None:
            started = time.monotonic()
            progress("gathering the dataset's statistics (triples, subjects, classes, properties)")
            stored_facts(self.engine, self.kg.base, self.kg.graph_names(), path)
            progress(f"statistics gathered in {time.monotonic() - started:.1f} s")

        return Step("facts", path.with_suffix(".lock"), lambda: load_facts(path) is not None, work)

    @property
    def facts(self) -> DatasetFacts:
        """The dataset facts of this data version.

        Raises:
            StatisticsPending: a background process is still gathering them.
        """
        if self._facts is None:
            self._facts = load_facts(self.kg.folder / FACTS_FILE)
        if self._facts is None:
            raise StatisticsPending(
                "the statistics of this data version are still being gathered (the data was loaded "
                f"{(datetime.now(UTC) - self.loaded_at).seconds} s ago); the SPARQL endpoint and the "
                "resource pages already answer"
            )
        return self._facts

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
    def node_modules(self) -> Path | None:
        """Where ``npm ci`` installed the front-end libraries (``KG_NODE_MODULES``), None without them."""
        folder = self.settings.node_modules
        return folder if folder.is_dir() else None

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
                self._cache.move_to_end(key)
                return self._cache[key]  # type: ignore[no-any-return]
        value = compute()
        with self._lock:
            self._cache[key] = value
            while len(self._cache) > CACHE_LIMIT:
                self._cache.popitem(last=False)
        return value


def open_engine(kg: KnowledgeGraph, settings: Settings) -> tuple[Engine, Executor]:
    """The engine the settings name, with the executor that runs its protocol queries.

    The embedded store runs queries in killable child processes; a remote engine's
    requests are abandoned at the time limit by its client, in the request's own thread.

    Raises:
        EngineMismatch: the remote engine does not hold this data version.
        EngineUnavailable: the remote engine does not answer.
    """
    if not settings.engine:
        embedded = EmbeddedEngine.on_disk(kg.store_path, kg.changed_literals_path)
        executor = QueryExecutor(
            embedded,
            processes=settings.query_pool_size,
            timeout=settings.query_timeout,
            memory_bytes=settings.query_memory_bytes,
        )
        return embedded, executor
    remote = RemoteEngine(
        settings.engine,
        kg.graph_names(),
        timeout=settings.query_timeout,
        connections=settings.threads,
        changed_literals=kg.changed_literals_path,
        default_graph=kg.default_graph_quads > 0,
        timeout_parameter=settings.engine_timeout,
    )
    if not remote.holds_version(marker_graph(kg.base), kg.version):
        raise EngineMismatch(
            f"the engine at {settings.engine} does not hold data version {kg.version} (no marker triple in "
            f"{marker_graph(kg.base)}): load it with 'clip-kg push --engine-store URL', or see docs/deployment.md"
        )
    return remote, InlineExecutor(remote)


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


def absolute_url(path: str) -> str:
    """The absolute URL of a path of this site (``/sparql``), under the configured base.

    Never built from the request's Host header: that is the client's to choose, and a cache
    in front would keep and hand out an answer naming whatever host one client sent.
    """
    return state().urls.iri_of(path)


def state() -> AppState:
    """The state of the current application."""
    value = current_app.extensions["kg"]
    if not isinstance(value, AppState):
        raise RuntimeError("the application has no knowledge graph loaded")
    return value
