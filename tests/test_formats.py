"""Content negotiation: q-values, wildcards, q=0 (RFC 9110, section 12.5.1)."""

from __future__ import annotations

import pytest

from server.formats import RESULTS_FORMATS, negotiate


@pytest.mark.parametrize(
    ("accept", "expected"),
    [
        (None, "application/sparql-results+json"),
        ("", "application/sparql-results+json"),
        ("*/*", "application/sparql-results+json"),
        ("text/csv", "text/csv"),
        ("text/*", "text/csv"),
        ("text/csv;q=0.5, text/tab-separated-values", "text/tab-separated-values"),
        ("application/sparql-results+xml;q=0.9, */*;q=0.1", "application/sparql-results+xml"),
        ("*/*;q=0.1, application/sparql-results+json;q=0", "application/sparql-results+xml"),
        ("TEXT/CSV", "text/csv"),
    ],
)
def test_negotiate_picks(accept: str | None, expected: str) -> None:
    chosen = negotiate(accept, RESULTS_FORMATS)
    assert chosen is not None
    assert chosen.media_type == expected


@pytest.mark.parametrize("accept", ["image/png", "text/html", "text/csv;q=0", "application/json"])
def test_negotiate_gives_none_when_nothing_is_acceptable(accept: str) -> None:
    assert negotiate(accept, RESULTS_FORMATS) is None
