"""The server's front: whole requests are read in the event loop before a thread sees them.

gunicorn's ``gthread`` worker hands a connection to one of its few threads at its first
byte, and the thread then blocks until the request head is complete: 8 clients sending a
byte a second held all 8 threads and nobody else was answered. ``GuardedThreadWorker``
keeps gunicorn's process management and its request handling, but reads each request
head (and a body of known size, or a chunked one, up to ``KG_MAX_REQUEST_BYTES``) without
blocking in the worker's selector, under a deadline; only a complete request is handed
to a thread, with its bytes already buffered in gunicorn's parser. It also counts the
open connections of each client address and refuses those past the limit with 429.

The moment a request is whole is its arrival for the application (``ARRIVED`` in the
WSGI environ): a query's time limit counts from there, so the time it then waits for a
thread counts, and a slow client's upload does not.
"""

from __future__ import annotations

import errno
import re
import selectors
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from gunicorn.http.message import Request
from gunicorn.http.parser import RequestParser
from gunicorn.workers.gthread import STOP_KEEPALIVE_LINGER, TConn, ThreadWorker

from server.web.fairness import ARRIVED

HEAD_END = b"\r\n\r\n"
RECV_BYTES = 64 * 1024
HEAD_SLACK = 64 * 1024
"""Bytes of header fields allowed besides a request line as long as KG_MAX_REQUEST_BYTES."""
CONTENT_LENGTH = re.compile(rb"\r\ncontent-length[ \t]*:[ \t]*(\d+)[ \t]*(?=\r\n)", re.IGNORECASE)
EXPECT_CONTINUE = re.compile(rb"\r\nexpect[ \t]*:[ \t]*100-continue[ \t]*(?=\r\n)", re.IGNORECASE)
CONTINUE = b"HTTP/1.1 100 Continue\r\n\r\n"
CHUNKED = re.compile(rb"\r\ntransfer-encoding[ \t]*:[^\r\n]*chunked[ \t]*(?=\r\n)", re.IGNORECASE)


@dataclass(frozen=True)
class FrontLimits:
    """How long a client may take to send a request, and how many connections it may hold."""

    header_timeout: float
    body_timeout: float
    connections_per_client: int
    max_request_bytes: int
    read_buffer_bytes: int = 64 * 1024 * 1024


def plain_answer(status: str, text: str, *extra: str) -> bytes:
    """A complete HTTP/1.1 answer that closes the connection, for the front's own refusals."""
    body = text.encode() + b"\n"
    head = [f"HTTP/1.1 {status}", "Content-Type: text/plain; charset=utf-8", f"Content-Length: {len(body)}"]
    head += [*extra, "Connection: close"]
    return ("\r\n".join(head) + "\r\n\r\n").encode() + body


TOO_MANY = plain_answer("429 Too Many Requests", "too many connections from your address", "Retry-After: 1")
TOO_BUSY = plain_answer("503 Service Unavailable", "the server is reading too many requests at once", "Retry-After: 1")
TOO_SLOW = plain_answer("408 Request Timeout", "the request was not sent in time")


class ChunkScanner:
    """Finds where a chunked body ends, one received piece at a time (RFC 9112 §7.1).

    Only the framing is followed; the body is left as it is for gunicorn's parser, which
    also answers malformed framing.
    """

    def __init__(self, start: int):
        self.offset = start
        self.in_trailers = False

    def end(self, data: bytes | bytearray) -> int | None:
        """The offset just past the body once ``data`` holds all of it, else None."""
        while True:
            line_end = data.find(b"\r\n", self.offset)
            if line_end < 0:
                return None
            if self.in_trailers:
                if line_end == self.offset:  # the empty line after the trailer fields
                    return line_end + 2
                self.offset = line_end + 2
                continue
            size = chunk_size(data[self.offset : line_end])
            if size is None:
                return line_end + 2  # malformed: the parser answers it
            if size == 0:
                self.in_trailers = True
                self.offset = line_end + 2
                continue
            if len(data) < line_end + 2 + size + 2:
                return None
            self.offset = line_end + 2 + size + 2


