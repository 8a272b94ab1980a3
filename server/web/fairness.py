"""Fair sharing of query processes between clients, across every gunicorn worker.

A client is the remote address of the connection (an IPv6 client is its /64, which one
host holds whole). Behind a reverse proxy every request comes from the proxy: the operator
sets ``KG_TRUSTED_PROXIES`` so that the address is read from X-Forwarded-For (werkzeug's
ProxyFix); the header is never trusted by default, since any client can write it.

Three limits are checked before a query is sent to a query process, and each refusal is a
429 with Retry-After:

- ``KG_CLIENT_QUERIES``: queries one client runs at once;
- ``KG_CLIENT_QUERY_SECONDS``: seconds one client held query processes in the last minute
  (a sliding window: this minute's seconds plus the previous minute's, weighted by how
  much of it is still inside the last 60 s);
- ``KG_HEAVY_QUERIES``: queries that *heavy* clients, those with a query that held its
  process for half the time limit or more in the last minute, run at once across the
  server. A client looping queries that run into the limit becomes heavy after its first;
  light clients (short queries, however many) never wait behind heavy ones, and the query
  processes and CPU cores the heavy ones cannot take keep answering everyone else. A
  client that splits its work into queries just under half the limit is still held by
  the first two limits.

Answers kept in the answer cache are not counted (they take no query process), nor are
resource pages and the other site pages: their engine calls are bounded by design, and
they are the cheap traffic these limits protect.

The table lives in an anonymous shared memory map created before gunicorn forks its
workers, so every worker reads and writes the same counts; a process lock (a semaphore,
inherited at the fork) makes each update atomic. Per-worker limits scaled by the worker
count would need no sharing but would be wrong whenever a client's requests land unevenly
on the workers, which is the usual case with keep-alive connections. A worker killed in
the middle of a query leaves its count behind: a slot whose last query began longer ago
than any query can run is taken as idle.
"""

from __future__ import annotations

import hashlib
import ipaddress
import math
import mmap
import multiprocessing
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from flask import Flask, current_app, request
from werkzeug.middleware.proxy_fix import ProxyFix

from server.config import Settings
from server.errors import TooManyQueries

SLOTS = 4096
"""Clients tracked at once; a slot is free again two minutes after its client's last query."""
PROBES = 64
"""Slots looked at for one client (open addressing) before the least recently used is taken."""
WINDOW = 60.0
"""The seconds budget is per minute."""
LOCK_WAIT = 1.0
"""Seconds to wait for the table's lock; past it (its holder died) the request is let through uncounted."""

KEY, RUNNING, HEAVY, WINDOW_START, CURRENT, PREVIOUS, STARTED, LONG_AT = range(8)
HEAVY_RUNNING, RECOUNTED_AT = range(2)
"""The server-wide counts, in the slot after the last: heavy queries running, when last counted slot by slot."""
RECOUNT_EVERY = 5.0
"""Seconds between two counts slot by slot of the heavy queries running, when the kept count refuses one."""
EXTENSION = "kg-fairness"
FIELDS = 8
"""Each slot is eight doubles: client key, queries running, of them admitted as heavy, start
of the current minute, seconds this minute, seconds the previous minute, last start, and
when a query of the client last held its process for half the time limit or more."""

ARRIVED = "clip_kg.arrived"
"""The WSGI environ key in which ``clip-kg serve``'s worker says when a request arrived.

Its value (time.monotonic) is the moment the worker had read the whole request (see
``server/cli/front.py``): the time a request then waits for a thread counts against its
query's time limit, the time a slow client takes to send it does not.
"""


def arrival(default: float) -> float:
    """When the current request arrived (time.monotonic), or ``default`` when the server does not say."""
    at = request.environ.get(ARRIVED)
    return default if at is None else float(at)


def client_key(address: str | None) -> int:
    """A stable 48-bit key for a remote address; an IPv6 address counts as its /64."""
    text = address or "unknown"
    try:
        parsed = ipaddress.ip_address(text)
        if parsed.version == 6:
            text = str(ipaddress.ip_network(f"{parsed}/64", strict=False))
    except ValueError:
        pass
    return int.from_bytes(hashlib.blake2b(text.encode(), digest_size=6).digest(), "big") + 1


@dataclass(frozen=True)
class Limits:
    """The three limits (0: none) and the time limit of one query."""

    concurrent: int
    seconds_per_minute: float
    heavy: int
    query_timeout: float


@dataclass
class Ticket:
    """One admitted query: where its client's slot is, and whether it runs as a heavy one."""

    slot: int
    key: int
    heavy: bool


