"""The one engine interface that every layer above the engine uses.

A backend answers SPARQL 1.1 queries over one read-only dataset of named graphs, with
the union of all graphs as the default graph unless a query names graphs. Terms cross
this seam as the backend-neutral values of ``terms``; serialized protocol answers cross
it as bytes in a format of ``server.formats``. The embedded pyoxigraph store is one
backend; a remote SPARQL 1.1 endpoint is meant to be another.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property
from typing import Any, Protocol

from server.engine.terms import Quad, Row, Rows, Term, Triple
from server.formats import Format, by_name


@dataclass(frozen=True)
class QueryJob:
    """One protocol query to answer, with the formats the client accepts for each kind of result.

    ``results_format`` and ``graph_format`` are format names (None: the client accepts none
    of that kind); the answer is refused rather than cut when it has more than
    ``max_results`` rows or triples, or when its serialization passes ``max_bytes``. The dataset
    is the union of all graphs unless the request names graphs (``default_graphs``,
    ``named_graphs``: exactly those, either may be empty) or, failing that, the query does
    (FROM, FROM NAMED). Relative IRIs in the query resolve against ``base_iri`` (the
    endpoint's URL), unless the query states a BASE.
    """

    query: str
    default_graphs: tuple[str, ...] = ()
    named_graphs: tuple[str, ...] = ()
    substitutions: tuple[tuple[str, Term], ...] = ()
    results_format: str | None = None
    graph_format: str | None = None
    max_results: int = 100_000
    max_bytes: int = 64 * 1024 * 1024
    base_iri: str | None = None

    @property
    def digest(self) -> str:
        """The first 12 hex digits of the SHA-256 of the query text: names the query in logs without its text.

        >>> QueryJob("ASK {}").digest
        '819ea91ed5f1'
        """
        return hashlib.sha256(self.query.encode()).hexdigest()[:12]


@dataclass(frozen=True)
class QueryAnswer:
    """A fully serialized response body and the name of its format."""

    body: bytes
    format_name: str
    kind: str  # "results" (SELECT, ASK) or "graph" (CONSTRUCT, DESCRIBE)

    @property
    def format(self) -> Format:
        """The format of the body (the name crosses the process boundary, not the object)."""
        return by_name(self.format_name)

    @cached_property
    def etag(self) -> str:
        """A strong validator of the body (RFC 9110, 8.8.3), computed once per answer."""
        return hashlib.sha256(self.body).hexdigest()[:32]


class Engine(Protocol):
    """What the site needs of a SPARQL engine holding the dataset.

    Every query method raises ``QuerySyntaxError`` when the query does not parse and
    ``WrongQueryForm`` when it is not of the form the method answers.
    """

    def rows(self, query: str, **bindings: Term) -> Rows:
        """The solutions of a SELECT query; ``bindings`` fix variables before evaluation."""
        ...

    def ask(self, query: str, **bindings: Term) -> bool:
        """The answer of an ASK query."""
        ...

    def construct(self, query: str, **bindings: Term) -> list[Triple]:
        """The triples of a CONSTRUCT or DESCRIBE query."""
        ...

    def answer(self, job: QueryJob) -> QueryAnswer:
        """A protocol query, evaluated once and serialized in the format the job asks for.

        Raises:
            ResultTooLarge: more rows or triples than ``job.max_results``, or more bytes than ``job.max_bytes``.
            NotAcceptable: the client accepts no format for this kind of result.
        """
        ...

    def quads_about(self, iri: str) -> tuple[list[Quad], list[Quad]]:
        """The quads with the IRI as subject, and those with it as object, in every graph."""
        ...

    def quads(self, subject: Term | None = None, predicate: str | None = None, obj: Term | None = None) -> list[Quad]:
        """The quads matching a pattern (None matches anything; the predicate is an IRI), in every graph."""
        ...

    def mentions(self, iri: str) -> bool:
        """True when the IRI is the subject or object of some triple in any graph."""
        ...

    def graph_sizes(self) -> Mapping[str, int]:
        """Number of triples in each graph, by graph IRI ('' for the default graph)."""
        ...

    def __len__(self) -> int:
        """Number of quads in the dataset."""
        ...


def first(rows: list[Row], variable: str) -> Any:
    """The value of a variable in the first row, or None (for one-row aggregate queries).

    >>> from server.engine.terms import Literal
    >>> first([{"n": Literal("3")}], "n")
    '3'
    >>> first([], "n") is None
    True
    """
    if not rows or variable not in rows[0]:
        return None
    return rows[0][variable].value
