"""Run SPARQL queries in child processes that can be killed when they overrun.

Neither pyoxigraph nor rdflib can cancel a running query, so each query runs in one of a
few forked children that share the loaded store copy-on-write. The parent waits for the
answer up to the time limit; past it, the child is killed (the query really stops) and a
fresh one is forked, while other requests keep being answered by the other children.

A child serializes the whole response before answering, so the HTTP layer never starts
a 200 response that could be cut short, and it refuses results larger than the row
limit instead of truncating them.

The job goes down the pipe pickled: it is small, it holds the neutral term dataclasses
of its substitutions, and a child already trusts its parent, of which it is a fork. What
comes back up is never unpickled: a one-line JSON header, ``{"ok": true, "format": ...,
"kind": ...}`` or ``{"ok": false, "kind": ..., "message": ...}``, then for an answer its
body as raw bytes, which reach the parent in one copy.
"""

from __future__ import annotations

import json
import multiprocessing
import os
import queue
import signal
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from typing import Protocol

from server.engine.interface import Engine, QueryAnswer, QueryJob
from server.errors import (
    KgError,
    NotAcceptable,
    QuerySyntaxError,
    QueryTimeout,
    ResultTooLarge,
    ServerBusy,
    WrongQueryForm,
)

FAILURES: dict[str, type[KgError]] = {
    "QuerySyntaxError": QuerySyntaxError,
    "WrongQueryForm": WrongQueryForm,
    "NotAcceptable": NotAcceptable,
    "ResultTooLarge": ResultTooLarge,
}
"""The errors a child reports by name, raised again in the parent with their own class."""


Held = Callable[[float], None]
"""Told the seconds a job held a query process, whatever its outcome."""


@dataclass(frozen=True)
class _Failure:
    kind: str
    message: str


def _send(connection: Connection, answer: QueryAnswer | _Failure) -> None:
    """An answer as its header and its body, or a failure as its header alone."""
    if isinstance(answer, _Failure):
        header = {"ok": False, "kind": answer.kind, "message": answer.message}
        connection.send_bytes(json.dumps(header).encode())
        return
    connection.send_bytes(json.dumps({"ok": True, "format": answer.format_name, "kind": answer.kind}).encode())
    connection.send_bytes(answer.body)


def _receive(connection: Connection) -> QueryAnswer | _Failure:
    """What ``_send`` sent; ValueError, KeyError or TypeError when the header is not one of its own."""
    header = json.loads(connection.recv_bytes())
    if header["ok"] is True:
        return QueryAnswer(connection.recv_bytes(), str(header["format"]), str(header["kind"]))
    return _Failure(str(header["kind"]), str(header["message"]))