class ClientTable:
    """Per-client query counts and query seconds, shared by every worker forked after its creation."""

    def __init__(self, limits: Limits, slots: int = SLOTS):
        self.limits = limits
        self.slots = slots
        self._memory = mmap.mmap(-1, (slots + 1) * FIELDS * 8)  # the last slot holds the server-wide counts
        self._header = slots * FIELDS
        self._cells = memoryview(self._memory).cast("d")
        self._lock = multiprocessing.get_context("fork").Lock()

    @property
    def enabled(self) -> bool:
        """Whether any limit is set."""
        return bool(self.limits.concurrent or self.limits.seconds_per_minute or self.limits.heavy)

    @contextmanager
    def admitted(self, address: str | None) -> Iterator[Ticket | None]:
        """Hold a place for one query of this client, or raise TooManyQueries (429).

        The body runs the query and calls ``charge`` with the seconds it held a query
        process; the place is given back on the way out, whatever happened.
        """
        if not self.enabled:
            yield None
            return
        ticket = self._admit(client_key(address), time.monotonic())
        try:
            yield ticket
        finally:
            if ticket is not None:
                self._release(ticket)

    def charge(self, ticket: Ticket | None, seconds: float) -> None:
        """Add the seconds a query held a query process to its client's minute."""
        if ticket is None or seconds <= 0:
            return
        with self._locked() as locked:
            if locked and self._cells[ticket.slot * FIELDS + KEY] == ticket.key:
                base = ticket.slot * FIELDS
                now = time.monotonic()
                self._roll_window(base, now)
                self._cells[base + CURRENT] += seconds
                if seconds >= self.limits.query_timeout / 2:
                    self._cells[base + LONG_AT] = now

    def charge_crash(self, ticket: Ticket | None) -> None:
        """A query that crashed its process costs its client the whole minute's query time (and marks it
        heavy): one crash is answered, a client that keeps crashing processes is refused for a minute."""
        self.charge(ticket, max(self.limits.seconds_per_minute, self.limits.query_timeout))

    def refuse_early(self, address: str | None) -> None:
        """Raise TooManyQueries when a query of this client would be refused now, holding nothing.

        Checked before a query is read and parsed, so that a client looping refused queries
        costs the server little; ``admitted`` checks again when the query is ready to run.
        """
        if self.enabled:
            self._admit(client_key(address), time.monotonic(), take=False)

    def _admit(self, key: int, now: float, take: bool = True) -> Ticket | None:
        with self._locked() as locked:
            if not locked:
                return None
            slot = self._slot_of(key, now)
            base = slot * FIELDS
            self._roll_window(base, now)
            self._forget_stale_running(base, now)
            self._check_concurrency(base, now)
            used = self._used(base, now)
            self._check_seconds(base, now, used)
            heavy = self.limits.heavy > 0 and now - self._cells[base + LONG_AT] < WINDOW
            if heavy:
                self._check_heavy(now)
            if not take:
                return None
            self._cells[base + RUNNING] += 1
            self._cells[base + HEAVY] += 1 if heavy else 0
            self._cells[self._header + HEAVY_RUNNING] += 1 if heavy else 0
            self._cells[base + STARTED] = now
            return Ticket(slot, key, heavy)

    def _release(self, ticket: Ticket) -> None:
        with self._locked() as locked:
            base = ticket.slot * FIELDS
            if not locked or self._cells[base + KEY] != ticket.key:
                return
            self._cells[base + RUNNING] = max(0.0, self._cells[base + RUNNING] - 1)
            if ticket.heavy:
                self._cells[base + HEAVY] = max(0.0, self._cells[base + HEAVY] - 1)
                self._cells[self._header + HEAVY_RUNNING] = max(0.0, self._cells[self._header + HEAVY_RUNNING] - 1)

    def _check_concurrency(self, base: int, now: float) -> None:
        limit = self.limits.concurrent
        if limit and self._cells[base + RUNNING] >= limit:
            wait = self._cells[base + STARTED] + self.limits.query_timeout - now
            raise TooManyQueries(
                f"this client already runs {limit} queries at once, the most allowed; retry when one has answered",
                retry_after=_whole_seconds(wait),
            )

    def _check_seconds(self, base: int, now: float, used: float) -> None:
        budget = self.limits.seconds_per_minute
        if budget and used >= budget:
            raise TooManyQueries(
                f"this client's queries used {used:.0f} s of query time in the last minute, "
                f"the most allowed is {budget:g} s",
                retry_after=_whole_seconds(self._until_below(base, now, budget)),
            )

    def _check_heavy(self, now: float) -> None:
        running = self._cells[self._header + HEAVY_RUNNING]
        if running >= self.limits.heavy and now - self._cells[self._header + RECOUNTED_AT] >= RECOUNT_EVERY:
            running = self._recount_heavy(now)
        if running >= self.limits.heavy:
            raise TooManyQueries(
                "this client's recent queries ran into the time limit, and the server already runs "
                f"{running:.0f} such queries; retry soon (light queries are still answered)",
                retry_after=_whole_seconds(min(self.limits.query_timeout, 5.0)),
            )

    def _recount_heavy(self, now: float) -> float:
        """The heavy queries running, counted again slot by slot (the kept count may hold a dead worker's)."""
        running = sum(
            self._cells[slot * FIELDS + HEAVY]
            for slot in range(self.slots)
            if self._cells[slot * FIELDS + RUNNING] and not self._is_stale(slot * FIELDS, now)
        )
        self._cells[self._header + HEAVY_RUNNING] = running
        self._cells[self._header + RECOUNTED_AT] = now
        return float(running)

    def _slot_of(self, key: int, now: float) -> int:
        """The slot of this key, else a free or idle one (least recently used when all are taken)."""
        start = key % self.slots
        probed = [(start + step) % self.slots for step in range(PROBES)]
        for slot in probed:
            if self._cells[slot * FIELDS + KEY] == key:
                return slot
        oldest, oldest_started = -1, math.inf
        for slot in probed:
            base = slot * FIELDS
            if self._cells[base + KEY] == 0 or self._is_idle(base, now):
                self._claim(base, key, now)
                return slot
            if self._cells[base + STARTED] < oldest_started:
                oldest, oldest_started = slot, self._cells[base + STARTED]
        self._claim(oldest * FIELDS, key, now)
        return oldest

    def _claim(self, base: int, key: int, now: float) -> None:
        self._cells[base : base + FIELDS] = memoryview(bytes(FIELDS * 8)).cast("d")
        self._cells[base + KEY] = key
        self._cells[base + WINDOW_START] = _minute_start(now)

    def _is_idle(self, base: int, now: float) -> bool:
        quiet = now - self._cells[base + WINDOW_START] >= 2 * WINDOW
        return quiet and (self._cells[base + RUNNING] == 0 or self._is_stale(base, now))

    def _is_stale(self, base: int, now: float) -> bool:
        """Whether the slot's last query began longer ago than any query may run (its worker died)."""
        return now - self._cells[base + STARTED] > self.limits.query_timeout + WINDOW

    def _forget_stale_running(self, base: int, now: float) -> None:
        if self._cells[base + RUNNING] and self._is_stale(base, now):
            heavy = self._cells[self._header + HEAVY_RUNNING] - self._cells[base + HEAVY]
            self._cells[self._header + HEAVY_RUNNING] = max(0.0, heavy)
            self._cells[base + RUNNING] = 0
            self._cells[base + HEAVY] = 0

    def _roll_window(self, base: int, now: float) -> None:
        """Move to the minute ``now`` is in: this minute's seconds become the previous minute's."""
        minute = _minute_start(now)
        start = self._cells[base + WINDOW_START]
        if minute - start >= 2 * WINDOW:
            self._cells[base + PREVIOUS] = 0
            self._cells[base + CURRENT] = 0
        elif minute - start >= WINDOW:
            self._cells[base + PREVIOUS] = self._cells[base + CURRENT]
            self._cells[base + CURRENT] = 0
        self._cells[base + WINDOW_START] = minute

    def _used(self, base: int, now: float) -> float:
        """Query seconds in the last minute: this minute's, plus the part of the previous one still inside."""
        inside = 1 - (now - self._cells[base + WINDOW_START]) / WINDOW
        return float(self._cells[base + CURRENT] + self._cells[base + PREVIOUS] * inside)

    def _until_below(self, base: int, now: float, budget: float) -> float:
        """Seconds until the last minute's use drops below the budget, if the client runs nothing more."""
        current, previous = self._cells[base + CURRENT], self._cells[base + PREVIOUS]
        into = now - self._cells[base + WINDOW_START]
        if current >= budget:  # only the next minutes free it: then this minute is the previous one
            return (WINDOW - into) + WINDOW * (1 - (budget - 1e-6) / current) if current else 0.0
        return WINDOW * (1 - (budget - current) / previous) - into if previous else 0.0

    @contextmanager
    def _locked(self) -> Iterator[bool]:
        acquired = self._lock.acquire(timeout=LOCK_WAIT)
        try:
            yield acquired
        finally:
            if acquired:
                self._lock.release()


