"""The killable executor: answers come back whole, errors keep their class, overruns are killed;
a query past the memory limit is refused, a crash is answered, counted and logged, and no
child outlives its parent.

A small dataset and short time limits; the pool runs in forked children of this process,
or of a process started here to be killed.
"""

from __future__ import annotations

import json
import logging
import os
import select
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from multiprocessing.connection import Connection
from pathlib import Path

import pytest
from rdflib import Dataset, Literal, URIRef

from server.config import PROJECT_ROOT
from server.engine.embedded import EmbeddedEngine
from server.engine.executor import QueryExecutor
from server.engine.interface import QueryAnswer, QueryJob
from server.errors import (
    NotAcceptable,
    QueryCrashed,
    QueryMemoryExceeded,
    QuerySyntaxError,
    QueryTimeout,
    ResultTooLarge,
    ServerBusy,
)

from ..hostile import NESTED, alive, doubling, gone_within

EX = "http://example.org/"
SLOW = """SELECT (COUNT(*) AS ?n) WHERE {
  ?a ?p1 ?o1 . ?b ?p2 ?o2 . ?c ?p3 ?o3 . ?d ?p4 ?o4 . ?e ?p5 ?o5 . ?f ?p6 ?o6 . ?g ?p7 ?o7 }"""
"""A seven-way cross product of 50 triples: 50^7 solutions, far beyond any time limit here."""
MIB = 1024 * 1024
ASK = QueryJob("ASK { ?s ?p ?o }", results_format="json")


def pids(executor: QueryExecutor) -> set[int]:
    return {child.process.pid for child in list(executor._idle.queue) if child.process.pid}


@pytest.fixture
def executor() -> Iterator[QueryExecutor]:
    dataset = Dataset()
    graph = dataset.graph(URIRef(EX + "g"))
    for number in range(50):
        graph.add((URIRef(f"{EX}s{number}"), URIRef(EX + "n"), Literal(number)))
    pool = QueryExecutor(EmbeddedEngine(dataset), processes=2, timeout=1.0, memory_bytes=256 * MIB)
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
    """An engine whose process ends in the middle of a query, as the query text says."""

    def answer(self, job: QueryJob) -> QueryAnswer:
        if "# exit" in job.query:
            os._exit(1)
        if "# segfault" in job.query:
            os.kill(os.getpid(), signal.SIGSEGV)
        if "# abort" in job.query:
            os.abort()
        if "# memory" in job.query:
            raise MemoryError
        return super().answer(job)


@pytest.fixture
def dying() -> Iterator[QueryExecutor]:
    engine = Dying(nquads=f"<{EX}s> <{EX}p> <{EX}o> .\n".encode())
    pool = QueryExecutor(engine, processes=1, timeout=5.0, memory_bytes=256 * MIB)
    yield pool
    pool.shutdown()


@pytest.mark.parametrize(("ending", "how"), [("exit", "exit status 1"), ("segfault", "signal SIGSEGV")])
def test_a_child_that_dies_is_replaced_and_the_query_answered_with_an_error_counted_and_logged(
    dying: QueryExecutor, caplog: pytest.LogCaptureFixture, ending: str, how: str
) -> None:
    dying.run(ASK)
    before = pids(dying)
    job = QueryJob(f"ASK {{ ?s ?p ?o }} # {ending}", results_format="json")
    with caplog.at_level(logging.WARNING, logger="server.engine.executor"):
        with pytest.raises(QueryCrashed, match=rf"crashed the process answering it \({how}\).*digest {job.digest}"):
            dying.run(job)
    assert dying.crashes.value == 1 and dying.out_of_memory.value == 0
    (record,) = caplog.records
    assert job.digest in record.getMessage() and how in record.getMessage()
    assert job.query not in record.getMessage() and "?s ?p ?o" not in record.getMessage()
    assert pids(dying) and pids(dying) != before
    assert not any(alive(pid) for pid in before)
    assert dying.run(ASK).body == b'{"head":{},"boolean":true}'


