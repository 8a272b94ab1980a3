"""Rows counted from the bytes of a results document, as pyoxigraph writes it, in any chunking;
answers refused past the byte limit while they are written.

The documents are real answers of the embedded engine over literals chosen to look like
the syntax the counters look for; the true number of rows comes from a COUNT of the same
query, never from the counters.
"""

from __future__ import annotations

import json
import random
from dataclasses import replace
from typing import Any

import pytest
from rdflib import Dataset, Literal, URIRef

from server.engine import embedded
from server.engine.counting import COUNTERS, ByteLimitExceeded, CountingWriter, LimitedWriter, RowLimitExceeded
from server.engine.embedded import EmbeddedEngine
from server.engine.interface import QueryJob
from server.errors import ResultTooLarge

from ..hostile import doubling

EX = "http://example.org/"
FORMATS = ("json", "xml", "csv", "tsv")
TRICKY = (
    "",
    '"',
    '""',
    '\\"',
    "\\",
    "ends with a backslash\\",
    "\\\\",
    '\\\\"',
    ",{",
    "[{",
    '"},{"',
    '{"results":{"bindings":[{"s":{}},{}]}}',
    "<result>",
    "</result><result/><result>",
    "<results><result></result></results>",
    "&lt;result&gt;",
    "line\r\nbreak",
    "lone\rreturn",
    "lone\nnewline",
    "\r\n",
    '"\r\n"',
    'a,"b\r\n",c',
    "tab\there\t",
    "ünïcödé € 😀 ,{ ✓",
    "\x01\x1f control",
)
"""Literal values that look like the syntax of one results format or another."""


def tricky() -> Dataset:
    dataset = Dataset()
    graph = dataset.graph(URIRef(EX + "g"))
    for number, value in enumerate(TRICKY):
        subject = URIRef(f"{EX}s{number}")
        graph.add((subject, URIRef(EX + "plain"), Literal(value)))
        graph.add((subject, URIRef(EX + "tagged"), Literal(value, lang="en")))
        graph.add((subject, URIRef(EX + "typed"), Literal(value, datatype=URIRef(EX + "type,x"))))
    graph.add((URIRef(EX + "with,comma"), URIRef(EX + "plain"), Literal(7)))
    return dataset


@pytest.fixture(scope="module")
def engine() -> EmbeddedEngine:
    return EmbeddedEngine(tricky())


QUERIES = {
    "none": "SELECT ?s ?o WHERE { ?s ?p ?o FILTER(false) }",
    "one": f"SELECT ?o WHERE {{ <{EX}s11> <{EX}plain> ?o }}",
    "one-empty": "SELECT * WHERE { }",
    "many": "SELECT ?s ?p ?o ?unbound WHERE { ?s ?p ?o OPTIONAL { ?s <http://example.org/none> ?unbound } }",
    "empty-rows": "SELECT ?x WHERE { VALUES ?x { UNDEF UNDEF UNDEF } }",
    "blank-nodes": "SELECT ?b ?o WHERE { ?s ?p ?o BIND(BNODE() AS ?b) }",
    "triple-terms": "SELECT ?t WHERE { ?s ?p ?o BIND(<<( ?s ?p ?o )>> AS ?t) }",
    "nested-triple-terms": f"SELECT ?o ?t WHERE {{ ?s <{EX}tagged> ?o BIND(<<( ?s ?s <<( ?s ?s ?o )>> )>> AS ?t) }}",
}


def document(engine: EmbeddedEngine, name: str, fmt: str) -> bytes:
    return engine.answer(QueryJob(QUERIES[name], results_format=fmt, max_results=10**9)).body


def true_count(engine: EmbeddedEngine, name: str) -> int:
    count = engine.rows(f"SELECT (COUNT(*) AS ?n) WHERE {{ {{ {QUERIES[name]} }} }}")
    return int(count[0]["n"].value)


def counted(fmt: str, chunks: list[bytes]) -> int:
    counter = COUNTERS[fmt]()
    for chunk in chunks:
        counter.feed(chunk)
    return counter.rows


