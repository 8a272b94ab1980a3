"""Crawl a running server: does every resource IRI of its dumps dereference, and how fast?

For each IRI under the dataset's base found in the N-Triples dump, ask for HTML (as a
browser does) and for Turtle (as an RDF client does), following the 303, and count the
IRIs that give both. The HTML page's time (the 303 and the page) is kept per kind of
resource, for p50 and p95 by page kind. Bounded: a fixed number of threads and an
overall time limit.
"""

from __future__ import annotations

import math
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from server.engine.rdfio import iris_in
from server.errors import BadInput
from server.formats import by_name


@dataclass
class CrawlReport:
    """What the crawl found."""

    iris: int = 0
    checked: int = 0
    html_and_rdf: int = 0
    failures: list[str] = field(default_factory=list)
    seconds: float = 0.0
    page_times: dict[str, list[float]] = field(default_factory=dict)
    """Milliseconds of each HTML page (its 303 included), by kind of resource."""

    def text(self) -> str:
        """The figures as a person reads them."""
        lines = [
            f"resource IRIs in the dump under the base: {self.iris}",
            f"checked: {self.checked} in {self.seconds:.1f} s",
            f"dereference to both HTML and RDF: {self.html_and_rdf}",
            f"failures: {len(self.failures)}",
        ]
        lines += [f"  {failure}" for failure in self.failures[:50]]
        if self.page_times:
            lines += ["", f"HTML page time by kind (ms), 303 included:  {'pages':>6} {'p50':>7} {'p95':>7} {'max':>7}"]
            for kind, times in sorted(self.page_times.items()):
                p50, p95 = percentile(times, 50), percentile(times, 95)
                lines.append(f"  {kind:<40} {len(times):>6} {p50:7.1f} {p95:7.1f} {max(times):7.1f}")
        return "\n".join(lines)


def percentile(values: list[float], percent: int) -> float:
    """The nearest-rank percentile.

    >>> percentile([1.0, 2.0, 3.0, 4.0], 50)
    2.0
    """
    ordered = sorted(values)
    return ordered[max(0, math.ceil(percent / 100 * len(ordered)) - 1)]


def kind_of(iri: str, base: str) -> str:
    """The kind of resource an IRI names: the path segment after ``id/``, else the first one.

    >>> kind_of("https://w3id.org/clip-network/id/city/vienna", "https://w3id.org/clip-network/")
    'city'
    """
    parts = iri[len(base) :].split("/")
    return parts[1] if parts[0] == "id" and len(parts) > 2 else parts[0]


def resource_iris(server: str, base: str) -> list[str]:
    """IRIs under ``base`` that appear in the server's N-Triples dump."""
    with urllib.request.urlopen(f"{server}/dumps/clip-kg.nt", timeout=60) as response:  # noqa: S310
        data = response.read()
    return sorted({iri for iri in iris_in(data, by_name("nt")) if iri.startswith(base)})


def local_url(server: str, base: str, iri: str) -> str:
    """Where the server serves an IRI: its path under the base, on the server's host."""
    return server.rstrip("/") + "/" + iri[len(base) :]


def check(url: str) -> tuple[str | None, float]:
    """(None, or why the URL does not give HTML to a browser and Turtle to an RDF client; ms of the HTML)."""
    html_ms = 0.0
    for accept, expected in (("text/html", "text/html"), ("text/turtle", "text/turtle")):
        request = urllib.request.Request(url, headers={"Accept": accept})  # noqa: S310
        started = time.perf_counter()
        try:
            with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
                kind = response.headers.get("Content-Type", "")
                body = response.read()
        except (urllib.error.URLError, OSError) as error:
            return f"{url} ({accept}): {error}", html_ms
        if accept == "text/html":
            html_ms = (time.perf_counter() - started) * 1000
        if not kind.startswith(expected) or not body:
            return f"{url} ({accept}): got {kind or 'no type'}", html_ms
    return None, html_ms


def crawl(server: str, base: str, limit: int | None = None, threads: int = 1, budget: float = 600.0) -> CrawlReport:
    """Check every resource IRI (or the first ``limit``) of a running server."""
    if not server.startswith(("http://", "https://")):
        raise BadInput(f"the server must be an http(s) URL, not {server!r}")
    started = time.monotonic()
    iris = resource_iris(server.rstrip("/"), base)
    report = CrawlReport(iris=len(iris))
    chosen = iris[:limit] if limit else iris
    with ThreadPoolExecutor(max_workers=threads) as pool:
        futures = [(iri, pool.submit(check, local_url(server, base, iri))) for iri in chosen]
        for iri, future in futures:
            remaining = budget - (time.monotonic() - started)
            if remaining <= 0:
                report.failures.append("time budget exhausted; the rest was not checked")
                break
            failure, html_ms = future.result(timeout=remaining)
            report.checked += 1
            if failure is None:
                report.html_and_rdf += 1
                report.page_times.setdefault(kind_of(iri, base), []).append(html_ms)
            else:
                report.failures.append(failure)
        for _, future in futures:
            future.cancel()
    report.seconds = time.monotonic() - started
    return report
