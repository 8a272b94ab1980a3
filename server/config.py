"""One typed settings object; every setting documented in ``SETTINGS`` and the README."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

from server.errors import BadInput
from server.namespaces import CANONICAL_BASE

ENGINE_TIMEOUT = re.compile(r"auto|none|[A-Za-z][\w.-]*:(ms|s)")
PROJECT_ROOT = Path(__file__).resolve().parent.parent
"""The repository checkout: the CLIP data folders sit next to the ``server`` package."""


def _default_cache_dir() -> Path:
    xdg = os.environ.get("XDG_CACHE_HOME")
    return (Path(xdg) if xdg else Path.home() / ".cache") / "clip-kg"


@dataclass(frozen=True)
class Settings:
    """Everything that can be configured. Explicit arguments beat ``KG_*`` variables,
    which beat these defaults."""

    base_uri: str = CANONICAL_BASE
    host: str = "127.0.0.1"
    port: int = 5000
    workers: int = 2
    threads: int = 4
    data_files: tuple[Path, ...] = ()
    ontology_files: tuple[Path, ...] = ()
    shapes_files: tuple[Path, ...] = ()
    cache_dir: Path = field(default_factory=_default_cache_dir)
    reasoning: bool = True
    query_timeout: float = 10.0
    max_results: int = 100_000
    max_result_bytes: int = 64 * 1024 * 1024
    max_request_bytes: int = 1_000_000
    header_timeout: float = 10.0
    """Seconds a client has to send a whole request head once it opened the connection (or began a new request)."""
    body_timeout: float = 30.0
    """Seconds a client has to send a request body once its head is in, and a thread's socket waits without progress."""
    connections_per_client: int = 32
    """Open connections one client address may hold in one worker process; more are refused with 429."""
    read_buffer_bytes: int = 64 * 1024 * 1024
    """Bytes all the requests being read may hold in one worker process; the request past it gets 503."""
    max_query_depth: int = 200
    """Deepest nesting of brackets a query may have; deeper is refused before any parser reads it."""
    max_query_tokens: int = 2_000
    """Most tokens a query may have, VALUES rows not counted; more is refused before any parser reads it."""
    query_processes: int = 0
    query_memory_bytes: int = 512 * 1024 * 1024
    answer_cache_bytes: int = 64 * 1024 * 1024
    client_queries: int = 4
    client_query_seconds: float = 60.0
    heavy_queries: int = 1
    trusted_proxies: int = 0
    """Reverse proxies in front whose X-Forwarded-For gives the client's address (0: the connection's)."""
    engine: str = ""
    """The SPARQL 1.1 query endpoint of an engine holding the data ('' for the embedded store)."""
    engine_timeout: str = "auto"
    """How the time limit is passed to the engine: 'auto', 'none', or 'NAME:ms' / 'NAME:s' (a query parameter)."""
    releases_dir: Path | None = None
    """Where ``clip-kg release VERSION`` writes citable releases and the site serves them from (None: in cache_dir)."""
    release: Path | None = None
    """A release folder (``clip-kg release``) to serve in front of ``engine`` instead of building the data."""
    node_modules: Path = PROJECT_ROOT / "node_modules"
    """Where ``npm ci`` (``make setup``) installed the site's front-end libraries, such as the query editor."""

    @property
    def releases_folder(self) -> Path:
        """The folder of citable releases: ``releases_dir``, else ``releases`` in the cache folder."""
        return self.releases_dir if self.releases_dir is not None else self.cache_dir / "releases"

    @property
    def query_pool_size(self) -> int:
        """Query processes per serving process: one per thread unless set."""
        return self.query_processes or max(self.threads, 1)

    def __post_init__(self) -> None:
        if not self.base_uri.endswith(("/", "#")):
            raise BadInput(f"base URI must end with '/' or '#': {self.base_uri!r}")
        if not self.base_uri.startswith(("http://", "https://")):
            raise BadInput(f"base URI must be an http(s) URL: {self.base_uri!r}")
        at_least_one = ("port", "workers", "threads", "max_results", "max_result_bytes", "max_request_bytes")
        for name in (
            *at_least_one,
            "connections_per_client",
            "read_buffer_bytes",
            "max_query_depth",
            "max_query_tokens",
        ):
            if getattr(self, name) < 1:
                raise BadInput(f"{name} must be at least 1, not {getattr(self, name)}")
        if min(self.client_queries, self.client_query_seconds, self.heavy_queries, self.trusted_proxies) < 0:
            raise BadInput("client_queries, client_query_seconds, heavy_queries, trusted_proxies must not be negative")
        if self.header_timeout <= 0 or self.body_timeout <= 0:
            raise BadInput("header_timeout and body_timeout must be positive")
        if self.query_timeout <= 0 or min(self.query_processes, self.answer_cache_bytes, self.query_memory_bytes) < 0:
            raise BadInput(
                "query_timeout must be positive; query_processes, answer_cache_bytes and query_memory_bytes "
                "not negative"
            )
        if self.engine and not self.engine.startswith(("http://", "https://")):
            raise BadInput(f"the engine must be the http(s) URL of a SPARQL endpoint: {self.engine!r}")
        if self.release is not None and not self.engine:
            raise BadInput("a release holds no store: serve it in front of an engine (--engine URL)")
        if not ENGINE_TIMEOUT.fullmatch(self.engine_timeout):
            raise BadInput(f"engine_timeout must be 'auto', 'none' or NAME:ms / NAME:s, not {self.engine_timeout!r}")

    @property
    def is_clip(self) -> bool:
        """True when serving the embedded CLIP graph rather than files given with --data."""
        return not self.data_files

    def with_overrides(self, **overrides: Any) -> Settings:
        """Return a copy with the given fields replaced; ``None`` values are ignored."""
        return replace(self, **{k: v for k, v in overrides.items() if v is not None})

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None, **overrides: Any) -> Settings:
        """Build settings from ``KG_*`` environment variables, then ``overrides``."""
        env = os.environ if environ is None else environ
        values: dict[str, Any] = {}
        for f in fields(cls):
            raw = env.get("KG_" + f.name.upper())
            if raw is not None:
                values[f.name] = _convert(f.name, raw)
        return cls(**values).with_overrides(**overrides)


