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

With ``--engine oxigraph|virtuoso`` each engine named is then measured in two more ways,
the same way: alone (for Oxigraph the reference run above; for Virtuoso its own
``/sparql``), and behind our server (``serve --engine URL``), the engine loaded with the
graph plus the data version's marker line (``push --marker``). The memory of our process
tree and of the engine's are sampled separately. The graph is N-Triples: Oxigraph keeps it
in its default graph (served without ``--union-default-graph``, so the marker, in a named
graph, is not in it); Virtuoso loads it with ``ld_dir`` into a named graph, which queries
without GRAPH see, its default graph being the union of all its graphs (system graphs
included, which changes whole-store counts).
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

from server.cli import virtuoso as virtuoso_config
from server.cli.explorebench import Exploration, explore_ours, explore_reference
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
    """The reference server is not installed (``pip install -e '.[bench]'``), or Virtuoso is not."""


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
    engines: tuple[str, ...] = ()
    """Engines to measure alone and behind our server (``ENGINES``); none by default."""


ENGINES = ("oxigraph", "virtuoso")
VIRTUOSO_GRAPH = "urn:clip-kg:bench:synthetic"
"""The named graph Virtuoso's bulk loader puts the synthetic N-Triples into."""


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
    engine_pss_loaded: int | None = None
    """For our server over an engine: the engine's PSS, sampled apart from ours."""
    engine_pss_peak: int | None = None
    values: dict[str, str] = field(default_factory=dict)
    """The value of a one-row, one-column answer (a count) on the first run, to compare between engines."""
    page_errors: dict[str, int] = field(default_factory=dict)
    companion: Sampler | None = field(default=None, repr=False)
    """The sampler of the engine behind our server, if any."""
    exploration: Exploration | None = field(default=None, repr=False)
    """Our server alone: fragments and facets timed (``explorebench.py``), the reference's side added later."""


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
    with serve_oxigraph(store, log, started, options, result, sampler, progress) as server:
        yield server


@contextmanager
def serve_oxigraph(
    store: Path, log: Path, started: float, options: Options, result: Result, sampler: Sampler, progress: Progress
) -> Iterator[Server | None]:
    """The Oxigraph server on a loaded store, read-only; None when not ready by the deadline from ``started``."""
    port = free_port()
    command = [oxigraph_command(), "serve-read-only", "--location", str(store), "--bind", f"127.0.0.1:{port}"]
    server = Server(spawn(command, log), port, "/query", log)
    try:
        sampler.watch(server.process.pid)
        yield server if wait_ready(server, started, options.deadline, result, sampler, progress) else None
    finally:
        stop(server.process)


def _our_env(work: Path, options: Options, cache: str = "cache") -> dict[str, str]:
    env = {**os.environ, "KG_CACHE_DIR": str(work / cache), "KG_REASONING": "no", "KG_HOST": "127.0.0.1"}
    env["KG_QUERY_TIMEOUT"] = str(QUERY_TIMEOUT)
    # Every client of the benchmark comes from 127.0.0.1, where a public server gives each address a share of
    # its query processes, its query time per minute and its connections (429 past them): here they stand for
    # as many clients as there are, with room for the connections of the previous concurrency level that the
    # server has not yet seen close.
    most = max(options.clients, default=1)
    env["KG_CLIENT_QUERIES"], env["KG_CONNECTIONS_PER_CLIENT"] = str(most), str(2 * most)
    env["KG_CLIENT_QUERY_SECONDS"] = str(60 * most)
    if not options.answer_cache:
        env["KG_ANSWER_CACHE_BYTES"] = "0"
    return env


ENGINE_CACHE = "cache-engine"
"""Our cache directory for the runs over an engine: built once by ``push --marker``, then reused."""


@contextmanager
def ours(
    data: Path,
    work: Path,
    options: Options,
    result: Result,
    sampler: Sampler,
    progress: Progress,
    engine: str | None = None,
) -> Iterator[Server | None]:
    """``python -m server serve --data FILE`` with a private cache and no reasoning; over ``engine`` if given."""
    port, log = free_port(), work / ("ours.log" if engine is None else f"{result.name.replace(' ', '-')}.log")
    env = _our_env(work, options, "cache" if engine is None else ENGINE_CACHE)
    command = [sys.executable, "-m", "server", "serve", "--data", str(data), "--port", str(port)]
    command += ["--base-uri", BASE, "--workers", "2", "--threads", "4"]
    if engine is not None:
        command += ["--engine", engine]
    started = time.monotonic()
    server = Server(spawn(command, log, env), port, "/sparql", log)
    try:
        sampler.watch(server.process.pid)
        yield server if wait_ready(server, started, options.deadline, result, sampler, progress) else None
    finally:
        stop(server.process)


