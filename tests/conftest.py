"""Shared fixtures: the CLIP graph is built once per session, into a private cache.

Tests that need a tool outside Python (Java for HermiT, Chromium and chromedriver,
rapper, the Oxigraph server and Virtuoso of tests/engines.py) carry the ``needs_tool``
mark or call ``missing_tool``: without the tool they are skipped, or fail when
KG_REQUIRE_TOOLS=1 (as in CI, where a skip would hide that the tool was not installed).
"""

from __future__ import annotations

import os
import shutil
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, NoReturn

import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.serving import make_server
from werkzeug.test import TestResponse

from server.config import Settings
from server.kg.build import KnowledgeGraph, build
from server.kg.marker import marker_nquads
from server.web.app import create_app

from . import engines
from .browser import browser  # noqa: F401 - the shared headless-Chromium fixture

DATA = Path(__file__).parent / "data"
REQUIRE_TOOLS = os.environ.get("KG_REQUIRE_TOOLS") == "1"
OTHER_BASE = "http://127.0.0.1:8123/"
"""A base other than the canonical one, for the tests that the build and the server rebase every IRI."""
HAS_JAVA = shutil.which("java") is not None
JAVA_MISSING = "HermiT needs a Java runtime (apt-get install default-jre-headless)"
needs_java = pytest.mark.needs_tool(missing=not HAS_JAVA, reason=JAVA_MISSING)
OXIGRAPH_MISSING = "the Oxigraph server is missing: pip install -e '.[dev]' (its oxigraph command)"
needs_oxigraph = pytest.mark.needs_tool(missing=engines.oxigraph_program() is None, reason=OXIGRAPH_MISSING)
VIRTUOSO_MISSING = "Virtuoso is missing: apt-get install virtuoso-opensource (virtuoso-t, isql-vt)"
needs_virtuoso = pytest.mark.needs_tool(missing=engines.virtuoso_programs() is None, reason=VIRTUOSO_MISSING)


def missing_tool(reason: str) -> NoReturn:
    """A test cannot run for want of a tool: skip it, or fail it when KG_REQUIRE_TOOLS=1."""
    if REQUIRE_TOOLS:
        pytest.fail(f"{reason}; KG_REQUIRE_TOOLS=1 makes a missing tool a failure, not a skip", pytrace=False)
    pytest.skip(reason)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "needs_tool(missing, reason): skip when missing is true, fail instead with KG_REQUIRE_TOOLS=1"
    )


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    """Apply the needs_tool marks before any fixture starts (a browser, a reasoner)."""
    for mark in item.iter_markers("needs_tool"):
        if mark.kwargs["missing"]:
            missing_tool(mark.kwargs["reason"])


