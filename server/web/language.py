"""A reader's ?lang= choice follows them: links of a page and redirects keep it.

A reader who asks for ``/doc/city/vienna.html?lang=de`` gets German names; the links of
that page, and the 303 from ``/id/…?lang=de``, carry ``lang=de`` on so that the next page is
German too. Pages are cached per data version without regard to the reader, so the choice
is added to the rendered HTML on the way out rather than when the links are made: only
links to our own pages (a path on this server, not a static file, a library or a download),
only for a well-formed language tag.
"""

from __future__ import annotations

import re
from html import escape, unescape
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from flask import Flask, request
from werkzeug.wrappers import Response

LANGUAGE_TAG = re.compile(r"[A-Za-z]{1,8}(-[A-Za-z0-9]{1,8})*")
"""BCP 47 in its general shape (RFC 5646, section 2.1): enough to refuse anything else."""
OWN_LINK = re.compile(r'href="(/(?!/)[^"]*)"')
"""An href to a path on this server, as the templates write them (always double-quoted)."""
NOT_PAGES = re.compile(r"^/(static|vendor)/|\.(ttl|nt|nq|trig|jsonld|rdf|json|csv|svg|ico|js|css|gz)(\?|#|$)")
"""Paths that are no pages: files, libraries and downloads do not depend on the reader's language."""


def install(app: Flask) -> None:
    """Keep a chosen ?lang= on the links of HTML answers and on the Location of redirects."""
    app.after_request(keep_language)


def chosen_language() -> str | None:
    """The reader's ?lang= when it is a well-formed language tag, else None."""
    wanted = request.args.get("lang", "")
    return wanted if LANGUAGE_TAG.fullmatch(wanted) else None


def keep_language(response: Response) -> Response:
    language = chosen_language()
    if language is None:
        return response
    location = response.headers.get("Location")
    if 300 <= response.status_code < 400 and location and location.startswith("/") and not location.startswith("//"):
        response.headers["Location"] = with_language(location, language)
    elif response.mimetype == "text/html" and not response.direct_passthrough:
        html = response.get_data(as_text=True)
        response.set_data(OWN_LINK.sub(lambda match: _keep_in_href(match, language), html))
    return response


def _keep_in_href(match: re.Match[str], language: str) -> str:
    url = unescape(match.group(1))
    kept = with_language(url, language)
    return match.group(0) if kept == url else f'href="{escape(kept)}"'


def with_language(url: str, language: str) -> str:
    """The URL with lang=LANGUAGE in its query, unless it is no page or already names a language.

    >>> with_language("/doc/city/vienna.html", "de"), with_language("/def/index.html#City", "de")
    ('/doc/city/vienna.html?lang=de', '/def/index.html?lang=de#City')
    >>> with_language("/browse/City?offset=50", "de"), with_language("/static/style.css", "de")
    ('/browse/City?offset=50&lang=de', '/static/style.css')
    >>> with_language("/doc/city/vienna.html?lang=fr", "de"), with_language("/dumps/clip.ttl", "de")
    ('/doc/city/vienna.html?lang=fr', '/dumps/clip.ttl')
    """
    if NOT_PAGES.search(url):
        return url
    scheme, netloc, path, query, fragment = urlsplit(url)
    pairs = parse_qsl(query, keep_blank_values=True)
    if any(name == "lang" for name, _ in pairs):
        return url
    return urlunsplit((scheme, netloc, path, urlencode([*pairs, ("lang", language)]), fragment))
