"""The killable executor: answers come back whole, errors keep their class, overruns are killed.

A small dataset and short time limits; the pool runs in forked children of this process.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from rdflib import Dataset, Literal, URIRef

from server.engine.embedded import EmbeddedEngine
from server.engine.executor import QueryExecutor
from server.engine.interface import QueryJob
from server.errors import NotAcceptable, QuerySyntaxError, QueryTimeout, ResultTooLarge

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


def test_shutdown_stops_every_child(executor: QueryExecutor) -> None:
    executor.run(QueryJob("ASK { ?s ?p ?o }", results_format="json"))
    children = pids(executor)
    assert len(children) == 2
    executor.shutdown()
    assert not any(Path(f"/proc/{pid}").exists() for pid in children)
