"""Scale benchmark against Oxigraph: ``clip-kg benchmark --against-oxigraph --triples N``.

Generates a synthetic graph (``synthetic.py``), then, one after the other so that they
never compete for the CPU, starts the reference (the ``oxigraph`` server of PyPI package
``oxigraph``: ``oxigraph load`` into a temporary store, then ``serve-read-only``) and this
project's server (``python -m server serve --data FILE``) on the same file, both bound to
127.0.0.1. Each gets a startup deadline; one that is not ready in time is reported as
such. For each it measures the time to ready, the memory (PSS summed over the process
tree, while loaded and its sampled peak), p50/p95 per query of a fixed mix at one
client, and requests/s of a lookup mix at 8 and 32 clients; for our server also the
linked-data pages. The same SPARQL text goes to both. Every loop is bounded in count and
time, and every process started here is stopped at the end, also on error or Ctrl-C.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from server.cli.processes import SAMPLE_EVERY, Sampler, free_port, load_average, machine_facts, mib, spawn, stop
from server.cli.querymix import FAILURES, QUERIES, REQUEST_TIMEOUT, SELECT_JSON, Client, answer_size, percentile
from server.cli.synthetic import BASE, Summary, generate
from server.errors import KgError
from server.kg.progress import Progress, silent

QUERY_TIMEOUT = 10
"""Seconds a query may run on our server (its default). Oxigraph runs without ``--timeout-s``: with it,
0.5.13 answers 500 "Resource temporarily unavailable (os error 11)" to many requests at 8 clients."""
QUERY_BUDGET = 120.0
"""Seconds of runs per query at one client; past it the remaining runs are skipped."""
MAX_REQUESTS_PER_CLIENT = 200_000


class ToolMissing(KgError):
    """The reference server is not installed (``pip install -e '.[bench]'``)."""


@dataclass(frozen=True)
class Options:
    """What to measure and for how long."""

    triples: int
    deadline: float = 600.0
    runs: int = 20
    duration: float = 10.0
    clients: tuple[int, ...] = (8, 32)
    seed: int = 1
    answer_cache: bool = False
    """Leave our server's answer cache on; off by default, as Oxigraph keeps no answers."""


@dataclass
class Result:
    """What was measured on one server."""

    name: str
    ready: float | None = None
    load: float | None = None
    complete: float | None = None
    """Seconds from start until the per-version work after ready (statistics, dump files) was done."""
    note: str = ""
    pss_loaded: int | None = None
    pss_peak: int | None = None
    latency: dict[str, list[float]] = field(default_factory=dict)
    sizes: dict[str, int] = field(default_factory=dict)
    errors: dict[str, int] = field(default_factory=dict)
    throughput: dict[int, tuple[float, int]] = field(default_factory=dict)
    pages: dict[str, list[float]] = field(default_factory=dict)


@dataclass
class Server:
    """A started server: its process, port and SPARQL path."""

    process: subprocess.Popen[bytes]
    port: int
    sparql: str
    log: Path


def wait_ready(
    server: Server, started: float, deadline: float, result: Result, sampler: Sampler, progress: Progress
) -> bool:
    """Poll with ASK until the endpoint answers 200, the process dies, or the deadline passes."""
    next_report = 30.0
    while time.monotonic() - started < deadline:
        if time.monotonic() - started > next_report:
            progress(f"{result.name}: still starting after {next_report:.0f} s, PSS {mib(sampler.sample())} MiB")
            next_report += 30
        if server.process.poll() is not None:
            result.note = f"exited with code {server.process.returncode}: {_last_line(server.log)}"
            return False
        probe = Client(server.port)
        try:
            status, _ = probe.query(server.sparql, "ASK {}", SELECT_JSON)
            if status == 200:
                result.ready = time.monotonic() - started
                if result.load is None:
                    result.load = _serving_seen(server.log)
                return True
        except FAILURES:
            pass
        finally:
            probe.close()
        sampler.sample()
        time.sleep(SAMPLE_EVERY)
    result.note = f"not ready after {deadline:.0f} s"
    return False


def started_at(result: Result) -> float:
    """The monotonic time the server was started, from when it became ready."""
    return time.monotonic() - (result.ready or 0.0)


