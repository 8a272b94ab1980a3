"""What operators watch: one structured access-log line per request, and counters at /metrics.

Each request gets an id (the client's ``X-Request-Id`` when it is a plain token, else a new
one), sent back in ``X-Request-Id`` and written in its log line: a JSON object with the
time, client, method, path, status, bytes, milliseconds, the error class if any, and for
SPARQL queries a digest of the query text (never the text: it can hold anything).

The counters live in shared memory made before gunicorn forks its workers, so /metrics
gives the whole server's figures whichever worker answers it, in the Prometheus text
format: requests by surface and status class, their duration as a histogram, bytes sent,
and every refusal and failure by its error class (timeouts, results over the limit,
crashed or out-of-memory queries, clients over their share, the engine down, ...).
"""

from __future__ import annotations

import hashlib
import json
import logging
import multiprocessing
import re
import time
import uuid
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime

from flask import Blueprint, Flask, Response, current_app, g, request
from werkzeug.exceptions import HTTPException

from server.errors import KgError

log = logging.getLogger("clip_kg.access")
blueprint = Blueprint("metrics", __name__)

SURFACES = (
    "pages", "sparql", "api", "downloads", "resources", "metadata", "vocabulary", "search", "metrics", "static",
    "fragments", "other",
)  # fmt: skip
"""Where a request went: the blueprint that answered it (``pages`` is the home page and browse lists)."""
CLASSES = ("1xx", "2xx", "3xx", "4xx", "5xx")
BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)
"""Upper bounds, in seconds, of the request-duration histogram (+Inf is the request count)."""
FRONT_REFUSALS = ("slow", "connections", "busy")
"""What the front (``cli/front.py``) refuses before the application sees a request: a request not sent
in time (408), too many connections from one address (429), too many bytes being read (503)."""
EXPOSITION = "text/plain; version=0.0.4; charset=utf-8"
REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")


def error_classes() -> tuple[str, ...]:
    """Every error the site answers with, by class name: the labels of the error counter."""

    def below(cls: type[KgError]) -> Iterator[type[KgError]]:
        for sub in cls.__subclasses__():
            yield sub
            yield from below(sub)

    return tuple(sorted({cls.__name__ for cls in below(KgError)} | {"HTTPException", "Unexpected"}))