def chunk_size(line: bytes | bytearray) -> int | None:
    """The size on a chunk's line (extensions ignored), None if it is not hexadecimal."""
    digits = line.split(b";", 1)[0].strip()
    try:
        return int(digits, 16)
    except ValueError:
        return None


@dataclass(eq=False)
class Reading:
    """A connection in the event loop, waiting for the rest of a request."""

    conn: Any
    deadline: float
    buffer: bytearray = field(default_factory=bytearray)
    head_end: int = -1
    scanned: int = 0
    """Bytes of the buffer already searched for the end of the head."""
    body_end: int | None = None
    chunks: ChunkScanner | None = None
    idle: bool = True
    """No byte of this request yet: a kept-alive connection is closed silently."""
    expects_continue: bool = False
    """The client waits for ``100 Continue`` before it sends the body it announced."""


def request_end(reading: Reading, max_request_bytes: int) -> int | None:
    """The offset just past the request in the buffer once it is complete (or too large to wait for)."""
    data = reading.buffer
    if reading.head_end < 0:
        # Search only what is new (and 3 bytes before it): a head trickled in one byte at a
        # time must not be scanned from its start at every byte.
        found = data.find(HEAD_END, max(reading.scanned - 3, 0))
        reading.scanned = len(data)
        if found < 0:
            return len(data) if len(data) > max_request_bytes + HEAD_SLACK else None
        reading.head_end = found + 4
        head = data[: found + 2]
        if CHUNKED.search(head):
            reading.chunks = ChunkScanner(reading.head_end)
        else:
            length = CONTENT_LENGTH.search(head)
            size = int(length.group(1)) if length else 0
            # A body over the limit is not waited for: the endpoint refuses it with 413.
            reading.body_end = reading.head_end + (size if size <= max_request_bytes else 0)
        awaits_body = reading.chunks is not None or (reading.body_end or 0) > reading.head_end
        http11 = head.split(b"\r\n", 1)[0].endswith(b"HTTP/1.1")
        reading.expects_continue = awaits_body and http11 and EXPECT_CONTINUE.search(head) is not None
    if reading.chunks is not None:
        if len(data) > reading.head_end + max_request_bytes + HEAD_SLACK:
            return len(data)
        return reading.chunks.end(data)
    end = reading.head_end if reading.body_end is None else reading.body_end
    return end if len(data) >= end else None


class FrontRequest(Request):  # type: ignore[misc]
    """gunicorn's request without its own ``100 Continue``: the front sent it before it read the body."""

    _policy_expect_continue = False


class FrontRequestParser(RequestParser):  # type: ignore[misc]
    """gunicorn's HTTP/1 parser, making ``FrontRequest``s."""

    mesg_class = FrontRequest


class TimedSocket(socket.socket):
    """A socket whose blocking mode has a time limit, for the worker threads.

    gunicorn switches a connection to blocking before a thread reads or writes it; here
    blocking means at most ``io_timeout`` seconds without progress, so a client that stops
    reading an answer (or sends a body past the buffered limit slowly) frees its thread.
    """

    io_timeout: float = 30.0
    arrived: float | None = None
    """When the request being answered was read whole (time.monotonic)."""

    def setblocking(self, flag: bool) -> None:
        self.settimeout(self.io_timeout if flag else 0.0)


def timed(sock: socket.socket, io_timeout: float) -> TimedSocket:
    """The same connection as a ``TimedSocket`` (the file descriptor moves over)."""
    timed_sock = TimedSocket(sock.family, sock.type, sock.proto, fileno=sock.detach())
    timed_sock.io_timeout = io_timeout
    timed_sock.settimeout(0.0)
    return timed_sock