# ---------------------------------------------------------------- engines behind our server


def marker_file(data: Path, work: Path, options: Options, progress: Progress) -> Path:
    """The data version's marker as one N-Quads line (``push --marker``), written to ``work/marker.nq``.

    It builds our cache for the runs over an engine (``ENGINE_CACHE``) on the way, so those runs start
    from a built cache.
    """
    command = [sys.executable, "-m", "server", "push", "--data", str(data), "--base-uri", BASE, "--marker"]
    progress("building our cache and the version marker for the runs over an engine (push --marker)")
    try:
        done = subprocess.run(  # noqa: S603 - a fixed command line built here
            command, capture_output=True, env=_our_env(work, options, ENGINE_CACHE), timeout=options.deadline
        )
    except subprocess.TimeoutExpired:
        raise KgError(f"push --marker did not finish within {options.deadline:.0f} s") from None
    lines = [line for line in done.stdout.decode(errors="replace").splitlines() if line.rstrip().endswith(" .")]
    if done.returncode or len(lines) != 1:
        raise KgError(f"push --marker failed ({done.returncode}): {done.stderr.decode(errors='replace')[-500:]}")
    path = work / "marker.nq"
    path.write_text(lines[0] + "\n", encoding="utf-8")
    return path


def _run_bounded(command: list[str], log: Path, seconds: float, sampler: Sampler) -> str:
    """Run a loader to its end within ``seconds``; '' when it succeeded, else what went wrong."""
    process = spawn(command, log)
    try:
        sampler.watch(process.pid)
        process.wait(timeout=max(seconds, 1.0))
    except subprocess.TimeoutExpired:
        return f"load not done after {seconds:.0f} s"
    finally:
        stop(process)
    return f"load exited with code {process.returncode}: {_last_line(log)}" if process.returncode else ""


@contextmanager
def oxigraph_with_marker(
    data: Path, work: Path, options: Options, result: Result, sampler: Sampler, progress: Progress
) -> Iterator[Server | None]:
    """A fresh Oxigraph store with the graph (default graph) and the marker (its named graph), served read-only.

    Without ``--union-default-graph``: the default graph is then the synthetic graph alone, as in the
    reference run, and our server, which names no dataset for data without named graphs, sees the same.
    """
    command, store, log = oxigraph_command(), work / "oxigraph-engine-store", work / "oxigraph-engine.log"
    started = time.monotonic()
    for file, form in ((data, "nt"), (work / "marker.nq", "nq")):
        left = options.deadline - (time.monotonic() - started)
        load = [command, "load", "--location", str(store), "--file", str(file), "--format", form]
        result.note = _run_bounded(load, log, left, sampler)
        if result.note:
            yield None
            return
    result.load = time.monotonic() - started
    port = free_port()
    serve = [command, "serve-read-only", "--location", str(store), "--bind", f"127.0.0.1:{port}"]
    server = Server(spawn(serve, log), port, "/query", log)
    try:
        sampler.watch(server.process.pid)
        yield server if wait_ready(server, started, options.deadline, result, sampler, progress) else None
    finally:
        stop(server.process)


VIRTUOSO_MAX_ROWS = 1_000_000
VIRTUOSO_LOAD = (
    "ld_dir('{work}', '{data}', '{graph}'); ld_dir('{work}', 'marker.nq', '{graph}'); " + virtuoso_config.BULK_LOAD
)
"""Register the graph (into ``VIRTUOSO_GRAPH``) and the marker (into its own graph, named in the file), load both,
make them durable, then report the files with errors and the files loaded (the loader records errors, it does
not fail)."""


def virtuoso_commands() -> tuple[str, str]:
    """``virtuoso-t`` and ``isql-vt`` of Debian package ``virtuoso-opensource``."""
    found = virtuoso_config.programs()
    if found is None:
        raise ToolMissing(virtuoso_config.MISSING)
    return found


