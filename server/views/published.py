"""What page models read: the published dataset as the per-load state offers it.

A structural type, so that views depend on nothing above them: the web layer's per-load
state satisfies it, and tests may pass any object with these attributes.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, Protocol, TypeVar

from rdflib import Graph

from server.engine.interface import Engine
from server.urls import Urls

T = TypeVar("T")


class Published(Protocol):
    """The engine holding the dataset, its base, its prefixes, and the built graphs."""

    @property
    def engine(self) -> Engine:
        """The engine that answers every query of the pages."""
        ...

    @property
    def base(self) -> str:
        """The public base every IRI of the data is under (ends with '/')."""
        ...

    @property
    def urls(self) -> Urls:
        """IRIs ↔ paths of this site."""
        ...

    @property
    def prefixes(self) -> Sequence[tuple[str, str]]:
        """(prefix, namespace) pairs of the data, longest namespace first, for compact names."""
        ...

    def remember(self, key: Any, compute: Callable[[], T]) -> T:
        """A value computed once per load under ``key`` (the data is read-only between loads)."""
        ...

    @property
    def node_modules(self) -> Path | None:
        """Where ``npm ci`` installed the front-end libraries (``KG_NODE_MODULES``), None without them."""
        ...

    @property
    def ontology(self) -> Graph:
        """The ontology graph as loaded (empty when the data has none)."""
        ...
