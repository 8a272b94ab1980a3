"""Real SPARQL engines for the tests: Oxigraph server and Virtuoso, started on 127.0.0.1.

Each context manager starts one engine in a fresh temporary directory, on free ports,
loads an N-Quads file into it (the graph names of the file are kept), waits until it
answers an ASK query, yields an :class:`Engine` and stops it afterwards (SIGTERM, then
SIGKILL after a bounded wait), also when starting or loading fails; the directory is
removed. Failures raise :class:`EngineFailed` with the last lines of the engine's log,
a missing program :class:`EngineMissing`. Nothing here needs pytest.

What a remote backend must handle, as observed with Oxigraph 0.5.13 and Virtuoso
7.2.5 (07.20.3229, Debian 12); docs/engines.md has the queries and the answers:

- Default graph: the union of all graphs in both, Oxigraph only because both variants
  here pass ``--union-default-graph`` (without it, its default graph is a graph of its own).
  Virtuoso's union includes its system graphs.
- Virtuoso's system graphs, listed by ``GRAPH ?g``: ``http://www.openlinksw.com/schemas/virtrdf#``
  (2,479 triples), ``http://localuriqaserver/sparql`` (14) and ``http://www.w3.org/ns/ldp#``
  (3). "All graphs" queries must keep the data's graphs only (here: under
  ``https://w3id.org/clip-network/graph/``). Triples of an N-Quads file without a graph
  go to the graph given to ``ld_dir``. ``GRAPH ?g {}`` gives one empty row, not the graphs.
- Truncation: Virtuoso cuts a SELECT at ``ResultSetMaxRows`` rows with status 200 and the
  header ``X-SPARQL-MaxRows: N`` (absent when the answer is complete); CONSTRUCT is cut
  too (6 of 2,479 triples with N=5) with no header at all. Oxigraph has no such limit.
- Timeout: Virtuoso's ``timeout`` parameter (ms) answers 200 with what it has when the time
  is up (a COUNT gave no row at all) and ``X-SQL-State: S1TAT``, ``X-SQL-Message: RC...:
  Returning incomplete results, query interrupted by result timeout. ...``,
  ``X-Exec-Milliseconds`` and ``X-Exec-DB-Activity``: a wrong answer, not an error status.
  It is not a hard bound (500 ms asked, 2,006 ms taken). Oxigraph ignores the parameter.
- Blank nodes: Virtuoso ``{"type": "bnode", "value": "nodeID://b10000"}``, Oxigraph a bare
  hex id; both keep a node's id within one answer.
- Literals: both lowercase language tags (``en-GB`` → ``en-gb``) and store typed literals
  canonically (``"01"^^xsd:integer`` → ``"1"``, merged with ``"1"``; ``"1.50"`` → ``"1.5"``).
  Virtuoso writes ``"type": "typed-literal"`` in JSON results.
- DESCRIBE: Virtuoso describes nothing (``# Empty TURTLE``) without a FROM clause, even
  though its default graph is the union; with ``FROM <g>`` it gives the subject's triples,
  blank-node objects not followed. Oxigraph follows blank nodes (a CBD).
- Syntax errors: status 400, ``text/plain`` (Virtuoso: ``Virtuoso 37000 Error SP030: ...``).

The pytest fixtures of tests/conftest.py load the CLIP dataset into both.
"""

from __future__ import annotations

import json
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from server.cli import virtuoso as virtuoso_config

from .live import free_port

__all__ = ["Engine", "EngineFailed", "EngineMissing", "free_port", "oxigraph", "virtuoso", "ask"]

READY_SECONDS = 120.0
"""How long an engine may take to come up (and, for Virtuoso, to load) before it counts as failed."""
STOP_SECONDS = 15.0
"""How long an engine may take to exit after SIGTERM before it is killed."""
LOG_LINES = 30


class EngineMissing(RuntimeError):
    """The engine's program is not installed."""


class EngineFailed(RuntimeError):
    """The engine died, did not come up in time, or did not load the data."""


