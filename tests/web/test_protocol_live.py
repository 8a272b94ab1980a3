"""The protocol's limits and error paths under the production server (gunicorn), over a socket.

The same checks as the in-process protocol tests, sent with urllib to ``clip-kg serve``
started as users start it, so a behaviour that only the production stack changes
(request size limits, error bodies, headers) shows here.
"""

from __future__ import annotations

import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
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
