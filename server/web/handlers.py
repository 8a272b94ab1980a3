"""Map the project's exceptions to HTTP responses, in one place."""

from __future__ import annotations

import logging

from flask import Flask, Response, g
from werkzeug.exceptions import HTTPException

from server.errors import KgError

log = logging.getLogger(__name__)


def register_error_handlers(app: Flask) -> None:
    """Answer every error with its status and a plain-text message; never a traceback."""

    @app.errorhandler(KgError)
    def known_error(error: KgError) -> Response:
        g.error = type(error).__name__  # for the access log and the error counter
        response = _text(str(error), error.status)
        if error.retry_after is not None:
            response.headers["Retry-After"] = str(error.retry_after)
        return response

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException) -> Response:
        g.error = "HTTPException"
        response = _text(f"{error.code} {error.name}: {error.description}", error.code or 500)
        return with_error_headers(response, error)

    @app.errorhandler(Exception)
    def unexpected_error(error: Exception) -> Response:
        log.exception("unexpected error")
        g.error = "Unexpected"
        return _text("500 Internal Server Error: the server failed; the error is logged.", 500)


def with_error_headers(response: Response, error: HTTPException) -> Response:
    """The headers the error's status requires, kept on our plain-text answer: Allow on 405
    (RFC 9110, section 15.5.6), WWW-Authenticate, Retry-After and the like; not its own body's type."""
    for name, value in error.get_headers():
        if name.lower() not in ("content-type", "content-length"):
            response.headers[name] = value
    return response


def _text(message: str, status: int) -> Response:
    return Response(message + "\n", status=status, mimetype="text/plain")