class Metrics:
    """Counters in one shared array: made in the master, written by every forked worker under one lock."""

    def __init__(self) -> None:
        self.errors = error_classes()
        self._requests = 0
        self._buckets = self._requests + len(SURFACES) * len(CLASSES)
        self._seconds = self._buckets + len(SURFACES) * len(BUCKETS)
        self._bytes = self._seconds + len(SURFACES)
        self._errors = self._bytes + len(SURFACES)
        self._front = self._errors + len(self.errors)
        self._values = multiprocessing.RawArray("d", self._front + len(FRONT_REFUSALS))
        self._lock = multiprocessing.Lock()

    def count(self, surface: str, status: int, seconds: float, sent: int, error: str) -> None:
        """One answered request."""
        at = SURFACES.index(surface)
        with self._lock:
            self._values[self._requests + at * len(CLASSES) + min(max(status // 100, 1), 5) - 1] += 1
            for index, bound in enumerate(BUCKETS):
                if seconds <= bound:
                    self._values[self._buckets + at * len(BUCKETS) + index] += 1
            self._values[self._seconds + at] += seconds
            self._values[self._bytes + at] += sent
            if error:
                self._values[self._errors + self.errors.index(error)] += 1

    def count_front_refusal(self, reason: str, client: str) -> None:
        """One connection the front answered and closed before the application saw a request; logged too."""
        with self._lock:
            self._values[self._front + FRONT_REFUSALS.index(reason)] += 1
        entry = {"time": datetime.now(UTC).isoformat(timespec="milliseconds"), "client": client, "front": reason}
        log.info(json.dumps(entry))

    def exposition(self) -> str:
        """The counters in the Prometheus text exposition format (version 0.0.4)."""
        with self._lock:
            values = list(self._values)
        lines = [
            "# HELP clip_kg_requests_total Requests answered, by surface and status class.",
            "# TYPE clip_kg_requests_total counter",
        ]
        for at, surface in enumerate(SURFACES):
            for index, status in enumerate(CLASSES):
                count = values[self._requests + at * len(CLASSES) + index]
                lines.append(f'clip_kg_requests_total{{surface="{surface}",status="{status}"}} {count:g}')
        lines += [
            "# HELP clip_kg_request_seconds Time from a request's arrival to its answer, by surface.",
            "# TYPE clip_kg_request_seconds histogram",
        ]
        for at, surface in enumerate(SURFACES):
            total = sum(values[self._requests + at * len(CLASSES) : self._requests + (at + 1) * len(CLASSES)])
            for index, bound in enumerate(BUCKETS):
                count = values[self._buckets + at * len(BUCKETS) + index]
                lines.append(f'clip_kg_request_seconds_bucket{{surface="{surface}",le="{bound:g}"}} {count:g}')
            lines.append(f'clip_kg_request_seconds_bucket{{surface="{surface}",le="+Inf"}} {total:g}')
            lines.append(f'clip_kg_request_seconds_sum{{surface="{surface}"}} {values[self._seconds + at]:.6f}')
            lines.append(f'clip_kg_request_seconds_count{{surface="{surface}"}} {total:g}')
        lines += _counter(
            "clip_kg_response_bytes_total",
            "Bytes of answer bodies sent, by surface.",
            "surface",
            SURFACES,
            values[self._bytes : self._bytes + len(SURFACES)],
        )
        lines += _counter(
            "clip_kg_errors_total",
            "Requests refused or failed, by error class (QueryTimeout, ...).",
            "error",
            self.errors,
            values[self._errors : self._errors + len(self.errors)],
        )
        lines += _counter(
            "clip_kg_front_refusals_total",
            "Connections refused before a request was read whole, by reason.",
            "reason",
            FRONT_REFUSALS,
            values[self._front : self._front + len(FRONT_REFUSALS)],
        )
        return "\n".join(lines) + "\n"


def _counter(name: str, meaning: str, label: str, keys: Sequence[str], counts: Sequence[float]) -> list[str]:
    """One counter with one label, in the exposition format."""
    lines = [f"# HELP {name} {meaning}", f"# TYPE {name} counter"]
    return lines + [f'{name}{{{label}="{key}"}} {count:g}' for key, count in zip(keys, counts, strict=True)]


def install(app: Flask) -> None:
    """Give every request an id, a log line and its counts; serve the counts at /metrics."""
    metrics = Metrics()
    app.extensions["metrics"] = metrics
    app.register_blueprint(blueprint)

    @app.before_request
    def start() -> None:
        g.started = time.monotonic()
        given = request.headers.get("X-Request-Id", "")
        g.request_id = given if REQUEST_ID.fullmatch(given) else uuid.uuid4().hex[:16]

    @app.after_request
    def finish(response: Response) -> Response:
        seconds = time.monotonic() - g.get("started", time.monotonic())
        response.headers["X-Request-Id"] = g.get("request_id", "")
        surface = _surface()
        error = g.get("error", "")  # set by the error handlers
        sent = response.content_length or 0
        metrics.count(surface, response.status_code, seconds, sent, error)
        log.info(_line(response.status_code, sent, seconds, error))
        return response


def _surface() -> str:
    if request.blueprint in SURFACES:
        return str(request.blueprint)
    return "static" if request.endpoint == "static" or request.blueprint == "vendor" else "other"


def _line(status: int, sent: int, seconds: float, error: str) -> str:
    entry = {
        "time": datetime.now(UTC).isoformat(timespec="milliseconds"),
        "id": g.get("request_id", ""),
        "client": request.remote_addr,
        "method": request.method,
        "path": request.path,
        "status": status,
        "bytes": sent,
        "ms": round(seconds * 1000, 1),
    }
    if error:
        entry["error"] = error
    digest = _query_digest()
    if digest:
        entry["query"] = digest
    return json.dumps(entry, ensure_ascii=False)


def _query_digest() -> str:
    """The first 12 hex digits of the SHA-256 of a /sparql request's query, or ''."""
    if request.blueprint != "sparql":
        return ""
    try:
        text = request.args.get("query")
        if text is None and request.mimetype == "application/x-www-form-urlencoded":
            text = request.form.get("query")
        if text is None and request.mimetype == "application/sparql-query":
            text = request.get_data(cache=True).decode("utf-8", "replace")
    except (ValueError, HTTPException):  # a body over the size limit, or not decodable: it was refused already
        return ""
    return hashlib.sha256(text.encode("utf-8", "replace")).hexdigest()[:12] if text else ""


@blueprint.get("/metrics")
def metrics_page() -> Response:
    """The server's counters for Prometheus."""
    metrics: Metrics = current_app.extensions["metrics"]
    return Response(metrics.exposition(), content_type=EXPOSITION)
