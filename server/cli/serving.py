"""Run the application under gunicorn, a production WSGI server, with workers and threads.

The knowledge graph is built once in the master process (``preload_app``) and the
workers are forked from it, so they share the loaded data copy-on-write.
"""

from __future__ import annotations

import time
from typing import Any

from flask import Flask
from gunicorn.app.base import BaseApplication
from gunicorn.workers.gthread import ThreadWorker

from server.config import Settings
from server.kg.build import build
from server.kg.progress import Progress
from server.kg.release import open_release
from server.web.app import create_app
from server.web.fairness import mark_arrival


class ArrivalThreadWorker(ThreadWorker):  # type: ignore[misc]
    """gunicorn's threaded worker, telling the application when each request arrived.

    A request waits in the worker's queue until a thread is free; the time limit of a
    query counts from its arrival, so a query queued behind others is answered within the
    limit too, not after the limit plus its wait.
    """

    def enqueue_req(self, conn: Any) -> None:
        conn.kg_arrived = time.monotonic()  # the connection is readable: a request is there
        super().enqueue_req(conn)

    def handle_request(self, req: Any, conn: Any) -> Any:
        mark_arrival(getattr(conn, "kg_arrived", None))
        try:
            return super().handle_request(req, conn)
        finally:
            mark_arrival(None)


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
    app = create_app(settings, kg, progress)
    progress(f"serving on http://{settings.host}:{settings.port}/ ({settings.workers} workers)")
    options = {
        "bind": f"{settings.host}:{settings.port}",
        "workers": settings.workers,
        "threads": settings.threads,
        "worker_class": f"{ArrivalThreadWorker.__module__}.{ArrivalThreadWorker.__qualname__}",
        "preload_app": True,
        "accesslog": "-",
        "timeout": 60,
        # gunicorn refuses request lines over 4094 bytes with an HTML page of its own, so a
        # GET query of 5 KB never reached the endpoint; 0 lifts its limit (gunicorn 27 still
        # stops at 1 MiB) and the endpoint answers 414 in plain text past KG_MAX_REQUEST_BYTES.
        "limit_request_line": 0,
    }
    GunicornApplication(app, options).run()