def _child_loop(connection: Connection, engine: Engine, inherited: list[Connection]) -> None:
    """Answer jobs until the parent closes the pipe.

    A forked child inherits the server's signal handlers (gunicorn's graceful-shutdown
    handlers would make it ignore SIGTERM) and the parent's ends of its siblings' pipes
    (which would keep a sibling from seeing the parent go): both are undone first.
    """
    for number in (signal.SIGTERM, signal.SIGHUP, signal.SIGQUIT, signal.SIGUSR1, signal.SIGUSR2, signal.SIGCHLD):
        signal.signal(number, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C stops the parent, which closes the pipe
    for other in inherited:
        other.close()
    while True:
        try:
            job = connection.recv()
        except (EOFError, OSError):
            return
        try:
            answer: QueryAnswer | _Failure = engine.answer(job)
        except KgError as error:
            answer = _Failure(type(error).__name__, str(error))
        except (ValueError, OSError) as error:  # pyoxigraph: bad IRIs, evaluation errors
            answer = _Failure("QuerySyntaxError", f"the query cannot be evaluated: {error}")
        except Exception as error:  # never let a query take the process down silently  # noqa: BLE001
            answer = _Failure("KgError", f"the query failed inside the server ({type(error).__name__})")
        _send(connection, answer)


@dataclass
class _Child:
    process: multiprocessing.process.BaseProcess
    connection: Connection


@dataclass
class QueryExecutor:
    """A pool of killable query processes, created lazily in each serving process."""

    engine: Engine
    processes: int = 2
    timeout: float = 10.0
    _pid: int = field(default=-1, init=False)
    _idle: queue.Queue[_Child] = field(default_factory=queue.Queue, init=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False)
    _busy: set[Connection] = field(default_factory=set, init=False)
    _lock_busy: threading.Lock = field(default_factory=threading.Lock, init=False)
    _forking: threading.Lock = field(default_factory=threading.Lock, init=False)

    def run(self, job: QueryJob, deadline: float | None = None, held: Held | None = None) -> QueryAnswer:
        """Run a job in a child; raise QueryTimeout (and replace the child) when it overruns.

        ``deadline`` (time.monotonic) is when the time limit ends, counted from the request's
        arrival, so waiting for a thread or a process counts; ``held`` is told the seconds
        the job held its process.
        """
        self._ensure_pool()
        deadline = time.monotonic() + self.timeout if deadline is None else deadline
        try:
            child = self._idle.get(timeout=max(deadline - time.monotonic(), 0.001))
        except queue.Empty:
            raise ServerBusy(f"every query process stayed busy within the limit of {self.timeout:g} s") from None
        if deadline <= time.monotonic():  # waited the whole limit: the query is not started at all
            self._idle.put(child)
            raise QueryTimeout(f"the query waited the whole limit of {self.timeout:g} s for a query process")
        with self._lock_busy:
            self._busy.add(child.connection)
        taken = time.monotonic()
        try:
            child.connection.send(job)
            if not child.connection.poll(max(deadline - time.monotonic(), 0.0)):
                self._replace(child)
                raise QueryTimeout(f"the query ran longer than the limit of {self.timeout:g} s and was stopped")
            answer = _receive(child.connection)
        except (EOFError, OSError, ValueError, KeyError, TypeError):  # a dead child, or one out of step
            self._replace(child)
            raise KgError("the query process failed; the query was not answered") from None
        finally:
            with self._lock_busy:
                self._busy.discard(child.connection)
            if held is not None:
                held(time.monotonic() - taken)
        self._idle.put(child)
        if isinstance(answer, _Failure):
            raise FAILURES.get(answer.kind, KgError)(answer.message)
        return answer

    def _ensure_pool(self) -> None:
        with self._lock:
            if self._pid == os.getpid():
                return
            self._pid = os.getpid()  # a fork (gunicorn worker) starts its own pool
            self._idle = queue.Queue()
            self._busy = set()
            for _ in range(self.processes):
                self._idle.put(self._spawn())

    def _spawn(self) -> _Child:
        """Fork a child, one at a time in this process.

        Two threads forking at once each gave its child the other's pipe ends while they
        were still open, among them the pipe through which a child's exit is seen: joining
        a killed child then waited until its sibling ended too (a 503 came 5 s late).
        """
        with self._forking:
            context = multiprocessing.get_context("fork")
            parent_end, child_end = context.Pipe()
            siblings = [child.connection for child in list(self._idle.queue)] + self._busy_connections()
            process = context.Process(target=_child_loop, args=(child_end, self.engine, siblings), daemon=True)
            process.start()
            child_end.close()
        return _Child(process, parent_end)

    def _busy_connections(self) -> list[Connection]:
        with self._lock_busy:
            return list(self._busy)

    def _replace(self, child: _Child) -> None:
        child.process.kill()
        child.process.join(timeout=5)
        child.connection.close()
        self._idle.put(self._spawn())

    def shutdown(self) -> None:
        """Stop every child of this process (tests; gunicorn stops them with the worker)."""
        if self._pid != os.getpid():
            return
        while True:
            try:
                child = self._idle.get_nowait()
            except queue.Empty:
                return
            child.process.kill()
            child.process.join(timeout=5)
            child.connection.close()


class Executor(Protocol):
    """Runs protocol queries within the time limit (see ``QueryExecutor`` and ``InlineExecutor``)."""

    def run(self, job: QueryJob, deadline: float | None = None, held: Held | None = None) -> QueryAnswer:
        """The job's answer, or the error that stopped it, by ``deadline``; ``held`` is told the seconds it took."""
        ...

    def shutdown(self) -> None:
        """Release what the executor holds in this process."""
        ...


@dataclass
class InlineExecutor:
    """Runs each job in the calling thread, for an engine that stops its own queries at the time limit.

    A remote engine is reached over HTTP: past the limit its client abandons the request
    and closes the connection, so no process needs killing and none is forked.
    """

    engine: Engine

    def run(self, job: QueryJob, deadline: float | None = None, held: Held | None = None) -> QueryAnswer:
        """The engine's answer to the job (the engine's client keeps its own time limit)."""
        started = time.monotonic()
        try:
            return self.engine.answer(job)
        finally:
            if held is not None:
                held(time.monotonic() - started)

    def shutdown(self) -> None:
        """Nothing is held per process."""