@pytest.mark.parametrize("ending", ["abort", "memory"])
def test_a_child_out_of_memory_is_replaced_and_the_query_refused(
    dying: QueryExecutor, caplog: pytest.LogCaptureFixture, ending: str
) -> None:
    """pyoxigraph aborts (SIGABRT) when an allocation fails; Python raises MemoryError: both are refused, 422."""
    dying.run(ASK)
    before = pids(dying)
    job = QueryJob(f"ASK {{ ?s ?p ?o }} # {ending}", results_format="json")
    with caplog.at_level(logging.WARNING, logger="server.engine.executor"):
        with pytest.raises(QueryMemoryExceeded, match="more than 256 MiB of memory, the limit of one query"):
            dying.run(job)
    assert (dying.out_of_memory.value, dying.crashes.value) == (1, 0)
    assert job.digest in caplog.records[0].getMessage()
    assert pids(dying) != before and not gone_within(before, 5)
    assert dying.run(ASK).body == b'{"head":{},"boolean":true}'


def test_without_a_memory_limit_an_abort_is_a_crash(dying: QueryExecutor) -> None:
    dying.memory_bytes = 0
    with pytest.raises(QueryCrashed, match="SIGABRT"):
        dying.run(QueryJob("ASK { ?s ?p ?o } # abort", results_format="json"))
    assert dying.crashes.value == 1


def test_nested_groups_crash_pyoxigraph_in_a_process_of_its_own() -> None:
    """The crash the next test relies on, seen alone: pyoxigraph's parser dies of 3,000 nested groups."""
    crashed = subprocess.run(  # noqa: S603 - this interpreter, a fixed program
        [sys.executable, "-c", "import sys, pyoxigraph; pyoxigraph.Store().query(sys.argv[1])", NESTED],
        capture_output=True,
        timeout=60,
        check=False,
    )
    assert crashed.returncode == -signal.SIGSEGV


def test_a_query_that_crashes_the_engine_is_answered_500_counted_and_logged(
    executor: QueryExecutor, caplog: pytest.LogCaptureFixture
) -> None:
    executor.run(ASK)
    job = QueryJob(NESTED, results_format="json")
    with caplog.at_level(logging.WARNING, logger="server.engine.executor"):
        with pytest.raises(QueryCrashed, match=f"SIGSEGV.*{job.digest}") as raised:
            executor.run(job)
    assert raised.value.status == 500
    assert executor.crashes.value == 1
    assert [job.digest in record.getMessage() and "{" not in record.getMessage() for record in caplog.records] == [True]
    assert executor.run(ASK).body == b'{"head":{},"boolean":true}'


def test_a_long_string_past_the_memory_limit_is_refused_and_its_process_replaced() -> None:
    """A string doubled 26 times (64 MiB, 128 MiB with the steps before it) in a process allowed 64 MiB more."""
    pool = QueryExecutor(EmbeddedEngine(), processes=1, timeout=60.0, memory_bytes=64 * MIB)
    try:
        small = pool.run(QueryJob(doubling(20), results_format="csv", max_bytes=sys.maxsize))
        assert len(small.body) > MIB
        before = pids(pool)
        with pytest.raises(QueryMemoryExceeded, match="more than 64 MiB of memory") as raised:
            pool.run(QueryJob(doubling(26), results_format="csv", max_bytes=sys.maxsize))
        assert raised.value.status == 422
        assert pool.out_of_memory.value == 1 and pool.crashes.value == 0
        assert pids(pool) != before and not gone_within(before, 5)
        assert pool.run(QueryJob(doubling(20), results_format="csv", max_bytes=sys.maxsize)).body == small.body
    finally:
        pool.shutdown()


def test_shutdown_stops_every_child(executor: QueryExecutor) -> None:
    executor.run(ASK)
    children = pids(executor)
    assert len(children) == 2
    executor.shutdown()
    assert not any(Path(f"/proc/{pid}").exists() for pid in children)


def test_shutdown_stops_busy_children_too(executor: QueryExecutor) -> None:
    executor.timeout = 30.0
    executor.run(ASK)
    children = pids(executor)
    errors: list[Exception] = []

    def slow() -> None:
        try:
            executor.run(QueryJob(SLOW, results_format="json"))
        except Exception as error:  # noqa: BLE001 - what the stopped query gives is checked below
            errors.append(error)

    thread = threading.Thread(target=slow)
    thread.start()
    deadline = time.monotonic() + 5
    while len(pids(executor)) == 2 and time.monotonic() < deadline:
        time.sleep(0.05)  # until the slow query holds one child
    executor.shutdown()
    thread.join(timeout=10)
    assert not gone_within(children, 5)
    assert [type(error) for error in errors] == [ServerBusy] and executor.crashes.value == 0


