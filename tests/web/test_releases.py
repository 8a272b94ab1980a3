"""Citable releases on the site (issue 12): /release/, a page per release, its frozen files, "cite this"."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from rdflib import Graph, Literal, Namespace, URIRef
from rdflib.namespace import OWL, XSD

from server.config import Settings
from server.kg.build import KnowledgeGraph
from server.kg.citable import Release, write_citable_release
from server.web.app import create_app

from ..browser import needs_browser, save_screenshot
from ..conftest import BufferedClient, serve_in_thread
from .test_accessibility_browser import AXE, BLOCKING, run_axe

BASE = "https://w3id.org/clip-network/"
DATASET = URIRef(BASE + ".well-known/void#dataset")
SPDX_CHECKSUM_VALUE = URIRef("http://spdx.org/rdf/terms#checksumValue")
SPDX_CHECKSUM = URIRef("http://spdx.org/rdf/terms#checksum")
DCAT = Namespace("http://www.w3.org/ns/dcat#")


@pytest.fixture(scope="module")
def released(app: Flask, clip_kg: KnowledgeGraph, tmp_path_factory: pytest.TempPathFactory) -> tuple[Release, ...]:
    """Two releases of the served data, 0.9.0 then 1.0.0 (the app has written the facts and dumps)."""
    folder = tmp_path_factory.mktemp("site-releases")
    first = write_citable_release(clip_kg, folder, "0.9.0", now=datetime(2026, 11, 30, tzinfo=UTC))
    return first, write_citable_release(clip_kg, folder, "1.0.0", now=datetime(2026, 12, 5, tzinfo=UTC))


@pytest.fixture(scope="module")
def release_app(settings: Settings, clip_kg: KnowledgeGraph, released: tuple[Release, ...]) -> Iterator[Flask]:
    """The site serving the CLIP graph with those releases in its releases folder."""
    application = create_app(settings.with_overrides(releases_dir=released[0].folder.parent), clip_kg)
    application.test_client_class = BufferedClient
    yield application
    application.extensions["kg"].executor.shutdown()


@pytest.fixture
def site(release_app: Flask) -> Iterator[FlaskClient]:
    with release_app.test_client() as test_client:
        yield test_client


def test_the_list_shows_the_releases_newest_first(site: FlaskClient) -> None:
    page = site.get("/release/").get_data(as_text=True)
    assert page.index("1.0.0") < page.index("0.9.0")
    listing = site.get("/release/", headers={"Accept": "application/json"}).get_json()
    assert [release["version"] for release in listing["releases"]] == ["1.0.0", "0.9.0"]
    assert listing["releases"][0]["previous"] == "0.9.0"
    assert listing["current"]["release"] == "1.0.0"


def test_a_release_page_lists_its_files_checksums_citation_and_neighbours(
    site: FlaskClient, released: tuple[Release, ...]
) -> None:
    first, latest = released
    page = site.get("/release/0.9.0/").get_data(as_text=True)
    assert "How to cite" in page and "version 0.9.0 [Data set]" in page
    assert 'href="/release/1.0.0/" rel="next"' in page
    for file in first.files:
        assert file.sha256 in page and f'href="/release/0.9.0/{file.name}"' in page
    assert 'href="/release/0.9.0/" rel="prev"' in site.get("/release/1.0.0/").get_data(as_text=True)
    as_json = site.get("/release/1.0.0/?format=json").get_json()
    assert as_json["previous"] == "0.9.0"
    assert {file["name"]: file["sha256"] for file in as_json["files"]} == {f.name: f.sha256 for f in latest.files}


@pytest.mark.parametrize(
    "name", ["CITATION.cff", "SHA256SUMS", "dumps/clip-kg.ttl", "dumps/clip-kg.nq.gz", "ontology.ttl"]
)
def test_a_file_is_served_as_frozen_with_a_strong_etag_and_immutable_caching(
    site: FlaskClient, released: tuple[Release, ...], name: str
) -> None:
    release = released[1]
    response = site.get(f"/release/1.0.0/{name}")
    assert response.status_code == 200
    assert response.data == (release.folder / name).read_bytes()
    digest = hashlib.sha256(response.data).hexdigest()
    assert response.headers["ETag"] == f'"{digest}"'
    assert {"public", "immutable", "max-age=31536000"} <= {
        part.strip() for part in response.headers["Cache-Control"].split(",")
    }
    assert site.get(f"/release/1.0.0/{name}", headers={"If-None-Match": f'"{digest}"'}).status_code == 304


@pytest.mark.parametrize(
    ("name", "media_type"),
    [
        ("dumps/clip-kg.ttl", "text/turtle"),
        ("dumps/clip-kg.jsonld", "application/ld+json"),
        ("dumps/clip-kg.nq.gz", "application/gzip"),
        ("ontology.nt", "application/n-triples"),
        ("release.json", "application/json"),
        ("CITATION.cff", "application/yaml"),
        ("SHA256SUMS", "text/plain"),
    ],
)
def test_each_file_has_its_media_type(site: FlaskClient, name: str, media_type: str) -> None:
    assert site.get(f"/release/1.0.0/{name}").mimetype == media_type


@pytest.mark.parametrize(
    "path",
    [
        "/release/2.0.0/",
        "/release/2.0.0/SHA256SUMS",
        "/release/1.0.0/nothing.ttl",
        "/release/1.0.0/../0.9.0/SHA256SUMS",
        "/release/1.0.0/%2e%2e/%2e%2e/build.json",
        "/release/1.0.0/dumps/../../../etc/passwd",
        "/release/1.0.0/dumps%2f..%2f..%2fbuild.json",
        "/release/..%2f..%2fetc/passwd",
        "/release/1.0.0.partial-1/SHA256SUMS",
    ],
)
def test_unknown_versions_files_and_paths_out_are_404(site: FlaskClient, path: str) -> None:
    assert site.get(path).status_code == 404


def test_void_and_dcat_chain_the_releases_as_versions(site: FlaskClient, released: tuple[Release, ...]) -> None:
    first, latest = (URIRef(f"{BASE}release/{version}/") for version in ("0.9.0", "1.0.0"))
    for path in ("/.well-known/void", "/catalog"):
        graph = Graph().parse(data=site.get(path, headers={"Accept": "text/turtle"}).data, format="turtle")
        assert set(graph.objects(DATASET, DCAT.hasVersion)) == {first, latest}, path
        assert graph.value(DATASET, DCAT.hasCurrentVersion) == latest
        assert graph.value(latest, DCAT.previousVersion) == first
        assert graph.value(first, DCAT.previousVersion) is None
        assert graph.value(latest, DCAT.version) == Literal("1.0.0")
        assert graph.value(latest, OWL.versionInfo) == Literal("1.0.0")
        assert graph.value(latest, URIRef("http://purl.org/dc/terms/issued")) == Literal(
            "2026-12-05", datatype=XSD.date
        )
        sums = {
            str(graph.value(graph.value(distribution, SPDX_CHECKSUM), SPDX_CHECKSUM_VALUE))
            for distribution in graph.objects(latest, DCAT.distribution)
        }
        assert sums == {file.sha256 for file in released[1].files}


def test_pages_cite_the_release_the_data_is(site: FlaskClient) -> None:
    page = site.get("/doc/city/vienna.html").get_data(as_text=True)
    assert "Cite this:" in page
    assert f"CLIP knowledge graph, version 1.0.0 [Data set]. {BASE}release/1.0.0/" in page
    assert 'href="/release/1.0.0/CITATION.cff"' in page


def test_pages_mark_unreleased_data(client: FlaskClient, clip_kg: KnowledgeGraph) -> None:
    page = client.get("/").get_data(as_text=True)
    assert "Cite this:" in page
    assert f"unreleased data of {datetime.now(UTC).date().isoformat()} (data version {clip_kg.version[:12]})" in page
    assert "No release of the data yet" in page
    assert client.get("/release/", headers={"Accept": "application/json"}).get_json()["releases"] == []


@needs_browser
def test_a_release_page_in_a_browser(release_app: Flask, browser: Any) -> None:
    """Chromium shows the page, its citation and its files, without a console error or a serious axe-core
    finding; screenshot release.png."""
    with serve_in_thread(release_app) as url:
        browser.get(url + "/release/1.0.0/")
        text = browser.find_element("tag name", "body").text
        assert "Release 1.0.0" in text and "How to cite" in text and "SHA256SUMS" in text
        assert "Cite this:" in text
        assert not [entry for entry in browser.get_log("browser") if entry["level"] == "SEVERE"]
        save_screenshot(browser, "release")
        if AXE.is_file():  # node_modules/axe-core, as for every other page kind
            for path in ("/release/1.0.0/", "/release/"):
                browser.get(url + path)
                blocking = [v for v in run_axe(browser)["violations"] if v["impact"] in BLOCKING]
                assert not blocking, (path, blocking)
