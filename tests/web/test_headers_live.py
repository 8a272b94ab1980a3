"""Headers over a socket, from ``clip-kg serve`` (gunicorn) started as users start it.

The hostile data of tests/data/web, so the server starts in seconds. Requests are sent with
http.client, which lets the Host header and the request target be anything a client sends.
"""

from __future__ import annotations

import http.client
from collections.abc import Iterator
from urllib.parse import urlsplit

import pytest

from ..conftest import DATA
from ..live import clip_kg_serve

pytestmark = pytest.mark.live
EVIL = "evil.example"
PATHS = [
    ("/", "text/html"),
    ("/doc/thing/harbour.html", "text/html"),
    ("/id/thing/harbour", "text/html"),
    ("/search?q=harbour", "text/html"),
    ("/sparql", "text/turtle"),
    ("/sparql", "text/html"),
    ("/.well-known/void", "text/turtle"),
    ("/catalog", "text/html"),
    ("/dumps", "application/json"),
    ("/openapi.json", "application/json"),
    ("/queries", "application/json"),
    ("/def", "text/html"),
    ("/doc/thing/nowhere", "text/plain"),
]


@pytest.fixture(scope="module")
def address(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, int]]:
    files = {"data_files": str(DATA / "web" / "hostile-iris.trig"), "reasoning": "no"}
    with clip_kg_serve(tmp_path_factory.mktemp("live-headers"), **files) as (url, _):
        parts = urlsplit(url)
        yield parts.hostname or "127.0.0.1", parts.port or 80


def send(
    address: tuple[str, int], method: str, target: str, **headers: str
) -> tuple[int, http.client.HTTPMessage, bytes]:
    """One request as sent, Host included: (status, headers, body)."""
    connection = http.client.HTTPConnection(*address, timeout=30)
    try:
        connection.putrequest(method, target, skip_host=True, skip_accept_encoding=True)
        for name, value in {"Host": EVIL, **headers}.items():
            connection.putheader(name, value)
        connection.endheaders()
        response = connection.getresponse()
        return response.status, response.headers, response.read()
    finally:
        connection.close()


@pytest.mark.parametrize(("path", "accept"), PATHS)
def test_security_headers_and_no_trace_of_the_host_sent(address: tuple[str, int], path: str, accept: str) -> None:
    status, headers, body = send(address, "GET", path, Accept=accept)
    assert status < 500, path
    assert EVIL.encode() not in body, path
    assert not [(name, value) for name, value in headers.items() if EVIL in value], path
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
    policy = headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in policy
    if headers.get_content_type() == "text/html":
        assert "script-src 'self'" in policy and "unsafe-inline" not in policy


def test_an_absolute_request_target_on_another_host_is_not_echoed(address: tuple[str, int]) -> None:
    status, headers, body = send(address, "GET", f"http://{EVIL}/def", Accept="text/html")
    assert (status, headers["Location"]) == (308, "/def/")
    assert EVIL.encode() not in body and EVIL not in headers.get("Location", "")


def test_a_slash_redirect_over_the_socket_is_a_path(address: tuple[str, int]) -> None:
    status, headers, _ = send(address, "GET", "/def", Accept="text/html")
    assert (status, headers["Location"]) == (308, "/def/")


@pytest.mark.parametrize(
    ("method", "path", "methods"), [("PUT", "/", {"GET", "HEAD"}), ("DELETE", "/sparql", {"POST"})]
)
def test_a_405_over_the_socket_says_which_methods_are_allowed(
    address: tuple[str, int], method: str, path: str, methods: set[str]
) -> None:
    status, headers, _ = send(address, method, path)
    assert status == 405
    assert methods <= set(headers["Allow"].split(", "))


def test_the_service_description_names_the_configured_base(address: tuple[str, int]) -> None:
    _, _, body = send(address, "GET", "/sparql", Accept="application/n-triples")
    assert b"<https://w3id.org/clip-network/sparql>" in body