class GuardedThreadWorker(ThreadWorker):  # type: ignore[misc]
    """gunicorn's threaded worker with whole requests read in its event loop (see the module)."""

    limits = FrontLimits(header_timeout=10.0, body_timeout=30.0, connections_per_client=32, max_request_bytes=1_000_000)
    wsgi: Any
    """The application, set by gunicorn's ``load_wsgi``."""

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.reading: dict[Any, Reading] = {}
        self.per_address: dict[str, int] = {}
        self.buffered = 0
        """Bytes held by the requests being read in this worker."""

    def load_wsgi(self) -> None:
        """The application, told in its environ when each request was read whole (``ARRIVED``)."""
        super().load_wsgi()
        metrics = getattr(self.wsgi, "extensions", {}).get("metrics")
        self.refused: Callable[[str, str], None] = metrics.count_front_refusal if metrics else _not_counted
        self.wsgi = with_arrival(self.wsgi)

    # -- accepting -------------------------------------------------------------------------

    def accept(self, listener: socket.socket) -> None:
        """Accept a connection and start reading its request, unless its address holds too many."""
        try:
            client_sock, client_addr = listener.accept()
        except OSError as error:
            if error.errno not in (errno.EAGAIN, errno.ECONNABORTED, errno.EWOULDBLOCK):
                raise
            return
        address = str(client_addr[0]) if isinstance(client_addr, tuple) else str(client_addr)
        if self.per_address.get(address, 0) >= self.limits.connections_per_client:
            self.log.debug("refused a connection from %s: %d open", address, self.per_address[address])
            refuse(client_sock)
            self.refused("connections", address)
            return
        self.nr_conns += 1
        self.per_address[address] = self.per_address.get(address, 0) + 1
        conn = TConn(self.cfg, timed(client_sock, self.limits.body_timeout), client_addr, listener.getsockname())
        conn.front_address = address
        self.start_reading(conn, time.monotonic() + self.limits.header_timeout, b"")

    # -- reading in the event loop ---------------------------------------------------------

    def start_reading(self, conn: Any, deadline: float, buffered: bytes) -> None:
        """Wait in the selector for the rest of a request, whatever is buffered already."""
        conn.sock.setblocking(False)
        reading = Reading(conn, deadline, bytearray(buffered), idle=not buffered)
        if buffered:
            reading.deadline = min(deadline, time.monotonic() + self.limits.header_timeout)
            if self.dispatch_if_complete(reading):
                return
        self.reading[conn] = reading
        self.buffered += len(reading.buffer)
        self.poller.register(conn.sock, selectors.EVENT_READ, lambda _sock: self.on_readable(reading))

    def on_readable(self, reading: Reading) -> None:
        """Take what the client sent; hand the request to a thread once it is whole."""
        try:
            data = reading.conn.sock.recv(RECV_BYTES)
        except (BlockingIOError, InterruptedError):
            return
        except OSError:
            data = b""
        if not data:
            self.stop_reading(reading)
            self.close(reading.conn)
            return
        if reading.idle:
            reading.idle = False
            reading.deadline = min(reading.deadline, time.monotonic() + self.limits.header_timeout)
        had_head = reading.head_end >= 0
        reading.buffer += data
        self.buffered += len(data)
        if self.buffered > self.limits.read_buffer_bytes:
            self.log.debug("refused a request from %s: %d bytes buffered", reading.conn.front_address, self.buffered)
            self.stop_reading(reading)
            send_quietly(reading.conn.sock, TOO_BUSY)
            self.refused("busy", reading.conn.front_address)
            self.close(reading.conn)
            return
        if self.dispatch_if_complete(reading, registered=True):
            return
        if not had_head and reading.head_end >= 0:
            reading.deadline = time.monotonic() + self.limits.body_timeout

    def dispatch_if_complete(self, reading: Reading, registered: bool = False) -> bool:
        """Hand a complete request to a thread, its bytes in gunicorn's parser; False if incomplete."""
        if request_end(reading, self.limits.max_request_bytes) is None:
            if reading.expects_continue:
                reading.expects_continue = False
                send_quietly(reading.conn.sock, CONTINUE)
            return False
        if registered:
            self.stop_reading(reading)
        conn = reading.conn
        if conn.parser is None:
            conn.parser = FrontRequestParser(self.cfg, conn.sock, conn.client)
            conn.initialized = True
        conn.data_ready = True
        conn.parser.unreader.unread(bytes(reading.buffer))
        conn.sock.arrived = time.monotonic()
        self.enqueue_req(conn)
        return True

    def stop_reading(self, reading: Reading) -> None:
        if self.reading.pop(reading.conn, None) is not None:
            self.buffered -= len(reading.buffer)
        try:
            self.poller.unregister(reading.conn.sock)
        except (KeyError, ValueError, OSError):
            pass

    def murder_keepalived(self, force: bool = False) -> None:
        """Close connections past their deadline: 408 if a request was under way, silently if idle."""
        now = time.monotonic()
        for reading in [r for r in self.reading.values() if force or r.deadline <= now]:
            self.stop_reading(reading)
            if not reading.idle:
                send_quietly(reading.conn.sock, TOO_SLOW)
                self.refused("slow", reading.conn.front_address)
            self.close(reading.conn)
        super().murder_keepalived(force)

    def _cap_keepalive(self, deadline: float) -> None:
        for reading in self.reading.values():
            if reading.idle:
                reading.deadline = min(reading.deadline, deadline)
        super()._cap_keepalive(deadline)

    # -- after a thread is done ------------------------------------------------------------

    def finish_request(self, conn: Any, fs: Any) -> None:
        """Back to the event loop for the next request on a kept-alive connection, else close."""
        try:
            keepalive = fs.result() if not fs.cancelled() else False
        except Exception:
            keepalive = False
        if keepalive and conn.parser is not None and not conn.is_http2:
            deadline = time.monotonic() + self.cfg.keepalive
            if not self.alive:
                deadline = min(deadline, time.monotonic() + STOP_KEEPALIVE_LINGER)
            self.start_reading(conn, deadline, conn.parser.unreader.take_buffered())
        else:
            self.close(conn, graceful=True)

    def close(self, conn: Any, graceful: bool = False) -> None:
        """Close a connection and count it out of its address."""
        self.nr_conns -= 1
        address = getattr(conn, "front_address", "")
        left = self.per_address.get(address, 1) - 1
        if left > 0:
            self.per_address[address] = left
        else:
            self.per_address.pop(address, None)
        try:
            conn.close(graceful=graceful)
        except OSError:
            pass


