"""What the web application computes once per data load and shares between requests."""

from __future__ import annotations

from dataclasses import dataclass, field

from flask import current_app

from .build import KnowledgeGraph
from .dumps import serialize
from .formats import RDF_FORMATS, Format
from .store import Store


@dataclass
class AppState:
    """The loaded knowledge graph, its query store and its dumps."""

    kg: KnowledgeGraph
    store: Store
    dumps: dict[str, bytes] = field(default_factory=dict)

    @classmethod
    def load(cls, kg: KnowledgeGraph) -> AppState:
        """Fill the store and serialize every dump once; the data is read-only afterwards."""
        state = cls(kg=kg, store=Store(kg.dataset))
        for fmt in RDF_FORMATS:
            state.dumps[fmt.name] = serialize(kg.dataset, fmt)
        return state

    def dump(self, fmt: Format) -> bytes:
        """The serialized dataset in one RDF format."""
        return self.dumps[fmt.name]


def state() -> AppState:
    """The state of the current application."""
    value = current_app.extensions["kg"]
    if not isinstance(value, AppState):
        raise RuntimeError("the application has no knowledge graph loaded")
    return value
