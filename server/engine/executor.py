"""Run SPARQL queries in child processes that can be killed when they overrun.

Neither pyoxigraph nor rdflib can cancel a running query, so each query runs in one of a
few forked children that share the loaded store copy-on-write. The parent waits for the
answer up to the time limit; past it, the child is killed (the query really stops) and a
fresh one is forked, while other requests keep being answered by the other children.

A child serializes the whole response before answering, so the HTTP layer never starts
a 200 response that could be cut short, and it refuses results larger than the row or
byte limit instead of truncating them.

A child lives no longer than the process that forked it. It holds no pipe end but its
own (so it reads EOF when its parent goes while it waits for a job), and Linux kills it
when the thread that forked it ends (the parent-death signal), which covers a parent
killed while the child is busy: that thread is one long-lived forker per pool, since a
request thread may end before the child it forked. Shutdown, and the interpreter's exit,
stop every child, busy or idle.

A child may take a bounded amount of memory beyond what it holds when it starts
(RLIMIT_DATA). Past it, pyoxigraph aborts the process (Rust aborts on a failed
allocation; SIGABRT) or Python raises MemoryError: either way the query is refused
(``QueryMemoryExceeded``) and the child replaced. Any other death of a child while it
answers is a crash: logged with the query's digest (never its text), counted, and
answered ``QueryCrashed``. The counts (``crashes``, ``out_of_memory``, ``timeouts``) are
the executor's, for a metrics page to read.

The caller says when a job's time limit ends (``deadline``, counted from the request's
arrival, so the wait for a thread and for a process counts) and is told the seconds the
job held its process (``held``, whatever the outcome), to charge them to its client. A
job whose time is over before it gets a process is refused without touching one.

The job goes down the pipe pickled: it is small, it holds the neutral term dataclasses
of its substitutions, and a child already trusts its parent, of which it is a fork. What
comes back up is never unpickled: a one-line JSON header, ``{"ok": true, "format": ...,
"kind": ...}`` or ``{"ok": false, "kind": ..., "message": ...}``, then for an answer its
body as raw bytes, which reach the parent in one copy.
"""

from __future__ import annotations

import atexit
import ctypes
import json
import logging
import multiprocessing
import os
import queue
import resource
import signal
import sys
import threading
import time
import weakref
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Protocol

from server.engine.interface import Engine, QueryAnswer, QueryJob
from server.errors import (
    KgError,
    NotAcceptable,
    NotWritable,
    QueryCrashed,
    QueryMemoryExceeded,
    QuerySyntaxError,
    QueryTimeout,
    ResultTooLarge,
    ServerBusy,
    UnsupportedQuery,
    WrongQueryForm,
)

log = logging.getLogger(__name__)

FAILURES: dict[str, type[KgError]] = {
    "QuerySyntaxError": QuerySyntaxError,
    "UnsupportedQuery": UnsupportedQuery,
    "WrongQueryForm": WrongQueryForm,
    "NotAcceptable": NotAcceptable,
    "NotWritable": NotWritable,
    "ResultTooLarge": ResultTooLarge,
    "QueryMemoryExceeded": QueryMemoryExceeded,
}
"""The errors a child reports by name, raised again in the parent with their own class."""
REPLACED_AFTER = frozenset({"QueryMemoryExceeded"})
"""Failures after which a child ends and is replaced rather than given the next job."""
PR_SET_PDEATHSIG = 1
"""The prctl option that names the signal a process gets when the thread that forked it ends (linux/prctl.h)."""
DEATH_WAIT = 2.0
"""Seconds to wait for the exit status of a child whose pipe closed: it is ending."""
MIB = 1024 * 1024

Held = Callable[[float], None]
"""Told the seconds a job held a query process, whatever its outcome."""


class Count:
    """A number of events, added to by any thread and read by another (a metrics page)."""

    def __init__(self) -> None:
        self._value = 0
        self._lock = threading.Lock()

    def add(self, amount: int = 1) -> None:
        """Count ``amount`` more events."""
        with self._lock:
            self._value += amount

    @property
    def value(self) -> int:
        """The events counted so far."""
        with self._lock:
            return self._value


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


def memory_message(budget: int) -> str:
    """What a client is told of a query stopped for want of memory.

    >>> memory_message(512 * MIB)
    'the query needed more than 512 MiB of memory, the limit of one query on this endpoint, and was stopped; narrow it'
    """
    if budget <= 0:
        return "the query needed more memory than the server could give it and was stopped; narrow it"
    limit = f"{budget / MIB:g} MiB"
    return (
        f"the query needed more than {limit} of memory, the limit of one query on this endpoint, "
        "and was stopped; narrow it"
    )