def with_arrival(app: Any) -> Any:
    """A WSGI application that sets ``ARRIVED`` from the connection's ``TimedSocket``, then runs ``app``."""

    def application(environ: dict[str, Any], start_response: Any) -> Any:
        arrived = getattr(environ.get("gunicorn.socket"), "arrived", None)
        if arrived is not None:
            environ[ARRIVED] = arrived
        return app(environ, start_response)

    return application


def send_quietly(sock: socket.socket, answer: bytes) -> None:
    """Send a short answer if the socket takes it at once; a client that does not read loses it."""
    try:
        sock.setblocking(False)
        sock.send(answer)
    except OSError:
        pass


def _not_counted(reason: str, client: str) -> None:
    """Where the application keeps no counters (it is not this project's)."""


def refuse(sock: socket.socket) -> None:
    """Answer 429 and close, reading what the client sent first so the answer is not reset away."""
    try:
        sock.setblocking(False)
        sock.recv(RECV_BYTES)
    except OSError:
        pass
    send_quietly(sock, TOO_MANY)
    try:
        sock.shutdown(socket.SHUT_WR)
    except OSError:
        pass
    sock.close()


def guarded_worker(limits: FrontLimits) -> type[GuardedThreadWorker]:
    """The worker class for gunicorn's ``worker_class``, with these limits."""
    return type("GuardedThreadWorker", (GuardedThreadWorker,), {"limits": limits})