def test_a_child_reads_the_end_of_its_pipe_when_the_parent_closes_it(executor: QueryExecutor) -> None:
    """No child holds the parent's end of its own pipe or of a sibling's, so closing it ends the child."""
    executor.processes = 3
    executor.run(ASK)
    children = [executor._idle.get(timeout=5) for _ in range(3)]
    for child in children:
        child.connection.close()
    for child in children:
        child.process.join(timeout=5)
        assert child.process.exitcode == 0, "a child kept waiting for jobs after its parent's end was closed"


def test_children_outlive_the_request_thread_that_forked_them(executor: QueryExecutor) -> None:
    """A child dies with the thread that forked it (parent-death signal), so no request thread forks one."""
    started = threading.Thread(target=executor.run, args=(ASK,))
    started.start()
    started.join(timeout=10)
    errors: list[Exception] = []

    def overrun() -> None:
        try:
            executor.run(QueryJob(SLOW, results_format="json"))
        except QueryTimeout as error:
            errors.append(error)

    timed_out = threading.Thread(target=overrun)
    timed_out.start()  # its child is replaced from this thread, which then ends
    timed_out.join(timeout=10)
    assert len(errors) == 1
    children = pids(executor)
    time.sleep(0.5)
    assert len(children) == 2 and all(alive(pid) for pid in children)
    assert executor.run(ASK).body == b'{"head":{},"boolean":true}'
    assert pids(executor) == children


OWNER = """
import json, sys, threading, time
from server.engine.embedded import EmbeddedEngine
from server.engine.executor import QueryExecutor
from server.engine.interface import QueryJob

nquads = "".join(f'<http://example.org/s{n}> <http://example.org/p> "{n}" .\\n' for n in range(50)).encode()
pool = QueryExecutor(EmbeddedEngine(nquads=nquads), processes=3, timeout=600.0)
starter = threading.Thread(target=pool.run, args=(QueryJob("ASK {}", results_format="json"),))
starter.start()
starter.join()
threading.Thread(target=pool.run, args=(QueryJob(sys.argv[1], results_format="json"),), daemon=True).start()
time.sleep(0.5)
print(json.dumps(sorted(pool._children)), flush=True)
sys.stdin.readline()
sys.exit(0)
"""
"""A process that owns a pool of three children, one of them busy with a long query; it exits when told."""


@pytest.mark.parametrize("end", ["kill -9", "exit"])
def test_no_child_outlives_the_process_that_owns_the_pool(end: str) -> None:
    owner = subprocess.Popen(  # noqa: S603 - this interpreter, a fixed program
        [sys.executable, "-c", OWNER, SLOW],
        cwd=PROJECT_ROOT,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)},
    )
    try:
        assert owner.stdout is not None
        readable, _, _ = select.select([owner.stdout], [], [], 60)
        children = set(json.loads(owner.stdout.readline() if readable else "[]"))
        assert len(children) == 3 and all(alive(pid) for pid in children)
        assert owner.stdin is not None
        if end == "kill -9":
            owner.kill()
        else:
            owner.stdin.write(b"exit\n")
            owner.stdin.flush()
        owner.wait(timeout=30)
        assert gone_within(children, 5) == set(), f"query processes left after {end} of their owner"
    finally:
        owner.kill()
        owner.wait(timeout=10)
        for pipe in (owner.stdin, owner.stdout):
            if pipe:
                pipe.close()


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


def test_two_queries_stopped_at_once_are_both_answered_at_the_limit(executor: QueryExecutor) -> None:
    """Replacements are forked one at a time (by the forker thread): no new child holds another's exit pipe,
    so neither join waits for a sibling and neither 503 comes late."""
    executor.run(ASK)
    took: list[float] = []

    def overrun() -> None:
        started = time.monotonic()
        with pytest.raises(QueryTimeout):
            executor.run(QueryJob(SLOW, results_format="json"))
        took.append(time.monotonic() - started)

    threads = [threading.Thread(target=overrun) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=15)
    assert len(took) == 2 and max(took) < executor.timeout + 2.0
