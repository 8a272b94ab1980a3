"""The remote backend of the engine interface: any SPARQL 1.1 endpoint that holds the dataset.

Only standard SPARQL 1.1 Query and Protocol cross the wire. Every request names its
dataset (``default-graph-uri`` and ``named-graph-uri``: the data's graphs, unless the
client named others), so the default graph is the union of the data's graphs on every
engine, and an engine's own system graphs (Virtuoso's) never show. Data loaded in bulk
into the default graph is the exception: no protocol parameter can name that graph, so
its requests name no dataset and rely on the engine's default graph being the union of
all graphs (the Oxigraph server with ``--union-default-graph``). Answers come back as
SPARQL JSON results or N-Triples, are counted while they are read (past the row limit, or
the byte limit, the connection is closed and the query refused) and are re-serialized by
the same code as the embedded store's, within the same limits, so a client sees the same
formats whichever engine is behind the site.

Bindings (SEP-0007 in the embedded store) become a ``VALUES`` block at the top of the
query's outer group: standard, and the same solutions for the queries the site runs.
Blank nodes cannot be named across requests, so a query bound to one finds nothing.
The time limit is ours: past it the request is abandoned and its connection closed; it is
also passed to engines that take it as a parameter, so that they stop the query too.
"""

from __future__ import annotations

import math
import os
import re
import threading
import time
from collections.abc import Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode

import pyoxigraph
import urllib3
from urllib3.exceptions import HTTPError, ProtocolError, ReadTimeoutError

from server.engine.counting import JsonRows
from server.engine.embedded import (
    WrittenForms,
    answer_of,
    check_bytes,
    check_size,
    evaluate,
    graph_answer,
    resource_term,
    rows_of,
    to_term,
)
from server.engine.interface import QueryAnswer, QueryJob
from server.engine.lexer import Scan, scan
from server.engine.terms import BlankNode, Iri, Literal, Quad, Rows, Term, Triple, sparql_term
from server.errors import (
    EngineFailed,
    EngineUnavailable,
    QuerySyntaxError,
    QueryTimeout,
    ResultTooLarge,
    ServerBusy,
    WrongQueryForm,
)

Dataset = tuple[Sequence[str], Sequence[str]]
"""Default graphs and named graphs, as a request names them."""

RESULTS = "application/sparql-results+json"
GRAPH = "application/n-triples"
CONNECT_TIMEOUT = 5.0
CHECKERS = 2
"""Threads per process that check queries before they are sent (see ``_Checker``)."""
CHUNK = 1 << 16
TRUNCATED = ("X-SPARQL-MaxRows",)
"""Headers by which an engine says it cut the result short (Virtuoso's ResultSetMaxRows)."""
PARTIAL = ("X-SQL-State",)
"""Headers by which an engine says it answered only part of the query (Virtuoso's anytime queries)."""
VERSION_PREDICATE = "http://www.w3.org/2002/07/owl#versionInfo"
QUADS = "SELECT ?s ?p ?o ?g WHERE { GRAPH ?g { ?s ?p ?o } }"
QUADS_AND_DEFAULT = """SELECT ?s ?p ?o ?g WHERE {
  { GRAPH ?g { ?s ?p ?o } } UNION { ?s ?p ?o FILTER NOT EXISTS { GRAPH ?h { ?s ?p ?o } } } }"""
"""For data with a default graph: its triples are those of the (union) default graph in no named graph."""
SIZES = "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g"
DEFAULT_SIZE = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o FILTER NOT EXISTS { GRAPH ?h { ?s ?p ?o } } }"
"""Triples of the default graph that are in no named graph (the engine's default graph being the union)."""
MENTIONS = "ASK { { GRAPH ?g { ?x ?p ?o } } UNION { GRAPH ?g { ?s ?p ?x } } }"
EMPTY_GRAPH = "urn:x-clip-kg:no-graph"
"""Named for a dataset's empty default graph or empty set of named graphs: the protocol has no
way to say "none" (a request without default-graph-uri gets the engine's own default graph,
and Virtuoso keeps every named graph when no named-graph-uri is given)."""
BNODE_ID = re.compile(rb'("type"\s*:\s*"bnode"\s*,\s*"value"\s*:\s*")([^"]*)"')