@dataclass(frozen=True)
class Engine:
    """A running engine: where to send SPARQL queries and, if it has one, Graph Store requests."""

    name: str
    query_url: str
    """The SPARQL 1.1 Protocol query endpoint."""
    store_url: str | None
    """The SPARQL 1.1 Graph Store HTTP Protocol endpoint, None if the engine (or this variant) has none."""
    process: subprocess.Popen[bytes]
    log: Path
    """The engine's log: Oxigraph's stdout and stderr, Virtuoso's ErrorLogFile (its stdout is ``stdout.log``)."""


# ---------------------------------------------------------------- programs


def oxigraph_program() -> str | None:
    """The ``oxigraph`` command of PyPI package ``oxigraph`` (the project's ``bench`` extra)."""
    beside = Path(sys.executable).parent / "oxigraph"
    return str(beside) if beside.exists() else shutil.which("oxigraph")


def virtuoso_programs() -> tuple[str, str] | None:
    """``virtuoso-t`` and ``isql-vt`` of Debian package ``virtuoso-opensource``."""
    return virtuoso_config.programs()


# ---------------------------------------------------------------- Oxigraph


@contextmanager
def oxigraph(data: Path | None, *, writable: bool = False, ready_seconds: float = READY_SECONDS) -> Iterator[Engine]:
    """Oxigraph server over ``data`` (N-Quads), its default graph the union of all graphs.

    Read-only (``serve-read-only``, no Graph Store) unless ``writable``: then ``serve``,
    with the Graph Store Protocol at ``/store``, over an empty store when ``data`` is None.
    """
    program = oxigraph_program()
    if program is None:
        raise EngineMissing("the oxigraph command is missing: pip install 'oxigraph==0.5.13' (or -e '.[bench]')")
    with _workdir("oxigraph") as work:
        store, log = work / "store", work / "oxigraph.log"
        if data is not None:
            _load_oxigraph(program, store, data, log, ready_seconds)
        elif not writable:
            raise ValueError("a read-only Oxigraph needs data")
        port = free_port()
        mode = ["serve"] if writable else ["serve-read-only"]
        command = [program, *mode, "--location", str(store), "--bind", f"127.0.0.1:{port}", "--union-default-graph"]
        base = f"http://127.0.0.1:{port}"
        with _running(command, log) as process:
            engine = Engine("oxigraph", f"{base}/query", f"{base}/store" if writable else None, process, log)
            _wait_until_answering(engine, ready_seconds)
            yield engine


def _load_oxigraph(program: str, store: Path, data: Path, log: Path, seconds: float) -> None:
    # The format is named, not guessed from the file's extension, so any file name will do.
    command = [program, "load", "--location", str(store), "--file", str(data), "--format", "nq"]
    with log.open("ab") as out:
        try:
            done = subprocess.run(command, stdout=out, stderr=subprocess.STDOUT, timeout=seconds, check=False)
        except subprocess.TimeoutExpired as error:
            raise EngineFailed(f"oxigraph load did not finish within {seconds:g} s\n{_tail(log)}") from error
    if done.returncode:
        raise EngineFailed(f"oxigraph load exited with code {done.returncode}\n{_tail(log)}")


# ---------------------------------------------------------------- Virtuoso


@contextmanager
def virtuoso(data: Path | None, *, max_rows: int = 1_000_000, ready_seconds: float = READY_SECONDS) -> Iterator[Engine]:
    """Virtuoso over ``data`` (N-Quads, loaded by the bulk loader); query endpoint ``/sparql``.

    No Graph Store endpoint is set up (``store_url`` is None): Virtuoso's needs write
    permissions granted to the anonymous user first, which these tests do not need.
    """
    programs = virtuoso_programs()
    if programs is None:
        raise EngineMissing(virtuoso_config.MISSING)
    program, isql = programs
    with _workdir("virtuoso") as work:
        isql_port, http_port = free_port(), free_port()
        ini = virtuoso_config.write_ini(work, work, isql_port, http_port, max_rows, virtuoso_config.SMALL)
        log = work / "stdout.log"
        command = [program, "+foreground", "+configfile", str(ini)]
        with _running(command, log, cwd=work) as process:
            engine = Engine("virtuoso", f"http://127.0.0.1:{http_port}/sparql", None, process, work / "virtuoso.log")
            started = time.monotonic()
            _wait_until_answering(engine, ready_seconds)
            if data is not None:
                left = max(ready_seconds - (time.monotonic() - started), 10.0)
                _load_virtuoso(isql, isql_port, work, data, engine, left)
            yield engine


