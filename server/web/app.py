"""The Flask application factory: one per-load state, the blueprints, the error handlers."""

from __future__ import annotations

from flask import Flask

from server.config import Settings
from server.kg.build import KnowledgeGraph, build
from server.kg.progress import Progress, silent
from server.urls import is_web_url
from server.web import (
    api,
    dumps,
    facets,
    fairness,
    fragments,
    home,
    language,
    metadata,
    observability,
    protocol,
    quality,
    releases,
    resources,
    search,
    tables,
    vendor,
    vocabulary,
)
from server.web.handlers import register_error_handlers
from server.web.headers import register_security_headers
from server.web.state import AppState

BLUEPRINTS = (
    home,
    protocol,
    api,
    dumps,
    resources,
    metadata,
    vocabulary,
    search,
    vendor,
    releases,
    tables,
    quality,
    fragments,
    facets,
)


def create_app(
    settings: Settings | None = None, kg: KnowledgeGraph | None = None, progress: Progress = silent
) -> Flask:
    """Build (or take) the knowledge graph and return the Flask application serving it.

    Everything derived from the data (engine, dumps, dataset facts) and the table of the
    clients' shares of query processes are made here, once, before a server forks its workers.
    """
    settings = settings or Settings.from_env()
    app = Flask(__name__)
    app.config["MAX_CONTENT_LENGTH"] = settings.max_request_bytes
    app.extensions["kg"] = AppState.load(kg if kg is not None else build(settings, progress), settings, progress)
    app.add_template_test(is_web_url, "web_url")  # templates/_links.html: links to http(s) only
    for module in BLUEPRINTS:
        app.register_blueprint(module.blueprint)
    register_error_handlers(app)
    observability.install(app)
    fairness.install(app, settings)  # after observability: a refusal before parsing has its request id and log line
    language.install(app)
    register_security_headers(app)
    return app
