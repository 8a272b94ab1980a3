"""How the front finds where a request ends in the bytes received so far (server/cli/front.py)."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest

from server.cli.front import Reading, request_end, with_arrival
from server.web.fairness import ARRIVED

LIMIT = 1000


def end_of(*pieces: bytes) -> int | None:
    """The request end after receiving ``pieces`` one at a time, as the event loop does."""
    reading = Reading(conn=None, deadline=0.0)
    found = None
    for piece in pieces:
        reading.buffer += piece
        found = request_end(reading, LIMIT)
    return found


def test_a_head_without_body_ends_at_its_empty_line() -> None:
    assert end_of(b"GET / HTTP/1.1\r\nHost: x\r\n", b"\r\nGET /next") == len(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")


def test_an_unfinished_head_is_not_a_request() -> None:
    assert end_of(b"GET / HTTP/1.1\r\n", b"Host: x\r\n") is None


def test_a_body_of_known_length_is_waited_for() -> None:
    head = b"POST / HTTP/1.1\r\ncontent-LENGTH: 5\r\n\r\n"
    assert end_of(head, b"abc") is None
    assert end_of(head, b"abc", b"de") == len(head) + 5


def test_a_body_over_the_limit_is_not_waited_for() -> None:
    head = b"POST / HTTP/1.1\r\nContent-Length: 5000\r\n\r\n"
    assert end_of(head) == len(head)


@pytest.mark.parametrize("split", [1, 30, 60, 75])
def test_a_chunked_body_ends_after_its_last_chunk_and_trailers(split: int) -> None:
    request = (
        b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"
        b"3;ext=1\r\nabc\r\n10\r\n0123456789abcdef\r\n0\r\nX-Trailer: 1\r\n\r\n"
    )
    assert end_of(request[:split], request[split:] + b"GET /next") == len(request)
    assert end_of(request[:-1]) is None


def test_a_head_that_never_ends_is_handed_over_past_the_limit() -> None:
    assert end_of(b"GET / HTTP/1.1\r\nX: " + b"a" * (LIMIT + 70_000)) is not None


def test_a_client_that_expects_100_continue_is_noticed() -> None:
    reading = Reading(conn=None, deadline=0.0)
    reading.buffer += b"POST / HTTP/1.1\r\nExpect: 100-continue\r\nContent-Length: 5\r\n\r\n"
    assert request_end(reading, LIMIT) is None
    assert reading.expects_continue


def test_a_head_sent_a_byte_at_a_time_ends_where_it_ends() -> None:
    head = b"GET / HTTP/1.1\r\nHost: x\r\n\r\n"
    assert end_of(*(head[i : i + 1] for i in range(len(head)))) == len(head)
    assert end_of(*(head[i : i + 1] for i in range(len(head) - 1))) is None


def test_the_application_is_told_when_the_request_was_read_whole() -> None:
    """The worker notes the moment a request is whole on its connection's socket; the environ carries it."""
    seen: dict[str, Any] = {}

    def application(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        seen.clear()
        seen.update(environ)
        return []

    wrapped = with_arrival(application)
    wrapped({"gunicorn.socket": SimpleNamespace(arrived=12.5)}, None)
    assert seen[ARRIVED] == 12.5
    wrapped({"gunicorn.socket": SimpleNamespace()}, None)  # another server: the application's own clock
    assert ARRIVED not in seen
