"""The CLIP knowledge graph: build, validation, reasoning and the web application."""

from __future__ import annotations

from datetime import UTC, datetime

from flask import Flask

from server.config import Settings
from server.kg.build import KnowledgeGraph, build
from server.web.handlers import register_error_handlers
from server.web.state import AppState


def create_app(settings: Settings | None = None, kg: KnowledgeGraph | None = None) -> Flask:
    """Build (or take) the knowledge graph and return the Flask application serving it."""
    settings = settings or Settings.from_env()
    app = Flask(__name__)
    app.config["KG_SETTINGS"] = settings
    app.config["MAX_CONTENT_LENGTH"] = settings.max_request_bytes
    app.config["KG_LOADED_AT"] = datetime.now(UTC).replace(microsecond=0)
    app.extensions["kg"] = AppState.load(kg if kg is not None else build(settings), settings)
    from server.web import api, metadata, resources, search, vocabulary
    from server.web import dumps as downloads
    from server.web import home as pages
    from server.web import protocol as sparql

    app.register_blueprint(pages.blueprint)
    app.register_blueprint(sparql.blueprint)
    app.register_blueprint(api.blueprint)
    app.register_blueprint(downloads.blueprint)
    app.register_blueprint(resources.blueprint)
    app.register_blueprint(metadata.blueprint)
    app.register_blueprint(vocabulary.blueprint)
    app.register_blueprint(search.blueprint)
    metadata.dataset_facts(app.extensions["kg"])  # statistics and gzipped dumps once per load, before workers fork
    register_error_handlers(app)
    return app
