"""A reader's ?lang= follows them: the links of a page and the 303 from a thing keep it."""

from __future__ import annotations

import re
from html import unescape
from urllib.parse import parse_qs, urlsplit

import pytest
from flask import Flask
from flask.testing import FlaskClient

HTML = {"Accept": "text/html"}


def own_links(body: str) -> list[str]:
    return [unescape(href) for href in re.findall(r'href="(/(?!/)[^"]*)"', body)]


def language_of(href: str) -> str | None:
    values = parse_qs(urlsplit(href).query).get("lang")
    return values[0] if values else None


@pytest.mark.parametrize("path", ["/doc/city/vienna.html", "/", "/browse/cities", "/search?q=Wien"])
def test_the_links_of_a_page_keep_the_chosen_language(client: FlaskClient, path: str) -> None:
    sep = "&" if "?" in path else "?"
    body = client.get(f"{path}{sep}lang=de", headers=HTML).get_data(as_text=True)
    pages = [href for href in own_links(body) if re.match(r"/browse/[^.?#]+(\?|$)|/doc/[^?#]*\.html", href)]
    assert pages, "each of these pages links to other pages"
    assert all(language_of(href) == "de" for href in pages)


def test_a_vienna_page_in_german_links_to_german_pages(client: FlaskClient) -> None:
    body = client.get("/doc/city/vienna.html?lang=de").get_data(as_text=True)
    links = own_links(body)
    assert "/doc/country/at.html?lang=de" in links
    assert any(h.startswith("/static/") for h in links)
    assert not any(h.startswith("/static/") and "lang=" in h for h in links), "static files stay as they are"
    assert not any(href.endswith((".ttl?lang=de", ".nt?lang=de")) for href in links), "downloads stay as they are"


def test_the_303_from_a_thing_keeps_the_language(client: FlaskClient) -> None:
    response = client.get("/id/city/vienna?lang=de", headers=HTML)
    assert response.status_code == 303
    assert response.headers["Location"] == "/doc/city/vienna.html?lang=de"


def test_without_a_choice_links_are_unchanged(client: FlaskClient) -> None:
    body = client.get("/doc/city/vienna.html", headers={"Accept-Language": "de"}).get_data(as_text=True)
    assert not any("lang=" in href for href in own_links(body))
    assert client.get("/id/city/vienna", headers=HTML).headers["Location"] == "/doc/city/vienna.html"


@pytest.mark.parametrize("bad", ['de"><script>', "x" * 9, "de_AT", ""])
def test_a_malformed_language_is_not_carried_on(client: FlaskClient, bad: str) -> None:
    response = client.get("/id/city/vienna", query_string={"lang": bad}, headers=HTML)
    assert response.headers["Location"] == "/doc/city/vienna.html"
    body = client.get("/doc/city/vienna.html", query_string={"lang": bad}).get_data(as_text=True)
    assert not any("lang=" in href for href in own_links(body))
    assert "<script>" not in body.split("</title>")[0]


def test_a_malformed_language_is_no_new_state_to_keep(app: Flask) -> None:
    client, kept = app.test_client(), app.extensions["kg"]._cache
    client.get("/facets?kind=cities")
    before = len(kept)
    for n in range(5):
        assert client.get(f"/facets?kind=cities&lang=x_{n}").status_code == 200
    assert len(kept) == before, "a malformed ?lang= is ignored, not a language of its own"