def _minute_start(now: float) -> float:
    return math.floor(now / WINDOW) * WINDOW


def _whole_seconds(seconds: float) -> int:
    """Retry-After in whole seconds, at least one."""
    return max(1, math.ceil(seconds))


def install(app: Flask, settings: Settings) -> None:
    """Create the shared table (before a server forks its workers) and keep it with the application;
    behind trusted proxies, take the client's address from X-Forwarded-For."""
    limits = Limits(
        settings.client_queries, settings.client_query_seconds, settings.heavy_queries, settings.query_timeout
    )
    app.extensions[EXTENSION] = ClientTable(limits)
    if settings.trusted_proxies:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=settings.trusted_proxies)  # type: ignore[method-assign]
    app.before_request(_refuse_early)


def _refuse_early() -> None:
    """A client over its share is refused before its query is read or parsed (GET /sparql
    without a query, the page and the Service Description, is never refused)."""
    asks_query = request.endpoint == "api.run_named_query" or (
        request.endpoint == "sparql.endpoint" and (request.method == "POST" or "query" in request.args)
    )
    if asks_query:
        table().refuse_early(request.remote_addr)


def table() -> ClientTable:
    """The shared table of the current application."""
    value = current_app.extensions[EXTENSION]
    if not isinstance(value, ClientTable):
        raise RuntimeError("the application has no client table")
    return value
