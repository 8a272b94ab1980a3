"""The front-end libraries npm installed (``make setup``): where they are and which files the site serves.

They are not part of the repository (``node_modules/`` is git-ignored, pinned by
``package-lock.json``), so the site must run without them: ``yasgui()`` answers ``None``
when the query editor is not installed, and the query page falls back to a plain form.
Only the files named in ``YASGUI_FILES`` are ever served, under a path that carries the
installed version, so they can be cached for a year and a new version is a new URL.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

YASGUI_PACKAGE = Path("@triply", "yasgui")
YASGUI_FILES = {
    "yasgui.min.js": "text/javascript",
    "yasgui.min.css": "text/css",
    "yasgui.min.js.map": "application/json",
}
"""The files of the package's ``build/`` folder the site serves, with their media types; nothing else is."""
MAKE_SETUP = "make setup (with Node.js and npm installed)"
"""How to get the libraries, for the pages and messages that miss them."""


@dataclass(frozen=True)
class Library:
    """An installed npm package: its version and the folder of its built files."""

    name: str
    version: str
    build: Path

    def file(self, name: str) -> Path | None:
        """The path of one of the served files, or None for any other name (``..`` included)."""
        return self.build / name if name in YASGUI_FILES and (self.build / name).is_file() else None


def yasgui(node_modules: Path) -> Library | None:
    """The installed YASGUI under ``node_modules``, or None when it (or its built script) is missing.

    Read on each call (a stat and a small JSON file), so a ``make setup`` while the server runs
    is seen by the next page.
    """
    folder = node_modules / YASGUI_PACKAGE
    try:
        version = json.loads((folder / "package.json").read_text(encoding="utf-8"))["version"]
    except (OSError, ValueError, KeyError, TypeError):
        return None
    build = folder / "build"
    needed = ("yasgui.min.js", "yasgui.min.css")
    if not isinstance(version, str) or not all((build / name).is_file() for name in needed):
        return None
    return Library("yasgui", version, build)
