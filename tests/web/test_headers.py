"""Headers every answer carries: the security headers, Allow on 405, through the Flask test client.

tests/web/test_headers_live.py sends the same over a socket to ``clip-kg serve``.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.datastructures import Headers

import server.web
from server.web.headers import EDITOR_POLICY

TEMPLATES = Path(server.web.__file__).parent / "templates"

PATTERN = re.compile(r"<(?:[^:>]+:)?[^>]+>")
"""A rule's variable part (``<path:rest>``), filled with a placeholder to make a URL of it."""
PAGES = [
    "/",
    "/browse/cities",
    "/doc/city/vienna.html",
    "/doc/module/intercultural.html",
    "/doc/publication/intercultural-policies-in-european-cities.html",
    "/doc/source/s24.html",
    "/sparql",
    "/queries",
    "/def/",
    "/search?q=vienna",
    "/dumps",
    "/catalog",
    "/.well-known/void",
    "/doc/graph/asserted.html",
]
OTHERS = [
    ("/doc/city/vienna.ttl", {}),
    ("/sparql", {"Accept": "text/turtle"}),
    ("/sparql?query=ASK%7B%7D", {"Accept": "application/sparql-results+json"}),
    ("/queries", {"Accept": "application/json"}),
    ("/openapi.json", {}),
    ("/static/style.css", {}),
    ("/static/query.js", {}),
    ("/dumps/clip-kg.ttl", {}),
    ("/id/city/nowhere", {"Accept": "text/turtle"}),  # 404, text
    ("/sparql?query=SELECT", {}),  # 400
]


def csp(headers: Headers) -> dict[str, str]:
    """The Content-Security-Policy as {directive: sources}."""
    value = headers["Content-Security-Policy"]
    return {part.split()[0]: " ".join(part.split()[1:]) for part in value.split(";") if part.strip()}


@pytest.mark.parametrize("path", PAGES)
def test_every_page_has_a_strict_content_security_policy(client: FlaskClient, path: str) -> None:
    response = client.get(path, headers={"Accept": "text/html"})
    assert response.status_code == 200 and response.mimetype == "text/html", path
    policy = csp(response.headers)
    assert policy["default-src"] == "'none'"
    for directive in ("script-src", "style-src", "img-src", "connect-src", "form-action"):
        if response.headers["Content-Security-Policy"] == EDITOR_POLICY and directive in ("style-src", "img-src"):
            continue  # the query page on YASGUI: data: images and two hashed <style>s (tests/web/test_vendor.py)
        assert policy[directive] == "'self'", directive  # no 'unsafe-inline', no other host
    assert policy["frame-ancestors"] == "'none'" and policy["base-uri"] == "'none'"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"


@pytest.mark.parametrize(("path", "headers"), OTHERS)
def test_every_other_answer_has_the_security_headers(client: FlaskClient, path: str, headers: dict[str, str]) -> None:
    response = client.get(path, headers=headers)
    assert response.mimetype != "text/html", path
    assert csp(response.headers) == {"default-src": "'none'", "frame-ancestors": "'none'"}
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"


def test_a_not_modified_answer_has_them_too(client: FlaskClient) -> None:
    etag = client.get("/doc/city/vienna.html").headers["ETag"]
    response = client.get("/doc/city/vienna.html", headers={"If-None-Match": etag})
    assert response.status_code == 304
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]


class Inline(HTMLParser):
    """What the policy would block on a page: inline script, <style>, style and on* attributes."""

    def __init__(self) -> None:
        super().__init__()
        self.blocked: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        names = dict(attrs)
        if (
            tag == "script"
            and "src" not in names
            and names.get("type") not in ("application/json", "application/ld+json")
        ):
            self.blocked.append("inline <script>")
        if tag == "style":
            self.blocked.append("<style>")
        self.blocked += [f"{tag} {name}=" for name in names if name == "style" or name.startswith("on")]
        self.blocked += [f"{tag} {name}={value}" for name, value in attrs if (value or "").startswith("javascript:")]