def _load_virtuoso(isql: str, port: int, work: Path, data: Path, engine: Engine, seconds: float) -> None:
    """Bulk-load an N-Quads file: each quad goes to its own graph (ld_dir's graph is only for triples).

    The loader records a file it could not load in DB.DBA.LOAD_LIST instead of failing, so
    the errors are read back from there.
    """
    folder = work / "load"
    folder.mkdir()
    shutil.copyfile(data, folder / "data.nq")  # the bulk loader reads only from DirsAllowed and knows .nq by name
    script = f"ld_dir('{folder}', 'data.nq', 'urn:clip-kg:test:triples-without-graph'); {virtuoso_config.BULK_LOAD}"
    output = _isql(isql, port, script, engine, seconds)
    errors = [line for line in output.splitlines() if line.startswith("LOAD-ERROR")]
    loaded = [line.split() for line in output.splitlines() if line.startswith("LOADED")]
    if errors or not loaded or loaded[0][-1] != "1":
        raise EngineFailed(f"Virtuoso did not load {data}:\n{output[-3000:]}\n{_tail(engine.log)}")


def _isql(isql: str, port: int, script: str, engine: Engine, seconds: float) -> str:
    command = virtuoso_config.isql_command(isql, port, script)
    try:
        done = subprocess.run(command, capture_output=True, timeout=seconds, check=False, cwd=engine.log.parent)
    except subprocess.TimeoutExpired as error:
        raise EngineFailed(f"isql-vt did not finish within {seconds:g} s\n{_tail(engine.log)}") from error
    output = done.stdout.decode(errors="replace") + done.stderr.decode(errors="replace")
    if done.returncode or "*** Error" in output:
        raise EngineFailed(f"isql-vt failed ({done.returncode}):\n{output[-3000:]}\n{_tail(engine.log)}")
    return output


# ---------------------------------------------------------------- both


def ask(query_url: str, query: str = "ASK {}", timeout: float = 5) -> bool:
    """The boolean of an ASK query sent by GET, as SPARQL results JSON."""
    request = urllib.request.Request(
        f"{query_url}?{urllib.parse.urlencode({'query': query})}",
        headers={"Accept": "application/sparql-results+json"},
    )
    with urllib.request.urlopen(request, timeout=timeout) as response:
        return bool(json.load(response)["boolean"])


@contextmanager
def _workdir(name: str) -> Iterator[Path]:
    work = Path(tempfile.mkdtemp(prefix=f"clip-kg-{name}-"))
    try:
        yield work
    finally:
        shutil.rmtree(work, ignore_errors=True)


@contextmanager
def _running(command: list[str], log: Path, cwd: Path | None = None) -> Iterator[subprocess.Popen[bytes]]:
    """Run a server in a session of its own, output to ``log``; stop it however the block ends."""
    with log.open("ab") as out:
        process = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT, cwd=cwd, start_new_session=True)
    try:
        yield process
    finally:
        stop(process)


def stop(process: subprocess.Popen[bytes], seconds: float = STOP_SECONDS) -> None:
    """SIGTERM, then SIGKILL if the process has not exited after ``seconds``."""
    if process.poll() is not None:
        return
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=seconds)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=seconds)


def _wait_until_answering(engine: Engine, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    last: Exception | None = None
    while time.monotonic() < deadline:
        code = engine.process.poll()
        if code is not None:
            raise EngineFailed(f"{engine.name} exited with code {code} before answering\n{_tail(engine.log)}")
        try:
            if ask(engine.query_url, timeout=2):
                return
        except (OSError, ValueError, KeyError) as error:  # not listening yet, or not ready to answer
            last = error
        time.sleep(0.25)
    raise EngineFailed(f"{engine.name} did not answer ASK within {seconds:g} s ({last!r})\n{_tail(engine.log)}")


def _tail(log: Path, lines: int = LOG_LINES) -> str:
    try:
        text = log.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return f"(no log at {log})"
    kept = [line for line in text.splitlines() if line.strip()][-lines:]
    return f"last lines of {log.name}:\n" + "\n".join(kept) if kept else f"({log.name} is empty)"