CASES = [(fmt, name) for fmt in FORMATS for name in QUERIES]
IDS = [f"{fmt}-{name}" for fmt, name in CASES]


def test_the_documents_hold_what_the_counters_must_not_be_fooled_by(engine: EmbeddedEngine) -> None:
    many = {fmt: document(engine, "many", fmt) for fmt in FORMATS}
    for inside_a_string in (b'"value":",{"', b'"value":"[{"', b',{\\"', b'[{\\"', b'\\\\"'):
        assert inside_a_string in many["json"]  # string contents that look like row starts or string ends
    assert b"&lt;result&gt;" in many["xml"]
    assert b'"line\r\nbreak"' in many["csv"] and b'""' in many["csv"]
    assert b"line\\r\\nbreak" in many["tsv"]
    assert b'"type":"triple"' in document(engine, "nested-triple-terms", "json")
    assert true_count(engine, "many") == 3 * len(TRICKY) + 1  # three literals of each value, and a number


def test_counts_agree_with_a_parser_of_each_format(engine: EmbeddedEngine) -> None:
    body = document(engine, "many", "json")
    assert counted("json", [body]) == len(json.loads(body)["results"]["bindings"])


@pytest.mark.parametrize(("fmt", "name"), CASES, ids=IDS)
def test_rows_are_counted_exactly_in_one_chunk(engine: EmbeddedEngine, fmt: str, name: str) -> None:
    assert counted(fmt, [document(engine, name, fmt)]) == true_count(engine, name)


@pytest.mark.parametrize(("fmt", "name"), CASES, ids=IDS)
def test_rows_are_counted_exactly_in_every_split_into_two_chunks(engine: EmbeddedEngine, fmt: str, name: str) -> None:
    body, expected = document(engine, name, fmt), true_count(engine, name)
    wrong = [cut for cut in range(len(body) + 1) if counted(fmt, [body[:cut], body[cut:]]) != expected]
    assert not wrong, f"miscounted when split at {wrong[:5]}: {[body[c - 5 : c + 5] for c in wrong[:5]]}"


@pytest.mark.parametrize(("fmt", "name"), CASES, ids=IDS)
def test_rows_are_counted_exactly_one_byte_at_a_time(engine: EmbeddedEngine, fmt: str, name: str) -> None:
    body = document(engine, name, fmt)
    assert counted(fmt, [body[i : i + 1] for i in range(len(body))]) == true_count(engine, name)


@pytest.mark.parametrize("fmt", FORMATS)
def test_rows_are_counted_exactly_in_random_chunks_with_empty_ones(engine: EmbeddedEngine, fmt: str) -> None:
    body, expected = document(engine, "nested-triple-terms", fmt), true_count(engine, "nested-triple-terms")
    chooser = random.Random(fmt)  # noqa: S311 - a reproducible chunking, not a secret
    for _ in range(50):
        cuts = sorted(chooser.randrange(len(body) + 1) for _ in range(chooser.randrange(1, 40)))
        chunks = [body[a:b] for a, b in zip([0, *cuts], [*cuts, len(body)], strict=True)]
        assert counted(fmt, chunks) == expected


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_count_never_runs_ahead_of_the_rows_written(engine: EmbeddedEngine, fmt: str) -> None:
    """Before the end, the count is at most the true number: the limit never refuses too early."""
    body, expected = document(engine, "many", fmt), true_count(engine, "many")
    counter = COUNTERS[fmt]()
    for i in range(len(body)):
        counter.feed(body[i : i + 1])
        assert counter.rows <= expected


