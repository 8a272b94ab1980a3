"""The site over a real engine loaded by clip-kg push: refused without its data version, 503 while the engine
is down, back by itself when it returns. (The site's own tests run over every backend: see ``backend_app``.)"""

from __future__ import annotations

import signal
import subprocess
import time
from pathlib import Path

import pytest

from server.cli.push import push
from server.config import Settings
from server.engine.terms import Iri
from server.errors import EngineMismatch
from server.kg.build import KnowledgeGraph, build
from server.kg.marker import marker_nquads
from server.web.app import create_app

from .. import engines
from ..conftest import DATA, BufferedClient, needs_oxigraph, needs_virtuoso

pytestmark = needs_oxigraph
ASK = {"query": "ASK { ?s ?p ?o }"}


def quiet(message: str) -> None:
    """Progress goes nowhere in tests."""


def test_an_engine_without_the_data_version_is_refused_at_start(settings: Settings, clip_kg: KnowledgeGraph) -> None:
    with engines.oxigraph(None, writable=True) as engine:
        with pytest.raises(EngineMismatch, match=f"does not hold data version {clip_kg.version}"):
            create_app(settings.with_overrides(engine=engine.query_url), clip_kg)


def test_push_loads_every_graph_and_the_marker_then_the_site_serves_from_the_engine(
    settings: Settings, clip_kg: KnowledgeGraph
) -> None:
    with engines.oxigraph(None, writable=True) as engine:
        assert engine.store_url is not None
        assert push(clip_kg, engine.store_url, quiet) == clip_kg.quads
        app = create_app(settings.with_overrides(engine=engine.query_url), clip_kg)
        app.test_client_class = BufferedClient
        client = app.test_client()
        count = client.get("/sparql", query_string={"query": "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"})
        assert count.json["results"]["bindings"][0]["n"]["value"] == str(clip_kg.quads)  # type: ignore[index]
        assert client.get("/doc/city/vienna.html").status_code == 200
        assert client.get("/sparql", query_string={"query": "INSERT DATA { <a:b> <a:c> <a:d> }"}).status_code in (
            400,
            403,
        )


def test_while_the_engine_is_down_every_surface_is_503_and_the_site_comes_back_by_itself(
    settings: Settings, clip_kg: KnowledgeGraph
) -> None:
    with engines.oxigraph(None, writable=True) as engine:
        assert engine.store_url is not None
        push(clip_kg, engine.store_url, quiet)
        app = create_app(settings.with_overrides(engine=engine.query_url), clip_kg)
        app.test_client_class = BufferedClient
        client = app.test_client()
        assert client.get("/sparql", query_string=ASK).status_code == 200
        engine.process.send_signal(signal.SIGKILL)
        engine.process.wait(timeout=10)
        for path, query in [
            ("/sparql", {"query": "ASK { ?s a ?o }"}),  # not ASK: its answer is kept, and a kept answer is served
            ("/doc/city/zurich.html", {}),
            ("/doc/city/zurich.ttl", {}),
            ("/queries/member_cities", {}),
            ("/search", {"q": "wien"}),
            ("/browse/cities", {}),
        ]:
            answer = client.get(path, query_string=query)
            assert (answer.status_code, answer.headers.get("Retry-After")) == (503, "10"), path
            assert "does not answer" in answer.get_data(as_text=True)
        port = engine.query_url.split(":")[2].split("/")[0]
        program = engines.oxigraph_program()
        assert program is not None
        store = engine.log.parent / "store"
        command = [program, "serve", "--location", str(store), "--bind", f"127.0.0.1:{port}", "--union-default-graph"]
        again = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            deadline, status = time.monotonic() + 30, 0
            while time.monotonic() < deadline and status != 200:  # ASK {?s ?p ?o} would come from the answer cache
                status = client.get("/sparql", query_string={"query": "ASK { ?s a ?o }"}).status_code
                time.sleep(0.2)
            assert status == 200, "the site did not come back when the engine did"
            assert client.get("/doc/city/zurich.html").status_code == 200
        finally:
            again.kill()
            again.wait(timeout=10)


def test_data_in_the_default_graph_is_found_beside_named_graphs(tmp_path: Path) -> None:
    trig = DATA / "cli" / "other.trig"  # a default-graph triple and a named graph about the same thing
    settings = Settings(data_files=(trig,), cache_dir=tmp_path)
    kg = build(settings)
    assert kg.default_graph_quads == 1
    with engines.oxigraph(None, writable=True) as engine:
        assert engine.store_url is not None
        push(kg, engine.store_url, quiet)
        app = create_app(settings.with_overrides(engine=engine.query_url), kg)
        remote = app.extensions["kg"].engine
        assert remote.graph_sizes() == {"http://example.org/provenance": 1, "": 1}
        quads = remote.quads(Iri("http://example.org/thing"))
        assert sorted((quad.predicate.value, quad.graph) for quad in quads) == [
            ("http://example.org/label", ""),
            ("http://example.org/source", "http://example.org/provenance"),
        ]


@needs_virtuoso
def test_bulk_loaded_data_over_virtuoso_serves_its_home_page_and_lists(tmp_path: Path) -> None:
    """Virtuoso refuses a transitive path started only by VALUES; the pages must not ask one."""
    settings = Settings(data_files=(DATA / "cli" / "other.ttl",), cache_dir=tmp_path / "cache")
    kg = build(settings)
    triples = kg.dataset.default_graph.serialize(format="nt", encoding="utf-8")
    quads = b"".join(
        line[:-2] + b" <urn:clip-kg:test:data> .\n" for line in triples.splitlines(keepends=True) if line.strip()
    )
    data = tmp_path / "data.nq"
    data.write_bytes(quads + marker_nquads(kg.base, kg.version))
    with engines.virtuoso(data) as engine:
        client = create_app(settings.with_overrides(engine=engine.query_url), kg).test_client()
        for path in ("/", "/browse/cities", "/.well-known/void"):
            assert client.get(path).status_code == 200, path