class RemoteEngine:
    """A SPARQL 1.1 endpoint holding the dataset's ``graphs`` (see ``interface.Engine``)."""

    def __init__(
        self,
        url: str,
        graphs: Sequence[str],
        timeout: float = 10.0,
        connections: int = 8,
        changed_literals: Path | None = None,
        default_graph: bool = False,
        timeout_parameter: str = "auto",
    ):
        """``changed_literals``: N-Quads of the literals engines keep in another form than the data
        (``loader.changed_literals``); ``quads`` gives them back as written, as the embedded store does.
        ``timeout_parameter`` says how the engine is told the time limit (``Settings.engine_timeout``)."""
        self.url = url
        self.graphs = tuple(graphs)
        self.default_graph = default_graph
        """True when the data has triples in the default graph (loaded in bulk from triple files)."""
        self.timeout = timeout
        self.connections = connections
        self._pid = -1
        self._http: urllib3.PoolManager | None = None
        self._lock = threading.Lock()
        self._sizes: dict[str, int] | None = None
        self._written = WrittenForms(changed_literals)
        self.timeout_parameter = timeout_parameter
        self.server = ""
        """The engine's Server header, as first answered (tells Virtuoso apart for 'auto')."""

    def rows(self, query: str, **bindings: Term) -> Rows:
        """The solutions of a SELECT query; ``bindings`` fix variables (none match a blank node)."""
        if _any_blank(bindings):
            return Rows((), [])
        return rows_of(self._results(with_values(query, bindings)))

    def ask(self, query: str, **bindings: Term) -> bool:
        """The answer of an ASK query."""
        if _any_blank(bindings):
            return False
        results = self._results(with_values(query, bindings))
        if not isinstance(results, pyoxigraph.QueryBoolean):
            raise WrongQueryForm("expected an ASK query")
        return bool(results)

    def construct(self, query: str, **bindings: Term) -> list[Triple]:
        """The triples of a CONSTRUCT or DESCRIBE query."""
        if _any_blank(bindings):
            return []
        text = with_values(query, bindings)
        if not issubclass(CHECKER.form_of(text, None, self.timeout), pyoxigraph.QueryTriples):
            raise WrongQueryForm("expected a CONSTRUCT or DESCRIBE query")
        triples = pyoxigraph.parse(self._post(text, GRAPH), format=pyoxigraph.RdfFormat.N_TRIPLES)
        return [Triple(_subject_of(t.subject), Iri(t.predicate.value), to_term(t.object)) for t in triples]

    def answer(self, job: QueryJob) -> QueryAnswer:
        """A protocol query: checked here, evaluated by the engine, counted while read, re-serialized here.

        The engine gets the dataset as protocol parameters, whether the request or the
        query's FROM clauses named it (engines differ on how the two combine), and the
        query with its FROM clauses blanked out and the endpoint's URL as its BASE.
        """
        query = with_values(job.query, dict(job.substitutions))  # a named query's parameters
        form = CHECKER.form_of(query, job.base_iri, self.timeout)
        found = scan(query)
        dataset: Dataset = (job.default_graphs, job.named_graphs)
        if not any(dataset) and found.dataset:
            dataset = query_dataset(query, found, job.base_iri)
        sent = as_sent(query, found, job.base_iri)
        limits = Limits(job.max_results, job.max_bytes)
        if issubclass(form, pyoxigraph.QueryTriples):
            body = self._post(sent, GRAPH, *dataset, limits=limits, counter=_LineRows())
            return graph_answer((q.triple for q in pyoxigraph.parse(body, format=pyoxigraph.RdfFormat.N_TRIPLES)), job)
        body = self._post(sent, RESULTS, *dataset, limits=limits, counter=JsonRows())
        return answer_of(_parse_results(body), job)

    def quads(self, subject: Term | None = None, predicate: str | None = None, obj: Term | None = None) -> list[Quad]:
        """The quads matching a pattern, in every graph of the data."""
        bindings: dict[str, Term] = {}
        if subject is not None:
            bindings["s"] = subject
        if predicate is not None:
            bindings["p"] = Iri(predicate)
        if obj is not None:
            bindings["o"] = obj
        if isinstance(subject, Literal) or _any_blank(bindings):
            return []
        found = self.rows(QUADS_AND_DEFAULT if self.default_graph else QUADS, **bindings)
        quads = [
            Quad(row["s"], row["p"], row["o"], row["g"].value if "g" in row else "")  # type: ignore[arg-type]
            for row in found
            if {"s", "p", "o"} <= row.keys()
        ]
        return [self._written.restore(quad) for quad in quads]

    def quads_about(self, iri: str) -> tuple[list[Quad], list[Quad]]:
        """The quads with the IRI as subject, and those with it as object, in every graph."""
        return self.quads(Iri(iri)), self.quads(None, None, Iri(iri))

    def mentions(self, iri: str) -> bool:
        """True when the IRI is the subject or object of some triple in any graph."""
        return self.ask(MENTIONS, x=Iri(iri))

    def graph_sizes(self) -> dict[str, int]:
        """Number of triples in each graph of the data, asked once."""
        if self._sizes is None:
            found = self.rows(SIZES)
            sizes = {row["g"].value: int(row["n"].value) for row in found if "g" in row}
            self._sizes = {graph: sizes.get(graph, 0) for graph in self.graphs}
            if self.default_graph:
                counted = self.rows(DEFAULT_SIZE)
                self._sizes[""] = int(counted[0]["n"].value) if counted and "n" in counted[0] else 0
        return dict(self._sizes)

    def __len__(self) -> int:
        return sum(self.graph_sizes().values())

    def holds_version(self, marker_graph: str, version: str) -> bool:
        """True when the engine has the data version's marker triple in its marker graph."""
        query = "ASK { GRAPH ?g { ?g ?p ?v } }"
        text = with_values(query, {"g": Iri(marker_graph), "p": Iri(VERSION_PREDICATE), "v": Literal(version)})
        results = _parse_results(self._post(text, RESULTS, (), (marker_graph,)))
        return isinstance(results, pyoxigraph.QueryBoolean) and bool(results)

    def _results(self, query: str) -> pyoxigraph.QuerySolutions | pyoxigraph.QueryBoolean:
        CHECKER.form_of(query, None, self.timeout)
        return _parse_results(self._post(query, RESULTS))

    def _pool(self) -> urllib3.PoolManager:
        """One pool of keep-alive connections per process (a forked worker makes its own)."""
        with self._lock:
            if self._http is None or self._pid != os.getpid():
                self._http = urllib3.PoolManager(num_pools=2, maxsize=self.connections, block=True, retries=False)
                self._pid = os.getpid()
            return self._http

    def _post(
        self,
        query: str,
        accept: str,
        default_graphs: Sequence[str] = (),
        named_graphs: Sequence[str] = (),
        limits: Limits | None = None,
        counter: JsonRows | _LineRows | None = None,
    ) -> bytes:
        """The engine's answer to a query, read whole within the time limit and, with limits, the row and byte limits.

        Raises:
            EngineUnavailable: no connection, or the connection broke (503).
            EngineFailed: the engine answered with an error status (502); its text is not passed on.
            QueryTimeout: no whole answer within the time limit, or the engine says it answered in part.
            ResultTooLarge: more rows or bytes than ``limits``, or the engine says it cut the result.
        """
        fields = [("query", query), *self._dataset_fields(default_graphs, named_graphs)]
        fields += self._timeout_fields()
        started = time.monotonic()
        try:
            response = self._pool().request(
                "POST",
                self.url,
                body=urlencode(fields),
                headers={"Content-Type": "application/x-www-form-urlencoded", "Accept": accept},
                preload_content=False,
                timeout=urllib3.Timeout(connect=CONNECT_TIMEOUT, read=self.timeout),
            )
        except ReadTimeoutError:
            raise _timeout(self.timeout) from None
        except (HTTPError, OSError):
            raise EngineUnavailable("the SPARQL engine behind this site does not answer; retry later") from None
        self.server = self.server or response.headers.get("Server", "")
        try:
            _check_status(response)
            body = _read(response, started, self.timeout, limits, counter)
        except BaseException:
            _discard(response)
            raise
        response.release_conn()
        return body

    def _dataset_fields(self, default_graphs: Sequence[str], named_graphs: Sequence[str]) -> list[tuple[str, str]]:
        """The protocol parameters naming a dataset: the data's graphs when none is named, ``EMPTY_GRAPH`` for none."""
        if not default_graphs and not named_graphs:
            if self.default_graph:
                return []  # a dataset cannot name the default graph: the engine's own (the union) is used
            default_graphs = named_graphs = self.graphs
        fields = [("default-graph-uri", g) for g in default_graphs or (EMPTY_GRAPH,)]
        return fields + [("named-graph-uri", g) for g in named_graphs or (EMPTY_GRAPH,)]

    def _timeout_fields(self) -> list[tuple[str, str]]:
        """The query parameter that stops the query in the engine at the time limit, where it has one.

        SPARQL 1.1 has none, so each engine names its own: Virtuoso's ``timeout`` (milliseconds)
        is sent when the engine says it is Virtuoso; others are configured (Fuseki's and
        GraphDB's ``timeout`` are in seconds). Without it an abandoned query runs on in the engine.
        """
        setting = self.timeout_parameter
        if setting == "auto":
            setting = "timeout:ms" if self.server.startswith("Virtuoso") else "none"
        if setting == "none":
            return []
        name, unit = setting.rsplit(":", 1)
        return [(name, str(math.ceil(self.timeout * 1000 if unit == "ms" else self.timeout)))]