@contextmanager
def virtuoso(
    data: Path, work: Path, options: Options, result: Result, sampler: Sampler, progress: Progress
) -> Iterator[Server | None]:
    """Virtuoso in a folder of its own with the graph and the marker bulk-loaded; None when not ready in time.

    'ready' is until the load is done and checkpointed; 'load' is the bulk load alone.
    """
    program, isql = virtuoso_commands()
    folder = work / f"virtuoso-{result.name.replace(' ', '-')}"
    isql_port, http_port = free_port(), free_port()
    ini = virtuoso_config.write_ini(folder, work, isql_port, http_port, VIRTUOSO_MAX_ROWS, virtuoso_config.BENCHMARK)
    log = folder / "stdout.log"
    started = time.monotonic()
    server = Server(spawn([program, "+foreground", "+configfile", str(ini)], log), http_port, "/sparql", log)
    try:
        sampler.watch(server.process.pid)
        if not wait_ready(server, started, options.deadline, result, sampler, progress):
            yield None
            return
        progress(f"{result.name}: answering after {result.ready:.1f} s, bulk-loading")
        loading = time.monotonic()
        script = VIRTUOSO_LOAD.format(work=work, data=data.name, graph=VIRTUOSO_GRAPH)
        left = max(options.deadline - (loading - started), 1.0)
        try:
            done = subprocess.run(  # noqa: S603 - a fixed command line built here
                virtuoso_config.isql_command(isql, isql_port, script), capture_output=True, timeout=left, cwd=folder
            )
            output = done.stdout.decode(errors="replace") + done.stderr.decode(errors="replace")
        except subprocess.TimeoutExpired:
            done, output = None, ""
            result.note = f"bulk load not done after {options.deadline:.0f} s"
        loaded = [line.split() for line in output.splitlines() if line.startswith("LOADED")]
        if done is not None and (
            done.returncode or "*** Error" in output or "LOAD-ERROR" in output or not loaded or loaded[0][-1] != "2"
        ):
            result.note = f"bulk load failed: {' '.join(output.split())[-300:]}"
        if result.note:
            yield None
            return
        result.load, result.ready = time.monotonic() - loading, time.monotonic() - started
        yield server
    finally:
        stop(server.process)


ENGINE_STARTERS = {"oxigraph": oxigraph_with_marker, "virtuoso": virtuoso}


def over(engine: str) -> Starter:
    """A starter of our server in front of ``engine``, itself started first; its memory is sampled apart."""

    @contextmanager
    def start(
        data: Path, work: Path, options: Options, result: Result, sampler: Sampler, progress: Progress
    ) -> Iterator[Server | None]:
        behind = Result(f"{engine} behind ours")
        result.companion = Sampler()
        with ENGINE_STARTERS[engine](data, work, options, behind, result.companion, progress) as server:
            if server is None:
                result.note = f"{engine}: {behind.note}"
                yield None
                return
            progress(f"{result.name}: {engine} ready after {behind.ready:.1f} s")
            url = f"http://127.0.0.1:{server.port}{server.sparql}"
            with ours(data, work, options, result, sampler, progress, engine=url) as mine:
                yield mine

    return start


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
                    if result.sizes[query.name] == 1 and query.accept == SELECT_JSON:
                        result.values[query.name] = _single_value(body)
                else:
                    durations.append(elapsed)
            result.latency[query.name], result.errors[query.name] = durations, errors
            progress(f"{result.name}: {query.name}: p50 {percentile(durations, 50)} ms")
    finally:
        client.close()


def _single_value(body: bytes) -> str:
    """The value of the only binding of a one-row SELECT answer, or the boolean of an ASK."""
    try:
        parsed = json.loads(body)
        if "boolean" in parsed:
            return str(parsed["boolean"]).lower()
        (row,) = parsed["results"]["bindings"]
        return ", ".join(str(term["value"]) for term in row.values())
    except (ValueError, KeyError, TypeError):
        return "?"


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
            durations, errors = [], 0
            for run in range(options.runs + 1):
                path = template.format(city=rng.randrange(summary.plan.cities))
                started = time.perf_counter()
                try:
                    status, _ = client.get(path, "text/html")
                except FAILURES:
                    status = 0
                if status != 200:
                    errors += 1
                elif run:
                    durations.append((time.perf_counter() - started) * 1000)
            result.pages[name], result.page_errors[name] = durations, errors
    finally:
        client.close()


