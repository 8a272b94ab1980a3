"""The one mapping between resource IRIs and this server's URLs (Cool URIs, section 4.3).

Things live at ``{base}id/{kind}/{slug}``; their documents at ``{base}doc/{kind}/{slug}``
with explicit variants ``.html .ttl .nt .jsonld .rdf``; vocabulary terms at
``{base}def/{Term}``. The base may carry a path (``https://w3id.org/clip-network/``)
while the server answers at its root, so a URL path is the IRI with the base removed.
Templates receive a ``Urls`` object and never concatenate paths themselves.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import quote

DOCUMENT_EXTENSIONS = ("html", "ttl", "nt", "jsonld", "rdf")
WEB_URL = re.compile(r"https?://\S+", re.IGNORECASE)
"""What a page may link to: http and https only, so that no ``javascript:``, ``data:`` or
``vbscript:`` IRI in the data becomes a link that runs script when clicked."""


def is_web_url(text: str) -> bool:
    """True for an http(s) URL, the only kind of IRI or literal a page makes a link of.

    >>> [is_web_url(t) for t in ("https://example.org/a", "HTTP://EXAMPLE.ORG/", "javascript:alert(1)")]
    [True, True, False]
    >>> [is_web_url(t) for t in ("data:text/html,x", "vbscript:msgbox(1)", " http://example.org/", "http:x")]
    [False, False, False, False]
    """
    return WEB_URL.fullmatch(text) is not None


@dataclass(frozen=True)
class Urls:
    """IRIs under ``base`` and the paths that serve them on this server."""

    base: str

    def is_local(self, iri: str) -> bool:
        """True when the IRI is under the dataset's base, so this server dereferences it.

        >>> Urls("https://w3id.org/clip-network/").is_local("https://w3id.org/clip-network/id/city/vienna")
        True
        """
        return iri.startswith(self.base)

    def path_of(self, iri: str) -> str | None:
        """The server path of a local IRI (``/id/city/vienna``), or None for other IRIs.

        >>> Urls("https://w3id.org/clip-network/").path_of("https://w3id.org/clip-network/id/city/vienna")
        '/id/city/vienna'
        """
        if not self.is_local(iri):
            return None
        return "/" + quote(iri[len(self.base) :], safe="/:@!$&'()*+,;=-._~")

    def iri_of(self, path: str) -> str:
        """The IRI that a server path names.

        >>> Urls("http://127.0.0.1:5000/").iri_of("/id/city/vienna")
        'http://127.0.0.1:5000/id/city/vienna'
        """
        return self.base + path.lstrip("/")

    def document(self, iri: str, extension: str | None = None) -> str:
        """Where a browser or client gets the description of an IRI.

        Local things get their ``/doc/`` document (a variant when ``extension`` is given);
        vocabulary terms point into the vocabulary document; other IRIs are returned as
        they are (external links).

        >>> urls = Urls("https://w3id.org/clip-network/")
        >>> urls.document("https://w3id.org/clip-network/id/city/vienna", "ttl")
        '/doc/city/vienna.ttl'
        >>> urls.document("https://w3id.org/clip-network/def/City")
        '/def/index.html#City'
        >>> urls.document("https://www.wikidata.org/entity/Q1741")
        'https://www.wikidata.org/entity/Q1741'
        """
        path = self.path_of(iri)
        if path is None:
            return iri
        if path.startswith("/id/"):
            document = "/doc/" + path[len("/id/") :]
            return f"{document}.{extension}" if extension else document
        if path.startswith("/def/") and path != "/def/":
            term = path[len("/def/") :]
            if extension in (None, "html"):
                return f"/def/index.html#{term}"
            return f"/def/index.{extension}"
        return path

    def link(self, iri: str) -> str | None:
        """The href for an IRI in an HTML page: its HTML document when it is ours, the IRI itself
        when it is an http(s) URL, and None for any other scheme (the page shows it as text).

        Every link a page makes from the data goes through here (or ``is_web_url``).

        >>> urls = Urls("https://w3id.org/clip-network/")
        >>> urls.link("https://w3id.org/clip-network/id/city/vienna"), urls.link("https://example.org/x")
        ('/doc/city/vienna.html', 'https://example.org/x')
        >>> urls.link("javascript:alert(1)") is None
        True
        """
        path = self.path_of(iri)
        if path is not None and path.startswith("/id/"):
            return self.document(iri, "html")
        if path is not None:
            return self.document(iri)
        return iri if is_web_url(iri) else None