@dataclass(frozen=True)
class Limits:
    """The most rows and bytes an answer may have, as the engine sends it."""

    max_rows: int
    max_bytes: int


def query_dataset(query: str, found: Scan, base_iri: str | None) -> Dataset:
    """The graphs of the query's FROM and FROM NAMED clauses as absolute IRIs, resolved by the engine's own
    parser against the query's prologue (its PREFIX and BASE declarations) and ``base_iri``.

    >>> query = "PREFIX g: <http://e/g/> SELECT * FROM g:a FROM NAMED <b> WHERE {}"
    >>> query_dataset(query, scan(query), "http://e/sparql")
    (('http://e/g/a',), ('http://e/b',))
    """
    prologue = query[: found.query_form] if found.query_form >= 0 else ""
    rows = " ".join(f"({int(clause.named)} {clause.target})" for clause in found.dataset)
    probe = f"{prologue}\nSELECT ?named ?graph WHERE {{ VALUES (?named ?graph) {{ {rows} }} }}"
    solutions = evaluate(pyoxigraph.Store(), probe, {"base_iri": base_iri} if base_iri else {})
    graphs = [(row["named"].value, row["graph"].value) for row in solutions]  # type: ignore[union-attr]
    return tuple(g for n, g in graphs if n == "0"), tuple(g for n, g in graphs if n == "1")


