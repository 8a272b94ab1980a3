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

import http.client
import json
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from urllib.parse import quote

from server.cli.synthetic import BASE, Summary, generate, iri
from server.config import PROJECT_ROOT
from server.errors import KgError
from server.kg.progress import Progress, silent

REQUEST_TIMEOUT = 60.0
QUERY_TIMEOUT = 10
"""Seconds a query may run on our server (its default). Oxigraph runs without ``--timeout-s``: with it,
0.5.13 answers 500 "Resource temporarily unavailable (os error 11)" to many requests at 8 clients."""
QUERY_BUDGET = 120.0
"""Seconds of runs per query at one client; past it the remaining runs are skipped."""
MAX_REQUESTS_PER_CLIENT = 200_000
SAMPLE_EVERY = 0.5
SELECT_JSON = "application/sparql-results+json"
NTRIPLES = "application/n-triples"
FAILURES = (OSError, http.client.HTTPException)
"""What a request may raise: refused, reset, timed out, or an HTTP exchange broken half-way."""


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


# ---------------------------------------------------------------- queries


@dataclass(frozen=True)
class Query:
    """A query of the mix: its kind of answer and a function making its text for a random pick."""

    name: str
    accept: str
    text: Callable[[random.Random, Summary], str]
    lookup: bool = False


PREFIXES = (
    f"PREFIX def: <{BASE}def/>\nPREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>\n"
    "PREFIX skos: <http://www.w3.org/2004/02/skos/core#>\nPREFIX dcterms: <http://purl.org/dc/terms/>\n"
    "PREFIX geo: <http://www.w3.org/2003/01/geo/wgs84_pos#>\n"
)


def _pick(rng: random.Random, kind: str, count: int) -> str:
    return f"<{iri(kind, rng.randrange(max(count, 1)))}>"


def _city(rng: random.Random, s: Summary) -> str:
    return _pick(rng, "city", s.plan.cities)


def _describe(rng: random.Random, s: Summary) -> str:
    return f"DESCRIBE {_city(rng, s)}"


def _construct(rng: random.Random, s: Summary) -> str:
    x = _city(rng, s)
    return f"CONSTRUCT {{ {x} ?p ?o . ?s ?q {x} }} WHERE {{ {{ {x} ?p ?o }} UNION {{ ?s ?q {x} }} }}"


def _out_links(rng: random.Random, s: Summary) -> str:
    return f"SELECT ?p ?o WHERE {{ {_pick(rng, 'publication', s.publications)} ?p ?o }}"


def _hub_in_links(rng: random.Random, s: Summary) -> str:
    offset = rng.randrange(max(s.plan.hub_participations - 100, 1))
    hub = f"<{iri('module', 0)}>"
    return PREFIXES + f"SELECT ?s WHERE {{ ?s def:inModule {hub} }} ORDER BY ?s LIMIT 100 OFFSET {offset}"


def _star(rng: random.Random, s: Summary) -> str:
    country = _pick(rng, "country", s.plan.countries)
    return PREFIXES + (
        f"SELECT ?c ?label ?pop ?lat WHERE {{ ?c a def:City ; def:country {country} ; rdfs:label ?label ; "
        'def:population ?pop ; geo:lat ?lat . FILTER(LANG(?label) = "en") } LIMIT 100'
    )


def _two_hops(rng: random.Random, s: Summary) -> str:
    return PREFIXES + (
        f"SELECT DISTINCT ?m ?label WHERE {{ {_city(rng, s)} ^def:participant/def:inModule ?m . ?m rdfs:label ?label }}"
    )


def _broader(rng: random.Random, s: Summary) -> str:
    topic = _pick(rng, "topic", s.plan.topics)
    return PREFIXES + f"SELECT (COUNT(?t) AS ?n) WHERE {{ ?t skos:broader* {topic} }}"


def _group_by(rng: random.Random, s: Summary) -> str:
    return PREFIXES + (
        "SELECT ?country (COUNT(?c) AS ?cities) (AVG(?pop) AS ?mean) "
        "WHERE { ?c def:country ?country ; def:population ?pop } GROUP BY ?country ORDER BY DESC(?cities)"
    )


