"""Operators' view: a request id and one JSON log line per request, and the whole server's counters at
/metrics in the Prometheus text format (shared by every gunicorn worker)."""

from __future__ import annotations

import json
import logging
import re
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from server.web.observability import BUCKETS, error_classes

from ..conftest import HAS_JAVA
from ..live import clip_kg_serve


def metric(text: str, name: str, **labels: str) -> float:
    """The value of one series in an exposition."""
    wanted = ",".join(f'{key}="{value}"' for key, value in labels.items())
    found = re.search(rf"^{re.escape(name)}{{{re.escape(wanted)}}} (\S+)$", text, re.MULTILINE)
    assert found, f"{name}{{{wanted}}} is not in the exposition"
    return float(found.group(1))


def test_every_answer_carries_a_request_id(client: FlaskClient) -> None:
    made = client.get("/").headers["X-Request-Id"]
    assert re.fullmatch(r"[0-9a-f]{16}", made)
    assert client.get("/", headers={"X-Request-Id": "lb-42.a_b"}).headers["X-Request-Id"] == "lb-42.a_b"
    for hostile in ("two words", "x" * 65, "a\u00e9b", "<script>"):
        assert client.get("/", headers={"X-Request-Id": hostile}).headers["X-Request-Id"] != hostile


def test_each_request_is_one_json_log_line_with_a_digest_not_the_query(
    client: FlaskClient, caplog: pytest.LogCaptureFixture
) -> None:
    query = 'SELECT * WHERE { ?s ?p "a secret the client typed" } LIMIT 1'
    with caplog.at_level(logging.INFO, logger="clip_kg.access"):
        answer = client.get("/sparql", query_string={"query": query}, headers={"X-Request-Id": "req-1"})
        client.get("/doc/city/nowhere.html")
    lines = [json.loads(record.getMessage()) for record in caplog.records if record.name == "clip_kg.access"]
    first, second = lines[-2:]
    assert first["id"] == "req-1" and first["status"] == 200 and first["path"] == "/sparql"
    assert first["bytes"] == len(answer.data) and first["ms"] >= 0 and re.fullmatch(r"[0-9a-f]{12}", first["query"])
    assert "secret" not in caplog.text
    assert (second["status"], second["error"]) == (404, "NotFound") and "query" not in second


def test_metrics_count_requests_by_surface_and_errors_by_class(limited_app: Flask) -> None:
    client = limited_app.test_client()
    before = client.get("/metrics").get_data(as_text=True)
    client.get("/doc/city/vienna.html")
    over = client.get("/sparql", query_string={"query": "SELECT * WHERE { ?s ?p ?o }"})  # 20 rows at most here
    assert over.status_code == 422
    answer = client.get("/metrics")
    assert answer.headers["Content-Type"] == "text/plain; version=0.0.4; charset=utf-8"
    after = answer.get_data(as_text=True)
    assert metric(after, "clip_kg_requests_total", surface="resources", status="2xx") == 1 + metric(
        before, "clip_kg_requests_total", surface="resources", status="2xx"
    )
    assert metric(after, "clip_kg_errors_total", error="ResultTooLarge") == 1 + metric(
        before, "clip_kg_errors_total", error="ResultTooLarge"
    )
    counts = [metric(after, "clip_kg_request_seconds_bucket", surface="sparql", le=f"{b:g}") for b in BUCKETS]
    assert counts == sorted(counts)  # cumulative
    assert counts[-1] <= metric(after, "clip_kg_request_seconds_count", surface="sparql")
    for name in ("QueryTimeout", "ResultTooLarge", "EngineUnavailable", "QuerySyntaxError"):
        assert name in error_classes()


@pytest.mark.live
def test_every_worker_reports_the_whole_servers_counts_and_logs_json(cache_dir: Path, tmp_path: Path) -> None:
    log = tmp_path / "access.log"
    with clip_kg_serve(cache_dir, access_log=log, reasoning="yes" if HAS_JAVA else "no") as (url, _):
        for _ in range(20):
            with urllib.request.urlopen(url + "/doc/city/vienna.html", timeout=10) as answer:  # noqa: S310
                assert answer.status == 200
        seen = set()
        for _ in range(10):  # answered by either of the two workers
            with urllib.request.urlopen(url + "/metrics", timeout=10) as answer:  # noqa: S310
                text = answer.read().decode()
            seen.add(metric(text, "clip_kg_requests_total", surface="resources", status="2xx"))
        assert min(seen) >= 20
        with pytest.raises(urllib.error.HTTPError):
            urllib.request.urlopen(url + "/doc/city/atlantis.html", timeout=10)  # noqa: S310
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline and "atlantis" not in log.read_text():
            time.sleep(0.1)
    lines = [json.loads(line) for line in log.read_text().splitlines()]
    assert sum(line["path"] == "/doc/city/vienna.html" and line["status"] == 200 for line in lines) == 20
    assert any(line["path"] == "/doc/city/atlantis.html" and line["status"] == 404 for line in lines)