def _convert(name: str, raw: str) -> Any:
    kind = SETTING_TYPES[name]
    try:
        if kind is int:
            return int(raw)
        if kind is float:
            return float(raw)
        if kind is bool:
            return raw.strip().lower() in ("1", "true", "yes", "on")
        if kind is Path:
            return Path(raw)
        if kind is tuple:
            return tuple(Path(p) for p in raw.split(os.pathsep) if p)
    except ValueError as error:
        raise BadInput(f"KG_{name.upper()}={raw!r} is not a valid value: {error}") from None
    return raw


SETTING_TYPES: dict[str, type] = {
    "base_uri": str,
    "host": str,
    "port": int,
    "workers": int,
    "threads": int,
    "data_files": tuple,
    "ontology_files": tuple,
    "shapes_files": tuple,
    "cache_dir": Path,
    "reasoning": bool,
    "query_timeout": float,
    "max_results": int,
    "max_result_bytes": int,
    "max_request_bytes": int,
    "header_timeout": float,
    "body_timeout": float,
    "connections_per_client": int,
    "read_buffer_bytes": int,
    "max_query_depth": int,
    "max_query_tokens": int,
    "query_processes": int,
    "query_memory_bytes": int,
    "answer_cache_bytes": int,
    "client_queries": int,
    "client_query_seconds": float,
    "heavy_queries": int,
    "trusted_proxies": int,
    "engine": str,
    "engine_timeout": str,
    "releases_dir": Path,
    "release": Path,
    "node_modules": Path,
}

