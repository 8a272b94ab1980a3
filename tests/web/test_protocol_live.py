"""The protocol's limits and error paths under the production server (gunicorn), over a socket.

The same checks as the in-process protocol tests, sent with urllib to ``clip-kg serve``
started as users start it, so a behaviour that only the production stack changes
(request size limits, error bodies, headers) shows here.
"""

from __future__ import annotations

import http.client
import socket
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterable, Iterator
from pathlib import Path

import pytest

from ..conftest import HAS_JAVA
from ..live import clip_kg_serve

pytestmark = pytest.mark.live

CITIES = "SELECT ?c WHERE { ?c a <https://w3id.org/clip-network/def/City> } ORDER BY ?c"
COUNT = "SELECT (COUNT(?c) AS ?n) WHERE { ?c a <https://w3id.org/clip-network/def/City> }"


@pytest.fixture(scope="module")
def url(cache_dir: Path) -> Iterator[str]:
    limits = {"max_results": "20", "max_request_bytes": "4000", "query_timeout": "5"}
    with clip_kg_serve(cache_dir, reasoning="yes" if HAS_JAVA else "no", **limits) as (address, _):
        yield address


def send(
    url: str, method: str = "GET", query: dict[str, str] | None = None, body: bytes | None = None, **headers: str
) -> tuple[int, dict[str, str], str]:
    """(status, headers, body text) of one request; errors are answers too."""
    target = f"{url}/sparql" + ("?" + urllib.parse.urlencode(query) if query else "")
    request = urllib.request.Request(target, data=body, method=method, headers=headers)  # noqa: S310
    try:
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 - loopback only
            return response.status, dict(response.headers), response.read().decode()
    except urllib.error.HTTPError as error:
        with error:
            return error.code, dict(error.headers), error.read().decode()


CASES = [
    ("syntax", {"query": {"query": "SELECT ?x WHERE { ?x"}}, 400, "SPARQL syntax error"),
    ("two-queries", {"query": {"query": COUNT}, "method": "POST", "body": b"query=x",
                     "Content-Type": "application/x-www-form-urlencoded"}, 400, "in the body, not in the URL"),
    ("bad-graph-iri", {"query": {"query": COUNT, "default-graph-uri": "not an iri"}}, 400, "not a valid graph IRI"),
    ("update-get", {"query": {"update": "CLEAR ALL"}}, 403, "read-only"),
    ("update-post", {"method": "POST", "body": b"CLEAR ALL", "Content-Type": "application/sparql-update"},
     403, "read-only"),
    ("service", {"query": {"query": "SELECT * WHERE { SERVICE <http://127.0.0.1:9/> { ?s ?p ?o } }"}},
     403, "SERVICE"),
    ("not-acceptable", {"query": {"query": COUNT}, "Accept": "image/png"}, 406, "application/sparql-results+json"),
    ("body-too-large", {"method": "POST", "body": b"#" + b"x" * 5000 + b"\n" + COUNT.encode(),
                        "Content-Type": "application/sparql-query"}, 413, "larger than 4000 bytes"),
    ("uri-too-long", {"query": {"query": "#" + "x" * 5000 + "\n" + COUNT}}, 414, "longer than 4000 bytes"),
    ("media-type", {"method": "POST", "body": b"{}", "Content-Type": "application/json"}, 415,
     "application/sparql-query"),
    ("too-many-rows", {"query": {"query": CITIES}}, 422, "more than 20 rows"),
]  # fmt: skip


@pytest.mark.parametrize(("name", "request_", "status", "message"), CASES, ids=[case[0] for case in CASES])
def test_errors_have_their_status_a_plain_message_and_cors(
    url: str, name: str, request_: dict[str, object], status: int, message: str
) -> None:
    options = dict(request_)
    query, method, body = options.pop("query", None), options.pop("method", "GET"), options.pop("body", None)
    got, headers, text = send(url, str(method), query, body, **{k: str(v) for k, v in options.items()})  # type: ignore[arg-type]
    assert (got, message in text) == (status, True), text
    assert headers["Content-Type"].startswith("text/plain")
    assert headers["Access-Control-Allow-Origin"] == "*"
    assert "Traceback" not in text and "/work/" not in text


def test_within_the_limits_the_answer_is_whole(url: str) -> None:
    status, headers, text = send(url, query={"query": CITIES + " LIMIT 20"}, Accept="text/csv")
    assert (status, headers["Content-Type"].split(";")[0]) == (200, "text/csv")
    assert len(text.strip().splitlines()) == 21
    assert headers["Server"].startswith("gunicorn")


# --- bad input over raw HTTP: what only the real server stack shows ------------------------------------


def raw(url: str, request: bytes) -> tuple[int, str]:
    """(status, body text) of bytes sent as they are on a fresh connection, read until the server closes it."""
    address = urllib.parse.urlsplit(url)
    with socket.create_connection((address.hostname, address.port), timeout=30) as connection:
        connection.sendall(request)
        received = bytearray()
        while len(received) < 1_000_000:
            chunk = connection.recv(65536)
            if not chunk:
                break
            received += chunk
    head, _, body = bytes(received).partition(b"\r\n\r\n")
    return int(head.split(b" ", 2)[1]), body.decode("utf-8", "replace")


