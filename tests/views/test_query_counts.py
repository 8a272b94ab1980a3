"""A resource page asks the engine a few batched queries, not one per name it shows: over a remote
engine each query is a round trip (a Virtuoso city page took 98 of them, 250 ms, before batching)."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask

from server.engine.interface import Engine


class Counting:
    """An engine that counts the queries a page sends it."""

    def __init__(self, engine: Engine):
        self.engine, self.queries = engine, 0

    def __getattr__(self, name: str) -> Any:
        found = getattr(self.engine, name)
        if name in ("rows", "ask", "construct", "quads", "quads_about", "mentions"):

            def counted(*args: Any, **kwargs: Any) -> Any:
                self.queries += 1
                return found(*args, **kwargs)

            return counted
        return found


@pytest.mark.parametrize(
    ("path", "most"),
    [
        ("/doc/city/vienna.html", 30),  # 64 names, classes and sources shown
        ("/doc/organisation/eurofound.html", 30),  # 42 publications, each with its kind and modules
        ("/doc/module/housing.html", 30),  # 25 topics in a tree
        ("/doc/publication/frankfurt-entrepreneurship-case-study.html", 15),  # findings and claimed dates
        ("/doc/publication/housing-state-of-the-art-report.html", 15),  # statements resting on S0 alone
    ],
)
def test_a_resource_page_asks_a_bounded_number_of_queries(app: Flask, path: str, most: int) -> None:
    state = app.extensions["kg"]
    counting = Counting(state.engine)
    state.engine = counting
    try:
        assert app.test_client().get(path).status_code == 200
    finally:
        state.engine = counting.engine
    assert counting.queries <= most
