"""Run the application under gunicorn, a production WSGI server, with workers and threads.

The knowledge graph is built once in the master process (``preload_app``) and the
workers are forked from it, so they share the loaded data copy-on-write.
"""

from __future__ import annotations

import logging
import sys
from typing import Any

from flask import Flask
from gunicorn.app.base import BaseApplication

from server.cli.front import FrontLimits, guarded_worker
from server.config import Settings
from server.kg.build import build
from server.kg.progress import Progress
from server.kg.release import open_release
from server.web.app import create_app


class GunicornApplication(BaseApplication):  # type: ignore[misc]
    """gunicorn's documented way to embed it: an application object with options."""

    def __init__(self, app: Flask, options: dict[str, Any]):
        self.application = app
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self) -> Flask:
        return self.application


def serve(settings: Settings, progress: Progress) -> None:
    """Build the graph (or open a release), then serve it until the process is stopped."""
    kg = open_release(settings.release, settings.base_uri) if settings.release else build(settings, progress)
    log_requests_to_stdout()
    app = create_app(settings, kg, progress)
    progress(f"serving on http://{settings.host}:{settings.port}/ ({settings.workers} workers)")
    options = {
        "bind": f"{settings.host}:{settings.port}",
        "workers": settings.workers,
        "threads": settings.threads,
        # Requests are read whole in each worker's event loop before a thread sees them,
        # and connections are counted per client address; the application is told when each
        # request was read whole, its arrival for the query time limit (server/cli/front.py).
        "worker_class": guarded_worker(front_limits(settings)),
        "preload_app": True,
        "accesslog": None,  # the application writes one JSON line per request instead (web/observability.py)
        "timeout": 60,
        # gunicorn refuses request lines over 4094 bytes with an HTML page of its own, so a
        # GET query of 5 KB never reached the endpoint; 0 lifts its limit (gunicorn 27 still
        # stops at 1 MiB) and the endpoint answers 414 in plain text past KG_MAX_REQUEST_BYTES.
        "limit_request_line": 0,
        # gunicorn 25+ opens a control socket at one fixed path in the home folder, so every instance
        # on a machine fought over it; nothing here uses it (signals stop and reload the server).
        "control_socket_disable": True,
    }
    GunicornApplication(app, options).run()


def log_requests_to_stdout() -> None:
    """The access log, one JSON object per line, on stdout (progress and errors go to stderr)."""
    access = logging.getLogger("clip_kg.access")
    if not access.handlers:
        handler = logging.StreamHandler(sys.stdout)
        handler.setFormatter(logging.Formatter("%(message)s"))
        access.addHandler(handler)
    access.setLevel(logging.INFO)
    access.propagate = False


def front_limits(settings: Settings) -> FrontLimits:
    """The slow-client limits of the settings, for the worker class."""
    return FrontLimits(
        header_timeout=settings.header_timeout,
        body_timeout=settings.body_timeout,
        connections_per_client=settings.connections_per_client,
        max_request_bytes=settings.max_request_bytes,
        read_buffer_bytes=settings.read_buffer_bytes,
    )
