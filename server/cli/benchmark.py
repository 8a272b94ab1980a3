"""Figures for the build and the query engine: ``clip-kg benchmark``.

Prints how long each build step takes on the CLIP graph, the peak memory, and the
latency of the same queries on pyoxigraph (the engine behind store.py) and on rdflib's
own SPARQL engine, the comparison behind the choice of engine. Bounded: a fixed number
of repetitions per query.
"""

from __future__ import annotations

import resource
import statistics
import tempfile
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import TypeVar

from rdflib import Graph

from server.config import Settings, resolve_inputs
from server.engine.embedded import EmbeddedEngine
from server.engine.interface import Engine
from server.engine.terms import Term
from server.kg.build import KnowledgeGraph, build
from server.kg.loading import parse_files
from server.kg.reasoning import reason
from server.kg.validation import validate

T = TypeVar("T")

QUERIES = {
    "two-pattern join (cities and their country codes)": """
        PREFIX clip: <https://w3id.org/clip-network/def/>
        SELECT ?city ?code WHERE { ?city clip:country ?c . ?c clip:isoCode ?code }""",
    "participations with module numbers (three patterns)": """
        PREFIX clip: <https://w3id.org/clip-network/def/>
        SELECT ?city ?n WHERE { ?p clip:participant ?city ; clip:inModule ?m . ?m clip:moduleNumber ?n }""",
    "count of all triples": "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }",
}


def timed(function: Callable[[], object], repeat: int) -> list[float]:
    """Run ``function`` ``repeat`` times; the durations in milliseconds."""
    durations = []
    for _ in range(repeat):
        started = time.perf_counter()
        function()
        durations.append((time.perf_counter() - started) * 1000)
    return durations


def run(repeat: int = 20) -> str:
    """Measure, and return the figures as text."""
    steps: list[tuple[str, float]] = []

    def step(name: str, function: Callable[[], T]) -> T:
        started = time.perf_counter()
        result = function()
        steps.append((name, time.perf_counter() - started))
        return result

    with tempfile.TemporaryDirectory() as cache:
        settings = Settings(cache_dir=Path(cache))
        inputs = resolve_inputs(settings)
        ontology = step("parse ontology", lambda: parse_files(inputs.ontology))
        data = step("parse graph/", lambda: parse_files(inputs.data))
        shapes = step("parse shapes", lambda: parse_files(inputs.shapes))
        step("SHACL validation (pySHACL)", lambda: validate(data, shapes, ontology))
        step("OWL reasoning (HermiT)", lambda: reason(ontology, data))
        kg = step("whole build, cold cache", lambda: build(settings))
        step("whole build, warm (opens it)", lambda: build(settings))
        store = step("open the store read-only", lambda: EmbeddedEngine.on_disk(kg.store_path))
        lines = ["Build steps on the CLIP graph"]
        lines += [f"  {name:<32} {seconds * 1000:9.1f} ms" for name, seconds in steps]
        union = Graph()
        for s, p, o, _ in kg.dataset.quads((None, None, None, None)):
            union.add((s, p, o))
        lines += ["", f"Query latency, median of {repeat} runs over {len(union)} triples"]
        lines.append(f"  {'query':<52} {'pyoxigraph':>11} {'rdflib':>11} {'ratio':>7}")
        for name, query in QUERIES.items():
            oxigraph = statistics.median(timed(partial(_run_on_engine, store, query, {}), repeat))
            rdflib = statistics.median(timed(lambda q=query: list(union.query(q)), repeat))  # type: ignore[misc]
            lines.append(f"  {name:<52} {oxigraph:9.2f} ms {rdflib:9.2f} ms {rdflib / oxigraph:6.0f}x")
        lines += ["", *named_query_latency(kg, settings, repeat)]
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    lines += ["", f"Peak resident memory of this process: {peak:.0f} MiB"]
    return "\n".join(lines)


def named_query_latency(kg: KnowledgeGraph, settings: Settings, repeat: int) -> list[str]:
    """Median and 95th percentile of every named query: on the engine, and over HTTP.

    The HTTP figure goes through the whole application in process: the protocol layer,
    the killable query process and serialization (no socket).
    """
    from server.web.app import create_app

    app = create_app(settings, kg)
    client = app.test_client()
    store: Engine = app.extensions["kg"].engine
    lines = [f"Named queries, {repeat} runs each (engine: pyoxigraph alone; HTTP: GET /queries/NAME as JSON)"]
    lines.append(f"  {'query':<24} {'rows':>5} {'engine p50':>11} {'HTTP p50':>10} {'HTTP p95':>10}")
    try:
        for name, query in sorted(app.extensions["kg"].queries.items()):
            values = dict(query.examples)
            bindings = query.substitutions(values)
            rows = _run_on_engine(store, query.text, bindings)
            engine = timed(partial(_run_on_engine, store, query.text, bindings), repeat)
            http = timed(partial(client.get, f"/queries/{name}", query_string=values), repeat)
            lines.append(
                f"  {name:<24} {rows:>5} {statistics.median(engine):8.2f} ms {statistics.median(http):7.2f} ms "
                f"{_percentile(http, 95):7.2f} ms"
            )
    finally:
        app.extensions["kg"].executor.shutdown()
    return lines


def _run_on_engine(store: Engine, text: str, bindings: dict[str, Term]) -> int:
    return len(store.rows(text, **bindings))


def _percentile(values: list[float], percent: int) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(percent / 100 * (len(ordered) - 1)))]