@dataclass(frozen=True)
class _Start:
    """What a child is given at its fork besides its pipe end and the engine."""

    parent: int
    """The process id of the parent: a child that finds another parent exits at once."""
    inherited: tuple[Connection, ...]
    """The parent's pipe ends, its own child's included, which the child must close."""
    memory_bytes: int
    """The memory the child may take beyond what it holds once started (0: no limit)."""


def _child_main(connection: Connection, engine: Engine, start: _Start) -> None:
    """A child's life: tied to its parent, left alone with its own pipe end, within its memory; then jobs."""
    _die_with_parent(start.parent)
    _reset_signals()
    for other in start.inherited:
        other.close()
    _limit_memory(engine, start.memory_bytes)
    _answer_jobs(connection, engine, start.memory_bytes)


def _die_with_parent(parent: int) -> None:
    """Have Linux kill this process when the thread that forked it ends; exit now if the parent is gone already.

    Checking the parent after asking closes the race with a parent that died before the request.
    """
    if sys.platform == "linux":
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, int(signal.SIGKILL), 0, 0, 0)
    if os.getppid() != parent:
        os._exit(0)


def _reset_signals() -> None:
    """Undo the server's signal handlers inherited with the fork.

    gunicorn's graceful-shutdown handlers would make a child ignore SIGTERM; Ctrl-C stops
    the parent, which takes its children with it.
    """
    for number in (signal.SIGTERM, signal.SIGHUP, signal.SIGQUIT, signal.SIGUSR1, signal.SIGUSR2, signal.SIGCHLD):
        signal.signal(number, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _limit_memory(engine: Engine, budget: int) -> None:
    """Let this process take at most ``budget`` bytes of memory beyond what it holds now, its store opened.

    RLIMIT_DATA counts a process's private writable memory: its heap, its anonymous
    mappings and the pages it still shares copy-on-write with its parent, but not the
    store's files in the page cache. What the child inherited and what opening the store
    took are measured first; the budget comes on top. Linux only (elsewhere: no limit).
    """
    if budget <= 0 or sys.platform != "linux":
        return
    try:
        engine.ask("ASK {}")  # opens the store in this process: a store handle does not survive a fork
    except (KgError, ValueError, OSError):
        pass  # the first job will meet the same error and report it
    limit = _private_bytes() + budget
    _, hard = resource.getrlimit(resource.RLIMIT_DATA)
    if hard != resource.RLIM_INFINITY:
        limit = min(limit, hard)
    resource.setrlimit(resource.RLIMIT_DATA, (limit, limit))


def _private_bytes() -> int:
    """The private writable memory of this process (``VmData`` of /proc/self/status), in bytes."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmData:"):
            return int(line.split()[1]) * 1024
    return 0


def _answer_jobs(connection: Connection, engine: Engine, memory_bytes: int) -> None:
    """Answer jobs until the parent closes the pipe, or a job ran out of memory (the parent replaces the child)."""
    while True:
        try:
            job = connection.recv()
        except (EOFError, OSError):
            return
        answer = _answer(engine, job, memory_bytes)
        _send(connection, answer)
        if isinstance(answer, _Failure) and answer.kind in REPLACED_AFTER:
            return


def _answer(engine: Engine, job: QueryJob, memory_bytes: int) -> QueryAnswer | _Failure:
    """The engine's answer to a job, or the failure to report (the memory of a failed one freed on return)."""
    try:
        return engine.answer(job)
    except KgError as error:
        return _Failure(type(error).__name__, str(error))
    except MemoryError:
        return _Failure("QueryMemoryExceeded", memory_message(memory_bytes))
    except (ValueError, OSError) as error:  # pyoxigraph: bad IRIs, evaluation errors
        return _Failure("QuerySyntaxError", f"the query cannot be evaluated: {error}")
    except Exception as error:  # never let a query take the process down silently  # noqa: BLE001
        return _Failure("KgError", f"the query failed inside the server ({type(error).__name__})")


@dataclass
class _Child:
    pid: int
    process: multiprocessing.process.BaseProcess
    connection: Connection


def _how_it_ended(exitcode: int | None) -> str:
    """A child's end in words.

    >>> _how_it_ended(-11), _how_it_ended(1), _how_it_ended(None)
    ('signal SIGSEGV', 'exit status 1', 'no answer it could read')
    """
    if exitcode is None:
        return "no answer it could read"
    if exitcode < 0:
        return f"signal {signal.Signals(-exitcode).name}"
    return f"exit status {exitcode}"


class _Forker:
    """One long-lived thread that makes every fork of a pool.

    Linux sends a child its parent-death signal when the thread that forked it ends, not
    its process: a child forked by a request thread (werkzeug starts one per request) would
    die with that thread. A daemon thread, unlike one of ``concurrent.futures``, which a
    forked child would try to join at its own exit.
    """

    def __init__(self) -> None:
        self._calls: queue.Queue[tuple[Callable[[], _Child], Future[_Child]] | None] = queue.Queue()
        threading.Thread(target=self._serve, name="query-process-forker", daemon=True).start()

    def fork(self, make: Callable[[], _Child]) -> _Child:
        """What ``make`` returns (or raises), called in the forker thread."""
        done: Future[_Child] = Future()
        self._calls.put((make, done))
        return done.result()

    def stop(self) -> None:
        """End the thread once the forks asked for before are made."""
        self._calls.put(None)

    def _serve(self) -> None:
        while (call := self._calls.get()) is not None:
            make, done = call
            try:
                done.set_result(make())
            except BaseException as error:  # noqa: BLE001 - handed to the caller, which raises it
                done.set_exception(error)


def _shutdown_if_alive(executor: weakref.ref[QueryExecutor]) -> None:
    """At interpreter exit: stop the children of an executor still in use."""
    alive = executor()
    if alive is not None:
        alive.shutdown()


@dataclass
class QueryExecutor:
    """A pool of killable query processes, created lazily in each serving process.

    ``crashes``, ``out_of_memory`` and ``timeouts`` count the queries of this process that
    ended so, for a metrics page.
    """

    engine: Engine
    processes: int = 2
    timeout: float = 10.0
    memory_bytes: int = 0
    """Memory a child may take beyond what it holds once started (0: no limit)."""
    crashes: Count = field(default_factory=Count, init=False)
    out_of_memory: Count = field(default_factory=Count, init=False)
    timeouts: Count = field(default_factory=Count, init=False)
    _pid: int = field(default=-1, init=False)
    _idle: queue.Queue[_Child] = field(default_factory=queue.Queue, init=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False)
    _children: dict[int, _Child] = field(default_factory=dict, init=False)
    """Every live child of this process, idle or busy, by process id."""
    _lock_children: threading.Lock = field(default_factory=threading.Lock, init=False)
    _forker: _Forker | None = field(default=None, init=False)

    def run(self, job: QueryJob, deadline: float | None = None, held: Held | None = None) -> QueryAnswer:
        """Run a job in a child; raise QueryTimeout (and replace the child) when it overruns.

        ``deadline`` (time.monotonic) is when the time limit ends, counted from the request's
        arrival, so waiting for a thread or a process counts (default: the limit from now);
        ``held`` is told the seconds the job held its process, also when it failed.

        Raises:
            ServerBusy: no process came free within the limit.
            QueryTimeout: the limit ended before a process came free (none is used) or while it ran.
            QueryMemoryExceeded: the child ran out of its memory (it is replaced).
            QueryCrashed: the child died while answering (it is replaced; logged and counted).
        """
        self._ensure_pool()
        deadline = time.monotonic() + self.timeout if deadline is None else deadline
        try:
            child = self._idle.get(timeout=max(deadline - time.monotonic(), 0.001))
        except queue.Empty:
            raise ServerBusy(f"every query process stayed busy within the limit of {self.timeout:g} s") from None
        if deadline <= time.monotonic():  # waited the whole limit: the query is not started at all
            self._give_back(child)
            self.timeouts.add()
            raise QueryTimeout(f"the query waited the whole limit of {self.timeout:g} s for a query process")
        taken = time.monotonic()
        try:
            child.connection.send(job)
            if not child.connection.poll(max(deadline - time.monotonic(), 0.0)):
                self._replace(child)
                self.timeouts.add()
                raise QueryTimeout(f"the query ran longer than the limit of {self.timeout:g} s and was stopped")
            answer = _receive(child.connection)
        except (EOFError, OSError, ValueError, KeyError, TypeError):  # a dead child, or one out of step
            raise self._lost(child, job) from None
        finally:
            if held is not None:
                held(time.monotonic() - taken)
        if isinstance(answer, _Failure) and answer.kind in REPLACED_AFTER:
            self._replace(child)
            self._count_out_of_memory(child, job)
        else:
            self._give_back(child)
        if isinstance(answer, _Failure):
            raise FAILURES.get(answer.kind, KgError)(answer.message)
        return answer

    def _lost(self, child: _Child, job: QueryJob) -> KgError:
        """The error for a job whose child ended (or fell out of step): the child replaced, its end counted and logged.

        A child that aborted (SIGABRT) under a memory limit ran out of it: pyoxigraph aborts
        on a failed allocation. Any other end is a crash.
        """
        with self._lock_children:
            stopped = child.pid not in self._children
        if stopped:
            return ServerBusy("the query processes were stopped while the query ran (the server is stopping)")
        child.process.join(timeout=DEATH_WAIT)
        ended = child.process.exitcode
        self._replace(child)
        if ended == -signal.SIGABRT and self.memory_bytes > 0:
            self._count_out_of_memory(child, job)
            return QueryMemoryExceeded(memory_message(self.memory_bytes))
        self.crashes.add()
        how = _how_it_ended(ended)
        log.warning("query process %d crashed (%s) answering query %s; it was replaced", child.pid, how, job.digest)
        return QueryCrashed(
            f"the query crashed the process answering it ({how}) and was not answered; "
            f"the crash is logged under the query's digest {job.digest}"
        )

    def _count_out_of_memory(self, child: _Child, job: QueryJob) -> None:
        self.out_of_memory.add()
        log.warning(
            "query process %d ran out of its %d bytes of memory answering query %s; it was replaced",
            child.pid,
            self.memory_bytes,
            job.digest,
        )

    def _ensure_pool(self) -> None:
        with self._lock:
            if self._pid == os.getpid():
                return
            self._pid = os.getpid()  # a fork (gunicorn worker) starts its own pool
            self._idle = queue.Queue()
            with self._lock_children:
                self._children = {}
            self._forker = _Forker()
            atexit.register(_shutdown_if_alive, weakref.ref(self))
            for _ in range(self.processes):
                self._idle.put(self._spawn())

    def _spawn(self) -> _Child:
        """A new child, forked by the pool's forker thread: the child dies when that thread ends."""
        forker = self._forker
        if forker is None:
            raise ServerBusy("the query processes were stopped (the server is stopping)")
        return forker.fork(self._fork)

    def _fork(self) -> _Child:
        """Fork a child, which closes every pipe end of this process but its own child end.

        The lock keeps the list of ends the child closes true: no end of this process is
        closed (and its number reused) between the list and the fork.
        """
        context = multiprocessing.get_context("fork")
        parent_end, child_end = context.Pipe()
        with self._lock_children:
            inherited = (*(other.connection for other in self._children.values()), parent_end)
            start = _Start(os.getpid(), inherited, self.memory_bytes)
            process = context.Process(target=_child_main, args=(child_end, self.engine, start), daemon=True)
            process.start()
            child_end.close()
            child = _Child(process.pid or 0, process, parent_end)
            self._children[child.pid] = child
        return child

    def _give_back(self, child: _Child) -> None:
        """Return a child to the idle ones, unless the pool was shut down meanwhile."""
        with self._lock_children:
            current = child.pid in self._children
        if current:
            self._idle.put(child)

    def _replace(self, child: _Child) -> None:
        """Kill a child and fork another in its place, unless the pool was shut down meanwhile."""
        child.process.kill()
        child.process.join(timeout=5)
        with self._lock_children:
            current = self._children.pop(child.pid, None) is not None
            child.connection.close()
        if current:
            self._idle.put(self._spawn())

    def shutdown(self) -> None:
        """Stop every child of this process, busy or idle, and the thread that forks them (tests; at exit).

        A job given to the executor afterwards starts a new pool.
        """
        with self._lock:
            if self._pid != os.getpid():
                return
            self._pid = -1
        with self._lock_children:
            children = list(self._children.values())
            self._children.clear()
        for child in children:
            child.process.kill()
        for child in children:
            child.process.join(timeout=5)
            with self._lock_children:
                child.connection.close()
        if self._forker is not None:
            self._forker.stop()
            self._forker = None


class Executor(Protocol):
    """Runs protocol queries within the time limit (see ``QueryExecutor`` and ``InlineExecutor``).

    ``crashes``, ``out_of_memory`` and ``timeouts`` count the jobs of this process that ended so.
    """

    crashes: Count
    out_of_memory: Count
    timeouts: Count

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
    and closes the connection, so no process needs killing and none is forked (none
    crashes or runs out of memory here: the engine's own limits apply there).
    """

    engine: Engine
    crashes: Count = field(default_factory=Count, init=False)
    out_of_memory: Count = field(default_factory=Count, init=False)
    timeouts: Count = field(default_factory=Count, init=False)

    def run(self, job: QueryJob, deadline: float | None = None, held: Held | None = None) -> QueryAnswer:
        """The engine's answer to the job (the engine's client keeps its own time limit)."""
        started = time.monotonic()
        try:
            return self.engine.answer(job)
        except QueryTimeout:
            self.timeouts.add()
            raise
        finally:
            if held is not None:
                held(time.monotonic() - started)

    def shutdown(self) -> None:
        """Nothing is held per process."""