@pytest.fixture(scope="session")
def cache_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A cache private to the test session, so no run trusts an earlier one."""
    return tmp_path_factory.mktemp("cache")


@pytest.fixture(scope="session")
def settings(cache_dir: Path) -> Settings:
    """Settings for the CLIP graph, reasoning only where Java is present."""
    return Settings(cache_dir=cache_dir, reasoning=HAS_JAVA)


@pytest.fixture(scope="session")
def clip_kg(settings: Settings) -> KnowledgeGraph:
    """The CLIP knowledge graph, validated and reasoned, built once."""
    return build(settings)


@pytest.fixture(scope="session")
def app(settings: Settings, clip_kg: KnowledgeGraph) -> Flask:
    """The application serving the CLIP graph."""
    application = create_app(settings, clip_kg)
    application.test_client_class = BufferedClient
    return application


class BufferedClient(FlaskClient):
    """A test client that reads every response whole and closes it, as a WSGI server does.

    Dump files are sent from disk; an unbuffered test response would leave the file open.
    """

    def open(self, *args: Any, buffered: bool = True, **kwargs: Any) -> TestResponse:
        return super().open(*args, buffered=buffered, **kwargs)


@pytest.fixture
def client(app: Flask) -> Iterator[FlaskClient]:
    """A test client of the application."""
    with app.test_client() as test_client:
        yield test_client


@pytest.fixture(scope="session")
def other_base_settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """Settings for the CLIP graph under OTHER_BASE, without reasoning."""
    return Settings(base_uri=OTHER_BASE, cache_dir=tmp_path_factory.mktemp("other-base-cache"), reasoning=False)


@pytest.fixture(scope="session")
def other_base_kg(other_base_settings: Settings) -> KnowledgeGraph:
    """The CLIP graph rebased to OTHER_BASE, built once per session (about 20 s)."""
    return build(other_base_settings)


@pytest.fixture(scope="session")
def other_base_app(other_base_settings: Settings, other_base_kg: KnowledgeGraph) -> Iterator[Flask]:
    """The application serving the CLIP graph under OTHER_BASE."""
    app = create_app(other_base_settings, other_base_kg)
    yield app
    app.extensions["kg"].executor.shutdown()


@pytest.fixture(scope="session")
def limited_app(clip_kg: KnowledgeGraph, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    """The CLIP graph served with small limits: 20 results, 1 s, 4000-byte requests."""
    settings = Settings(
        cache_dir=tmp_path_factory.mktemp("limited"),
        query_timeout=1.0,
        max_results=20,
        max_request_bytes=4000,
        query_processes=2,
        reasoning=False,
    )
    app = create_app(settings, clip_kg)
    yield app
    app.extensions["kg"].executor.shutdown()


HOSTILE_SCHEMES = ("javascript:", "data:", "vbscript:")
"""Schemes of IRIs that run script when a browser follows them: no page may link one."""


@pytest.fixture(scope="session")
def hostile_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    """The site serving IRIs of HOSTILE_SCHEMES in every position (tests/data/web), without reasoning."""
    settings = Settings(
        data_files=(DATA / "web" / "hostile-iris.trig",),
        ontology_files=(DATA / "web" / "hostile-ontology.ttl",),
        cache_dir=tmp_path_factory.mktemp("hostile-cache"),
        reasoning=False,
    )
    app = create_app(settings)
    yield app
    app.extensions["kg"].executor.shutdown()


@contextmanager
def serve_in_thread(app: Flask) -> Iterator[str]:
    """Serve an application on a free port of 127.0.0.1 in a thread; yield its URL."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=5)


@pytest.fixture(scope="session")
def live_url(app: Flask) -> Iterator[str]:
    """The application on a free port of 127.0.0.1, in a thread, for real clients."""
    with serve_in_thread(app) as url:
        yield url


@pytest.fixture(scope="session")
def clip_nquads(clip_kg: KnowledgeGraph, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The CLIP dataset as an N-Quads file with its data version marker, as an engine is loaded for serve --engine."""
    path = tmp_path_factory.mktemp("nquads") / "clip.nq"
    if clip_kg.source_path.is_file():
        path.write_bytes(clip_kg.source_path.read_bytes())
    else:
        clip_kg.dataset.serialize(destination=path, format="nquads")
    with path.open("ab") as out:
        out.write(marker_nquads(clip_kg.base, clip_kg.version))
    return path


@pytest.fixture(scope="session")
def oxigraph_engine(clip_nquads: Path) -> Iterator[engines.Engine]:
    """The Oxigraph server over the CLIP dataset, read-only, the default graph the union of all."""
    if engines.oxigraph_program() is None:
        missing_tool(OXIGRAPH_MISSING)
    with engines.oxigraph(clip_nquads) as engine:
        yield engine


BACKENDS = ("embedded", "oxigraph", "virtuoso")
"""Where the site's queries go: the embedded store, or a real engine behind --engine."""


@pytest.fixture(scope="session", params=BACKENDS)
def backend_app(
    request: pytest.FixtureRequest, app: Flask, settings: Settings, clip_kg: KnowledgeGraph
) -> Iterator[Flask]:
    """The application serving the CLIP graph from each backend in turn (for the tests that take ``client``
    from it: protocol, dereferencing, pages)."""
    if request.param == "embedded":
        yield app
        return
    engine: engines.Engine = request.getfixturevalue(f"{request.param}_engine")
    application = create_app(settings.with_overrides(engine=engine.query_url), clip_kg)
    application.test_client_class = BufferedClient
    application.config["KG_ENGINE_NAME"] = engine.name
    yield application


@pytest.fixture(scope="session")
def virtuoso_engine(clip_nquads: Path) -> Iterator[engines.Engine]:
    """Virtuoso over the CLIP dataset, read-only; its default graph is the union of all its graphs."""
    if engines.virtuoso_programs() is None:
        missing_tool(VIRTUOSO_MISSING)
    with engines.virtuoso(clip_nquads) as engine:
        yield engine
