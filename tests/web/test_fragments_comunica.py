"""Comunica (npm @comunica/query-sparql) querying /fragments gives the answers /sparql gives.

The site is served on 127.0.0.1 with its base at its own URL (the fragments' controls name
the configured base, never the Host header), and every named query of queries/ (with its
example values written in as VALUES, as the remote engine writes them), plus a few patterns
of our own, goes to /sparql and, through Comunica's TPF client, to /fragments; the answers
are compared as multisets of solutions. Without node_modules/@comunica the test is skipped,
or failed under KG_REQUIRE_TOOLS=1.

Comunica reads our counts (checked by hand with comunica-sparql 5.4 ``--logLevel debug`` against
this site, 2026-12-05). For ``?city clip:country ?c . ?c clip:isoCode ?code . ?city a clip:City``
it identified the entry page as a "qpf source", then asked for the first page of each pattern
once (4 requests in all, no count requests and no further pages) and logged its join plan
with the counts of those pages' metadata graphs, 54, 22 and 32 (``void:triples`` and
``hydra:totalItems``): ``inner-multi-smallest``, then hash joins holding the 22 ``isoCode``
triples (``persistedItems: 22``). For ``?x a ?t . ?x clip:isoCode ?code`` it held the 22 and
followed ``hydra:next`` through the ten pages of ``rdf:type``, priced above a nested loop of
requests per binding. An estimated count (the all-variable pattern, a count past its time)
comes in the same two triples: to Comunica, a number to order joins by.
"""

from __future__ import annotations

import json
import socket
import subprocess
import threading
import urllib.parse
import urllib.request
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from werkzeug.serving import make_server

from server.config import PROJECT_ROOT, Settings
from server.engine.catalogue import catalogue
from server.engine.remote import with_values
from server.web.app import create_app

COMUNICA = PROJECT_ROOT / "node_modules" / ".bin" / "comunica-sparql"
needs_comunica = pytest.mark.needs_tool(
    missing=not (PROJECT_ROOT / "node_modules" / "@comunica" / "query-sparql").is_dir(),
    reason="Comunica is installed by `make setup` (npm ci); node_modules/@comunica/query-sparql is missing",
)
pytestmark = [pytest.mark.live, needs_comunica]
TIMEOUT = 180
"""Seconds Comunica gets for one query."""

OWN = {
    "bgp": "SELECT ?city ?country WHERE { ?city a clip:City ; clip:country ?country }",
    "two_hops": "SELECT ?city ?code WHERE { ?city clip:country ?c . ?c clip:isoCode ?code }",
    "optional": "SELECT ?city ?lat WHERE { ?city a clip:City OPTIONAL { ?city geo:lat ?lat } }",
    "literal_filter": 'SELECT ?s ?l WHERE { ?s clip:localName ?l FILTER(lang(?l) = "de" && STRSTARTS(?l, "W")) }',
    "literal_object": 'SELECT ?s ?p WHERE { ?s ?p "Wien"@de }',
}
PREFIXES = (
    "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#> "
    "PREFIX geo: <http://www.w3.org/2003/01/geo/wgs84_pos#> PREFIX clip: <{base}def/> "
)


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The CLIP graph (no reasoning) served on a free port, under a base that is its own URL."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    base = f"http://127.0.0.1:{port}/"
    app = create_app(Settings(base_uri=base, cache_dir=tmp_path_factory.mktemp("tpf"), reasoning=False))
    server = make_server("127.0.0.1", port, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield base
    finally:
        server.shutdown()
        thread.join(timeout=5)
        app.extensions["kg"].executor.shutdown()


def queries(base: str) -> dict[str, str]:
    """Every named query with its example values, and ours."""
    found = {}
    for name, query in catalogue(base=base).items():
        found[name] = with_values(query.text, query.substitutions(dict(query.examples)))
    for name, text in OWN.items():
        found[name] = PREFIXES.format(base=base) + text
    return found


def solutions(results: dict[str, Any]) -> Counter[tuple[tuple[str, ...], ...]]:
    def key(binding: dict[str, dict[str, str]]) -> tuple[tuple[str, ...], ...]:
        return tuple(
            sorted(
                (
                    name,
                    t["type"].replace("typed-literal", "literal"),
                    t["value"],
                    t.get("xml:lang", ""),
                    t.get("datatype", ""),
                )
                for name, t in binding.items()
            )
        )

    return Counter(key(b) for b in results["results"]["bindings"])


def endpoint(base: str, query: str) -> dict[str, Any]:
    request = urllib.request.Request(
        base + "sparql",
        data=urllib.parse.urlencode({"query": query}).encode(),
        headers={"Accept": "application/sparql-results+json"},
    )
    with urllib.request.urlopen(request, timeout=60) as response:
        return json.load(response)  # type: ignore[no-any-return]


def comunica(base: str, query: str) -> dict[str, Any]:
    """Comunica's answer; one more run if its output stops short.

    Under load in CI, comunica-sparql 5.4.1 once exited with status 0 after writing only the
    first lines of its JSON while every fragment it asked for had been answered 200 (the
    server's log); not reproduced in 100 runs here. That run is repeated once, and a second
    short output fails the test with both outputs.
    """
    outputs = []
    for _attempt in range(2):
        run = subprocess.run(
            [str(COMUNICA), f"qpf@{base}fragments", "-t", "application/sparql-results+json", "-q", query],
            capture_output=True,
            text=True,
            timeout=TIMEOUT,
            check=False,
        )
        assert run.returncode == 0, run.stderr[-2000:]
        try:
            return json.loads(run.stdout)  # type: ignore[no-any-return]
        except json.JSONDecodeError as error:
            outputs.append(f"{error}: stdout ends {run.stdout[-300:]!r}, stderr ends {run.stderr[-500:]!r}")
    raise AssertionError("Comunica's output is not JSON twice running:\n" + "\n".join(outputs))


def test_comunica_over_fragments_answers_as_the_endpoint(site: str) -> None:
    different = {}
    checked = queries(site)
    for name, query in checked.items():
        expected, got = solutions(endpoint(site, query)), solutions(comunica(site, query))
        assert expected, f"{name} has no answer to compare"
        if expected != got:
            different[name] = (list((expected - got).items())[:3], list((got - expected).items())[:3])
    assert not different, different
    assert len(checked) == len(list(Path(PROJECT_ROOT / "queries").glob("*.rq"))) + len(OWN)
