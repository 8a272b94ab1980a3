"""Security headers on every answer: what a browser may load and run, framing, sniffing, referrers.

Pages load scripts, styles and images from this server only and run no inline script (the
templates have no ``<script>`` but JSON data blocks, no ``style`` or ``on*`` attribute), so a
``javascript:`` IRI that still became a link would not run; no answer may be framed by another
site (clickjacking) or sniffed into another type; a link out tells the other site this origin,
never the page (its search text or SPARQL query).
"""

from __future__ import annotations

from flask import Flask, Response

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
OTHER_POLICY = "default-src 'none'; frame-ancestors 'none'"
"""The Content-Security-Policy of any other answer (RDF, JSON, text): nothing to load, never framed."""
HEADERS = {"X-Content-Type-Options": "nosniff", "Referrer-Policy": "strict-origin-when-cross-origin"}
"""Sent with every answer."""


def register_security_headers(app: Flask) -> None:
    """Add the security headers to every answer of ``app``, pages, data, errors and static files alike."""
    app.after_request(with_security_headers)


def with_security_headers(response: Response) -> Response:
    """The response with its Content-Security-Policy (by its type), X-Content-Type-Options and Referrer-Policy."""
    response.headers["Content-Security-Policy"] = PAGE_POLICY if response.mimetype == "text/html" else OTHER_POLICY
    for name, value in HEADERS.items():
        response.headers[name] = value
    return response

