"""The dumps at /dumps: every format plain and gzipped, with size and SHA-256, parsed by
independent parsers (rapper from Debian's raptor2-utils, and pyoxigraph for JSON-LD)."""

from __future__ import annotations

import gzip
import hashlib
import re
import shutil
import subprocess
import time
from pathlib import Path

import pyoxigraph
import pytest
from flask.testing import FlaskClient

from server.config import Settings
from server.formats import RDF_FORMATS
from server.kg.build import KnowledgeGraph
from server.web.app import create_app

from ..conftest import DATA, BufferedClient

FILES = [f"clip-kg.{fmt.extension}{gz}" for fmt in RDF_FORMATS for gz in ("", ".gz")]
TYPES = {f"clip-kg.{fmt.extension}": fmt.media_type for fmt in RDF_FORMATS}
RAPPER = shutil.which("rapper")
needs_rapper = pytest.mark.needs_tool(
    missing=RAPPER is None, reason="rapper is not installed (Debian: apt-get install raptor2-utils); CI installs it"
)
RAPPER_SYNTAX = {"ttl": "turtle", "nt": "ntriples", "nq": "nquads", "trig": "trig", "rdf": "rdfxml"}


def listing(client: FlaskClient) -> dict[str, dict[str, object]]:
    response = client.get("/dumps", headers={"Accept": "application/json"})
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    return {entry["file"]: entry for entry in response.json["files"]}  # type: ignore[index]


def test_there_are_twelve_files_six_formats_plain_and_gzipped(client: FlaskClient) -> None:
    assert sorted(listing(client)) == sorted(FILES)
    assert len(FILES) == 12


@pytest.mark.parametrize("name", FILES)
def test_every_file_answers_with_its_type_length_and_etag(client: FlaskClient, name: str) -> None:
    response = client.get(f"/dumps/{name}")
    assert response.status_code == 200
    expected_type = "application/gzip" if name.endswith(".gz") else TYPES[name]
    assert response.mimetype == expected_type
    assert "Content-Encoding" not in response.headers  # a .gz is a file to download, not an encoding
    assert int(response.headers["Content-Length"]) == len(response.data)
    entry = listing(client)[name]
    assert entry["bytes"] == len(response.data)
    assert entry["sha256"] == hashlib.sha256(response.data).hexdigest()
    assert response.headers["ETag"] == f'"{entry["sha256"]}"'
    assert f'filename="{name}"' in response.headers["Content-Disposition"]


@pytest.mark.parametrize("name", [f for f in FILES if not f.endswith(".gz")])
def test_gunzip_of_the_gz_equals_the_plain_file(client: FlaskClient, name: str) -> None:
    packed = client.get(f"/dumps/{name}.gz").data
    assert gzip.decompress(packed) == client.get(f"/dumps/{name}").data
    assert packed[4:8] == b"\x00\x00\x00\x00"  # mtime=0: the same data gives the same bytes


def test_the_page_shows_each_file_with_its_real_sha256(client: FlaskClient) -> None:
    page = client.get("/dumps", headers={"Accept": "text/html"})
    assert page.mimetype == "text/html"
    assert "Accept" in page.headers["Vary"]
    text = page.get_data(as_text=True)
    for name in FILES:
        data = client.get(f"/dumps/{name}").data
        assert f">{name}</a>" in text
        assert hashlib.sha256(data).hexdigest() in text
        assert f">{len(data)}<" in text


def test_json_listing_gives_absolute_urls_under_the_base(client: FlaskClient) -> None:
    entry = listing(client)["clip-kg.trig.gz"]
    assert entry["url"] == "https://w3id.org/clip-network/dumps/clip-kg.trig.gz"
    assert entry["content_type"] == "application/gzip"
    assert entry["media_type"] == "application/trig"
    assert entry["named_graphs"] is True


def test_unchanged_file_answers_304(client: FlaskClient) -> None:
    etag = client.get("/dumps/clip-kg.nt.gz").headers["ETag"]
    assert client.get("/dumps/clip-kg.nt.gz", headers={"If-None-Match": etag}).status_code == 304


def test_range_request_gets_part_of_the_file(client: FlaskClient) -> None:
    response = client.get("/dumps/clip-kg.nt", headers={"Range": "bytes=0-9"})
    assert response.status_code == 206
    assert response.data == client.get("/dumps/clip-kg.nt").data[:10]


@pytest.mark.parametrize("name", ["clip-kg.docx", "clip-kg.ttl.zip", "clip-kg.gz", "other.ttl"])
def test_unknown_files_are_404(client: FlaskClient, name: str) -> None:
    assert client.get(f"/dumps/{name}").status_code == 404