def _count_all(rng: random.Random, s: Summary) -> str:
    return "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"


def _order_offset(rng: random.Random, s: Summary) -> str:
    offset = rng.randrange(max(s.plan.cities - 20, 1))
    order = f"ORDER BY DESC(?pop) ?c LIMIT 20 OFFSET {offset}"
    return PREFIXES + f"SELECT ?c ?pop WHERE {{ ?c def:population ?pop }} {order}"


def _contains(rng: random.Random, s: Summary) -> str:
    word = rng.choice(("burg", "lin", "wick", "sal", "ton"))
    return PREFIXES + (
        f'SELECT ?c ?label WHERE {{ ?c a def:City ; rdfs:label ?label FILTER(CONTAINS(LCASE(?label), "{word}")) }} '
        "LIMIT 50"
    )


def _regex(rng: random.Random, s: Summary) -> str:
    word = rng.choice(("housing", "policy", "health"))
    return PREFIXES + f'SELECT ?p ?t WHERE {{ ?p dcterms:title ?t FILTER(REGEX(?t, "^on {word} in b", "i")) }} LIMIT 50'


def _ask(rng: random.Random, s: Summary) -> str:
    return PREFIXES + f"ASK {{ {_city(rng, s)} def:country ?c ; rdfs:label ?l }}"


QUERIES = (
    Query("DESCRIBE a city", NTRIPLES, _describe, lookup=True),
    Query("CONSTRUCT out+in of a city", NTRIPLES, _construct, lookup=True),
    Query("out links of a publication", SELECT_JSON, _out_links, lookup=True),
    Query("hub in-links, 100 at OFFSET", SELECT_JSON, _hub_in_links),
    Query("star join, cities of country", SELECT_JSON, _star, lookup=True),
    Query("2-hop path city->modules", SELECT_JSON, _two_hops, lookup=True),
    Query("skos:broader* count", SELECT_JSON, _broader),
    Query("GROUP BY country, COUNT+AVG", SELECT_JSON, _group_by),
    Query("COUNT(*) of all triples", SELECT_JSON, _count_all),
    Query("ORDER BY population OFFSET", SELECT_JSON, _order_offset),
    Query("text FILTER CONTAINS(label)", SELECT_JSON, _contains),
    Query("text FILTER REGEX(title)", SELECT_JSON, _regex),
    Query("ASK city has country", SELECT_JSON, _ask, lookup=True),
)


# ---------------------------------------------------------------- HTTP


class Client:
    """One keep-alive HTTP connection; reconnects once when the server closed it."""

    def __init__(self, port: int):
        self.port = port
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=REQUEST_TIMEOUT)

    def get(self, path: str, accept: str) -> tuple[int, bytes]:
        return self._send("GET", path, None, {"Accept": accept})

    def query(self, path: str, text: str, accept: str) -> tuple[int, bytes]:
        """A SPARQL protocol query by URL-encoded POST (the same request for both servers)."""
        body = ("query=" + quote(text, safe="")).encode("ascii")
        headers = {"Accept": accept, "Content-Type": "application/x-www-form-urlencoded"}
        return self._send("POST", path, body, headers)

    def _send(self, method: str, path: str, body: bytes | None, headers: dict[str, str]) -> tuple[int, bytes]:
        for attempt in (1, 2):
            try:
                self.connection.request(method, path, body, headers)
                response = self.connection.getresponse()
                return response.status, response.read()
            except FAILURES:
                self.close()
                self.connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=REQUEST_TIMEOUT)
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    def close(self) -> None:
        self.connection.close()


def answer_size(accept: str, body: bytes) -> int:
    """Rows of a SELECT, 1/0 for ASK, triples of a graph: a check that both servers did the same work."""
    if accept == NTRIPLES:
        return sum(1 for line in body.splitlines() if line.strip() and not line.startswith(b"#"))
    try:
        parsed = json.loads(body)
        return int(bool(parsed["boolean"])) if "boolean" in parsed else len(parsed["results"]["bindings"])
    except (ValueError, KeyError, TypeError):
        return -1


