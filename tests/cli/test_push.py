"""clip-kg push: the marker printed for bulk loaders, a clear error without an engine, a push to a real one."""

from __future__ import annotations

from pathlib import Path

import pyoxigraph
import pytest

from server.cli.main import main
from server.kg.build import KnowledgeGraph
from server.kg.marker import VERSION_INFO, marker_graph

from .. import engines
from ..conftest import DATA, needs_oxigraph


@pytest.fixture(autouse=True)
def private_cache(monkeypatch: pytest.MonkeyPatch, cache_dir: Path) -> None:
    """Every CLI run uses the session's cache, never the user's."""
    monkeypatch.setenv("KG_CACHE_DIR", str(cache_dir))


def test_the_marker_is_one_n_quads_line_with_the_data_version(
    capsys: pytest.CaptureFixture[str], clip_kg: KnowledgeGraph
) -> None:
    assert main(["push", "--marker"]) == 0
    (quad,) = pyoxigraph.parse(capsys.readouterr().out.encode(), format=pyoxigraph.RdfFormat.N_QUADS)
    graph = marker_graph(clip_kg.base)
    assert (quad.subject.value, quad.predicate.value, quad.object.value, quad.graph_name.value) == (  # type: ignore[union-attr]
        graph,
        VERSION_INFO,
        clip_kg.version,
        graph,
    )


def test_push_without_an_engine_says_how(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["push"]) == 2
    assert "--engine-store" in capsys.readouterr().err


def test_push_to_an_engine_that_is_not_there_is_an_error_not_a_traceback(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["push", "--data", str(DATA / "cli" / "other.ttl"), "--engine-store", "http://127.0.0.1:9/store"]) == 3
    assert "does not answer" in capsys.readouterr().err


@needs_oxigraph
def test_push_puts_the_default_graph_of_bulk_loaded_data_too(capsys: pytest.CaptureFixture[str]) -> None:
    with engines.oxigraph(None, writable=True) as engine:
        assert engine.store_url is not None
        data = str(DATA / "cli" / "other.ttl")
        assert main(["push", "--data", data, "--engine-store", engine.store_url]) == 0
        assert "5 triples" in capsys.readouterr().out
        assert engines.ask(engine.query_url, "ASK { <http://example.org/thing> a <http://example.org/Widget> }")
