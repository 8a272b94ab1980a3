"""One registry of formats: media type, file extension, serializer name, kind."""

from __future__ import annotations

from dataclasses import dataclass

import pyoxigraph

from server.errors import NotAcceptable


@dataclass(frozen=True)
class Format:
    """A serialization the project can write."""

    name: str
    label: str
    media_type: str
    extension: str
    kind: str  # "dataset" (keeps named graphs), "graph" (triples only) or "results"
    rdflib_name: str | None = None
    oxigraph_results: pyoxigraph.QueryResultsFormat | None = None
    oxigraph_rdf: pyoxigraph.RdfFormat | None = None
    aliases: tuple[str, ...] = ()

    @property
    def keeps_graphs(self) -> bool:
        """True when the format can carry named graphs."""
        return self.kind == "dataset"


FORMATS: tuple[Format, ...] = (
    Format("ttl", "Turtle", "text/turtle", "ttl", "graph", "turtle", aliases=("turtle", "n3"),
           oxigraph_rdf=pyoxigraph.RdfFormat.TURTLE),
    Format("nt", "N-Triples", "application/n-triples", "nt", "graph", "nt", aliases=("ntriples", "n-triples"),
           oxigraph_rdf=pyoxigraph.RdfFormat.N_TRIPLES),
    Format("nq", "N-Quads", "application/n-quads", "nq", "dataset", "nquads",
           oxigraph_rdf=pyoxigraph.RdfFormat.N_QUADS),
    Format("trig", "TriG", "application/trig", "trig", "dataset", "trig", oxigraph_rdf=pyoxigraph.RdfFormat.TRIG),
    Format("jsonld", "JSON-LD", "application/ld+json", "jsonld", "dataset", "json-ld", aliases=("json-ld",),
           oxigraph_rdf=pyoxigraph.RdfFormat.JSON_LD),
    Format("rdf", "RDF/XML", "application/rdf+xml", "rdf", "graph", "xml", aliases=("rdf+xml", "rdfxml", "xml"),
           oxigraph_rdf=pyoxigraph.RdfFormat.RDF_XML),
    Format("json", "SPARQL results JSON", "application/sparql-results+json", "srj", "results",
           oxigraph_results=pyoxigraph.QueryResultsFormat.JSON),
    Format("xml", "SPARQL results XML", "application/sparql-results+xml", "srx", "results",
           oxigraph_results=pyoxigraph.QueryResultsFormat.XML),
    Format("csv", "CSV", "text/csv", "csv", "results", oxigraph_results=pyoxigraph.QueryResultsFormat.CSV),
    Format("tsv", "TSV", "text/tab-separated-values", "tsv", "results",
           oxigraph_results=pyoxigraph.QueryResultsFormat.TSV),
)  # fmt: skip

GZIP_MEDIA_TYPE = "application/gzip"
"""What a gzipped dump is served as: a file to download, not a Content-Encoding of its format."""

RDF_FORMATS = tuple(f for f in FORMATS if f.kind in ("graph", "dataset"))
RESULTS_FORMATS = tuple(f for f in FORMATS if f.kind == "results")
GRAPH_RESULT_FORMATS = tuple(f for f in FORMATS if f.name in ("ttl", "nt", "rdf", "jsonld"))
"""What a CONSTRUCT or DESCRIBE result can be written as (Turtle first: the default)."""
HTML = Format("html", "HTML", "text/html", "html", "page")
"""Pages for people; not in FORMATS, so no RDF or results format lookup ever answers HTML."""
JSON = Format("json", "JSON", "application/json", "json", "page")
"""Plain JSON documents (listings, search hits); not SPARQL results JSON, which FORMATS names "json"."""
RDF_DOCUMENT_FORMATS = GRAPH_RESULT_FORMATS
"""What an RDF document (a resource, the vocabulary, VoID, DCAT) is offered in, Turtle first."""
DOCUMENT_FORMATS = (*RDF_DOCUMENT_FORMATS, HTML)
"""Turtle first: RDF for */* and for clients that send no Accept; HTML only when asked."""


def by_name(name: str, among: tuple[Format, ...] = FORMATS) -> Format:
    """Look a format up by its short name, or by its media type.

    >>> by_name("ttl").media_type
    'text/turtle'
    >>> by_name("text/csv").name
    'csv'
    """
    wanted = name.split(";", 1)[0].strip().lower()
    for fmt in among:
        if fmt.name == wanted or fmt.media_type == wanted:
            return fmt
    for fmt in among:  # SPARQLWrapper and others send names like "turtle" or "rdf+xml"
        if wanted in fmt.aliases:
            return fmt
    known = ", ".join(f.name for f in among)
    raise NotAcceptable(f"the format {name!r} is not available here (available: {known})")


