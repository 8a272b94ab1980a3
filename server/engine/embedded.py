"""The embedded backend of the engine interface: a pyoxigraph store read in this process.

The store of a data version is written once by the build (``loader``) and opened here
read-only, by every process that reads it: the gunicorn master, its workers and their
query processes each open the same files (a RocksDB handle does not survive a fork, so a
forked process opens its own), and the kernel's page cache is what they share. An
in-memory store filled from N-Quads serves tools and tests.

This module and its neighbours in ``server.engine`` are the only code that touches
pyoxigraph's types: everything leaves here as the neutral terms of
``server.engine.terms`` or as serialized bytes.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import IO, cast

import pyoxigraph
from rdflib import Dataset

from server.engine.counting import CountingWriter, LimitedWriter, RowLimitExceeded
from server.engine.interface import QueryAnswer, QueryJob
from server.engine.lexer import scan
from server.engine.rdfio import writable
from server.engine.terms import BlankNode, Iri, Literal, Quad, Rows, Term, Triple
from server.errors import QuerySyntaxError, ResultTooLarge, UnsupportedQuery, WrongQueryForm
from server.formats import GRAPH_RESULT_FORMATS, RESULTS_FORMATS, Format, accepted

OxigraphTerm = pyoxigraph.NamedNode | pyoxigraph.BlankNode | pyoxigraph.Literal
Results = pyoxigraph.QuerySolutions | pyoxigraph.QueryBoolean | pyoxigraph.QueryTriples


class EmbeddedEngine:
    """A pyoxigraph store holding one dataset of named graphs (see ``interface.Engine``)."""

    def __init__(self, dataset: Dataset | None = None, nquads: bytes | None = None):
        """An in-memory store filled from a dataset, or straight from its N-Quads when the caller has them."""
        self._path: Path | None = None
        self._pid = os.getpid()
        self._opened = pyoxigraph.Store()
        self._written = WrittenForms()
        self._graph_sizes: dict[str, int] | None = None
        if nquads is None and dataset is not None:
            nquads = dataset.serialize(format="nquads", encoding="utf-8")
        if nquads:
            self._opened.bulk_load(nquads, format=pyoxigraph.RdfFormat.N_QUADS)

    @classmethod
    def on_disk(cls, path: Path, changed_literals: Path | None = None) -> EmbeddedEngine:
        """The store a build wrote at ``path``, opened read-only (again in each process that uses it).

        ``changed_literals``: N-Quads of literals the store keeps in another form than the
        data (``loader.changed_literals``); ``quads_about`` gives them back as written.
        """
        engine = cls()
        engine._path = path
        engine._opened = pyoxigraph.Store.read_only(str(path))
        engine._written = WrittenForms(changed_literals)
        return engine

    @property
    def _store(self) -> pyoxigraph.Store:
        if self._path is not None and self._pid != os.getpid():
            self._opened = pyoxigraph.Store.read_only(str(self._path))
            self._pid = os.getpid()
        return self._opened

    def __len__(self) -> int:
        return len(self._store)

    def rows(self, query: str, **bindings: Term) -> Rows:
        """The solutions of a SELECT query, each a dict of the bound variables."""
        return rows_of(self._query(query, bindings))

    def ask(self, query: str, **bindings: Term) -> bool:
        """The answer of an ASK query."""
        results = self._query(query, bindings)
        if not isinstance(results, pyoxigraph.QueryBoolean):
            raise WrongQueryForm("expected an ASK query")
        return bool(results)

    def construct(self, query: str, **bindings: Term) -> list[Triple]:
        """The triples of a CONSTRUCT or DESCRIBE query."""
        results = self._query(query, bindings)
        if not isinstance(results, pyoxigraph.QueryTriples):
            raise WrongQueryForm("expected a CONSTRUCT or DESCRIBE query")
        return [Triple(resource_term(t.subject), Iri(t.predicate.value), to_term(t.object)) for t in results]

    def answer(self, job: QueryJob) -> QueryAnswer:
        """Evaluate a protocol query once, serialize it, and refuse it when it is over a limit.

        The whole answer is serialized in memory before it is returned, so an over-large
        result is refused before any byte of it is sent. Both kinds are serialized straight
        from their evaluation into a writer that stops the serialization (and the evaluation)
        as soon as the answer passes the byte limit: a table (SELECT) into one that also
        counts the rows of the format as they are written, a graph (CONSTRUCT, DESCRIBE) from
        an iterator that counts its triples.
        """
        dataset = dataset_options(job.query, job.default_graphs, job.named_graphs)
        if job.base_iri:
            dataset["base_iri"] = job.base_iri
        return answer_of(self._query(job.query, dict(job.substitutions), dataset), job)

    def quads_about(self, iri: str) -> tuple[list[Quad], list[Quad]]:
        """The quads with the IRI as subject, and those with it as object, in every graph."""
        return self.quads(Iri(iri)), self.quads(None, None, Iri(iri))

    def quads(self, subject: Term | None = None, predicate: str | None = None, obj: Term | None = None) -> list[Quad]:
        """The quads matching a pattern (None matches anything; the predicate is an IRI), in every graph."""
        if isinstance(subject, Literal):
            return []  # no triple has a literal subject
        found = self._store.quads_for_pattern(
            None if subject is None else cast(pyoxigraph.NamedNode | pyoxigraph.BlankNode, from_term(subject)),
            None if predicate is None else pyoxigraph.NamedNode(predicate),
            None if obj is None else from_term(obj),
            None,
        )
        return [self._written.restore(to_quad(q)) for q in found]

    def mentions(self, iri: str) -> bool:
        """True when the IRI is the subject or object of some triple in any graph."""
        node = pyoxigraph.NamedNode(iri)
        for _ in self._store.quads_for_pattern(node, None, None, None):
            return True
        for _ in self._store.quads_for_pattern(None, None, node, None):
            return True
        return False

    def graph_sizes(self) -> dict[str, int]:
        """Number of triples in each graph, by graph IRI ('' for the default graph), counted once."""
        if self._graph_sizes is None:
            counted = self._store.query("SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g")
            sizes = {row["g"].value: int(row["n"].value) for row in counted}  # type: ignore[union-attr]
            default = len(self._store) - sum(sizes.values())
            self._graph_sizes = {"": default, **sizes} if default else sizes
        return dict(self._graph_sizes)

    def _query(self, query: str, bindings: dict[str, Term], options: dict[str, object] | None = None) -> Results:
        """Run a query; the default graph is the union of all graphs unless ``options`` say otherwise.

        Bindings fix variables to terms before evaluation (SPARQL SEP-0007), which is how
        named-query parameters reach a query without touching its text.
        """
        options = dict(options) if options is not None else dataset_options(query)
        if bindings:
            options["substitutions"] = {pyoxigraph.Variable(k): from_term(v) for k, v in bindings.items()}
        return evaluate(self._store, query, options)


def dataset_options(
    query: str, default_graphs: Sequence[str] = (), named_graphs: Sequence[str] = ()
) -> dict[str, object]:
    """The dataset a query runs on, as pyoxigraph's options, by SPARQL 1.1's rules.

    Graphs named by the request (Protocol 2.1.4) replace the query's own: exactly those,
    so with no default-graph-uri the default graph is empty and with no named-graph-uri
    there are no named graphs. Else the query's FROM and FROM NAMED (Query 13.2), read by
    the engine. Else this endpoint's default: the union of all graphs, every graph named.
    """
    if default_graphs or named_graphs:
        return {
            "default_graph": [pyoxigraph.NamedNode(g) for g in default_graphs],
            "named_graphs": [pyoxigraph.NamedNode(g) for g in named_graphs],
        }
    if names_dataset(query):
        return {}
    return {"use_default_graph_as_union": True}


def names_dataset(query: str) -> bool:
    """True when the query has FROM or FROM NAMED clauses (read by the lexer only when it has the word).

    >>> names_dataset("SELECT * FROM <http://e/g> WHERE { ?s ?p ?o }"), names_dataset("SELECT * { ?from ?p ?o }")
    (True, False)
    """
    return "from" in query.lower() and bool(scan(query).dataset)


def evaluate(store: pyoxigraph.Store, query: str, options: dict[str, object]) -> Results:
    """``store.query`` with its errors as the client's: syntax (with line and column) or an unknown function.

    Raises:
        QuerySyntaxError: the query does not parse.
        UnsupportedQuery: it calls a function the engine does not have (pyoxigraph raises
            RuntimeError before evaluating: ``The custom function <…> is not supported``).
    """
    try:
        return store.query(query, **options)  # type: ignore[arg-type]
    except SyntaxError as error:
        raise QuerySyntaxError(f"SPARQL syntax error: {error}") from None
    except RuntimeError as error:
        raise unsupported(str(error)) from None


def unsupported(message: str) -> UnsupportedQuery:
    """The engine's refusal of a query it parsed, with a hint for the usual mistake (the xsd: prefix without #).

    >>> refused = unsupported("The custom function <http://www.w3.org/2001/XMLSchemainteger> is not supported")
    >>> str(refused).split("; ")[-1]
    'the xsd: prefix is <http://www.w3.org/2001/XMLSchema#>, with #'
    """
    text = f"the query cannot be evaluated: {message}"
    if "custom function" in message:
        text += "; this endpoint has the functions of SPARQL 1.1 and the XSD casts, no others"
    if "XMLSchema" in message and "XMLSchema#" not in message:
        text += "; the xsd: prefix is <http://www.w3.org/2001/XMLSchema#>, with #"
    return UnsupportedQuery(text)


def stored_forms(literals: Sequence[pyoxigraph.Literal]) -> list[pyoxigraph.Literal]:
    """Each literal as a pyoxigraph store gives it back: its value kept, its form not always
    (xsd:positiveInteger comes back as xsd:integer, "1.50"^^xsd:decimal as "1.5", oxigraph#526).

    >>> decimal = pyoxigraph.NamedNode("http://www.w3.org/2001/XMLSchema#decimal")
    >>> stored_forms([pyoxigraph.Literal("1.50", datatype=decimal)])[0].value
    '1.5'
    """
    probe, subject = pyoxigraph.Store(), pyoxigraph.NamedNode("urn:probe")
    for number, literal in enumerate(literals):
        probe.add(pyoxigraph.Quad(subject, pyoxigraph.NamedNode(f"urn:probe:{number}"), literal))
    kept = {int(quad.predicate.value.rsplit(":", 1)[1]): quad.object for quad in probe}
    return [kept[number] for number in range(len(literals))]


class WrittenForms:
    """The literals a store keeps in another form than the data wrote them, given back as written.

    Read from the N-Quads the build wrote (``loader.changed_literals``); both backends apply
    it to the statements of resource documents, since engines keep values, not forms.
    """

    def __init__(self, changed_literals: Path | None = None):
        self._forms: dict[Quad, Literal] = {}
        if changed_literals is None or not changed_literals.is_file():
            return
        written = [
            to_quad(q) for q in pyoxigraph.parse(path=str(changed_literals), format=pyoxigraph.RdfFormat.N_QUADS)
        ]
        literals = [quad for quad in written if isinstance(quad.object, Literal)]
        stored = stored_forms([from_term(quad.object) for quad in literals])  # type: ignore[misc]
        for quad, kept in zip(literals, stored, strict=True):
            self._forms[Quad(quad.subject, quad.predicate, to_term(kept), quad.graph)] = quad.object  # type: ignore[assignment]

    def __len__(self) -> int:
        return len(self._forms)

    def restore(self, quad: Quad) -> Quad:
        """The quad with its literal as the data wrote it."""
        written = self._forms.get(quad) if isinstance(quad.object, Literal) else None
        return quad if written is None else Quad(quad.subject, quad.predicate, written, quad.graph)


def rows_of(results: object) -> Rows:
    """The solutions of a SELECT query as neutral rows."""
    if not isinstance(results, pyoxigraph.QuerySolutions):
        raise WrongQueryForm("expected a SELECT query")
    names = tuple(variable.value for variable in results.variables)
    solutions = [
        {name: to_term(value) for name, value in zip(names, solution, strict=True) if value is not None}
        for solution in results
    ]
    return Rows(names, solutions)


def rows_of_answer(answer: QueryAnswer) -> Rows:
    """The rows of a SELECT answer serialized as SPARQL JSON results: what a query process sent back, as terms.

    Raises:
        WrongQueryForm: the answer is not a table of SPARQL JSON results.
    """
    if answer.format_name != "json" or answer.kind != "results":
        raise WrongQueryForm(f"expected SPARQL JSON results, not {answer.format_name} ({answer.kind})")
    return rows_of(pyoxigraph.parse_query_results(answer.body, format=pyoxigraph.QueryResultsFormat.JSON))


def answer_of(
    results: pyoxigraph.QuerySolutions | pyoxigraph.QueryBoolean | pyoxigraph.QueryTriples, job: QueryJob
) -> QueryAnswer:
    """The serialized answer of evaluated (or parsed) results, in the format the job accepts, within its limit."""
    if isinstance(results, pyoxigraph.QueryBoolean):
        fmt = accepted(job.results_format, RESULTS_FORMATS, "an ASK query gives a boolean")
        return QueryAnswer(_bytes(results.serialize(format=fmt.oxigraph_results)), fmt.name, "results")
    if isinstance(results, pyoxigraph.QueryTriples):
        return graph_answer(results, job)
    fmt = accepted(job.results_format, RESULTS_FORMATS, "a SELECT query gives a table of results")
    return QueryAnswer(_serialize_solutions(results, fmt, job.max_results, job.max_bytes), fmt.name, "results")


def graph_answer(triples: Iterable[pyoxigraph.Triple], job: QueryJob) -> QueryAnswer:
    """The serialized answer of a CONSTRUCT or DESCRIBE query, written as its triples come, within both limits.

    The counted triples and the writer raise from inside pyoxigraph's serializer to stop it;
    whatever exception it then surfaces (0.5.13 passes theirs through), their state decides.
    """
    fmt = accepted(job.graph_format, GRAPH_RESULT_FORMATS, "a CONSTRUCT or DESCRIBE query gives a graph")
    counted = CountedTriples(triples, job.max_results)
    writer = LimitedWriter(job.max_bytes)
    try:
        pyoxigraph.serialize(writable(counted, fmt), output=cast("IO[bytes]", writer), format=fmt.oxigraph_rdf)
    except Exception:
        _refuse_past_limits(counted.count, job.max_results, writer, job.max_bytes)
        raise
    _refuse_past_limits(counted.count, job.max_results, writer, job.max_bytes)
    return QueryAnswer(writer.getvalue(), fmt.name, "graph")


class CountedTriples:
    """The triples of an iterable, counted as they are taken; taking one past the limit raises."""

    def __init__(self, triples: Iterable[pyoxigraph.Triple], limit: int) -> None:
        self._triples = triples
        self._limit = limit
        self.count = 0

    def __iter__(self) -> Iterator[pyoxigraph.Triple]:
        for triple in self._triples:
            self.count += 1
            if self.count > self._limit:
                raise RowLimitExceeded(f"more than {self._limit} triples")
            yield triple


def to_term(node: object) -> Term:
    """A pyoxigraph term as a neutral term."""
    if isinstance(node, pyoxigraph.NamedNode):
        return Iri(node.value)
    if isinstance(node, pyoxigraph.Literal):
        return Literal(node.value, node.language or "", node.datatype.value)
    if isinstance(node, pyoxigraph.BlankNode):
        return BlankNode(node.value)
    raise TypeError(f"unsupported RDF term {node!r}")


def from_term(term: Term) -> OxigraphTerm:
    """A neutral term as a pyoxigraph term (for substitutions).

    >>> from_term(Literal("Wien", language="de"))
    <Literal value=Wien language=de>
    """
    if isinstance(term, Iri):
        return pyoxigraph.NamedNode(term.value)
    if isinstance(term, BlankNode):
        return pyoxigraph.BlankNode(term.value)
    if term.language:
        return pyoxigraph.Literal(term.value, language=term.language)
    return pyoxigraph.Literal(term.value, datatype=pyoxigraph.NamedNode(term.datatype))


def to_quad(quad: pyoxigraph.Quad) -> Quad:
    """A pyoxigraph quad as a neutral quad."""
    graph = quad.graph_name.value if isinstance(quad.graph_name, pyoxigraph.NamedNode) else ""
    return Quad(resource_term(quad.subject), Iri(quad.predicate.value), to_term(quad.object), graph)


def resource_term(node: object) -> Iri | BlankNode:
    """A subject as a neutral term (an IRI or a blank node, never a literal)."""
    term = to_term(node)
    if isinstance(term, Literal):
        raise TypeError("a literal cannot be a subject")
    return term


def check_size(counted: int, limit: int) -> None:
    """Refuse a result of more than ``limit`` rows or triples."""
    if counted > limit:
        raise ResultTooLarge(
            f"the result has more than {limit} rows or triples, the limit of this endpoint; "
            "add LIMIT and OFFSET to page through it, or narrow the query"
        )


def check_bytes(size: int, limit: int) -> None:
    """Refuse an answer of more than ``limit`` bytes (counted before it is all written or read).

    >>> check_bytes(2049, 2048)
    Traceback (most recent call last):
    server.errors.ResultTooLarge: the result is larger than 2048 bytes, the limit of this endpoint; \
add LIMIT and OFFSET to page through it, or select fewer or shorter values
    """
    if size > limit:
        raise too_many_bytes(limit)


def too_many_bytes(limit: int) -> ResultTooLarge:
    """The refusal of an answer past ``limit`` bytes."""
    return ResultTooLarge(
        f"the result is larger than {limit} bytes, the limit of this endpoint; "
        "add LIMIT and OFFSET to page through it, or select fewer or shorter values"
    )


def _refuse_past_limits(rows: int, limit: int, writer: LimitedWriter, max_bytes: int) -> None:
    """Raise ``ResultTooLarge`` when a serialization stopped, or would have, at one of its limits."""
    check_size(rows, limit)
    if writer.over_bytes:
        raise too_many_bytes(max_bytes)


def _serialize_solutions(solutions: pyoxigraph.QuerySolutions, fmt: Format, limit: int, max_bytes: int) -> bytes:
    """The solutions in a results format, refused (``ResultTooLarge``) past ``limit`` rows or ``max_bytes``.

    The writer raises from ``write`` to stop pyoxigraph; whatever exception pyoxigraph then
    surfaces (0.5.13 passes the writer's own through), the writer's count decides.
    """
    writer = CountingWriter(fmt.name, limit, max_bytes)
    try:
        solutions.serialize(output=cast("IO[bytes]", writer), format=fmt.oxigraph_results)
    except Exception:
        _refuse_past_limits(writer.rows, limit, writer, max_bytes)
        raise
    _refuse_past_limits(writer.rows, limit, writer, max_bytes)  # a refused write at the last flush may be swallowed
    return writer.getvalue()


def _bytes(serialized: bytes | None) -> bytes:
    """pyoxigraph's serialize returns bytes when given no output file."""
    if serialized is None:
        raise TypeError("expected serialized bytes")
    return serialized