@pytest.mark.parametrize("fmt", FORMATS)
def test_the_writer_keeps_every_byte_and_stops_past_the_limit(engine: EmbeddedEngine, fmt: str) -> None:
    body, expected = document(engine, "many", fmt), true_count(engine, "many")
    exact = CountingWriter(fmt, expected)
    for start in range(0, len(body), 100):
        exact.write(memoryview(body[start : start + 100]))
    exact.flush()
    assert (exact.getvalue(), exact.rows, exact.exceeded) == (body, expected, False)
    over = CountingWriter(fmt, expected - 1)
    with pytest.raises(RowLimitExceeded):
        for start in range(0, len(body), 100):
            over.write(body[start : start + 100])
    assert over.exceeded
    with pytest.raises(RowLimitExceeded):  # and keeps refusing
        over.write(b"")


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("name", ["many", "triple-terms", "empty-rows"])
def test_a_select_one_row_over_the_limit_is_refused_and_one_at_it_answered(
    engine: EmbeddedEngine, fmt: str, name: str
) -> None:
    size = true_count(engine, name)
    answer = engine.answer(QueryJob(QUERIES[name], results_format=fmt, max_results=size))
    assert answer.body == document(engine, name, fmt)
    with pytest.raises(ResultTooLarge, match=f"^the result has more than {size - 1} rows or triples, the limit"):
        engine.answer(QueryJob(QUERIES[name], results_format=fmt, max_results=size - 1))


def many_rows(count: int) -> EmbeddedEngine:
    dataset = Dataset()
    graph = dataset.graph(URIRef(EX + "g"))
    for number in range(count):
        graph.add((URIRef(f"{EX}s{number}"), URIRef(EX + "n"), Literal(f'row {number}, with a "quote" and ,{{')))
    return EmbeddedEngine(dataset)


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_large_result_past_the_limit_stops_being_serialized(monkeypatch: pytest.MonkeyPatch, fmt: str) -> None:
    engine = many_rows(5000)
    query = "SELECT * WHERE { ?s ?p ?o }"
    whole = engine.answer(QueryJob(query, results_format=fmt, max_results=5000)).body
    writers: list[CountingWriter] = []

    class Watched(CountingWriter):
        def __init__(self, *args: Any) -> None:
            super().__init__(*args)
            writers.append(self)

    monkeypatch.setattr(embedded, "CountingWriter", Watched)
    with pytest.raises(ResultTooLarge, match="more than 100 rows"):
        engine.answer(QueryJob(query, results_format=fmt, max_results=100))
    (writer,) = writers
    assert len(writer.getvalue()) < len(whole) / 10, "the serialization went on past the limit"


class CountingStore:
    """A stand-in for the pyoxigraph store that counts the queries evaluated on it."""

    def __init__(self, store: Any) -> None:
        self.store, self.queries = store, 0

    def query(self, *args: Any, **kwargs: Any) -> Any:
        self.queries += 1
        return self.store.query(*args, **kwargs)


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_select_is_evaluated_once(monkeypatch: pytest.MonkeyPatch, fmt: str) -> None:
    engine = many_rows(20)
    store = CountingStore(engine._store)
    monkeypatch.setattr(engine, "_opened", store)
    engine.answer(QueryJob("SELECT * WHERE { ?s ?p ?o }", results_format=fmt, max_results=20))
    assert store.queries == 1
    with pytest.raises(ResultTooLarge):
        engine.answer(QueryJob("SELECT * WHERE { ?s ?p ?o }", results_format=fmt, max_results=19))
    assert store.queries == 2


# --- the byte limit ---------------------------------------------------------------------------

GRAPH_FORMATS = ("ttl", "nt", "rdf", "jsonld")
CONSTRUCT = "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }"


def test_the_limited_writer_refuses_the_write_that_would_pass_the_limit_and_keeps_none_of_it() -> None:
    writer = LimitedWriter(10)
    assert writer.write(b"12345") == 5
    assert writer.write(memoryview(b"67890")) == 5
    with pytest.raises(ByteLimitExceeded):
        writer.write(b"x")
    with pytest.raises(ByteLimitExceeded):  # and keeps refusing
        writer.write(b"")
    assert (writer.getvalue(), writer.size, writer.over_bytes) == (b"1234567890", 10, True)


