"""The smallest stand-in for the per-load state that page models read (``views.published.Published``)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from rdflib import Graph

from server.engine.interface import Engine
from server.urls import Urls

BASE = "http://example.org/kg/"
T = TypeVar("T")


@dataclass
class Data:
    """The smallest object that satisfies ``views.published.Published``."""

    engine: Engine
    base: str = BASE
    urls: Urls = field(default_factory=lambda: Urls(BASE))
    prefixes: tuple[tuple[str, str], ...] = (("ex", BASE + "def/"),)
    ontology: Graph = field(default_factory=Graph)
    node_modules: Path | None = None  # no front-end libraries: maps on the grid
    kept: dict[Any, Any] = field(default_factory=dict)

    def remember(self, key: Any, compute: Callable[[], T]) -> T:
        if key not in self.kept:
            self.kept[key] = compute()
        return self.kept[key]  # type: ignore[no-any-return]
