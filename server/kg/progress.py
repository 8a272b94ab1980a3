"""Progress reporting for long steps, kept apart from printing (only ``cli.py`` prints)."""

from __future__ import annotations

from collections.abc import Callable

Progress = Callable[[str], None]
"""Receives one human-readable line per step, e.g. ``"parsing graph/cities.ttl (3/14)"``."""


def silent(message: str) -> None:
    """The default progress sink: discard."""