def chunked(url: str, body: Iterable[bytes], content_type: str) -> tuple[int, str]:
    """(status, body text) of a POST whose body goes in chunks, with no Content-Length (http.client)."""
    address = urllib.parse.urlsplit(url)
    connection = http.client.HTTPConnection(address.hostname or "", address.port, timeout=30)
    try:
        connection.request("POST", "/sparql", body=body, headers={"Content-Type": content_type}, encode_chunked=True)
        response = connection.getresponse()
        return response.status, response.read().decode()
    finally:
        connection.close()


def pieces(text: str, size: int = 1000) -> Iterator[bytes]:
    data = text.encode()
    return (data[start : start + size] for start in range(0, len(data), size))


PADDED = "# " + "x" * 5000 + "\n" + COUNT
"""A valid query past the 4000-byte limit; cut at the limit, it would be only a comment."""


@pytest.mark.parametrize(
    ("content_type", "body"),
    [("application/sparql-query", PADDED),
     ("application/x-www-form-urlencoded", urllib.parse.urlencode({"query": PADDED}))],
    ids=["direct", "form"],
)  # fmt: skip
def test_a_chunked_body_past_the_limit_is_413(url: str, content_type: str, body: str) -> None:
    status, text = chunked(url, pieces(body), content_type)
    assert (status, "larger than 4000 bytes" in text) == (413, True), text


def test_a_chunked_body_within_the_limit_is_read_whole(url: str) -> None:
    query = "# " + "x" * 3000 + "\n" + COUNT  # the query itself is in the last chunks
    status, text = chunked(url, pieces(query), "application/sparql-query")
    assert (status, '"value":"32"' in text.replace(" ", "")) == (200, True), text


@pytest.mark.parametrize(
    "request_",
    [
        b"GET /sparql?query=%FF HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
        b"GET /sparql?query=ASK%7B%7D&named-graph-uri=%C3%28 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
        b"POST /sparql HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
        b"Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 9\r\n\r\nquery=%FF",
        b"POST /sparql HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
        b"Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 12\r\n\r\nquery=ASK{}\xff",
        b"POST /sparql HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
        b"Content-Type: application/sparql-query\r\nContent-Length: 6\r\n\r\nASK{}\xff",
    ],
    ids=["query-string", "graph-parameter", "form-escape", "form-raw-byte", "direct-body"],
)
def test_invalid_utf8_is_400(url: str, request_: bytes) -> None:
    status, text = raw(url, request_)
    assert (status, "not UTF-8" in text) == (400, True), text


LIVE_CASES = [
    ("3000-unclosed-groups", "SELECT * WHERE " + "{" * 3000, 400, "nests brackets more than 200 deep"),
    ("1100-additions", "SELECT * WHERE { FILTER(" + "+".join(["1"] * 1100) + ") }", 400, "more than 2000 tokens"),
    ("comment-only", "# SELECT * WHERE { ?s ?p ?o }", 400, "no query"),
    ("unknown-function", "SELECT (<http://example.org/f>(1) AS ?x) {}", 400, "is not supported"),
    ("xsd-without-hash", "PREFIX xsd: <http://www.w3.org/2001/XMLSchema>\nSELECT (xsd:integer('1') AS ?x) {}", 400,
     "XMLSchema#>, with #"),
    ("service-in-comment", "# service\nSELECT (COUNT(*) AS ?n) WHERE " + "{" * 60 + "?s ?p ?o" + "}" * 60, 200,
     '"type":"literal"'),
    ("from-honoured", "ASK FROM <https://w3id.org/clip-network/graph/asserted> "
     "{ <https://w3id.org/clip-network/def/City> a ?t }", 200, '"boolean":false'),
    ("relative-iri", "ASK { <id/city/vienna> ?p ?o }", 200, '"boolean":true'),
]  # fmt: skip


@pytest.mark.parametrize(("name", "query", "status", "message"), LIVE_CASES, ids=[case[0] for case in LIVE_CASES])
def test_edge_queries_over_a_socket(url: str, name: str, query: str, status: int, message: str) -> None:
    got, headers, text = send(url, "POST", body=query.encode(), **{"Content-Type": "application/sparql-query"})
    assert (got, message in text.replace(" ", "") or message in text) == (status, True), text
    if status >= 400:
        assert headers["Content-Type"].startswith("text/plain")


def test_after_the_refusals_the_server_still_answers(url: str) -> None:
    for _ in range(5):
        send(
            url, "POST", body=("SELECT * WHERE " + "{" * 3000).encode(), **{"Content-Type": "application/sparql-query"}
        )
    status, _, text = send(url, query={"query": COUNT})
    assert (status, '"32"' in text) == (200, True)
