"""A Triple Pattern Fragment's pages and count: the pattern parsed from a request, its queries, the count.

The pattern's terms are parsed into typed terms here and written into the queries by the
engine's own term writer (``sparql_term``, as the remote engine writes its VALUES): the
request's text never reaches a query. A ``?name`` or a blank node ``_:b`` in a position is a
variable, as in SPARQL. Each page costs one SELECT (of one triple more than a page, which
tells whether a next page exists), and a fragment longer than a page one COUNT, kept per
data load; both run where the web layer sends them (``Source.run``: killable query
processes, as protocol queries), the page within the endpoint's time limit, the count
within ``COUNT_SECONDS``. A count that overruns is stopped and the number is an estimate,
as the specification allows ("the estimated total number of matching triples"); so is the
all-variable pattern's, never counted. Paging relies on the engine's stable order over the
read-only store (no ORDER BY, which would sort the whole fragment for every page).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol, TypeVar

from server.engine.interface import first
from server.engine.terms import Iri, Literal, Rows, Term, sparql_term
from server.errors import BadInput, QueryTimeout

PAGE_SIZE = 100
MAX_PAGE = 1_000_000
COUNT_SECONDS = 1.0
"""How long a fragment's exact count may run (in a killable query process) before an estimate is given instead.

A second: a client waits for the count of each fragment it opens (once per fragment and load:
it is kept), and a TPF client opens many. A constant rather than a setting: it bounds our
own latency, not what the public may run, and tests patch it. Over a remote engine the
executor runs a query in the request's thread under the engine's own time limit (the
endpoint's), which is then the count's: the remote engine's client cannot be given another.
"""

_IRI = re.compile(r'[^<>"{}|^`\\\s]+')
_LANGUAGE = re.compile(r"[A-Za-z]{1,8}(-[A-Za-z0-9]{1,8})*")
_LITERAL = re.compile(r'"(?P<text>.*)"(?:@(?P<language>[^@"]+)|\^\^(?P<datatype><[^>]*>|[^<>"]+))?', re.DOTALL)


@dataclass(frozen=True)
class Pattern:
    """A triple pattern: a term in each position, or None for a variable."""

    subject: Term | None = None
    predicate: Term | None = None
    object: Term | None = None

    def where(self) -> str:
        """The pattern as the group of a SPARQL query, variables ?s ?p ?o where unbound."""
        parts = [
            sparql_term(term) if term is not None else f"?{name}" for name, term in zip("spo", self.terms, strict=True)
        ]
        return "{ " + " ".join(parts) + " }"

    @property
    def terms(self) -> tuple[Term | None, Term | None, Term | None]:
        return self.subject, self.predicate, self.object


def parse_term(text: str, position: str) -> Term | None:
    """A pattern position's value: an IRI (bare or in ``<>``), a literal (``"text"``, ``"text"@en``,
    ``"2"^^<http://www.w3.org/2001/XMLSchema#integer>`` or with a bare datatype IRI), or a variable
    (empty, ``?name`` or a blank node ``_:label``: None).

    >>> parse_term('"Wien"@de', "object")
    Literal(value='Wien', language='de', datatype='http://www.w3.org/1999/02/22-rdf-syntax-ns#langString')
    >>> parse_term("<http://e/a>", "subject"), parse_term("?x", "subject")
    (Iri(value='http://e/a'), None)
    >>> parse_term("not an iri", "subject")
    Traceback (most recent call last):
    server.errors.BadInput: subject: 'not an iri' is neither an absolute IRI nor a literal nor a variable
    """
    if text == "" or text.startswith(("?", "_:")):
        return None
    if text.startswith('"'):
        if position != "object":
            raise BadInput(f"{position}: a literal can only be the object of a triple ({text[:80]!r})")
        return _literal(text)
    iri = text[1:-1] if text.startswith("<") and text.endswith(">") else text
    if not _is_iri(iri):
        raise BadInput(f"{position}: {text[:80]!r} is neither an absolute IRI nor a literal nor a variable")
    return Iri(iri)


def _is_iri(text: str) -> bool:
    return _IRI.fullmatch(text) is not None and re.match(r"[A-Za-z][A-Za-z0-9+.-]*:", text) is not None


def _literal(text: str) -> Literal:
    found = _LITERAL.fullmatch(text)
    if found is None:
        raise BadInput(f'object: {text[:80]!r} is not a literal ("text", "text"@en or "2"^^<datatype IRI>)')
    value, language, datatype = found["text"], found["language"], found["datatype"]
    if language is not None:
        if not _LANGUAGE.fullmatch(language):
            raise BadInput(f"object: {language!r} is not a language tag")
        return Literal(value, language=language.lower())
    if datatype is not None:
        iri = datatype[1:-1] if datatype.startswith("<") else datatype
        if not _is_iri(iri):
            raise BadInput(f"object: the datatype {datatype[:80]!r} is not an absolute IRI")
        return Literal(value, datatype=iri)
    return Literal(value)


def parse_page(text: str | None) -> int:
    """The page number asked for: 1 when absent; 400 unless a whole number from 1 to MAX_PAGE."""
    if text is None or text == "":
        return 1
    if not text.isdigit() or not 1 <= int(text) <= MAX_PAGE:
        raise BadInput(f"page must be a whole number from 1 to {MAX_PAGE}, not {text[:20]!r}")
    return int(text)


T = TypeVar("T")


class Remember(Protocol):
    """Keeps a value per data load under a key (``AppState.remember``)."""

    def __call__(self, key: object, compute: Callable[[], T]) -> T:
        """The value kept under ``key``, else ``compute()`` kept."""
        ...


Run = Callable[[str, float | None], Rows]
"""Evaluates a SELECT within ``seconds`` (None: the endpoint's time limit), raising QueryTimeout past it."""


@dataclass(frozen=True)
class Source:
    """What fragments are read from: the web layer runs the queries in killable query processes.

    ``run`` evaluates a SELECT within a time limit; ``size`` is the number of triples in the
    store (the estimate of the all-variable pattern); ``remember`` keeps a value per data load.
    """

    run: Run
    size: Callable[[], int]
    remember: Remember


@dataclass(frozen=True)
class Count:
    """A fragment's number of triples: exact, or an estimate (``void:triples`` may be one)."""

    total: int
    exact: bool


@dataclass(frozen=True)
class Page:
    """One page of a fragment: its triples, the fragment's count, and whether a page follows."""

    number: int
    triples: list[tuple[Term, Term, Term]]
    count: Count
    more: bool

    @property
    def last(self) -> int | None:
        """The last page's number, when the count is exact."""
        return max(1, -(-self.count.total // PAGE_SIZE)) if self.count.exact else None


def count_query(pattern: Pattern) -> str:
    """The COUNT of the distinct triples matching the pattern in the union of the graphs."""
    return f"SELECT (COUNT(*) AS ?n) WHERE {{ SELECT DISTINCT ?s ?p ?o WHERE {{ {_select(pattern)} }} }}"


def page_query(pattern: Pattern, page: int) -> str:
    """The SELECT of a page's triples, and of one more to tell whether a next page exists."""
    offset = (page - 1) * PAGE_SIZE
    return f"SELECT DISTINCT ?s ?p ?o WHERE {{ {_select(pattern)} }} LIMIT {PAGE_SIZE + 1} OFFSET {offset}"


def _select(pattern: Pattern) -> str:
    """A group that binds ?s ?p ?o to each matching triple (constants bound with BIND)."""
    binds = " ".join(
        f"BIND({sparql_term(term)} AS ?{name})"
        for name, term in zip("spo", pattern.terms, strict=True)
        if term is not None
    )
    return f"{pattern.where()} {binds}"


def read_page(source: Source, pattern: Pattern, page: int) -> Page:
    """A page of the fragment with the fragment's count, counted only when the page cannot tell it.

    A page that is not full ends the fragment, so the count is the triples before it and on it:
    no COUNT runs (the specification asks for the exact number below a page's size). Otherwise
    the count is ``fragment_count``'s.

    Raises:
        BadInput: a page past the fragment's last page.
        QueryTimeout: the page's query ran past the time limit (a deep page on big data).
    """
    rows = source.run(page_query(pattern, page), None)
    triples = [(row["s"], row["p"], row["o"]) for row in rows][:PAGE_SIZE]
    more = len(rows) > PAGE_SIZE
    before = (page - 1) * PAGE_SIZE
    if not more and (triples or page == 1):
        return Page(page, triples, Count(before + len(triples), exact=True), more=False)
    count = fragment_count(source, pattern)
    if not triples:
        raise BadInput(_past_the_end(page, count))
    if not count.exact:  # never fewer than the triples known to be there
        count = Count(max(count.total, before + len(triples) + more), exact=False)
    return Page(page, triples, count, more)


def _past_the_end(page: int, count: Count) -> str:
    if not count.exact:
        return f"page {page} is past the last page of this fragment of about {count.total} triples"
    last = max(1, -(-count.total // PAGE_SIZE))
    return f"page {page} is past the last page ({last}) of this fragment of {count.total} triples"


def fragment_count(source: Source, pattern: Pattern) -> Count:
    """The fragment's exact count if the engine counts it within ``COUNT_SECONDS``, else an estimate; kept per load.

    The all-variable pattern is not counted: its estimate is the store's size (triples held in
    several graphs count once per graph there). A count that overruns is stopped (its query process
    killed) and estimated as the store's size, an upper bound: the Linked Data Fragments
    specification asks only for an estimate, non-zero when triples match, "as close as possible".
    """
    if pattern.terms == (None, None, None):
        return Count(source.size(), exact=False)
    return source.remember(("fragment count", pattern), lambda: _counted(source, pattern))


def _counted(source: Source, pattern: Pattern) -> Count:
    try:
        rows = source.run(count_query(pattern), COUNT_SECONDS)
    except QueryTimeout:
        return Count(source.size(), exact=False)
    return Count(int(first(rows, "n") or 0), exact=True)
