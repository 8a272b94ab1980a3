"""Triple Pattern Fragments (https://linkeddatafragments.org/specification/triple-pattern-fragments/).

A fragment is the triples of the endpoint's default graph (the union of the named graphs,
as ``/sparql`` answers by default) that match one triple pattern, in pages of
``PAGE_SIZE``, with the number of matching triples (``void:triples`` and
``hydra:totalItems``) and the Hydra controls a client (Comunica) follows: the dataset's
``hydra:search`` form (an ``hydra:IriTemplate`` over ``subject``, ``predicate``, ``object``
mapped to ``rdf:subject``, ``rdf:predicate``, ``rdf:object``, in the explicit
representation) and ``hydra:first``/``hydra:previous``/``hydra:next`` between pages.

Each page costs one SELECT, and a fragment longer than a page one COUNT, kept per data load;
both run where the web layer sends them (``Source.run``: killable query processes, as
protocol queries), the page within the endpoint's time limit, the count within
``COUNT_SECONDS``. A count that overruns is stopped and the number is an estimate, as the
specification allows ("the estimated total number of matching triples"); so is the
all-variable pattern's, never counted. The pattern's terms are parsed into typed terms here and written into
the query by the engine's own term writer (``sparql_term``, as the remote engine writes its
VALUES): the request's text never reaches the query. A ``?name`` or a blank node ``_:b`` in a
position is a variable, as in SPARQL; paging relies on the engine's stable order over the
read-only store (no ORDER BY, which would sort the whole fragment for every page).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from io import BytesIO
from typing import Any
from urllib.parse import urlencode

from rdflib import BNode, Dataset, Graph, Namespace, URIRef
from rdflib import Literal as RdfLiteral
from rdflib.namespace import DCTERMS, FOAF, RDF, VOID, XSD
from rdflib.term import Node

from server.engine.interface import first
from server.engine.rdfio import convert_nquads
from server.engine.terms import BlankNode, Iri, Literal, Rows, Term, sparql_term
from server.errors import BadInput, QueryTimeout
from server.formats import Format

HYDRA = Namespace("http://www.w3.org/ns/hydra/core#")
PAGE_SIZE = 100
MAX_PAGE = 1_000_000
PATH = "fragments"
COUNT_SECONDS = 1.0
"""How long a fragment's exact count may run (in a killable query process) before an estimate is given instead.