def wait_complete(
    server: Server, started: float, deadline: float, result: Result, sampler: Sampler, progress: Progress
) -> None:
    """Wait until the dump files are listed (written after the statistics), so that work does not share the
    cores with the measurements; the time it took is reported as well."""
    client = Client(server.port)
    try:
        while time.monotonic() - started < deadline:
            status, body = client.get("/dumps", "application/json")
            if status == 200 and json.loads(body)["files"]:
                result.complete = time.monotonic() - started
                progress(f"{result.name}: statistics and dump files written after {result.complete:.1f} s")
                return
            sampler.sample()
            time.sleep(SAMPLE_EVERY)
    finally:
        client.close()


def _serving_seen(log: Path) -> float | None:
    """Our server logs '[ 12.3s] serving on ...' once the graph is loaded: that time is its load time."""
    for line in log.read_text(errors="replace").splitlines():
        if "serving on" in line and line.startswith("["):
            return float(line[1:].split("s]", 1)[0])
    return None


def _last_line(log: Path) -> str:
    lines = [line for line in log.read_text(errors="replace").splitlines() if line.strip()]
    return lines[-1][:200] if lines else "(no output)"


def oxigraph_command() -> str:
    """The ``oxigraph`` console command next to this Python, else on PATH."""
    beside = Path(sys.executable).parent / "oxigraph"
    found = str(beside) if beside.exists() else shutil.which("oxigraph")
    if not found:
        raise ToolMissing("the reference server is missing: pip install 'oxigraph==0.5.13' (or -e '.[bench]')")
    return found


@contextmanager
def oxigraph(
    data: Path, work: Path, options: Options, result: Result, sampler: Sampler, progress: Progress
) -> Iterator[Server | None]:
    """Load the file into a fresh store, then serve it read-only; None when not ready in time."""
    command, store, log = oxigraph_command(), work / "oxigraph-store", work / "oxigraph.log"
    started = time.monotonic()
    loader = spawn([command, "load", "--location", str(store), "--file", str(data)], log)
    try:
        sampler.watch(loader.pid)
        loader.wait(timeout=options.deadline)
    except subprocess.TimeoutExpired:
        result.note = f"load not done after {options.deadline:.0f} s"
    finally:
        stop(loader)
    if result.note or loader.returncode:
        result.note = result.note or f"load exited with code {loader.returncode}: {_last_line(log)}"
        yield None
        return
    result.load = time.monotonic() - started
    port = free_port()
    server = Server(
        spawn(
            [command, "serve-read-only", "--location", str(store), "--bind", f"127.0.0.1:{port}"],
            log,
        ),
        port,
        "/query",
        log,
    )
    try:
        sampler.watch(server.process.pid)
        yield server if wait_ready(server, started, options.deadline, result, sampler, progress) else None
    finally:
        stop(server.process)


@contextmanager
def ours(
    data: Path, work: Path, options: Options, result: Result, sampler: Sampler, progress: Progress
) -> Iterator[Server | None]:
    """``python -m server serve --data FILE`` with a private cache and no reasoning."""
    port, log = free_port(), work / "ours.log"
    env = {**os.environ, "KG_CACHE_DIR": str(work / "cache"), "KG_REASONING": "no", "KG_HOST": "127.0.0.1"}
    env["KG_QUERY_TIMEOUT"] = str(QUERY_TIMEOUT)
    if not options.answer_cache:
        env["KG_ANSWER_CACHE_BYTES"] = "0"
    command = [sys.executable, "-m", "server", "serve", "--data", str(data), "--port", str(port)]
    command += ["--base-uri", BASE, "--workers", "2", "--threads", "4"]
    started = time.monotonic()
    server = Server(spawn(command, log, env), port, "/sparql", log)
    try:
        sampler.watch(server.process.pid)
        yield server if wait_ready(server, started, options.deadline, result, sampler, progress) else None
    finally:
        stop(server.process)


# ---------------------------------------------------------------- measuring


def one_client(server: Server, summary: Summary, options: Options, result: Result, progress: Progress) -> None:
    """p50/p95 of each query of the mix, ``runs`` runs after one warm-up, at one client."""
    client = Client(server.port)
    try:
        for query in QUERIES:
            rng = random.Random(f"{options.seed}:{query.name}")  # noqa: S311 - the same picks for both servers
            durations, errors, budget = [], 0, time.monotonic() + QUERY_BUDGET
            for run in range(options.runs + 1):
                if time.monotonic() > budget:
                    progress(f"{result.name}: {query.name}: stopped after {run} runs ({QUERY_BUDGET:.0f} s)")
                    break
                text = query.text(rng, summary)
                started = time.perf_counter()
                try:
                    status, body = client.query(server.sparql, text, query.accept)
                except FAILURES:
                    status, body = 0, b""
                elapsed = (time.perf_counter() - started) * 1000
                if status != 200:
                    errors += 1
                    continue
                if run == 0:
                    result.sizes[query.name] = answer_size(query.accept, body)
                else:
                    durations.append(elapsed)
            result.latency[query.name], result.errors[query.name] = durations, errors
            progress(f"{result.name}: {query.name}: p50 {percentile(durations, 50)} ms")
    finally:
        client.close()


