"""Triple Pattern Fragments (https://linkeddatafragments.org/specification/triple-pattern-fragments/).

A fragment is the triples of the endpoint's default graph (the union of the named graphs,
as ``/sparql`` answers by default) that match one triple pattern, in pages of
``PAGE_SIZE``, with the number of matching triples (``void:triples`` and
``hydra:totalItems``, exact or estimated: ``fragment_pages``) and the Hydra controls a
client (Comunica) follows: the dataset's ``hydra:search`` form (an ``hydra:IriTemplate``
over ``subject``, ``predicate``, ``object`` mapped to ``rdf:subject``, ``rdf:predicate``,
``rdf:object``, in the explicit representation) and ``hydra:first``/``hydra:previous``/
``hydra:next`` between pages (``hydra:last`` when the count is exact). Here a page becomes
RDF, with its metadata in a graph of its own, or what the HTML page shows.
"""

from __future__ import annotations

from collections.abc import Callable
from io import BytesIO
from typing import Any
from urllib.parse import urlencode

from rdflib import BNode, Dataset, Graph, Namespace, URIRef
from rdflib import Literal as RdfLiteral
from rdflib.namespace import DCTERMS, FOAF, RDF, VOID, XSD
from rdflib.term import Node

from server.engine.rdfio import convert_nquads
from server.engine.terms import BlankNode, Iri, Literal, Term
from server.formats import Format
from server.views.fragment_pages import PAGE_SIZE, Page, Pattern, Source, read_page

HYDRA = Namespace("http://www.w3.org/ns/hydra/core#")
PATH = "fragments"
PREFIXES = {"hydra": str(HYDRA), "void": str(VOID), "rdf": str(RDF), "foaf": str(FOAF), "dcterms": str(DCTERMS)}
POSITIONS = (("subject", RDF.subject), ("predicate", RDF.predicate), ("object", RDF.object))


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
        "total": total, "estimated": not read.count.exact,
        "page": page, "last": last, "page_size": PAGE_SIZE,
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