@pytest.mark.parametrize("path", PAGES)
def test_no_page_needs_what_the_policy_blocks(client: FlaskClient, path: str) -> None:
    parser = Inline()
    parser.feed(client.get(path, headers={"Accept": "text/html"}).get_data(as_text=True))
    assert not parser.blocked, f"{path}: {parser.blocked}"


def test_no_template_has_inline_script_or_style() -> None:
    """Pages a test does not open (errors, other data) are covered by reading the templates."""
    for template in TEMPLATES.rglob("*.html"):
        text = template.read_text(encoding="utf-8")
        scripts = re.findall(r"<script\b([^>]*)>", text)
        assert all("src=" in s or "application/json" in s or "application/ld+json" in s for s in scripts), template
        assert not re.search(r"<style\b|\sstyle=|\son[a-z]+=", text), template


def test_every_405_says_which_methods_are_allowed(app: Flask, client: FlaskClient) -> None:
    """RFC 9110, section 15.5.6: a 405 response MUST carry Allow."""
    checked = 0
    for rule in app.url_map.iter_rules():
        path = PATTERN.sub("x", rule.rule)
        allowed = {m for r in app.url_map.iter_rules() if PATTERN.sub("x", r.rule) == path for m in r.methods or ()}
        response = client.open(path, method="PATCH")
        if response.status_code != 405:  # a converter that refuses "x" routes elsewhere
            continue
        assert set(response.headers["Allow"].split(", ")) >= allowed - {"PATCH"}, rule.rule
        assert "GET" in response.headers["Allow"]
        checked += 1
    assert checked >= 10


@pytest.mark.parametrize(("method", "path"), [("PUT", "/"), ("DELETE", "/sparql"), ("POST", "/dumps")])
def test_a_405_lists_the_methods_of_its_resource(client: FlaskClient, method: str, path: str) -> None:
    response = client.open(path, method=method)
    assert response.status_code == 405 and response.mimetype == "text/plain"
    allowed = set(response.headers["Allow"].split(", "))
    assert {"GET", "HEAD"} <= allowed and ("POST" in allowed) is (path == "/sparql")


HOST_REQUESTS = [
    ("/", "text/html"),
    ("/sparql", "text/turtle"),
    ("/sparql", "text/html"),
    ("/.well-known/void", "text/turtle"),
    ("/.well-known/void", "text/html"),
    ("/catalog", "application/ld+json"),
    ("/catalog", "text/html"),
    ("/dumps", "application/json"),
    ("/dumps", "text/html"),
    ("/queries", "application/json"),
    ("/queries/member_cities", "application/sparql-results+json"),
    ("/openapi.json", "application/json"),
    ("/id/city/vienna", "text/html"),
    ("/id/city/vienna", "text/turtle"),
    ("/doc/city/vienna", "text/turtle"),
    ("/doc/city/vienna.html", "text/html"),
    ("/graph/asserted", "text/turtle"),
    ("/doc/graph/asserted.ttl", "text/turtle"),
    ("/doc/graph/asserted.html", "text/html"),
    ("/def", "text/html"),
    ("/def/City", "text/html"),
    ("/def/", "text/turtle"),
    ("/search?q=vienna", "application/json"),
    ("/id/city/nowhere", "text/html"),
    ("/sparql", "image/png"),
]


@pytest.mark.parametrize(("path", "accept"), HOST_REQUESTS)
def test_no_answer_names_the_host_the_client_sent(client: FlaskClient, path: str, accept: str) -> None:
    """Absolute URLs come from the configured base: a Host header would poison a shared cache."""
    response = client.get(path, headers={"Accept": accept}, base_url="http://evil.example/")
    assert response.status_code < 500, path
    assert "evil.example" not in response.get_data(as_text=True), path
    assert not [(name, value) for name, value in response.headers.items() if "evil.example" in value], path


def test_a_slash_redirect_is_a_path_not_a_url_on_the_clients_host(client: FlaskClient) -> None:
    response = client.get("/def", base_url="http://evil.example/")
    assert response.status_code == 308 and response.headers["Location"] == "/def/"
    assert response.mimetype == "text/plain"