def many_clients(server: Server, summary: Summary, clients: int, options: Options) -> tuple[float, int]:
    """Requests/s of the lookup mix with ``clients`` threads for ``duration`` seconds; and the errors."""
    lookups = [q for q in QUERIES if q.lookup]
    counts = [[0, 0] for _ in range(clients)]
    end = time.monotonic() + options.duration

    def work(index: int) -> None:
        rng = random.Random(f"{options.seed}:client:{index}")  # noqa: S311 - reproducible picks
        client = Client(server.port)
        try:
            while time.monotonic() < end and sum(counts[index]) < MAX_REQUESTS_PER_CLIENT:
                query = rng.choice(lookups)
                try:
                    status, _ = client.query(server.sparql, query.text(rng, summary), query.accept)
                except FAILURES:
                    status = 0
                counts[index][0 if status == 200 else 1] += 1
        finally:
            client.close()

    started = time.monotonic()
    threads = [threading.Thread(target=work, args=(i,), daemon=True) for i in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=options.duration + REQUEST_TIMEOUT + 5)
    elapsed = time.monotonic() - started
    return sum(c[0] for c in counts) / elapsed, sum(c[1] for c in counts)


PAGES = (("home page /", "/"), ("city page", "/doc/city/{city}.html"), ("hub module page", "/doc/module/0.html"))


def pages(server: Server, summary: Summary, options: Options, result: Result) -> None:
    """p50/p95 of linked-data pages as HTML (our server only)."""
    rng = random.Random(f"{options.seed}:pages")  # noqa: S311 - reproducible picks
    client = Client(server.port)
    try:
        for name, template in PAGES:
            durations = []
            for run in range(options.runs + 1):
                path = template.format(city=rng.randrange(summary.plan.cities))
                started = time.perf_counter()
                try:
                    status, _ = client.get(path, "text/html")
                except FAILURES:
                    status = 0
                if status == 200 and run:
                    durations.append((time.perf_counter() - started) * 1000)
            result.pages[name] = durations
    finally:
        client.close()


Starter = Callable[[Path, Path, Options, "Result", Sampler, Progress], AbstractContextManager["Server | None"]]


def measure(name: str, start: Starter, data: Summary, work: Path, options: Options, progress: Progress) -> Result:
    """Start one server, measure it, stop it."""
    result, sampler = Result(name), Sampler()
    progress(f"{name}: starting (deadline {options.deadline:.0f} s)")
    try:
        with start(data.path, work, options, result, sampler, progress) as server:
            if server is None:
                progress(f"{name}: {result.note}")
                return result
            progress(f"{name}: ready after {result.ready:.1f} s")
            if name == "ours":
                wait_complete(server, started_at(result), options.deadline, result, sampler, progress)
            time.sleep(1)
            result.pss_loaded = sampler.sample()
            one_client(server, data, options, result, progress)
            for clients in options.clients:
                result.throughput[clients] = many_clients(server, data, clients, options)
                progress(f"{name}: {clients} clients: {result.throughput[clients][0]:.0f} requests/s")
            if name == "ours":
                pages(server, data, options, result)
    finally:
        sampler.stop()
        result.pss_peak = sampler.peak or None
    return result


@dataclass
class Report:
    """Everything measured in one run, with the conditions it ran under."""

    options: Options
    summary: Summary
    file_bytes: int
    machine: dict[str, str]
    ours: Result
    oxigraph: Result


def run(options: Options, progress: Progress = silent) -> Report:
    """Generate the graph, measure Oxigraph then our server on it; temporary files are removed."""
    oxigraph_command()
    machine = machine_facts()
    with tempfile.TemporaryDirectory(prefix="clip-kg-bench-") as folder:
        work = Path(folder)
        progress(f"generating about {options.triples:,} triples")
        summary = generate(work / "graph.nt", options.triples, options.seed, BASE, progress)
        size = summary.path.stat().st_size
        reference = measure("oxigraph", oxigraph, summary, work, options, progress)
        mine = measure("ours", ours, summary, work, options, progress)
    machine["load average after"] = load_average()
    return Report(options, summary, size, machine, mine, reference)
