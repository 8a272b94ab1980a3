"""Load a data version into a SPARQL engine over the SPARQL 1.1 Graph Store HTTP Protocol.

One PUT per named graph (``?graph=IRI``, N-Triples, streamed from a temporary file with
its length) and for the default graph when data was loaded into it (``?default``),
replacing what the engine held there, then the version marker, last: an engine whose
push broke off never claims the new version.
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path
from urllib.parse import urlencode

import urllib3
from urllib3.exceptions import HTTPError

from server.engine.rdfio import dump_graph
from server.errors import EngineFailed, EngineUnavailable
from server.kg.build import KnowledgeGraph
from server.kg.marker import marker_graph, marker_nquads
from server.kg.progress import Progress

N_TRIPLES = "application/n-triples"
TIMEOUT = urllib3.Timeout(connect=10.0, read=600.0)


def push(kg: KnowledgeGraph, store_url: str, progress: Progress) -> int:
    """Put every named graph of ``kg``, then its version marker; return the triples pushed.

    Raises:
        EngineUnavailable: the engine does not answer.
        EngineFailed: the engine refused a graph (its status is in the message).
    """
    http = urllib3.PoolManager(retries=False)
    total = 0
    graphs: list[str | None] = [*kg.graph_names(), None]  # None: the default graph (data loaded in bulk)
    with tempfile.TemporaryDirectory(prefix="clip-kg-push-") as folder:
        for number, graph in enumerate(graphs, start=1):
            started = time.monotonic()
            path = Path(folder) / "graph.nt"
            with path.open("wb") as out:
                triples = dump_graph(kg.store_path, graph, out)
            if graph is None and not triples:
                continue
            _put(http, store_url, graph, path)
            total += triples
            seconds = time.monotonic() - started
            name = graph or "the default graph"
            progress(f"pushed {name} ({number}/{len(graphs)}): {triples:,} triples in {seconds:.1f} s")
        marker = Path(folder) / "marker.nt"
        marker.write_bytes(marker_nquads(kg.base, kg.version).rsplit(b" <", 1)[0] + b" .\n")
        _put(http, store_url, marker_graph(kg.base), marker)
        progress(f"pushed the marker of data version {kg.version}")
    return total


def _put(http: urllib3.PoolManager, store_url: str, graph: str | None, path: Path) -> None:
    target = urlencode({"graph": graph}) if graph is not None else "default"
    url = f"{store_url}{'&' if '?' in store_url else '?'}{target}"
    size = path.stat().st_size
    try:
        with path.open("rb") as body:
            response = http.request(
                "PUT",
                url,
                body=body,
                headers={"Content-Type": N_TRIPLES, "Content-Length": str(size)},
                timeout=TIMEOUT,
            )
    except (HTTPError, OSError) as error:
        raise EngineUnavailable(f"the engine at {store_url} does not answer: {type(error).__name__}") from None
    if response.status not in (200, 201, 204):
        raise EngineFailed(f"the engine refused graph {graph} (HTTP {response.status})")
