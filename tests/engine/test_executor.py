"""The killable executor: answers come back whole, errors keep their class, overruns are killed.

A small dataset and short time limits; the pool runs in forked children of this process.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from multiprocessing.connection import Connection
from pathlib import Path

import pytest
from rdflib import Dataset, Literal, URIRef

from server.engine.embedded import EmbeddedEngine
from server.engine.executor import QueryExecutor
from server.engine.interface import QueryAnswer, QueryJob
from server.errors import KgError, NotAcceptable, QuerySyntaxError, QueryTimeout, ResultTooLarge

EX = "http://example.org/"
SLOW = """SELECT (COUNT(*) AS ?n) WHERE {
  ?a ?p1 ?o1 . ?b ?p2 ?o2 . ?c ?p3 ?o3 . ?d ?p4 ?o4 . ?e ?p5 ?o5 . ?f ?p6 ?o6 . ?g ?p7 ?o7 }"""
"""A seven-way cross product of 50 triples: 50^7 solutions, far beyond any time limit here."""


def pids(executor: QueryExecutor) -> set[int]:
    return {child.process.pid for child in list(executor._idle.queue) if child.process.pid}


@pytest.fixture
def executor() -> Iterator[QueryExecutor]:
    dataset = Dataset()
    graph = dataset.graph(URIRef(EX + "g"))
    for number in range(50):
        graph.add((URIRef(f"{EX}s{number}"), URIRef(EX + "n"), Literal(number)))
    pool = QueryExecutor(EmbeddedEngine(dataset), processes=2, timeout=1.0)
    yield pool
    pool.shutdown()


def test_an_answer_comes_back_serialized_from_a_child(executor: QueryExecutor) -> None:
    answer = executor.run(QueryJob("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }", results_format="csv"))
    assert answer.body.decode().split() == ["n", "50"]
    assert all(pid != os.getpid() for pid in pids(executor))


@pytest.mark.parametrize(
    ("job", "error", "message"),
    [
        (QueryJob("SELECT WHERE", results_format="json"), QuerySyntaxError, "SPARQL syntax error"),
        (QueryJob("SELECT * WHERE { ?s ?p ?o }", results_format="json", max_results=49), ResultTooLarge, "than 49"),
        (QueryJob("SELECT * WHERE { ?s ?p ?o }", graph_format="ttl"), NotAcceptable, "table of results"),
    ],
    ids=["syntax", "too-large", "no-format"],
)
def test_errors_in_a_child_keep_their_class_and_message(
    executor: QueryExecutor, job: QueryJob, error: type[Exception], message: str
) -> None:
    with pytest.raises(error, match=message):
        executor.run(job)
    assert executor.run(QueryJob("ASK { ?s ?p ?o }", results_format="json")).body  # the child is still there


def test_an_overrun_is_stopped_and_its_process_replaced(executor: QueryExecutor) -> None:
    executor.run(QueryJob("ASK { ?s ?p ?o }", results_format="json"))  # start the pool
    before = pids(executor)
    started = time.monotonic()
    with pytest.raises(QueryTimeout, match="was stopped"):
        executor.run(QueryJob(SLOW, results_format="json"))
    assert time.monotonic() - started < 5
    after = pids(executor)
    killed = before - after
    assert len(after) == 2 and len(killed) == 1
    assert not Path(f"/proc/{killed.pop()}").exists(), "the overrunning process is still alive"
    assert executor.run(QueryJob("ASK { ?s ?p ?o }", results_format="json")).body == b'{"head":{},"boolean":true}'


def test_a_large_answer_arrives_byte_identical() -> None:
    """Five megabytes of results cross the pipe as raw bytes, unchanged, and the child answers again."""
    value = "".join(chr(code) for code in range(0x20, 0x2FF) if chr(code) not in '"\\') * 20
    nquads = "".join(f'<{EX}s{number}> <{EX}v> "{number} {value}" .\n' for number in range(400)).encode()
    engine = EmbeddedEngine(nquads=nquads)
    pool = QueryExecutor(engine, processes=1, timeout=30.0)
    try:
        job = QueryJob("SELECT ?s ?v WHERE { ?s ?p ?v } ORDER BY ?s", results_format="json")
        expected = engine.answer(job)
        assert len(expected.body) > 5_000_000
        answer = pool.run(job)
        assert (answer.body, answer.format_name, answer.kind) == (expected.body, "json", "results")
        assert pool.run(QueryJob("ASK { ?s ?p ?o }", results_format="json")).body == b'{"head":{},"boolean":true}'
    finally:
        pool.shutdown()


def test_the_parent_unpickles_nothing_a_child_sends(executor: QueryExecutor, monkeypatch: pytest.MonkeyPatch) -> None:
    executor.run(QueryJob("ASK { ?s ?p ?o }", results_format="json"))  # the children are forked before the patch

    def refuse(connection: Connection) -> object:
        raise AssertionError("the parent unpickled what a child sent")

    monkeypatch.setattr(Connection, "recv", refuse)
    count = QueryJob("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }", results_format="tsv")
    assert executor.run(count).body == b"?n\n50\n"
    with pytest.raises(QuerySyntaxError):
        executor.run(QueryJob("SELECT WHERE", results_format="json"))


class Dying(EmbeddedEngine):
    """An engine whose process dies in the middle of a query."""

    def answer(self, job: QueryJob) -> QueryAnswer:
        if "die" in job.query:
            os._exit(1)
        return super().answer(job)


def test_a_child_that_dies_is_replaced_and_the_query_not_answered() -> None:
    pool = QueryExecutor(Dying(nquads=f"<{EX}s> <{EX}p> <{EX}o> .\n".encode()), processes=1, timeout=5.0)
    try:
        pool.run(QueryJob("ASK { ?s ?p ?o }", results_format="json"))
        before = pids(pool)
        with pytest.raises(KgError, match="the query process failed"):
            pool.run(QueryJob("ASK { ?s ?p ?o } # die", results_format="json"))
        assert pids(pool) and pids(pool) != before
        assert pool.run(QueryJob("ASK { ?s ?p ?o }", results_format="json")).body == b'{"head":{},"boolean":true}'
    finally:
        pool.shutdown()


def test_shutdown_stops_every_child(executor: QueryExecutor) -> None:
    executor.run(QueryJob("ASK { ?s ?p ?o }", results_format="json"))
    children = pids(executor)
    assert len(children) == 2
    executor.shutdown()
    assert not any(Path(f"/proc/{pid}").exists() for pid in children)


def test_the_limit_counts_from_the_deadline_given_and_the_held_seconds_are_told(executor: QueryExecutor) -> None:
    held: list[float] = []
    started = time.monotonic()
    with pytest.raises(QueryTimeout):  # arrived 0.6 s ago: 0.4 s of the 1 s limit are left
        executor.run(QueryJob(SLOW, results_format="json"), deadline=started + 0.4, held=held.append)
    assert 0.3 < time.monotonic() - started < 0.9
    assert len(held) == 1 and 0.3 < held[0] < 0.9
    before = pids(executor)
    with pytest.raises(QueryTimeout, match="waited the whole limit"):  # no time left: no process is used
        executor.run(QueryJob("ASK { ?s ?p ?o }", results_format="json"), deadline=time.monotonic() - 0.1)
    assert pids(executor) == before
