"""Security headers on every answer: what a browser may load and run, framing, sniffing, referrers.

Pages load scripts, styles and images from this server only and run no inline script (the
templates have no ``<script>`` but JSON data blocks, no ``style`` or ``on*`` attribute), so a
``javascript:`` IRI that still became a link would not run; no answer may be framed by another
site (clickjacking) or sniffed into another type; a link out tells the other site this origin,
never the page (its search text or SPARQL query). And no header names the host a client sent:
Werkzeug's own redirects (``/def`` to ``/def/``) are made absolute from the Host header, so
their Location is cut back to a path here (absolute URLs of the site come from the base).
"""

from __future__ import annotations

import base64
import hashlib
from http import HTTPStatus
from urllib.parse import urlsplit, urlunsplit

from flask import Flask, Response, request

PAGE_POLICY = "; ".join(
    (
        "default-src 'none'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self'",
        "connect-src 'self'",
        "form-action 'self'",
        "base-uri 'none'",
        "frame-ancestors 'none'",
    )
)
"""The Content-Security-Policy of an HTML page: this server's own files, nothing inline, never framed."""
COLUMN_RESIZER_STYLES = (
    " .grip-resizable{table-layout:fixed;} .grip-resizable > tbody > tr > td, .grip-resizable > tbody > tr > th"
    "{overflow:hidden} .grip-padding > tbody > tr > td, .grip-padding > tbody > tr > th{padding-left:0!important;"
    " padding-right:0!important;} .grip-container{ height:0px; position:relative;} .grip-handle{margin-left:-5px;"
    " position:absolute; z-index:5; } .grip-handle .grip-resizable{position:absolute;background-color:red;"
    "filter:alpha(opacity=1);opacity:0;width:10px;height:100%;cursor: col-resize;top:0px} .grip-lastgrip"
    "{position:absolute; width:1px; } .grip-drag{ border-left:1px dotted black;\t} .grip-flex{width:auto!important;}"
    " .grip-handle.grip-disabledgrip .grip-resizable{cursor:default; display:none;}",
    "*{cursor:col-resize!important}",
)
"""The two <style> elements YASGUI's result table (its column-resizer) adds: its rules, the cursor while dragging."""


def style_hash(css: str) -> str:
    """The CSP source expression that allows one <style> element with exactly this text (CSP 3, section 8.4)."""
    return "'sha256-" + base64.b64encode(hashlib.sha256(css.encode("utf-8")).digest()).decode("ascii") + "'"


EDITOR_POLICY = PAGE_POLICY.replace("img-src 'self'", "img-src 'self' data:").replace(
    "style-src 'self'", " ".join(("style-src 'self'", *(style_hash(css) for css in COLUMN_RESIZER_STYLES)))
)
"""The query page's policy when it runs YASGUI: the page policy, and two things YASGUI needs.

- Images from ``data:`` URLs: its stylesheet draws its icons (the table's sort arrows) as
  ``url("data:image/png;base64,...")``; a ``data:`` image runs nothing.
- The two <style> elements its table's column-resizer adds, by the hash of their exact text:
  no other inline style (no ``'unsafe-inline'``, no style attribute) is allowed.
Only this page gets it; a test checks the hashes against the installed ``yasgui.min.js``.
"""
OTHER_POLICY = "default-src 'none'; frame-ancestors 'none'"
"""The Content-Security-Policy of any other answer (RDF, JSON, text): nothing to load, never framed."""
HEADERS = {"X-Content-Type-Options": "nosniff", "Referrer-Policy": "strict-origin-when-cross-origin"}
"""Sent with every answer."""


def register_security_headers(app: Flask) -> None:
    """Add the security headers to every answer of ``app``, pages, data, errors and static files alike."""
    app.after_request(lambda response: with_security_headers(without_request_host(response)))


def with_security_headers(response: Response) -> Response:
    """The response with its Content-Security-Policy (by its type), X-Content-Type-Options and Referrer-Policy."""
    if response.headers.get("Content-Security-Policy") != EDITOR_POLICY:  # set by the query page only
        response.headers["Content-Security-Policy"] = PAGE_POLICY if response.mimetype == "text/html" else OTHER_POLICY
    for name, value in HEADERS.items():
        response.headers[name] = value
    return response


def without_request_host(response: Response) -> Response:
    """The response with a Location on the request's own host cut back to a path (RFC 9110 allows one),
    and Werkzeug's HTML body naming that host replaced by a line of text."""
    location = response.headers.get("Location")
    if location:
        parts = urlsplit(location)
        if parts.netloc and parts.netloc == request.host:
            path = urlunsplit(("", "", parts.path or "/", parts.query, parts.fragment))
            response.headers["Location"] = path
            response.set_data(f"{response.status_code} {HTTPStatus(response.status_code).phrase}: {path}\n")
            response.mimetype = "text/plain"
    return response