Starter = Callable[[Path, Path, Options, "Result", Sampler, Progress], AbstractContextManager["Server | None"]]


def measure(name: str, start: Starter, data: Summary, work: Path, options: Options, progress: Progress) -> Result:
    """Start one server (with the engine behind it, if any), measure it, stop it."""
    result, sampler = Result(name), Sampler()
    ours_ = name.startswith("ours")
    progress(f"{name}: starting (deadline {options.deadline:.0f} s)")
    try:
        with start(data.path, work, options, result, sampler, progress) as server:
            if server is None:
                progress(f"{name}: {result.note}")
                return result
            progress(f"{name}: ready after {result.ready:.1f} s")
            if ours_:
                wait_complete(server, started_at(result), options.deadline, result, sampler, progress)
            time.sleep(1)
            result.pss_loaded = sampler.sample()
            if result.companion is not None:
                result.engine_pss_loaded = result.companion.sample()
            one_client(server, data, options, result, progress)
            for clients in options.clients:
                result.throughput[clients] = many_clients(server, data, clients, options)
                progress(f"{name}: {clients} clients: {result.throughput[clients][0]:.0f} requests/s")
            if ours_:
                pages(server, data, options, result)
            if name == "ours":
                progress(f"{name}: fragments and facets")
                result.exploration = explore_ours(server.port, data, options.runs)
    finally:
        sampler.stop()
        result.pss_peak = sampler.peak or None
        if result.companion is not None:
            result.companion.stop()
            result.engine_pss_peak = result.companion.peak or None
    return result


@dataclass
class Pair:
    """One engine measured alone and behind our server."""

    engine: str
    alone: Result
    over: Result


@dataclass
class Report:
    """Everything measured in one run, with the conditions it ran under."""

    options: Options
    summary: Summary
    file_bytes: int
    machine: dict[str, str]
    ours: Result
    oxigraph: Result
    pairs: list[Pair] = field(default_factory=list)
    exploration: Exploration | None = None


def run(options: Options, progress: Progress = silent) -> Report:
    """Generate the graph, measure Oxigraph then our server on it, then each engine of ``options.engines`` alone
    and behind our server; temporary files are removed."""
    oxigraph_command()
    if "virtuoso" in options.engines:
        virtuoso_commands()
    unknown = set(options.engines) - set(ENGINES)
    if unknown:
        raise KgError(f"unknown engine(s) {', '.join(sorted(unknown))}: choose among {', '.join(ENGINES)}")
    machine = machine_facts()
    with tempfile.TemporaryDirectory(prefix="clip-kg-bench-") as folder:
        work = Path(folder)
        progress(f"generating about {options.triples:,} triples")
        summary = generate(work / "graph.nt", options.triples, options.seed, BASE, progress)
        size = summary.path.stat().st_size
        reference = measure("oxigraph", oxigraph, summary, work, options, progress)
        mine = measure("ours", ours, summary, work, options, progress)
        if mine.exploration is not None:
            reference_browsing(work, options, mine.exploration, progress)
        pairs = []
        if options.engines:
            marker_file(summary.path, work, options, progress)
        for engine in options.engines:
            alone = reference if engine == "oxigraph" else measure(engine, virtuoso, summary, work, options, progress)
            pairs.append(
                Pair(engine, alone, measure(f"ours over {engine}", over(engine), summary, work, options, progress))
            )
    machine["load average after"] = load_average()
    return Report(options, summary, size, machine, mine, reference, pairs, mine.exploration)


def reference_browsing(work: Path, options: Options, found: Exploration, progress: Progress) -> None:
    """The SPARQL of our fragments and facets on Oxigraph, served again from the reference run's store.

    The facets' queries are known only once our server has answered, so the reference is
    served again after it (the servers still never run at the same time).
    """
    result, sampler = Result("oxigraph, browsing"), Sampler()
    progress("oxigraph: served again for the SPARQL of the fragments and facets")
    try:
        store, log = work / "oxigraph-store", work / "oxigraph-browsing.log"
        with serve_oxigraph(store, log, time.monotonic(), options, result, sampler, progress) as server:
            if server is None:
                found.notes.append(f"oxigraph served again: {result.note}; no reference figures")
                return
            explore_reference(server.port, server.sparql, found, options.runs)
    finally:
        sampler.stop()
