"""Slow clients against a running server: how many normal requests are answered meanwhile, how fast.

Used by tests/web/test_slow_clients.py and as a script for the figures of docs/reliability.md::

    python -m tests.slowclients http://127.0.0.1:5000 --slow 100 --seconds 10

Each slow connection sends a request head one byte per interval and never finishes it
(slowloris). Slow connections come from several loopback addresses (127.0.0.2, …), as
many different clients would, so a per-address limit alone does not turn them away.
Every loop is bounded in count and time, and every socket is closed.
"""

from __future__ import annotations

import argparse
import socket
import statistics
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field

SLOW_HEAD = b"GET / HTTP/1.1\r\nHost: slow\r\nX-Padding: " + b"a" * 100_000
COUNT = "SELECT (COUNT(?c) AS ?n) WHERE { ?c a <https://w3id.org/clip-network/def/City> }"


def host_port(url: str) -> tuple[str, int]:
    parts = urllib.parse.urlsplit(url)
    return parts.hostname or "127.0.0.1", parts.port or 80


def connect_from(url: str, source: str, timeout: float = 5) -> socket.socket:
    """A connection to the server from the loopback address ``source``."""
    sock = socket.create_connection(host_port(url), timeout=timeout, source_address=(source, 0))
    return sock


@dataclass
class SlowClients:
    """Connections that send their head a byte at a time, from a thread, until stopped."""

    url: str
    count: int
    interval: float
    addresses: int = 50
    sockets: list[socket.socket] = field(default_factory=list)
    closed_by_server: int = 0
    stop: threading.Event = field(default_factory=threading.Event)
    done: threading.Event = field(default_factory=threading.Event)

    def open(self) -> None:
        for i in range(self.count):
            sock = connect_from(self.url, f"127.0.0.{2 + i % self.addresses}")
            sock.setblocking(False)
            self.sockets.append(sock)

    def trickle(self, seconds: float) -> None:
        """Send one more byte on every open connection each interval, for ``seconds`` at most."""
        steps = int(seconds / self.interval)
        try:
            for step in range(min(steps, len(SLOW_HEAD))):
                if self.stop.wait(self.interval):
                    return
                self.send_byte(SLOW_HEAD[step : step + 1])
        finally:
            self.done.set()

    def send_byte(self, byte: bytes) -> None:
        for sock in list(self.sockets):
            try:
                sock.send(byte)
            except OSError:
                self.sockets.remove(sock)
                sock.close()
                self.closed_by_server += 1

    def close(self) -> None:
        self.stop.set()
        for sock in self.sockets:
            sock.close()
        self.sockets.clear()


@contextmanager
def slow_clients(url: str, count: int, interval: float, seconds: float, addresses: int = 50) -> Iterator[SlowClients]:
    """``count`` slow connections from ``addresses`` addresses trickling for ``seconds`` in a thread; all closed on
    exit."""
    clients = SlowClients(url, count, interval, addresses)
    try:
        clients.open()
        thread = threading.Thread(target=clients.trickle, args=(seconds,), daemon=True)
        thread.start()
        yield clients
        clients.stop.set()
        thread.join(timeout=interval + 5)
    finally:
        clients.close()


def timed_request(url: str, timeout: float) -> float | None:
    """Seconds a normal SPARQL request took to answer 200, None if it failed or timed out."""
    started = time.monotonic()
    target = f"{url}/sparql?" + urllib.parse.urlencode({"query": COUNT})
    try:
        with urllib.request.urlopen(target, timeout=timeout) as response:  # noqa: S310 - loopback only
            response.read()
            return time.monotonic() - started if response.status == 200 else None
    except (OSError, urllib.error.URLError):
        return None


def normal_requests(url: str, count: int, timeout: float, pause: float = 0.2) -> list[float | None]:
    """``count`` requests one after the other, each allowed ``timeout`` seconds."""
    latencies = []
    for _ in range(count):
        latencies.append(timed_request(url, timeout))
        time.sleep(pause)
    return latencies


def summary(latencies: list[float | None]) -> str:
    answered = [t for t in latencies if t is not None]
    text = f"{len(answered)} of {len(latencies)} answered"
    if answered:
        text += f", median {statistics.median(answered) * 1000:.0f} ms, max {max(answered) * 1000:.0f} ms"
    return text


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("url")
    parser.add_argument("--slow", type=int, default=100, help="slow connections")
    parser.add_argument("--interval", type=float, default=0.5, help="seconds between two bytes of a slow head")
    parser.add_argument("--seconds", type=float, default=10, help="how long the slow connections trickle")
    parser.add_argument("--addresses", type=int, default=50, help="loopback addresses they come from")
    parser.add_argument("--normal", type=int, default=6, help="normal requests sent meanwhile")
    parser.add_argument("--timeout", type=float, default=5, help="seconds each normal request may take")
    args = parser.parse_args()
    print(f"alone: {summary(normal_requests(args.url, args.normal, args.timeout))}")
    with slow_clients(args.url, args.slow, args.interval, args.seconds, args.addresses) as clients:
        time.sleep(1)
        latencies = normal_requests(args.url, args.normal, args.timeout)
        print(f"with {args.slow} slow connections: {summary(latencies)}")
        clients.done.wait(timeout=args.seconds + 5)
        print(f"slow connections closed by the server within {args.seconds:g} s: {clients.closed_by_server}")
    with suppress(Exception):
        print(f"after: {summary(normal_requests(args.url, args.normal, args.timeout))}")


if __name__ == "__main__":
    main()
