"""Fair sharing over a real socket: `clip-kg serve` (gunicorn, 2 workers × 2 threads), clients
told apart by their loopback source address (127.0.0.N)."""

from __future__ import annotations

import http.client
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote, urlsplit

import pytest

from ..live import clip_kg_serve

pytestmark = pytest.mark.live

TIMEOUT = 2.0
SLOW = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"
CHEAP = "ASK { ?s ?p ?o }"


@pytest.fixture(scope="module")
def served(cache_dir: Path) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    limits = {"client_queries": "1", "client_query_seconds": "3", "heavy_queries": "1"}
    with clip_kg_serve(cache_dir, query_timeout=str(TIMEOUT), reasoning="no", **limits) as running:
        yield running


def ask(url: str, client: str, query: str, path: str = "") -> tuple[int, dict[str, str], bytes, float]:
    """One GET /sparql (or of ``path``) from source address ``client``: status, headers, body, seconds."""
    parts = urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname or "", parts.port, timeout=30, source_address=(client, 0))
    started = time.monotonic()
    try:
        connection.request("GET", path or "/sparql?query=" + quote(f"# {time.time()}\n{query}", safe=""))
        response = connection.getresponse()
        return response.status, dict(response.getheaders()), response.read(), time.monotonic() - started
    finally:
        connection.close()


def in_background(url: str, client: str, query: str) -> tuple[threading.Thread, list[int]]:
    statuses: list[int] = []
    thread = threading.Thread(target=lambda: statuses.append(ask(url, client, query)[0]))
    thread.start()
    time.sleep(0.5)  # it is running now
    return thread, statuses


def test_a_client_over_its_queries_at_once_gets_429_and_another_is_unaffected(
    served: tuple[str, subprocess.Popen[bytes]],
) -> None:
    url, _ = served
    running, statuses = in_background(url, "127.0.0.11", SLOW)
    status, headers, body, _ = ask(url, "127.0.0.11", CHEAP)
    assert status == 429
    assert int(headers["Retry-After"]) >= 1
    assert headers["Content-Type"].startswith("text/plain")
    assert b"queries at once" in body
    assert ask(url, "127.0.0.11", "", path="/queries/member_cities")[0] == 429  # named queries count too
    assert ask(url, "127.0.0.11", "", path="/doc/city/vienna")[0] == 200  # pages do not
    assert ask(url, "127.0.0.11", "", path="/sparql")[0] == 200  # nor the endpoint's own description
    status, _, _, seconds = ask(url, "127.0.0.12", CHEAP)
    assert (status, seconds < 1.5) == (200, True)
    running.join()
    assert statuses == [503]


def test_a_client_over_its_query_seconds_gets_429_and_another_is_unaffected(
    served: tuple[str, subprocess.Popen[bytes]],
) -> None:
    url, _ = served
    for _ in range(2):  # 2 × 2 s of query processes: over the 3 s of this server's minute
        assert ask(url, "127.0.0.21", SLOW)[0] == 503
    status, headers, body, _ = ask(url, "127.0.0.21", CHEAP)
    assert status == 429
    assert 1 <= int(headers["Retry-After"]) <= 120
    assert b"query time in the last minute" in body
    assert ask(url, "127.0.0.22", CHEAP)[0] == 200


def test_32_queries_at_once_are_each_stopped_within_the_limit_and_a_half_second(
    served: tuple[str, subprocess.Popen[bytes]],
) -> None:
    url, _ = served
    answers: list[tuple[int, float]] = []
    barrier = threading.Barrier(32)

    def one(number: int) -> None:
        barrier.wait(timeout=30)
        status, _, _, seconds = ask(url, f"127.0.2.{number + 1}", SLOW)
        answers.append((status, seconds))

    threads = [threading.Thread(target=one, args=(n,)) for n in range(32)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted({status for status, _ in answers}) == [503]
    assert max(seconds for _, seconds in answers) <= TIMEOUT + 0.5


def test_heavy_clients_wait_for_each_other_and_a_light_one_is_answered(
    served: tuple[str, subprocess.Popen[bytes]],
) -> None:
    url, _ = served
    for client in ("127.0.0.31", "127.0.0.32"):  # each runs into the limit once: both are heavy now
        assert ask(url, client, SLOW)[0] == 503
    running, statuses = in_background(url, "127.0.0.31", SLOW)
    status, headers, body, _ = ask(url, "127.0.0.32", SLOW)
    assert (status, b"ran into the time limit" in body, int(headers["Retry-After"]) >= 1) == (429, True, True)
    assert ask(url, "127.0.0.33", CHEAP)[0] == 200
    running.join()
    assert statuses == [503]
