"""The smallest stand-in for the per-load state that page models read (``views.published.Published``)."""

from __future__ import annotations

from dataclasses import dataclass, field

from rdflib import Dataset, Graph

from server.engine.interface import Engine
from server.urls import Urls

BASE = "http://example.org/kg/"


@dataclass
class Data:
    """The smallest object that satisfies ``views.published.Published``."""

    engine: Engine
    base: str = BASE
    urls: Urls = field(default_factory=lambda: Urls(BASE))
    prefixes: tuple[tuple[str, str], ...] = (("ex", BASE + "def/"),)
    dataset: Dataset = field(default_factory=Dataset)
    ontology: Graph = field(default_factory=Graph)
