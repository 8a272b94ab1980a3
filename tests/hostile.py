"""Hostile queries for the tests of the limits on answers and query processes."""

from __future__ import annotations


def doubling(times: int) -> str:
    """A query of under 1 KB whose one value is a string doubled ``times`` times (2**times characters)."""
    binds = " ".join(f"BIND(CONCAT(?a{n}, ?a{n}) AS ?a{n + 1})" for n in range(times))
    return f'SELECT ?a{times} WHERE {{ BIND("x" AS ?a0) {binds} }}'
