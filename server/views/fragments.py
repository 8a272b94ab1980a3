"""Triple Pattern Fragments (https://linkeddatafragments.org/specification/triple-pattern-fragments/).

A fragment is the triples of the endpoint's default graph (the union of the named graphs,
as ``/sparql`` answers by default) that match one triple pattern, in pages of
``PAGE_SIZE``, with the exact number of matching triples (``void:triples`` and
``hydra:totalItems``) and the Hydra controls a client (Comunica) follows: the dataset's
``hydra:search`` form (an ``hydra:IriTemplate`` over ``subject``, ``predicate``, ``object``
mapped to ``rdf:subject``, ``rdf:predicate``, ``rdf:object``, in the explicit
representation) and ``hydra:first``/``hydra:previous``/``hydra:next`` between pages.

Each page costs one SELECT through the ``Engine`` interface, and each fragment one COUNT,
kept per data load. The pattern's terms are parsed into typed terms here and written into
the query by the engine's own term writer (``sparql_term``, as the remote engine writes its
VALUES): the request's text never reaches the query. A ``?name`` or a blank node ``_:b`` in a
position is a variable, as in SPARQL; paging relies on the engine's stable order over the
read-only store (no ORDER BY, which would sort the whole fragment for every page).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from rdflib import BNode, Dataset, Graph, Namespace, URIRef
from rdflib import Literal as RdfLiteral
from rdflib.namespace import DCTERMS, FOAF, RDF, VOID, XSD
from rdflib.term import Node

from server.engine.interface import Engine, first
from server.engine.terms import BlankNode, Iri, Literal, Term, sparql_term
from server.errors import BadInput
from server.formats import Format

HYDRA = Namespace("http://www.w3.org/ns/hydra/core#")
PAGE_SIZE = 100
MAX_PAGE = 1_000_000
PATH = "fragments"
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


def count(engine: Engine, pattern: Pattern) -> int:
    """The number of distinct triples matching the pattern in the union of the graphs."""
    query = f"SELECT (COUNT(*) AS ?n) WHERE {{ SELECT DISTINCT ?s ?p ?o WHERE {{ {_select(pattern)} }} }}"
    return int(first(engine.rows(query), "n") or 0)


def _select(pattern: Pattern) -> str:
    """A group that binds ?s ?p ?o to each matching triple (constants bound with BIND)."""
    binds = " ".join(
        f"BIND({sparql_term(term)} AS ?{name})"
        for name, term in zip("spo", pattern.terms, strict=True)
        if term is not None
    )
    return f"{pattern.where()} {binds}"


def page_triples(engine: Engine, pattern: Pattern, page: int) -> list[tuple[Term, Term, Term]]:
    """The triples of one page of the fragment."""
    query = f"SELECT DISTINCT ?s ?p ?o WHERE {{ {_select(pattern)} }} LIMIT {PAGE_SIZE} OFFSET {(page - 1) * PAGE_SIZE}"
    return [(row["s"], row["p"], row["o"]) for row in engine.rows(query)]


def _paged(
    engine: Engine, pattern: Pattern, page: int, remember: Callable[[object, Callable[[], int]], int]
) -> tuple[int, int]:
    """The fragment's count (remembered per data load) and its last page; a page past it is refused.

    Raises:
        BadInput: a page past the fragment's last page.
    """
    total = remember(("fragment count", pattern), lambda: count(engine, pattern))
    last = max(1, -(-total // PAGE_SIZE))
    if page > last:
        raise BadInput(f"page {page} is past the last page ({last}) of this fragment of {total} triples")
    return total, last


def fragment_bytes(
    engine: Engine,
    pattern: Pattern,
    page: int,
    root: str,
    page_url: str,
    fmt: Format,
    remember: Callable[[object, Callable[[], int]], int],
) -> bytes:
    """A page of a fragment serialized in ``fmt``: data in the default graph, metadata and controls in the
    graph ``<fragment#metadata>`` (in quad formats; triple formats carry both in one graph).

    ``page_url`` is the URL the client asked for (under the configured root), the subject of the
    page's metadata; ``remember`` keeps the fragment's count per data load.

    Raises:
        BadInput: a page past the fragment's last page.
    """
    total, last = _paged(engine, pattern, page, remember)
    dataset = Dataset()
    data = dataset.default_graph
    for triple in page_triples(engine, pattern, page):
        data.add((node(triple[0]), node(triple[1]), node(triple[2])))
    fragment = fragment_url(root, pattern)
    meta_graph = URIRef(f"{fragment}#metadata")
    meta = dataset.graph(meta_graph) if fmt.kind == "dataset" else data
    _metadata(meta, root, pattern, page, last, total, URIRef(page_url), meta_graph)
    for prefix, namespace in (("hydra", HYDRA), ("void", VOID), ("rdf", RDF), ("foaf", FOAF), ("dcterms", DCTERMS)):
        dataset.bind(prefix, namespace)
    target: Graph = dataset if fmt.kind == "dataset" else data
    return target.serialize(format=fmt.rdflib_name or "trig", encoding="utf-8")


def _metadata(
    graph: Graph, root: str, pattern: Pattern, page: int, last: int, total: int, here: URIRef, name: URIRef
) -> None:
    """The page's count, paging links and the dataset's search form."""
    dataset, fragment = URIRef(f"{root}{PATH}#dataset"), URIRef(fragment_url(root, pattern))
    graph.add((name, FOAF.primaryTopic, fragment))
    describe_dataset(graph, dataset, root)
    graph.add((dataset, VOID.subset, fragment))
    if here != fragment:
        graph.add((fragment, VOID.subset, here))
    graph.add((here, RDF.type, HYDRA.PartialCollectionView))
    graph.add((here, DCTERMS.source, dataset))
    graph.add((here, VOID.triples, RdfLiteral(total, datatype=XSD.integer)))
    graph.add((here, HYDRA.totalItems, RdfLiteral(total, datatype=XSD.integer)))
    graph.add((here, HYDRA.itemsPerPage, RdfLiteral(PAGE_SIZE, datatype=XSD.integer)))
    graph.add((here, HYDRA.first, URIRef(fragment_url(root, pattern, 1))))
    graph.add((here, HYDRA.last, URIRef(fragment_url(root, pattern, last))))
    if page > 1:
        graph.add((here, HYDRA.previous, URIRef(fragment_url(root, pattern, page - 1))))
    if page < last:
        graph.add((here, HYDRA.next, URIRef(fragment_url(root, pattern, page + 1))))


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


def fragment_page(
    engine: Engine,
    pattern: Pattern,
    page: int,
    link: Callable[[str], str | None],
    remember: Callable[[object, Callable[[], int]], int],
) -> dict[str, Any]:
    """What ``fragments.html`` shows a browser: the pattern as typed, the count, the page's triples, paging.

    ``link`` makes the href of an IRI (``Urls.link``: our documents, http(s) URLs only).

    Raises:
        BadInput: a page past the fragment's last page.
    """
    total, last = _paged(engine, pattern, page, remember)
    pages = {"first": 1, "previous": page - 1, "next": page + 1, "last": last}
    positions = zip((name for name, _ in POSITIONS), pattern.terms, strict=True)
    return {
        "fields": {name: "" if term is None else explicit(term) for name, term in positions},
        "total": total, "page": page, "last": last, "page_size": PAGE_SIZE,
        "rows": [[_shown(term, link) for term in triple] for triple in page_triples(engine, pattern, page)],
        "paging": {rel: fragment_url("/", pattern, n) for rel, n in pages.items() if 1 <= n <= last and n != page},
    }  # fmt: skip


def _shown(term: Term, link: Callable[[str], str | None]) -> dict[str, str | None]:
    """A term as a cell: its text, a link for an IRI, the language or datatype of a literal."""
    if isinstance(term, Iri):
        return {"text": term.value, "href": link(term.value), "note": None}
    if isinstance(term, Literal):
        note = f"@{term.language}" if term.language else (None if term.datatype == str(XSD.string) else term.datatype)
        return {"text": term.value, "href": None, "note": note}
    return {"text": f"_:{term.value}", "href": None, "note": None}