A second: a client waits for the count of each fragment it opens (once per fragment and load:
it is kept), and a TPF client opens many. A constant rather than a setting: it bounds our
own latency, not what the public may run, and tests patch it. Over a remote engine the
executor runs a query in the request's thread under the engine's own time limit (the
endpoint's), which is then the count's: the remote engine's client cannot be given another.
"""
PREFIXES = {"hydra": str(HYDRA), "void": str(VOID), "rdf": str(RDF), "foaf": str(FOAF), "dcterms": str(DCTERMS)}
POSITIONS = (("subject", RDF.subject), ("predicate", RDF.predicate), ("object", RDF.object))

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


def fragment_url(root: str, pattern: Pattern, page: int = 1) -> str:
    """The URL of a page of a fragment: unbound positions left out, page 1 without ``page``.

    >>> fragment_url("http://x/", Pattern(predicate=Iri("http://e/p")), 2)
    'http://x/fragments?predicate=http%3A%2F%2Fe%2Fp&page=2'
    """
    fields = [
        (name, explicit(term)) for (name, _), term in zip(POSITIONS, pattern.terms, strict=True) if term is not None
    ]
    if page > 1:
        fields.append(("page", str(page)))
    return f"{root}{PATH}" + (f"?{urlencode(fields)}" if fields else "")


def explicit(term: Term) -> str:
    """A term in Hydra's explicit representation, as the controls expand it (IRIs bare)."""
    if isinstance(term, Iri):
        return term.value
    if isinstance(term, Literal):
        text = '"' + term.value + '"'
        if term.language:
            return f"{text}@{term.language}"
        return text if term.datatype == str(XSD.string) else f"{text}^^{term.datatype}"
    return f"_:{term.value}"


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
    remember: Callable[[object, Callable[[], Any]], Any]


@dataclass(frozen=True)
class Count:
    """A fragment's number of triples: exact, or an estimate (``void:triples`` may be one)."""

    total: int
    exact: bool


class About(int):
    """An estimated number, formatted with "about" in front.

    >>> f"{About(1234567):,} triples"
    'about 1,234,567 triples'
    """

    def __format__(self, spec: str) -> str:
        # fragments.html formats the count as "{:,}" and belongs to the page templates; this says "about" there
        return "about " + int.__format__(int(self), spec)


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
    return source.remember(("fragment count", pattern), lambda: _counted(source, pattern))  # type: ignore[no-any-return]


def _counted(source: Source, pattern: Pattern) -> Count:
    try:
        rows = source.run(count_query(pattern), COUNT_SECONDS)
    except QueryTimeout:
        return Count(source.size(), exact=False)
    return Count(int(first(rows, "n") or 0), exact=True)


def fragment_bytes(source: Source, pattern: Pattern, page: int, root: str, page_url: str, fmt: Format) -> bytes:
    """A page of a fragment serialized in ``fmt``: data in the default graph, metadata and controls in the
    graph ``<fragment#metadata>`` (in quad formats; triple formats carry both in one graph).

    ``page_url`` is the URL the client asked for (under the configured root), the subject of the
    page's metadata.

    Raises:
        BadInput: a page past the fragment's last page.
        QueryTimeout: the page's query ran past the time limit.
    """
    read = read_page(source, pattern, page)
    dataset = Dataset()
    data = dataset.default_graph
    for triple in read.triples:
        data.add((node(triple[0]), node(triple[1]), node(triple[2])))
    fragment = fragment_url(root, pattern)
    meta_graph = URIRef(f"{fragment}#metadata")
    meta = dataset.graph(meta_graph) if fmt.kind == "dataset" else data
    _metadata(meta, root, pattern, read, URIRef(page_url), meta_graph)
    # rdflib writes N-Quads fast, and the engine's writer the other formats: rdflib's Turtle and TriG writers
    # spent three quarters of a page's time looking for prefixed names
    written = BytesIO()
    convert_nquads(dataset.serialize(format="nquads", encoding="utf-8"), fmt, written, PREFIXES)
    return written.getvalue()


def _metadata(graph: Graph, root: str, pattern: Pattern, read: Page, here: URIRef, name: URIRef) -> None:
    """The page's count, paging links and the dataset's search form; no ``hydra:last`` after an estimate."""
    dataset, fragment = URIRef(f"{root}{PATH}#dataset"), URIRef(fragment_url(root, pattern))
    graph.add((name, FOAF.primaryTopic, fragment))
    describe_dataset(graph, dataset, root)
    graph.add((dataset, VOID.subset, fragment))
    if here != fragment:
        graph.add((fragment, VOID.subset, here))
    total = RdfLiteral(read.count.total, datatype=XSD.integer)
    graph.add((here, RDF.type, HYDRA.PartialCollectionView))
    graph.add((here, DCTERMS.source, dataset))
    graph.add((here, VOID.triples, total))
    graph.add((here, HYDRA.totalItems, total))
    graph.add((here, HYDRA.itemsPerPage, RdfLiteral(PAGE_SIZE, datatype=XSD.integer)))
    graph.add((here, HYDRA.first, URIRef(fragment_url(root, pattern, 1))))
    if read.last is not None:
        graph.add((here, HYDRA.last, URIRef(fragment_url(root, pattern, read.last))))
    if read.number > 1:
        graph.add((here, HYDRA.previous, URIRef(fragment_url(root, pattern, read.number - 1))))
    if read.more:
        graph.add((here, HYDRA.next, URIRef(fragment_url(root, pattern, read.number + 1))))


def node(term: Term) -> Node:
    """An engine term as an rdflib node (``views.metadata.node``, which imports this module, has the same)."""
    if isinstance(term, Literal):
        if term.language:
            return RdfLiteral(term.value, lang=term.language)
        return RdfLiteral(term.value, datatype=None if term.datatype == str(XSD.string) else URIRef(term.datatype))
    return BNode(term.value) if isinstance(term, BlankNode) else URIRef(term.value)


def describe_dataset(graph: Graph, dataset: Node, root: str) -> None:
    """``dataset`` as a TPF-queryable void:Dataset: its ``hydra:search`` form over subject, predicate, object
    (also for the VoID description)."""
    form = BNode("triplePattern")
    graph.add((dataset, RDF.type, VOID.Dataset))
    graph.add((dataset, RDF.type, HYDRA.Collection))
    graph.add((dataset, HYDRA.search, form))
    graph.add((form, RDF.type, HYDRA.IriTemplate))
    graph.add((form, HYDRA.template, RdfLiteral(f"{root}{PATH}{{?subject,predicate,object}}")))
    graph.add((form, HYDRA.variableRepresentation, HYDRA.ExplicitRepresentation))
    for variable, property_ in POSITIONS:
        mapping = BNode(variable)
        graph.add((form, HYDRA.mapping, mapping))
        graph.add((mapping, HYDRA.variable, RdfLiteral(variable)))
        graph.add((mapping, HYDRA.property, property_))


def fragment_page(source: Source, pattern: Pattern, page: int, link: Callable[[str], str | None]) -> dict[str, Any]:
    """What ``fragments.html`` shows a browser: the pattern as typed, the count ("about N" when estimated), the
    page's triples, paging (no last page after an estimate).

    ``link`` makes the href of an IRI (``Urls.link``: our documents, http(s) URLs only).

    Raises:
        BadInput: a page past the fragment's last page.
        QueryTimeout: the page's query ran past the time limit.
    """
    read = read_page(source, pattern, page)
    pages = {"first": 1, "previous": page - 1, "next": page + 1 if read.more else 0, "last": read.last or 0}
    positions = zip((name for name, _ in POSITIONS), pattern.terms, strict=True)
    total, last = read.count.total, read.last or -(-read.count.total // PAGE_SIZE)
    return {
        "fields": {name: "" if term is None else explicit(term) for name, term in positions},
        "total": total if read.count.exact else About(total), "estimated": not read.count.exact,
        "page": page, "last": last if read.count.exact else About(last), "page_size": PAGE_SIZE,
        "rows": [[_shown(term, link) for term in triple] for triple in read.triples],
        "paging": {rel: fragment_url("/", pattern, n) for rel, n in pages.items() if n >= 1 and n != page},
    }  # fmt: skip


def _shown(term: Term, link: Callable[[str], str | None]) -> dict[str, str | None]:
    """A term as a cell: its text, a link for an IRI, the language or datatype of a literal."""
    if isinstance(term, Iri):
        return {"text": term.value, "href": link(term.value), "note": None}
    if isinstance(term, Literal):
        note = f"@{term.language}" if term.language else (None if term.datatype == str(XSD.string) else term.datatype)
        return {"text": term.value, "href": None, "note": note}
    return {"text": f"_:{term.value}", "href": None, "note": None}
