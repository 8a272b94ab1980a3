"""The query editor's files at /vendor/yasgui/, and the query page with and without them (Flask test client)."""

from __future__ import annotations

import gzip
import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from server.config import PROJECT_ROOT
from server.web.headers import COLUMN_RESIZER_STYLES, EDITOR_POLICY, PAGE_POLICY
from server.web.libraries import installed
from server.web.vendor import CACHE_FOR

from .editor import INSTALLED, fake_yasgui, needs_yasgui, node_modules_at

YEAR = f"max-age={CACHE_FOR}"


@pytest.fixture
def fake(app: Flask, tmp_path: Path) -> Iterator[Path]:
    """The application with a stand-in YASGUI 9.9.9 as its node_modules."""
    folder = fake_yasgui(tmp_path / "node_modules")
    with node_modules_at(app, folder):
        yield folder


@pytest.fixture
def without_npm(app: Flask, tmp_path: Path) -> Iterator[None]:
    """The application as on a machine where npm never ran: no node_modules folder."""
    with node_modules_at(app, tmp_path / "absent"):
        yield


def query_page(client: FlaskClient) -> str:
    response = client.get("/sparql", headers={"Accept": "text/html"})
    assert response.status_code == 200 and response.mimetype == "text/html"
    return response.get_data(as_text=True)


def test_the_script_is_served_as_javascript_cached_for_a_year(client: FlaskClient, fake: Path) -> None:
    response = client.get("/vendor/yasgui/9.9.9/yasgui.min.js")
    assert response.status_code == 200
    assert response.mimetype == "text/javascript"
    assert response.data == (fake / "@triply/yasgui/build/yasgui.min.js").read_bytes()
    cache = response.headers["Cache-Control"]
    assert YEAR in cache and "immutable" in cache and "public" in cache
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_the_stylesheet_is_served_as_css(client: FlaskClient, fake: Path) -> None:
    response = client.get("/vendor/yasgui/9.9.9/yasgui.min.css")
    assert response.status_code == 200 and response.mimetype == "text/css"
    assert YEAR in response.headers["Cache-Control"]


def test_a_revalidation_gets_304(client: FlaskClient, fake: Path) -> None:
    etag = client.get("/vendor/yasgui/9.9.9/yasgui.min.js").headers["ETag"]
    assert client.get("/vendor/yasgui/9.9.9/yasgui.min.js", headers={"If-None-Match": etag}).status_code == 304


def test_a_client_that_accepts_gzip_gets_the_same_bytes_gzipped(client: FlaskClient, fake: Path) -> None:
    plain = client.get("/vendor/yasgui/9.9.9/yasgui.min.js")
    packed = client.get("/vendor/yasgui/9.9.9/yasgui.min.js", headers={"Accept-Encoding": "gzip, deflate, br"})
    assert packed.headers["Content-Encoding"] == "gzip" and "Content-Encoding" not in plain.headers
    assert gzip.decompress(packed.data) == plain.data == (fake / "@triply/yasgui/build/yasgui.min.js").read_bytes()
    assert packed.headers["ETag"] != plain.headers["ETag"], "an ETag names one representation"
    assert "Accept-Encoding" in packed.headers["Vary"] and "Accept-Encoding" in plain.headers["Vary"]
    assert YEAR in packed.headers["Cache-Control"] and "immutable" in packed.headers["Cache-Control"]
    again = {"Accept-Encoding": "gzip", "If-None-Match": packed.headers["ETag"]}
    assert client.get("/vendor/yasgui/9.9.9/yasgui.min.js", headers=again).status_code == 304
    refused = client.get("/vendor/yasgui/9.9.9/yasgui.min.js", headers={"Accept-Encoding": "gzip;q=0, identity"})
    assert "Content-Encoding" not in refused.headers, "gzip;q=0 means not gzip"


