"""Slow and greedy clients against ``clip-kg serve`` over real sockets (server/cli/front.py).

A client that sends its request slowly must not hold a worker thread, nor keep its
connection past KG_HEADER_TIMEOUT / KG_BODY_TIMEOUT; one address may not hold more than
KG_CONNECTIONS_PER_CLIENT connections per worker process. Every loop here is bounded in
count and time and every socket is closed.
"""

from __future__ import annotations

import re
import socket
import time
import urllib.parse
from collections.abc import Iterator
from contextlib import closing, suppress
from pathlib import Path

import pytest

from ..conftest import HAS_JAVA
from ..live import clip_kg_serve
from ..slowclients import COUNT, connect_from, normal_requests, slow_clients, summary

pytestmark = pytest.mark.live

HEADER_TIMEOUT = 5
BODY_TIMEOUT = 5
PER_CLIENT = 4
READ_BUFFER = 10_000
WORKERS = 2
"""tests/live.py starts two worker processes with two threads each."""


@pytest.fixture(scope="module")
def url(cache_dir: Path) -> Iterator[str]:
    limits = {
        "header_timeout": str(HEADER_TIMEOUT),
        "body_timeout": str(BODY_TIMEOUT),
        "connections_per_client": str(PER_CLIENT),
        "read_buffer_bytes": str(READ_BUFFER),
    }
    with clip_kg_serve(cache_dir, reasoning="yes" if HAS_JAVA else "no", **limits) as (address, _):
        yield address


def read_until_closed(sock: socket.socket, seconds: float) -> bytes:
    """What the server sends until it closes the connection, waiting ``seconds`` at most."""
    deadline = time.monotonic() + seconds
    received = b""
    while time.monotonic() < deadline and len(received) < 1_000_000:
        sock.settimeout(max(deadline - time.monotonic(), 0.01))
        try:
            piece = sock.recv(65536)
        except TimeoutError:
            break
        except ConnectionResetError:
            break
        if not piece:
            break
        received += piece
    return received


def sparql_target(query: str = COUNT) -> str:
    return "/sparql?" + urllib.parse.urlencode({"query": query})


def test_slow_heads_hold_no_thread(url: str) -> None:
    """100 connections sending a header byte every 0.5 s: every normal request is answered quickly."""
    with slow_clients(url, count=100, interval=0.5, seconds=HEADER_TIMEOUT - 0.5) as clients:
        latencies = normal_requests(url, count=6, timeout=3, pause=0.1)
        assert len(clients.sockets) == 100, "the slow connections were cut before their time"
    assert all(latency is not None for latency in latencies), summary(latencies)


def test_slow_bodies_hold_no_thread(url: str) -> None:
    """20 POSTs whose bodies stall after 10 of 100 bytes: normal requests are answered meanwhile."""
    head = b"POST /sparql HTTP/1.1\r\nHost: x\r\nContent-Type: application/sparql-query\r\nContent-Length: 100\r\n\r\n"
    stalled = [connect_from(url, f"127.0.0.{60 + i}") for i in range(20)]
    try:
        for sock in stalled:
            sock.sendall(head + b"SELECT * W")
        latencies = normal_requests(url, count=4, timeout=3, pause=0.1)
        assert all(latency is not None for latency in latencies), summary(latencies)
    finally:
        for sock in stalled:
            sock.close()


def test_an_unfinished_head_is_closed_with_408_after_the_header_timeout(url: str) -> None:
    with closing(connect_from(url, "127.0.0.150")) as sock:
        started = time.monotonic()
        sock.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n")
        answer = read_until_closed(sock, HEADER_TIMEOUT + 4)
        waited = time.monotonic() - started
    assert answer.startswith(b"HTTP/1.1 408"), answer[:200]
    assert HEADER_TIMEOUT - 1 <= waited <= HEADER_TIMEOUT + 3


def test_an_unfinished_body_is_closed_with_408_after_the_body_timeout(url: str) -> None:
    head = b"POST /sparql HTTP/1.1\r\nHost: x\r\nContent-Type: application/sparql-query\r\nContent-Length: 100\r\n\r\n"
    with closing(connect_from(url, "127.0.0.151")) as sock:
        started = time.monotonic()
        sock.sendall(head + b"SELECT")
        answer = read_until_closed(sock, BODY_TIMEOUT + 4)
        waited = time.monotonic() - started
    assert answer.startswith(b"HTTP/1.1 408"), answer[:200]
    assert BODY_TIMEOUT - 1 <= waited <= BODY_TIMEOUT + 3


