"""Crawl a running server: does every resource IRI of its dumps dereference?

For each IRI under the dataset's base found in the N-Triples dump, ask for HTML (as a
browser does) and for Turtle (as an RDF client does), following the 303, and count the
IRIs that give both. Bounded: a fixed number of threads and an overall time limit.
"""

from __future__ import annotations

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

    def text(self) -> str:
        """The figures as a person reads them."""
        lines = [
            f"resource IRIs in the dump under the base: {self.iris}",
            f"checked: {self.checked} in {self.seconds:.1f} s",
            f"dereference to both HTML and RDF: {self.html_and_rdf}",
            f"failures: {len(self.failures)}",
        ]
        lines += [f"  {failure}" for failure in self.failures[:50]]
        return "\n".join(lines)


def resource_iris(server: str, base: str) -> list[str]:
    """IRIs under ``base`` that appear in the server's N-Triples dump."""
    with urllib.request.urlopen(f"{server}/dumps/clip-kg.nt", timeout=60) as response:  # noqa: S310
        data = response.read()
    return sorted({iri for iri in iris_in(data, by_name("nt")) if iri.startswith(base)})


def local_url(server: str, base: str, iri: str) -> str:
    """Where the server serves an IRI: its path under the base, on the server's host."""
    return server.rstrip("/") + "/" + iri[len(base) :]


def check(url: str) -> str | None:
    """None when the URL gives HTML to a browser and Turtle to an RDF client, else why not."""
    for accept, expected in (("text/html", "text/html"), ("text/turtle", "text/turtle")):
        request = urllib.request.Request(url, headers={"Accept": accept})  # noqa: S310
        try:
            with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
                kind = response.headers.get("Content-Type", "")
                body = response.read()
        except (urllib.error.URLError, OSError) as error:
            return f"{url} ({accept}): {error}"
        if not kind.startswith(expected) or not body:
            return f"{url} ({accept}): got {kind or 'no type'}"
    return None


def crawl(server: str, base: str, limit: int | None = None, threads: int = 4, budget: float = 600.0) -> CrawlReport:
    """Check every resource IRI (or the first ``limit``) of a running server."""
    if not server.startswith(("http://", "https://")):
        raise BadInput(f"the server must be an http(s) URL, not {server!r}")
    started = time.monotonic()
    iris = resource_iris(server.rstrip("/"), base)
    report = CrawlReport(iris=len(iris))
    chosen = iris[:limit] if limit else iris
    with ThreadPoolExecutor(max_workers=threads) as pool:
        futures = [pool.submit(check, local_url(server, base, iri)) for iri in chosen]
        for future in futures:
            remaining = budget - (time.monotonic() - started)
            if remaining <= 0:
                report.failures.append("time budget exhausted; the rest was not checked")
                break
            failure = future.result(timeout=remaining)
            report.checked += 1
            if failure is None:
                report.html_and_rdf += 1
            else:
                report.failures.append(failure)
        for future in futures:
            future.cancel()
    report.seconds = time.monotonic() - started
    return report