def as_sent(query: str, found: Scan, base_iri: str | None) -> str:
    """The query as the engine gets it: FROM clauses blanked (the dataset goes as protocol parameters), and
    ``base_iri`` stated as its BASE unless it states one (an engine would resolve against its own URL).

    >>> query = "SELECT * FROM <g> { <s> ?p ?o }"
    >>> as_sent(query, scan(query), "http://e/sparql")
    'BASE <http://e/sparql>\\nSELECT *          { <s> ?p ?o }'
    """
    for clause in found.dataset:
        query = query[: clause.start] + " " * (clause.end - clause.start) + query[clause.end :]
    if base_iri and not found.base:
        query = f"BASE <{base_iri}>\n{query}"
    return query


class _LineRows:
    """Triples of N-Triples: its lines (literals escape their newlines)."""

    def __init__(self) -> None:
        self.rows = 0

    def feed(self, chunk: bytes) -> None:
        self.rows += chunk.count(b"\n")


def _read(
    response: urllib3.BaseHTTPResponse,
    started: float,
    timeout: float,
    limits: Limits | None,
    counter: JsonRows | _LineRows | None,
) -> bytes:
    chunks: list[bytes] = []
    size = 0
    try:
        for chunk in response.stream(CHUNK):
            if time.monotonic() - started > timeout:
                raise _timeout(timeout)
            size += len(chunk)
            if limits is not None:
                check_bytes(size, limits.max_bytes)
            chunks.append(chunk)
            if counter is not None and limits is not None:
                counter.feed(chunk)
                check_size(counter.rows, limits.max_rows)
    except ReadTimeoutError:
        raise _timeout(timeout) from None
    except (ProtocolError, OSError):
        raise EngineUnavailable("the SPARQL engine broke the connection while answering; retry later") from None
    return b"".join(chunks)