def test_one_address_holds_a_bounded_number_of_connections(url: str) -> None:
    """12 connections from one address: past the limit of each worker they are answered 429 and closed."""
    opened = [connect_from(url, "127.0.0.200") for _ in range(12)]
    try:
        for sock in opened:
            with suppress(OSError):  # a refused connection may be gone already
                sock.sendall(b"GET / HTTP/1.1\r\n")
        refused = [sock for sock in opened if read_until_closed(sock, 1).startswith(b"HTTP/1.1 429")]
        assert len(refused) >= len(opened) - PER_CLIENT * WORKERS
        assert all(latency is not None for latency in normal_requests(url, count=2, timeout=3, pause=0))
    finally:
        for sock in opened:
            sock.close()
    time.sleep(0.5)
    with closing(connect_from(url, "127.0.0.200")) as sock:
        sock.sendall(f"GET {sparql_target()} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".encode())
        assert read_until_closed(sock, 10).startswith(b"HTTP/1.1 200"), "closed connections were not counted out"


def test_chunked_and_pipelined_requests_are_read_whole(url: str) -> None:
    body = COUNT.encode()
    chunked = b"%x\r\n%s\r\n%x\r\n%s\r\n0\r\n\r\n" % (10, body[:10], len(body) - 10, body[10:])
    post = (
        b"POST /sparql HTTP/1.1\r\nHost: x\r\nContent-Type: application/sparql-query\r\n"
        b"Transfer-Encoding: chunked\r\nAccept: text/csv\r\n\r\n" + chunked
    )
    last = f"GET {sparql_target()} HTTP/1.1\r\nHost: x\r\nAccept: text/csv\r\nConnection: close\r\n\r\n".encode()
    with closing(connect_from(url, "127.0.0.152")) as sock:
        sock.sendall(post[:40])
        time.sleep(0.3)
        sock.sendall(post[40:] + last)
        answer = read_until_closed(sock, 10)
    assert answer.count(b"HTTP/1.1 200") == 2, answer[:500]
    assert len(re.findall(rb"\bn\r?\n32\r?\n", answer)) == 2, answer[:500]


def test_a_client_expecting_100_continue_gets_it_once_before_sending_its_body(url: str) -> None:
    body = COUNT.encode()
    head = (
        b"POST /sparql HTTP/1.1\r\nHost: x\r\nContent-Type: application/sparql-query\r\nAccept: text/csv\r\n"
        b"Expect: 100-continue\r\nConnection: close\r\nContent-Length: %d\r\n\r\n" % len(body)
    )
    with closing(connect_from(url, "127.0.0.153")) as sock:
        sock.sendall(head)
        sock.settimeout(3)
        assert sock.recv(100) == b"HTTP/1.1 100 Continue\r\n\r\n"
        sock.sendall(body)
        answer = read_until_closed(sock, 10)
    assert answer.startswith(b"HTTP/1.1 200"), answer[:300]
    assert b"100 Continue" not in answer


def test_requests_being_read_hold_a_bounded_number_of_bytes(url: str) -> None:
    """Three unfinished 8 KB bodies of 6 KB each: two share a worker, and pass its 10 KB, so one gets 503."""
    head = b"POST /sparql HTTP/1.1\r\nHost: x\r\nContent-Type: application/sparql-query\r\nContent-Length: 8000\r\n\r\n"
    opened = [connect_from(url, f"127.0.0.{160 + i}") for i in range(3)]
    try:
        for sock in opened:
            with suppress(OSError):
                sock.sendall(head + b"#" * 6000)
            time.sleep(0.2)
        answers = [read_until_closed(sock, 1) for sock in opened]
    finally:
        for sock in opened:
            sock.close()
    assert any(answer.startswith(b"HTTP/1.1 503") for answer in answers), [a[:100] for a in answers]
    assert all(latency is not None for latency in normal_requests(url, count=2, timeout=3, pause=0))


def front_refusals(url: str) -> dict[str, float]:
    """The front's refusals by reason, as /metrics counts them for the whole server."""
    with closing(connect_from(url, "127.0.0.99")) as sock:
        sock.sendall(b"GET /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        text = read_until_closed(sock, 10).decode()
    found = re.findall(r'^clip_kg_front_refusals_total\{reason="(\w+)"\} (\S+)$', text, re.MULTILINE)
    return {reason: float(value) for reason, value in found}


def test_the_fronts_refusals_are_counted_at_metrics(url: str) -> None:
    """Refused before the application sees a request, they are still counted (and logged) for operators."""
    before = front_refusals(url)
    with closing(connect_from(url, "127.0.0.152")) as sock:
        sock.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n")
        assert read_until_closed(sock, HEADER_TIMEOUT + 4).startswith(b"HTTP/1.1 408")
    opened = [connect_from(url, "127.0.0.201") for _ in range(12)]
    try:
        for sock in opened:
            with suppress(OSError):
                sock.sendall(b"GET / HTTP/1.1\r\n")
        refused = sum(read_until_closed(sock, 1).startswith(b"HTTP/1.1 429") for sock in opened)
    finally:
        for sock in opened:
            sock.close()
    after = front_refusals(url)
    assert after["slow"] >= before["slow"] + 1
    assert after["connections"] >= before["connections"] + refused > before["connections"]