# ---------------------------------------------------------------- processes and memory


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def descendants(root: int) -> list[int]:
    """``root`` and every process below it, from the parent ids in /proc/*/stat."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        children.setdefault(int(fields[1]), []).append(int(entry.name))
    found, queue = [], [root]
    while queue:
        pid = queue.pop()
        found.append(pid)
        queue += children.get(pid, [])
    return found


def pss_kib(root: int) -> int:
    """PSS of a process tree in KiB: shared pages are counted once, split among their users."""
    total = 0
    for pid in descendants(root):
        try:
            text = Path(f"/proc/{pid}/smaps_rollup").read_text()
        except OSError:
            continue
        total += sum(int(line.split()[1]) for line in text.splitlines() if line.startswith("Pss:"))
    return total


class Sampler:
    """Samples the PSS of a process tree in a thread, keeping the peak."""

    def __init__(self) -> None:
        self.pid: int | None = None
        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True)

    def watch(self, pid: int) -> None:
        self.pid = pid
        if not self._thread.is_alive():
            self._thread.start()

    def sample(self) -> int:
        value = pss_kib(self.pid) if self.pid else 0
        self.peak = max(self.peak, value)
        return value

    def _loop(self) -> None:
        while not self._stop.wait(SAMPLE_EVERY):
            self.sample()

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=5)


def stop(process: subprocess.Popen[bytes]) -> None:
    """Stop a process started here and its group: SIGTERM, then SIGKILL after 10 s."""
    if process.poll() is not None:
        return
    for sig, grace in ((signal.SIGTERM, 10.0), (signal.SIGKILL, 5.0)):
        try:
            os.killpg(process.pid, sig)
        except ProcessLookupError:
            return
        try:
            process.wait(timeout=grace)
            return
        except subprocess.TimeoutExpired:
            continue


def spawn(command: list[str], log: Path, env: dict[str, str] | None = None) -> subprocess.Popen[bytes]:
    """Start a process in its own group (so it can be stopped with its children), output to ``log``."""
    with log.open("ab") as sink:
        return subprocess.Popen(  # noqa: S603 - a fixed command line built here
            command, stdout=sink, stderr=subprocess.STDOUT, env=env, cwd=PROJECT_ROOT, start_new_session=True
        )


# ---------------------------------------------------------------- servers


@dataclass
class Result:
    """What was measured on one server."""

    name: str
    ready: float | None = None
    load: float | None = None
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
            progress(f"{result.name}: still starting after {next_report:.0f} s, PSS {_mib(sampler.sample())} MiB")
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
            progress(f"{result.name}: {query.name}: p50 {_p(durations, 50)} ms")
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
    machine["load average after"] = _load_average()
    return Report(options, summary, size, machine, mine, reference)


def _load_average() -> str:
    return " ".join(f"{value:.2f}" for value in os.getloadavg())


def machine_facts() -> dict[str, str]:
    """CPU, memory, versions and the load before the run."""
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in _read("/proc/cpuinfo").splitlines()
            if line.startswith("model name")
        ),
        "unknown",
    )
    memory = next((line.split()[1] for line in _read("/proc/meminfo").splitlines() if line.startswith("MemTotal")), "0")
    versions = ", ".join(f"{name} {_version(name)}" for name in ("oxigraph", "pyoxigraph", "gunicorn", "flask"))
    return {
        "date": time.strftime("%Y-%m-%d %H:%M %Z"),
        "cpu": f"{cpu}, {os.cpu_count()} cores",
        "memory": f"{int(memory) / 1024 / 1024:.1f} GiB",
        "python": sys.version.split()[0],
        "packages": versions,
        "load average before": _load_average(),
    }


def _read(path: str) -> str:
    try:
        return Path(path).read_text()
    except OSError:
        return ""


def _version(package: str) -> str:
    try:
        return version(package)
    except PackageNotFoundError:
        return "not installed"


# ---------------------------------------------------------------- rendering


def _p(values: list[float], percent: int) -> str:
    if not values:
        return "-"
    ordered = sorted(values)
    return f"{ordered[min(len(ordered) - 1, round(percent / 100 * (len(ordered) - 1)))]:.1f}"


def _ratio(mine: str, reference: str) -> str:
    try:
        return f"{float(mine) / float(reference):.1f}x"
    except (ValueError, ZeroDivisionError):
        return "-"


def _mib(kib: int | None) -> str:
    return f"{kib / 1024:.0f}" if kib else "-"


def _seconds(value: float | None, note: str) -> str:
    return f"{value:.1f}" if value is not None else (note or "-")


def rows(report: Report) -> list[tuple[str, str, str, str]]:
    """(what, ours, Oxigraph, ratio) for every figure."""
    a, b, runs = report.ours, report.oxigraph, f"{report.options.runs + 1} runs"
    table = [("ready (s)", _seconds(a.ready, a.note), _seconds(b.ready, b.note))]
    table += [("load (s)", _seconds(a.load, ""), _seconds(b.load, ""))]
    table += [("PSS loaded, idle (MiB)", _mib(a.pss_loaded), _mib(b.pss_loaded))]
    table += [("PSS peak, sampled (MiB)", _mib(a.pss_peak), _mib(b.pss_peak))]
    for query in QUERIES:
        rows_a, rows_b = a.sizes.get(query.name, "-"), b.sizes.get(query.name, "-")
        mine, ref = a.latency.get(query.name, []), b.latency.get(query.name, [])
        table += [(f"{query.name} p{pc} (ms)", _p(mine, pc), _p(ref, pc)) for pc in (50, 95)]
        errors_a, errors_b = a.errors.get(query.name, "-"), b.errors.get(query.name, "-")
        table.append((f"  answer size / failed of {runs}", f"{rows_a} / {errors_a}", f"{rows_b} / {errors_b}"))
    for clients in report.options.clients:
        rate_a, rate_b = a.throughput.get(clients), b.throughput.get(clients)
        table.append(
            (
                f"lookup mix, {clients} clients (req/s)",
                f"{rate_a[0]:.0f}" if rate_a else "-",
                f"{rate_b[0]:.0f}" if rate_b else "-",
            )
        )
        table.append(("  failed requests", str(rate_a[1]) if rate_a else "-", str(rate_b[1]) if rate_b else "-"))
    for name, _ in PAGES:
        for percent in (50, 95):
            table.append((f"page: {name} p{percent} (ms)", _p(a.pages.get(name, []), percent), "n/a"))
    return [(label, mine, ref, "" if label.startswith("  ") else _ratio(mine, ref)) for label, mine, ref in table]


def heading(report: Report) -> list[str]:
    s = report.summary
    lines = [
        f"Scale benchmark: {s.triples:,} synthetic triples ({report.file_bytes / 1e6:.1f} MB N-Triples, seed "
        f"{report.options.seed}; hub module with {s.plan.hub_participations:,} participations)",
        f"{report.options.runs} runs per query at one client; {report.options.duration:.0f} s per concurrency level; "
        f"startup deadline {report.options.deadline:.0f} s; servers measured one after the other; "
        f"our answer cache {'on' if report.options.answer_cache else 'off'}",
    ]
    lines += [f"{key}: {value}" for key, value in report.machine.items()]
    lines.append("ratio = ours / Oxigraph (times, memory: above 1 is worse; requests/s: below 1 is worse)")
    return lines


def render_text(report: Report) -> str:
    """The figures as a plain-text table."""
    table = rows(report)
    width = max(len(label) for label, *_ in table) + 2
    lines = [*heading(report), "", f"{'':<{width}}{'ours':>24}{'oxigraph':>24}{'ratio':>9}"]
    lines += [f"{label:<{width}}{mine:>24}{ref:>24}{ratio:>9}" for label, mine, ref, ratio in table]
    return "\n".join(lines) + "\n"


def render_markdown(report: Report) -> str:
    """The figures as a Markdown table with the conditions as a list above it."""
    lines = [f"- {line}" for line in heading(report)]
    lines += ["", "| measure | ours | Oxigraph | ratio |", "|---|---:|---:|---:|"]
    lines += [f"| {label.strip()} | {mine} | {ref} | {ratio} |" for label, mine, ref, ratio in rows(report)]
    return "\n".join(lines) + "\n"
