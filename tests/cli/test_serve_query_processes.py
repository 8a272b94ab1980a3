"""`clip-kg serve` against hostile queries, over a real socket: answers bounded in bytes, query
processes bounded in memory, crashes answered and logged, and no query process outliving its worker.

One server with small limits: answers of at most 4 MiB (the whole CLIP graph as N-Triples
is about 1.5 MB), 128 MiB of memory per query process.
"""

from __future__ import annotations

import hashlib
import http.client
import os
import signal
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from ..conftest import HAS_JAVA
from ..hostile import NESTED, children_of, doubling, gone_within
from ..live import clip_kg_serve

pytestmark = pytest.mark.live

MIB = 1024 * 1024
MAX_RESULT_BYTES = 4 * MIB
QUERY_MEMORY_BYTES = 128 * MIB
SLOW = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"
"""A four-way cross product of the CLIP graph: it runs until the time limit (30 s here)."""


@pytest.fixture(scope="module")
def served(cache_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path, int]]:
    """The server's URL, the file its error output (gunicorn's and the site's log) goes to, its master's pid."""
    log = tmp_path_factory.mktemp("serve-limits") / "stderr.log"
    settings = {
        "max_result_bytes": str(MAX_RESULT_BYTES),
        "query_memory_bytes": str(QUERY_MEMORY_BYTES),
        "query_timeout": "30",
        "reasoning": "yes" if HAS_JAVA else "no",
        "max_query_depth": "100000",  # the pre-parse guard lifted, so that a crash can still be made here
        "max_query_tokens": "100000",
    }
    with clip_kg_serve(cache_dir, log, **settings) as (url, process):
        yield url, log, process.pid


def ask_from(url: str, address: str, query: str) -> tuple[int, dict[str, str], bytes]:
    """POST a query from the loopback source ``address`` (fair sharing tells clients apart by it)."""
    parts = urllib.parse.urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname or "", parts.port, timeout=60, source_address=(address, 0))
    try:
        body = urllib.parse.urlencode({"query": query})
        connection.request("POST", "/sparql", body, {"Content-Type": "application/x-www-form-urlencoded"})
        response = connection.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    finally:
        connection.close()


def ask(url: str, query: str, accept: str = "application/sparql-results+json") -> tuple[int, bytes]:
    """POST a query; its status and body, whatever the status."""
    body = urllib.parse.urlencode({"query": query}).encode()
    request = urllib.request.Request(f"{url}/sparql", data=body, headers={"Accept": accept})
    try:
        with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310 - loopback only
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        with error:
            return error.code, error.read()


def test_an_answer_past_the_byte_limit_is_refused_and_the_whole_graph_answered(served: tuple[str, Path, int]) -> None:
    url, _, _ = served
    status, body = ask(url, doubling(23))  # 8 MiB of one value, from 700 bytes of query
    assert (status, body.decode()) == (422, f"the result is larger than {MAX_RESULT_BYTES} bytes, "
                                       "the limit of this endpoint; add LIMIT and OFFSET to page through it, "
                                       "or select fewer or shorter values\n")  # fmt: skip
    status, body = ask(url, "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }", "application/n-triples")
    assert status == 200 and MIB < len(body) < MAX_RESULT_BYTES
    assert ask(url, doubling(20))[0] == 200  # 1 MiB of one value: within the limit


def test_a_query_past_the_memory_limit_is_refused_and_the_server_keeps_answering(served: tuple[str, Path, int]) -> None:
    url, log, _ = served
    query = doubling(27)  # 256 MiB of its last value alone, before it is serialized
    status, body = ask(url, query)
    assert status == 422
    assert body.decode().startswith("the query needed more than 128 MiB of memory, the limit of one query")
    assert ask(url, "ASK {}") == (200, b'{"head":{},"boolean":true}')
    assert f"ran out of its {QUERY_MEMORY_BYTES} bytes of memory answering query {digest(query)}" in wait_for(
        log, digest(query)
    )


def test_a_query_that_crashes_its_process_is_answered_500_with_its_digest_and_logged(
    served: tuple[str, Path, int],
) -> None:
    url, log, _ = served
    status, _, body = ask_from(url, "127.0.0.9", NESTED)
    assert status == 500
    assert body.decode() == (
        "the query crashed the process answering it (signal SIGSEGV) and was not answered; "
        f"the crash is logged under the query's digest {digest(NESTED)}\n"
    )
    line = wait_for(log, digest(NESTED))
    assert "crashed (signal SIGSEGV)" in line and "{{" not in line
    again, headers, _ = ask_from(url, "127.0.0.9", "ASK {}")  # a crash costs its client the minute
    assert again == 429 and int(headers["Retry-After"]) >= 1
    assert ask(url, "ASK {}") == (200, b'{"head":{},"boolean":true}')  # others are answered


def test_the_query_processes_of_killed_workers_end_with_them(served: tuple[str, Path, int]) -> None:
    """kill -9 of both workers while queries run: none of their query processes, busy or idle, is left."""
    url, _, master = served
    workers = query_processes_by_worker(url, master)
    running = [threading.Thread(target=ask_ignoring_errors, args=(url, SLOW), daemon=True) for _ in range(2)]
    for thread in running:
        thread.start()
    time.sleep(1)  # the slow queries reach their query processes
    for worker in workers:
        os.kill(worker, signal.SIGKILL)
    children = {child for children in workers.values() for child in children}
    assert len(children) >= 4
    assert gone_within(children, 5) == set(), "query processes outlived their killed worker"
    for thread in running:
        thread.join(timeout=30)
    assert ask(url, "ASK {}")[0] == 200  # gunicorn replaced the workers


def ask_ignoring_errors(url: str, query: str) -> None:
    """Ask, for a query whose answer does not matter (its worker is killed while it runs)."""
    try:
        ask(url, query)
    except OSError:
        pass


def digest(query: str) -> str:
    return hashlib.sha256(query.encode()).hexdigest()[:12]


def wait_for(log: Path, text: str, seconds: float = 10) -> str:
    """The first line of the log that holds ``text``, waiting for it to be written."""
    deadline = time.monotonic() + seconds
    while True:
        lines = [line for line in log.read_text(errors="replace").splitlines() if text in line]
        if lines or time.monotonic() > deadline:
            assert lines, f"{text!r} is not in the server's log"
            return lines[0]
        time.sleep(0.2)


def query_processes_by_worker(url: str, master: int) -> dict[int, list[int]]:
    """The running query processes of each gunicorn worker, once queries started every worker's pool."""
    deadline = time.monotonic() + 30
    while True:
        for _ in range(8):
            ask(url, "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }")
        workers = {pid: children_of(pid) for pid in children_of(master)}
        if len(workers) == 2 and all(workers.values()):
            return workers
        assert time.monotonic() < deadline, f"the workers' query processes did not all start: {workers}"
