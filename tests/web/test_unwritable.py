"""Valid RDF that a format cannot hold is refused in that format (406), never written broken: RDF/XML
names each property as namespace + XML name, so <http://example.org/1> has no RDF/XML form.
pyoxigraph wrote such a property as <oxprefix:>, which no XML parser reads; rdflib raised (500)."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from xml.dom import minidom

import pytest
from flask import Flask
from flask.testing import FlaskClient

from server.config import Settings
from server.web.app import create_app

from ..conftest import DATA, BufferedClient

UNWRITABLE = DATA / "web" / "unwritable.ttl"
CONSTRUCT = "CONSTRUCT WHERE { ?s ?p ?o }"


@pytest.fixture(scope="module")
def odd_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    settings = Settings(data_files=(UNWRITABLE,), cache_dir=tmp_path_factory.mktemp("odd"), reasoning=False)
    app = create_app(settings)
    app.test_client_class = BufferedClient
    yield app
    app.extensions["kg"].executor.shutdown()


def test_a_resource_document_refuses_rdfxml_and_gives_the_other_formats(odd_app: Flask) -> None:
    client = odd_app.test_client()
    refused = client.get("/doc/thing/odd.rdf")
    assert refused.status_code == 406
    assert "RDF/XML cannot write (http://example.org/1" in refused.get_data(as_text=True)
    for extension in ("ttl", "nt", "jsonld", "html"):
        assert client.get(f"/doc/thing/odd.{extension}").status_code == 200, extension


def test_a_construct_answer_refuses_rdfxml(odd_app: Flask) -> None:
    client = odd_app.test_client()
    refused = client.get("/sparql", query_string={"query": CONSTRUCT}, headers={"Accept": "application/rdf+xml"})
    assert refused.status_code == 406 and "ask for Turtle" in refused.get_data(as_text=True)
    turtle = client.get("/sparql", query_string={"query": CONSTRUCT}, headers={"Accept": "text/turtle"})
    assert turtle.status_code == 200 and b"example.org/1>" in turtle.data


def test_the_dumps_leave_out_rdfxml_and_keep_the_rest(odd_app: Flask) -> None:
    client = odd_app.test_client()
    listed = client.get("/dumps", headers={"Accept": "application/json"}).get_data(as_text=True)
    assert "clip-kg.ttl" in listed and "clip-kg.rdf" not in listed
    assert client.get("/dumps/clip-kg.rdf").status_code == 404
    assert b"example.org/1>" in client.get("/dumps/clip-kg.nt").data


def test_rdfxml_of_ordinary_data_still_parses_as_xml(client: FlaskClient) -> None:
    answer = client.get("/doc/city/vienna.rdf")
    assert answer.status_code == 200
    minidom.parseString(answer.data)  # noqa: S318 - our own answer, checked for being well-formed


def test_the_dump_command_refuses_rdfxml_with_exit_2(tmp_path: Path) -> None:
    command = [sys.executable, "-m", "server", "dump", "--format", "rdf", "--data", str(UNWRITABLE), "--no-reasoning"]
    command += ["--out", str(tmp_path / "out")]
    done = subprocess.run(command, capture_output=True, text=True, timeout=120, env={"KG_CACHE_DIR": str(tmp_path)})  # noqa: S603
    assert done.returncode == 2, done.stderr
    assert "RDF/XML cannot write" in done.stderr and "Traceback" not in done.stderr
    assert not (tmp_path / "out").exists() or list((tmp_path / "out").iterdir()) == []