SETTINGS: tuple[tuple[str, str], ...] = (
    (
        "base_uri",
        "Public base under which every resource IRI dereferences; the data is rewritten to it once at load time;"
        " every absolute URL the server writes is under it, never under the Host a request names.",
    ),
    ("host", "Address the server binds to."),
    ("port", "TCP port of the server."),
    ("workers", "Worker processes of the WSGI server."),
    ("threads", "Threads per worker process."),
    ("data_files", "RDF files to publish instead of the CLIP graph (path list, separated by ':')."),
    ("ontology_files", "OWL ontology files to reason with (default: ontology/ for the CLIP graph, none otherwise)."),
    ("shapes_files", "SHACL shapes files to validate with (default: shapes/ for the CLIP graph, none otherwise)."),
    ("cache_dir", "Where inferred triples are cached between runs, keyed by the SHA-256 of the inputs."),
    ("reasoning", "Run the OWL reasoner (needs Java) and publish the inferred graph."),
    ("query_timeout", "Seconds a SPARQL query may run before it is stopped and answered with 503."),
    ("max_results", "Most rows (or triples) a query may return; a larger result is refused with 422, never cut."),
    (
        "max_result_bytes",
        "Most bytes a serialized query answer may have; a larger one is refused with 422 as soon as it passes it.",
    ),
    ("max_request_bytes", "Largest request body or query string accepted; larger requests get 413 or 414."),
    ("header_timeout", "Seconds a client has to send a whole request head; past it the connection is closed (408)."),
    (
        "body_timeout",
        "Seconds a client has to send a request body after its head; also how long a thread waits on a stalled socket.",
    ),
    ("connections_per_client", "Open connections per client address in each worker process; more get 429."),
    ("read_buffer_bytes", "Bytes the requests being read may hold in each worker process; past it 503."),
    (
        "max_query_depth",
        "Deepest nesting of brackets a query may have; deeper queries get 400 before any parser reads them.",
    ),
    (
        "max_query_tokens",
        "Most tokens a query may have (VALUES rows do not count); longer queries get 400 before any parser reads them.",
    ),
    ("query_processes", "Killable query processes per server process (0: one per thread)."),
    (
        "query_memory_bytes",
        "Memory a query process may take beyond what it holds when it starts (0: no limit); "
        "a query past it is refused with 422 and its process replaced.",
    ),
    ("answer_cache_bytes", "Bytes of serialized SPARQL answers each server process keeps per data load (0: none)."),
    ("client_queries", "Queries one client (remote address) may run at once; more are refused with 429 (0: no limit)."),
    (
        "client_query_seconds",
        "Seconds of query processes one client may use per minute; past it 429 with Retry-After (0: no limit).",
    ),
    (
        "heavy_queries",
        "Queries that clients with a query of half the time limit or more in the last minute may run at once, "
        "across the server; more are refused with 429 (0: no limit).",
    ),
    (
        "trusted_proxies",
        "Reverse proxies in front of the server whose X-Forwarded-For sets the client address (werkzeug's "
        "ProxyFix); 0 trusts no header and takes the connection's address.",
    ),
    (
        "engine",
        "SPARQL 1.1 query endpoint of an engine holding the data (Virtuoso, Oxigraph server): every query goes there.",
    ),
    (
        "engine_timeout",
        "How the engine is told the time limit: 'auto' (Virtuoso's timeout parameter when the engine is Virtuoso), "
        "'none', or a query parameter as NAME:ms or NAME:s (e.g. timeout:s for Fuseki).",
    ),
    (
        "releases_dir",
        "Folder of citable releases: 'clip-kg release VERSION' writes VERSION/ into it and the site serves them "
        "at /release/ (default: releases/ in the cache folder).",
    ),
    ("release", "A release folder written by 'clip-kg release' to serve in front of the engine, building nothing."),
    (
        "node_modules",
        "Where npm installed the site's front-end libraries (make setup); without YASGUI there, the query page "
        "is a plain form that says how to get the editor.",
    ),
)
"""(name, help) for every field; a test checks that the README lists each one."""


@dataclass(frozen=True)
class Inputs:
    """The files that make up one knowledge graph."""

    ontology: tuple[Path, ...]
    shapes: tuple[Path, ...]
    data: tuple[Path, ...]


def turtle_files(folder: Path) -> tuple[Path, ...]:
    """All ``*.ttl`` files of a folder, sorted, so builds are reproducible."""
    return tuple(sorted(folder.glob("*.ttl")))


def resolve_inputs(settings: Settings) -> Inputs:
    """Return the input files: the CLIP folders by default, or the ``--data`` files."""
    if settings.is_clip:
        graph_dir = PROJECT_ROOT / "graph"
        if not graph_dir.is_dir():
            raise BadInput(
                f"the CLIP data folders are not next to the server package ({PROJECT_ROOT}); "
                "install with 'pip install -e .' from a checkout, or pass --data FILE"
            )
        return Inputs(
            ontology=settings.ontology_files or turtle_files(PROJECT_ROOT / "ontology"),
            shapes=settings.shapes_files or turtle_files(PROJECT_ROOT / "shapes"),
            data=turtle_files(graph_dir),
        )
    return Inputs(ontology=settings.ontology_files, shapes=settings.shapes_files, data=settings.data_files)