@pytest.mark.parametrize(
    "path",
    [
        "/vendor/yasgui/9.9.9/..%2f..%2f..%2fsecret.txt",
        "/vendor/yasgui/9.9.9/..%2fpackage.json",
        "/vendor/yasgui/9.9.9/../package.json",
        "/vendor/yasgui/9.9.9/%2e%2e/%2e%2e/%2e%2e/secret.txt",
        "/vendor/yasgui/9.9.9/yasgui.html",  # in build/, but not one of the served files
        "/vendor/yasgui/9.9.9/",
        "/vendor/yasgui/9.9.8/yasgui.min.js",  # another version than the one installed
        "/vendor/yasgui/..%2f..%2fsecret.txt/yasgui.min.js",
        "/vendor/other/1.0/index.js",
    ],
)
def test_anything_else_is_a_clear_404(client: FlaskClient, fake: Path, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 404, path
    assert response.mimetype == "text/plain"
    assert b"not to be served" not in response.data and b'"version"' not in response.data
    assert "/vendor/yasgui/9.9.9/yasgui.min.js" in response.get_data(as_text=True)


def test_without_npm_the_vendor_path_says_how_to_get_the_editor(client: FlaskClient, without_npm: None) -> None:
    response = client.get("/vendor/yasgui/4.2.28/yasgui.min.js")
    assert response.status_code == 404
    assert "make setup" in response.get_data(as_text=True)


def test_the_page_loads_the_editor_when_it_is_installed(client: FlaskClient, fake: Path) -> None:
    html = query_page(client)
    assert '<script src="/vendor/yasgui/9.9.9/yasgui.min.js" defer></script>' in html
    assert '<link rel="stylesheet" href="/vendor/yasgui/9.9.9/yasgui.min.css">' in html
    assert '<script src="/static/editor.js" defer></script>' in html
    assert 'id="yasgui"' in html
    assert 'id="query-text"' not in html and "query.js" not in html and "make setup" not in html


def test_the_editor_is_configured_with_our_endpoint_prefixes_and_examples(
    app: Flask, client: FlaskClient, fake: Path
) -> None:
    html = query_page(client)
    block = re.search(r'<script type="application/json" id="editor-config">(.*?)</script>', html, re.S)
    assert block
    config = json.loads(block.group(1))
    assert config["endpoint"] == "/sparql"
    assert config["method"] == "POST"
    assert config["prefixes"]["clip"] == "https://w3id.org/clip-network/def/"
    assert config["prefixes"]["geo"] == "http://www.w3.org/2003/01/geo/wgs84_pos#"
    assert config["persistenceId"] == "clip-kg https://w3id.org/clip-network/"
    assert config["plugins"] == ["table", "map", "response"]
    assert config["outlines"] is None  # the fake node_modules has no world-atlas
    for name in app.extensions["kg"].queries:
        assert f'id="example-{name}"' in html and f'href="/queries/{name}"' in html


def test_the_editor_page_alone_gets_the_editor_policy(client: FlaskClient, fake: Path) -> None:
    assert client.get("/sparql", headers={"Accept": "text/html"}).headers["Content-Security-Policy"] == EDITOR_POLICY
    assert client.get("/").headers["Content-Security-Policy"] == PAGE_POLICY


def test_the_editor_policy_adds_only_data_images_and_two_style_hashes() -> None:
    def directives(policy: str) -> dict[str, set[str]]:
        return {part.split()[0]: set(part.split()[1:]) for part in policy.split("; ")}

    page, editor = directives(PAGE_POLICY), directives(EDITOR_POLICY)
    assert editor["img-src"] - page["img-src"] == {"data:"}
    added = editor["style-src"] - page["style-src"]
    assert len(added) == len(COLUMN_RESIZER_STYLES) == 2 and all(s.startswith("'sha256-") for s in added)
    assert {k: v for k, v in editor.items() if k not in ("img-src", "style-src")} == {
        k: v for k, v in page.items() if k not in ("img-src", "style-src")
    }
    assert "'unsafe-inline'" not in EDITOR_POLICY and "'unsafe-hashes'" not in EDITOR_POLICY


@needs_yasgui
def test_the_hashed_styles_are_the_ones_the_installed_yasgui_inserts() -> None:
    """A new YASGUI may change its column-resizer's <style>: then this fails, not the page in a browser."""
    assert INSTALLED is not None
    script = (INSTALLED.folder / "build" / "yasgui.min.js").read_text(encoding="utf-8")
    literals = {json.loads(f'"{text}"') for text in re.findall(r'"((?:[^"\\]|\\.)*grip-resizable\{[^"]*)"', script)}
    assert COLUMN_RESIZER_STYLES[0] in literals
    assert 'dragCursor:"col-resize"' in script  # the second style is "*{cursor:" + dragCursor + "!important}"


def test_without_npm_the_page_is_the_plain_form_with_a_note(client: FlaskClient, without_npm: None) -> None:
    response = client.get("/sparql", headers={"Accept": "text/html"})
    html = response.get_data(as_text=True)
    assert '<textarea id="query-text" name="query"' in html
    assert '<script src="/static/query.js" defer></script>' in html
    assert "/vendor/" not in html and "editor.js" not in html
    assert 'class="editor-missing" role="note"' in html and "make setup" in html
    assert response.headers["Content-Security-Policy"] == PAGE_POLICY


@needs_yasgui
def test_the_installed_script_is_served(client: FlaskClient) -> None:
    assert INSTALLED is not None
    response = client.get(f"/vendor/yasgui/{INSTALLED.version}/yasgui.min.js")
    assert response.status_code == 200 and response.mimetype == "text/javascript"
    assert len(response.data) > 500_000


@needs_yasgui
def test_the_map_outlines_are_served_and_named_in_the_editor_config(client: FlaskClient) -> None:
    atlas = installed("world-atlas", PROJECT_ROOT / "node_modules")
    if atlas is None:
        pytest.skip("world-atlas is not in node_modules: the map draws points without outlines")
    url = f"/vendor/world-atlas/{atlas.version}/countries-110m.json"
    assert url in query_page(client)
    response = client.get(url)
    assert response.status_code == 200 and response.mimetype == "application/json"
    assert YEAR in response.headers["Cache-Control"]
    assert response.get_json()["type"] == "Topology"
    assert client.get(f"/vendor/world-atlas/{atlas.version}/countries-10m.json").status_code == 404