@pytest.mark.parametrize("fmt", FORMATS)
def test_the_counting_writer_refuses_past_the_byte_limit_too(engine: EmbeddedEngine, fmt: str) -> None:
    body = document(engine, "many", fmt)
    writer = CountingWriter(fmt, 10**9, len(body) - 1)
    with pytest.raises(ByteLimitExceeded):
        for start in range(0, len(body), 100):
            writer.write(body[start : start + 100])
    assert writer.over_bytes and not writer.exceeded and writer.size < len(body)


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_select_one_byte_over_the_limit_is_refused_and_one_at_it_answered(engine: EmbeddedEngine, fmt: str) -> None:
    body = document(engine, "many", fmt)
    assert engine.answer(QueryJob(QUERIES["many"], results_format=fmt, max_bytes=len(body))).body == body
    with pytest.raises(ResultTooLarge, match=f"^the result is larger than {len(body) - 1} bytes, the limit"):
        engine.answer(QueryJob(QUERIES["many"], results_format=fmt, max_bytes=len(body) - 1))


@pytest.mark.parametrize("fmt", GRAPH_FORMATS)
def test_a_graph_one_byte_over_the_limit_is_refused_and_one_at_it_answered(engine: EmbeddedEngine, fmt: str) -> None:
    body = engine.answer(QueryJob(CONSTRUCT, graph_format=fmt)).body
    assert engine.answer(QueryJob(CONSTRUCT, graph_format=fmt, max_bytes=len(body))).body == body
    with pytest.raises(ResultTooLarge, match=f"^the result is larger than {len(body) - 1} bytes, the limit"):
        engine.answer(QueryJob(CONSTRUCT, graph_format=fmt, max_bytes=len(body) - 1))


@pytest.mark.parametrize("fmt", GRAPH_FORMATS)
def test_a_graph_one_triple_over_the_limit_is_refused_and_one_at_it_answered(engine: EmbeddedEngine, fmt: str) -> None:
    size = len(engine)
    assert engine.answer(QueryJob(CONSTRUCT, graph_format=fmt, max_results=size)).body
    with pytest.raises(ResultTooLarge, match=f"^the result has more than {size - 1} rows or triples"):
        engine.answer(QueryJob(CONSTRUCT, graph_format=fmt, max_results=size - 1))


@pytest.mark.parametrize("fmt", ["json", "csv", "nt", "ttl"])
def test_a_long_string_stops_being_serialized_at_the_byte_limit(monkeypatch: pytest.MonkeyPatch, fmt: str) -> None:
    """A query of under 1 KB whose answer is over 4 MiB is refused at 1 MiB, and its serialization stops there.

    After the refused write, pyoxigraph tries once more to write what its buffer holds (a
    flush as it stops), and then nothing more.
    """
    query = doubling(22)
    if fmt in GRAPH_FORMATS:
        query = query.replace("SELECT ?a22 WHERE", f"CONSTRUCT {{ <{EX}s> <{EX}p> ?a22 }} WHERE")
        job = QueryJob(query, graph_format=fmt)
    else:
        job = QueryJob(query, results_format=fmt)
    assert len(query) < 1024
    assert len(EmbeddedEngine().answer(job).body) > 4 * 1024 * 1024
    writes: list[tuple[bool, int]] = []  # (refused already, size) of every write

    class WatchedRows(CountingWriter):
        def write(self, data: bytes) -> int:
            writes.append((self.over_bytes, len(data)))
            return super().write(data)

    class WatchedBytes(LimitedWriter):
        def write(self, data: bytes) -> int:
            writes.append((self.over_bytes, len(data)))
            return super().write(data)

    monkeypatch.setattr(embedded, "CountingWriter", WatchedRows)
    monkeypatch.setattr(embedded, "LimitedWriter", WatchedBytes)
    with pytest.raises(ResultTooLarge, match="larger than 1048576 bytes"):
        EmbeddedEngine().answer(replace(job, max_bytes=1024 * 1024))
    after_refusal = [size for refused, size in writes if refused]
    assert len(after_refusal) <= 1, f"the serializer went on writing after the refusal: {len(after_refusal)} writes"