def choose(offered: tuple[Format, ...], accept: str | None, explicit: str | None = None) -> Format:
    """The format to answer in: the one a ``?format=`` names, else the Accept header's pick.

    Raises:
        NotAcceptable: the named format is not offered, or the client accepts none of them
            (the message lists what is available).

    >>> choose(DOCUMENT_FORMATS, "text/html,application/xhtml+xml;q=0.9").name
    'html'
    >>> choose(DOCUMENT_FORMATS, "text/html", explicit="nt").name
    'nt'
    >>> choose((HTML, JSON), "image/png")
    Traceback (most recent call last):
    server.errors.NotAcceptable: none of the accepted media types is available; available: text/html, application/json
    """
    if explicit:
        return by_name(explicit, offered)
    chosen = negotiate(accept, offered)
    if chosen is None:
        available = ", ".join(f.media_type for f in offered)
        raise NotAcceptable(f"none of the accepted media types is available; available: {available}")
    return chosen


def accepted(name: str | None, offered: tuple[Format, ...], what: str) -> Format:
    """The format a client accepted for one kind of answer (by name); 406 when it accepts none of them.

    ``what`` says what the answer is ("a SELECT query gives a table of results"), so the
    client learns why its Accept header did not fit.

    >>> accepted("csv", RESULTS_FORMATS, "a SELECT query gives results").media_type
    'text/csv'
    """
    if name is None:
        available = ", ".join(f.media_type for f in offered)
        raise NotAcceptable(f"{what}, and none of the accepted media types fits; available: {available}")
    return by_name(name, offered)


def from_parameters(values: list[str], among: tuple[Format, ...]) -> Format | None:
    """The first of several ``format``/``output`` parameter values that names a format here.

    SPARQLWrapper sends each of ``format``, ``output`` and ``results``, sometimes twice
    (a name and a media type), so all are tried in order.

    >>> from_parameters(["tsv", "text/tab-separated-values"], RESULTS_FORMATS).name
    'tsv'
    >>> from_parameters(["xml"], GRAPH_RESULT_FORMATS).name
    'rdf'
    """
    for value in values:
        try:
            return by_name(value, among)
        except NotAcceptable:
            continue
    return None


def parse_accept(header: str) -> list[tuple[str, float]]:
    """Parse an Accept header into (media range, q) pairs, highest preference first.

    >>> parse_accept("text/csv;q=0.5, application/sparql-results+json")
    [('application/sparql-results+json', 1.0), ('text/csv', 0.5)]
    """
    ranges = []
    for part in header.split(","):
        fields = [f.strip() for f in part.split(";")]
        media_range = fields[0].lower()
        if not media_range:
            continue
        q = 1.0
        for parameter in fields[1:]:
            key, _, value = parameter.partition("=")
            if key.strip().lower() == "q":
                try:
                    q = min(max(float(value), 0.0), 1.0)
                except ValueError:
                    q = 0.0
        ranges.append((media_range, q))
    return sorted(ranges, key=lambda r: (-r[1], -_specificity(r[0])))


def _specificity(media_range: str) -> int:
    if media_range == "*/*":
        return 0
    return 1 if media_range.endswith("/*") else 2


def negotiate(accept: str | None, offered: tuple[Format, ...]) -> Format | None:
    """Pick the offered format the client prefers; the first offered wins ties and '*/*'.

    Returns None when the client accepts none of them (the caller answers 406).
    A missing or empty Accept header means anything is acceptable (RFC 9110, 12.5.1).
    """
    if not accept or not accept.strip():
        return offered[0]
    ranges = parse_accept(accept)
    best: tuple[float, int, int] | None = None
    chosen = None
    for position, fmt in enumerate(offered):
        q = _quality(fmt.media_type, ranges)
        if q <= 0:
            continue
        key = (q, _best_specificity(fmt.media_type, ranges), -position)
        if best is None or key > best:
            best, chosen = key, fmt
    return chosen


def _matches(media_type: str, media_range: str) -> bool:
    if media_range == "*/*":
        return True
    if media_range.endswith("/*"):
        return media_type.split("/", 1)[0] == media_range[:-2]
    return media_type == media_range


def _quality(media_type: str, ranges: list[tuple[str, float]]) -> float:
    """The q of the most specific range that matches (RFC 9110, 12.5.1)."""
    matching = [(_specificity(r), q) for r, q in ranges if _matches(media_type, r)]
    return max(matching)[1] if matching else 0.0


def _best_specificity(media_type: str, ranges: list[tuple[str, float]]) -> int:
    return max((_specificity(r) for r, _ in ranges if _matches(media_type, r)), default=-1)