def _check_status(response: urllib3.BaseHTTPResponse) -> None:
    headers = response.headers
    if any(name in headers for name in PARTIAL):
        raise QueryTimeout("the engine answered only part of the query within its time limit; narrow the query")
    if any(name in headers for name in TRUNCATED):
        raise ResultTooLarge("the engine cut the result at its own row limit; add LIMIT and OFFSET to page through it")
    if response.status == 400:
        raise QuerySyntaxError("the SPARQL engine refused the query")
    if response.status >= 500 or response.status not in (200, 203):
        raise EngineFailed(f"the SPARQL engine failed to answer (HTTP {response.status})")


def _discard(response: urllib3.BaseHTTPResponse) -> None:
    """Close a connection whose answer was not read to the end: it cannot carry another request."""
    response.close()
    response.release_conn()


def _timeout(seconds: float) -> QueryTimeout:
    return QueryTimeout(f"the query ran longer than the limit of {seconds:g} s and was stopped")


class _Checker:
    """Threads of this process that check queries for a remote engine, with the time limit.

    pyoxigraph plans a query to tell its form, and planning a flat query of hundreds of
    patterns takes seconds (300: 45 s): done in the request's thread, a client could hold
    every thread with a few such queries. Here the request waits at most the time limit
    (503), and at most CHECKERS threads of a process spend time on checks; a request finding
    them all busy for the whole limit gets 503 too.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._pid = -1
        self._pool: ThreadPoolExecutor | None = None
        self._free = threading.BoundedSemaphore(CHECKERS)

    def form_of(self, query: str, base_iri: str | None, timeout: float) -> type:
        pool, free = self._of_this_process()
        if not free.acquire(timeout=timeout):
            raise ServerBusy(f"every query check of this server stayed busy for {timeout:g} s; retry later")
        future = pool.submit(_form_of, query, base_iri)
        future.add_done_callback(lambda _: free.release())
        try:
            return future.result(timeout=timeout)
        except FutureTimeout:
            message = f"the query took longer than the limit of {timeout:g} s to check; it was not sent"
            raise QueryTimeout(message) from None

    def _of_this_process(self) -> tuple[ThreadPoolExecutor, threading.BoundedSemaphore]:
        with self._lock:
            if self._pool is None or self._pid != os.getpid():  # a forked worker makes its own threads
                self._pool = ThreadPoolExecutor(CHECKERS, thread_name_prefix="query-check")
                self._free = threading.BoundedSemaphore(CHECKERS)
                self._pid = os.getpid()
            return self._pool, self._free


CHECKER = _Checker()


def _form_of(query: str, base_iri: str | None = None) -> type:
    """The class of the query's answer, from evaluating it over nothing: its syntax checked here (with line
    and column) and its functions known. Only the class is kept: pyoxigraph's answers must be dropped in
    the thread that made them."""
    answer = evaluate(pyoxigraph.Store(), query, {"base_iri": base_iri} if base_iri else {})
    form = type(answer)
    del answer
    return form


def _parse_results(body: bytes) -> pyoxigraph.QuerySolutions | pyoxigraph.QueryBoolean:
    """SPARQL JSON results, with blank node labels made valid (Virtuoso writes ``nodeID://b10001``)."""
    cleaned = BNODE_ID.sub(lambda m: m.group(1) + re.sub(rb"[^A-Za-z0-9_]", b"_", m.group(2)) + b'"', body)
    try:
        return pyoxigraph.parse_query_results(cleaned, format=pyoxigraph.QueryResultsFormat.JSON)
    except (SyntaxError, ValueError):
        raise EngineFailed("the SPARQL engine answered with results that do not parse") from None


def _subject_of(node: object) -> Iri | BlankNode:
    try:
        return resource_term(node)
    except TypeError:
        raise EngineFailed("the SPARQL engine answered with a literal as a subject") from None


def _any_blank(bindings: Mapping[str, Term]) -> bool:
    return any(isinstance(term, BlankNode) for term in bindings.values())


def with_values(query: str, bindings: Mapping[str, Term]) -> str:
    """The query with a VALUES block binding ``bindings``, first in its outer group pattern.

    >>> with_values("SELECT ?n WHERE { ?s ?p ?n }", {"s": Iri("http://e/a")})
    'SELECT ?n WHERE { VALUES (?s) { (<http://e/a>) } ?s ?p ?n }'
    >>> with_values('CONSTRUCT { ?s ?p "{" } WHERE { ?s ?p ?o }', {"o": Literal("x", "en")})
    'CONSTRUCT { ?s ?p "{" } WHERE { VALUES (?o) { ("x"@en) } ?s ?p ?o }'
    >>> with_values("SELECT ?n WHERE { SELECT ?n { ?s ?p ?n } } GROUP BY ?n", {"p": Iri("http://e/p")})
    'SELECT ?n WHERE { VALUES (?p) { (<http://e/p>) } { SELECT ?n { ?s ?p ?n } }} GROUP BY ?n'
    """
    if not bindings:
        return query
    names = " ".join(f"?{name}" for name in bindings)
    values = f" VALUES ({names}) {{ ({' '.join(sparql_term(term) for term in bindings.values())}) }}"
    start, end, subselect = group_bounds(query)
    if subselect:  # WHERE { SELECT ... }: a sub-select must be a group of its own beside the VALUES
        return f"{query[: start + 1]}{values} {{{query[start + 1 : end]}}}{query[end:]}"
    return f"{query[: start + 1]}{values}{query[start + 1 :]}"


_TOKENS = re.compile(
    r'"""(?:[^"\\]|\\.|"(?!""))*"""|\'\'\'(?:[^\'\\]|\\.|\'(?!\'\'))*\'\'\'|"(?:[^"\\\n]|\\.)*"|\'(?:[^\'\\\n]|\\.)*\''
    r'|<[^<>"{}|^`\\\s]*>|#[^\n]*|[{}]|[A-Za-z]+',
    re.DOTALL,
)


def group_bounds(query: str) -> tuple[int, int, bool]:
    """Where the query's WHERE group opens and closes (a CONSTRUCT's template skipped), and whether
    it is a bare sub-select.

    >>> group_bounds("ASK { ?s ?p ?o }")
    (4, 15, False)
    """
    depth, form, seen_where, groups, start, subselect = 0, "", False, 0, -1, False
    for token in _tokens(query):
        text = token.group()
        upper = text.upper()
        if start >= 0 and depth == 1 and token.start() > start and not subselect and text not in "{}":
            subselect = upper == "SELECT" and query[start + 1 : token.start()].strip() == ""
        if depth == 0 and not form and upper in ("SELECT", "ASK", "CONSTRUCT", "DESCRIBE"):
            form = upper
        elif depth == 0 and upper == "WHERE":
            seen_where = True
        elif text == "{":
            if depth == 0:
                groups += 1
                if start < 0 and (form != "CONSTRUCT" or seen_where or groups == 2):
                    start = token.start()
            depth += 1
        elif text == "}":
            depth -= 1
            if depth == 0 and start >= 0:
                return start, token.start(), subselect
    raise QuerySyntaxError("the query has no group pattern to bind values in")


def _tokens(query: str) -> Iterator[re.Match[str]]:
    return _TOKENS.finditer(query)
