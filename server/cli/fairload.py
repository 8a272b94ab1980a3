"""Cheap lookups alone, then beside 8 clients looping queries that run into the time limit.

``python -m server.cli.fairload --url http://127.0.0.1:PORT [--seconds S]`` against a running
``clip-kg serve`` (started with a short ``KG_QUERY_TIMEOUT``, e.g. 2) prints, for each phase,
the cheap lookups' requests/s, median and p99, and what the expensive clients got:

1. cheap lookups alone (4 clients, each its own address, each in turn a city page and a
   small SPARQL query that misses the answer cache);
2. the same while 8 other addresses each loop a query that never finishes; a refused
   client waits ``--pause`` seconds (0.1) before it asks again, ignoring Retry-After;
3. 32 such queries sent at once from 32 addresses: how long the slowest answer took.

Each client is its own loopback source address (127.0.0.N, which Linux routes to the server
on 127.0.0.1), so the server sees distinct clients. Every loop is bounded in time and count.
"""

from __future__ import annotations

import argparse
import http.client
import statistics
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from urllib.parse import quote, urlsplit

SLOW = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"
CITY_PAGE = "/doc/city/vienna"
MAX_REQUESTS = 100_000
"""Most requests one client sends in one phase, whatever its time."""
REQUEST_TIMEOUT = 60.0


@dataclass
class Tally:
    """What the clients of one kind got in one phase (shared by their threads)."""

    latencies: list[float] = field(default_factory=list)
    statuses: Counter[int] = field(default_factory=Counter)
    slowest: dict[int, float] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, status: int, seconds: float) -> None:
        """One answer."""
        with self.lock:
            self.latencies.append(seconds)
            self.statuses[status] += 1
            self.slowest[status] = max(seconds, self.slowest.get(status, 0.0))


def request(connection: http.client.HTTPConnection, path: str, accept: str) -> int:
    """One GET on a keep-alive connection; its status (0 when the exchange broke)."""
    try:
        connection.request("GET", path, headers={"Accept": accept})
        response = connection.getresponse()
        response.read()
        return response.status
    except (OSError, http.client.HTTPException):
        connection.close()
        return 0


def connect(url: str, address: str) -> http.client.HTTPConnection:
    """A connection to the server from a given loopback source address."""
    parts = urlsplit(url)
    return http.client.HTTPConnection(
        parts.hostname or "127.0.0.1", parts.port or 80, timeout=REQUEST_TIMEOUT, source_address=(address, 0)
    )


def cheap_client(url: str, address: str, until: float, tally: Tally, number: int) -> None:
    """Alternate a city page and a small SPARQL query that no cache has seen, until ``until``."""
    connection = connect(url, address)
    for count in range(MAX_REQUESTS):
        if time.monotonic() >= until:
            break
        if count % 2:
            text = f'ASK {{ ?s ?p "lookup {number} {count}" }}'
            path, accept = "/sparql?query=" + quote(text, safe=""), "application/sparql-results+json"
        else:
            path, accept = CITY_PAGE, "text/html"
        started = time.monotonic()
        tally.add(request(connection, path, accept), time.monotonic() - started)
    connection.close()


def expensive_client(url: str, address: str, until: float, tally: Tally, number: int, pause: float) -> None:
    """Loop a query that runs into the time limit; after a refusal wait ``pause`` seconds."""
    connection = connect(url, address)
    for count in range(MAX_REQUESTS):
        if time.monotonic() >= until:
            break
        text = f"# client {number}, query {count}\n{SLOW}"
        started = time.monotonic()
        status = request(connection, "/sparql?query=" + quote(text, safe=""), "application/sparql-results+json")
        tally.add(status, time.monotonic() - started)
        if status in (0, 429, 503):
            time.sleep(pause)
    connection.close()


def run_threads(targets: list[threading.Thread]) -> None:
    """Start every thread, then wait for each (each one bounds its own time)."""
    for thread in targets:
        thread.start()
    for thread in targets:
        thread.join()


def cheap_phase(url: str, seconds: float, expensive: int, pause: float = 0.1) -> tuple[Tally, Tally]:
    """Cheap lookups for ``seconds``, with ``expensive`` looping clients beside them (started first)."""
    cheap, costly = Tally(), Tally()
    warm_up = 3.0 if expensive else 0.0
    until = time.monotonic() + warm_up + seconds
    loops = [
        threading.Thread(target=expensive_client, args=(url, f"127.0.0.{10 + n}", until, costly, n, pause))
        for n in range(expensive)
    ]
    for thread in loops:
        thread.start()
    time.sleep(warm_up)  # the looping clients have each run into the limit once by now
    run_threads(
        [threading.Thread(target=cheap_client, args=(url, f"127.0.0.{2 + n}", until, cheap, n)) for n in range(4)]
    )
    for thread in loops:
        thread.join()
    return cheap, costly


def burst_phase(url: str, count: int = 32) -> Tally:
    """``count`` queries that run into the limit, sent at once from ``count`` addresses."""
    tally = Tally()
    barrier = threading.Barrier(count)

    def one(number: int) -> None:
        connection = connect(url, f"127.0.1.{number + 1}")
        text = f"# burst {number} {time.time()}\n{SLOW}"
        barrier.wait(timeout=30)
        started = time.monotonic()
        tally.add(request(connection, "/sparql?query=" + quote(text, safe=""), "text/csv"), time.monotonic() - started)
        connection.close()

    run_threads([threading.Thread(target=one, args=(n,)) for n in range(count)])
    return tally


def describe(name: str, tally: Tally, seconds: float) -> str:
    """One line: requests/s, median, p99, statuses."""
    values = sorted(tally.latencies)
    if not values:
        return f"{name}: no answers"
    p99 = values[min(len(values) - 1, int(len(values) * 0.99))]
    statuses = ", ".join(
        f"{status}: {n}, slowest {tally.slowest[status] * 1000:.0f} ms" for status, n in sorted(tally.statuses.items())
    )
    return (
        f"{name}: {len(values) / seconds:.0f} requests/s, median {statistics.median(values) * 1000:.0f} ms, "
        f"p99 {p99 * 1000:.0f} ms, max {values[-1] * 1000:.0f} ms ({statuses})"
    )


def main() -> None:
    """Run the three phases against ``--url`` and print one line per result."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--url", required=True)
    parser.add_argument("--seconds", type=float, default=8.0, help="length of each cheap phase (at most 20)")
    parser.add_argument("--pause", type=float, default=0.1, help="seconds a refused expensive client waits")
    arguments = parser.parse_args()
    seconds = min(arguments.seconds, 20.0)
    alone, _ = cheap_phase(arguments.url, seconds, expensive=0)
    print(describe("cheap lookups alone", alone, seconds), flush=True)
    beside, costly = cheap_phase(arguments.url, seconds, expensive=8, pause=max(arguments.pause, 0.0))
    print(describe("cheap lookups beside 8 expensive clients", beside, seconds), flush=True)
    print(describe("  the 8 expensive clients", costly, seconds + 3.0), flush=True)
    time.sleep(3.0)  # the queries of phase 2 are over
    burst = burst_phase(arguments.url)
    print(describe("32 expensive queries at once", burst, 1.0), flush=True)


if __name__ == "__main__":
    main()