def test_list_in_an_unavailable_type_is_406(client: FlaskClient) -> None:
    response = client.get("/dumps", headers={"Accept": "image/png"})
    assert response.status_code == 406
    assert b"application/json" in response.data


def _quads(kg: KnowledgeGraph) -> int:
    return len(list(kg.dataset.quads((None, None, None, None))))


def _distinct_triples(kg: KnowledgeGraph) -> int:
    return len({(s, p, o) for s, p, o, _ in kg.dataset.quads((None, None, None, None))})


@needs_rapper
@pytest.mark.parametrize("extension", sorted(RAPPER_SYNTAX))
def test_rapper_parses_every_dump(client: FlaskClient, clip_kg: KnowledgeGraph, tmp_path: Path, extension: str) -> None:
    """rapper counts statements: quads for N-Quads and TriG, the union's triples otherwise."""
    path = tmp_path / f"clip-kg.{extension}"
    path.write_bytes(client.get(f"/dumps/clip-kg.{extension}").data)
    done = subprocess.run(
        [str(RAPPER), "-i", RAPPER_SYNTAX[extension], "-c", str(path)], capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr
    assert "Error" not in done.stderr
    count = re.search(r"returned (\d+) (?:triples|statements)", done.stderr)
    assert count is not None, done.stderr
    keeps_graphs = extension in ("nq", "trig")
    assert int(count.group(1)) == (_quads(clip_kg) if keeps_graphs else _distinct_triples(clip_kg))


@needs_rapper
def test_rapper_sees_the_named_graphs_of_the_trig_dump(
    client: FlaskClient, clip_kg: KnowledgeGraph, tmp_path: Path
) -> None:
    path = tmp_path / "clip-kg.trig"
    path.write_bytes(client.get("/dumps/clip-kg.trig").data)
    done = subprocess.run(
        [str(RAPPER), "-q", "-i", "trig", "-o", "nquads", str(path)], capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr
    graphs = {line.rsplit(" ", 2)[-2].strip("<>") for line in done.stdout.splitlines() if line.strip()}
    assert graphs == set(clip_kg.graph_names())


def test_json_ld_dump_parses_with_pyoxigraph(client: FlaskClient, clip_kg: KnowledgeGraph) -> None:
    """rapper has no JSON-LD parser, so JSON-LD is checked with Oxigraph's instead."""
    data = client.get("/dumps/clip-kg.jsonld").data
    quads = list(pyoxigraph.parse(data, format=pyoxigraph.RdfFormat.JSON_LD))
    assert len(quads) == _quads(clip_kg)
    assert {q.graph_name.value for q in quads} == set(clip_kg.graph_names())


def test_while_a_background_process_works_the_dumps_and_statistics_are_announced_not_missing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from server.web import state as loading

    monkeypatch.setattr(loading, "LARGE_INPUT", 1)  # as for a large dataset: written in the background
    monkeypatch.setattr(loading, "run_in_background", lambda *_: None)  # still being written
    app = create_app(Settings(data_files=(DATA / "cli" / "other.ttl",), cache_dir=tmp_path, reasoning=False))
    client = app.test_client()
    pending = client.get("/dumps/clip-kg.ttl")
    assert (pending.status_code, pending.headers["Retry-After"]) == (503, "60")
    assert "being written" in pending.get_data(as_text=True)
    listing = client.get("/dumps", headers={"Accept": "application/json"})
    assert (listing.status_code, listing.json, listing.headers["Retry-After"]) == (200, {"files": []}, "60")
    home = client.get("/")  # the statistics are still being gathered too
    assert (home.status_code, home.headers["Retry-After"]) == (503, "10")
    assert "still being gathered" in home.get_data(as_text=True)
    assert client.get("/sparql", query_string={"query": "ASK { ?s ?p ?o }"}).status_code == 200


def test_a_large_dataset_gets_its_statistics_and_dumps_from_a_background_process(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from server.web import state as loading

    monkeypatch.setattr(loading, "LARGE_INPUT", 1)
    app = create_app(Settings(data_files=(DATA / "cli" / "other.ttl",), cache_dir=tmp_path, reasoning=False))
    app.test_client_class = BufferedClient
    client = app.test_client()
    deadline = time.monotonic() + 60
    while client.get("/dumps/clip-kg.nt").status_code == 503 and time.monotonic() < deadline:
        time.sleep(0.1)
    assert client.get("/").status_code == 200
    assert client.get("/dumps/clip-kg.nt").data.count(b"\n") == 5
